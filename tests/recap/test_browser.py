"""Recaps in a real headless Chromium, opened from file:// with the network cut off."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatbot.recap.html import render_all
from tests.browser import ARGS, CHROMIUM, needs_chromium

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


class Watch:
    """A page whose non-file requests are aborted and recorded, with console errors and dialogs."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, service_workers="block")
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def clean(self) -> None:
        assert self.blocked == [] and self.errors == [] and self.dialogs == []


def participant_order(page: Any) -> list[str]:
    return page.eval_on_selector_all("table.people tbody th .name", "els => els.map(e => e.textContent)")


def test_recap_page_in_chromium(
    browser: Any, export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export, later_export], tmp_path / "site")
    recap = (tmp_path / "site" / "2026-11-24-localgovchat.html").as_uri()

    phone = Watch(browser, PHONE)
    phone.page.goto(recap)
    phone.page.wait_for_load_state("load")
    assert phone.page.title().startswith("Budget consultations")
    before = participant_order(phone.page)
    phone.page.click("table.people thead th:first-child button.sort")
    after = participant_order(phone.page)
    assert after != before and after == sorted(before, key=str.casefold)
    assert phone.page.get_attribute("table.people thead th:first-child", "aria-sort") == "ascending"
    phone.page.click("table.people thead th:nth-child(2) button.sort")
    messages = phone.page.eval_on_selector_all(
        "table.people tbody td:nth-child(2)", "els => els.map(e => +e.textContent)"
    )
    assert messages == sorted(messages, reverse=True)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing overflows the phone's width"
    shot = tmp_path / "recap-phone.png"
    phone.page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, "/tmp/recap-screenshot.png")
    phone.page.emulate_media(media="print")
    assert phone.page.eval_on_selector("nav", "n => getComputedStyle(n).display") == "none"
    phone.clean()
    phone.context.close()

    desktop = Watch(browser, DESKTOP)
    desktop.page.goto(recap + "#q2")
    assert desktop.page.evaluate("location.hash") == "#q2"
    shot = tmp_path / "recap-desktop.png"
    desktop.page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, "/tmp/recap-desktop.png")
    desktop.clean()
    desktop.context.close()


def test_index_static_search_from_file(
    browser: Any, export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export, later_export], tmp_path)
    watch = Watch(browser, DESKTOP)
    watch.page.goto((tmp_path / "index.html").as_uri())
    watch.page.wait_for_function("Array.isArray(window.CHATBOT_SEARCH)")
    watch.page.fill("#q", "receipt")
    watch.page.press("#q", "Enter")
    watch.page.wait_for_selector("#search-results li")
    expected = sum(
        1
        for e in (export, later_export)
        for m in e["messages"]
        if not m["removed"] and "receipt" in (m["text"] + m["author"] + m["name"]).lower()
    )
    results = watch.page.query_selector_all("#search-results li")
    assert len(results) == expected > 0
    assert "receipt" in watch.page.inner_text("#search-results mark").lower()
    href = results[0].query_selector("a").get_attribute("href")
    assert href.startswith("2026-12-01-localgovchat.html#m-") or href.startswith(
        "2026-11-24-localgovchat.html#m-"
    )
    watch.page.screenshot(path=str(tmp_path / "index-search.png"), full_page=True)
    results[0].query_selector("a").click()
    watch.page.wait_for_load_state("load")
    anchor = href.split("#", 1)[1]
    assert watch.page.evaluate("location.hash") == f"#{anchor}"
    assert watch.page.eval_on_selector(f"#{anchor}", "e => e.matches(':target')")
    watch.clean()
    watch.context.close()


def test_hostile_recap_runs_no_script(browser: Any, hostile: dict[str, Any], tmp_path: Path) -> None:
    render_all([hostile], tmp_path)
    watch = Watch(browser, PHONE)
    watch.page.goto((tmp_path / "2026-11-24-localgovchat.html").as_uri())
    watch.page.wait_for_load_state("load")
    watch.page.hover("text=evil override")
    assert watch.page.evaluate("document.scripts.length") == 1
    assert watch.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "1 MB word wraps"
    watch.clean()
    watch.context.close()
