"""Recorded chats in, normalized messages out.

``load(path, tz=...)`` detects the format from the file's content (never its extension), reads
it and returns an ImportResult: messages sorted by time (ties keep file order), timezone-aware,
platform ids as strings, a warning ``PATH:LINE: problem; what was done`` for every record that
was repaired or skipped. It raises ImportFailed (one line) only when the file as a whole cannot
be imported: unreadable, empty, an unknown or refused format, or nothing valid in it.

Formats: "jsonl" (ours), "x-v2", "x-v1", "dce-json", "dce-csv", "dce-txt", "tags-csv", "meetbot",
"md-transcript".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from chatbot.importers import (
    dce_csv,
    dce_json,
    dce_txt,
    jsonl,
    md_transcript,
    meetbot,
    tags_csv,
    xv1,
    xv2,
)
from chatbot.importers._common import (
    RECORD_ERRORS,
    Collector,
    TextLines,
    loads,
    read_text,
    well_formed_hints,
    why,
)
from chatbot.importers.base import Hints, ImportFailed, ImportResult, Sink
from chatbot.importers.detect import classify_json, detect_text

__all__ = ["FORMATS", "Hints", "ImportFailed", "ImportResult", "Sink", "detect", "load", "stream"]

FORMATS: dict[str, Callable[[str, Collector], None]] = {
    "jsonl": jsonl.parse,
    "x-v2": xv2.parse,
    "x-v1": xv1.parse,
    "dce-json": dce_json.parse,
    "dce-csv": dce_csv.parse,
    "dce-txt": dce_txt.parse,
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
    _parse(fmt, text, c)
    result = c.result
    if not result.messages and result.warnings:
        raise ImportFailed(_nothing_imported(path, result.warnings))
    result.messages.sort(key=lambda m: m.ts)
    return result


def _parse(fmt: str, text: str | TextLines, c: Collector) -> None:
    """Read the file as ``fmt`` into ``c``. Each importer skips a bad record with a warning; what
    still escapes it (a file whose whole shape is wrong) is ImportFailed, one line, never a traceback."""
    try:
        if isinstance(text, TextLines):
            jsonl.parse_lines(text, c)
        else:
            FORMATS[fmt](text, c)
    except RECORD_ERRORS as e:
        raise ImportFailed(f"{c.path}: cannot be read as {fmt} ({why(e)}); nothing imported") from None
    well_formed_hints(c.result.hints)


def _nothing_imported(path: Path, warnings: list[str]) -> str:
    first = warnings[0].removeprefix(str(path)).lstrip(":")
    where, sep, problem = first.partition(": ")
    first = f"line {where}: {problem}" if sep and where.isdigit() else first.lstrip(" ")
    n = len(warnings)
    problems = f"{n} problem{'s' * (n != 1)}"
    return f"{path}: nothing could be imported ({problems}, first at {first})"


def stream(path: Path, *, tz: tzinfo | None = None, sink: Sink, batch: int = 5000) -> ImportResult:
    """``load``, handing the messages to ``sink`` a batch at a time instead of keeping them: a JSON
    Lines file is read a line at a time (a million messages in flat memory), any other format
    whole. The result keeps no messages; ``read`` says how many there were."""
    path = Path(path)
    lines = TextLines(path)
    try:
        if lines.usable and _is_json_lines(lines):
            c = Collector(path, "jsonl", tz, sink=sink, batch=batch)
            _parse("jsonl", lines, c)
            c.flush()
            c.result.warnings[:0] = lines.warnings
            result = c.result
            result.sha256 = lines.digest.hexdigest()
            if not result.read and result.warnings:
                raise ImportFailed(_nothing_imported(path, result.warnings))
            return result
    finally:
        lines.close()
    result = load(path, tz=tz)
    for start in range(0, len(result.messages), batch):
        sink([(None, m) for m in result.messages[start : start + batch]])
    result.messages = []
    return result


def _is_json_lines(lines: TextLines) -> bool:
    """Whether the file's first line that is not blank is a record of our JSON Lines (then each
    line is one: a JSON document spread over lines does not start with a whole record)."""
    first = lines.first()
    try:
        return bool(first) and classify_json(loads(first)) == "jsonl"
    except ValueError:
        return False
