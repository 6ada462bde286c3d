"""A long channel record (a Discord channel export holding no hosted chat) is written as pages, as
DiscordChatExporter splits a long export: the first at the record's usual address, the others
beside it, linked to each other, every message on exactly one; replies, search hits and the web
search link to the page their message is on; re-rendering keeps the pages in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.importing import import_files
from chatbot.recap.export import build_export, recap_of
from chatbot.recap.feed import read_search_shard
from chatbot.recap.html import render_all
from chatbot.recap.pages import PAGE_SIZE, message_page
from chatbot.store import Store, iso
from chatbot.web.readers import search_hits
from tests.recap.dce import message, reply, write_export

COUNT = 2500
ANCHOR = re.compile(r'<li id="(m-[^"]+)" class="msg')


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str, str]:
    folder = tmp_path_factory.mktemp("long")
    said = [message(n, f"message number {n}") for n in range(COUNT)]
    said[2400] = reply(2400, "agreeing with the very first words, long after", to=10)
    said[1500] = reply(1500, "answering the one just before", to=1499)
    store = Store(folder / "a.db")
    (sid,) = import_files(store, [write_export(folder / "export", said)]).sessions
    return store, sid, store.session_row(sid)["slug"]


def _id(n: int) -> str:
    return str(message(n, "")["id"])


def test_a_long_channel_record_is_three_linked_pages_with_every_message_once(
    record: tuple[Store, str, str], tmp_path: Path
) -> None:
    store, sid, slug = record
    assert PAGE_SIZE == 1000 and build_export(store, sid)["session"]["kind"] == "channel"
    render_all([recap_of(store, sid)], tmp_path)
    files = [tmp_path / f"{slug}.html", tmp_path / slug / "page-2.html", tmp_path / slug / "page-3.html"]
    pages = [f.read_text(encoding="utf-8") for f in files]
    assert not (tmp_path / slug / "page-4.html").exists()
    on = [ANCHOR.findall(p) for p in pages]
    assert [len(ids) for ids in on] == [1000, 1000, 500]
    assert [a for ids in on for a in ids] == [f"m-{_id(n)}" for n in range(COUNT)]  # each once, in order
    first, second, third = pages
    assert f'<a rel="next" href="{slug}/page-2.html">' in first and f'href="{slug}/page-3.html"' in first
    assert 'aria-current="page">1</span>' in first and "Messages 1–1,000 of 2,500 (page 1 of 3)" in first
    assert f'<a rel="prev" href="../{slug}.html">' in second and '<a rel="next" href="page-3.html">' in second
    assert (
        "Messages 1,001–2,000 of 2,500 (page 2 of 3)" in second and 'aria-current="page">2</span>' in second
    )
    assert '<a rel="prev" href="page-2.html">' in third and 'rel="next"' not in third
    # a reply whose message is on another page links to it there, quoting it; one on its own page here
    assert f'<a href="../{slug}.html#m-{_id(10)}">↩ in reply to' in third and "message number 10</q>" in third
    assert f'<a href="#m-{_id(1499)}">↩ in reply to' in second
    for page in pages:  # each page stands alone: its own style and policy, and no bigger than need be
        assert "<style>" in page and "Content-Security-Policy" in page and len(page.encode()) < 1_500_000
    assert f'<a href="{slug}.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")
    records = {r["id"]: r for r in read_search_shard(tmp_path, slug)}
    assert [records[_id(n)]["page"] for n in (0, 999, 1000, 2400, 2499)] == [1, 1, 2, 3, 3]


def test_search_hits_link_to_the_page_their_message_is_on(
    record: tuple[Store, str, str], tmp_path: Path
) -> None:
    store, sid, slug = record
    render_all([recap_of(store, sid)], tmp_path)
    (hit,) = search_hits(store, tmp_path, set(), '"agreeing with the very first words"')["hits"]
    assert hit["href"] == f"/recaps/{slug}/page-3.html#m-{_id(2400)}"
    for n, where in [
        (5, f"{slug}.html"),
        (999, f"{slug}.html"),
        (1000, f"{slug}/page-2.html"),
        (2499, f"{slug}/page-3.html"),
    ]:
        m = store.message(f"discord:{_id(n)}")
        assert message_page(tmp_path, slug, iso(m.ts), f"discord:{m.id}") == where, n


def test_re_rendering_keeps_the_pages_in_step(record: tuple[Store, str, str], tmp_path: Path) -> None:
    store, sid, slug = record
    first = render_all([recap_of(store, sid)], tmp_path)
    assert first.written == [slug]
    assert render_all([recap_of(store, sid)], tmp_path).skipped == [slug]  # nothing changed
    (tmp_path / slug / "page-3.html").unlink()
    assert render_all([recap_of(store, sid)], tmp_path).written == [slug]  # a page gone: written again
    assert (tmp_path / slug / "page-3.html").is_file()
    export = build_export(store, sid)
    export["messages"] = export["messages"][:1500]
    export["stats"]["messages"] = 1500
    render_all([export], tmp_path)
    assert (tmp_path / slug / "page-2.html").is_file() and not (tmp_path / slug / "page-3.html").exists()
    assert len(ANCHOR.findall((tmp_path / slug / "page-2.html").read_text(encoding="utf-8"))) == 500
    export["messages"] = export["messages"][:900]
    export["stats"]["messages"] = 900
    render_all([export], tmp_path)
    assert not (tmp_path / slug / "page-2.html").exists() and not (tmp_path / slug / "pages.json").exists()
    page = (tmp_path / f"{slug}.html").read_text(encoding="utf-8")
    assert len(ANCHOR.findall(page)) == 900 and 'class="pager"' not in page


def test_a_hosted_chat_keeps_one_page(record: tuple[Store, str, str], tmp_path: Path) -> None:
    store, sid, slug = record
    export = build_export(store, sid)
    export["session"]["kind"] = "chat"
    render_all([export], tmp_path)
    assert len(ANCHOR.findall((tmp_path / f"{slug}.html").read_text(encoding="utf-8"))) == COUNT
    assert not (tmp_path / slug / "page-2.html").exists()


DAY = re.compile(r'<li class="day"><h3>([^<]+)</h3></li>\n<li id="(m-[^"]+)"')


def test_a_record_over_many_days_names_each_day_where_it_begins_and_atop_every_page(
    record: tuple[Store, str, str], tmp_path: Path
) -> None:
    """40 messages a day from Friday 6 January 2023: times alone would not say which day."""
    store, sid, slug = record
    render_all([recap_of(store, sid)], tmp_path)
    first = DAY.findall((tmp_path / f"{slug}.html").read_text(encoding="utf-8"))
    assert first[:2] == [
        ("Friday 6 January 2023", f"m-{_id(0)}"),
        ("Saturday 7 January 2023", f"m-{_id(40)}"),
    ]
    assert len(first) == 25  # messages 0-999: days 0-24
    second = DAY.findall((tmp_path / slug / "page-2.html").read_text(encoding="utf-8"))
    # message 1000 is the 1st of day 25's (1000 = 25 x 40): its day atop the page, then each day
    assert second[0] == ("Tuesday 31 January 2023", f"m-{_id(1000)}") and len(second) == 25


def test_a_chat_within_one_day_has_no_day_headings(tmp_path: Path) -> None:
    said = [message(n, f"message number {n}") for n in range(30)]  # 14:00 to 18:50 of one day
    store = Store(tmp_path / "a.db")
    (sid,) = import_files(store, [write_export(tmp_path / "export", said)]).sessions
    render_all([recap_of(store, sid)], tmp_path / "site")
    page = (tmp_path / "site" / f"{store.session_row(sid)['slug']}.html").read_text(encoding="utf-8")
    assert len(ANCHOR.findall(page)) == 30 and '<li class="day">' not in page
