"""Readers' pages and the JSON API: listing, recaps (path traversal), search, feed, health, headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chatbot.core.model import Author, Message
from chatbot.store import Store
from chatbot.web.readers import highlight
from tests.web.fakes import START, FakeLive, spec

SID = "localgovchat-2026-11-24"


async def say(live: FakeLive, mid: str, who: str, text: str) -> None:
    await live.submit(Message(id=mid, platform="web", ts=START, author=Author(f"id-{who}", who), text=text))


@pytest.fixture
async def archived(store: Store, transcripts: Path, live: FakeLive) -> FakeLive:
    """The live session with some talk, plus an older archived session with a recap."""
    await say(live, "m1", "Jane", "A1: frontline staff should tweet <b>answers</b> themselves")
    await say(live, "m2", "Sam", "/ask Do residents jump the queue on social media?")
    await say(live, "m3", "Mallory", "A1: tweet secrets here")
    store.redact("participant", "Mallory", by="host")
    old = FakeLive(store, spec(id="localgovchat-2026-11-17", title="Last week"))
    await say(old, "o1", "Jane", "A1: tweet less, answer more")
    (transcripts / "localgovchat-2026-11-17.html").write_text("<!doctype html><title>Last week</title>")
    return live


async def test_index_lists_live_first_then_recaps(client: TestClient[Any, Any], archived: FakeLive) -> None:
    page = await (await client.get("/")).text()
    assert page.index("Happening now") < page.index("Join the chat room") < page.index("<h2>Recaps</h2>")
    assert 'href="/recaps/localgovchat-2026-11-17.html"' in page and "Last week" in page


async def test_recaps_are_served(client: TestClient[Any, Any], archived: FakeLive) -> None:
    r = await client.get("/recaps/localgovchat-2026-11-17.html")
    assert r.status == 200 and "Last week" in await r.text()
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src" not in r.headers["Content-Security-Policy"]  # the page's own meta policy rules
    assert (await client.get("/recaps/")).status == 200
    assert (await client.get("/recaps", allow_redirects=False)).status == 308
    assert (await client.get("/transcripts/localgovchat-2026-11-17.html")).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/recaps/../secret.txt",
        "/recaps/%2e%2e/secret.txt",
        "/recaps/..%2fsecret.txt",
        "/recaps/%2e%2e%2fsecret.txt",
        "/recaps/..%5csecret.txt",
        "/recaps//etc/passwd",
        "/recaps/%2fetc%2fpasswd",
        "/recaps/.hidden",
        "/recaps/sub/../../secret.txt",
        "/recaps/link.html",
        "/recaps/missing.html",
        "/recaps/index.html%00.txt",
    ],
)
async def test_recaps_stay_in_their_folder(
    client: TestClient[Any, Any], transcripts: Path, path: str
) -> None:
    (transcripts / ".hidden").write_text("dotfile")
    (transcripts / "link.html").symlink_to(transcripts.parent / "secret.txt")
    r = await client.get(path)
    assert r.status == 404, path
    assert "outside the transcripts" not in await r.text()


async def test_feed(client: TestClient[Any, Any], transcripts: Path) -> None:
    r = await client.get("/feed.xml")
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
    (transcripts / "feed.xml").unlink()
    assert (await client.get("/feed.xml")).status == 404


async def test_search_highlights_escapes_and_links(client: TestClient[Any, Any], archived: FakeLive) -> None:
    r = await client.get("/search", params={"q": "tweet"})
    page = await r.text()
    assert r.status == 200
    assert "<mark>tweet</mark>" in page
    assert "&lt;b&gt;answers&lt;/b&gt;" in page and "<b>answers" not in page
    assert 'href="/recaps/localgovchat-2026-11-24.html#m-m1"' in page
    assert 'href="/recaps/localgovchat-2026-11-17.html#m-o1"' in page
    assert "secrets" not in page and "Mallory" not in page  # hidden participant
    empty = await (await client.get("/search", params={"q": '"; drop table messages; --'})).text()
    assert "0 results" in empty
    assert (await client.get("/search")).status == 200


def test_highlight_is_balanced_and_escaped() -> None:
    assert highlight("a \x02<b>\x03 c") == "a <mark>&lt;b&gt;</mark> c"
    assert highlight("\x02open") == "<mark>open</mark>"
    assert highlight("close\x03 \x03\x02\x02x") == "close <mark>x</mark>"


async def test_health(client: TestClient[Any, Any]) -> None:
    r = await client.get("/healthz")
    assert r.status == 200 and (await r.json())["ok"] is True


@pytest.mark.parametrize("path", ["/", "/search?q=x", "/nope", f"/live/{SID}", "/chat/localgovchat"])
async def test_security_headers(client: TestClient[Any, Any], path: str) -> None:
    r = await client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


async def test_static_files(client: TestClient[Any, Any]) -> None:
    for name in ("app.css", "common.js", "room.js", "live.js", "host.js", "login.js"):
        assert (await client.get(f"/static/{name}")).status == 200
    assert (await client.get("/static/../app.py")).status in (403, 404)


async def test_live_page_and_public_events(client: TestClient[Any, Any], archived: FakeLive) -> None:
    page = await (await client.get(f"/live/{SID}")).text()
    assert "Do residents jump the queue on social media?" in page and "live.js" in page
    await archived.submit(
        Message(id="h1", platform="web", ts=START, author=Author("h", "LocalGovChat"), text="/reject 1")
    )
    r = await client.get(f"/live/{SID}/events")
    first = (await r.content.readuntil(b"\n\n")).decode()
    state = json.loads(first.split("data: ", 1)[1])
    assert state["session"]["hashtag"] == "#localgovchat" and state["queue"] == []  # rejected: not public
    r.close()
    ended = await client.get("/live/localgovchat-2026-11-17")
    assert ended.status == 200 and "not running" in await ended.text()
    assert (await client.get("/live/nothing")).status == 404


async def test_api(client: TestClient[Any, Any], archived: FakeLive) -> None:
    listing = (await (await client.get("/api/sessions")).json())["sessions"]
    assert [s["id"] for s in listing] == [SID, "localgovchat-2026-11-17"] and listing[0]["live"]
    export = await (await client.get(f"/api/sessions/{SID}")).json()
    assert {"session", "stats", "prompts", "questions", "participants", "messages"} <= set(export)
    assert "secrets" not in json.dumps(export)
    queue = await (await client.get(f"/api/sessions/{SID}/queue")).json()
    assert queue["live"] and queue["queue"][0]["text"] == "Do residents jump the queue on social media?"
    old = await (await client.get("/api/sessions/localgovchat-2026-11-17/queue")).json()
    assert old == {"session": "localgovchat-2026-11-17", "live": False, "status": "scheduled", "queue": []}
    page = await (await client.get(f"/api/sessions/{SID}/messages", params={"limit": "2"})).json()
    assert [m["id"] for m in page["messages"]] == ["m1", "m2"] and page["more"] and page["next"] == "m2"
    rest = await (await client.get(f"/api/sessions/{SID}/messages", params={"after": "m2"})).json()
    assert [m["id"] for m in rest["messages"]] == ["m3"] and rest["messages"][0]["text"] == ""
    assert not rest["more"] and rest["next"] is None
    for params in ({"limit": "0"}, {"limit": "501"}, {"limit": "x"}, {"after": "nope"}):
        assert (await client.get(f"/api/sessions/{SID}/messages", params=params)).status == 400
    for path in ("/api/sessions/nope", "/api/sessions/nope/queue", "/api/sessions/nope/messages"):
        r = await client.get(path)
        assert r.status == 404 and "error" in await r.json()
