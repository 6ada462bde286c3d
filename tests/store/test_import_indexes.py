"""An import bigger than its archive builds the messages' indexes once after reading: afterwards
(or after a failed import) the archive has every index it had, as it was defined."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.importers import ImportFailed
from chatbot.importing import import_files
from chatbot.store import Store

from .test_bulk import chat_file


def indexes(store: Store) -> list[tuple[str, str]]:
    return store.db.execute(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = 'messages' order by name"
    ).fetchall()


def test_an_import_into_an_empty_archive_leaves_every_index_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    before = indexes(store)
    assert len([sql for _, sql in before if sql]) >= 4
    import_files(store, [chat_file(tmp_path / "chat.jsonl", n=3000)])
    assert indexes(store) == before
    plan = store.db.execute(
        "explain query plan select * from messages where session_id = ? order by ts", ["x"]
    ).fetchall()
    assert "idx_messages_session_id_ts" in str(plan)


def test_a_failed_import_leaves_every_index_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    before = indexes(store)
    with pytest.raises(ImportFailed):
        import_files(store, [chat_file(tmp_path / "chat.jsonl", n=3000), tmp_path / "missing.jsonl"])
    assert indexes(store) == before and store.db.execute("select count(*) from messages").fetchone()[0] == 0
