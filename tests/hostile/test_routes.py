"""The corpus through every HTTP route and form of the web app (GET and POST, anonymous and host,
with and without a valid CSRF token), then through the recap of the session. What a reader would
notice: never a 500 or a traceback in the log, every answer a page or one clear line; the stored
talk still there; and no markup payload back unescaped in any page, feed or export.

Texts that are not valid UTF-8 once encoded (lone surrogates) are sent as the bytes a broken client
would send (``surrogatepass``), percent-encoded in paths, queries and forms alike."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import yarl

from chatbot.core.commands import COMMANDS
from chatbot.platforms.web import RoomError
from tests.hostile import corpus
from tests.hostile.kit import Addresses, LogWatch
from tests.web.kit import SID, TOKEN, Served, until

FORM = "application/x-www-form-urlencoded"
READER_PATHS = (
    "/",
    "/healthz",
    "/search",
    "/feed.xml",
    "/recaps/",
    "/chat/localgovchat",
    "/chat/localgovchat/state",
    f"/live/{SID}",
    f"/host/{SID}",
    "/api/sessions",
    f"/api/sessions/{SID}",
    f"/api/sessions/{SID}/queue",
    f"/api/sessions/{SID}/messages",
)
#: Routes with a part of the path anyone can choose: the corpus goes there.
PATH_TEMPLATES = (
    "/recaps/{}",
    "/transcripts/{}",
    "/chat/{}",
    "/chat/{}/state",
    "/chat/{}/ws",
    "/live/{}",
    "/host/{}",
    "/api/sessions/{}",
    "/api/sessions/{}/queue",
    "/api/sessions/{}/messages",
    "/static/{}",
)
QUERY_ROUTES = (
    ("/search", ("q", "page", "bots")),
    (f"/api/sessions/{SID}/messages", ("limit", "after")),
    ("/", ("q",)),
)


def raw(s: str) -> bytes:
    """What a broken client sends for ``s``: its UTF-8, lone surrogates and all."""
    return s.encode("utf-8", "surrogatepass")


def url(base: str, path: str, query: str = "") -> yarl.URL:
    return yarl.URL(base + path + (f"?{query}" if query else ""), encoded=True)


class Browser:
    """A browser from its own address: its own cookies, its answers checked as they come."""

    def __init__(self, base: str, address: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(address, 0)), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self.csrf = ""
        self.answers = 0
        self.problems: list[str] = []  # what a reader would notice, one line each

    async def login(self) -> None:
        r = await self.post("/login", {"token": TOKEN, "next": f"/host/{SID}"}, allow_redirects=False)
        assert r[0] == 303, r
        _, page = await self.get(f"/host/{SID}")
        found = re.search(r'data-csrf="([^"]+)"', page)
        assert found, page[:500]
        self.csrf = found.group(1)

    async def get(self, path: str, query: str = "") -> tuple[int, str]:
        async with self.http.get(url(self.base, path, query), allow_redirects=False) as r:
            return self._checked(
                f"GET {path}?{query}", r.status, r.headers.get("Content-Type", ""), await self._body(r)
            )

    async def post(self, path: str, fields: dict[str, Any], **kw: Any) -> tuple[int, str]:
        body = urlencode({k: raw(v) if isinstance(v, str) else v for k, v in fields.items()})
        headers = {"Content-Type": FORM, "Origin": self.base}
        async with self.http.post(url(self.base, path), data=body, headers=headers, **kw) as r:
            return self._checked(
                f"POST {path} {body}", r.status, r.headers.get("Content-Type", ""), await self._body(r)
            )

    async def _body(self, r: aiohttp.ClientResponse) -> str:
        if "text/event-stream" in r.headers.get("Content-Type", ""):
            try:  # a stream: its first event is enough
                return (await asyncio.wait_for(r.content.readuntil(b"\n\n"), 2)).decode()
            except TimeoutError:
                return ""
        return (await r.read()).decode("utf-8", "replace")

    def _checked(self, request: str, status: int, kind: str, body: str) -> tuple[int, str]:
        self.answers += 1
        problem = ""
        if status >= 500 or "Traceback" in body:
            problem = f"{status} {body[:80]!r}"
        elif "json" in kind and body:
            try:
                json.loads(body)
            except ValueError:
                problem = f"{status}: JSON that does not parse"
        elif ("html" in kind or "xml" in kind) and corpus.markers_in(body):
            problem = f"unescaped {corpus.markers_in(body)}"
        if problem:
            self.problems.append(f"{request[:120]!r}: {problem}")
        return status, body

    async def close(self) -> None:
        await self.http.close()


class Crowd:
    """Anonymous readers, each from its own address, each making at most ``per`` requests: the
    fair-use share of one address is not what is tested here (``tests/web`` does), the handlers are."""

    def __init__(self, base: str, addresses: Addresses, per: int = 40) -> None:
        self.base, self.addresses, self.per = base, addresses, per
        self.browsers: list[Browser] = []
        self._used = per

    def _next(self) -> Browser:
        if self._used >= self.per:
            self.browsers.append(Browser(self.base, self.addresses.take()))
            self._used = 0
        self._used += 1
        return self.browsers[-1]

    def get(self, path: str, query: str = "") -> Any:
        return self._next().get(path, query)

    def post(self, path: str, fields: dict[str, Any]) -> Any:
        return self._next().post(path, fields)

    @property
    def problems(self) -> list[str]:
        return [p for b in self.browsers for p in b.problems]

    @property
    def answers(self) -> int:
        return sum(b.answers for b in self.browsers)

    async def close(self) -> None:
        for b in self.browsers:
            await b.close()


async def seed_markup(served: Served) -> None:
    """The markup payloads said in the room (as messages, questions, names and a host's words)."""
    for i, (payload, _) in enumerate(corpus.MARKUP):
        await served.say(f"Markup{i}", payload)
        await served.say(f"Asker{i}", f"/ask {payload}")
    await served.say("<svg onload=alert(3)>", "A1: my name is markup")
    await served.say("LocalGovChat", corpus.MARKUP[0][0], host=True)
    await served.settled()


async def in_batches(calls: list[Any], size: int = 16) -> None:
    for i in range(0, len(calls), size):
        await asyncio.gather(*calls[i : i + size])


def forms(csrf: str, *, commands: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """Every form of the app, each field of it given every text of the corpus (``commands``: every
    argument of every dashboard command too)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for s in corpus.STRINGS:
        out.append(("/login", {"token": s, "next": s}))
        out.append((f"/host/{SID}/say", {"csrf": csrf, "text": s}))
        out.append((f"/host/{SID}/held", {"csrf": csrf, "key": s, "platform": s, "went_out": s}))
        out.append((f"/host/{SID}/action", {"csrf": csrf, "action": s}))
        out.append((f"/host/{SID}/action", {"csrf": s, "action": "pause"}))
        out.append(("/logout", {"csrf": s}))
    for c in COMMANDS if commands else ():
        if c.name in ("end", "optout"):
            continue
        for value in (*corpus.STRINGS, *map(str, corpus.NUMBERS)):
            out.append(
                (f"/host/{SID}/action", {"csrf": csrf, "action": c.name, **{a.name: value for a in c.args}})
            )
    return out


async def test_every_route_and_form_takes_the_corpus(
    served: Served, addresses: Addresses, watch: LogWatch
) -> None:
    await seed_markup(served)
    before = {m.id for m in served.stored()}
    host = Browser(served.base, addresses.take())
    anon, stranger = Crowd(served.base, addresses), Crowd(served.base, addresses)
    try:
        await host.login()
        await in_batches([host.get(p) for p in READER_PATHS])
        await in_batches([anon.get(p) for p in READER_PATHS])
        await in_batches(
            [anon.get(t.format(quote(raw(s), safe=""))) for t in PATH_TEMPLATES for s in corpus.STRINGS]
        )
        await in_batches(
            [
                anon.get(p, urlencode({k: raw(s)}))
                for p, keys in QUERY_ROUTES
                for k in keys
                for s in corpus.STRINGS
            ]
        )
        await in_batches([anon.get(p, q) for p, _ in QUERY_ROUTES for q in corpus.RAW_QUERIES])
        # forms: the host with a wrong CSRF token, anonymous with the host's, anonymous without,
        # the host with its own last (its corpus ends with a logout the token makes valid)
        for who, csrf in ((host, "not-the-token"), (anon, host.csrf), (stranger, ""), (host, host.csrf)):
            await in_batches(
                [who.post(path, fields) for path, fields in forms(csrf, commands=csrf == host.csrf)]
            )
        print(f"hostile HTTP requests answered: {host.answers + anon.answers + stranger.answers}")
    finally:
        await host.close()
        await anon.close()
        await stranger.close()
    problems = host.problems + anon.problems + stranger.problems
    assert not problems, f"{len(problems)} answers a reader would notice:\n" + "\n".join(problems[:40])
    assert before <= {m.id for m in served.stored()}, "the corpus lost stored messages"
    assert not watch.tracebacks(), watch.tracebacks()


def unescaped_in_files(out: Path) -> dict[str, list[str]]:
    found = {}
    for f in out.rglob("*"):
        if f.suffix in (".html", ".xml", ".md", ".js", ".svg") and f.is_file():
            hits = corpus.markers_in(
                f.read_text(encoding="utf-8", errors="replace"), markdown=f.suffix == ".md"
            )
            if hits:
                found[f.name] = hits
    return found


async def test_the_recap_of_a_hostile_session_escapes_everything(
    served: Served, transcripts: Path, addresses: Addresses, watch: LogWatch
) -> None:
    await seed_markup(served)
    for s in corpus.STRINGS:
        with contextlib.suppress(RoomError):  # empty once cleaned, too long: refused to the sender
            await served.say("Stringer", s)
    host = Browser(served.base, addresses.take())
    try:
        await host.login()
        r = await host.post(f"/host/{SID}/action", {"csrf": host.csrf, "action": "end", "confirm": "yes"})
        assert r[0] in (200, 303), r
        await until(lambda: any(transcripts.glob("*localgovchat*.html")), "the recap is written", timeout=30)
        await until(
            lambda: any(transcripts.glob("*localgovchat*.json")), "the recap's JSON is written", timeout=30
        )
        for path in ("/recaps/", "/feed.xml", "/"):
            await host.get(path)
        for f in transcripts.glob("*localgovchat*"):
            await host.get(f"/recaps/{f.name}")
    finally:
        await host.close()
    assert not host.problems, host.problems
    assert not unescaped_in_files(transcripts), unescaped_in_files(transcripts)
    export = json.loads(next(transcripts.glob("*localgovchat*.json")).read_text(encoding="utf-8"))
    texts = {m["text"] for m in export["messages"]}
    assert all(payload in texts for payload, _ in corpus.MARKUP), "every payload is kept as written, as text"
    assert not watch.tracebacks(), watch.tracebacks()
