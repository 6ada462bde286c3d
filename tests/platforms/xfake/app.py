"""A protocol-faithful fake X API v2: the aiohttp app the real tweepy client talks to on loopback.

Routes: recent search (``GET /2/tweets/search/recent``: newest first, ``since_id``/``until_id``,
``start_time``, ``end_time`` (10 s before the request at the latest), ``max_results`` 10-100,
``next_token`` pages, ``includes.users``, ``meta``, ``data`` absent when nothing matched; a post
shows once X has indexed it, after its ``lag``), ``POST /2/tweets`` (201; 280 weighted characters; duplicate
content and replies to missing posts refused), ``GET /2/tweets?ids=`` (``public_metrics``),
``GET /2/users/me``, ``GET /2/users/by``. Authentication as X checks it: an app bearer token
(reads only), an OAuth 2 user token, or OAuth 1.0a signed requests (the HMAC-SHA1 signature is
verified). Every answer carries ``x-rate-limit-limit|remaining|reset`` for its endpoint and caller;
over the limit is a 429 with the reset. Errors are Problem JSON. ``XFake.fail`` injects 429s,
5xx, an HTML 502 page, slow answers and dropped connections.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature

from chatbot.clock import Clock
from chatbot.core.textfit import x_weighted_length
from tests.platforms.xfake.model import (
    RECENT,
    Post,
    QueryError,
    Timeline,
    User,
    iso_z,
    matches,
    parse_query,
    time_of,
)
from tests.platforms.xfake.stream import FilteredStream

WINDOW = timedelta(minutes=15)
ROUTES = {
    ("GET", "/2/tweets/search/recent"): "search",
    ("GET", "/2/tweets"): "lookup",
    ("POST", "/2/tweets"): "post",
    ("GET", "/2/users/me"): "me",
    ("GET", "/2/users/by"): "users",
    ("GET", "/2/tweets/search/stream"): "stream",
    ("GET", "/2/tweets/search/stream/rules"): "rules",
    ("POST", "/2/tweets/search/stream/rules"): "rules",
}
USER_ONLY = {"post", "me"}
APP_ONLY = {"stream", "rules"}  # the filtered stream takes the app's bearer token only
#: requests per 15 minutes per caller, as X documents them: (app bearer, user context)
LIMITS: dict[str, tuple[int, int]] = {
    "search": (450, 300),
    "lookup": (450, 900),
    "post": (0, 100),
    "me": (0, 75),
    "users": (300, 900),
    "stream": (50, 0),
    "rules": (450, 0),
}
TOO_LONG = (
    "Your Tweet text is too long. For more information on how X determines text length see "
    "https://github.com/twitter/twitter-text."
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """One injected failure: ``kind`` is 429, 500, 503, 502html, slow or drop."""

    kind: str
    endpoint: str | None = None  # None: any endpoint
    times: int = 1
    reset_in: float = 60.0  # 429: seconds until the window resets
    delay: float = 0.0  # slow: real seconds before answering


@dataclass(frozen=True)
class Logged:
    at: datetime
    endpoint: str
    caller: str
    status: int
    params: dict[str, str]


@dataclass
class Credentials:
    app_bearer: str = "app-bearer-token"
    consumer_key: str = "consumer-key"
    consumer_secret: str = "consumer-secret"
    access_token: str = "bot-access-token"
    access_token_secret: str = "bot-access-secret"
    user_token: str = "oauth2-user-token"


@dataclass
class XFake:
    """The service: its posts, its callers' rate-limit windows, the request log, injected faults."""

    clock: Clock
    creds: Credentials = field(default_factory=Credentials)
    max_weighted: int = 280
    limits: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(LIMITS))
    timeline: Timeline = field(init=False)
    bot: User = field(init=False)
    log: list[Logged] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    over_limit: int = 0  # requests refused because a caller went over its limit
    _windows: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)
    _links: dict[str, str] = field(default_factory=dict)  # t.co link -> the address written
    cards: dict[str, dict[str, str]] = field(default_factory=dict)  # address -> title, description...

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.clock)
        self.bot = self.timeline.user("chatbot", "chatbot", id="4242")
        self.stream = FilteredStream(self)

    # -- what tests do ---------------------------------------------------------------------------
    def user(self, username: str, name: str = "") -> User:
        return self.timeline.by_username(username) or self.timeline.user(username, name)

    def tweet(
        self,
        who: User | str,
        text: str,
        *,
        lag: float = 0,
        media: tuple[dict[str, str], ...] = (),
        **refs: int | None,
    ) -> str:
        """A post by ``who``; search shows it ``lag`` seconds later (X indexes with a delay).
        ``media``: its photos and videos as X's media objects (``type``, ``url`` or
        ``preview_image_url``), each given its ``media_key``."""
        author = self.user(who) if isinstance(who, str) else who
        post = self.timeline.add(author, self._shorten(text), **refs)
        post.shown_at = post.created_at + timedelta(seconds=lag)
        post.media = [{"media_key": f"3_{post.id}{i}", **m} for i, m in enumerate(media)]
        self.stream.publish(post)
        return str(post.id)

    def card(self, address: str, title: str, description: str = "", unwound_url: str = "") -> None:
        """X shows the page at ``address`` as a card: every link to it has its title and
        description in ``entities.urls`` (and where it leads after redirects, ``unwound_url``)."""
        card = {"title": title, "description": description, "unwound_url": unwound_url or address}
        self.cards[address] = card

    def like(self, post_id: str, n: int = 1) -> None:
        post = self.timeline.get(int(post_id))
        assert post is not None, post_id
        post.likes += n

    def fail(self, kind: str, endpoint: str | None = None, *, times: int = 1, **how: float) -> None:
        self.faults.append(Fault(kind, endpoint, times, **how))

    def posts_by(self, user: User) -> list[Post]:
        return [p for p in self.timeline.posts if p.author.id == user.id and not p.deleted]

    def requests(self, endpoint: str) -> list[Logged]:
        return [x for x in self.log if x.endpoint == endpoint]

    def most_in_a_window(self, endpoint: str) -> int:
        """The most requests answered (not refused) in any 15 minutes, for the limits tests."""
        times = [x.at for x in self.log if x.endpoint == endpoint and x.status != 429]
        return max((sum(1 for u in times if t <= u < t + WINDOW) for t in times), default=0)

    # -- the app -----------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/2/tweets/search/recent", self._search)
        app.router.add_get("/2/tweets", self._lookup)
        app.router.add_post("/2/tweets", self._create)
        app.router.add_get("/2/users/me", self._me)
        app.router.add_get("/2/users/by", self._users_by)
        app.router.add_get("/2/tweets/search/stream", self.stream.connect)
        app.router.add_get("/2/tweets/search/stream/rules", self.stream.get_rules)
        app.router.add_post("/2/tweets/search/stream/rules", self.stream.post_rules)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        endpoint = ROUTES.get((request.method, request.path), "other")
        caller = self._caller(request)
        params = dict(request.query)
        if caller is None:
            return self._logged(endpoint, "?", params, problem(401, "Unauthorized", "Unauthorized"))
        if endpoint in USER_ONLY and caller == "app":
            detail = (
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
                "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
            )
            return self._logged(endpoint, caller, params, problem(403, "Unsupported Authentication", detail))
        if endpoint in APP_ONLY and caller != "app":
            detail = (
                "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported "
                "authentication types are [OAuth 2.0 Application-Only]."
            )
            return self._logged(endpoint, caller, params, problem(403, "Unsupported Authentication", detail))
        fault = self._take_fault(endpoint)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            assert request.transport is not None
            request.transport.close()
            return self._logged(endpoint, caller, params, web.Response(status=499))
        limit = self.limits.get(endpoint, (1000, 1000))[0 if caller == "app" else 1]
        start, used = self._window(endpoint, caller)
        reset = int((start + WINDOW).timestamp())
        if fault is not None and fault.kind == "429":
            reset = int((self.clock.now() + timedelta(seconds=fault.reset_in)).timestamp())
            used = limit
        if used >= limit:
            if fault is None:
                self.over_limit += 1
            response: web.StreamResponse = problem(429, "Too Many Requests", "Too Many Requests")
            remaining = 0
        elif fault is not None and fault.kind in ("500", "503"):
            response = problem(int(fault.kind), "Service Unavailable", "Service Unavailable")
            remaining = limit - used
        elif fault is not None and fault.kind == "502html":
            page = "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
            response = web.Response(status=502, text=page, content_type="text/html")
            remaining = limit - used
        else:
            self._windows[(endpoint, caller)] = (start, used + 1)
            remaining = limit - used - 1
            response = await handler(request)
        response.headers["x-rate-limit-limit"] = str(limit)
        response.headers["x-rate-limit-remaining"] = str(remaining)
        response.headers["x-rate-limit-reset"] = str(reset)
        return self._logged(endpoint, caller, params, response)

    def _logged(
        self, endpoint: str, caller: str, params: dict[str, str], response: web.StreamResponse
    ) -> web.StreamResponse:
        self.log.append(Logged(self.clock.now(), endpoint, caller, response.status, params))
        return response

    def _take_fault(self, endpoint: str) -> Fault | None:
        for f in self.faults:
            if f.endpoint in (None, endpoint):
                f.times -= 1
                if f.times <= 0:
                    self.faults.remove(f)
                return f
        return None

    def _window(self, endpoint: str, caller: str) -> tuple[datetime, int]:
        now = self.clock.now()
        start, used = self._windows.get((endpoint, caller), (now, 0))
        if now >= start + WINDOW:
            start, used = now, 0
        self._windows[(endpoint, caller)] = (start, used)
        return start, used

    def _caller(self, request: web.Request) -> str | None:
        """``app`` for the app bearer token, the bot's user id for user context, None: rejected."""
        auth = request.headers.get("Authorization", "")
        c = self.creds
        if auth.startswith("Bearer "):
            token = auth[7:]
            return "app" if token == c.app_bearer else self.bot.id if token == c.user_token else None
        if not auth.startswith("OAuth "):
            return None
        params = signature.collect_parameters(headers={"Authorization": auth}, exclude_oauth_signature=False)
        given = dict(params)
        if given.get("oauth_consumer_key") != c.consumer_key or given.get("oauth_token") != c.access_token:
            return None
        uri = f"https://{request.headers.get('Host', 'api.twitter.com')}{request.path_qs}"
        signed = [(k, v) for k, v in params if k != "oauth_signature"]
        signed += signature.collect_parameters(uri_query=uri.partition("?")[2])
        base = signature.signature_base_string(
            request.method, signature.base_string_uri(uri), signature.normalize_parameters(signed)
        )
        expected = signature.sign_hmac_sha1(base, c.consumer_secret, c.access_token_secret)
        return self.bot.id if unquote(given.get("oauth_signature", "")) == expected else None

    # -- routes ------------------------------------------------------------------------------------
    async def _search(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        query = q.get("query", "")
        if not query or len(query) > 512:
            return invalid("query", query, f"The `query` query parameter value [{query}] is not valid")
        try:
            node = parse_query(query)
        except QueryError as e:
            return invalid("query", query, f"There were errors processing your request: {e}")
        size = q.get("max_results", "10")
        if not size.isdigit() or not 10 <= int(size) <= 100:
            return invalid(
                "max_results",
                size,
                f"The `max_results` query parameter value [{size}] is not between 10 and 100",
            )
        oldest = self.clock.now() - RECENT
        bounds: dict[str, int] = {}
        for name in ("since_id", "until_id"):
            if name in q:
                value = q[name]
                if not value.isdigit():
                    return invalid(name, value, f"The `{name}` query parameter value [{value}] is not valid")
                if time_of(int(value)) < oldest:
                    after = iso_z(oldest)
                    detail = f"Invalid '{name}':'{value}'. '{name}' must be a tweet id created after {after}."
                    return invalid(name, value, detail)
                bounds[name] = int(value)
        start = _time(q.get("start_time"))
        if "start_time" in q and (start is None or start < oldest):
            value = q["start_time"]
            return invalid(
                "start_time",
                value,
                f"Invalid 'start_time':'{value}'. 'start_time' must be on or after {iso_z(oldest)}",
            )
        until = _time(q.get("end_time"))
        if "end_time" in q and (until is None or until > self.clock.now() - timedelta(seconds=10)):
            value = q["end_time"]
            detail = "'end_time' must be a minimum of 10 seconds prior to the request time."
            return invalid("end_time", value, f"Invalid 'end_time':'{value}'. {detail}")
        token = q.get("next_token") or q.get("pagination_token")
        before = None
        if token:
            if not token.startswith("nt") or not token[2:].isalnum():
                return invalid(
                    "next_token", token, f"The `next_token` query parameter value [{token}] is not valid"
                )
            before = int(token[2:], 16)
        found = [
            p
            for p in self.timeline.recent()
            if matches(node, p)
            and p.id > bounds.get("since_id", 0)
            and p.id < bounds.get("until_id", 1 << 63)
            and (start is None or p.created_at >= start)
            and (until is None or p.created_at < until)
            and (before is None or p.id < before)
        ]
        page, more = found[: int(size)], len(found) > int(size)
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body = self._posts_body(page, q)
            body["meta"] = {
                "newest_id": str(page[0].id),
                "oldest_id": str(page[-1].id),
                "result_count": len(page),
            }
        if more:
            body["meta"]["next_token"] = f"nt{page[-1].id:x}"
        return json_ok(body)

    async def _lookup(self, request: web.Request) -> web.StreamResponse:
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not ids or len(ids) > 100 or not all(i.isdigit() for i in ids):
            value = request.query.get("ids", "")
            return invalid("ids", value, f"The `ids` query parameter value [{value}] is not valid")
        posts = [p for p in (self.timeline.get(int(i)) for i in ids) if p is not None]
        body: dict[str, Any] = self._posts_body(posts, request.query) if posts else {}
        missing = [i for i in ids if all(str(p.id) != i for p in posts)]
        if missing:
            body["errors"] = not_found("tweet", "ids", missing)
        return json_ok(body)

    async def _create(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return problem(400, "Invalid Request", "The request body is not valid JSON")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return invalid("text", str(text), "The text field is required when there is no media or poll")
        if x_weighted_length(text) > self.max_weighted:
            return problem(403, "Forbidden", TOO_LONG)
        if any(p.text == self._shorten(text) for p in self.posts_by(self.bot)):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply is not None and (not str(reply).isdigit() or self.timeline.get(int(reply)) is None):
            detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
            return problem(403, "Forbidden", detail)
        pid = self.tweet(self.bot, text, reply_to=int(reply) if reply else None)
        post = self.timeline.get(int(pid))
        assert post is not None
        data = {"id": pid, "text": html.escape(post.text, quote=False), "edit_history_tweet_ids": [pid]}
        return json_ok({"data": data}, status=201)

    async def _me(self, request: web.Request) -> web.StreamResponse:
        return json_ok({"data": _user(self.bot)})

    async def _users_by(self, request: web.Request) -> web.StreamResponse:
        names = [n for n in request.query.get("usernames", "").split(",") if n]
        found = [u for u in (self.timeline.by_username(n) for n in names) if u is not None]
        body: dict[str, Any] = {"data": [_user(u) for u in found]} if found else {}
        missing = [n for n in names if self.timeline.by_username(n) is None]
        if missing:
            body["errors"] = not_found("user", "usernames", missing)
        return json_ok(body)

    # -- rendering ---------------------------------------------------------------------------------
    def _posts_body(self, posts: list[Post], q: Any) -> dict[str, Any]:
        fields = set((q.get("tweet.fields") or q.get("post.fields") or "").split(","))
        body: dict[str, Any] = {"data": [self.render(p, fields) for p in posts]}
        if includes := self.includes(posts, q):
            body["includes"] = includes
        return body

    def includes(self, posts: list[Post], q: Any) -> dict[str, Any]:
        """What the ``expansions`` asked for of these posts: their authors, their media (with
        the ``media.fields`` asked for, besides ``media_key`` and ``type``)."""
        expansions = (q.get("expansions") or "").split(",")
        out: dict[str, Any] = {}
        if "author_id" in expansions:
            out["users"] = [_user(u) for u in {p.author.id: p.author for p in posts}.values()]
        wanted = {"media_key", "type", *(q.get("media.fields") or "").split(",")}
        media = [{k: v for k, v in m.items() if k in wanted} for p in posts for m in p.media]
        if "attachments.media_keys" in expansions and media:
            out["media"] = media
        return out

    def render_user(self, u: User) -> dict[str, str]:
        return _user(u)

    def render(self, p: Post, fields: set[str]) -> dict[str, Any]:
        """A post as X shows it, with the fields asked for."""
        d: dict[str, Any] = {"id": str(p.id), "text": html.escape(p.text, quote=False)}
        d["edit_history_tweet_ids"] = [str(p.id)]
        if "created_at" in fields:
            d["created_at"] = iso_z(p.created_at)
        if "author_id" in fields:
            d["author_id"] = p.author.id
        if "conversation_id" in fields:
            d["conversation_id"] = str(self._root(p))
        refs = [("replied_to", p.reply_to), ("quoted", p.quote_of), ("retweeted", p.retweet_of)]
        if "referenced_tweets" in fields and any(i for _, i in refs):
            d["referenced_tweets"] = [{"type": t, "id": str(i)} for t, i in refs if i]
        if "in_reply_to_user_id" in fields and p.reply_to and (parent := self.timeline.get(p.reply_to)):
            d["in_reply_to_user_id"] = parent.author.id
        if "public_metrics" in fields:
            replies = sum(1 for x in self.timeline.posts if x.reply_to == p.id and not x.deleted)
            d["public_metrics"] = {
                "retweet_count": 0,
                "reply_count": replies,
                "like_count": p.likes,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            }
        if "entities" in fields:
            entities = self._entities(p)
            if entities:
                d["entities"] = entities
        if "attachments" in fields and p.media:
            d["attachments"] = {"media_keys": [m["media_key"] for m in p.media]}
        return d

    def _entities(self, p: Post) -> dict[str, Any]:
        out: dict[str, Any] = {}
        tags = [
            {"start": m.start(), "end": m.end(), "tag": m.group(1)}
            for m in re.finditer(r"(?<![\w#&])#(\w+)", p.text)
        ]
        mentions = []
        for start, end, name in p.mentions():
            u = self.timeline.by_username(name)
            mentions.append({"start": start, "end": end, "username": name, **({"id": u.id} if u else {})})
        urls = [
            {"start": s, "end": e, "url": u, "expanded_url": self._links.get(u, u), "display_url": u[8:]}
            | self.cards.get(self._links.get(u, u), {})
            for s, e, u in p.links()
        ]
        for key, items in (("hashtags", tags), ("mentions", mentions), ("urls", urls)):
            if items:
                out[key] = items
        return out

    def _root(self, p: Post) -> int:
        while p.reply_to and (parent := self.timeline.get(p.reply_to)):
            p = parent
        return p.id

    def _shorten(self, text: str) -> str:
        """X rewrites every link in a post to a t.co address (the original is in entities.urls)."""

        def tco(m: Any) -> str:
            url = m.group()
            if url.startswith("https://t.co/"):
                return str(url)
            short = next((k for k, v in self._links.items() if v == url), None)
            if short is None:
                short = "https://t.co/" + secrets.token_urlsafe(8)[:10]
                self._links[short] = url
            return short

        return re.sub(r"https?://\S+", tco, text)


def _user(u: User) -> dict[str, str]:
    return {"id": u.id, "name": u.name, "username": u.username}


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def json_ok(body: dict[str, Any], *, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> web.Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return web.json_response(body, status=status, content_type="application/problem+json")


def not_found(resource: str, parameter: str, values: list[str]) -> list[dict[str, str]]:
    """X's partial errors for what a lookup could not find (the rest is in ``data``)."""
    return [
        {
            "value": v,
            "detail": f"Could not find {resource} with {parameter}: [{v}].",
            "title": "Not Found Error",
            "resource_type": resource,
            "parameter": parameter,
            "resource_id": v,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
        for v in values
    ]


def invalid(parameter: str, value: str, message: str) -> web.Response:
    body = {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return web.json_response(body, status=400)
