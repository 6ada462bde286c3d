"""The session page, parsed with html5lib and checked against the export it was rendered from."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import html5lib
import pytest

from chatbot.recap import REMOVED_TEXT, STATUS_LABELS, environment, html_id, linkify, safe_url
from chatbot.recap.feed import index_entry, render_index_page
from chatbot.recap.html import render_session, session_view
from tests.recap.dom import classes, element_by_id, find_all, parse, text_of


@pytest.fixture
def page(export: dict[str, Any]) -> Any:
    return parse(render_session(export))


def test_one_section_per_prompt_with_its_answers(export: dict[str, Any], page: Any) -> None:
    articles = find_all(page, "article", "prompt")
    assert [a.get("id") for a in articles] == ["q1", "q2", "q3"]
    for article, prompt in zip(articles, export["prompts"], strict=True):
        answers = find_all(article, "li", "msg")
        assert len(answers) == len(prompt["answers"])
        summary = text_of(article.find(".//summary"))
        assert f"{len(prompt['answers'])} answers" in summary
        assert article.find(".//h3/a").get("href") == f"#{article.get('id')}"
        expected = [a["name"] or a["author"] for a in prompt["answers"]]
        assert [text_of(find_all(li, "bdi", "name")[0]) for li in answers] == expected
    # The heading shows the label once: "Q1" then the text without its "Q1:".
    assert text_of(find_all(articles[0], "span", "prompt-text")[0]).startswith("How do you tell residents")


def test_question_queue_rows_statuses_and_times(export: dict[str, Any], page: Any) -> None:
    table = find_all(page, "table", "questions")[0]
    rows = table.findall("./tbody/tr")
    assert len(rows) == len(export["questions"])
    for row, question in zip(rows, export["questions"], strict=True):
        status = find_all(row, "span", "status")[0]
        assert text_of(status) == STATUS_LABELS[question["status"]]
        assert f"status-{question['status']}" in classes(status)
        assert row.get("id") == f"question-{question['number']}"
    answered = text_of(rows[0])
    assert "@lgchat_host" in answered and "7.5 min" in answered and "21:19" in answered
    assert "Public Works" in text_of(rows[2])
    assert row_link(rows[1], "#question-1"), "a merged question links to the one it was merged into"


def row_link(row: Any, href: str) -> bool:
    return any(a.get("href") == href for a in row.iter("a"))


def test_participants_table_defaults_to_most_messages_first(export: dict[str, Any], page: Any) -> None:
    table = find_all(page, "table", "people")[0]
    rows = table.findall("./tbody/tr")
    assert len(rows) == len(export["participants"])
    counts = [int(text_of(row.findall("td")[0])) for row in rows]
    hosts = [row for row in rows if "host" in [text_of(b) for b in find_all(row, "span", "badge")]]
    assert len(hosts) == sum(1 for p in export["participants"] if p["role"] == "host")
    assert counts == sorted((p["messages"] for p in export["participants"]), reverse=True)
    assert table.get("data-sortable") is not None
    heads = table.findall("./thead/tr/th")
    assert all(th.get("scope") == "col" for th in heads)
    assert [th.get("aria-sort") for th in heads].count("descending") == 1


def test_transcript_has_every_message_with_unique_anchors(export: dict[str, Any], page: Any) -> None:
    items = find_all(element_by_id(page, "transcript"), "li", "msg")
    assert len(items) == len(export["messages"])
    assert [li.get("id") for li in items] == [f"m-{m['id']}" for m in export["messages"]]
    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert not [i for i, n in Counter(ids).items() if n > 1], "duplicate ids"
    for a in page.iter("a"):
        href = a.get("href") or ""
        if href.startswith("#"):
            assert href[1:] in ids, f"dangling link {href}"


def test_removed_messages_say_so_in_place(export: dict[str, Any], page: Any) -> None:
    removed = [m for m in export["messages"] if m["removed"]]
    assert removed
    for m in removed:
        item = element_by_id(page, f"m-{m['id']}")
        assert text_of(find_all(item, "p", "body")[0]) == REMOVED_TEXT
        assert not [a for a in item.iter("a") if a.get("href", "").startswith("http")]
    q3 = element_by_id(page, "q3")
    assert REMOVED_TEXT in text_of(q3)


def test_message_text_links_and_originals(export: dict[str, Any], page: Any) -> None:
    for m in export["messages"]:
        item = element_by_id(page, f"m-{m['id']}")
        body = find_all(item, "p", "body")[0]
        if not m["removed"]:
            assert text_of(body) == m["text"]
            assert body.get("dir") == "auto"
        originals = [a for a in item.iter("a") if "original" in classes(a)]
        assert [a.get("href") for a in originals] == ([m["url"]] if m["url"] else [])
    link = [a for a in page.iter("a") if a.get("href") == "https://example.gov/riverside/budget-popups"]
    assert link and all(a.get("rel") == "nofollow ugc noopener" and a.get("target") is None for a in link)


def test_header_exports_and_time_zone(export: dict[str, Any], page: Any) -> None:
    header = page.find(".//header")
    assert text_of(header.find(".//h1")) == export["session"]["title"]
    when = text_of(header)
    assert "Tuesday 24 November 2026, 21:00–21:45 EST (UTC-05:00)" in when
    assert "#localgovchat" in when and "@lgchat_host" in when
    hrefs = {a.get("href") for a in page.iter("a")}
    assert {"2026-11-24-localgovchat.json", "2026-11-24-localgovchat.md", "index.html"} <= hrefs
    only_json = parse(render_session(export, exports=("json",), index_href=None))
    hrefs = {a.get("href") for a in only_json.iter("a")}
    assert "2026-11-24-localgovchat.md" not in hrefs and "index.html" not in hrefs


def test_accessibility_landmarks_headings_and_tables(page: Any) -> None:
    html = page
    assert html.get("lang") == "en"
    body = html.find("body")
    assert [e.tag for e in body if e.tag != "script"] == ["a", "header", "nav", "main", "footer"]
    skip = body[0]
    assert skip.get("href") == "#main" and element_by_id(html, "main").tag == "main"
    levels = [int(e.tag[1]) for e in html.iter() if re.fullmatch(r"h[1-6]", str(e.tag))]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert all(th.get("scope") in ("col", "row") for th in html.iter("th"))
    assert html.find(".//nav").get("aria-label")
    for svg in html.iter("svg"):
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg.find("title") is not None and text_of(svg.find("title"))


def test_self_contained_no_network(page: Any) -> None:
    assert not [e for e in page.iter() if e.get("src")]
    assert not list(page.iter("img")) and not list(page.iter("iframe"))
    links = list(page.iter("link"))
    assert [link.get("rel") for link in links] == ["icon"] and links[0].get("href").startswith("data:")
    styles = list(page.iter("style"))
    assert len(styles) == 1 and "url(" not in text_of(styles[0]) and "@import" not in text_of(styles[0])
    csp = next(
        m.get("content") for m in page.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    for a in page.iter("a"):
        assert urlsplit(a.get("href", "")).scheme in ("", "http", "https")


def test_view_model_is_plain_data(export: dict[str, Any]) -> None:
    view = session_view(export)
    assert view["slug"] == export["session"]["slug"]
    assert [p["section"] for p in view["prompts"]] == ["q1", "q2", "q3"]
    assert view["participants"][0]["handle"] == "@lgchat_host"
    assert dict(view["stats"])["Median wait"] == "7.5 min"
    reply = next(m for m in view["messages"] if m["reply_to"])
    assert reply["reply_author"].startswith("@")


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("see https://example.org/a.", ["https://example.org/a"]),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))!", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("HTTPS://EXAMPLE.ORG/x?y=1&z=2, ok", ["HTTPS://EXAMPLE.ORG/x?y=1&z=2"]),
        ("javascript:alert(1) data:text/html,x ftp://x.org www.example.org", []),
        ('https://x.org/"onmouseover="alert(1)', ["https://x.org/"]),
        ("https:// nothing http://", []),
    ],
)
def test_linkify_only_links_http_urls(text: str, links: list[str]) -> None:
    out = parse(f"<p>{linkify(text)}</p>")
    anchors = list(out.iter("a"))
    assert [a.get("href") for a in anchors] == links
    assert text_of(out.find(".//p")) == text
    assert all(a.get("rel") == "nofollow ugc noopener" for a in anchors)


def test_safe_url_and_ids() -> None:
    assert safe_url("https://x.com/a/status/1") == "https://x.com/a/status/1"
    for bad in ("javascript:alert(1)", "data:,x", "//evil.example", "/relative", " https://a b", None, ""):
        assert safe_url(bad) is None
    assert html_id("123", "m-") == "m-123"
    assert html_id('a"b c', "m-") != html_id('a"b_c', "m-")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", html_id('"><x y>', "m-"))


def test_templates_are_autoescaped_and_strict() -> None:
    env = environment()
    assert env.get_template("session.html").name == "session.html"
    assert str(env.from_string("{{ x }}").render(x="<b>")) == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.get_template("session.html").render()


def test_unsafe_slug_is_refused(export: dict[str, Any]) -> None:
    export["session"]["slug"] = "../../etc/passwd"
    with pytest.raises(ValueError, match="slug"):
        render_session(export)


def test_pages_parse_without_errors(export: dict[str, Any], hostile: dict[str, Any]) -> None:
    for text in (render_session(export), render_session(hostile), render_index_page([index_entry(export)])):
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(text)
        assert parser.errors == []
