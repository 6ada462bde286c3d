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
from chatbot.core.model import Message, SessionSpec
from chatbot.core.sessions import Guess, infer_sessions, slug_for
from chatbot.importers import load
from chatbot.importers.base import ImportResult
from chatbot.store import Store, uid_of

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
    """Import every file; a file that cannot be read at all raises ImportFailed before anything
    of it is stored, and nothing stored before is touched."""
    zone = tz or (config.timezone if config else None)
    report = ImportReport()
    loaded: list[tuple[Path, ImportResult]] = []
    for path in paths:
        result = load(path, tz=zone)
        for w in result.warnings:
            warn(w)
        report.warnings.extend(result.warnings)
        loaded.append((path, result))
    for path, result in loaded:
        new = store.add_messages(result.messages, source=str(path))
        store.record_import(sha256_of(path), str(path), result.format, len(result.messages))
        report.files.append((str(path), result.format, len(result.messages), new))
    if config and config.sessions:
        everything = [m for _, r in loaded for m in r.messages]
        for sc in config.sessions:
            _store_session(store, sc.spec, _in_window(everything, sc.spec), status="imported", report=report)
        return report
    for group in _groups(loaded):
        messages = [m for _, r in group for m in r.messages]
        hints = group[0][1].hints
        guess = Guess(hints.hashtag, hints.title, hints.hosts, hints.style, hints.channel)
        assumed = group[0][1].assumed_timezone
        zone_used = zone or (assumed if isinstance(assumed, ZoneInfo) else None) or zone_of_offsets(messages)
        found, stray = infer_sessions(messages, zone_used, guess)
        report.unassigned += len(stray)
        for inferred in found:
            _store_session(store, inferred.spec, inferred.messages, status="imported", report=report)
    return report


def zone_of_offsets(messages: Sequence[Message]) -> ZoneInfo:
    """The zone a file's own offsets imply when nobody named one: ``-05:00`` everywhere reads as
    ``Etc/GMT+5`` (POSIX sign), so times show as the chat's participants saw them."""
    offsets = Counter(m.ts.utcoffset() for m in messages)
    if not offsets:
        return ZoneInfo("UTC")
    offset = offsets.most_common(1)[0][0] or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest or hours == 0 or not -12 <= hours <= 14:
        return ZoneInfo("UTC")
    return ZoneInfo(f"Etc/GMT{-hours:+d}")


def _groups(loaded: list[tuple[Path, ImportResult]]) -> list[list[tuple[Path, ImportResult]]]:
    """Files describing the same chat (same format and hints) are read as one; others apart."""
    groups: dict[tuple[object, ...], list[tuple[Path, ImportResult]]] = {}
    for path, result in loaded:
        h = result.hints
        key = (result.format, h.hashtag, h.channel, h.style) if h.style != "meeting" else (str(path),)
        groups.setdefault(key, []).append((path, result))
    return list(groups.values())


def _in_window(messages: list[Message], spec: SessionSpec) -> list[Message]:
    start = spec.start
    end = start + timedelta(minutes=spec.duration_minutes)
    return [m for m in messages if start - BEFORE <= m.ts <= end + AFTER]


def _store_session(
    store: Store,
    spec: SessionSpec,
    messages: list[Message],
    *,
    status: str,
    report: ImportReport,
) -> None:
    store.save_session(
        spec, slug=slug_for(spec), status=status, ended_at=max((m.ts for m in messages), default=None)
    )
    store.assign_session([uid_of(m) for m in messages], spec.id)
    rebuild(store, spec.id)
    report.sessions.append(spec.id)


def rebuild(store: Store, session_id: str, *, bot_handles: tuple[str, ...] = ()) -> SessionEngine:
    """Replay a session's stored messages through a fresh engine and store what it derives."""
    spec = store.session_spec(session_id)
    engine = SessionEngine(spec, bot_handles=bot_handles)
    outcomes = [engine.ingest(m) for m in store.session_messages(session_id)]
    store.write_state(session_id, outcomes, engine)
    return engine
