"""Who may do what: the host login, its session cookie, CSRF and origin checks, rate limits, headers.

The host token is compared with ``hmac.compare_digest``. Logging in creates a random server-side
session id (the cookie: HttpOnly, SameSite=Strict, 12 hours) holding its own CSRF token, which
every host POST must carry; a POST whose Origin (or Referer) names another site is refused too.
Participants get a separate cookie that only identifies their browser in the rooms: an identity
the server issued and signed (HMAC-SHA256 with the server's secret), so a browser cannot make one up
or alter one; a new address gets only so many new identities (``Identities``).

Behind a reverse proxy, ``client_address`` takes the client's address from ``X-Forwarded-For``
only when the direct peer is one of the configured trusted proxies, and ``is_secure`` believes
``X-Forwarded-Proto: https`` from them alone; cookies are ``Secure`` behind TLS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from chatbot.platforms.webguard import Buckets, Rate

log = logging.getLogger(__name__)
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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` as networks; ValueError names a value that is not
    an address or a network."""
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network (such as 10.0.0.0/8)") from None
    return tuple(found)


NEW_PER_ADDRESS = Rate(30, 600.0)  # new identities one address may get: 30, then 3 a minute


class Identities:
    """Participants' identities: issued by the server, signed with its secret (never logged, never
    sent), and issued to one address only ``per_address`` at a time, so nobody mints them at will."""

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        per_address: Rate = NEW_PER_ADDRESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = hashlib.sha256(
            b"chatbot participant identity\0" + (secret or secrets.token_bytes(32))
        ).digest()
        self.per_address = per_address
        self._buckets = Buckets(clock)

    def __repr__(self) -> str:
        return "Identities(<secret>)"

    def _sign(self, identity: str) -> str:
        mac = hmac.new(self._key, identity.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, address: str) -> str | None:
        """A new signed identity (the cookie's value), or None when ``address`` had its share."""
        if self._buckets.take((("issued", address), self.per_address)):
            return None
        identity = secrets.token_urlsafe(18)
        return f"{identity}.{self._sign(identity)}"

    def verify(self, value: str) -> str | None:
        """The identity a cookie value carries, or None when the server did not sign it."""
        identity, dot, signature = value.partition(".")
        if not dot or not 16 <= len(identity) <= 64 or len(signature) > 64:
            return None
        return identity if hmac.compare_digest(signature.encode(), self._sign(identity).encode()) else None


@dataclass
class Trust:
    """Whom the web app believes: the proxies whose forwarded headers count, and the signer of
    participants' identities."""

    proxies: tuple[Network, ...] = ()
    identities: Identities = field(default_factory=Identities)

    @classmethod
    def configured(cls, proxies: Iterable[str], secret: str | None, db_path: str) -> Trust:
        """From ``[platforms.web]``: the secret kept beside the database when none is given (a
        fresh one for an in-memory archive)."""
        data_dir = None if db_path == ":memory:" else Path(db_path).resolve().parent
        return cls(trusted_networks(proxies), Identities(load_secret(secret, data_dir)))

    def trusts(self, address: str | None) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.proxies)


TRUST = web.AppKey("trust", Trust)
SECRET_FILE = "chatbot-secret"


def load_secret(given: str | None, data_dir: Path | None) -> bytes:
    """The server's secret: ``given`` (from the environment), else the one kept in ``data_dir``
    (made there, readable by its owner only, on first start), else a fresh one for this run."""
    if given:
        if len(given) < 16:
            raise ValueError("the server secret (CHATBOT_SECRET) must be at least 16 characters")
        return given.encode()
    if data_dir is None:
        return secrets.token_bytes(32)
    path = data_dir / SECRET_FILE
    try:
        kept = path.read_bytes().strip()
    except OSError:  # none yet (or unreadable: then a new one, kept if it can be)
        kept = b""
    if len(kept) >= 32:
        return kept
    made = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(made + b"\n")
        os.replace(path.with_suffix(".tmp"), path)
    except OSError as e:  # a read-only archive folder: identities last until the next start
        log.warning("event=secret_not_kept path=%s error=%s: set CHATBOT_SECRET to keep identities", path, e)
    return made


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_address(request: web.Request) -> str:
    """The address a request comes from: the one key for every per-address limit. Behind trusted
    proxies, the right-most address in ``X-Forwarded-For`` that is not one of them (a header from
    anyone else is ignored: it is whatever the client wrote)."""
    trust = request.app[TRUST]
    peer = request.remote or "?"
    if not trust.trusts(peer):
        return peer
    forwarded = [a.strip() for h in request.headers.getall("X-Forwarded-For", []) for a in h.split(",")]
    client = peer
    for hop in reversed([a for a in forwarded if a]):
        if _ip(hop) is None:
            break  # not an address: what lies to its left cannot be believed either
        client = str(_ip(hop))
        if not trust.trusts(hop):
            break
    return client


def is_secure(request: web.Request) -> bool:
    """Whether the browser reached us over TLS: directly, or through a trusted proxy that says so."""
    if request.secure:
        return True
    if not request.app[TRUST].trusts(request.remote):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().casefold()
    return proto == "https"


def participant_secret(request: web.Request) -> str | None:
    """The identity the request's participant cookie carries, if the server signed it."""
    value = request.cookies.get(PARTICIPANT_COOKIE, "")
    return request.app[TRUST].identities.verify(value) if value else None


def give_participant_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """A browser without a valid participant cookie (none, made up or altered) gets a new identity
    (a year; Lax so links into a room keep it); 429 when its address had its share of new ones."""
    if participant_secret(request) is not None:
        return
    value = request.app[TRUST].identities.issue(client_address(request))
    if value is None:
        raise web.HTTPTooManyRequests(
            text="too many new participants from your address; try again in a few minutes"
        )
    response.set_cookie(
        PARTICIPANT_COOKIE,
        value,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
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
