"""What readers send is never a 500: numbers that are not ASCII digits in range are a 400 naming the
parameter (in the API, the search page and the host dashboard), any text is a search, and a
corrupt or locked archive makes /healthz say so (503) instead of ``{"ok": true}``."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import ClientSession

from chatbot.config import Config, SessionConfig
from chatbot.importing import import_files
from chatbot.platforms.web import WebSettings
from chatbot.startup import started
from chatbot.store import Store
from chatbot.web.readpool import CORRUPT, ReadPool
from tests.web.conftest import login
from tests.web.kit import SID, START, TOKEN, spec
from tests.web.test_reads_bounded import BIG, recorded_chat

NOT_NUMBERS = ["²", "①", "٣", "-1", "+5", "1.5", " 7", "1_0", "0", "99999999999999999999", "9" * 5000, ""]


@pytest.mark.parametrize("value", NOT_NUMBERS)
async def test_a_limit_that_is_no_number_in_range_is_400(client: ClientSession, value: str) -> None:
    r = await client.get(f"/api/sessions/{SID}/messages", params={"limit": value})
    assert r.status == 400
    assert await r.json() == {"error": "limit must be a whole number from 1 to 500"}


@pytest.mark.parametrize("value", NOT_NUMBERS)
async def test_a_search_page_that_is_no_number_in_range_is_400(client: ClientSession, value: str) -> None:
    r = await client.get("/search", params={"q": "tweet", "page": value})
    assert r.status == 400 and r.content_type == "text/html"
    text = await r.text()
    assert "page must be a whole number from 1 to 1000" in text and len(text.strip().splitlines()) == 1


async def test_numbers_that_are_numbers_still_work(client: ClientSession) -> None:
    page = await (await client.get(f"/api/sessions/{SID}/messages", params={"limit": "007"})).json()
    assert page == {"session": SID, "messages": [], "next": None, "more": False}
    assert (await client.get("/search", params={"q": "tweet", "page": "1000"})).status == 200


@pytest.mark.parametrize("name", ["a" * 300, "9" * 1000, "Z\u0336" * 200, "\x00"])
async def test_a_recap_name_no_file_can_have_is_404(client: ClientSession, name: str) -> None:
    for route in ("/recaps/", "/transcripts/"):
        r = await client.get(route + name)
        assert r.status == 404, (route, r.status)


async def test_a_cursor_no_message_has_is_400(client: ClientSession) -> None:
    for after in ("\x00", "x" * 300, "' or 1=1 --", "①"):
        r = await client.get(f"/api/sessions/{SID}/messages", params={"after": after})
        assert r.status == 400 and (await r.json())["error"].startswith("after:"), after


@pytest.mark.parametrize(
    "query",
    [
        "\x00",
        "a\x00b",
        "\x02tweet\x03",
        "\x1b[31m",
        '"',
        '"tweet',
        "NEAR(",
        "NEAR(tweet answers, 2)",
        "*",
        "tweet*",
        "-tweet",
        "^tweet",
        "text:tweet",
        "tweet OR",
        "' OR 1=1 --",
        "()",
        "\ufeff",
        "x" * 3000,
    ],
)
async def test_any_text_is_a_search(client: ClientSession, query: str) -> None:
    r = await client.get("/search", params={"q": query})
    assert r.status == 200, await r.text()
    assert "\x00" not in await r.text()


async def test_the_dashboard_refuses_numbers_that_are_not_digits(client: ClientSession) -> None:
    csrf = await login(client)
    json = {"Accept": "application/json"}
    for data in (
        {"action": "approve", "n": "²"},
        {"action": "approve", "n": "①"},
        {"action": "approve", "n": "99999999999999999999"},
        {"action": "extend", "minutes": "①"},
        {"action": "extend", "minutes": "-1"},
        {"action": "merge", "n": "1", "into": "²"},
    ):
        r = await client.post(f"/host/{SID}/action", data={**data, "csrf": csrf}, headers=json)
        assert r.status == 200, await r.text()
        answer = await r.json()
        assert answer["ok"] is False and "needs a" in answer["text"]


# -- the archive itself: corrupt, locked ----------------------------------------------------------


def serving(db: Path) -> Config:
    """The config ``chatbot serve --db DB`` runs on: the web app over the archive, no session."""
    return Config(
        path=Path("(serve)"),
        db=db,
        transcripts=db.parent / "transcripts",
        public_url="",
        platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)},
    )


@pytest.fixture
async def archive_only(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """``chatbot serve`` over an archive with a session in it: the web app and nothing running."""
    db = tmp_path / "chatbot.db"
    async with started(serving(db), web=True, say=None) as up:
        yield up.base_url, db


async def test_a_corrupt_archive_is_503_everywhere_not_ok(archive_only: tuple[str, Path]) -> None:
    base, db = archive_only
    async with aiohttp.ClientSession(base_url=base) as client:
        r = await client.get("/healthz")
        assert r.status == 200 and (await r.json())["ok"] is True
        for part in (db, db.with_name(db.name + "-wal")):  # the archive is both (WAL)
            with part.open("r+b") as f:
                f.write(b"this is not a database, it was overwritten\n" * (part.stat().st_size // 43 + 1))
        r = await client.get("/healthz")
        assert r.status == 503
        assert await r.json() == {"ok": False, "error": CORRUPT}
        for path in ("/api/sessions", f"/api/sessions/{SID}/messages", "/api/sessions/x"):
            r = await client.get(path)
            assert r.status == 503, path
            assert (await r.json())["error"] == CORRUPT
        page = await client.get("/")
        assert page.status == 503 and "corrupt" in await page.text()
        assert str(db) not in await page.text()


async def test_a_corrupt_page_met_by_a_read_makes_health_503(tmp_path: Path) -> None:
    """``serve`` on an archive with a corrupt page amid its messages: it starts, the read that
    meets the page is a 503, and from then on /healthz says the archive is corrupt."""
    db = tmp_path / "chatbot.db"
    store = Store(db)
    recorded = recorded_chat(tmp_path / "chat.jsonl", 3000, "the-line-to-break-{i:05d}")
    session = SessionConfig(spec(id=BIG, start=START - timedelta(days=49), duration_minutes=120))
    import_files(store, [recorded], config=Config(Path("(test)"), sessions=(session,)))
    store.close()  # the write-ahead log goes into the file
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = {m.start() // page_size for m in re.finditer(b"the-line-to-break-01503", data)}
    assert pages
    for page in pages:  # its row, and any stale copy in a free page
        data[page * page_size : (page + 1) * page_size] = b"\xff" * page_size
    db.write_bytes(bytes(data))
    app = started(serving(db), web=True, say=None)
    async with app as up, aiohttp.ClientSession(base_url=up.base_url) as c:
        assert (await c.get("/healthz")).status == 200  # the cheap check does not reach the page
        assert (await c.get(f"/api/sessions/{BIG}/messages?limit=1")).status == 200
        r = await c.get(f"/api/sessions/{BIG}")
        assert r.status == 503 and await r.json() == {"error": CORRUPT}
        r = await c.get("/healthz")
        assert r.status == 503 and await r.json() == {"ok": False, "error": CORRUPT}


async def test_a_locked_archive_is_busy_not_a_hang(tmp_path: Path) -> None:
    db = tmp_path / "chatbot.db"
    store = Store(db)
    pool = ReadPool(store, health_timeout=0.2)
    assert await pool.health() is None
    store.close()
    locker = sqlite3.connect(db)
    try:
        locker.execute("PRAGMA locking_mode = EXCLUSIVE")
        locker.execute("BEGIN EXCLUSIVE")
        locker.execute("insert into redactions (target_kind, target, by, at) values ('message', 'x', '', '')")
        assert await pool.health() == "busy"
    finally:
        locker.close()
        pool.close()
    again = ReadPool(Store(db))
    assert await again.health() is None
    again.close()
