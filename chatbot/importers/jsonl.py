"""Our own JSON Lines: one normalized message per line (see DESIGN.md, "Recorded chat formats").

Beyond the fields DESIGN.md lists, a record may carry what the archive keeps of a message:
``attachments`` (``filename, url, size, content_type``), ``reactions`` (``emoji, count``),
``edited_at``, and ``author.is_bot``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chatbot.core.model import Attachment, Author, Reaction
from chatbot.importers._common import (
    Collector,
    as_int,
    attachment,
    id_str,
    links_in,
    loads,
    optional_time,
    reaction,
    shown,
    unique,
    x_mentions_in,
)
from chatbot.importers.base import ImportFailed


def json_units(text: str, c: Collector) -> list[tuple[int | None, Any]]:
    """The values of a JSON document (one unit) or of JSON Lines (one per line, bad lines warned).

    ImportFailed when nothing in the file parses at all.
    """
    body = text.strip()
    try:
        doc = loads(body)
    except json.JSONDecodeError as e:
        doc_error = e
    except ValueError as e:  # nested too deeply, a number of more digits than Python reads
        doc_error = json.JSONDecodeError(str(e), body, 0)
    else:
        return [(1 if "\n" not in body else None, doc)]
    parsed: list[tuple[int | None, Any]] = []
    broken: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                parsed.append((number, loads(line)))
            except ValueError as e:
                broken.append((number, str(e)))
    if not parsed:
        where, err = f"{c.path}:{doc_error.lineno}", f"{doc_error.msg}, column {doc_error.colno}"
        raise ImportFailed(f"{where}: not valid JSON ({err}); nothing imported")
    for number, problem in broken:
        c.skip(number, f"not valid JSON ({problem}); skipped")
    return parsed


def _author(raw: object) -> Author | None:
    if isinstance(raw, str) and raw.strip():
        return Author(id=raw.strip(), handle=raw.strip())
    if not isinstance(raw, dict):
        return None
    handle = id_str(raw.get("handle")) or id_str(raw.get("name"))
    author_id = id_str(raw.get("id")) or handle
    if not author_id:
        return None
    return Author(
        id=author_id,
        handle=handle or author_id,
        name=str(raw.get("name") or ""),
        is_bot=bool(raw.get("is_bot", False)),
    )


def _mentions(record: dict[str, Any], platform: str, text: str) -> tuple[str, ...]:
    given = record.get("mentions")
    if isinstance(given, list):
        return unique(str(m) for m in given)
    found = x_mentions_in(text)
    if platform in ("discord", "irc"):
        found = [m[1:] for m in found]
    return unique(found)


def parse(text: str, c: Collector) -> None:
    """Read every line; a bad record is skipped with a warning, never fatal."""
    for line, unit in json_units(text, c):
        for record in unit if isinstance(unit, list) else [unit]:
            c.guard(line, _record, line, record, c)


def parse_lines(lines: Iterable[tuple[int, str]], c: Collector) -> None:
    """``parse`` for a file read a line at a time (each line one unit: a record or a list)."""
    broken: list[tuple[int, str]] = []
    for number, line in lines:
        if not line.strip():
            continue
        try:
            unit = loads(line)
        except ValueError as e:
            broken.append((number, str(e)))
            continue
        for record in unit if isinstance(unit, list) else [unit]:
            c.guard(number, _record, number, record, c)
    for number, problem in broken:
        c.skip(number, f"not valid JSON ({problem}); skipped")


def _record(line: int | None, record: object, c: Collector) -> None:
    """One message record; a bad one is skipped with a warning."""
    if not isinstance(record, dict):
        c.skip(line, "not a JSON object; skipped")
        return
    msg_id = id_str(record.get("id"))
    if not msg_id:
        c.skip(line, "message without an id; skipped")
        return
    platform = id_str(record.get("platform"))
    if not platform:
        c.skip(line, f"message {msg_id} has no platform; skipped")
        return
    author = _author(record.get("author"))
    if author is None:
        c.skip(line, f"message {msg_id} has no author; skipped")
        return
    raw_ts = record.get("ts")
    try:
        ts = datetime.fromisoformat(str(raw_ts).strip())
    except ValueError:
        c.skip(line, f"message {msg_id}: timestamp {shown(raw_ts)} is not ISO 8601; skipped")
        return
    ts = c.localize(ts, line, tell=True)
    body = record.get("text")
    body = "" if body is None else str(body)
    links = record.get("links")
    c.add(
        line,
        id=msg_id,
        platform=platform,
        ts=ts,
        author=author,
        text=body,
        reply_to=id_str(record.get("reply_to")),
        quote_of=id_str(record.get("quote_of")),
        is_repost=bool(record.get("is_repost", False)),
        likes=as_int(record.get("likes")),
        url=id_str(record.get("url")),
        channel=str(record.get("channel") or ""),
        is_action=bool(record.get("is_action", False)),
        mentions=_mentions(record, platform, body),
        links=unique(str(u) for u in links) if isinstance(links, list) else unique(links_in(body)),
        attachments=_attachments(record.get("attachments")),
        reactions=_reactions(record.get("reactions")),
        edited_at=optional_time(c, record.get("edited_at"), line, f"message {msg_id}: edited_at"),
    )


def _attachments(items: object) -> tuple[Attachment, ...]:
    return tuple(
        attachment(a.get("url"), a.get("filename"), a.get("size"), a.get("content_type"))
        for a in (items if isinstance(items, list) else [])
        if isinstance(a, dict) and (a.get("filename") or a.get("url"))
    )


def _reactions(items: object) -> tuple[Reaction, ...]:
    given = [r for r in items if isinstance(r, dict)] if isinstance(items, list) else []
    return tuple(r for x in given if (r := reaction(str(x.get("emoji") or ""), x.get("count", 1))))
