"""Who may do what: the host login, its session cookie, CSRF and origin checks, rate limits, headers.

The host token is compared with ``hmac.compare_digest``. Logging in creates a random server-side
session id (the cookie: HttpOnly, SameSite=Strict, 12 hours) holding its own CSRF token, which
every host POST must carry; a POST whose Origin (or Referer) names another site is refused too.
Participants get a separate random cookie that only identifies their browser in the rooms.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

HOST_COOKIE = "chatbot_host"
PARTICIPANT_COOKIE = "chatbot_pid"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Recaps carry their own hash-based policy in a <meta> tag; the header only adds what a meta cannot.
# Images only from the recaps themselves (the copies a page shows beside it) or data: URIs.
RECAP_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; img-src 'self' data:"


@dataclass
class TokenBucket:
    """``capacity`` actions, refilled evenly over ``per_seconds``."""

    capacity: int
    per_seconds: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    last: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.capacity)
        self.last = self.clock()

    def take(self) -> bool:
        now = self.clock()
        rate = self.capacity / self.per_seconds
        self.tokens = min(float(self.capacity), self.tokens + (now - self.last) * rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self) -> float:
        """Seconds until the next action is allowed."""
        return max(0.0, (1 - self.tokens) * self.per_seconds / self.capacity)


@dataclass
class HostSession:
    sid: str
    csrf: str
    expires: float
    flash: list[str] = field(default_factory=list)


class HostAuth:
    """Host logins: the token, the live sessions, and the per-address login attempt buckets."""

    def __init__(
        self,
        token: str,
        *,
        hours: float = 12.0,
        attempts: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token = token.encode()
        self.seconds = int(hours * 3600)
        self.attempts = attempts
        self.clock = clock
        self._sessions: dict[str, HostSession] = {}
        self._buckets: dict[str, TokenBucket] = {}

    def check_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self._token)

    def allow_attempt(self, address: str) -> bool:
        if len(self._buckets) > 10_000:
            self._buckets.clear()
        bucket = self._buckets.setdefault(address, TokenBucket(self.attempts, 60.0))
        return bucket.take()

    def prune(self) -> None:
        """Forget expired sessions."""
        now = self.clock()
        for sid in [s for s, h in self._sessions.items() if h.expires <= now]:
            del self._sessions[sid]

    def login(self) -> HostSession:
        self.prune()
        now = self.clock()
        session = HostSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + self.seconds)
        self._sessions[session.sid] = session
        return session

    def logout(self, request: web.Request) -> None:
        self._sessions.pop(request.cookies.get(HOST_COOKIE, ""), None)

    def session(self, request: web.Request) -> HostSession | None:
        """The host session the request's cookie names, if it is valid."""
        sid = request.cookies.get(HOST_COOKIE, "")
        session = self._sessions.get(sid) if sid else None
        if session is None or session.expires <= self.clock():
            return None
        return session

    def set_cookie(self, response: web.StreamResponse, session: HostSession, *, secure: bool) -> None:
        response.set_cookie(
            HOST_COOKIE,
            session.sid,
            max_age=self.seconds,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=secure,
        )

    def require(self, request: web.Request, *, form_csrf: str | None) -> HostSession:
        """The host session for a state-changing request, or 403 (wrong site, no login, bad CSRF)."""
        if not same_origin(request):
            raise web.HTTPForbidden(text="cross-site request refused")
        session = self.session(request)
        if session is None:
            raise web.HTTPForbidden(text="host login required")
        given = form_csrf or request.headers.get("X-CSRF-Token") or ""
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")
        return session


AUTH = web.AppKey("auth", HostAuth)


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Referer)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    if source == "null":
        return False
    return urlsplit(source).netloc.casefold() == request.host.casefold()


def client_address(request: web.Request) -> str:
    """The address a request comes from: the one key for every per-address limit."""
    return request.remote or "?"


def participant_secret(request: web.Request) -> str | None:
    value = request.cookies.get(PARTICIPANT_COOKIE, "")
    return value if 30 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else None


def give_participant_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """A browser without a participant cookie gets one (a year; Lax so links into a room keep it)."""
    if participant_secret(request) is None:
        response.set_cookie(
            PARTICIPANT_COOKIE,
            secrets.token_urlsafe(24),
            max_age=365 * 24 * 3600,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.secure,
        )


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response, errors and streams included, gets these."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    csp = RECAP_CSP if request.path.startswith(("/recaps/", "/transcripts/")) else PAGE_CSP
    headers.setdefault("Content-Security-Policy", csp)
    if request.path.startswith(("/host", "/login", "/logout")):
        headers.setdefault("Cache-Control", "no-store")
