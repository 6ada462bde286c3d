"""The JSON API (documented in ``docs/api.md``). Every answer is built from the recap export or the
live state, so privacy (redactions, opt-outs) is applied in one place and the API never disagrees
with the recap pages."""

from __future__ import annotations

from aiohttp import web

from chatbot.recap.export import build_export
from chatbot.recap.types import Export
from chatbot.web.context import CTX
from chatbot.web.liveview import public_state
from chatbot.web.readers import session_list


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


def _export(request: web.Request) -> Export | None:
    ctx = request.app[CTX]
    ref = request.match_info["session"]
    try:
        return build_export(ctx.store, ref)
    except KeyError:
        return None


async def sessions(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions."""
    return web.json_response({"sessions": session_list(request.app[CTX])})


async def session(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>: the recap JSON export."""
    export = _export(request)
    if export is None:
        return _error(404, f"no session {request.match_info['session']!r}")
    return web.json_response(export)


async def queue(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>/queue: the live queue, or the stored questions of a past session."""
    ctx = request.app[CTX]
    ref = request.match_info["session"]
    live = ctx.live(ref)
    if live is not None:
        state = public_state(live.state())
        return web.json_response(
            {"session": live.session_id, "live": True, "status": state["status"], "queue": state["queue"]}
        )
    export = _export(request)
    if export is None:
        return _error(404, f"no session {ref!r}")
    return web.json_response(
        {
            "session": export["session"]["id"],
            "live": False,
            "status": export["session"]["status"],
            "queue": export["questions"],
        }
    )


async def messages(request: web.Request) -> web.StreamResponse:
    """GET /api/sessions/<id>/messages?after=<message id>&limit=<1..500>: a page of the transcript."""
    page_max = request.app[CTX].limits.api_page
    raw_limit = request.query.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= page_max:
        return _error(400, f"limit must be a whole number from 1 to {page_max}")
    limit = int(raw_limit)
    export = _export(request)
    if export is None:
        return _error(404, f"no session {request.match_info['session']!r}")
    items = export["messages"]
    after = request.query.get("after")
    start = 0
    if after:
        ids = [m["id"] for m in items]
        if after not in ids:
            return _error(400, f"after: no message {after!r} in this session")
        start = ids.index(after) + 1
    page = items[start : start + limit]
    more = start + limit < len(items)
    return web.json_response(
        {
            "session": export["session"]["id"],
            "messages": page,
            "next": page[-1]["id"] if page and more else None,
            "more": more,
        }
    )
