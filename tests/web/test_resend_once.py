"""A post sent again is one message: a browser that lost its socket before it saw "sent" sends the
post again with the same key, and the room stores it once and says "sent" again; the same text with
a new key is a second message, and another participant's key is theirs alone. Real app (its one
start-up path), real runner, real websockets on loopback; the restart is a second start-up on the
same archive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import aiohttp

from tests.web.conftest import NewClient
from tests.web.kit import Served, config, hosted, until
from tests.web.test_abuse_limits import WS
from tests.web.test_room import joined, receive

KEY = "9b1f0c7e-2d4a-4c55-9e0b-3f6a1d2c8e71"
TEXT = "A1: the bus shelters need lights"


def times_stored(served: Served, text: str) -> int:
    return Counter(m.text for m in served.stored())[text]


async def times_shown(new_client: NewClient, text: str = TEXT) -> int:
    """How often a browser that joins now sees ``text`` in the room."""
    c = new_client()
    await c.get("/chat/localgovchat")
    ws = await c.ws_connect(WS)
    shown = [m["text"] for m in (await receive(ws, "welcome"))["messages"]]
    await ws.close()
    return shown.count(text)


async def post(ws: aiohttp.ClientWebSocketResponse, ref: str, key: str, text: str = TEXT) -> None:
    await ws.send_json({"type": "post", "text": text, "ref": ref, "key": key})


async def test_a_post_sent_again_after_a_reconnect_is_stored_once_and_its_sender_told_sent(
    new_client: NewClient, served: Served
) -> None:
    jane = new_client()
    ws = await joined(jane, "Jane")
    await post(ws, "r1", KEY)
    await ws.close()  # gone before it saw "sent"
    await until(lambda: times_stored(served, TEXT) == 1, "the post is stored")

    ws = await joined(jane, "Jane")  # the same browser (cookie), a new socket
    await post(ws, "r1", KEY)
    sent = await receive(ws, "sent")
    assert sent["ref"] == "r1" and sent["id"] == next(m.id for m in served.stored() if m.text == TEXT)
    await served.settled()
    assert times_stored(served, TEXT) == 1
    assert await times_shown(new_client) == 1

    await post(ws, "r2", "a-new-key")  # the same words said again on purpose: a second message
    second = await receive(ws, "sent")
    assert second["ref"] == "r2" and second["id"] != sent["id"]
    await until(lambda: times_stored(served, TEXT) == 2, "the second post is stored")
    assert await times_shown(new_client) == 2


async def test_a_post_sent_again_while_it_waits_to_be_stored_is_one_message(
    new_client: NewClient, served: Served
) -> None:
    jane = new_client()
    first = await joined(jane, "Jane")
    second = await joined(jane, "Jane")  # a second tab of the same browser: the same participant
    await post(first, "r1", KEY)
    await post(second, "r7", KEY)
    assert (await receive(second, "sent"))["ref"] == "r7"
    await served.settled()
    assert times_stored(served, TEXT) == 1
    assert await times_shown(new_client) == 1


async def test_the_same_key_from_another_participant_is_their_own_message(
    new_client: NewClient, served: Served
) -> None:
    jane, sam = await joined(new_client(), "Jane"), await joined(new_client(), "Sam")
    await post(jane, "r1", KEY)
    mine = await receive(jane, "sent")
    await post(sam, "r1", KEY)
    theirs = await receive(sam, "sent")
    assert mine["id"] != theirs["id"]
    await until(lambda: times_stored(served, TEXT) == 2, "both posts are stored")
    assert {m.author.display for m in served.stored() if m.text == TEXT} == {"Jane", "Sam"}
    assert await times_shown(new_client) == 2


async def test_a_post_sent_again_after_a_restart_is_not_stored_twice(
    tmp_path: Path, transcripts: Path
) -> None:
    cfg = config(tmp_path / "chatbot.db", transcripts)
    jar = aiohttp.CookieJar(unsafe=True)
    async with hosted(cfg) as served, aiohttp.ClientSession(base_url=served.base, cookie_jar=jar) as c:
        ws = await joined(c, "Rita")
        await post(ws, "r1", KEY)
        await until(lambda: times_stored(served, TEXT) == 1, "the post is stored")
        # the bot stops before Rita's browser reads its "sent"
    async with hosted(cfg) as served, aiohttp.ClientSession(base_url=served.base, cookie_jar=jar) as c:
        ws = await c.ws_connect(WS)  # the old cookie: the same participant
        await ws.send_json({"type": "join", "name": "Rita"})
        await receive(ws, "joined")
        await post(ws, "r1", KEY)
        assert (await receive(ws, "sent"))["ref"] == "r1"
        await served.settled()
        assert times_stored(served, TEXT) == 1
        shown = [m["text"] for m in (await receive(await c.ws_connect(WS), "welcome"))["messages"]]
        assert shown.count(TEXT) == 1


async def test_a_key_that_is_not_a_short_string_is_refused(new_client: NewClient, served: Served) -> None:
    ws = await joined(new_client(), "Jane")
    await ws.send_json({"type": "post", "text": TEXT, "ref": "r1", "key": "k" * 65})
    assert (await receive(ws, "error"))["error"] == '"key" must be a string of at most 64 characters'
    await ws.send_json({"type": "post", "text": TEXT, "ref": "r2", "key": 7})
    assert (await receive(ws, "error"))["ref"] == "r2"
    assert times_stored(served, TEXT) == 0
