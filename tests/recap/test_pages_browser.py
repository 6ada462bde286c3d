"""A Discord recap's images and a long channel record's pages in a real Chromium at a phone's width,
opened from file:// with the network cut off: the copies beside the page load under its policy,
nothing scrolls sideways, and the page links lead where they say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatbot.importing import import_files
from chatbot.recap.export import recap_of
from chatbot.recap.html import render_all
from chatbot.store import Store
from tests.browser import needs_chromium
from tests.recap.dce import export_path, file_attachment, files_folder, message, png, reply, write_export
from tests.recap.test_browser import PHONE, Watch, browser
from tests.web.axe import TAGS, axe_source

pytestmark = needs_chromium
__all__ = ["browser"]  # the module's Chromium, shared with these tests


def _site(tmp_path: Path, said: list[dict[str, Any]]) -> tuple[Path, str]:
    store = Store(tmp_path / "a.db")
    (sid,) = import_files(store, [write_export(tmp_path / "export", said)]).sessions
    render_all([recap_of(store, sid)], tmp_path / "site")
    return tmp_path / "site", store.session_row(sid)["slug"]


def _no_sideways_scroll(watch: Watch) -> None:
    width = watch.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def _accessible(watch: Watch, skip: str = "") -> None:
    """What axe-core (WCAG 2.1 AA and best practices) finds on the page: nothing (``skip``: a
    selector left out, a thousand messages whose markup the one-page recaps' tests check)."""
    watch.page.evaluate(axe_source() + "\n;0")
    found = watch.page.evaluate(
        "async ([tags, skip]) => (await axe.run(skip ? {exclude: [[skip]]} : document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))"
        ".violations.map(v => `${v.id}: ${v.nodes[0].target}`)",
        [TAGS, skip],
    )
    assert found == []


def test_images_show_from_beside_the_page_and_fit_a_phone(browser: Any, tmp_path: Path) -> None:
    name = export_path(tmp_path / "export").name
    folder = files_folder(export_path(tmp_path / "export"))
    (folder / "wide-1F2E3.png").write_bytes(png(2400, 300))  # far wider than the phone
    (folder / "small-AB12C.png").write_bytes(png(3, 2))
    said = [
        message(
            1,
            "the whole board",
            attachments=[file_attachment(f"{name}_Files\\wide-1F2E3.png", "board.png", 9)],
        ),
        message(2, "a dot", attachments=[file_attachment(f"{name}_Files\\small-AB12C.png", "dot.png", 9)]),
        message(
            3, "on the web", attachments=[file_attachment("https://cdn.discordapp.com/a/b/c.png", "c.png", 9)]
        ),
    ]
    site, slug = _site(tmp_path, said)
    watch = Watch(browser, PHONE)
    watch.page.goto((site / f"{slug}.html").as_uri())
    watch.page.wait_for_load_state("load")
    for image in watch.page.query_selector_all(".thumb img"):  # thumbnails load lazily, when seen
        image.scroll_into_view_if_needed()
    watch.page.wait_for_function("[...document.querySelectorAll('.thumb img')].every(i => i.complete)")
    loaded = watch.page.eval_on_selector_all(
        ".thumb img", "els => els.map(e => [e.alt, e.naturalWidth, e.getBoundingClientRect().width])"
    )
    assert [(alt, natural) for alt, natural, _ in loaded] == [("board.png", 2400), ("dot.png", 3)]
    assert all(0 < shown < PHONE["width"] for _, _, shown in loaded)
    _no_sideways_scroll(watch)
    _accessible(watch)
    watch.page.click("a.thumb >> nth=1")  # the thumbnail opens the full file
    watch.page.wait_for_load_state("load")
    assert watch.page.url.startswith((site / slug / "files").as_uri())
    watch.clean()  # no request left the files, no policy refused anything
    watch.context.close()


def test_a_long_record_s_pages_fit_a_phone_and_link_to_each_other(browser: Any, tmp_path: Path) -> None:
    said = [message(n, f"message number {n} " + "word " * (n % 7)) for n in range(2100)]
    said[2050] = reply(2050, "agreeing with the very first words", to=3)
    site, slug = _site(tmp_path, said)
    watch = Watch(browser, PHONE)
    watch.page.goto((site / f"{slug}.html").as_uri())
    _no_sideways_scroll(watch)
    watch.page.click("nav.pager >> nth=0 >> a[rel=next]")
    watch.page.wait_for_load_state("load")
    assert watch.page.url == (site / slug / "page-2.html").as_uri()
    _no_sideways_scroll(watch)
    _accessible(watch, "ol.transcript")
    watch.page.click("nav.pager >> nth=0 >> a[rel=next]")
    watch.page.wait_for_load_state("load")
    assert watch.page.url == (site / slug / "page-3.html").as_uri()
    _no_sideways_scroll(watch)
    watch.page.click(".msg-foot a:has-text('in reply to')")
    watch.page.wait_for_load_state("load")
    anchor = f"m-{message(3, '')['id']}"
    assert watch.page.url == f"{(site / f'{slug}.html').as_uri()}#{anchor}"
    assert watch.page.eval_on_selector(f"#{anchor}", "e => e.matches(':target')")
    watch.clean()
    watch.context.close()
