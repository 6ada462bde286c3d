"""The archive's schema: versioned, WAL, migrated in place, and refusing files that are not ours."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from chatbot.core.sessions import slug_for
from chatbot.importing import rebuild
from chatbot.store import SCHEMA_VERSION, Store, StoreError, message_row, migrations
from tests.store.kit import CHAT, SPEC, msg

NEW_COLUMNS = {
    "is_bot",
    "mentions",
    "links",
    "attachments",
    "reactions",
    "edited_at",
    "deleted_at",
    "deleted_by_author",
}


def test_schema_is_versioned_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    assert store.schema_version == SCHEMA_VERSION >= 3
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("pragma foreign_keys").fetchone()[0] == 1
    store.close()
    again = Store(tmp_path / "a.db")  # reopening applies nothing twice
    assert again.schema_version == SCHEMA_VERSION
    indexes = {i.name for i in again.db["messages"].indexes}
    assert any("session_id" in n for n in indexes)


def test_message_columns_have_explicit_types_and_defaults(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    cols = {c.name: c for c in store.db["messages"].columns}
    assert cols.keys() >= NEW_COLUMNS
    types = {name: cols[name].type for name in NEW_COLUMNS}
    assert types == {
        "is_bot": "INTEGER",
        "mentions": "TEXT",
        "links": "TEXT",
        "attachments": "TEXT",
        "reactions": "TEXT",
        "edited_at": "TEXT",
        "deleted_at": "TEXT",
        "deleted_by_author": "INTEGER",
    }
    defaults = {name: cols[name].default_value for name in NEW_COLUMNS}
    assert defaults["is_bot"] == "0" and defaults["deleted_by_author"] == "0"
    assert {defaults[n] for n in ("mentions", "links", "attachments", "reactions")} == {"'[]'"}
    assert cols["is_bot"].notnull and cols["mentions"].notnull and not cols["edited_at"].notnull


def _schema_2_archive(path: Path) -> None:
    """An archive as chatbot wrote it before messages were kept whole: one imported session."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m003_whole_messages")
    later = NEW_COLUMNS | {"embeds"}  # m009
    old = [{k: v for k, v in message_row(m, source="old").items() if k not in later} for m in CHAT]
    db["messages"].insert_all(old)
    db.conn.close()


def test_an_archive_at_schema_2_opens_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _schema_2_archive(path)
    before = sqlite3.connect(path).execute("select uid, text, ts from messages order by uid").fetchall()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert store.db.execute("select uid, text, ts from messages order by uid").fetchall() == before
    assert {c.name for c in store.db["messages"].columns} >= NEW_COLUMNS
    assert store.message("x:3").text == "A1: yes, with training #localgovchat"
    assert store.message("x:3").attachments == () and store.message("x:3").author.is_bot is False
    # the old rows still make a session, and search still finds them (the FTS triggers survived)
    store.save_session(SPEC, slug=slug_for(SPEC), status="imported")
    store.assign_session([f"x:{m.id}" for m in CHAT], SPEC.id)
    rebuild(store, SPEC.id)
    assert [h["id"] for h in store.search("training")] == ["3"]
    store.add_messages([msg(7, "cat", "A1: late but training too")], session_id=SPEC.id)
    assert sorted(h["id"] for h in store.search("training")) == ["3", "7"]


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


def test_an_archive_from_a_newer_chatbot_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    db = sqlite_utils.Database(tmp_path / "a.db")
    db["_sqlite_migrations"].insert({"migration_set": "chatbot", "name": "m999_future", "applied_at": "x"})
    db.conn.close()
    with pytest.raises(StoreError, match="newer chatbot"):
        Store(tmp_path / "a.db")
