"""Readers' pages and the JSON API beside a running session: listing, recaps (path traversal),
search, feed, health, headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession

from chatbot.config import Config, SessionConfig
from chatbot.importing import import_files
from chatbot.web.readers import highlight
from tests.web.kit import SID, START, Served, spec

OLD = "localgovchat-2026-11-17"


@dataclass(frozen=True)
class Archived:
    ids: list[str]  # what Jane, Sam and Mallory said in the running session, in order
    slug: str  # the running session's
    old_slug: str  # last week's, imported from a recorded file


@pytest.fixture
async def archived(served: Served, transcripts: Path, tmp_path: Path) -> Archived:
    """The running session with some talk, plus last week's session imported, with a recap."""
    ids = [
        await served.say("Jane", "A1: frontline staff should tweet <b>answers</b> themselves"),
        await served.say("Sam", "/ask Do residents jump the queue on social media?"),
        await served.say("Mallory", "A1: tweet secrets here"),
    ]
    served.store.redact("participant", "Mallory", by="host")
    week = START - timedelta(days=7)
    recorded = tmp_path / "last-week.jsonl"
    line = {
        "id": "o1",
        "platform": "web",
        "ts": (week + timedelta(minutes=6)).isoformat(),
        "author": {"id": "id-Jane", "handle": "Jane", "name": "Jane"},
        "text": "A1: tweet less, answer more",
    }
    recorded.write_text(json.dumps(line) + "\n", encoding="utf-8")
    last_week = SessionConfig(spec(id=OLD, title="Last week", start=week))
    import_files(served.store, [recorded], config=Config(Path("(test)"), sessions=(last_week,)))
    old_slug = served.store.session_row(OLD)["slug"]
    (transcripts / f"{old_slug}.html").write_text("<!doctype html><title>Last week</title>")
    return Archived(ids, served.runner.slug, old_slug)


async def test_index_lists_live_first_then_recaps(client: ClientSession, archived: Archived) -> None:
    page = await (await client.get("/")).text()
    assert page.index("Happening now") < page.index("Join the chat room") < page.index("<h2>Recaps</h2>")
    assert f'href="/recaps/{archived.old_slug}.html"' in page and "Last week" in page
    assert page.index("Social media and the front line") < page.index("Last week")


async def test_recaps_are_served(client: ClientSession, archived: Archived) -> None:
    r = await client.get(f"/recaps/{archived.old_slug}.html")
    assert r.status == 200 and "Last week" in await r.text()
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src" not in r.headers["Content-Security-Policy"]  # the page's own meta policy rules
    assert (await client.get("/recaps/")).status == 200
    assert (await client.get("/recaps", allow_redirects=False)).status == 308
    assert (await client.get(f"/transcripts/{archived.old_slug}.html")).status == 200


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
async def test_recaps_stay_in_their_folder(client: ClientSession, transcripts: Path, path: str) -> None:
    (transcripts / ".hidden").write_text("dotfile")
    (transcripts / "link.html").symlink_to(transcripts.parent / "secret.txt")
    r = await client.get(path)
    assert r.status == 404, path
    assert "outside the transcripts" not in await r.text()


async def test_feed(client: ClientSession, transcripts: Path) -> None:
    r = await client.get("/feed.xml")
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
    (transcripts / "feed.xml").unlink()
    assert (await client.get("/feed.xml")).status == 404


async def test_search_highlights_escapes_and_links(client: ClientSession, archived: Archived) -> None:
    r = await client.get("/search", params={"q": "tweet"})
    page = await r.text()
    assert r.status == 200
    assert "<mark>tweet</mark>" in page
    assert "&lt;b&gt;answers&lt;/b&gt;" in page and "<b>answers" not in page
    assert f'href="/live/{SID}"' in page and "live now" in page  # running, no recap yet: the live view
    assert f'href="/recaps/{archived.old_slug}.html#m-o1"' in page
    assert "secrets" not in page and "Mallory" not in page  # hidden participant
    empty = await (await client.get("/search", params={"q": '"; drop table messages; --'})).text()
    assert "0 results" in empty
    assert (await client.get("/search")).status == 200


def test_highlight_is_balanced_and_escaped() -> None:
    assert highlight("a \x02<b>\x03 c") == "a <mark>&lt;b&gt;</mark> c"
    assert highlight("\x02open") == "<mark>open</mark>"
    assert highlight("close\x03 \x03\x02\x02x") == "close <mark>x</mark>"


async def test_health(client: ClientSession) -> None:
    r = await client.get("/healthz")
    assert r.status == 200 and (await r.json())["ok"] is True


@pytest.mark.parametrize("path", ["/", "/search?q=x", "/nope", f"/live/{SID}", "/chat/localgovchat"])
async def test_security_headers(client: ClientSession, path: str) -> None:
    r = await client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


async def test_static_files(client: ClientSession) -> None:
    for name in ("app.css", "common.js", "room.js", "live.js", "host.js", "login.js"):
        assert (await client.get(f"/static/{name}")).status == 200
    assert (await client.get("/static/../app.py")).status in (403, 404)


async def test_live_page_and_public_events(client: ClientSession, served: Served, archived: Archived) -> None:
    page = await (await client.get(f"/live/{SID}")).text()
    assert "Do residents jump the queue on social media?" in page and "live.js" in page
    await served.say("LocalGovChat", "/reject 1", host=True)  # the host, logged in, in the room
    r = await client.get(f"/live/{SID}/events")
    first = (await r.content.readuntil(b"\n\n")).decode()
    state = json.loads(first.split("data: ", 1)[1])
    assert state["session"]["hashtag"] == "#LocalGovChat" and state["queue"] == []  # rejected: not public
    assert state["status"] == "scheduled" and state["participants"] == 3 and state["messages"] == 3
    assert [q["status"] for q in served.state()["queue"]] == ["rejected"]  # the dashboard still sees it
    r.close()
    ended = await client.get(f"/live/{OLD}")
    assert ended.status == 200 and "This chat has ended." in await ended.text()
    assert (await client.get("/live/nothing")).status == 404


async def test_api(client: ClientSession, archived: Archived) -> None:
    listing = (await (await client.get("/api/sessions")).json())["sessions"]
    assert [s["id"] for s in listing] == [SID, OLD] and listing[0]["live"]
    export = await (await client.get(f"/api/sessions/{SID}")).json()
    assert {"session", "stats", "prompts", "questions", "participants", "messages"} <= set(export)
    assert "secrets" not in json.dumps(export)
    queue = await (await client.get(f"/api/sessions/{SID}/queue")).json()
    assert queue["live"] and queue["queue"][0]["text"] == "Do residents jump the queue on social media?"
    old = await (await client.get(f"/api/sessions/{OLD}/queue")).json()
    assert old == {"session": OLD, "live": False, "status": "imported", "queue": []}
    jane, sam, mallory = archived.ids
    page = await (await client.get(f"/api/sessions/{SID}/messages", params={"limit": "2"})).json()
    assert [m["id"] for m in page["messages"]] == [jane, sam] and page["more"] and page["next"] == sam
    rest = await (await client.get(f"/api/sessions/{SID}/messages", params={"after": sam})).json()
    (hidden,) = rest["messages"]  # Mallory's, hidden (the thanks to Sam went to Sam alone)
    assert hidden["id"] == mallory and hidden["text"] == ""
    assert not rest["more"] and rest["next"] is None
    for params in ({"limit": "0"}, {"limit": "501"}, {"limit": "x"}, {"after": "nope"}):
        assert (await client.get(f"/api/sessions/{SID}/messages", params=params)).status == 400
    for path in ("/api/sessions/nope", "/api/sessions/nope/queue", "/api/sessions/nope/messages"):
        r = await client.get(path)
        assert r.status == 404 and "error" in await r.json()
