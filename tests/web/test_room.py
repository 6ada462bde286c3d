"""The room over real websockets, with the real runner behind it: joining, posting, limits, bad
frames, host names."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientSession

from tests.web.conftest import NewClient, login
from tests.web.kit import Served, until

WS = "/chat/localgovchat/ws"


async def receive(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """The next frame of ``kind`` (skipping others)."""
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 2)
        if frame["type"] == kind:
            return dict(frame)


async def joined(client: ClientSession, name: str) -> aiohttp.ClientWebSocketResponse:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    assert (await receive(ws, "welcome"))["room"]["hashtag"] == "#LocalGovChat"
    await ws.send_json({"type": "join", "name": name})
    assert (await receive(ws, "joined"))["you"]["name"] == name
    return ws


async def test_page_gives_a_participant_cookie(client: ClientSession) -> None:
    r = await client.get("/chat/LocalGovChat")
    assert r.status == 200
    cookie = r.cookies["chatbot_pid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "room.js" in await r.text()
    assert (await client.get("/chat/nosuchchat")).status == 404


async def test_socket_needs_cookie_and_same_origin(client: ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as no_cookie:
        await client.ws_connect(WS)
    assert no_cookie.value.status == 403
    await client.get("/chat/localgovchat")
    with pytest.raises(aiohttp.WSServerHandshakeError) as cross:
        await client.ws_connect(WS, headers={"Origin": "https://evil.example"})
    assert cross.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as unknown:
        await client.ws_connect("/chat/other/ws")
    assert unknown.value.status == 404


async def test_post_reaches_everyone_and_the_session(
    client: ClientSession, new_client: NewClient, served: Served
) -> None:
    jane = await joined(client, "Jane")
    sam = await joined(new_client(), "Sam")
    await jane.send_json({"type": "post", "text": "/ask Can residents jump the queue on social media?"})
    seen_by_sam = (await receive(sam, "message"))["message"]
    assert seen_by_sam["author"]["name"] == "Jane" and seen_by_sam["text"].startswith("/ask")
    reply = (await receive(jane, "message"))["message"]  # jane's own message echoes back first
    assert reply["id"] == seen_by_sam["id"]
    confirm = (await receive(jane, "message"))["message"]  # the thanks: to Jane alone
    assert confirm["author"]["bot"] and confirm["only_you"] and confirm["text"].startswith("thanks, your")
    message = served.stored()[0]  # recorded by the runner, as the room heard it
    assert message.platform == "web" and message.author.handle == "Jane" and message.id == reply["id"]
    question = served.state()["queue"][0]
    assert (question["number"], question["author"], question["upvotes"]) == (1, "Jane", 0)
    await sam.send_json({"type": "post", "text": "/upvote 1", "ref": "r1"})
    answer = await receive(sam, "answer")
    assert (answer["ok"], answer["ref"], answer["message"]["command"]) == (True, "r1", "upvote")
    assert answer["message"]["text"] == "upvoted question #1 (1 votes)." and answer["message"]["only_you"]
    assert served.state()["queue"][0]["upvotes"] == 1
    # nobody else saw Sam's command or its answer, nor Jane's thanks; the room keeps neither
    await jane.send_json({"type": "ping"})
    while (frame := await asyncio.wait_for(jane.receive_json(), 2))["type"] != "pong":
        assert frame["type"] not in ("message", "answer"), frame
    assert [m.text for m in served.stored()] == ["/ask Can residents jump the queue on social media?"]
    (vote,) = served.commands()
    assert (vote.name, vote.args, vote.actor.handle, vote.outcome) == ("upvote", ("1",), "Sam", "ok")
    third = new_client()
    await third.get("/chat/localgovchat")
    ws = await third.ws_connect(WS)
    assert [m["text"] for m in (await receive(ws, "welcome"))["messages"]] == [seen_by_sam["text"]]


async def test_a_vote_button_and_a_reaction(
    client: ClientSession, new_client: NewClient, served: Served
) -> None:
    jane = await joined(client, "Jane")
    sam = await joined(new_client(), "Sam")
    await jane.send_json({"type": "post", "text": "/ask Do you measure it?", "ref": "j1"})
    asked = await receive(jane, "sent")
    assert asked["ref"] == "j1" and asked["id"]
    await until(lambda: bool(served.state()["queue"]), "the question is queued")
    await sam.send_json({"type": "command", "name": "upvote", "args": ["1"], "ref": "v1"})
    voted = await receive(sam, "answer")
    assert (voted["ok"], voted["ref"]) == (True, "v1")
    await sam.send_json({"type": "command", "name": "upvote", "args": ["1"], "ref": "v2"})
    again = await receive(sam, "answer")
    assert (again["ok"], again["message"]["text"]) == (False, "you already upvoted question 1")
    assert served.state()["queue"][0]["upvotes"] == 1
    await sam.send_json({"type": "react", "id": asked["id"], "emoji": "\N{THUMBS UP SIGN}"})
    tally = await receive(jane, "reactions")
    assert tally["id"] == asked["id"] and tally["reactions"][0]["count"] == 1
    await sam.send_json({"type": "react", "id": asked["id"], "emoji": "<script>"})
    assert "reactions" in (await receive(sam, "error"))["error"]
    await until(lambda: bool(served.stored()[0].reactions), "the reaction is stored")
    assert served.stored()[0].reactions[0].count == 1


async def test_bad_frames_get_errors_then_close(client: ClientSession, served: Served) -> None:
    ws = await joined(client, "Jane")
    limit = served.ctx.limits.max_bad_frames
    kinds: list[Any] = [b"\x00binary", "not json", "[1, 2]", '{"no": "type"}', '{"type": 3}']
    for i in range(limit - 1):
        frame = kinds[i % len(kinds)]
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        error = await receive(ws, "error")
        assert error["error"]
    await ws.send_json({"type": "ping"})
    assert (await receive(ws, "pong"))["type"] == "pong"  # still alive after limit - 1 bad frames
    await ws.send_str(kinds[-1])  # the last one the limit allows closes it
    await receive(ws, "error")
    closing = await asyncio.wait_for(ws.receive(), 2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == 1008


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"type": "post", "text": 5}, '"text" must be a string'),
        ({"type": "post", "text": "hi", "reply_to": 7}, "reply_to"),
        ({"type": "join", "name": ["x"]}, '"name" must be a string'),
        ({"type": "shout", "text": "hi"}, "unknown frame type"),
        ({"type": "post", "text": "x" * 2001}, "at most 2000"),
        ({"type": "post", "text": "   "}, "empty"),
    ],
)
async def test_wrong_types_are_refused(client: ClientSession, frame: dict[str, Any], error: str) -> None:
    ws = await joined(client, "Jane")
    await ws.send_json(frame)
    assert error in (await receive(ws, "error"))["error"]


async def test_posting_before_joining(client: ClientSession) -> None:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    await ws.send_json({"type": "post", "text": "hello"})
    assert "join" in (await receive(ws, "error"))["error"]


async def test_oversized_frame_closes(client: ClientSession) -> None:
    ws = await joined(client, "Jane")
    await ws.send_str('{"type": "post", "text": "' + "x" * 20000 + '"}')
    msg = await asyncio.wait_for(ws.receive(), 2)
    while msg.type == aiohttp.WSMsgType.TEXT:
        msg = await asyncio.wait_for(ws.receive(), 2)
    assert ws.close_code == 1009


async def test_rate_limit(client: ClientSession, served: Served) -> None:
    ws = await joined(client, "Jane")  # the join took one token of five
    for i in range(5):
        await ws.send_json({"type": "post", "text": f"message {i}", "ref": f"m{i}"})
    frames: list[dict[str, Any]] = []  # "sent" comes once a post is stored: after the refusal, maybe
    while len(frames) < 5:
        frame = await asyncio.wait_for(ws.receive_json(), 2)
        if frame["type"] in ("sent", "error"):
            frames.append(frame)
    sent = [f["ref"] for f in frames if f["type"] == "sent"]
    (error,) = [f for f in frames if f["type"] == "error"]
    assert "slow down" in error["error"] and error["ref"] == "m4"  # the box keeps what was refused
    assert sent == ["m0", "m1", "m2", "m3"]
    await served.settled()
    assert [m.text for m in served.stored()] == [f"message {i}" for i in range(4)]
    assert served.state()["messages"] == 4


async def test_connections_per_address(client: ClientSession, served: Served) -> None:
    await client.get("/chat/localgovchat")
    sockets = [await client.ws_connect(WS) for _ in range(served.room.limits.max_per_address)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as full:
        await client.ws_connect(WS)
    assert full.value.status == 429
    await sockets[0].close()
    await asyncio.sleep(0.05)
    await client.ws_connect(WS)


async def test_participants_cannot_be_hosts(client: ClientSession, served: Served) -> None:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    await ws.send_json({"type": "join", "name": "LocalGovChat"})
    assert "reserved" in (await receive(ws, "error"))["error"]
    await ws.send_json({"type": "join", "name": "Mallory"})
    await receive(ws, "joined")
    await ws.send_json({"type": "post", "text": "/ask is this fair?"})
    await ws.send_json({"type": "post", "text": "/approve 1"})
    await ws.send_json({"type": "post", "text": "/end"})
    texts = [(await receive(ws, "answer"))["message"]["text"] for _ in range(2)]
    assert texts == ["sorry, only the hosts can use /approve.", "sorry, only the hosts can use /end."]
    state = served.state()
    assert [q["status"] for q in state["queue"]] == ["open"] and state["status"] == "scheduled"
    assert [(c.name, c.actor.handle, c.outcome) for c in served.commands()] == [
        ("approve", "Mallory", "refused"),
        ("end", "Mallory", "refused"),
    ]


async def test_logged_in_host_can_chat_as_host(client: ClientSession, served: Served) -> None:
    await login(client)
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    assert (await receive(ws, "welcome"))["host"] is True
    await ws.send_json({"type": "join", "name": "LocalGovChat"})
    you = (await receive(ws, "joined"))["you"]
    assert you["host"] is True
    await ws.send_json({"type": "post", "text": "/start"})
    answer = await receive(ws, "answer")
    assert (answer["ok"], answer["message"]["text"]) == (True, "starting the chat.")
    welcome = (await receive(ws, "message"))["message"]
    assert welcome["author"]["bot"] and welcome["text"].startswith("Welcome to #LocalGovChat!")
    await until(lambda: served.state()["status"] == "live", "the chat is live")


async def test_a_logged_in_host_is_a_host_under_their_own_name(
    client: ClientSession, new_client: NewClient, served: Served
) -> None:
    await served.say("Jane", "/ask What about trolls?")
    await login(client)
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    await receive(ws, "welcome")
    await ws.send_json({"type": "join", "name": "Maria at City Hall"})
    assert (await receive(ws, "joined"))["you"]["host"] is True
    await ws.send_json({"type": "post", "text": "/approve 1"})
    answer = await receive(ws, "answer")
    assert (answer["ok"], answer["message"]["text"]) == (True, "question #1 approved (place 1).")
    await ws.send_json({"type": "post", "text": "Thanks all for coming"})
    shown = (await receive(ws, "message"))["message"]
    assert shown["author"]["host"] is True
    # nobody else can take her name now, however they write it
    other = new_client()
    await other.get("/chat/localgovchat")
    mallory = await other.ws_connect(WS)
    await mallory.send_json({"type": "join", "name": "maria AT city-hall"})
    assert "reserved for the hosts" in (await receive(mallory, "error"))["error"]
    await served.settled()
    people = {p.handle: p.role for p in served.runner.engine.participants.values()}
    assert people["Maria at City Hall"] == "host" and people["Jane"] == "participant"


async def test_room_stop_closes_sockets(client: ClientSession, served: Served) -> None:
    ws = await joined(client, "Jane")
    await served.room.stop()
    msg = await asyncio.wait_for(ws.receive(), 2)
    while msg.type == aiohttp.WSMsgType.TEXT:
        msg = await asyncio.wait_for(ws.receive(), 2)
    assert ws.close_code == 1001


async def test_one_hostile_frame_stops_nothing(
    client: ClientSession, new_client: NewClient, served: Served
) -> None:
    """A lone surrogate (it cannot be stored as UTF-8) once killed the session for everyone, and
    again after every restart; thousands of nested brackets raised an uncaught RecursionError."""
    jane = await joined(client, "Jane")
    sam = await joined(new_client(), "Sam")
    await jane.send_str('{"type": "post", "text": "A1: \\ud800 broken half of an emoji"}')
    shown = (await receive(sam, "message"))["message"]
    assert shown["text"] == "A1: \ufffd broken half of an emoji"
    await jane.send_str("[" * 14_000)
    assert "nested" in (await receive(jane, "error"))["error"]
    await sam.send_json({"type": "post", "text": "A1: and the chat goes on"})
    await until(lambda: len(served.stored()) == 2, "both answers are stored")
    assert [m.text for m in served.stored()] == [
        "A1: \ufffd broken half of an emoji",
        "A1: and the chat goes on",
    ]
    assert served.runner._failure is None
