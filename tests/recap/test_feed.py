"""The Atom feed: well-formed XML with the elements RFC 4287 requires, newest recap first."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from chatbot.recap.feed import index_entry, render_feed

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_feed(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    return root


def test_feed_has_required_elements(export: dict[str, Any], later_export: dict[str, Any]) -> None:
    root = parse_feed(render_feed([index_entry(export), index_entry(later_export)]))
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "chatbot"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "feed.xml" and links["alternate"] == "index.html"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        later_export["session"]["title"],
        export["session"]["title"],
    ]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")).tzinfo is not None
        assert entry.find(f"{ATOM}link").get("href").endswith(".html")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "@lgchat_host"
        assert "39 messages" in entry.findtext(f"{ATOM}summary")
    assert root.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")


def test_feed_ids_are_stable_and_links_absolute_with_a_base_url(export: dict[str, Any]) -> None:
    first = parse_feed(render_feed([index_entry(export)], base_url="https://chats.example.gov/recaps"))
    again = parse_feed(render_feed([index_entry(export)], base_url="https://chats.example.gov/recaps/"))
    assert ET.tostring(first) == ET.tostring(again)
    entry = first.find(f"{ATOM}entry")
    assert (
        entry.find(f"{ATOM}link").get("href")
        == "https://chats.example.gov/recaps/2026-11-24-localgovchat.html"
    )
    self_link = next(link for link in first.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == "https://chats.example.gov/recaps/feed.xml"


def test_empty_feed_is_still_valid() -> None:
    root = parse_feed(render_feed([]))
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated")
