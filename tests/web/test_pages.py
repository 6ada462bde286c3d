"""Every page of the web app in real Chromium, at a desktop and a phone width (and the smallest
phones', 320 px), during a chat and after it ended: no horizontal scrolling, no console error, no
request off the server, and no accessibility violation axe-core can find (WCAG 2.1 AA and its best
practices; at 1280 and 390 px).

One chat is hosted for the whole module (the real runner, through the app's own start-up, on a
clock 20 times as fast): a host started it, Q1 is out, people answered (one with a link), asked,
voted; the host approved a question and put it on air. The pages are then visited as a reader, a
participant who joined the room, and the logged-in host; then the host ends the chat and the
ended pages are visited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from chatbot.clock import ScaledClock
from chatbot.demo import demo_config
from chatbot.hosting.host import SessionRunner
from chatbot.platforms.web import WebRoom, WebSettings, host_author
from chatbot.startup import started
from tests.browser import ARGS, CHROMIUM, needs_chromium
from tests.web.axe import axe_source, violations
from tests.web.kit import Served, short_session, until

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]

TOKEN = "pages-test-host-token-0123456789"
WIDTHS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
    "small-phone": {"width": 320, "height": 640},
}


@dataclass
class Site:
    served: Served
    browser: Any
    axe: str

    @property
    def sid(self) -> str:
        return self.served.runner.session_id


async def _chat(s: Served) -> None:
    """The talk the pages show: Q1 out, answers, questions, a vote, one question on air."""
    host = host_author("LocalGovChat")
    assert (await s.runner.command("start", (), host)).ok
    await until(lambda: s.state()["current_prompt"] is not None, "Q1 is posted", timeout=15)
    await s.say("Jane at Springfield", "A1: yes, with a short guide: https://example.org/guide.")
    await s.say("Sam", "/ask Do residents who tweet get served before people who phone?")
    await s.say("Ann", "/ask Who signs off on an answer?")
    await s.say("Jane at Springfield", "/upvote 1")
    await s.say("Sam", "A1: only for simple questions, the rest goes to the contact centre")
    assert (await s.runner.command("approve", ("1",), host)).ok
    assert (await s.runner.command("next_question", (), host)).ok
    await until(lambda: s.state()["queue"][0]["status"] == "on_air", "question 1 is on air")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    api = pytest.importorskip("playwright.async_api", reason="playwright (Python) is not installed")
    source = axe_source()
    tmp = tmp_path_factory.mktemp("pages")
    clock = ScaledClock(datetime.now(UTC), 20)
    session = short_session(clock.now() + timedelta(hours=1))
    config = demo_config(tmp / "chatbot.db", "127.0.0.1", 0, session, transcripts=tmp / "transcripts")
    config = replace(config, platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)})
    async with started(config, clock=clock, say=None) as up:
        runner = up.host.sessions[session.spec.id]
        room = runner.platforms["web"]
        assert isinstance(room, WebRoom) and isinstance(runner, SessionRunner)
        assert up.web is not None
        task = asyncio.create_task(up.host.run(handle_signals=False))
        s = Served(up.base_url, up.web, up.host, runner, room)
        await until(lambda: room.started, "the room opens")
        await _chat(s)
        async with api.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                yield Site(s, browser, source)
            finally:
                await browser.close()
        up.host.stop()
        await asyncio.wait_for(task, 10)


class Visit:
    """One browser context at one width: what went wrong while it showed a page."""

    def __init__(self, site: Site, viewport: dict[str, int]) -> None:
        self.site, self.viewport = site, viewport
        self.errors: list[str] = []
        self.blocked: list[str] = []

    async def __aenter__(self) -> Visit:
        self.context = await self.site.browser.new_context(viewport=self.viewport)
        base = self.site.served.base
        await self.context.route("**/*", self._route)
        self.page = await self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self._base = base
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.context.close()

    async def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.site.served.base, self.site.served.base.replace("http", "ws", 1))):
            await route.continue_()
        else:
            self.blocked.append(url)
            await route.abort()

    async def goto(self, path: str) -> None:
        await self.page.goto(self._base + path)

    async def join(self, name: str = "") -> None:
        """Into the room, under ``name`` (or the name the page offers: a logged-in host's)."""
        await self.goto("/chat/localgovchat")
        if name:
            await self.page.fill("#join-name", name)
        await self.page.click("#join-form button[type=submit]")
        await self.page.wait_for_selector("#composer:not([hidden])")

    async def login(self) -> None:
        await self.goto(f"/host/{self.site.sid}#token={TOKEN}")
        await self.page.wait_for_selector("#host[data-csrf]")

    async def check(self, what: str, *, status: int = 200) -> None:
        """The page as it is now: fits the width, no error, nothing blocked, no axe violation
        (``status``: the page's own, when it is an error page that the console notes)."""
        if status != 200:
            self.errors = [e for e in self.errors if f"status of {status}" not in e]
        await self.page.wait_for_timeout(200)  # the first live state drawn
        width = await self.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        # axe at the two widths the pages are made for; the smallest phones: fitting is enough
        found = await violations(self.page, self.site.axe) if self.viewport["width"] >= 390 else []
        problems = [
            *([f"scrolls sideways: {width[0]} px wide in {width[1]} px"] if width[0] > width[1] else []),
            *(f"console: {e}" for e in self.errors),
            *(f"blocked: {u}" for u in self.blocked),
            *found,
        ]
        assert problems == [], f"{what} at {self.viewport['width']} px:\n" + "\n".join(problems)


PAGES = [
    "index", "room", "room-questions", "room-host", "live", "dashboard", "login", "search", "recap-not-yet",
    "confirm-end",
]  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
async def test_every_page_during_the_chat(site: Site, page: str, width: str) -> None:
    async with Visit(site, WIDTHS[width]) as v:
        if page == "index":
            await v.goto("/")
        elif page in ("room", "room-questions"):
            await v.join(f"Reader {page} {width}")
            link = ".msg-text a[href='https://example.org/guide']"  # the trailing dot left out
            await v.page.wait_for_selector(link)
            assert await v.page.get_attribute(link, "rel") == "nofollow ugc noopener"
            if page == "room-questions":
                if width != "desktop":
                    await v.page.click(".room-tabs .tab[data-tab=side]")
                await v.page.wait_for_selector("#queue li[data-number='1']")
        elif page == "room-host":
            await v.login()
            await v.join()
            assert await v.page.inner_text("#you-name") == "LocalGovChat (host)"  # the name offered
        elif page == "live":
            await v.goto(f"/live/{site.sid}")
            await v.page.wait_for_selector("#answers .said")
        elif page == "dashboard":
            await v.login()
            await v.page.wait_for_selector("#stream .said")
        elif page == "login":
            await v.goto(f"/host/{site.sid}")
        elif page == "search":
            await v.goto("/search?q=residents")
        elif page == "recap-not-yet":
            await v.goto(f"/recaps/{site.served.runner.slug}.html")
            await v.page.wait_for_selector("a[href='/live/" + site.sid + "']")
        elif page == "confirm-end":  # what a host without JavaScript sees before End: asked once
            await v.login()
            async with v.page.expect_navigation():
                await v.page.evaluate(  # the End form sent as a browser without JavaScript sends it
                    """() => { const b = document.querySelector("button[data-action=end]");
                               HTMLFormElement.prototype.submit.call(b.form); }"""
                )
            assert "Are you sure?" in await v.page.title()
            assert site.served.state()["status"] != "ended"  # nothing happened yet
        await v.check(page, status=404 if page == "recap-not-yet" else 200)


async def test_the_room_keeps_what_the_server_refused_and_asks_before_ending(site: Site) -> None:
    """Written too fast: the message the server refuses stays in the box. A host typing /end in
    the room is asked first, and saying no changes nothing."""
    async with Visit(site, WIDTHS["phone"]) as v:
        await v.join("Quick Quinn")
        for i in range(5):  # the join took one of five tokens: the fifth message is one too many
            await v.page.fill("#text", f"quick message {i}")
            await v.page.press("#text", "Enter")
        await v.page.wait_for_selector("#room-error:text('slow down')")
        assert await v.page.input_value("#text") == "quick message 4"
        await v.page.wait_for_selector(".msg-text:text('quick message 3')")
        assert await v.page.locator(".msg-text:text('quick message 4')").count() == 0
    async with Visit(site, WIDTHS["phone"]) as host:
        await host.login()
        await host.join()
        asked: list[str] = []

        async def no(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.dismiss()

        host.page.once("dialog", no)
        await host.page.fill("#text", "/end")
        await host.page.press("#text", "Enter")
        await host.page.wait_for_timeout(300)
        assert asked == ["End the chat now? The closing message goes out at once."]
        assert await host.page.input_value("#text") == "/end"
        assert site.served.state()["status"] == "live"
        assert host.errors == []


async def test_the_end_of_the_chat_leads_everyone_to_the_recap(site: Site) -> None:
    """A participant in the room, a reader on the live view and the host on the dashboard when
    the host ends the chat: each is told it ended and given the recap; the room does not keep
    trying to reconnect; the recap is there to read."""
    phone, desktop = WIDTHS["phone"], WIDTHS["desktop"]
    async with Visit(site, phone) as room, Visit(site, desktop) as live, Visit(site, desktop) as host:
        await room.join("Leaving Lou")
        await live.goto(f"/live/{site.sid}")
        await host.login()
        asked: list[str] = []

        async def yes(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.accept()

        host.page.once("dialog", yes)
        await host.page.click("button[data-action=end]")
        assert asked == ["End the chat now? The closing message goes out at once."]
        recap = f"/recaps/{site.served.runner.slug}.html"
        for v in (room, live, host):
            await v.page.wait_for_selector("#ended:not([hidden])", timeout=15_000)
            assert await v.page.get_attribute("#recap-link", "href") == recap
        await room.page.wait_for_selector("#conn-status:text('The chat has ended.')")
        assert await room.page.is_hidden("#composer-wrap")
        await room.page.wait_for_timeout(2500)  # long enough for a retry, were there one
        assert "trying again" not in await room.page.inner_text("#conn-status")
        assert await live.page.inner_text("#prompt-heading") == "The chat has ended"
        assert await host.page.is_disabled("button[data-action=start]")
        await until(lambda: (site.served.ctx.transcripts / recap.split("/")[-1]).is_file(), "the recap")
        await room.page.click("#recap-link")
        await room.page.wait_for_url(f"**{recap}")
        text = await room.page.inner_text("body")
        assert "yes, with a short guide" in text and "Do residents who tweet" in text
        assert "/upvote" not in text and "thanks, your question" not in text  # commands and acks out
        for v in (room, live, host):
            assert v.errors == [] and v.blocked == []


ENDED = ["room", "live", "dashboard", "index", "recap"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", ENDED)
async def test_every_page_after_the_chat(site: Site, page: str, width: str) -> None:
    if site.served.state()["status"] != "ended":  # run alone: the end-of-chat test did not end it
        await site.served.runner.command("end", (), host_author("LocalGovChat"))
    await until(lambda: site.served.state()["status"] == "ended", "the chat ended", timeout=15)
    recap = site.served.ctx.transcripts / f"{site.served.runner.slug}.html"
    await until(recap.is_file, "the recap is written", timeout=15)
    async with Visit(site, WIDTHS[width]) as v:
        if page == "room":
            await v.goto("/chat/localgovchat")
            await v.page.wait_for_selector("#ended:not([hidden])")
        elif page == "live":
            await v.goto(f"/live/{site.sid}")
            await v.page.wait_for_selector("#ended:not([hidden])")
        elif page == "dashboard":
            await v.login()
            await v.page.wait_for_selector("#ended:not([hidden])")
        elif page == "index":
            await v.goto("/")
            await v.page.wait_for_selector(f"a[href='/recaps/{site.served.runner.slug}.html']")
        elif page == "recap":
            await v.goto(f"/recaps/{site.served.runner.slug}.html")
        await v.check(page)
