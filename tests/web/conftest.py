"""Fixtures for the web app: a real in-memory store, a real room, the app on aiohttp's test server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chatbot.platforms.web import RoomLimits, WebRoom
from chatbot.store import Store
from chatbot.web.app import create_app
from chatbot.web.context import WebContext, WebLimits
from tests.web.fakes import FakeLive, spec

TOKEN = "test-host-token-0123456789abcdef"
Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def store() -> AsyncIterator[Store]:
    s = Store(":memory:")
    yield s
    s.close()


@pytest.fixture
def transcripts(tmp_path: Path) -> Path:
    out = tmp_path / "transcripts"
    out.mkdir()
    (out / "index.html").write_text("<!doctype html><title>Chat recaps</title>", encoding="utf-8")
    (out / "feed.xml").write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    (tmp_path / "secret.txt").write_text("outside the transcripts folder")
    return out


@pytest.fixture
def room() -> WebRoom:
    return WebRoom("#LocalGovChat", reserved=("LocalGovChat",), limits=RoomLimits(max_per_address=4))


@pytest.fixture
def live(store: Store, room: WebRoom) -> FakeLive:
    return FakeLive(store, spec(), room)


@pytest.fixture
def ctx(store: Store, transcripts: Path, room: WebRoom, live: FakeLive) -> WebContext:
    c = WebContext(store=store, transcripts=transcripts, host_token=TOKEN, limits=WebLimits(max_bad_frames=5))
    c.add_room(room)
    c.add_session(live)
    return c


@pytest.fixture
async def client(
    aiohttp_client: Client, ctx: WebContext, live: FakeLive
) -> AsyncIterator[TestClient[Any, Any]]:
    import asyncio

    pump = asyncio.create_task(live.pump())
    yield await aiohttp_client(create_app(ctx))
    pump.cancel()


async def login(client: TestClient[Any, Any], session: str = "localgovchat-2026-11-24") -> str:
    """Log in as host; returns the dashboard's CSRF token."""
    r = await client.post("/login", data={"token": TOKEN, "next": f"/host/{session}"}, allow_redirects=False)
    assert r.status == 303, await r.text()
    page = await (await client.get(f"/host/{session}")).text()
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found, page
    return found.group(1)
