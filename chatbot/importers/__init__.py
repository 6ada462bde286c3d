"""Recorded chats in, normalized messages out.

``load(path, tz=...)`` detects the format from the file's content (never its extension), reads
it and returns an ImportResult: messages sorted by time (ties keep file order), timezone-aware,
platform ids as strings, a warning ``PATH:LINE: problem; what was done`` for every record that
was repaired or skipped. It raises ImportFailed (one line) only when the file as a whole cannot
be imported: unreadable, empty, an unknown or refused format, or nothing valid in it.

Formats: "jsonl" (ours), "x-v2", "x-v1", "dce-json", "dce-csv", "tags-csv", "meetbot",
"md-transcript".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from chatbot.importers import dce_csv, dce_json, jsonl, md_transcript, meetbot, tags_csv, xv1, xv2
from chatbot.importers._common import Collector, read_text
from chatbot.importers.base import Hints, ImportFailed, ImportResult
from chatbot.importers.detect import detect_text

__all__ = ["FORMATS", "Hints", "ImportFailed", "ImportResult", "detect", "load"]

FORMATS: dict[str, Callable[[str, Collector], None]] = {
    "jsonl": jsonl.parse,
    "x-v2": xv2.parse,
    "x-v1": xv1.parse,
    "dce-json": dce_json.parse,
    "dce-csv": dce_csv.parse,
    "tags-csv": tags_csv.parse,
    "meetbot": meetbot.parse,
    "md-transcript": md_transcript.parse,
}


def detect(path: Path) -> str:
    """The format of the recorded chat in ``path``; ImportFailed with a hint when it is none we import."""
    path = Path(path)
    text, _ = read_text(path)
    return detect_text(text, path)


def load(path: Path, *, tz: tzinfo | None = None) -> ImportResult:
    """Every message of the recorded chat in ``path``.

    ``tz`` is the chat's zone, applied to local times that carry no offset; without it such times
    are read as UTC, with a warning, and ``assumed_timezone`` says which zone was used.
    """
    path = Path(path)
    text, warnings = read_text(path)
    fmt = detect_text(text, path)
    c = Collector(path, fmt, tz, warnings)
    FORMATS[fmt](text, c)
    result = c.result
    if not result.messages and result.warnings:
        first = result.warnings[0].removeprefix(str(path)).lstrip(":")
        where, sep, problem = first.partition(": ")
        first = f"line {where}: {problem}" if sep and where.isdigit() else first.lstrip(" ")
        n = len(result.warnings)
        problems = f"{n} problem{'s' * (n != 1)}"
        raise ImportFailed(f"{path}: nothing could be imported ({problems}, first at {first})")
    result.messages.sort(key=lambda m: m.ts)
    return result
