"""The archive: one SQLite file, owned schema with migrations, WAL, FTS5 over message text.

Messages are the record, kept whole (a bot's lines stay a bot's, attachments, reactions, edits and
deletions included); everything derived (participants, prompts, questions) is written from the
engine's state and can always be rebuilt by replaying a session's messages. Every write that
matters is committed before the caller acts on it.

``schema`` owns the tables, ``rows`` turns plain data into rows and back, ``writes`` and ``live``
write, ``reads`` answers named questions, ``errors`` names what can go wrong, ``types`` types the
live runner's rows (ledger, runner state).
"""

from __future__ import annotations

from pathlib import Path

from chatbot.store.commandlog import CommandLog, LoggedCommand
from chatbot.store.errors import MessageNotFound, NotFound, SessionNotFound, StoreError
from chatbot.store.live import LiveWrites
from chatbot.store.reads import Reads
from chatbot.store.rows import (
    iso,
    message_from_row,
    message_row,
    outcome_columns,
    parse_iso,
    spec_from_json,
    spec_to_json,
    uid_of,
)
from chatbot.store.schema import SCHEMA_VERSION, migrations, open_database, schema_version
from chatbot.store.search import Search, SearchPage, fts_query
from chatbot.store.types import LedgerConfirm, LedgerIntent, LedgerRow, LedgerStatus, RunnerState
from chatbot.store.usage import Usage, UsageRow

__all__ = [
    "SCHEMA_VERSION",
    "LedgerConfirm",
    "LedgerIntent",
    "LedgerRow",
    "LedgerStatus",
    "LoggedCommand",
    "MessageNotFound",
    "NotFound",
    "RunnerState",
    "SearchPage",
    "SessionNotFound",
    "Store",
    "StoreError",
    "UsageRow",
    "fts_query",
    "iso",
    "message_from_row",
    "message_row",
    "migrations",
    "outcome_columns",
    "parse_iso",
    "spec_from_json",
    "spec_to_json",
    "uid_of",
]


class Store(Reads, Search, LiveWrites, CommandLog, Usage):
    """All reads and writes of the archive. Keep calls short: SQLite is synchronous."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = open_database(self.path)

    def close(self) -> None:
        self.db.conn.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)
