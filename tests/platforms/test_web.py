"""The web room as a platform adapter: ids, identity, names, limits, history, lifetime."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from chatbot.core.model import Author, Message
from chatbot.platforms.base import Platform, PlatformError
from chatbot.platforms.web import RoomError, RoomFull, RoomLimits, WebRoom, author_id, host_author

SECRET_A = "a" * 32
SECRET_B = "b" * 32


def test_is_a_platform() -> None:
    room = WebRoom("localgovchat")
    assert isinstance(room, Platform)
    assert (room.name, room.max_length, room.supports_threads) == ("web", 4000, True)
    assert room.hashtag == "#localgovchat" and room.slug == "localgovchat"


async def test_participant_message_reaches_runner_and_everyone() -> None:
    room = WebRoom("#LocalGovChat")
    await room.start()
    jane, sam = room.connect("1.1.1.1"), room.connect("2.2.2.2")
    author = room.join(jane, SECRET_A, "  Jane   Doe ")
    assert author.handle == "Jane Doe" and author.id == author_id(SECRET_A)
    sent = room.receive(jane, "A1: yes, with guidance")
    incoming = room.messages()
    got = await asyncio.wait_for(anext(incoming), 1)
    assert got == sent and isinstance(got, Message)
    assert got.platform == "web" and got.author.handle == "Jane Doe" and got.ts.tzinfo is not None
    frame = sam.outbox.get_nowait()
    assert frame == {"type": "message", "message": room.frame(sent)}
    assert SECRET_A not in str(frame)


async def test_bot_posts_are_broadcast_and_kept() -> None:
    room = WebRoom("#localgovchat")
    listener = room.connect("1.1.1.1")
    first = await room.post("Q1: Should frontline staff tweet answers?")
    second = await room.post("thanks!", reply_to=first)
    assert first != second
    frames = [listener.outbox.get_nowait(), listener.outbox.get_nowait()]
    assert frames[0]["message"]["author"]["bot"] is True
    assert frames[1]["message"]["reply_to"] == first
    assert [m.id for m in await room.history()] == [first, second]
    assert [m.id for m in await room.history(after=first)] == [second]
    assert await room.history(after=second) == []
    assert (await room.identity()).is_bot


async def test_ids_are_unique_across_rooms() -> None:
    a, b = WebRoom("#x"), WebRoom("#x")
    assert await a.post("hi") != await b.post("hi")


def test_host_names_are_reserved() -> None:
    room = WebRoom("#localgovchat", reserved=("@LocalGovChat",))
    reader = room.connect("1.1.1.1")
    for name in ("LocalGovChat", "@localgovchat", "Local Gov Chat", "ＬｏｃａｌＧｏｖＣｈａｔ", "chatbot"):
        with pytest.raises(RoomError, match="reserved"):
            room.join(reader, SECRET_A, name)
    host = room.connect("1.1.1.1", host=True)
    assert room.join(host, SECRET_B, "LocalGovChat") == host_author("LocalGovChat")


def test_names_belong_to_one_browser() -> None:
    room = WebRoom("#localgovchat")
    a, b = room.connect("1"), room.connect("2")
    room.join(a, SECRET_A, "Jane")
    with pytest.raises(RoomError, match="already uses"):
        room.join(b, SECRET_B, "jane")
    room.join(a, SECRET_A, "Janet")  # renaming before speaking is fine
    room.join(b, SECRET_B, "Jane")
    room.receive(a, "hello")
    with pytest.raises(RoomError, match="keep the name"):
        room.join(a, SECRET_A, "Someone else")


@pytest.mark.parametrize("name", ["", "   ", "@@", "\u200b\u200b", "x" * 41])
def test_bad_names(name: str) -> None:
    room = WebRoom("#localgovchat")
    with pytest.raises(RoomError):
        room.join(room.connect("1"), SECRET_A, name)


def test_message_text_rules() -> None:
    room = WebRoom("#localgovchat", limits=RoomLimits(max_text=10))
    listener = room.connect("1")
    with pytest.raises(RoomError, match="join"):
        room.receive(listener, "hi")
    room.join(listener, SECRET_A, "Jane")
    with pytest.raises(RoomError, match="empty"):
        room.receive(listener, " \x00\x07 ")
    with pytest.raises(RoomError, match="at most 10"):
        room.receive(listener, "x" * 11)
    assert room.receive(listener, "a\x00b\nc").text == "ab\nc"
    assert room.receive(listener, "hi", reply_to="not-a-message").reply_to is None


def test_connection_limits() -> None:
    room = WebRoom("#localgovchat", limits=RoomLimits(max_connections=3, max_per_address=2))
    room.connect("1")
    room.connect("1")
    with pytest.raises(RoomFull, match="your address"):
        room.connect("1")
    third = room.connect("2")
    with pytest.raises(RoomFull, match="full"):
        room.connect("3")
    room.disconnect(third)
    room.connect("3")


async def test_slow_browser_is_dropped() -> None:
    room = WebRoom("#localgovchat", limits=RoomLimits(outbox=2))
    slow, fine = room.connect("1"), room.connect("2")
    for i in range(3):
        await room.post(f"post {i}")
        fine.outbox.get_nowait()
    assert slow.dropped and room.online == 1
    assert slow.outbox.get_nowait() is None


async def test_stop_ends_everything() -> None:
    room = WebRoom("#localgovchat")
    listener = room.connect("1")
    incoming = room.messages()
    await room.stop()
    await room.stop()
    with pytest.raises(StopAsyncIteration):
        await anext(incoming)
    assert listener.outbox.get_nowait() is None
    with pytest.raises(PlatformError):
        await room.post("too late")
    with pytest.raises(RoomError):
        room.connect("1")
    with pytest.raises(PlatformError):
        await room.start()


async def test_seed_after_a_restart() -> None:
    before = WebRoom("#localgovchat", reserved=("LocalGovChat",))
    jane = before.connect("1")
    before.join(jane, SECRET_A, "Jane")
    said = before.receive(jane, "A1: before the restart")
    posted = await before.post("Q2: next")
    stored = [said, *(await before.history(after=said.id))]
    plain_bot = Message(posted, "web", said.ts, Author("bot", "chatbot"), "Q2: next")
    after = WebRoom("#localgovchat", reserved=("LocalGovChat",))
    after.seed([stored[0], plain_bot])  # the store forgets is_bot: the handle tells
    frames = after.recent()
    assert [f["id"] for f in frames] == [said.id, posted]
    assert frames[1]["author"]["bot"] is True
    assert [m.id for m in await after.history(after=said.id)] == [posted]
    with pytest.raises(RoomError, match="already uses"):
        after.join(after.connect("2"), SECRET_B, "jane")
    listener = after.connect("1")
    after.join(listener, SECRET_A, "Jane")
    with pytest.raises(RoomError, match="keep the name"):
        after.join(listener, SECRET_A, "Janet")
    messages = after.messages()
    new = after.receive(listener, "after")
    assert await anext(messages) == new  # the seeded messages are not heard again


async def test_a_message_deleted_before_the_restart_is_not_shown_again() -> None:
    before = WebRoom("#localgovchat")
    jane = before.connect("1")
    before.join(jane, SECRET_A, "Jane")
    kept = before.receive(jane, "A1: keep this")
    gone = before.receive(jane, "A1: oops, wrong chat")
    after = WebRoom("#localgovchat")
    after.seed([kept, replace(gone, deleted_at=gone.ts)])
    assert [f["text"] for f in after.recent()] == ["A1: keep this"]


async def test_a_reply_to_one_person_reaches_only_their_browsers() -> None:
    room = WebRoom("#localgovchat")
    jane_phone, jane_laptop, sam = room.connect("1.1.1.1"), room.connect("1.1.1.1"), room.connect("2.2.2.2")
    jane = room.join(jane_phone, SECRET_A, "Jane")
    room.join(jane_laptop, SECRET_A, "Jane")
    room.join(sam, SECRET_B, "Sam")
    said = room.receive(sam, "A1: hello")
    for listener in (jane_phone, jane_laptop, sam):
        listener.outbox.get_nowait()  # everyone saw Sam's message
    assert sam.outbox.get_nowait() == {"type": "sent", "ref": "", "id": said.id}  # and Sam knows it was taken
    whisper = await room.post("jane: question #3 is approved", reply_to=said.id, to=jane)
    for listener in (jane_phone, jane_laptop):
        frame = listener.outbox.get_nowait()
        assert frame["message"]["id"] == whisper and frame["message"]["only_you"] is True
        assert frame["message"]["text"] == "jane: question #3 is approved"
    assert sam.outbox.empty()
    assert [m.id for m in await room.history()] == [said.id]  # kept nowhere: not in the history
    assert all(f["id"] != whisper for f in room.recent())  # nor shown to a browser joining later
