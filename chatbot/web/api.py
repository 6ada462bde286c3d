"""The JSON API (documented in ``docs/api.md``). Every answer is built from the recap export or the
live state, so privacy (redactions, opt-outs) is applied in one place and the API never disagrees
with the recap pages.

Nothing here reads the archive on the event loop: a page of messages is a range of the archive's
index read on a reader thread (``chatbot.web.transcript``), a whole export is built there once per
change of its session and kept (``chatbot.web.exports``). The app's middleware
(``chatbot.web.throttle``) rate-limits every route per address.
"""

from __future__ import annotations

import json

from aiohttp import web

from chatbot.store import MessageNotFound, NotFound, SessionNotFound, Store
from chatbot.web.context import CTX
from chatbot.web.exports import CachedExport
from chatbot.web.liveview import public_state
from chatbot.web.params import BadParameter, whole_number
from chatbot.web.readers import session_list
from chatbot.web.transcript import transcript_page


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


def _no_session(request: web.Request) -> web.Response:
    return _error(404, f"no session {request.match_info['session']!r}")


def _json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


async def _export(request: web.Request) -> CachedExport | None:
    try:
        return await request.app[CTX].exports.get(request.match_info["session"])
    except NotFound:
        return None


async def sessions(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions."""
    return web.json_response({"sessions": await session_list(request.app[CTX])})


async def session(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>: the recap JSON export."""
    export = await _export(request)
    return _no_session(request) if export is None else _json(export.export)


async def queue(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>/queue: the live queue, or the stored questions of a past session."""
    live = request.app[CTX].live(request.match_info["session"])
    if live is not None:
        state = public_state(live.state())
        return web.json_response(
            {"session": live.session_id, "live": True, "status": state["status"], "queue": state["queue"]}
        )
    export = await _export(request)
    return _no_session(request) if export is None else _json(export.queue)


async def messages(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>/messages?after=<message id>&limit=<1..500>: a page of the transcript."""
    ctx = request.app[CTX]
    try:
        limit = whole_number(request.query, "limit", default=100, lo=1, hi=ctx.limits.api_page)
    except BadParameter as e:
        return _error(400, str(e))
    ref, after = request.match_info["session"], request.query.get("after") or None
    if after is not None and len(after) > 200:
        return _error(400, "after: no such message in this session")
    try:
        body = await ctx.reads.run(lambda store: _page_json(store, ref, after, limit))
    except SessionNotFound:
        return _no_session(request)
    except MessageNotFound:
        return _error(400, f"after: no message {after!r} in this session")
    return _json(body)


def _page_json(store: Store, ref: str, after: str | None, limit: int) -> bytes:
    """The page as the API sends it (a reader thread's work, the JSON encoding too)."""
    page = transcript_page(store, ref, after=after, limit=limit)
    return json.dumps(
        {"session": page.session, "messages": page.messages, "next": page.next, "more": page.more}
    ).encode()
