"""The live view of a running session, and the event stream that keeps it (and the dashboard,
and the room's sidebar) current: server-sent events carrying ``LiveSession.state()`` snapshots.

A stream sends a snapshot at once, again whenever the session reports something (bursts are
coalesced), and at least every few seconds (so the time left stays right); it ends with an
``end`` event when the session ends, and at once when the server shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping

from aiohttp import web

from chatbot.hosting.live import LiveSession
from chatbot.hosting.payloads import LiveState
from chatbot.web.context import CLOSING, CTX, WAKERS, recap_path, render
from chatbot.web.security import client_address

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0
COALESCE_SECONDS = 0.15
PUBLIC_STATUSES = {"open", "approved", "on_air", "answered", "routed"}


def public_state(state: LiveState) -> LiveState:
    """What readers may see: rejected and merged questions leave the queue; held posts are for
    the hosts."""
    return {**state, "queue": [q for q in state["queue"] if q["status"] in PUBLIC_STATUSES], "held": []}


def find_live(request: web.Request) -> LiveSession:
    live = request.app[CTX].live(request.match_info["session"])
    if live is None:
        raise web.HTTPNotFound(text=f"no running session {request.match_info['session']!r}")
    return live


async def live_page(request: web.Request) -> web.StreamResponse:
    """GET /live/<session>."""
    ctx = request.app[CTX]
    live = ctx.live(request.match_info["session"])
    if live is None:
        return _ended_page(request)
    state = public_state(live.state())
    room = ctx.room(state["session"]["hashtag"])
    return render(
        request,
        "live.html",
        title=f"{state['session']['hashtag']} live",
        state=state,
        session_id=live.session_id,
        room_slug=room.slug if room else "",
        recap=recap_path(state["session"]["slug"]),
    )


def _ended_page(request: web.Request) -> web.StreamResponse:
    ref = request.match_info["session"]
    store = request.app[CTX].store
    try:
        row = store.session_row(ref)
    except KeyError:
        raise web.HTTPNotFound(text=f"no session {ref!r}") from None
    recap = request.app[CTX].transcripts / f"{row['slug']}.html"
    return render(
        request,
        "ended.html",
        title=row["title"],
        row=row,
        recap=recap_path(row["slug"]) if recap.is_file() else "",
        status=200,
    )


async def live_events(request: web.Request) -> web.StreamResponse:
    """GET /live/<session>/events: the public event stream."""
    return await stream_state(request, find_live(request), public=True)


async def stream_state(request: web.Request, live: LiveSession, *, public: bool) -> web.StreamResponse:
    """Server-sent ``state`` events for one browser until the session ends or the server stops."""
    ctx, closing = request.app[CTX], request.app[CLOSING]
    address = client_address(request)
    if ctx.streams.get(address, 0) >= ctx.limits.max_streams_per_address:
        raise web.HTTPTooManyRequests(text="too many open live streams from your address")
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    wake, ended = asyncio.Event(), asyncio.Event()
    ctx.streams[address] = ctx.streams.get(address, 0) + 1
    request.app[WAKERS].add(wake)
    pump = asyncio.create_task(_pump(live, wake, ended))
    try:
        await response.prepare(request)
        while not closing.is_set():
            state = live.state()
            await _event(response, "state", public_state(state) if public else state)
            if ended.is_set():
                await _event(response, "end", {"status": state["status"]})
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=HEARTBEAT_SECONDS)
            wake.clear()
            await asyncio.sleep(COALESCE_SECONDS)
    except (ConnectionError, RuntimeError) as e:
        log.debug("event stream ended: %s", e)
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        request.app[WAKERS].discard(wake)
        ctx.streams[address] -= 1
        if ctx.streams[address] <= 0:
            del ctx.streams[address]
    return response


async def _pump(live: LiveSession, wake: asyncio.Event, ended: asyncio.Event) -> None:
    try:
        async for _ in live.subscribe():
            wake.set()
    except Exception:
        log.exception("live session %s: subscription failed", live.session_id)
    finally:
        ended.set()
        wake.set()


async def _event(response: web.StreamResponse, name: str, data: Mapping[str, object]) -> None:
    payload = json.dumps(data, default=str, separators=(",", ":"))
    await response.write(f"event: {name}\ndata: {payload}\n\n".encode())


async def wake_streams(app: web.Application) -> None:
    """``on_shutdown``: end every event stream now instead of at its next heartbeat."""
    app[CLOSING].set()
    wakers: set[asyncio.Event] = app[WAKERS]
    for wake in list(wakers):
        wake.set()
