"""The host dashboard: log in with the host token, then run the session from the browser.

Every action becomes a chat command (``/approve 3``) submitted to the ``LiveSession`` as a message
from the session's first host on platform ``web``, so the dashboard and the chat share one path
and one audit trail. Requests without a host session, with a wrong CSRF token or from another
site get 403 and change nothing.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from chatbot.core.engine import Reply
from chatbot.core.model import Message
from chatbot.hosting.live import LiveSession
from chatbot.platforms.web import host_author
from chatbot.web.context import CTX, render
from chatbot.web.liveview import complete, find_live, stream_state
from chatbot.web.security import AUTH, HOST_COOKIE, same_origin

SIMPLE = ("start", "pause", "resume", "next", "skip", "end", "next_question")
ON_QUESTION = ("approve", "reject", "answered")
MAX_NUMBER = 1_000_000


def _number(form: Any, name: str) -> int:
    raw = str(form.get(name, "")).strip().lstrip("#")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_NUMBER:
        raise web.HTTPBadRequest(text=f"{name}: a question number is needed")
    return int(raw)


def command_text(form: Any) -> str:
    """The chat command a dashboard form stands for; 400 for anything else."""
    action = str(form.get("action", ""))
    if action in SIMPLE:
        return f"/{action}"
    if action in ON_QUESTION:
        return f"/{action} {_number(form, 'n')}"
    if action == "merge":
        return f"/merge {_number(form, 'n')} {_number(form, 'into')}"
    if action == "route":
        team = " ".join(str(form.get("team", "")).split())[:60]
        if not team:
            raise web.HTTPBadRequest(text="team: say which team to route the question to")
        return f"/route {_number(form, 'n')} {team}"
    if action == "extend":
        raw = str(form.get("minutes", "")).strip()
        if not raw.isdigit() or not 0 < int(raw) <= 240:
            raise web.HTTPBadRequest(text="minutes: extend by 1 to 240 minutes")
        return f"/extend {int(raw)}"
    raise web.HTTPBadRequest(text=f"unknown action {action[:40]!r}")


def _now(state: dict[str, Any]) -> datetime:
    """The session's own clock (a test's fast clock too), else the wall clock."""
    try:
        return datetime.fromisoformat(str(state["now"]))
    except (KeyError, ValueError):
        return datetime.now(UTC)


async def submit_command(live: LiveSession, text: str) -> tuple[bool, list[str]]:
    """Submit ``text`` as the first host; returns (refused, the bot's replies)."""
    state = live.state()
    hosts = state.get("session", {}).get("hosts") or ["host"]
    message = Message(
        id=f"dash-{secrets.token_hex(8)}",
        platform="web",
        ts=_now(state),
        author=host_author(str(hosts[0])),
        text=text,
    )
    outcome = await live.submit(message)
    replies = [a.text for a in outcome.actions if isinstance(a, Reply)]
    return "refused" in outcome.flags, replies


async def dashboard(request: web.Request) -> web.StreamResponse:
    """GET /host/<session>: the dashboard, or the login form."""
    live = find_live(request)
    session = request.app[AUTH].session(request)
    if session is None:
        return render(request, "login.html", title="Host login", next=request.path, error="")
    state = complete(live.state())
    ctx = request.app[CTX]
    room = ctx.room(str(state["session"].get("hashtag", "")))
    flash, session.flash = session.flash, []
    return render(
        request,
        "host.html",
        title=f"Host: {state['session'].get('hashtag', '')}",
        state=state,
        session_id=live.session_id,
        csrf=session.csrf,
        flash=flash,
        room_slug=room.slug if room else "",
    )


async def host_events(request: web.Request) -> web.StreamResponse:
    """GET /host/<session>/events: the full state (open and rejected questions too), hosts only."""
    live = find_live(request)
    if request.app[AUTH].session(request) is None:
        raise web.HTTPForbidden(text="host login required")
    return await stream_state(request, live, public=False)


async def host_action(request: web.Request) -> web.StreamResponse:
    """POST /host/<session>/action: one dashboard button."""
    form = await request.post()
    csrf = form.get("csrf")
    session = request.app[AUTH].require(request, form_csrf=csrf if isinstance(csrf, str) else None)
    live = find_live(request)
    refused, replies = await submit_command(live, command_text(form))
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"ok": not refused, "replies": replies})
    session.flash.extend(replies or ["done."])
    return see_other(f"/host/{live.session_id}")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _safe_next(value: object) -> str:
    text = str(value or "")
    if text.startswith("/host/") and "//" not in text and "\\" not in text and len(text) < 300:
        return text
    return "/"


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: the host token in, a session cookie out."""
    auth = request.app[AUTH]
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site request refused")
    if not auth.allow_attempt(request.remote or "?"):
        raise web.HTTPTooManyRequests(text="too many login attempts; wait a minute")
    form = await request.post()
    token, target = form.get("token"), _safe_next(form.get("next"))
    if not isinstance(token, str) or not auth.check_token(token.strip()):
        return render(
            request,
            "login.html",
            title="Host login",
            next=target,
            error="That is not the host token.",
            status=403,
        )
    session = auth.login()
    response = see_other(target)
    auth.set_cookie(response, session, secure=request.secure)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout."""
    form = await request.post()
    csrf = form.get("csrf")
    request.app[AUTH].require(request, form_csrf=csrf if isinstance(csrf, str) else None)
    request.app[AUTH].logout(request)
    response = see_other("/")
    response.del_cookie(HOST_COOKIE, path="/")
    return response
