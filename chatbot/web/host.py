"""The host dashboard: log in with the host token, then run the session from the browser.

Every button is a command of the one command table (``chatbot.core.commands``), given to the
``LiveSession`` with the logged-in host's identity (the session's first host, as the web room
knows them): no chat message is made, nothing is posted in the chat, and the result comes back
to the host alone (a flash on the page). Destructive commands (end, reject) need ``confirm=yes``:
the page asks "are you sure?" first (a browser confirm, or a confirmation page without JS).
Requests without a host session, with a wrong CSRF token or from another site get 403 and
change nothing.

The host can also say something in the session's web room from the dashboard (``/say``), so a
host on a phone needs no second tab.

Posts the bot may have made just before a crash, which the platform's history could not confirm,
are held (``LiveState.held``): the dashboard lists them and the host says whether each went out
(``/host/<session>/held``); the bot never sends them again on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from chatbot.core import commands
from chatbot.core.commands import CommandSpec
from chatbot.core.model import Author
from chatbot.hosting.live import CommandResult, LiveSession
from chatbot.platforms.web import RoomError, host_author, typed_command
from chatbot.web.context import CTX, recap_path, render
from chatbot.web.liveview import find_live, stream_state
from chatbot.web.security import AUTH, HOST_COOKIE, client_address, is_secure, same_origin

MAX_FIELD = 200  # characters of one form field passed on to the command table
MAX_TEXT = 4000  # characters of what the host says in the room (the room refuses over its limit)
#: why a post is held, as the dashboard says it (``chatbot.hosting.lookup.Reason``)
HELD_REASONS = {
    "history_budget": "the bot read as much of the platform's history as it may without finding it",
    "unknown_cursor": "the platform no longer knows where the bot left off",
    "history_failed": "the platform's history could not be read",
}


#: The session controls that make sense in each status (the page's buttons; the runner decides).
ALLOWED = {
    "scheduled": ("start", "end", "extend"),
    "live": ("pause", "next", "skip", "next_question", "extend", "end"),
    "paused": ("resume", "start", "end", "extend"),
    "ended": (),
}


class _Fields(dict[str, str]):
    """Form values for a caution's placeholders; a missing one shows as ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def cautions() -> dict[str, str]:
    """The "are you sure?" question of each destructive command, by every word that names it
    (``{n}`` left for the page)."""
    return {word: c.caution for c in commands.COMMANDS if c.destructive for word in (c.name, *c.aliases)}


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


def dashboard_host(live: LiveSession) -> Author:
    """Who the logged-in host acts as: the session's first host, as the web room knows them."""
    hosts = live.state()["session"]["hosts"] or ["host"]
    return host_author(hosts[0])


async def give_command(live: LiveSession, spec: CommandSpec, args: list[str]) -> CommandResult:
    """Give the command as the session's first host, from the dashboard."""
    return await live.command(spec.name, args, dashboard_host(live), platform="web", via="dashboard")


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
        reasons=HELD_REASONS,
        room_slug=room.slug if room else "",
        recap=recap_path(state["session"]["slug"]),
        allowed=ALLOWED[state["status"]],
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
        fields = [(k, str(v)) for k, v in form.items() if k not in {"csrf", "confirm"}]
        return ask_first(request, wants_json, live, spec, args, fields, session.csrf)
    return answer(wants_json, session.flash, live, await give_command(live, spec, args))


def ask_first(
    request: web.Request,
    wants_json: bool,
    live: LiveSession,
    spec: CommandSpec,
    args: list[str],
    fields: list[tuple[str, str]],
    csrf: str,
) -> web.Response:
    """A destructive command not confirmed yet: "are you sure?" (a page with the form's fields to
    send again with ``confirm=yes``; JSON callers get 400 with the question)."""
    question = spec.caution.format_map(_Fields({a.name: v for a, v in zip(spec.args, args, strict=False)}))
    if wants_json:
        raise web.HTTPBadRequest(text=f"confirm: {question} (send confirm=yes)")
    return render(
        request,
        "confirm.html",
        title="Are you sure?",
        question=question,
        fields=fields,
        csrf=csrf,
        session_id=live.session_id,
    )


async def say(request: web.Request) -> web.StreamResponse:
    """POST /host/<session>/say: the host says something in the session's web room from the
    dashboard (no second tab); a command typed there is given like a button. Answered like an
    action."""
    form = await request.post()
    csrf = form.get("csrf")
    session = request.app[AUTH].require(request, form_csrf=csrf if isinstance(csrf, str) else None)
    live = find_live(request)
    text = str(form.get("text", ""))[:MAX_TEXT].strip()
    wants_json = "application/json" in request.headers.get("Accept", "")
    typed = typed_command(text)
    if typed is not None:
        name, args = typed
        spec = commands.find(name)
        if spec is not None and spec.destructive and form.get("confirm") != "yes":
            fields = [("action", spec.name), *((a.name, v) for a, v in zip(spec.args, args, strict=False))]
            return ask_first(request, wants_json, live, spec, list(args), fields, session.csrf)
        result = await live.command(name, args, dashboard_host(live), platform="web", via="dashboard")
        return answer(wants_json, session.flash, live, result)
    room = request.app[CTX].room(live.state()["session"]["hashtag"])
    if room is None:
        result = CommandResult(False, "this chat has no web room to say it in", "say", ("refused",))
    else:
        try:
            room.say_as(dashboard_host(live), text)
            result = CommandResult(True, "said in the room.", "say")
        except RoomError as refused:
            result = CommandResult(False, str(refused), "say", ("refused",))
    return answer(wants_json, session.flash, live, result)


async def resolve_held(request: web.Request) -> web.StreamResponse:
    """POST /host/<session>/held: the host's word on a held post (``key``, ``platform``):
    ``went_out=no`` sends it now, ``went_out=yes`` records it as posted. Answered like an action."""
    form = await request.post()
    csrf = form.get("csrf")
    session = request.app[AUTH].require(request, form_csrf=csrf if isinstance(csrf, str) else None)
    live = find_live(request)
    key, platform, went_out = (str(form.get(k, ""))[:MAX_FIELD] for k in ("key", "platform", "went_out"))
    if not key or not platform or went_out not in {"yes", "no"}:
        raise web.HTTPBadRequest(text="key, platform and went_out=yes|no are needed")
    result = await live.resolve_held(key, platform, went_out=went_out == "yes", actor=dashboard_host(live))
    wants_json = "application/json" in request.headers.get("Accept", "")
    return answer(wants_json, session.flash, live, result)


def answer(wants_json: bool, flash: list[str], live: LiveSession, result: CommandResult) -> web.Response:
    """A dashboard request's result: ``{ok, text, command}`` for JSON callers; for forms a flash
    on the dashboard they go back to."""
    if wants_json:
        return web.json_response({"ok": result.ok, "text": result.text, "command": result.name})
    flash.append(result.text if result.ok else f"Not done: {result.text}")
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
    if not auth.allow_attempt(client_address(request)):
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
    auth.set_cookie(response, session, secure=is_secure(request))
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
