"""The aiohttp application: built by ``create_app`` from a ``WebContext``, served by ``start_web``.

Routes (handlers are thin; the work is in the modules they come from):

    /                          sessions: live ones first, then recaps       readers
    /recaps/<path>             rendered recaps (transcripts folder; also   readers
                               at /transcripts/<path>, as the bot links them)
    /search?q=                 full-text search over every message          readers
    /feed.xml                  the recaps' Atom feed                        readers
    /healthz                   liveness and database check                  readers
    /chat/<hashtag>            the chat room; /ws is its websocket, /state room
                               whether it is open (and its recap)
    /live/<session>            the live view; /events is its SSE stream    liveview
    /host/<session>            the host dashboard (login), /events, /action host
                               /say (in the room) and /held (a held post:
                               did it go out?)
    /login, /logout            host login (POST)                            host
    /api/sessions[/<id>[/queue|/messages]]  JSON                            api
    /static/                   CSS, JS and the icon (no CDN, no inline script); /favicon.ico
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from chatbot.web import api, host, liveview, readers, room, throttle
from chatbot.web.context import CLOSING, CTX, JINJA, SOCKETS, WAKERS, WebContext, resolve_host_token
from chatbot.web.security import AUTH, TRUST, HostAuth, security_headers

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

__all__ = ["WebContext", "create_app", "resolve_host_token", "start_web"]


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("chatbot.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["REMOVED_TEXT"] = "removed at the participant's request"  # as the recaps say it
    env.filters["clock"] = clock
    env.filters["when"] = when
    return env


def _moment(iso: object, zone: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(iso or ""))
        tz: tzinfo = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return moment.astimezone(tz) if moment.tzinfo else None


def clock(iso: object, zone: str = "UTC") -> str:
    """A time as every page shows it (the recaps too): 24-hour ``21:32`` in the chat's zone."""
    moment = _moment(iso, zone)
    return f"{moment:%H:%M}" if moment else ""


def when(iso: object, zone: str = "UTC") -> str:
    """A day and time in the chat's zone: ``Tue 24 Nov, 21:00 EST``."""
    moment = _moment(iso, zone)
    return f"{moment:%a %d %b, %H:%M} {moment.tzname() or ''}".strip() if moment else ""


def create_app(ctx: WebContext) -> web.Application:
    """The whole web app for ``ctx`` (rooms and sessions may be added to ``ctx`` later)."""
    app = web.Application(client_max_size=64 * 1024, middlewares=[throttle.guard(lambda: ctx.throttle)])
    app[CTX] = ctx
    app[JINJA] = templates()
    app[AUTH] = HostAuth(ctx.host_token, hours=ctx.limits.session_hours, attempts=ctx.limits.login_attempts)
    app[TRUST] = ctx.trust
    app[CLOSING] = asyncio.Event()
    app[SOCKETS] = set()
    app[WAKERS] = set()
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(liveview.wake_streams)
    app.on_shutdown.append(room.close_sockets)
    app.cleanup_ctx.append(_prune_logins)
    app.on_cleanup.append(_close_reads)
    r = app.router
    r.add_get("/", readers.index)
    r.add_get("/healthz", readers.healthz)
    r.add_get("/search", readers.search)
    r.add_get("/feed.xml", readers.feed)
    r.add_get("/recaps", _recaps_slash)
    r.add_get("/recaps/{path:.*}", readers.recaps)
    r.add_get("/transcripts/{path:.*}", readers.recaps)  # the runner's closing post links here
    r.add_get("/chat/{tag}", room.room_page)
    r.add_get("/chat/{tag}/ws", room.room_socket)
    r.add_get("/chat/{tag}/state", room.room_state)
    r.add_get("/live/{session}", liveview.live_page)
    r.add_get("/live/{session}/events", liveview.live_events)
    r.add_get("/host/{session}", host.dashboard)
    r.add_get("/host/{session}/events", host.host_events)
    r.add_post("/host/{session}/action", host.host_action)
    r.add_post("/host/{session}/held", host.resolve_held)
    r.add_post("/host/{session}/say", host.say)
    r.add_post("/login", host.login)
    r.add_post("/logout", host.logout)
    r.add_get("/api/sessions", api.sessions)
    r.add_get("/api/sessions/{session}", api.session)
    r.add_get("/api/sessions/{session}/queue", api.queue)
    r.add_get("/api/sessions/{session}/messages", api.messages)
    r.add_get("/favicon.ico", _favicon)
    r.add_get("/static/{name}", _static)
    return app


# The page assets, known by name when the app starts: a request for anything else (a path, a
# name longer than the file system allows) is a 404 without touching the disk.
ASSETS = {p.name: p for p in STATIC.iterdir() if p.is_file()}


async def _static(request: web.Request) -> web.StreamResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound(text="no such file")
    return web.FileResponse(path)


async def _favicon(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


async def _recaps_slash(request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": "/recaps/"})


async def _close_reads(app: web.Application) -> None:
    await asyncio.to_thread(app[CTX].reads.close)


async def _prune_logins(app: web.Application) -> AsyncIterator[None]:
    """A background task for the app's lifetime: forget expired host sessions every few minutes."""

    async def prune() -> None:
        while True:
            await asyncio.sleep(300)
            app[AUTH].prune()

    task = asyncio.create_task(prune())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class MalformedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a request line over 8 KB, a broken header) with
    a 400 and logs the parser's exception with its traceback as an error. That is a client's
    mistake, not ours: one warning line without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "event=bad_request status=%s reason=%s"
            record.args = (error.code, error.message[:120])
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _quiet_malformed_requests() -> None:
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequests) for f in server_log.filters):
        server_log.addFilter(MalformedRequests())


async def start_web(ctx: WebContext, host: str, port: int, *, shutdown_timeout: float = 3.0) -> web.AppRunner:
    """Serve ``ctx`` on ``host:port``; the caller owns the runner (``await runner.cleanup()``).

    ``port=0`` picks a free port: read it back with ``bound_port(runner)``.
    """
    _quiet_malformed_requests()
    runner = web.AppRunner(create_app(ctx), access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("web app on http://%s:%d", host, bound_port(runner))
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port the runner's first site listens on."""
    for address in runner.addresses:
        return int(address[1])
    raise RuntimeError("the web app is not listening")
