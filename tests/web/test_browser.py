"""The whole product in a real headless Chromium: two participants and a host in the room, the
host running the session from the dashboard, the live view, and the recap it leaves behind.

The real ``SessionRunner`` runs on a fast clock (20 virtual minutes a real minute), so the chat
takes seconds. Screenshots go to /tmp/web-*.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import ScaledClock
from chatbot.demo import demo_config
from chatbot.hosting.host import SessionRunner
from chatbot.platforms.web import WebSettings
from chatbot.startup import started
from tests.browser import ARGS, CHROMIUM, needs_chromium
from tests.web.kit import short_session

TOKEN = "browser-test-host-token-0123456789"
SHOTS = Path("/tmp")

pytestmark = needs_chromium


class Tab:
    """A browser context with its page; requests off our server are aborted and recorded."""

    def __init__(self, context: Any, page: Any, base: str) -> None:
        self.context, self.page, self.base = context, page, base
        self.errors: list[str] = []
        self.blocked: list[str] = []

    @classmethod
    async def open(cls, browser: Any, base: str, viewport: dict[str, int]) -> Tab:
        context = await browser.new_context(viewport=viewport)
        tab = cls(context, await context.new_page(), base)
        await context.route("**/*", tab._route)
        tab.page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        tab.page.on("pageerror", lambda e: tab.errors.append(str(e)))
        return tab

    async def _route(self, route: Any) -> None:
        if route.request.url.startswith((self.base, self.base.replace("http", "ws", 1))):
            await route.continue_()
        else:
            self.blocked.append(route.request.url)
            await route.abort()

    async def goto(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def shot(self, name: str) -> None:
        await self.page.screenshot(path=str(SHOTS / f"web-{name}.png"), full_page=False)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, SessionRunner, Path]]:
    """A session scheduled an hour from (virtual) now, its room and the web app, on loopback,
    started as ``chatbot run`` and the demo start (``chatbot.startup.started``)."""
    clock = ScaledClock(datetime.now(UTC), 20)
    session = short_session(clock.now() + timedelta(hours=1))
    transcripts = tmp_path / "transcripts"
    config = demo_config(tmp_path / "chatbot.db", "127.0.0.1", 0, session, transcripts=transcripts)
    config = replace(config, platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)})
    async with started(config, clock=clock, say=None) as up:
        runner = up.host.sessions[session.spec.id]
        task = asyncio.create_task(up.host.run(handle_signals=False))
        try:
            yield up.base_url, runner, transcripts
        finally:
            up.host.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    api = pytest.importorskip("playwright.async_api", reason="playwright (Python) is not installed")
    async with api.async_playwright() as p:
        instance = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        await instance.close()


async def join(tab: Tab, name: str) -> None:
    await tab.goto("/chat/localgovchat")
    await tab.page.fill("#join-name", name)
    await tab.page.click("#join-form button[type=submit]")
    await tab.page.wait_for_selector("#composer:not([hidden])")


async def say(tab: Tab, text: str) -> None:
    await tab.page.fill("#text", text)
    await tab.page.press("#text", "Enter")


async def test_a_chat_in_the_browser(served: tuple[str, SessionRunner, Path], browser: Any) -> None:
    started = time.monotonic()
    base, runner, transcripts = served
    sid = runner.session_id
    desktop = {"width": 1280, "height": 860}
    jane = await Tab.open(browser, base, desktop)
    sam = await Tab.open(browser, base, {"width": 390, "height": 844})
    host = await Tab.open(browser, base, desktop)

    # the host logs in from the printed address (token in the fragment), joins the room as the
    # host, and keeps the dashboard open in a second tab
    await host.goto(f"/host/{sid}#token={TOKEN}")
    await host.page.wait_for_selector("#host[data-csrf]")
    assert "token=" not in host.page.url
    await join(host, "LocalGovChat")
    await join(jane, "Jane at Springfield")
    await join(sam, "Sam")
    host_room = host.page
    host.page = await host.context.new_page()
    await host.goto(f"/host/{sid}")
    await host.page.wait_for_selector("#status-pill:text('scheduled')")

    # the host starts the chat: the welcome and then Q1 appear in the room
    await host.page.click("button[data-action=start]")
    await host.page.wait_for_selector("#flash :text('starting the chat')")
    await jane.page.wait_for_selector(".msg.bot :text('Welcome to #localgovchat')", timeout=10_000)
    await jane.page.wait_for_selector(".msg.prompt-msg .prompt-label:text('Q1')", timeout=15_000)
    await jane.page.wait_for_selector("#now-banner:not([hidden])")

    # Jane answers with the A1 chip and asks a question
    await jane.page.click("#tool-answer")
    assert await jane.page.input_value("#text") == "A1: "
    await jane.page.type("#text", "yes, with a short guide and a named person to escalate to")
    await jane.page.press("#text", "Enter")
    await jane.page.wait_for_selector(".msg.mine .label-badge:text('A1')")
    await jane.page.click("#tool-ask")
    await jane.page.type("#text", "Do residents who tweet get served before people who phone?")
    await jane.page.press("#text", "Enter")
    await jane.page.wait_for_selector(".msg.bot :text('your question is #1')")

    # Sam, on a phone, votes for it on the questions tab: the button shows the vote, and a second
    # click takes it back; nobody sees a command
    await sam.page.click(".room-tabs .tab[data-tab=side]")
    vote = "#queue li[data-number='1'] button.vote"
    await sam.page.wait_for_selector(f"{vote}:not([disabled])")
    await sam.page.click(vote)
    await sam.page.wait_for_selector(f"{vote}.voted[aria-pressed=true]")
    await sam.page.wait_for_selector("#queue li[data-number='1'] .count:text('1')")
    await sam.page.click(vote)
    await sam.page.wait_for_selector(f"{vote}:not(.voted)")
    await sam.page.wait_for_selector("#queue li[data-number='1'] .count:text('0')")
    await sam.page.click(vote)
    await sam.page.wait_for_selector("#queue li[data-number='1'] .count:text('1')")
    await sam.page.click(".room-tabs .tab[data-tab=chat]")
    await say(sam, "A1: only for simple questions, the rest goes to the contact centre")

    # the live view shows the prompt, the queue and the counts
    live = await Tab.open(browser, base, desktop)
    await live.goto(f"/live/{sid}")
    await live.page.wait_for_selector("#prompt-label:text('Q1')")
    await live.page.wait_for_selector("#queue-body tr.q-open td.votes:text('1')")
    await live.page.wait_for_function("Number(document.getElementById('stat-people').textContent) >= 2")
    await jane.shot("room")
    await sam.page.evaluate("window.scrollTo(0, 0)")
    await sam.shot("room-phone")
    await host.shot("host")
    await host_room.screenshot(path=str(SHOTS / "web-room-host.png"))
    await live.shot("live")

    # the host marks it answered on the dashboard; everyone sees it
    await host.page.click("#queue-body tr[data-number='1'] button[data-action=answered]")
    await host.page.wait_for_selector("#queue-body tr.q-answered")
    await live.page.wait_for_selector("#queue-body tr.q-answered")
    await jane.page.wait_for_selector("#queue li.q-answered")
    await live.shot("live-answered")

    # the host ends the chat (after saying yes to "are you sure?"): the closing goes out and the
    # recap is written
    asked: list[str] = []

    async def yes(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    host.page.once("dialog", yes)
    await host.page.click("button[data-action=end]")
    await jane.page.wait_for_selector('.msg.bot :text("That\'s a wrap")', timeout=10_000)
    await jane.page.wait_for_selector("#conn-status:text('The chat has ended.')", timeout=10_000)
    await jane.page.wait_for_selector("#ended #recap-link")
    for _ in range(100):
        if (transcripts / f"{runner.slug}.html").is_file():
            break
        await asyncio.sleep(0.1)
    await live.page.wait_for_selector("#status-pill:text('ended')")
    assert asked == ["End the chat now? The closing message goes out at once."]
    await jane.shot("room-ended")

    await live.goto(f"/recaps/{runner.slug}.html")
    recap = live.page
    await recap.wait_for_selector("text=yes, with a short guide")
    assert await recap.locator("text=Do residents who tweet get served before people who phone?").count() >= 1
    body = await recap.inner_text("body")
    assert "Sam" in body and "Jane at Springfield" in body and "Should frontline staff" in body
    assert "Answered" in body or "answered" in body
    await live.shot("recap")

    # the front page lists the session; search finds the answer and links into the recap
    await live.goto("/")
    await live.page.wait_for_selector(f"a[href='/recaps/{runner.slug}.html']")
    await live.shot("index")
    await live.goto("/search?q=queue")
    await live.shot("search")
    await live.goto("/search?q=escalate")
    await live.page.click(".hit-link")
    await live.page.wait_for_url(f"**/recaps/{runner.slug}.html#m-*")
    anchor = live.page.url.split("#", 1)[1]
    assert await live.page.locator(f"[id='{anchor}']").inner_text() != ""

    for tab in (jane, sam, host, live):
        assert tab.blocked == []
        assert [e for e in tab.errors if "WebSocket" not in e and "EventSource" not in e] == []
    assert time.monotonic() - started < 60
