"""The chat room in the browser: its page, and the websocket that carries it to a ``WebRoom``.

Frames are JSON objects with a ``type``. From the browser: ``join {name}``, ``post {text,
reply_to?, ref?, key?}`` (a typed command goes to the runner alone; ``key``, up to 64 characters,
is the browser's idempotency key: the same key from the same participant is one message however
often it is sent), ``command {name, args, ref?}`` (a
button: a question's vote), ``react {id, emoji}``, ``ping``. To the browser: ``welcome``,
``joined``, ``message``, ``sent {ref, id}`` (the post was taken and is durable: the box may
clear), ``answer {ok, ref, message}`` (a command's outcome, to its actor alone), ``reactions {id,
reactions}``,
``removed {ids}`` (an opted-out person's messages), ``error {error, ref?}``, ``pong``.
A bad frame (binary, not JSON, wrong types, unknown type) gets an ``error`` frame and the
connection stays; after ``max_bad_frames`` of them (rate-limited posts count) it is closed (1008).
Every frame to the browser goes through the connection's outbox, so one task writes the socket.

Limits are the room's (``WebRoom.throttle``: per participant and per address, however many
connections they open); the socket needs the participant cookie the server signed. A question is
refused when the participants of its address already have the session's cap of open questions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from chatbot.core import commands
from chatbot.core.model import Message
from chatbot.core.queue import PENDING
from chatbot.hosting.live import LiveSession
from chatbot.platforms.web import REACTIONS, Listener, RoomError, RoomFull, WebRoom, author_id, key
from chatbot.web.context import CTX, SOCKETS, recap_path, render
from chatbot.web.security import (
    AUTH,
    client_address,
    give_participant_cookie,
    participant_secret,
    same_origin,
)

log = logging.getLogger(__name__)
MAX_KEY = 64  # a post's idempotency key: a UUID fits


def _room(request: web.Request) -> WebRoom:
    room = request.app[CTX].room(request.match_info["tag"])
    if room is None:
        raise web.HTTPNotFound(text=f"no chat room for #{request.match_info['tag']} is open right now")
    return room


async def room_page(request: web.Request) -> web.StreamResponse:
    """GET /chat/<hashtag>: the room (the participant cookie is given here, before the socket). An
    ended chat's room says so and leads to its recap."""
    ctx = request.app[CTX]
    room = _room(request)
    live = ctx.live_for_room(room.slug)
    state = live.state() if live else None
    rate = room.limits.per_participant
    hosts = [h.lstrip("@") for h in state["session"]["hosts"]] if state else []
    response = render(
        request,
        "room.html",
        title=f"{room.hashtag} chat room",
        room=room,
        session_id=live.session_id if live else "",
        timezone=state["session"]["timezone"] if state else "UTC",
        ended=room.stopped or (state is not None and state["status"] == "ended"),
        recap=recap_path(state["session"]["slug"]) if state else "",
        is_host=request.app[AUTH].session(request) is not None,
        hosts=hosts,
        cautions=typed_cautions(),
        reactions=REACTIONS,
        max_text=room.limits.max_text,
        rate=f"{rate.count} messages every {rate.seconds:g} seconds",
    )
    give_participant_cookie(request, response)
    return response


async def room_state(request: web.Request) -> web.StreamResponse:
    """GET /chat/<hashtag>/state: whether the room is open (a browser whose socket closed asks
    before it tries again), and where the recap is once the chat ended. A browser whose cookie the
    server did not sign (or no longer does) gets a new identity here, so its reconnection works."""
    ctx = request.app[CTX]
    room = _room(request)
    live = ctx.live_for_room(room.slug)
    state = live.state() if live else None
    ended = room.stopped or (state is not None and state["status"] == "ended")
    response = web.json_response(
        {
            "open": not room.stopped,
            "ended": ended,
            "recap": recap_path(state["session"]["slug"]) if state else None,
        },
        headers={"Cache-Control": "no-store"},
    )
    with contextlib.suppress(web.HTTPTooManyRequests):  # then the socket says why it is refused
        give_participant_cookie(request, response)  # a cookie the server no longer signs: a new one
    return response


def typed_cautions() -> dict[str, str]:
    """What the room asks before a destructive command typed in it, by every word that names it."""
    return {word: c.caution for c in commands.COMMANDS if c.destructive for word in (c.name, *c.aliases)}


async def room_socket(request: web.Request) -> web.StreamResponse:
    """GET /chat/<hashtag>/ws: one browser's connection to the room."""
    ctx = request.app[CTX]
    room = _room(request)
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site websocket refused")
    secret = participant_secret(request)
    if secret is None:
        raise web.HTTPForbidden(text="no valid participant cookie: open the room page first")
    host = request.app[AUTH].session(request) is not None
    try:
        listener = room.connect(client_address(request), host=host, identity=author_id(secret))
    except RoomFull as full:
        raise web.HTTPTooManyRequests(text=str(full)) from None
    except RoomError as closed:
        raise web.HTTPGone(text=str(closed)) from None
    listener.outbox.put_nowait(
        {
            "type": "welcome",
            "room": {"hashtag": room.hashtag, "max_text": room.limits.max_text},
            "host": host,
            "messages": room.recent(),
        }
    )
    ws = web.WebSocketResponse(heartbeat=25, max_msg_size=ctx.limits.max_frame_bytes)
    try:
        await ws.prepare(request)
    except BaseException:
        room.disconnect(listener)
        raise
    request.app[SOCKETS].add(ws)
    writer = asyncio.create_task(_write(ws, listener))
    conn = _Conn(secret, ctx.live_for_room(room.slug))
    bad = 0
    try:
        async for msg in ws:
            if listener.closed:
                continue
            ref = ""
            if msg.type == WSMsgType.TEXT:
                error, ref = _handle(room, listener, conn, msg.data)
            elif msg.type == WSMsgType.BINARY:
                error = "binary frames are not accepted: send JSON text"
            else:
                continue
            if error is None:
                continue
            bad += 1
            if not _send(listener, {"type": "error", "error": error, "ref": ref}):
                listener.close(1008, "too slow", flush=False)
            elif bad >= ctx.limits.max_bad_frames:
                room.disconnect(listener)
                listener.close(1008, "too many bad frames")
    finally:
        room.disconnect(listener)
        request.app[SOCKETS].discard(ws)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws


async def _write(ws: web.WebSocketResponse, listener: Listener) -> None:
    """The one task that writes this socket: frames from the outbox until the room lets go."""
    try:
        while True:
            frame = await listener.outbox.get()
            if frame is None:
                await ws.close(code=listener.close_code, message=listener.close_reason.encode())
                return
            await ws.send_json(frame)
    except (ConnectionError, RuntimeError) as e:  # the browser went away mid-write
        log.debug("room socket write ended: %s", e)


def _send(listener: Listener, frame: dict[str, Any]) -> bool:
    try:
        listener.outbox.put_nowait(frame)
    except asyncio.QueueFull:
        return False
    return True


@dataclass(frozen=True)
class _Conn:
    """What a connection's frames need beside the room: the participant's identity (verified) and
    the session the room serves (its queue, for the per-address question cap)."""

    secret: str
    live: LiveSession | None


def _handle(room: WebRoom, listener: Listener, conn: _Conn, data: str) -> tuple[str | None, str]:
    """Carry out one text frame; returns the error to send back (if any) and the frame's ref."""
    try:
        frame = json.loads(data)
    except ValueError:
        return "frames must be JSON", ""
    except RecursionError:  # thousands of nested [ or {: refused like any other bad frame
        return "frames must be JSON objects, not nested this deep", ""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return 'frames must be JSON objects with a string "type"', ""
    raw_ref = frame.get("ref", "")
    ref = raw_ref[:40] if isinstance(raw_ref, str) else ""
    kind = frame["type"]
    if kind == "ping":
        _send(listener, {"type": "pong"})
        return None, ref
    if kind not in _FRAMES:
        return f"unknown frame type {kind[:40]!r} (expected {', '.join(_FRAMES)} or ping)", ref
    wait = room.throttle(listener)
    if wait:
        return f"slow down: wait {max(wait, 0.1):.1f} s before sending again", ref
    try:
        return _FRAMES[kind](room, listener, conn, frame, ref), ref
    except RoomError as refused:
        return str(refused), ref


def _join(room: WebRoom, listener: Listener, conn: _Conn, frame: dict[str, Any], ref: str) -> str | None:
    name = frame.get("name")
    if not isinstance(name, str):
        return '"name" must be a string'
    author = room.join(listener, conn.secret, name)
    you = {"id": author.id, "name": author.display, "host": room.is_reserved(author.handle)}
    _send(listener, {"type": "joined", "you": you})
    return None


def _post(room: WebRoom, listener: Listener, conn: _Conn, frame: dict[str, Any], ref: str) -> str | None:
    text, reply_to, key = frame.get("text"), frame.get("reply_to"), frame.get("key", "")
    if not isinstance(text, str):
        return '"text" must be a string'
    if not isinstance(key, str) or len(key) > MAX_KEY:
        return f'"key" must be a string of at most {MAX_KEY} characters'
    if reply_to is not None and not isinstance(reply_to, str):
        return '"reply_to" must be a message id (a string) or null'
    if room.asks(text) and (too_many := _questions_waiting(room, listener, conn.live)):
        return too_many
    said = room.receive(listener, text, reply_to=reply_to, ref=ref, key=key)
    if not isinstance(said, Message):  # a message's "sent" comes from the room, once it is durable
        _send(listener, {"type": "sent", "ref": ref, "id": ""})
    return None


def _command(room: WebRoom, listener: Listener, conn: _Conn, frame: dict[str, Any], ref: str) -> str | None:
    name, args = frame.get("name"), frame.get("args", [])
    if not isinstance(name, str) or not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return '"name" must be a string and "args" a list of strings'
    if name.casefold() == "ask" and (too_many := _questions_waiting(room, listener, conn.live)):
        return too_many
    room.command(listener, name, args, ref=ref)
    return None


def _react(room: WebRoom, listener: Listener, conn: _Conn, frame: dict[str, Any], ref: str) -> str | None:
    message_id, emoji = frame.get("id"), frame.get("emoji")
    if not isinstance(message_id, str) or not isinstance(emoji, str):
        return '"id" and "emoji" must be strings'
    room.react(listener, message_id, emoji)
    return None


def _questions_waiting(room: WebRoom, listener: Listener, live: LiveSession | None) -> str | None:
    """Why a question from this connection is refused: the participants of its address (however
    many identities they use) already have the session's cap of questions waiting."""
    cap = room.max_open_questions
    if not cap or live is None or listener.host:
        return None
    names = room.handles_from(listener.address)
    pending = {status.value for status in PENDING}
    waiting = [key(q["author"]) for q in live.state()["queue"] if q["status"] in pending]
    ours = [name for name in waiting if name in names]
    mine = key(listener.author.handle) if listener.author else ""
    if len(ours) < cap or ours.count(mine) >= cap:  # their own cap: the queue itself says so
        return None
    return (
        f"{len(ours)} questions from your address are waiting already; "
        "please wait until one is answered before asking another"
    )


_FRAMES: dict[str, Callable[[WebRoom, Listener, _Conn, dict[str, Any], str], str | None]] = {
    "join": _join,
    "post": _post,
    "command": _command,
    "react": _react,
}


async def close_sockets(app: web.Application) -> None:
    """``on_shutdown``: tell every browser the server is going away."""
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    for ws in list(sockets):
        await ws.close(code=1001, message=b"server shutting down")
