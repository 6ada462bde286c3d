"""Readers' pages: the list of sessions, the rendered recaps, search across every chat, the feed."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web
from markupsafe import Markup, escape

from chatbot.recap import html_id
from chatbot.recap.pages import message_page
from chatbot.store import Store
from chatbot.web.context import CTX, WebContext, render
from chatbot.web.params import BadParameter, whole_number
from chatbot.web.throttle import refusal

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


def recap_href(transcripts: Path, slug: str) -> str | None:
    return f"/recaps/{slug}.html" if (transcripts / f"{slug}.html").is_file() else None


async def session_list(ctx: WebContext) -> list[dict[str, Any]]:
    """Every session: the running ones first, then the archive newest first (read off the loop)."""
    live_rows = running_sessions(ctx)
    running = {r["id"] for r in live_rows}
    transcripts = ctx.transcripts
    return live_rows + await ctx.reads.run(lambda store: archived_sessions(store, transcripts, running))


def running_sessions(ctx: WebContext) -> list[dict[str, Any]]:
    """The sessions this app runs that have not ended, as the list shows them."""
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
    return live_rows


def archived_sessions(store: Store, transcripts: Path, running: set[str]) -> list[dict[str, Any]]:
    """The archive's sessions, newest first, but the ``running`` ones (a reader thread's work)."""
    stored = []
    for row in store.sessions():
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
                    "recap": recap_href(transcripts, row["slug"]),
                },
            }
        )
    return stored


async def index(request: web.Request) -> web.StreamResponse:
    """GET /."""
    sessions = await session_list(request.app[CTX])
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
    try:
        target = Path(base, *parts).resolve()
        inside = target.is_relative_to(base)
        found = inside and target.is_file()
    except OSError:  # a name longer than the file system takes, say
        raise web.HTTPNotFound() from None
    if not inside:
        raise web.HTTPNotFound()
    if not found:
        return await _no_recap_yet(request, rel)
    return web.FileResponse(target)


async def _no_recap_yet(request: web.Request, rel: str) -> web.StreamResponse:
    """A recap asked for before it is written (the chat is on, or just ended): a page that says
    so and leads to the chat's live view, instead of a bare 404."""
    ctx = request.app[CTX]
    slug = rel.removesuffix(".html") if rel.endswith(".html") and "/" not in rel else ""
    try:
        row = await ctx.reads.run(lambda store: store.session_row(slug)) if slug else None
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


#: Hits on a search page.
SEARCH_PAGE = 20


def search_hits(
    store: Store,
    transcripts: Path,
    live: set[str],
    query: str,
    *,
    page: int = 1,
    include_bots: bool = False,
) -> dict[str, Any]:
    """A page of full-text hits, best first, with highlighted snippets, the total and the pages
    (``chatbot.store.search``: hidden messages and removed people never appear; bots' lines and
    commands only when asked). A hit links to its message in the recap, or to the live view while
    its chat runs (its id in ``live``) and has no recap yet; its time is in its chat's zone.
    A reader thread's work (``ReadPool.run``)."""
    found = store.search_page(
        query, offset=(page - 1) * SEARCH_PAGE, limit=SEARCH_PAGE, include_bots=include_bots
    )
    sessions = {r["id"]: r for r in store.sessions()}
    hits = []
    for r in found.hits:
        session = sessions.get(r["session_id"])
        if session is None:
            continue
        recap = recap_href(transcripts, session["slug"])
        if recap is not None:  # the page of a long channel record the message is on
            where = message_page(transcripts, session["slug"], r["ts"], r["uid"])
            href = f"/recaps/{where}#{html_id(r['id'], 'm-')}"
        elif r["session_id"] in live:
            href = f"/live/{r['session_id']}"
        else:
            href = f"/api/sessions/{r['session_id']}"
        hits.append(
            {
                "snippet": highlight(r["snippet"] or ""),
                "handle": r["handle"],
                "name": r["name"] or "",
                "ts": r["ts"],
                "zone": session["timezone"] or "UTC",
                "session": session["title"] or session["hashtag"],
                "hashtag": session["hashtag"],
                "href": href,
                "live": r["session_id"] in live and recap is None,
                "kind": r["kind"] or "",
            }
        )
    pages = max(1, -(-found.total // SEARCH_PAGE))
    return {
        "hits": hits,
        "total": found.total,
        "more": found.more,
        "first": found.offset + 1 if hits else 0,
        "last": found.offset + len(hits),
        "page": page,
        "pages": pages,
    }


#: The longest query searched for (characters); the rest is not read.
MAX_QUERY = 200


async def search(request: web.Request) -> web.StreamResponse:
    """GET /search?q=[&page=N][&bots=1]: any text is a query (``chatbot.store.search.fts_query``
    reads none of it as syntax); a bad page number is a 400 page."""
    ctx = request.app[CTX]
    query = clean_query(request.query.get("q", ""))
    include_bots = request.query.get("bots") == "1"
    try:
        page = whole_number(request.query, "page", default=1, lo=1, hi=1000)
    except BadParameter as e:
        return refusal(request, 400, str(e))
    results = None
    if query:
        live = {sid for sid, s in ctx.sessions.items() if s.state()["status"] != "ended"}
        transcripts = ctx.transcripts
        results = await ctx.reads.run(
            lambda store: search_hits(store, transcripts, live, query, page=page, include_bots=include_bots)
        )
    title = f"Search: {query}" if query else "Search"
    return render(request, "search.html", title=title, query=query, results=results, bots=include_bots)


def clean_query(text: str) -> str:
    """What is searched for: control characters (a NUL among them) as spaces, at most
    ``MAX_QUERY`` characters, trimmed."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text[:MAX_QUERY]).strip()


async def healthz(request: web.Request) -> web.StreamResponse:
    """GET /healthz: the archive answers (a query on its tables, off the loop, on a fresh
    connection, within a time limit), and what is running; 503 with why when it does not."""
    ctx = request.app[CTX]
    problem = await ctx.reads.health()
    if problem is not None:
        log.error("health check: %s", problem)
        return web.json_response({"ok": False, "error": problem}, status=503)
    return web.json_response({"ok": True, "live_sessions": len(ctx.sessions), "rooms": len(ctx.rooms)})
