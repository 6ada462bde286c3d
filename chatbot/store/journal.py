"""The journal: messages heard while the archive could not take them, kept durable beside it.

One JSON Lines file per session in ``<database>.inbox/`` (never ``<database>-journal``: that name
is SQLite's own). Each line is a message row (``chatbot.store.rows.message_row``); every append is
flushed and fsynced before it returns, so a message shown to participants after its append
survives the process being killed. A line torn by a crash mid-append is skipped when read (its
message was never shown). The runner empties the journal once everything in it is stored;
replaying it twice stores nothing twice (messages are known by their uid).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def journal_for(database: str, session_id: str) -> Journal | None:
    """The journal of ``session_id`` beside ``database`` (None for an in-memory archive)."""
    if database == ":memory:" or database.startswith("file::memory:"):
        return None
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", session_id)[:80]
    if safe != session_id:  # two ids that clean to the same name must not share a file
        safe += "-" + hashlib.sha256(session_id.encode()).hexdigest()[:12]
    return Journal(Path(f"{database}.inbox") / f"{safe}.jsonl")


class Journal:
    """An append-only file of message rows, fsynced at every append."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append ``rows``, durably (flushed and fsynced); OSError when the disk refuses."""
        if not rows:
            return
        text = "".join(json.dumps(dict(r), ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and _last_byte(self.path, size) != b"\n":  # a torn line: it ends here
                text = "\n" + text
            data = text.encode()
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:  # the file's name is durable too
            _fsync_dir(self.path.parent)

    def read(self) -> list[dict[str, Any]]:
        """Every whole row, in the order appended (none when there is no journal)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        rows = []
        for line in raw.split(b"\n"):
            try:
                row = json.loads(line)
            except ValueError:  # torn by a crash mid-append, or empty
                continue
            if isinstance(row, dict) and isinstance(row.get("uid"), str):
                rows.append(row)
        return rows

    def clear(self) -> None:
        """Everything in it is stored: the journal goes (and its folder, once empty)."""
        self.path.unlink(missing_ok=True)
        try:
            self.path.parent.rmdir()
        except OSError:  # another session's journal is there, or it was never made
            _fsync_dir(self.path.parent)
        else:
            _fsync_dir(self.path.parent.parent)


def _last_byte(path: Path, size: int) -> bytes:
    with path.open("rb") as f:
        f.seek(size - 1)
        return f.read(1)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
