"""What the hostile tests share (no tests here): visitors who each come from an address of their
own on loopback (127.x.y.z: one person per address, so per-address limits see many people, as in
a real crowd), the log watcher, and the pages a reader can fetch.

A ``Visitor`` is a browser: it opens the room page (its participant cookie), connects the room's
websocket, and ``exchange``s frames: it sends one and reads what comes back until the ``pong`` of
the ping sent after it (or until the server closes the socket, with its code and reason).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSMsgType

WS = "/chat/localgovchat/ws"
ROOM = "/chat/localgovchat"
#: Close codes a socket may end with, and why: what the server promised to say.
CLEAR_CLOSES = {
    1000: "normal",
    1001: "server going away",
    1008: "policy (too many bad frames, too slow)",
    1009: "message too big",
}


class Addresses:
    """Loopback source addresses, one per visitor (127.2.0.2, 127.2.0.3, ...)."""

    def __init__(self, second: int = 2) -> None:
        self._next = itertools.count(2)
        self._second = second

    def take(self) -> str:
        n = next(self._next)
        return f"127.{self._second}.{n // 250}.{n % 250 + 2}"


@dataclass
class Closed:
    code: int
    reason: str


@dataclass
class Visitor:
    """One browser from its own address, with its own cookie, on the room's websocket."""

    http: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse | None = None
    welcome: dict[str, Any] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)  # every frame it got
    closed: Closed | None = None

    @classmethod
    async def arrive(cls, base: str, address: str, *, name: str | None = "") -> Visitor:
        """Open the room and join it as ``name`` ("" for a name of its own; None: do not join)."""
        connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=False)
        http = aiohttp.ClientSession(
            base_url=base, connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        v = cls(http)
        try:
            page = await http.get(ROOM)
            assert page.status == 200, f"the room page answered {page.status}"
            await page.read()
            v.ws = await http.ws_connect(WS, max_msg_size=0)
            v.welcome = await v._next_of("welcome")
            if name is not None:
                got = await v.exchange(
                    {"type": "join", "name": name or "Visitor " + address.replace(".", "x")}
                )
                assert any(f["type"] == "joined" for f in got), got
        except BaseException:
            await v.leave()
            raise
        return v

    async def _next_of(self, kind: str) -> dict[str, Any]:
        while True:
            frame = await self._receive()
            if frame is None:
                raise AssertionError(f"closed before a {kind} frame: {self.closed}")
            if frame["type"] == kind:
                return frame

    async def _receive(self, timeout: float = 10.0) -> dict[str, Any] | None:
        assert self.ws is not None
        if self.closed is not None:
            return None
        msg = await asyncio.wait_for(self.ws.receive(), timeout)
        if msg.type == WSMsgType.TEXT:
            frame = json.loads(msg.data)
            assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
            self.seen.append(frame)
            return frame
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            code = self.ws.close_code or (msg.data if isinstance(msg.data, int) else 0)
            self.closed = Closed(int(code or 0), str(msg.extra or ""))
            return None
        raise AssertionError(f"the server sent a {msg.type!r} frame")

    async def exchange(self, frame: dict[str, Any] | str | bytes) -> list[dict[str, Any]]:
        """Send ``frame`` (a dict as JSON, a str as it is, bytes as a binary frame), then a ping;
        what came back before the pong (or before the server closed the socket)."""
        assert self.ws is not None
        if self.closed is not None:
            return []
        try:
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            elif isinstance(frame, str):  # as it is (lone surrogates as JSON escapes: text frames are UTF-8)
                await self.ws.send_str(
                    frame.encode("utf-8", "surrogatepass").decode("utf-8", "ignore")
                    if _lone(frame)
                    else frame
                )
            else:
                await self.ws.send_str(json.dumps(frame))  # ASCII: a lone surrogate goes as \ud800
            await self.ws.send_str('{"type": "ping"}')
        except ConnectionResetError:
            pass
        got: list[dict[str, Any]] = []
        while (f := await self._receive()) is not None and f["type"] != "pong":
            got.append(f)
        return got

    async def wait_for(self, kind: str, count: int, timeout: float = 5.0) -> None:
        """Read on until ``count`` frames of ``kind`` came in all (the runner answers commands
        after the frame that gave them)."""
        try:
            async with asyncio.timeout(timeout):
                while sum(f["type"] == kind for f in self.seen) < count:
                    if await self._receive(timeout) is None:
                        return
        except TimeoutError:
            got = sum(f["type"] == kind for f in self.seen)
            raise AssertionError(f"{got} of {count} {kind} frames within {timeout} s") from None

    async def leave(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        await self.http.close()


def _lone(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class LogWatch(logging.Handler):
    """Every record at WARNING or above, from every logger (the app, aiohttp, asyncio)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        """The records that carried a traceback, or that say a request or task failed."""
        bad = []
        for r in self.records:
            text = r.getMessage()
            if (
                r.exc_info
                or "Traceback" in text
                or r.levelno >= logging.CRITICAL
                or "Error handling request" in text
            ):
                bad.append(
                    f"{r.name}: {text[:300]} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {text[:300]}"
                )
        return bad


def frame_error(frames: list[dict[str, Any]]) -> str | None:
    """The error a frame got back, if it got one (a clear, short line)."""
    for f in frames:
        if f["type"] == "error":
            assert isinstance(f["error"], str) and 0 < len(f["error"]) <= 300, f
            return str(f["error"])
    return None
