"""Hostile input: user text must never become markup, script, a link elsewhere or a broken file."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chatbot.recap import environment, html_id, message_anchors
from chatbot.recap.feed import render_feed, render_index_page, search_records
from chatbot.recap.html import render_all, render_session
from chatbot.recap.markdown import md_escape, render_markdown
from tests.recap.dom import HOSTILE_HANDLE, HOSTILE_NAME, HOSTILE_TEXTS, find_all, parse, text_of


def assert_inert(page: Any, *, script: str) -> None:
    """Only our one script, no event handlers, no foreign elements, links only http(s) or local."""
    scripts = list(page.iter("script"))
    assert len(scripts) == 1 and text_of(scripts[0]) == script
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag.split("}")[-1] not in ("img", "iframe", "object", "embed", "b", "i"), element.tag
        for name in element.attrib:
            assert not name.lower().startswith("on"), (element.tag, name)
    assert len(list(page.iter("style"))) == 1
    for a in page.iter("a"):
        href = a.get("href", "")
        parts = urlsplit(href)
        assert parts.scheme in ("", "http", "https"), href
        assert not href.startswith("//"), href
        if parts.scheme:
            assert a.get("rel") == "nofollow ugc noopener"


def test_session_page_is_inert_and_shows_text_literally(hostile: dict[str, Any]) -> None:
    html = render_session(hostile)
    page = parse(html)
    assert_inert(page, script=environment().get_template("recap.js").render())
    assert text_of(page.find(".//h1")) == hostile["session"]["title"]
    assert "49" not in text_of(page.find(".//h1"))
    anchors = message_anchors(hostile)
    bodies = {}
    for m in hostile["messages"]:
        item = [e for e in page.iter("li") if e.get("id") == anchors[m["id"]]]
        assert len(item) == 1
        bodies[m["id"]] = find_all(item[0], "p", "body")[0]
    for n, text in enumerate(HOSTILE_TEXTS):
        body = bodies[f'bad"><{n}']
        assert text_of(body) == text, text[:60]
        assert body.get("dir") == "auto"
    names = [text_of(e) for e in find_all(page, "bdi", "name")]
    assert HOSTILE_NAME in names
    assert HOSTILE_HANDLE in [text_of(e) for e in find_all(page, "bdi", "handle")]
    originals = {a.get("href") for a in find_all(page, "a", "original")}
    assert "https://example.org/ok" in originals
    assert not [h for h in originals if not h.startswith("https://")]
    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)


def test_bidi_overrides_are_isolated(hostile: dict[str, Any]) -> None:
    page = parse(render_session(hostile))
    for element in page.iter():
        text = element.text or ""
        if "\u202e" in text:
            assert element.tag == "bdi" or element.get("dir") == "auto", element.tag
    css = environment().get_template("recap.css").render()
    assert "unicode-bidi: isolate" in css and "overflow-wrap: anywhere" in css


def test_index_page_is_inert(hostile: dict[str, Any]) -> None:
    entry = {"slug": hostile["session"]["slug"], "session": hostile["session"], "stats": hostile["stats"]}
    page = parse(render_index_page([entry]))
    assert_inert(page, script=environment().get_template("index.js").render())
    assert hostile["session"]["title"] in [text_of(a) for a in page.iter("a")]


def test_search_index_is_data_not_code(hostile: dict[str, Any], tmp_path: Path) -> None:
    render_all([hostile], tmp_path)
    listing = (tmp_path / "search-index.js").read_text(encoding="utf-8")
    assert listing.rstrip().endswith('= ["search/2026-11-24-localgovchat.js"];')
    text = (tmp_path / "search" / "2026-11-24-localgovchat.js").read_text(encoding="utf-8")
    assert "</script" not in text.lower() and "<" not in text
    payload = text[text.index(".push(") + 6 :].rstrip().rstrip(";").rstrip(")")
    records = json.loads(payload)
    assert records == search_records(hostile)
    assert {r["text"] for r in records} >= set(HOSTILE_TEXTS)
    assert not [r for r in records if r["id"] in {m["id"] for m in hostile["messages"] if m["removed"]}]


def test_feed_stays_well_formed(hostile: dict[str, Any]) -> None:
    hostile["session"]["title"] += "\x07\x00 bell & <![CDATA[ ]]>"
    entry = {"slug": hostile["session"]["slug"], "session": hostile["session"], "stats": hostile["stats"]}
    root = ET.fromstring(render_feed([entry]).encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    title = root.find("a:entry/a:title", ns).text
    assert title.startswith('<script>alert("title")</script> {{ 7*7 }}')
    assert root.find("a:entry/a:author/a:name", ns).text == HOSTILE_HANDLE


def test_markdown_cannot_inject_links_or_html(hostile: dict[str, Any]) -> None:
    md = render_markdown(hostile)
    for match in re.finditer(r"\]\(", md):
        assert md[match.end() : match.end() + 5] == "<http", md[match.start() - 40 : match.end() + 40]
    for match in re.finditer(r"<", md):
        before = md[max(0, match.start() - 1) : match.start()]
        after = md[match.start() + 1 : match.start() + 5]
        assert before == "\\" or (before == "(" and after == "http"), md[
            match.start() - 30 : match.start() + 30
        ]
    assert "javascript:alert(1)](" not in md
    assert "\\<script>alert(1)\\</script>" in md


def test_markdown_escape_is_minimal() -> None:
    assert md_escape("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert md_escape("<b>hi</b>") == "\\<b>hi\\</b>"
    assert md_escape("# not a heading\n- not a list\n1. not ordered\n> not a quote") == (
        "\\# not a heading\n\\- not a list\n1\\. not ordered\n\\> not a quote"
    )
    assert md_escape("@jane_clerk asks about snake_case #localgovchat, Q&A") == (
        "@jane_clerk asks about snake_case #localgovchat, Q&A"
    )
    assert (
        md_escape("_emph_ *bold* `code` ~~gone~~ &amp;")
        == "\\_emph\\_ \\*bold\\* \\`code\\` \\~\\~gone\\~\\~ \\&amp;"
    )
    assert md_escape("![img](x)") == "!\\[img\\](x)"
    assert md_escape("# inline", block=False) == "# inline"


def test_sanitized_ids_do_not_collide() -> None:
    raw = ['a"b', "a_b", "a b", "a_22_b", "a-b"]
    assert len({html_id(r, "m-") for r in raw}) == len(raw)
