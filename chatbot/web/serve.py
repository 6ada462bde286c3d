"""Serving the web app: ``hosting`` (the app, with the running sessions ``add_session`` gives it)
and ``run_serve`` (readers' pages over an archive). Both are entered through the one start-up
path, ``chatbot.startup.started``, as ``chatbot run`` and the demo are.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from chatbot.core.engine import handle_key
from chatbot.hosting.live import LiveSession
from chatbot.platforms.web import WebRoom, WebSettings
from chatbot.store import Store, StoreError
from chatbot.web.app import bound_port, start_web
from chatbot.web.context import WebContext, resolve_host_token
from chatbot.web.security import Trust

Say = Callable[[str], None]


def base_url(host: str, port: int) -> str:
    """The address to print: a wildcard bind is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "localhost", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def addresses(ctx: WebContext) -> list[str]:
    """The lines that tell a host where everything is (with the token when it was generated)."""
    base, token = ctx.base_url, ctx.host_token if ctx.token_generated else None
    lines = []
    for live in ctx.sessions.values():
        info = live.state().get("session", {})
        room = ctx.room(str(info.get("hashtag", "")))
        lines.append(f"{info.get('hashtag', '')}: {info.get('title', '')}")
        if room is not None:
            lines.append(f"  chat room:  {base}/chat/{room.slug}")
        lines.append(f"  live view:  {base}/live/{live.session_id}")
        fragment = f"#token={token}" if token else ""
        lines.append(f"  dashboard:  {base}/host/{live.session_id}{fragment}")
    if token:
        lines.append(f"host token (generated for this run; set CHATBOT_HOST_TOKEN to choose one): {token}")
    elif ctx.sessions:
        lines.append("host token: the value of CHATBOT_HOST_TOKEN")
    lines.append(f"all chats, recaps and search: {base}/")
    return lines


@contextlib.asynccontextmanager
async def hosting(
    host: str,
    port: int,
    store: Store,
    transcripts: Path,
    sessions: Sequence[LiveSession],
    *,
    host_token: str | None = None,
    rooms: Sequence[WebRoom] = (),
    say: Say | None = print,
    settings: WebSettings | None = None,
) -> AsyncIterator[WebContext]:
    """The web app serving ``sessions`` (and the web rooms among their platforms) until exit;
    ``say`` gets the addresses to print (None: print nothing, call ``addresses(ctx)`` later);
    ``settings``' trusted proxies and secret decide whom it believes (``chatbot.web.security``)."""
    token, generated = resolve_host_token(host_token)
    ctx = WebContext(store=store, transcripts=transcripts, host_token=token, token_generated=generated)
    if settings is not None:
        ctx.trust = Trust.configured(settings.trusted_proxies, settings.secret, store.path)
    for room in rooms:
        ctx.add_room(room)
    for live in sessions:
        add_session(ctx, live)
    runner = await start_web(ctx, host, port)
    try:
        ctx.base_url = base_url(host, bound_port(runner))
        if say is not None:
            for line in addresses(ctx):
                say(line)
        yield ctx
    finally:
        await runner.cleanup()


def add_session(ctx: WebContext, live: LiveSession) -> None:
    """Serve a running session: its live view and dashboard, and its web room if it has one
    (seeded with the talk so far after a restart, so browsers see it: not what people who opted
    out said)."""
    ctx.add_session(live)
    platforms: Any = getattr(live, "platforms", {})
    web_room = platforms.get("web") if isinstance(platforms, dict) else None
    if isinstance(web_room, WebRoom):
        if ctx.store.has_session(live.session_id):
            gone = {handle_key(h) for s, h in ctx.store.opted_out() if s == live.session_id}
            said = ctx.store.session_messages(live.session_id)
            web_room.seed(m for m in said if handle_key(m.author.handle) not in gone)
        ctx.add_room(web_room)


async def until_signal() -> None:
    """Wait for Ctrl-C or SIGTERM (handled: no traceback, clean shutdown after)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
    try:
        await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def serve(db: Path, host: str, port: int, transcripts: Path, *, say: Say = print) -> int:
    """The web app over an archive with no live session, through the one start-up path."""
    from chatbot.config import Config
    from chatbot.startup import started

    # no live session here: the dashboard has nothing to run, so no token is printed
    config = Config(
        path=Path("(serve)"),
        db=Path(db),
        transcripts=Path(transcripts),
        public_url="",
        platform_settings={"web": WebSettings(host, port, None)},
    )
    async with started(config, web=True, say=None) as up:
        say(f"serving {db} and {transcripts}/ on {up.base_url}/ (Ctrl-C stops)")
        await until_signal()
    return 0


def run_serve(db: Path, host: str, port: int, transcripts: Path) -> int:
    """``run_bot.py serve``: recaps, search, feed and the API over an archive, until Ctrl-C."""
    if not Path(db).is_file():
        print(f"error: {db}: no such database", file=sys.stderr)
        print("hint: python run_bot.py import FILE (or run the demo) to create one", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(Path(db), host, port, Path(transcripts)))
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        print("hint: pass another --port", file=sys.stderr)
        return 1
