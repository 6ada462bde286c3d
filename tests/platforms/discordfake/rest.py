"""The fake's REST API under ``/api/v10``: the routes a hosting bot uses, answered as Discord does.

Every response carries exactly ``Content-Type: application/json`` (discord.py reads anything else
as text) and the rate-limit headers (``X-RateLimit-Limit, -Remaining, -Reset, -Reset-After,
-Bucket``); a 429 has the ``{message, retry_after, global}`` body and a ``Via`` header (without
it discord.py takes the 429 for a Cloudflare ban). A request without the bot's token gets 401,
except the interaction callback and webhook routes, which are authorized by their token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.platforms.discordfake.world import (
    MANAGE_EVENTS,
    MESSAGE_CONTENT,
    Channel,
    message_json,
    scheduled_event_json,
)

if TYPE_CHECKING:
    from tests.platforms.discordfake.server import Failure, FakeDiscord

API = "/api/v10"
LIMIT = 50  # requests per bucket per second: more than a host bot ever needs
Handler = Callable[[web.Request], Awaitable[web.Response]]


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    raw = b"" if body is None else json.dumps(body).encode()
    out = web.Response(body=raw, status=status, headers=headers)
    if body is not None:
        out.headers["Content-Type"] = "application/json"  # exactly: no "; charset=utf-8"
    return out


def error(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    return reply({"message": message, "code": code, **extra}, status)


def middleware(fake: FakeDiscord) -> Any:
    windows: dict[str, tuple[float, int]] = {}

    @web.middleware
    async def mw(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path.removeprefix(API)
        if request.path == "/gateway":
            return await handler(request)
        body = (
            await request.json()
            if request.can_read_body and request.content_type == "application/json"
            else None
        )
        fake.bodies.append((request.method, path, body))
        bucket = _bucket(request)
        now = time.monotonic()
        start, used = windows.get(bucket, (now, 0))
        if now - start >= 1.0:
            start, used = now, 0
        used += 1
        windows[bucket] = (start, used)
        limits = {
            "X-RateLimit-Limit": str(LIMIT),
            "X-RateLimit-Remaining": str(max(LIMIT - used, 0)),
            "X-RateLimit-Reset": f"{time.time() + 1.0 - (now - start):.3f}",
            "X-RateLimit-Reset-After": f"{1.0 - (now - start):.3f}",
            "X-RateLimit-Bucket": bucket,
        }
        injected = _injected(fake, request.method, path)
        if injected is not None and injected.delay:
            await asyncio.sleep(injected.delay)  # a slow answer
        if injected is not None and injected.status == 0 and request.transport is not None:
            request.transport.close()  # a connection reset: no answer at all
            fake.requests.append((request.method, path, 0))
            return web.Response(status=499)
        response = (
            _answer(injected) if injected is not None and injected.status > 0 else None
        ) or await _authorized(fake, request, handler, path)
        if response.status == 429:
            limits["X-RateLimit-Remaining"] = "0"
        for k, v in limits.items():
            response.headers.setdefault(k, v)
        fake.requests.append((request.method, path, response.status))
        if isinstance(response, web.Response) and isinstance(response.body, bytes) and response.body:
            route = _route(request).removeprefix(API)
            fake.responses.append((request.method, route, response.status, json.loads(response.body)))
            fake.content_types.add(response.headers.get("Content-Type", ""))
        return response

    return mw


async def _authorized(
    fake: FakeDiscord, request: web.Request, handler: Handler, path: str
) -> web.StreamResponse:
    open_route = path.startswith(("/interactions/", "/webhooks/"))
    if not open_route and request.headers.get("Authorization") != f"Bot {fake.token}":
        return error(401, "401: Unauthorized")
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error(404, "404: Not Found")
    except LookupError as e:
        return error(404, str(e.args[0]) if e.args else "Unknown", 10003)


def _injected(fake: FakeDiscord, method: str, path: str) -> Failure | None:
    for f in fake.failures:
        if f.times > 0 and f.method == method and f.path.search(path):
            f.times -= 1
            return f
    return None


def _answer(f: Failure) -> web.Response:
    if f.status == 429:
        body = {
            "message": "You are being rate limited.",
            "retry_after": f.retry_after,
            "global": False,
        }
        headers = {
            "Via": "1.1 google",
            "Retry-After": f"{max(f.retry_after, 1):g}",
            "X-RateLimit-Scope": "user",
        }
        return reply(body, 429, headers)
    return error(f.status, f"{f.status}: injected failure")


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def _bucket(request: web.Request) -> str:
    return hashlib.sha1(f"{request.method} {_route(request)}".encode()).hexdigest()[:16]


def add_routes(app: web.Application, fake: FakeDiscord) -> None:
    r = app.router
    r.add_get(API + "/users/@me", partial(_me, fake))
    r.add_get(API + "/oauth2/applications/@me", partial(_app, fake))
    r.add_post(API + "/users/@me/channels", partial(_dm, fake))
    r.add_get(API + "/channels/{cid}", partial(_get_channel, fake))
    r.add_post(API + "/channels/{cid}/messages", partial(_post_message, fake))
    r.add_get(API + "/channels/{cid}/messages", partial(_history, fake))
    r.add_get(API + "/channels/{cid}/messages/{mid}", partial(_get_message, fake))
    r.add_put(API + "/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", partial(_react, fake))
    r.add_post(API + "/channels/{cid}/threads", partial(_thread, fake))
    r.add_post(API + "/channels/{cid}/messages/{mid}/threads", partial(_thread, fake))
    r.add_get(API + "/guilds/{gid}/threads/active", partial(_active_threads, fake))
    r.add_put(API + "/applications/{app}/commands", partial(_sync, fake))
    r.add_put(API + "/applications/{app}/guilds/{gid}/commands", partial(_sync, fake))
    r.add_post(API + "/interactions/{iid}/{token}/callback", partial(_callback, fake))
    r.add_post(API + "/webhooks/{app}/{token}", partial(_followup, fake))
    r.add_get(API + "/guilds/{gid}/scheduled-events", partial(_events, fake))
    r.add_post(API + "/guilds/{gid}/scheduled-events", partial(_create_event, fake))
    r.add_get(API + "/guilds/{gid}/scheduled-events/{eid}", partial(_event, fake))
    r.add_patch(API + "/guilds/{gid}/scheduled-events/{eid}", partial(_edit_event, fake))


async def _me(fake: FakeDiscord, request: web.Request) -> web.Response:
    return reply({**fake.bot.json(), "mfa_enabled": False, "locale": "en-US", "verified": True})


async def _app(fake: FakeDiscord, request: web.Request) -> web.Response:
    return reply(_application(fake))


async def _get_channel(fake: FakeDiscord, request: web.Request) -> web.Response:
    return reply(_channel(fake, request).json())


def _application(fake: FakeDiscord) -> dict[str, Any]:
    return {
        "id": fake.app_id,
        "name": "chatbot",
        "icon": None,
        "description": "",
        "type": None,
        "bot": fake.bot.json(),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 1 << 19 if fake.privileged & MESSAGE_CONTENT else 0,  # GATEWAY_MESSAGE_CONTENT
        "flags_new": "0",
        "owner": fake.owner.json(),
        "team": None,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": len(fake.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": [],
    }


def _channel(fake: FakeDiscord, request: web.Request) -> Channel:
    found = fake.channels.get(request.match_info["cid"])
    if found is None:
        raise LookupError("Unknown Channel")
    return found


async def _dm(fake: FakeDiscord, request: web.Request) -> web.Response:
    body = await request.json()
    wanted = str(body["recipient_id"])
    user = next(
        (m.user for g in fake.guilds.values() for m in g.members.values() if m.user.id == wanted), None
    )
    if user is None:
        return error(400, "Invalid Recipient(s)", 50033)
    dm = next((c for c in fake.channels.values() if c.type == 1 and c.recipient is user), None)
    if dm is None:
        dm = Channel(fake.ids.next(), 1, recipient=user)
        fake.channels[dm.id] = dm
    return reply(dm.json())


async def _post_message(fake: FakeDiscord, request: web.Request) -> web.Response:
    channel = _channel(fake, request)
    body = await request.json()
    content, embeds = body.get("content") or "", body.get("embeds") or []
    if not content and not embeds:
        return error(400, "Cannot send an empty message", 50006)
    if len(content) > 2000:
        return error(
            400,
            "Invalid Form Body",
            50035,
            errors={"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}},
        )
    ref = body.get("message_reference")
    if ref and fake.find_message(str(ref["message_id"])) is None:
        return error(
            400,
            "Invalid Form Body",
            50035,
            errors={"message_reference": {"_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE"}]}},
        )
    m = message_json(
        id=fake.ids.next(),
        channel=channel,
        author=fake.bot,
        content=content,
        at=fake.clock.now(),
        reference={"message_id": str(ref["message_id"])} if ref else None,
        embeds=embeds,
    )
    fake.add_message(channel, m)
    return reply(fake.visible(m, content=True))


async def _history(fake: FakeDiscord, request: web.Request) -> web.Response:
    """Newest first, at most ``limit`` (1-100, default 50); ``after``: the oldest ones after it."""
    channel = _channel(fake, request)
    q = request.query
    limit = int(q.get("limit", 50))
    if not 1 <= limit <= 100:
        return error(400, "Invalid Form Body", 50035)
    ms = channel.messages
    if "after" in q:
        picked = [m for m in ms if int(m["id"]) > int(q["after"])][:limit]
    elif "before" in q:
        picked = [m for m in ms if int(m["id"]) < int(q["before"])][-limit:]
    else:
        picked = ms[-limit:]
    content = bool(fake.privileged & MESSAGE_CONTENT)
    return reply([fake.visible(m, content=content) for m in reversed(picked)])


async def _get_message(fake: FakeDiscord, request: web.Request) -> web.Response:
    channel = _channel(fake, request)
    m = next((m for m in channel.messages if m["id"] == request.match_info["mid"]), None)
    if m is None:
        return error(404, "Unknown Message", 10008)
    return reply(fake.visible(m, content=bool(fake.privileged & MESSAGE_CONTENT)))


async def _react(fake: FakeDiscord, request: web.Request) -> web.Response:
    channel = _channel(fake, request)
    mid = request.match_info["mid"]
    if not any(m["id"] == mid for m in channel.messages):
        return error(404, "Unknown Message", 10008)
    guild = fake.guilds[str(channel.guild_id)]
    fake.react(mid, request.match_info["emoji"], guild.members[fake.bot.id])
    return reply(None, 204)


async def _thread(fake: FakeDiscord, request: web.Request) -> web.Response:
    parent = _channel(fake, request)
    from_message = request.match_info.get("mid")
    body = await request.json()
    if from_message is not None and not any(m["id"] == from_message for m in parent.messages):
        return error(404, "Unknown Message", 10008)
    thread = Channel(
        from_message or fake.ids.next(),
        int(body.get("type") or 11),
        body["name"][:100],
        parent.guild_id,
        parent_id=parent.id,
        owner_id=fake.bot.id,
    )
    fake.channels[thread.id] = thread
    fake.guilds[str(parent.guild_id)].channels[thread.id] = thread
    fake.thread_dispatch(thread)
    return reply(thread.json(), 201)


async def _active_threads(fake: FakeDiscord, request: web.Request) -> web.Response:
    guild = fake.guilds[request.match_info["gid"]]
    return reply({"threads": [t.json() for t in fake.threads_of(guild)], "members": [], "has_more": False})


async def _sync(fake: FakeDiscord, request: web.Request) -> web.Response:
    gid = request.match_info.get("gid")
    body = await request.json()
    made = []
    for c in body:
        made.append(
            {
                "id": fake.ids.next(),
                "application_id": fake.app_id,
                "version": fake.ids.next(),
                "type": c.get("type", 1),
                "name": c["name"],
                "description": c.get("description", ""),
                "options": c.get("options", []),
                "default_member_permissions": c.get("default_member_permissions"),
                "dm_permission": c.get("dm_permission", True),
                "nsfw": c.get("nsfw", False),
                **({"guild_id": gid} if gid else {}),
            }
        )
    if gid is None:
        fake.global_commands = made
    else:
        fake.guilds[gid].commands = made
    return reply(made)


async def _callback(fake: FakeDiscord, request: web.Request) -> web.Response:
    interaction = fake.interactions.get(request.match_info["iid"])
    if interaction is None or interaction.token != request.match_info["token"]:
        return error(404, "Unknown interaction", 10062)
    if interaction.responses:
        return error(400, "Interaction has already been acknowledged.", 40060)
    body = await request.json()
    interaction.responses.append(body)
    kind, data = body["type"], body.get("data") or {}
    answer: dict[str, Any] = {
        "id": interaction.id,
        "type": 2,
        "response_message_loading": kind == 5,
        "response_message_ephemeral": fake.ephemeral(data),
    }
    out: dict[str, Any] = {"interaction": answer}
    if kind == 4:
        m = _interaction_message(fake, interaction.channel, data, interaction.id)
        answer["response_message_id"] = m["id"]
        out["resource"] = {"type": 4, "message": m}
        interaction.answered.set()
    return reply(out)


async def _followup(fake: FakeDiscord, request: web.Request) -> web.Response:
    token = request.match_info["token"]
    interaction = next((i for i in fake.interactions.values() if i.token == token), None)
    if interaction is None or request.match_info["app"] != fake.app_id:
        return error(404, "Unknown Webhook", 10015)
    if not interaction.responses:
        return error(400, "Interaction has not been acknowledged", 40060)
    body = await request.json()
    m = _interaction_message(fake, interaction.channel, body, interaction.id)
    interaction.followups.append(m)
    interaction.answered.set()
    return reply(m)


def _interaction_message(
    fake: FakeDiscord, channel: Channel, data: dict[str, Any], iid: str
) -> dict[str, Any]:
    """An answer to an interaction; an ephemeral one is kept nowhere and sent to nobody else."""
    flags = int(data.get("flags") or 0)
    m = message_json(
        id=fake.ids.next(),
        channel=channel,
        author=fake.bot,
        content=data.get("content") or "",
        at=fake.clock.now(),
        embeds=data.get("embeds"),
        flags=flags,
        type=20,
        interaction={"id": iid, "type": 2, "user": fake.owner.json(), "authorizing_integration_owners": {}},
    )
    if not fake.ephemeral(data):
        fake.add_message(channel, m)
    return m


async def _events(fake: FakeDiscord, request: web.Request) -> web.Response:
    return reply(fake.events(fake.guilds[request.match_info["gid"]]))


async def _event(fake: FakeDiscord, request: web.Request) -> web.Response:
    guild = fake.guilds[request.match_info["gid"]]
    found = guild.events.get(request.match_info["eid"])
    return reply(found) if found else error(404, "Unknown Guild Scheduled Event", 10070)


def _future(fake: FakeDiscord, text: str) -> bool:
    return datetime.fromisoformat(text) > fake.clock.now()


async def _create_event(fake: FakeDiscord, request: web.Request) -> web.Response:
    guild = fake.guilds[request.match_info["gid"]]
    if not fake.permissions(guild.members[fake.bot.id]) & MANAGE_EVENTS:
        return error(403, "Missing Permissions", 50013)
    body = await request.json()
    problems = []
    if body.get("entity_type") == 3:
        if not (body.get("entity_metadata") or {}).get("location"):
            problems.append("entity_metadata.location")
        if not body.get("scheduled_end_time"):
            problems.append("scheduled_end_time")
    if not _future(fake, body["scheduled_start_time"]):
        problems.append("scheduled_start_time")
    if problems:
        return error(
            400, "Invalid Form Body", 50035, errors={p: {"_errors": [{"code": "INVALID"}]} for p in problems}
        )
    event = scheduled_event_json(id=fake.ids.next(), guild_id=guild.id, creator=fake.bot, body=body)
    guild.events[event["id"]] = event
    fake.event_dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
    return reply(event)


async def _edit_event(fake: FakeDiscord, request: web.Request) -> web.Response:
    guild = fake.guilds[request.match_info["gid"]]
    event = guild.events.get(request.match_info["eid"])
    if event is None:
        return error(404, "Unknown Guild Scheduled Event", 10070)
    body = await request.json()
    status = body.get("status", event["status"])
    allowed = {1: {1, 2, 4}, 2: {2, 3}, 3: {3}, 4: {4}}[event["status"]]
    if status not in allowed or (event["status"] in (3, 4) and body):
        return error(400, "Cannot update a finished event", 180000)
    if "scheduled_start_time" in body and event["status"] != 1:
        return error(400, "Cannot change the start of an event that has started", 180000)
    for key in (
        "name",
        "description",
        "scheduled_start_time",
        "scheduled_end_time",
        "entity_metadata",
        "status",
    ):
        if key in body:
            event[key] = body[key]
    fake.event_dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
    return reply(event)
