from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatbot.core.engine import SessionEngine
from chatbot.core.model import Author, Message, SessionSpec
from chatbot.core.sessions import slug_for
from chatbot.importing import rebuild
from chatbot.store import SCHEMA_VERSION, Store, StoreError, iso

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SPEC = SessionSpec(
    id="localgovchat-2026-11-24",
    hashtag="#localgovchat",
    title="Frontline staff",
    start=T0,
    timezone="America/New_York",
    hosts=("@host",),
)


def msg(i: int, who: str, text: str, **kw: object) -> Message:
    return Message(
        id=str(i),
        platform="x",
        ts=T0 + timedelta(minutes=i),
        author=Author(who, f"@{who}", who.title()),
        text=text,
        **kw,
    )  # type: ignore[arg-type]


CHAT = [
    msg(1, "host", "Welcome to #localgovchat"),
    msg(2, "host", "Q1: Should frontline staff tweet answers? #localgovchat"),
    msg(3, "ann", "A1: yes, with training #localgovchat"),
    msg(4, "bob", "How do you handle abuse? #ask"),
    msg(5, "host", "/answered 1"),
    msg(6, "ann", "RT @host: Q1: Should frontline staff tweet answers?"),
]


def stored(tmp_path: Path) -> Store:
    store = Store(tmp_path / "a.db")
    store.add_messages(CHAT, source="test")
    store.save_session(SPEC, slug=slug_for(SPEC), status="imported")
    store.assign_session([f"x:{m.id}" for m in CHAT], SPEC.id)
    rebuild(store, SPEC.id)
    return store


def test_schema_is_versioned_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    assert store.schema_version == SCHEMA_VERSION
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("pragma foreign_keys").fetchone()[0] == 1
    store.close()
    again = Store(tmp_path / "a.db")  # reopening applies nothing twice
    assert again.schema_version == SCHEMA_VERSION
    indexes = {i.name for i in again.db["messages"].indexes}
    assert any("session_id" in n for n in indexes)


def test_messages_are_stored_once_and_state_is_derived(tmp_path: Path) -> None:
    store = stored(tmp_path)
    assert store.add_messages(CHAT) == 0  # the same messages again: nothing new
    assert store.db["messages"].count == 6
    rebuild(store, SPEC.id)  # replaying twice derives the same state, not twice the state
    kinds = [r["kind"] for r in store.message_rows(SPEC.id)]
    assert kinds == ["host", "prompt", "answer", "question", "command", "repost"]
    (q,) = store.db["questions"].rows
    assert (q["status"], q["author"], q["answered_by"]) == ("answered", "@bob", "@host")
    people = {p["handle"]: p for p in store.db["participants"].rows}
    assert (
        people["@ann"]["answers"] == 1 and people["@ann"]["reposts"] == 1 and people["@ann"]["messages"] == 1
    )
    assert people["@host"]["role"] == "host"
    assert store.db["prompts"].count == 1


def test_live_record_writes_the_same_as_a_replay(tmp_path: Path) -> None:
    live = Store(tmp_path / "live.db")
    live.save_session(SPEC, slug=slug_for(SPEC), status="live")
    engine = SessionEngine(SPEC)
    for m in CHAT:
        live.record(SPEC.id, engine.ingest(m), engine)
    replayed = stored(tmp_path)

    def snapshot(s: Store) -> tuple[list[tuple[object, ...]], ...]:
        return tuple(
            sorted(tuple(r.values()) for r in s.db.query(f"select * from {t}"))
            for t in ("participants", "prompts", "questions")
        )

    assert snapshot(live) == snapshot(replayed)


def test_full_text_search_handles_punctuation_and_quotes(tmp_path: Path) -> None:
    store = stored(tmp_path)
    hits = list(store.search("training"))
    assert [h["id"] for h in hits] == ["3"]
    assert "\x02training\x03" in hits[0]["snippet"]
    assert list(store.search('"unbalanced AND (')) == []
    assert list(store.search("   ")) == []


def test_corrections_and_redactions_are_kept(tmp_path: Path) -> None:
    store = stored(tmp_path)
    store.correct("x:4", ["1"], by="@host")
    assert store.corrections(SPEC.id) == {"x:4": ["1"]}
    with pytest.raises(KeyError):
        store.correct("x:999", ["1"], by="@host")
    store.redact("message", "x:3", by="@host")
    store.redact("participant", "@Bob", by="@host")
    store.redact("participant", "@Bob", by="@host")  # twice is once
    assert store.redactions() == ({"x:3"}, {"bob"})
    # The original stays in the store for the host.
    assert store.db["messages"].get("x:3")["text"].startswith("A1: yes")


def test_a_foreign_or_broken_database_is_refused_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table invoices (id integer)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="belongs to something else"):
        Store(other)
    assert sqlite3.connect(other).execute("select name from sqlite_master").fetchall() == [("invoices",)]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable chatbot database"):
        Store(junk)


def test_iso_is_fixed_width_utc() -> None:
    assert iso(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000+00:00"
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)) == "2026-01-02T03:04:05.123+00:00"
