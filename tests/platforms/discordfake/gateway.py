"""The fake's gateway: one websocket per connection, sessions that outlive a dropped socket.

Protocol (https://discord.com/developers/docs/events/gateway): the server sends op 10 HELLO; the
client sends op 1 heartbeats (each answered with op 11) and op 2 IDENTIFY (READY, then one
GUILD_CREATE per guild) or op 6 RESUME (the dispatches it missed, then RESUMED). Every dispatch
is ``{op: 0, t, s, d}`` with ``s`` increasing per session. A session keeps what it was sent, so
a client that comes back with RESUME misses nothing; op 9 INVALID_SESSION ends it (what happens
until the client identifies again is lost to it, as on Discord), op 7 asks for a reconnect.
Privileged intents the application was not granted close the socket with 4014, a bad token
with 4004. Frames are plain JSON text (no zlib), which discord.py accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.platforms.discordfake.world import PRIVILEGED

if TYPE_CHECKING:
    from tests.platforms.discordfake.server import FakeDiscord

HEARTBEAT_MS = 41250


class Connection:
    """One websocket: frames go out in order through its own writer task."""

    def __init__(self, ws: web.WebSocketResponse, closed: list[int]) -> None:
        self.ws = ws
        self.closed = closed  # every close code the fake sent
        self.outbox: asyncio.Queue[dict[str, Any] | tuple[int, str]] = asyncio.Queue()
        self.task = asyncio.ensure_future(self._write())

    def send(self, frame: dict[str, Any]) -> None:
        self.outbox.put_nowait(frame)

    def close(self, code: int, reason: str = "") -> None:
        """Close after what is queued."""
        self.closed.append(code)
        self.outbox.put_nowait((code, reason))

    async def _write(self) -> None:
        while True:
            item = await self.outbox.get()
            if isinstance(item, tuple):
                await self.ws.close(code=item[0], message=item[1].encode())
                return
            try:
                await self.ws.send_str(json.dumps(item))
            except (ConnectionError, RuntimeError):
                return


@dataclass
class Session:
    """A gateway session: what it was sent (for RESUME), where it is connected now."""

    id: str
    intents: int
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    conn: Connection | None = None
    alive: bool = True

    def dispatch(self, t: str, d: dict[str, Any]) -> None:
        self.seq += 1
        frame = {"op": 0, "t": t, "s": self.seq, "d": d}
        self.sent.append(frame)
        if self.conn is not None:
            self.conn.send(frame)


class Gateway:
    """Every session of the fake's one application, and the websocket endpoint."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: list[Session] = []
        self.connections: list[Connection] = []
        self.identified = 0
        self.resumed = 0
        self.heartbeats = 0
        self.closed_with: list[int] = []  # close codes the fake sent

    def live(self) -> list[Session]:
        return [s for s in self.sessions if s.alive]

    def broadcast(self, t: str, d: Callable[[Session], dict[str, Any] | None]) -> None:
        """Send ``t`` to every live session with the payload ``d(session)`` (None: not to it)."""
        for s in self.live():
            payload = d(s)
            if payload is not None:
                s.dispatch(t, payload)

    # -- what a test does to the gateway ---------------------------------------------------------
    def drop(self, code: int = 4000) -> None:
        """Close every socket (a network blip): sessions stay resumable."""
        for s in self.live():
            if s.conn is not None:
                s.conn.close(code, "dropped")
                s.conn = None

    def ask_reconnect(self) -> None:
        """op 7 RECONNECT on every socket."""
        for s in self.live():
            if s.conn is not None:
                s.conn.send({"op": 7, "d": None, "s": None, "t": None})
                s.conn = None

    def invalidate(self) -> None:
        """op 9 INVALID_SESSION (not resumable): until the client identifies again, it hears nothing."""
        for s in self.live():
            s.alive = False
            if s.conn is not None:
                s.conn.send({"op": 9, "d": False, "s": None, "t": None})
                s.conn = None

    # -- the endpoint ------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, self.closed_with)
        self.connections.append(conn)
        conn.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                if op == 1:
                    self.heartbeats += 1
                    conn.send({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    session = self._identify(conn, d)
                elif op == 6:
                    session = self._resume(conn, d)
        finally:
            if session is not None and session.conn is conn:
                session.conn = None
            conn.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await conn.task
        return ws

    def _identify(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        if d.get("token") != self.fake.token:
            conn.close(4004, "Authentication failed.")
            return None
        intents = int(d.get("intents", 0))
        if intents & PRIVILEGED & ~self.fake.privileged:
            conn.close(4014, "Disallowed intent(s).")
            return None
        self.identified += 1
        session = Session(secrets.token_hex(16), intents)
        self.sessions.append(session)
        session.conn = conn
        fake = self.fake
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": fake.bot.json(),
                "guilds": [{"id": g.id, "unavailable": True} for g in fake.guilds.values()],
                "session_id": session.id,
                "resume_gateway_url": fake.gateway_url,
                "session_type": "normal",
                "application": {"id": fake.app_id, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "_trace": ["fake-discord"],
            },
        )
        for g in fake.guilds.values():
            session.dispatch("GUILD_CREATE", g.create_json(fake.threads_of(g)))
        return session

    def _resume(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        found = next((s for s in self.sessions if s.id == d.get("session_id")), None)
        if found is None or not found.alive or d.get("token") != self.fake.token:
            conn.send({"op": 9, "d": False, "s": None, "t": None})
            return None
        self.resumed += 1
        found.conn = conn
        seq = int(d.get("seq") or 0)
        for frame in found.sent:
            if frame["s"] > seq:
                conn.send(frame)
        found.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        return found
