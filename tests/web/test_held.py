"""A held post on the host dashboard: the bot's reply that may have gone out just before the last
process died, which the web room (restarted, its history gone) cannot confirm. The dashboard shows
it with two buttons; the host's word sends it or records it as posted, and nobody else's counts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from chatbot.store import LedgerIntent, LedgerRow, Store
from tests.browser import ARGS, CHROMIUM, needs_chromium
from tests.web.conftest import login
from tests.web.kit import SID, TOKEN, Served, config, hosted, until

HELD = f"/host/{SID}/held"
KEY = "reply:web:old-7"
TEXT = "Jane: thanks, your question is #1 in the queue. #LocalGovChat"


@pytest.fixture
async def served(tmp_path: Path, transcripts: Path) -> AsyncIterator[Served]:
    """The session hosted after a crash that left the bot's reply to Jane unconfirmed: intended
    after a message the web room, started afresh, does not know. The runner holds it at once."""
    db = tmp_path / "chatbot.db"
    store = Store(db)
    reply: LedgerIntent = {
        "key": KEY, "post": KEY, "part": 1, "platform": "web", "text": TEXT, "reply_to": None,
        "after": "old-6", "ref": None, "kind": "reply", "intended_at": "2026-11-24T20:01:00.000+00:00",
    }  # fmt: skip
    store.write_live(SID, intents=[reply])
    store.close()
    async with hosted(config(db, transcripts)) as s:
        await until(lambda: bool(s.state()["held"]), "the runner holds the reply")
        yield s


def row(served: Served) -> LedgerRow:
    (found,) = served.store.ledger(SID)
    return found


async def bot_said(served: Served) -> list[str]:
    me = await served.room.identity()
    return [m.text for m in await served.room.history() if m.author == me]


async def test_the_dashboard_shows_the_held_post_and_sends_it_when_it_did_not_go_out(
    client: ClientSession, served: Served
) -> None:
    csrf = await login(client)
    page = await (await client.get(f"/host/{SID}")).text()
    assert "Held posts" in page and TEXT in page
    assert "the platform no longer knows where the bot left off" in page
    assert (
        'value="no">It did not go out: send it</button>' in page
        and 'value="yes">It went out</button>' in page
    )
    assert await bot_said(served) == []  # held: not sent on its own

    r = await client.post(
        HELD, data={"csrf": csrf, "key": KEY, "platform": "web", "went_out": "no"}, allow_redirects=False
    )
    assert r.status == 303 and r.headers["Location"] == f"/host/{SID}"
    page = await (await client.get(f"/host/{SID}")).text()
    assert f"{KEY} on web: sent now" in page and "Held posts" in page  # the section stays, hidden
    assert 'id="held" hidden' in page
    assert await bot_said(served) == [TEXT]
    assert served.state()["held"] == []
    settled = row(served)
    assert (settled["status"], settled["resolved_by"]) == ("posted", "LocalGovChat")
    assert settled["platform_id"] == (await served.room.history())[-1].id


async def test_it_went_out_records_it_without_sending(client: ClientSession, served: Served) -> None:
    csrf = await login(client)
    r = await client.post(
        HELD,
        data={"csrf": csrf, "key": KEY, "platform": "web", "went_out": "yes"},
        headers={"Accept": "application/json"},
    )
    assert await r.json() == {
        "ok": True,
        "text": f"{KEY} on web: recorded as posted, as you said",
        "command": "resolve_held",
    }
    assert await bot_said(served) == []
    settled = row(served)
    assert (settled["status"], settled["platform_id"], settled["resolved_by"]) == (
        "posted",
        None,
        "LocalGovChat",
    )
    again = await client.post(
        HELD,
        data={"csrf": csrf, "key": KEY, "platform": "web", "went_out": "no"},
        headers={"Accept": "application/json"},
    )
    assert (await again.json())["ok"] is False  # settled once: a second click changes nothing
    assert await bot_said(served) == []


async def test_only_the_logged_in_host_settles_a_held_post(client: ClientSession, served: Served) -> None:
    fields = {"key": KEY, "platform": "web", "went_out": "no"}
    assert (await client.post(HELD, data=fields)).status == 403  # no host login
    csrf = await login(client)
    assert (await client.post(HELD, data={**fields, "csrf": csrf[:-1] + "x"})).status == 403
    cross = await client.post(HELD, data={**fields, "csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert cross.status == 403
    assert (await client.post(HELD, data={**fields, "csrf": csrf, "went_out": "maybe"})).status == 400
    assert row(served)["status"] == "held" and await bot_said(served) == []
    # readers never see held posts; the dashboard's stream does
    public = await client.get(f"/live/{SID}/events")
    state = json.loads((await public.content.readuntil(b"\n\n")).decode().split("data: ", 1)[1])
    public.close()
    assert state["held"] == []
    hosts = await client.get(f"/host/{SID}/events")
    state = json.loads((await hosts.content.readuntil(b"\n\n")).decode().split("data: ", 1)[1])
    hosts.close()
    assert [(p["key"], p["reason"]) for p in state["held"]] == [(KEY, "unknown_cursor")]


@needs_chromium
async def test_the_dashboards_buttons_in_a_browser(served: Served) -> None:
    """With JS: the held post is drawn from the live state and its button answers in place."""
    api = pytest.importorskip("playwright.async_api", reason="playwright (Python) is not installed")
    async with api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{served.base}/host/{SID}#token={TOKEN}")
            await page.wait_for_selector(f"#held-list li[data-key='{KEY}'] .held-text:text('{TEXT}')")
            await page.click("#held-list button[data-went-out=no]")
            await page.wait_for_selector(f"#flash :text('{KEY} on web: sent now')")
            await page.wait_for_selector("#held", state="hidden")
            assert errors == []
        finally:
            await browser.close()
    assert await bot_said(served) == [TEXT]
