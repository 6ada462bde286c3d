"""The host dashboard: log in with the host token, then run the session from the browser.

Every button is a command of the one command table (``chatbot.core.commands``), given to the
``LiveSession`` with the logged-in host's identity (the session's first host, as the web room
knows them): no chat message is made, nothing is posted in the chat, and the result comes back
to the host alone (a flash on the page). Destructive commands (end, reject) need ``confirm=yes``:
the page asks "are you sure?" first (a browser confirm, or a confirmation page without JS).
Requests without a host session, with a wrong CSRF token or from another site get 403 and
change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from chatbot.core import commands
from chatbot.core.commands import CommandSpec
from chatbot.hosting.live import CommandResult, LiveSession
from chatbot.platforms.web import host_author
from chatbot.web.context import CTX, render
from chatbot.web.liveview import find_live, stream_state
from chatbot.web.security import AUTH, HOST_COOKIE, same_origin

MAX_FIELD = 200  # characters of one form field passed on to the command table


class _Fields(dict[str, str]):
    """Form values for a caution's placeholders; a missing one shows as ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def cautions() -> dict[str, str]:
    """The "are you sure?" question of each destructive command (``{n}`` left for the page)."""
    return {c.name: c.caution for c in commands.COMMANDS if c.destructive}


def action_command(form: Mapping[str, object]) -> tuple[CommandSpec, list[str]]:
    """The command a dashboard form stands for and its arguments, read from the form fields the
    table names (``n``, ``into``, ``team``, ``minutes``); 400 for an action the table lacks."""
    action = str(form.get("action", ""))[:40]
    spec = commands.find(action) if action else None
    if spec is None or spec.name != action:
        raise web.HTTPBadRequest(text=f"unknown action {action!r}")
    args = [" ".join(str(form.get(a.name, ""))[:MAX_FIELD].split()) for a in spec.args]
    while args and not args[-1]:
        args.pop()
    return spec, args


async def give_command(live: LiveSession, spec: CommandSpec, args: list[str]) -> CommandResult:
    """Give the command as the session's first host, from the dashboard."""
    hosts = live.state()["session"]["hosts"] or ["host"]
    return await live.command(spec.name, args, host_author(hosts[0]), platform="web", via="dashboard")


async def dashboard(request: web.Request) -> web.StreamResponse:
    """GET /host/<session>: the dashboard, or the login form."""
    live = find_live(request)
    session = request.app[AUTH].session(request)
    if session is None:
        return render(request, "login.html", title="Host login", next=request.path, error="")
    state = live.state()
    ctx = request.app[CTX]
    room = ctx.room(state["session"]["hashtag"])
    flash, session.flash = session.flash, []
    return render(
        request,
        "host.html",
        title=f"Host: {state['session']['hashtag']}",
        state=state,
        session_id=live.session_id,
        csrf=session.csrf,
        flash=flash,
        cautions=cautions(),
        room_slug=room.slug if room else "",
    )


async def host_events(request: web.Request) -> web.StreamResponse:
    """GET /host/<session>/events: the full state (open and rejected questions too), hosts only."""
    live = find_live(request)
    if request.app[AUTH].session(request) is None:
        raise web.HTTPForbidden(text="host login required")
    return await stream_state(request, live, public=False)


async def host_action(request: web.Request) -> web.StreamResponse:
    """POST /host/<session>/action: one dashboard button. JSON callers get ``{ok, text, command}``;
    forms get the result as a flash on the dashboard, or first a confirmation page."""
    form = await request.post()
    csrf = form.get("csrf")
    session = request.app[AUTH].require(request, form_csrf=csrf if isinstance(csrf, str) else None)
    live = find_live(request)
    spec, args = action_command(form)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if spec.destructive and form.get("confirm") != "yes":
        question = spec.caution.format_map(
            _Fields({a.name: v for a, v in zip(spec.args, args, strict=False)})
        )
        if wants_json:
            raise web.HTTPBadRequest(text=f"confirm: {question} (send confirm=yes)")
        fields = [(k, str(v)) for k, v in form.items() if k not in {"csrf", "confirm"}]
        return render(
            request,
            "confirm.html",
            title="Are you sure?",
            question=question,
            fields=fields,
            csrf=session.csrf,
            session_id=live.session_id,
        )
    result = await give_command(live, spec, args)
    if wants_json:
        return web.json_response({"ok": result.ok, "text": result.text, "command": result.name})
    session.flash.append(result.text if result.ok else f"Not done: {result.text}")
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
