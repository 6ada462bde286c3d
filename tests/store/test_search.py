"""Search as a reader types it: words, prefixes and phrases, never FTS5 syntax; newest matches
ranked, paged, with a total; bots, commands and removed people left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.importing import import_files
from chatbot.store import Store, fts_query

from .kit import T0


def chat(path: Path, texts: list[tuple[str, str]]) -> Path:
    """A JSON Lines chat of ``(author, text)`` a minute apart (``bot:`` authors are bots)."""
    lines = []
    for i, (who, text) in enumerate(texts):
        name = who.removeprefix("bot:")
        author = {"id": name, "handle": f"@{name}", "name": name.title(), "is_bot": who.startswith("bot:")}
        ts = T0.replace(minute=i % 60, hour=2 + i // 60).isoformat()
        lines.append(json.dumps({"id": str(i), "platform": "x", "ts": ts, "author": author, "text": text}))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    texts = [("host", f"Q{n}: what about potholes? #roadchat") for n in (1, 2, 3)]
    texts += [(f"p{i % 7}", f"A1: pothole number {i} on my street #roadchat") for i in range(45)]
    texts += [
        ("ann", "A2: the budget meeting was long #roadchat"),
        ("bob", "A2: a meeting about the budget, again #roadchat"),
        ("cat", "A3: powerful stuff, and powers that be #roadchat"),
        ("dan", "/upvote 1"),
        ("bot:zodbot", "upvoted question 1 (2 votes) pothole"),
    ]
    s = Store(tmp_path / "a.db")
    import_files(s, [chat(tmp_path / "chat.jsonl", texts)])
    return s


def test_pages_of_the_newest_matches_ranked_with_a_total(store: Store) -> None:
    first = store.search_page("pothole", limit=20)
    assert (first.total, first.more, len(first.hits)) == (45, False, 20)
    rest = store.search_page("pothole", offset=40, limit=20)
    assert len(rest.hits) == 5
    every = [h["id"] for o in (0, 20, 40) for h in store.search_page("pothole", offset=o, limit=20).hits]
    assert len(set(every)) == 45  # no hit twice, none lost between pages
    capped = store.search_page("pothole", limit=5, window=10)
    assert (capped.total, capped.more) == (10, True)
    newest = {str(i) for i in range(38, 48)}  # the window is the newest matches
    assert {
        h["id"] for o in (0, 5) for h in store.search_page("pothole", offset=o, limit=5, window=10).hits
    } == newest


def test_prefixes_phrases_and_words(store: Store) -> None:
    assert {h["text"][:12] for h in store.search("power*")} == {"A3: powerful"}
    assert [h["id"] for h in store.search('"budget meeting"')] == ["48"]
    assert sorted(h["id"] for h in store.search("budget meeting")) == ["48", "49"]
    assert "\x02pothole\x03" in store.search("POTHOLE")[0]["snippet"]


def test_bots_and_commands_only_when_asked(store: Store) -> None:
    assert store.search("upvote") == [] and all(h["kind"] != "bot" for h in store.search("pothole", limit=99))
    assert [h["kind"] for h in store.search_page("upvoted", include_bots=True).hits] == ["bot"]
    assert [h["kind"] for h in store.search_page("upvote", include_bots=True).hits] == ["command"]


def test_removed_people_and_hidden_messages_are_never_found(store: Store) -> None:
    store.redact("participant", "@P1", by="@host")  # any case, with or without the @
    store.redact("message", "x:44", by="@host")
    found = {h["id"] for o in (0, 20) for h in store.search_page("pothole", offset=o, limit=20).hits}
    assert "44" not in found and not [h for h in store.search("pothole", limit=99) if h["handle"] == "@p1"]
    assert store.search_page("pothole").total == 45 - 7 - 1  # p1 wrote 7 of them (1, 8, ..., 43)


@pytest.mark.parametrize(
    "typed",
    ['"unbalanced', "NEAR(a b", "a OR", "-x", "*", ":", "^a", "a AND NOT b", '""', "(", "x:y", "'", "\\"],
)
def test_no_input_is_fts_syntax(store: Store, typed: str) -> None:
    store.search(typed)  # never raises


@given(st.text(max_size=40))
def test_any_text_makes_a_query_fts5_accepts(text: str) -> None:
    query = fts_query(text)
    if query is not None:
        store = Store(":memory:")
        store.db.execute("select count(*) from messages_fts where messages_fts match ?", [query]).fetchone()
