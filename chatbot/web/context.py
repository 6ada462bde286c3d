"""What the web app serves: the archive, the rooms, the running sessions; and its app keys."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment

from chatbot.hosting.live import LiveSession
from chatbot.platforms.web import WebRoom, room_slug
from chatbot.store import Store
from chatbot.web.exports import ExportCache
from chatbot.web.readpool import ReadPool
from chatbot.web.security import Trust
from chatbot.web.throttle import ReadThrottle


@dataclass(frozen=True)
class WebLimits:
    """Limits of the web app itself (each room has its own ``RoomLimits``)."""

    rate_messages: int = 5  # a connection may send this many messages ...
    rate_seconds: float = 5.0  # ... per this many seconds (token bucket)
    max_frame_bytes: int = 16 * 1024
    max_bad_frames: int = 20  # then the connection is closed
    max_streams_per_address: int = 20  # live-view event streams from one address
    login_attempts: int = 10  # per address per minute
    session_hours: float = 12.0
    search_limit: int = 50
    api_page: int = 500
    read_burst: int = 120  # anonymous reads (pages, API, search) one address may make at once ...
    read_seconds: float = 60.0  # ... refilled over this many seconds (``chatbot.web.throttle``)
    read_workers: int = 2  # threads reading the archive for readers (``chatbot.web.readpool``)
    read_waiting: int = 64  # reads waiting for a thread at most (then 503)
    read_timeout: float = 20.0  # seconds one read may take
    export_cache_bytes: int = 64 * 2**20  # whole exports kept, ready to send (``chatbot.web.exports``)


@dataclass
class WebContext:
    """Everything the handlers need, wired once at start-up (no globals)."""

    store: Store
    transcripts: Path
    host_token: str
    limits: WebLimits = field(default_factory=WebLimits)
    rooms: dict[str, WebRoom] = field(default_factory=dict)
    sessions: dict[str, LiveSession] = field(default_factory=dict)
    streams: dict[str, int] = field(default_factory=dict)  # open event streams per address
    base_url: str = ""  # where it is served, once it is (set by ``chatbot.web.serve.hosting``)
    token_generated: bool = False  # then the token may be printed: nobody chose it
    trust: Trust = field(default_factory=Trust)  # trusted proxies, the participant identity signer
    reads: ReadPool = field(init=False)  # readers' database work, off the event loop
    exports: ExportCache = field(init=False)
    throttle: ReadThrottle = field(init=False)

    def __post_init__(self) -> None:
        problem = host_token_problem(self.host_token)
        if problem:
            raise ValueError(problem)
        self.transcripts = Path(self.transcripts)
        limits = self.limits
        self.reads = ReadPool(
            self.store, workers=limits.read_workers, waiting=limits.read_waiting, timeout=limits.read_timeout
        )
        self.exports = ExportCache(self.reads, max_bytes=limits.export_cache_bytes)
        self.throttle = ReadThrottle(limits.read_burst, limits.read_seconds)

    def add_room(self, room: WebRoom) -> None:
        self.rooms[room.slug] = room

    def add_session(self, live: LiveSession) -> None:
        self.sessions[live.session_id] = live

    def room(self, slug: str) -> WebRoom | None:
        return self.rooms.get(room_slug(slug))

    def live(self, ref: str) -> LiveSession | None:
        """A running session by id or slug."""
        if ref in self.sessions:
            return self.sessions[ref]
        for live in self.sessions.values():
            if live.state()["session"]["slug"] == ref:
                return live
        return None

    def live_for_room(self, slug: str) -> LiveSession | None:
        """The newest session (not ended) whose hashtag is this room's."""
        found = None
        for live in self.sessions.values():
            state = live.state()
            same = room_slug(state["session"]["hashtag"]) == room_slug(slug)
            if same and (state["status"] != "ended" or found is None):
                found = live
        return found


MIN_TOKEN = 16


def host_token_problem(token: str) -> str | None:
    """Why a chosen host token cannot protect the dashboard, or None when it can."""
    if len(token) < MIN_TOKEN or len(set(token)) < 6:
        return f"the host token (CHATBOT_HOST_TOKEN) must be at least {MIN_TOKEN} varied characters"
    return None


def resolve_host_token(configured: str | None) -> tuple[str, bool]:
    """The host token: the configured one, or a fresh random one (then ``True``: print it)."""
    if configured:
        return configured, False
    return secrets.token_urlsafe(24), True


CTX = web.AppKey("ctx", WebContext)
JINJA = web.AppKey("jinja", Environment)
CLOSING = web.AppKey("closing", asyncio.Event)
SOCKETS = web.AppKey[set[web.WebSocketResponse]]("sockets")
WAKERS = web.AppKey[set[asyncio.Event]]("wakers")  # event streams to wake at shutdown


def recap_path(slug: str) -> str:
    """Where the web app serves a session's recap (written when its chat ends)."""
    return f"/recaps/{slug}.html"


def render(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """A jinja page (autoescaped, StrictUndefined) as an HTML response."""
    html = request.app[JINJA].get_template(template).render(**values)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
