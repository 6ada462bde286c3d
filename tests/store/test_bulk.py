"""An import in bulk: one transaction (all or nothing), search filled at the end, derived state
written in one statement, and the archive's triggers as they were afterwards."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from chatbot.importers import ImportFailed
from chatbot.importing import import_files
from chatbot.store import Store

from .kit import CHAT, T0, stored


def chat_file(path: Path, n: int = 30) -> Path:
    """A small JSON Lines chat: the host's prompt, then answers a minute apart."""
    records = [{"id": "p", "platform": "x", "ts": T0.isoformat(), "author": "@host", "text": "Q1: budgets?"}]
    records += [
        {
            "id": str(i),
            "platform": "x",
            "ts": T0.replace(minute=i % 60).isoformat(),
            "author": f"@p{i % 4}",
            "text": f"A1: word{i} pothole #potholechat",
        }
        for i in range(1, n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def triggers(store: Store) -> set[str]:
    return {r[0] for r in store.db.execute("select name from sqlite_master where type = 'trigger'")}


def test_a_file_that_fails_leaves_the_archive_as_it_was(tmp_path: Path) -> None:
    store = stored(tmp_path)
    before = store.db.execute("select count(*) from messages").fetchone()[0]
    names = triggers(store)
    with pytest.raises(ImportFailed):
        import_files(store, [chat_file(tmp_path / "good.jsonl"), tmp_path / "missing.jsonl"])
    assert store.db.execute("select count(*) from messages").fetchone()[0] == before
    assert list(store.search("pothole")) == [] and triggers(store) == names
    assert {"messages_ai", "messages_au", "messages_ad"} <= names


def test_imported_messages_are_searchable_and_live_ones_still_are(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    report = import_files(store, [chat_file(tmp_path / "chat.jsonl")])
    assert len(report.sessions) == 1 and report.files[0][2:] == (30, 30)
    assert len(list(store.search("pothole"))) == 29
    store.add_messages([replace(CHAT[2], id="later")])  # after the import: indexed by the trigger again
    assert store.db.execute(
        "select count(*) from messages_fts where messages_fts match 'training'"
    ).fetchone()[0]


def test_every_message_gets_what_the_engine_made_of_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    (sid,) = import_files(store, [chat_file(tmp_path / "chat.jsonl", n=12_000)]).sessions
    kinds = dict(store.db.execute("select kind, count(*) from messages group by kind").fetchall())
    assert kinds == {"answer": 12_000}  # one prompt makes no host: "Q1" is answered like any label
    assert (
        store.db.execute("select count(*) from messages where session_id = ?", [sid]).fetchone()[0] == 12_000
    )
    answers = store.db.execute("select answers from messages where id = '7'").fetchone()[0]
    assert json.loads(answers) == ["1"]


def test_deriving_state_never_rewrites_the_search_index(tmp_path: Path) -> None:
    store = stored(tmp_path)
    store.db.execute("update messages set kind = 'chat', session_id = session_id")
    # Had the index been rewritten, FTS5's integrity check would still pass; what must hold is
    # that a text edit is searchable at once and the old text is gone.
    store.edit_message("x:3", "A1: no, never", T0)
    assert [r["id"] for r in store.search("never")] == ["3"] and list(store.search("training")) == []
    store.db.execute("insert into messages_fts (messages_fts) values ('integrity-check')")
