"""One import into the archive, in bulk: every file's messages streamed in, the chats found in them
assigned by time range, the full-text index filled once at the end, all in one transaction.

``Writes.bulk_import()`` opens one (``with store.bulk_import() as bulk:``); leaving the block commits
everything, an exception rolls everything back, so a file that cannot be imported leaves the
archive as it was. The messages of the import are remembered in a temporary table
(``temp.import_seen``: file, id, uid, line), which also tells a file's duplicate ids apart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime

from chatbot.core.model import Message
from chatbot.core.sessions import Line, Span
from chatbot.store.rows import iso, message_row, parse_iso
from chatbot.store.schema import FTS_INSERT_TRIGGER

#: Columns an import fills in on a message already stored when the stored row lacks them (an
#: archive from before they were kept, or a live message the platform told less about).
FILLED = ("mentions", "links", "attachments", "reactions")
#: Roughly how many bytes of a recorded file make one message (ours: 250; X's API: more).
BYTES_A_MESSAGE = 250


def insert_sql(cols: Sequence[str]) -> str:
    """Insert a message row; a message stored before keeps its row and gains what it lacks (the
    author is a bot, mentions, links, attachments, reactions, the edit time)."""
    filled = ", ".join(f"[{c}] = case when [{c}] = '[]' then excluded.[{c}] else [{c}] end" for c in FILLED)
    names, marks = ", ".join(f"[{c}]" for c in cols), ", ".join("?" * len(cols))
    return (
        f"insert into messages ({names}) values ({marks}) "
        f"on conflict(uid) do update set is_bot = max(is_bot, excluded.is_bot), {filled}, "
        "edited_at = coalesce(edited_at, excluded.edited_at)"
    )


class BulkImport:
    """The open import (see the module's docstring); made by ``Writes.bulk_import``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._last_rowid = 0
        self._deferred: list[str] = []  # the messages' indexes to build again, as SQL

    def defer_indexes(self, incoming_bytes: int) -> None:
        """When the files coming in are bigger than the archive they go into, build the messages'
        indexes (all but the key) once after reading instead of one row at a time while reading
        (``build_indexes``): sorting a million keys once is far cheaper than a million inserts
        into four B-trees. A small import into a big archive keeps them."""
        if self._last_rowid * BYTES_A_MESSAGE >= incoming_bytes:
            return
        rows = self.conn.execute(
            "select name, sql from sqlite_master where type = 'index' and tbl_name = 'messages' "
            "and sql is not null"
        ).fetchall()
        for name, sql in rows:
            self.conn.execute(f"drop index [{name}]")
            self._deferred.append(sql)

    def build_indexes(self) -> None:
        """Build the indexes ``defer_indexes`` left out (finding the chats needs them)."""
        for sql in self._deferred:
            self.conn.execute(sql)
        self._deferred = []

    def open(self) -> None:
        c = self.conn
        c.execute("drop table if exists temp.import_seen")
        c.execute(
            "create temp table import_seen (file integer not null, id text not null, uid text not null, "
            "seq integer not null, line integer, primary key (file, id)) without rowid"
        )
        c.execute("create index temp.import_seen_uid on import_seen (uid)")
        self._last_rowid = self.last_rowid()
        # New rows are indexed for search at the end, in one statement, not one trigger each.
        c.execute("drop trigger if exists [messages_ai]")

    def close(self) -> None:
        """Index the new messages for search and put the trigger back (in the same transaction)."""
        c = self.conn
        self.build_indexes()
        c.execute(
            "insert into messages_fts (rowid, [text], [handle], [name]) "
            "select rowid, [text], [handle], [name] from messages where rowid > ?",
            [self._last_rowid],
        )
        c.execute(FTS_INSERT_TRIGGER)
        c.execute("drop table if exists temp.import_seen")

    def last_rowid(self) -> int:
        """Rows are only added during an import: the rowids above this one are the new messages."""
        return int(self.conn.execute("select coalesce(max(rowid), 0) from messages").fetchone()[0])

    def put(
        self, file: int, batch: Sequence[tuple[int, int | None, Message]], *, source: str
    ) -> list[tuple[int | None, str, int | None]]:
        """Store a batch of one file's messages (``seq``: their order in the import, ``line``
        where the file has them). A message whose id came earlier in the same file is left out
        (the first one is kept): returned as (its line, its id, the first one's line)."""
        c = self.conn
        before = c.total_changes
        c.executemany(
            "insert or ignore into import_seen (file, id, uid, seq, line) values (?, ?, ?, ?, ?)",
            [(file, m.id, f"{m.platform}:{m.id}", seq, line) for seq, line, m in batch],
        )
        duplicates: list[tuple[int | None, str, int | None]] = []
        kept = batch
        if c.total_changes - before < len(batch):
            kept = []
            for seq, line, m in batch:
                first_seq, first_line = c.execute(
                    "select seq, line from import_seen where file = ? and id = ?", [file, m.id]
                ).fetchone()
                if first_seq == seq:
                    kept.append((seq, line, m))
                else:
                    duplicates.append((line, m.id, first_line))
        rows = [message_row(m, source=source) for _, _, m in kept]
        if rows:  # every row has the same columns in the same order
            c.executemany(insert_sql(list(rows[0])), [tuple(r.values()) for r in rows])
        return duplicates

    def lines(self, files: Sequence[int]) -> Iterator[Line]:
        """What finding the chats reads of these files' messages, in time order (then by id)."""
        marks = ", ".join("?" * len(files))
        rows = self.conn.execute(
            "select ts, id, handle, platform, text, is_repost, coalesce(reply_to, '') != '', is_bot "
            f"from messages where uid in (select uid from import_seen where file in ({marks})) "
            "order by ts, id",
            list(files),
        )
        for ts, mid, handle, platform, text, repost, reply, bot in rows:
            yield Line(parse_iso(ts), mid, handle, platform, text, bool(repost), bool(reply), bool(bot))

    def assign(self, session_id: str, files: Sequence[int], spans: Sequence[Span]) -> int:
        """Put these files' messages within the spans (inclusive) in the session; how many."""
        marks = ", ".join("?" * len(files))
        moved = 0
        for span in spans:  # each row checked by key, not the import's list built again per span
            moved += self.conn.execute(
                "update messages set session_id = ? where ts between ? and ? and exists "
                "(select 1 from import_seen s where s.uid = messages.uid "
                f"and s.file in ({marks}))",
                [session_id, iso(span.first), iso(span.last), *files],
            ).rowcount
        return moved

    def assign_window(self, session_id: str, start: datetime, end: datetime) -> int:
        """Put every message of the import from ``start`` to ``end`` (inclusive) in the session."""
        return self.conn.execute(
            "update messages set session_id = ? where ts between ? and ? and uid in "
            "(select uid from import_seen)",
            [session_id, iso(start), iso(end)],
        ).rowcount

    def latest(self, start: datetime, end: datetime) -> datetime | None:
        """The time of the import's last message from ``start`` to ``end``, if any."""
        row = self.conn.execute(
            "select max(ts) from messages where ts between ? and ? and uid in (select uid from import_seen)",
            [iso(start), iso(end)],
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None
