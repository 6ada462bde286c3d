"""Streamed reading (what ``chatbot import`` does): the same messages and warnings as ``load``,
a batch at a time into the archive, whatever the batch size, duplicates told apart by the store."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.model import Message
from chatbot.importers import ImportFailed, load, stream
from chatbot.store import Store, message_from_row

NY = ZoneInfo("America/New_York")
FILES = [
    "ours.jsonl",
    "ours_bad.jsonl",
    "twarc2.jsonl",
    "x_v1.jsonl",
    "x_v2_page.json",
    "dce.json",
    "dce.csv",
    "tags_classic.csv",
    "archiver.csv",
    "garden_meeting.log.txt",
    "transcript.md",
]


def streamed(path: Path, *, batch: int, tz: ZoneInfo | None = NY) -> tuple[list[Message], list[str], int]:
    """Stream ``path`` into a fresh archive; its messages as stored, the warnings, how many read."""
    store = Store(":memory:")
    seq = itertools.count()
    with store.bulk_import() as bulk:
        result = stream(
            path,
            tz=tz,
            sink=lambda b: bulk.put(0, [(next(seq), line, m) for line, m in b], source="t"),
            batch=batch,
        )
    rows = store.db.query("select * from messages order by rowid")
    return [message_from_row(r) for r in rows], result.warnings, result.read


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("batch", [2, 5000])
def test_streaming_stores_what_load_reads(imp: Path, name: str, batch: int) -> None:
    loaded = load(imp / name, tz=NY)
    messages, warnings, read = streamed(imp / name, batch=batch)
    key = lambda m: (m.ts, m.id)  # noqa: E731
    assert sorted(messages, key=key) == sorted(loaded.messages, key=key)
    assert sorted(warnings) == sorted(loaded.warnings)
    assert read == len(loaded.messages)


def test_a_duplicate_id_in_a_later_batch_keeps_the_first(imp: Path) -> None:
    messages, warnings, _ = streamed(imp / "ours_bad.jsonl", batch=1)
    assert next(m for m in messages if m.id == "b1").text == "hello"
    assert (
        f"{imp / 'ours_bad.jsonl'}:7: duplicate message id b1 (first at line 1); kept the first" in warnings
    )


def test_bad_bytes_and_nuls_are_warned_once_with_their_line(tmp_path: Path) -> None:
    f = tmp_path / "raw.jsonl"
    record = {"id": "1", "platform": "x", "ts": "2026-11-24T21:00:00-05:00", "author": "@a", "text": "ok"}
    lines = [json.dumps({**record, "id": str(i)}).encode() for i in range(4)]
    lines[1] = lines[1].replace(b'"ok"', b'"caf\xe9"')
    lines[2] = lines[2].replace(b'"ok"', b'"a\x00b"')
    lines[3] = lines[3].replace(b'"ok"', b'"\xff\x00"')
    f.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    messages, warnings, _ = streamed(f, batch=2)
    assert warnings == load(f).warnings
    assert [w.split(": ", 1)[0] for w in warnings] == [f"{f}:2", f"{f}:3"]
    assert "bytes that are not UTF-8" in warnings[0] and "NUL bytes in the file; removed" in warnings[1]
    assert [m.text for m in messages] == ["ok", "caf\ufffd", "ab", "\ufffd"]


def test_a_file_with_nothing_valid_fails_whole(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    record = {"id": "1", "platform": "x", "ts": "not a time", "author": "@a", "text": "ok"}
    f.write_text(json.dumps(record) + "\n" + json.dumps({**record, "id": "2"}) + "\n")
    with pytest.raises(ImportFailed, match="nothing could be imported"):
        streamed(f, batch=1)
