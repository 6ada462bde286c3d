"""Readers' pages: the list of sessions, the rendered recaps, search across every chat, the feed."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web
from markupsafe import Markup, escape

from chatbot.core.engine import handle_key
from chatbot.recap import html_id
from chatbot.web.context import CTX, WebContext, render

log = logging.getLogger(__name__)
HIT_OPEN, HIT_CLOSE = "\x02", "\x03"


def highlight(snippet: str) -> Markup:
    """The store's snippet, escaped, with its hit markers as balanced ``<mark>`` elements."""
    out: list[str] = []
    open_ = False
    for ch in str(escape(snippet)):
        if ch == HIT_OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif ch == HIT_CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(ch)
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def recap_href(ctx: WebContext, slug: str) -> str | None:
    return f"/recaps/{slug}.html" if (ctx.transcripts / f"{slug}.html").is_file() else None


def session_list(ctx: WebContext) -> list[dict[str, Any]]:
    """Every session: the running ones first, then the archive newest first."""
    live_rows: list[dict[str, Any]] = []
    for live in ctx.sessions.values():
        state = live.state()
        info = state["session"]
        if state["status"] == "ended":
            continue
        room = ctx.room(info["hashtag"])
        live_rows.append(
            {
                "id": live.session_id,
                "slug": info["slug"],
                "hashtag": info["hashtag"],
                "title": info["title"],
                "status": state["status"],
                "timezone": info["timezone"],
                "started_at": state["starts_at"],
                "ended_at": None,
                "live": True,
                "links": {
                    "live": f"/live/{live.session_id}",
                    "room": f"/chat/{room.slug}" if room else None,
                    "host": f"/host/{live.session_id}",
                    "export": f"/api/sessions/{live.session_id}",
                    "recap": None,
                },
            }
        )
    running = {r["id"] for r in live_rows}
    stored = []
    for row in ctx.store.sessions():
        if row["id"] in running:
            continue
        stored.append(
            {
                "id": row["id"],
                "slug": row["slug"],
                "hashtag": row["hashtag"],
                "title": row["title"],
                "status": row["status"],
                "timezone": row["timezone"],
                "started_at": row["started_at"],
                "ended_at": row["ended_at"],
                "live": False,
                "links": {
                    "live": None,
                    "room": None,
                    "host": None,
                    "export": f"/api/sessions/{row['id']}",
                    "recap": recap_href(ctx, row["slug"]),
                },
            }
        )
    return live_rows + stored


async def index(request: web.Request) -> web.StreamResponse:
    """GET /."""
    sessions = session_list(request.app[CTX])
    return render(request, "index.html", title="Chats", sessions=sessions, query="")


async def recaps(request: web.Request) -> web.StreamResponse:
    """GET /recaps/<path>: a file from the transcripts folder, and nothing outside it."""
    base = request.app[CTX].transcripts.resolve()
    rel = request.match_info.get("path", "")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    parts = PurePosixPath(rel).parts
    if (
        "\\" in rel
        or "\x00" in rel
        or rel.startswith("/")
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ):
        raise web.HTTPNotFound()
    target = Path(base, *parts).resolve()
    if not target.is_relative_to(base):
        raise web.HTTPNotFound()
    if not target.is_file():
        return _no_recap_yet(request, rel)
    return web.FileResponse(target)


def _no_recap_yet(request: web.Request, rel: str) -> web.StreamResponse:
    """A recap asked for before it is written (the chat is on, or just ended): a page that says
    so and leads to the chat's live view, instead of a bare 404."""
    ctx = request.app[CTX]
    slug = rel.removesuffix(".html") if rel.endswith(".html") and "/" not in rel else ""
    try:
        row = ctx.store.session_row(slug) if slug else None
    except KeyError:
        row = None
    if row is None:
        raise web.HTTPNotFound()
    live = ctx.live(row["id"])
    return render(
        request,
        "norecap.html",
        status=404,
        title=f"{row['hashtag']}: no recap yet",
        row=row,
        live=f"/live/{row['id']}" if live is not None else "",
    )


async def feed(request: web.Request) -> web.StreamResponse:
    """GET /feed.xml: the Atom feed the recaps wrote."""
    path = request.app[CTX].transcripts / "feed.xml"
    if not path.is_file():
        raise web.HTTPNotFound(text="no feed yet: render recaps first")
    return web.FileResponse(path, headers={"Content-Type": "application/atom+xml; charset=utf-8"})


def search_hits(ctx: WebContext, query: str) -> list[dict[str, Any]]:
    """Full-text hits with highlighted snippets; hidden messages and people never appear."""
    store = ctx.store
    hidden_msgs, hidden_people = store.redactions()
    opted = {(session_id, handle_key(handle)) for session_id, handle in store.opted_out()}
    rows = {r["id"]: r for r in store.sessions()}
    hits = []
    for r in store.search(query, limit=ctx.limits.search_limit):
        who = handle_key(r["handle"] or "")
        if r["hidden"] or r["uid"] in hidden_msgs or who in hidden_people or (r["session_id"], who) in opted:
            continue
        session = rows.get(r["session_id"])
        if session is None:
            continue
        hits.append(
            {
                "snippet": highlight(r["snippet"] or ""),
                "handle": r["handle"],
                "name": r["name"] or "",
                "ts": r["ts"],
                "session": session["title"] or session["hashtag"],
                "hashtag": session["hashtag"],
                "href": f"/recaps/{session['slug']}.html#{html_id(r['id'], 'm-')}",
            }
        )
    return hits


async def search(request: web.Request) -> web.StreamResponse:
    """GET /search?q=."""
    query = request.query.get("q", "").strip()[:200]
    hits = search_hits(request.app[CTX], query) if query else []
    title = f"Search: {query}" if query else "Search"
    return render(request, "search.html", title=title, query=query, hits=hits)


async def healthz(request: web.Request) -> web.StreamResponse:
    """GET /healthz: the archive answers, and what is running."""
    ctx = request.app[CTX]
    try:
        ctx.store.ping()
    except sqlite3.Error as e:
        log.error("health check: database error: %s", e)
        return web.json_response({"ok": False, "error": "database unavailable"}, status=503)
    return web.json_response({"ok": True, "live_sessions": len(ctx.sessions), "rooms": len(ctx.rooms)})
