"""Recorded chats into the archive: load, find the sessions, replay them through the engine."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.config import Config
from chatbot.core.engine import SessionEngine
from chatbot.core.model import Message
from chatbot.core.sessions import Guess, find_sessions, slug_for
from chatbot.importers import stream
from chatbot.importers.base import ImportResult
from chatbot.store import Store
from chatbot.store.bulk import BulkImport

log = logging.getLogger("chatbot.import")

#: How far before a scheduled start a message still belongs to the session (announcements).
BEFORE = timedelta(hours=12)
AFTER = timedelta(hours=1)


@dataclass
class ImportReport:
    files: list[tuple[str, str, int, int]] = field(default_factory=list)  # path, format, read, new
    sessions: list[str] = field(default_factory=list)
    unassigned: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # path: records left out as unreadable


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_files(
    store: Store,
    paths: Sequence[Path],
    *,
    config: Config | None = None,
    tz: ZoneInfo | None = None,
    warn: Callable[[str], None] = lambda w: None,
) -> ImportReport:
    """Import every file in one transaction: a file that cannot be read at all raises
    ImportFailed, and nothing of the import is stored (nothing stored before is touched).

    Each file is streamed into the archive a batch at a time (``chatbot.store.bulk``); the chats
    are found in one pass over the stored messages, assigned by time range, and each replayed
    through the engine from the archive, so memory stays flat however big the files are."""
    zone = tz or (config.timezone if config else None)
    report = ImportReport()
    with store.bulk_import() as bulk:
        bulk.defer_indexes(sum(_size(p) for p in paths))
        files = [_read(store, bulk, n, path, zone, report, warn) for n, path in enumerate(paths)]
        bulk.build_indexes()
        if config and config.sessions:
            for sc in config.sessions:
                spec = sc.spec
                start = spec.start - BEFORE
                end = spec.start + timedelta(minutes=spec.duration_minutes) + AFTER
                ended = bulk.latest(start, end)
                store.save_session(spec, slug=slug_for(spec), status="imported", ended_at=ended)
                bulk.assign_window(spec.id, start, end)
                _derive(store, spec.id, report)
            return report
        for group in _groups(files):
            hints = group[0].result.hints
            guess = Guess(hints.hashtag, hints.title, hints.hosts, hints.style, hints.channel, hints.topic)
            assumed = group[0].result.assumed_timezone
            offsets = sum((f.offsets for f in group), Counter[timedelta | None]())
            zone_used = zone or (assumed if isinstance(assumed, ZoneInfo) else None) or zone_of(offsets)
            numbers = [f.number for f in group]
            found, stray = find_sessions(bulk.lines(numbers), zone_used, guess)
            report.unassigned += stray
            for chat in found:
                ended = max(s.last for s in chat.spans)
                store.save_session(chat.spec, slug=slug_for(chat.spec), status="imported", ended_at=ended)
                bulk.assign(chat.spec.id, numbers, chat.spans)
                _derive(store, chat.spec.id, report)
    return report


@dataclass
class _File:
    number: int
    path: Path
    result: ImportResult
    offsets: Counter[timedelta | None]


def _read(
    store: Store,
    bulk: BulkImport,
    number: int,
    path: Path,
    zone: ZoneInfo | None,
    report: ImportReport,
    warn: Callable[[str], None],
) -> _File:
    """Stream one file into the archive; what it held besides its messages."""
    offsets: Counter[timedelta | None] = Counter()
    seq = number << 40  # the import's order of messages: file, then place in the file

    def sink(batch: list[tuple[int | None, Message]]) -> list[tuple[int | None, str, int | None]]:
        nonlocal seq
        offsets.update(m.ts.utcoffset() for _, m in batch)
        items = [(seq + i, line, m) for i, (line, m) in enumerate(batch)]
        seq += len(batch)
        return bulk.put(number, items, source=str(path))

    before = bulk.last_rowid()
    result = stream(path, tz=zone, sink=sink)
    for w in result.warnings:
        warn(w)
    report.warnings.extend(result.warnings)
    store.record_import(result.sha256 or sha256_of(path), str(path), result.format, result.read)
    report.files.append((str(path), result.format, result.read, bulk.last_rowid() - before))
    report.skipped[str(path)] = result.skipped
    return _File(number, path, result, offsets)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it says what is wrong


def _derive(store: Store, session_id: str, report: ImportReport) -> None:
    rebuild(store, session_id)
    report.sessions.append(session_id)


def zone_of(offsets: Counter[timedelta | None]) -> ZoneInfo:
    """The zone that the UTC offsets of a file's times imply when nobody named one: ``-05:00``
    everywhere reads as ``Etc/GMT+5`` (POSIX sign), so times show as the chat's participants saw them."""
    if not offsets:
        return ZoneInfo("UTC")
    offset = offsets.most_common(1)[0][0] or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest or hours == 0 or not -12 <= hours <= 14:
        return ZoneInfo("UTC")
    return ZoneInfo(f"Etc/GMT{-hours:+d}")


def zone_of_offsets(messages: Sequence[Message]) -> ZoneInfo:
    """``zone_of`` the messages' own offsets."""
    return zone_of(Counter(m.ts.utcoffset() for m in messages))


def _groups(files: list[_File]) -> list[list[_File]]:
    """Files describing the same chat (same format and hints) are read as one; others apart."""
    groups: dict[tuple[object, ...], list[_File]] = {}
    for f in files:
        h = f.result.hints
        key = (f.result.format, h.hashtag, h.channel, h.style) if h.style != "meeting" else (str(f.path),)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def rebuild(store: Store, session_id: str, *, bot_handles: tuple[str, ...] = ()) -> SessionEngine:
    """Replay a session's stored messages through a fresh engine and store what it derives (the
    messages are read from the archive as the engine goes, never all held at once)."""
    spec = store.session_spec(session_id)
    engine = SessionEngine(spec, bot_handles=bot_handles)
    outcomes = (engine.ingest(m) for m in store.iter_session_messages(session_id))
    store.write_state(session_id, outcomes, engine)
    return engine
