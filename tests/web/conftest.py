"""Fixtures for the web app: the test session hosted by the real runner on its real web room,
served over loopback by the app's own start-up (``tests.web.kit.hosted``), and browsers for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.web.kit import SID, TOKEN, Served, config, hosted

NewClient = Callable[[], aiohttp.ClientSession]


@pytest.fixture
def transcripts(tmp_path: Path) -> Path:
    out = tmp_path / "transcripts"
    out.mkdir()
    (out / "index.html").write_text("<!doctype html><title>Chat recaps</title>", encoding="utf-8")
    (out / "feed.xml").write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    (tmp_path / "secret.txt").write_text("outside the transcripts folder")
    return out


@pytest.fixture
async def served(tmp_path: Path, transcripts: Path) -> AsyncIterator[Served]:
    """The session an hour before its start, running and served (stopped after the test)."""
    async with hosted(config(tmp_path / "chatbot.db", transcripts)) as s:
        yield s


@pytest.fixture
async def new_client(served: Served) -> AsyncIterator[NewClient]:
    """Makes browsers on the served app, each with cookies of its own."""
    made: list[aiohttp.ClientSession] = []

    def make() -> aiohttp.ClientSession:
        made.append(aiohttp.ClientSession(base_url=served.base, cookie_jar=aiohttp.CookieJar(unsafe=True)))
        return made[-1]

    yield make
    for c in made:
        await c.close()


@pytest.fixture
async def client(new_client: NewClient) -> aiohttp.ClientSession:
    return new_client()


async def login(client: aiohttp.ClientSession, session: str = SID) -> str:
    """Log in as host; returns the dashboard's CSRF token."""
    r = await client.post("/login", data={"token": TOKEN, "next": f"/host/{session}"}, allow_redirects=False)
    assert r.status == 303, await r.text()
    page = await (await client.get(f"/host/{session}")).text()
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found, page
    return found.group(1)
