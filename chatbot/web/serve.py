"""Serving the web app: ``run_serve`` (readers' pages over an archive) and ``hosting`` (the app
mounted beside running sessions, for ``run`` and the demo).

``hosting`` is what ``chatbot.hosting.host.run_config`` wraps around ``run_sessions`` when a session
uses the web room::

    async with hosting(config.web.host, config.web.port, store, config.transcripts,
                       runners, host_token=config.web.host_token) as web_ctx:
        return await run_sessions(runners)
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from chatbot.hosting.live import LiveSession
from chatbot.platforms.web import WebRoom
from chatbot.store import Store, StoreError
from chatbot.web.app import bound_port, start_web
from chatbot.web.context import WebContext, resolve_host_token

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
) -> AsyncIterator[WebContext]:
    """The web app serving ``sessions`` (and the web rooms among their platforms) until exit;
    ``say`` gets the addresses to print (None: print nothing, call ``addresses(ctx)`` later)."""
    token, generated = resolve_host_token(host_token)
    ctx = WebContext(store=store, transcripts=transcripts, host_token=token, token_generated=generated)
    for room in rooms:
        ctx.add_room(room)
    for live in sessions:
        ctx.add_session(live)
        platforms: Any = getattr(live, "platforms", {})
        web_room = platforms.get("web") if isinstance(platforms, dict) else None
        if isinstance(web_room, WebRoom):
            if store.has_session(live.session_id):  # a restart: browsers see the talk so far
                web_room.seed(store.session_messages(live.session_id))
            ctx.add_room(web_room)
    runner = await start_web(ctx, host, port)
    try:
        ctx.base_url = base_url(host, bound_port(runner))
        if say is not None:
            for line in addresses(ctx):
                say(line)
        yield ctx
    finally:
        await runner.cleanup()


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
    store = Store(db)
    try:
        token, _ = resolve_host_token(None)  # no live session here: the dashboard has nothing to run
        ctx = WebContext(store=store, transcripts=transcripts, host_token=token)
        runner = await start_web(ctx, host, port)
        try:
            say(f"serving {db} and {transcripts}/ on {base_url(host, bound_port(runner))}/ (Ctrl-C stops)")
            await until_signal()
        finally:
            await runner.cleanup()
    finally:
        store.close()
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
