"""What platforms tell besides messages, and readers that fail: edits, deletions, reactions as
votes, commands, a reader restarted with a catch-up, and a history budget on every restart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatbot.core.events import Event
from chatbot.core.model import Message, Reaction
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom
from tests.hosting.kit import HOST, Harness, at, make_session, make_spec, said

UP = "\N{THUMBS UP SIGN}"
PARTY = "\N{PARTY POPPER}"
SHORT = make_spec(minutes=20, prompts=("What do residents ask you most?",))


def first_by(room: MemoryRoom, handle: str) -> Message:
    return next(m for m in room.messages if m.author.handle == handle)


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"event={event} " in r.getMessage()]


async def test_edits_deletions_and_reactions_reach_the_archive(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits")),  # x1 ... the bot's posts come first
            (6, said(room, "@bob", "A1: parking, mostly")),
            (7, lambda: room.edit(first_by(room, "@ann").id, "A1: permits and potholes")),
            (7, lambda: room.delete(first_by(room, "@bob").id)),
            (8, lambda: room.react(first_by(room, "@ann").id, UP, "@bob")),
            (8, lambda: room.react(first_by(room, "@ann").id, UP, "@cy")),
            (8, lambda: room.react(first_by(room, "@ann").id, UP, "@bob")),  # a repeat: one vote each
            (9, lambda: room.react(first_by(room, "@ann").id, UP, "@cy", added=False)),
            (9, lambda: room.react(first_by(room, "@ann").id, PARTY, "@dee")),
        ]
    )
    await h.runner(make_session(SHORT, announce_before_minutes=[])).run()
    await chat
    ann, bob = first_by(room, "@ann"), first_by(room, "@bob")
    with h.archive() as store:
        edited = store.message(f"x:{ann.id}")
        assert edited.text == "A1: permits and potholes" and edited.edited_at == at(7)
        assert edited.reactions == (Reaction(UP, 1), Reaction(PARTY, 1))
        assert store.message(f"x:{bob.id}").deleted_at == at(7)
    h.close()


async def test_vote_reactions_are_a_questions_likes_and_survive_a_restart(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(SHORT, announce_before_minutes=[])
    first = h.runner(session)

    def asked() -> str:
        return first_by(room, "@ann").id

    chat = h.script(
        [
            (6, said(room, "@ann", "Who trains the staff? #ask")),
            (7, lambda: room.react(asked(), UP, "@bob")),
            (7, lambda: room.react(asked(), UP, "@cy")),
            (7, lambda: room.react(asked(), PARTY, "@dee")),  # not the vote emoji
            (8, first.stop),
        ]
    )
    await first.run()
    assert first.engine.queue.get(1).likes == 2
    assert first.state()["queue"][0]["upvotes"] == 2

    second = h.runner(session)  # a new process: the likes come back from the stored reactions
    restored: list[int] = []
    later = h.script(
        [
            (9, lambda: restored.append(second.engine.queue.get(1).likes)),
            (10, lambda: room.react(asked(), UP, "@bob", added=False)),
        ]
    )
    await second.run()
    await chat
    await later
    assert restored == [2]
    assert second.engine.queue.get(1).likes == 1  # Bob's removal counted, though he voted before
    with h.archive() as store:
        (q,) = store.question_rows(session.spec.id)
        assert q["likes"] == 1
    h.close()


async def test_a_command_given_through_the_platform_is_carried_out(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    runner = h.runner(make_session(SHORT, announce_before_minutes=[]))
    chat = h.script(
        [
            (6, said(room, "@cy", "Who trains the staff? #ask")),
            (7, lambda: room.command(HOST, "approve", "1")),
        ]
    )
    await runner.run()
    await chat
    assert runner.engine.queue.get(1).status.value in ("approved", "answered")


class DropsOnce(MemoryPlatform):
    """A connection that drops when its second event arrives (that event is lost with it);
    a new ``events()`` call connects again."""

    def __init__(self, room: MemoryRoom) -> None:
        super().__init__(room)
        self.drops = 0

    async def events(self) -> AsyncIterator[Event]:
        if self._queue is None:
            self._queue = self.room.listen()
        heard = 0
        async for ev in super().events():
            heard += 1
            if heard == 2 and not self.drops:
                self.drops += 1
                self.room.leave(self._queue)  # what is said until the reader comes back is lost
                self._queue = None
                raise ConnectionResetError("connection reset by peer")
            yield ev


async def test_a_reader_that_fails_is_restarted_and_catches_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    platform = DropsOnce(room)
    platform.echoes_own_posts = False  # only the participants' messages count as events here
    runner = h.runner(make_session(SHORT, announce_before_minutes=[]), platforms=[platform])
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits")),
            (7, said(room, "@bob", "A1: parking")),  # the connection drops with this one
            (12, said(room, "@cy", "A1: noise")),  # heard live again
        ]
    )
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await runner.run()
    await chat
    assert platform.drops == 1
    with h.archive() as store:
        handles = [r["handle"] for r in store.message_rows(runner.session_id) if r["kind"] == "answer"]
        assert handles == ["@ann", "@bob", "@cy"]
    (failed,) = lines(caplog, "reader_failed")
    assert "platform=x failures=1" in failed and "ConnectionResetError" in failed
    (restarted,) = lines(caplog, "reader_restarted")
    assert "platform=x" in restarted and "caught_up=1" in restarted
    h.close()


async def test_catching_up_stops_at_the_platforms_history_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(SHORT, announce_before_minutes=[])
    first = h.runner(session)
    chat = h.script([(6, said(room, "@ann", "A1: permits")), (7, first.stop)])
    await first.run()
    await chat
    for i in range(250):  # while the bot is down
        room.say(f"@p{i}", f"A1: answer {i}")
    second = h.runner(session, platforms=[MemoryPlatform(room, history_budget=120)])
    reads: list[int] = []
    history = second.platforms["x"].history

    async def counted(*, after: str | None = None, limit: int = 100) -> list[Message]:
        reads.append(limit)
        return await history(after=after, limit=limit)

    second.platforms["x"].history = counted  # type: ignore[method-assign]
    late = h.script([(9, said(room, "@zed", "A1: heard live"))])
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await second.run()
    await late
    assert sum(reads[:2]) == 120  # 100, then the 20 left of the budget: no more
    (reached,) = lines(caplog, "history_budget_reached")
    assert "platform=x read=120 during=catch_up" in reached
    with h.archive() as store:
        handles = {r["handle"] for r in store.message_rows(session.spec.id) if r["kind"] == "answer"}
        assert handles == {"@ann", *(f"@p{i}" for i in range(120)), "@zed"}  # then on live
    h.close()
