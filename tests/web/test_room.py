"""The room over real websockets: joining, posting, limits, bad frames, host names."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.web.conftest import login
from tests.web.fakes import FakeLive

WS = "/chat/localgovchat/ws"


async def receive(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """The next frame of ``kind`` (skipping others)."""
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 2)
        if frame["type"] == kind:
            return frame


async def joined(client: TestClient[Any, Any], name: str) -> aiohttp.ClientWebSocketResponse:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    assert (await receive(ws, "welcome"))["room"]["hashtag"] == "#LocalGovChat"
    await ws.send_json({"type": "join", "name": name})
    assert (await receive(ws, "joined"))["you"]["name"] == name
    return ws


async def test_page_gives_a_participant_cookie(client: TestClient[Any, Any]) -> None:
    r = await client.get("/chat/LocalGovChat")
    assert r.status == 200
    cookie = r.cookies["chatbot_pid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "room.js" in await r.text()
    assert (await client.get("/chat/nosuchchat")).status == 404


async def test_socket_needs_cookie_and_same_origin(client: TestClient[Any, Any]) -> None:
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
    client: TestClient[Any, Any], aiohttp_client: Any, live: FakeLive
) -> None:
    jane = await joined(client, "Jane")
    other = await aiohttp_client(client.server)
    sam = await joined(other, "Sam")
    await jane.send_json({"type": "post", "text": "/ask Can residents jump the queue on social media?"})
    seen_by_sam = (await receive(sam, "message"))["message"]
    assert seen_by_sam["author"]["name"] == "Jane" and seen_by_sam["text"].startswith("/ask")
    reply = (await receive(jane, "message"))["message"]  # jane's own message echoes back first
    assert reply["id"] == seen_by_sam["id"]
    confirm = (await receive(jane, "message"))["message"]
    assert (
        confirm["author"]["bot"]
        and "question is #1" in confirm["text"]
        and confirm["reply_to"] == reply["id"]
    )
    message = live.submitted[0]
    assert message.platform == "web" and message.author.handle == "Jane" and message.id == reply["id"]
    assert "question is #1" in (await receive(sam, "message"))["message"]["text"]
    await sam.send_json({"type": "post", "text": "/upvote 1"})
    await receive(sam, "message")
    assert "upvoted question #1" in (await receive(sam, "message"))["message"]["text"]
    assert live.engine.queue.get(1).upvotes == 1
    # a new browser sees the history
    third = await aiohttp_client(client.server)
    await third.get("/chat/localgovchat")
    ws = await third.ws_connect(WS)
    assert len((await receive(ws, "welcome"))["messages"]) == 4


async def test_bad_frames_get_errors_then_close(client: TestClient[Any, Any]) -> None:
    ws = await joined(client, "Jane")
    bad: list[Any] = [b"\x00binary", "not json", "[1, 2]", '{"no": "type"}', '{"type": 3}']
    for frame in bad[:4]:
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        error = await receive(ws, "error")
        assert error["error"]
    await ws.send_json({"type": "ping"})
    assert (await receive(ws, "pong"))["type"] == "pong"  # still alive after 4 bad frames
    await ws.send_str(bad[4])  # the 5th (the test limit) closes it
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
async def test_wrong_types_are_refused(
    client: TestClient[Any, Any], frame: dict[str, Any], error: str
) -> None:
    ws = await joined(client, "Jane")
    await ws.send_json(frame)
    assert error in (await receive(ws, "error"))["error"]


async def test_posting_before_joining(client: TestClient[Any, Any]) -> None:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    await ws.send_json({"type": "post", "text": "hello"})
    assert "join" in (await receive(ws, "error"))["error"]


async def test_oversized_frame_closes(client: TestClient[Any, Any]) -> None:
    ws = await joined(client, "Jane")
    await ws.send_str('{"type": "post", "text": "' + "x" * 20000 + '"}')
    msg = await asyncio.wait_for(ws.receive(), 2)
    while msg.type == aiohttp.WSMsgType.TEXT:
        msg = await asyncio.wait_for(ws.receive(), 2)
    assert ws.close_code == 1009


async def test_rate_limit(client: TestClient[Any, Any], live: FakeLive) -> None:
    ws = await joined(client, "Jane")  # the join took one token of five
    for i in range(5):
        await ws.send_json({"type": "post", "text": f"message {i}"})
    error = await receive(ws, "error")
    assert "slow down" in error["error"]
    for _ in range(50):
        if len(live.submitted) >= 4:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)
    assert len(live.submitted) == 4


async def test_connections_per_address(client: TestClient[Any, Any]) -> None:
    await client.get("/chat/localgovchat")
    sockets = [await client.ws_connect(WS) for _ in range(4)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as full:
        await client.ws_connect(WS)
    assert full.value.status == 429
    await sockets[0].close()
    await asyncio.sleep(0.05)
    await client.ws_connect(WS)


async def test_participants_cannot_be_hosts(client: TestClient[Any, Any], live: FakeLive) -> None:
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    await ws.send_json({"type": "join", "name": "LocalGovChat"})
    assert "reserved" in (await receive(ws, "error"))["error"]
    await ws.send_json({"type": "join", "name": "Mallory"})
    await receive(ws, "joined")
    await ws.send_json({"type": "post", "text": "/ask is this fair?"})
    await ws.send_json({"type": "post", "text": "/approve 1"})
    await ws.send_json({"type": "post", "text": "/end"})
    texts = []
    while len(texts) < 3:
        m = (await receive(ws, "message"))["message"]
        if m["author"]["bot"]:
            texts.append(m["text"])
    assert "only the hosts can use /approve" in texts[1] and "only the hosts" in texts[2]
    assert live.engine.queue.get(1).status.value == "open" and live.status == "scheduled"


async def test_logged_in_host_can_chat_as_host(client: TestClient[Any, Any], live: FakeLive) -> None:
    await login(client)
    await client.get("/chat/localgovchat")
    ws = await client.ws_connect(WS)
    assert (await receive(ws, "welcome"))["host"] is True
    await ws.send_json({"type": "join", "name": "LocalGovChat"})
    you = (await receive(ws, "joined"))["you"]
    assert you["host"] is True
    await ws.send_json({"type": "post", "text": "/start"})
    for _ in range(10):
        if live.status == "live":
            break
        await asyncio.sleep(0.02)
    assert live.status == "live"


async def test_room_stop_closes_sockets(client: TestClient[Any, Any], room: Any) -> None:
    ws = await joined(client, "Jane")
    await room.stop()
    msg = await asyncio.wait_for(ws.receive(), 2)
    while msg.type == aiohttp.WSMsgType.TEXT:
        msg = await asyncio.wait_for(ws.receive(), 2)
    assert ws.close_code == 1001
