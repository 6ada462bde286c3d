"""One hostile record never costs a file: it is skipped (or repaired) with a warning naming its
line, and every good record around it is imported, in every format, into a real archive too.

Hostile: lone surrogates, nesting 100k deep, numbers of 5,001 digits, a year-9999 time with an
offset, years 1 and 1800, wrong types, HTML and emoji (see ``tests/importers/hostile.py``).
"""

from __future__ import annotations

import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.core.model import Message
from chatbot.importers import ImportFailed, load
from chatbot.importers._common import MAX_COUNT, MAX_YEAR, MIN_YEAR
from chatbot.importing import import_files
from chatbot.store import Store
from tests.importers.hostile import DEEP, FORMATS, HUGE, LINE_FORMATS, Format, Raw, hostile_file

NAMES = sorted(FORMATS)
ALL = {**FORMATS, **LINE_FORMATS}


def storable(m: Message) -> None:
    """What the archive needs of a message: text it can write as UTF-8, a time it can shift."""
    for value in (
        m.id,
        m.platform,
        m.text,
        m.author.id,
        m.author.handle,
        m.author.name,
        m.channel,
        m.url or "",
    ):
        value.encode("utf-8")
    for value in (
        *m.mentions,
        *m.links,
        *(a.url + a.filename for a in m.attachments),
        *(r.emoji for r in m.reactions),
    ):
        value.encode("utf-8")
    assert m.ts.tzinfo is not None and MIN_YEAR <= m.ts.astimezone(UTC).year <= MAX_YEAR
    assert 0 <= m.likes <= MAX_COUNT


def case(fmt: Format) -> st.SearchStrategy[tuple[int, int, str, Any]]:
    """(good records, where the hostile one goes, its field, the hostile value)."""
    return st.integers(2, 6).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n), st.sampled_from(fmt.fields), fmt.values)
    )


def empty_page(fmt: Format, field: str, value: Any) -> bool:
    """An X API v2 page without data: a search that found nothing, not a bad record."""
    return fmt.name == "x-v2" and field == "data" and not isinstance(value, Raw) and not value


def check_loaded(
    fmt: Format, path: Path, markers: list[str], line: int, n: int, *, empty: bool = False
) -> None:
    result = load(path)
    assert result.format == fmt.name
    texts = [m.text for m in result.messages]
    for marker in markers:  # every good record is there
        assert any(marker in t for t in texts), (marker, result.warnings[:3])
    for m in result.messages:
        storable(m)
    if (
        fmt.records and len(result.messages) <= n and not empty
    ):  # the hostile one was left out: said so, with its line
        assert result.skipped >= 1, result.warnings
        assert any(w.startswith(f"{path}:{line}:") for w in result.warnings), (line, result.warnings)
    for w in result.warnings:
        assert "\n" not in w and len(w) < 400  # one line each, never a megabyte of record


@pytest.mark.parametrize("name", sorted(ALL))
def test_a_hostile_record_is_skipped_or_repaired_and_the_rest_imported(name: str) -> None:
    fmt = ALL[name]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case(fmt))
    def run(c: tuple[int, int, str, Any]) -> None:
        n, at, field, value = c
        with tempfile.TemporaryDirectory() as tmp:
            path, markers, line = hostile_file(Path(tmp), fmt, n, at, field, value)
            check_loaded(fmt, path, markers, line, n, empty=empty_page(fmt, field, value))

    run()


@pytest.mark.parametrize("name", sorted(ALL))
def test_hostile_records_go_into_a_real_archive_without_a_traceback(name: str) -> None:
    """Through ``import_files`` into SQLite: what was repaired can be written, what was skipped is
    counted in the report, and the good records are stored."""
    fmt = ALL[name]

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case(fmt))
    def run(c: tuple[int, int, str, Any]) -> None:
        n, at, field, value = c
        with tempfile.TemporaryDirectory() as tmp:
            path, markers, _ = hostile_file(Path(tmp), fmt, n, at, field, value)
            store = Store(Path(tmp) / "a.db")
            try:
                report = import_files(store, [path])
                ((_, _, read, new),) = report.files
                assert new == read >= n
                if fmt.records and not empty_page(fmt, field, value):
                    assert report.skipped[str(path)] >= (1 if read == n else 0)
                texts = [r[0] for r in store.db.execute("select text from messages")]
                for marker in markers:
                    assert any(marker in t for t in texts)
            finally:
                store.close()

    run()


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("jsonl", "text", "\ud800"),
        ("jsonl", "channel", "\udc00"),
        ("jsonl", "mentions", ["\ud800"]),
        ("jsonl", "extra", DEEP[2]),
        ("jsonl", "likes", HUGE[0]),
        ("jsonl", "ts", "9999-12-31T23:59:59-05:00"),
        ("x-v1", "created_at", "Fri Dec 31 23:59:59 -0500 9999"),
        ("dce-json", "content", DEEP[2]),
        ("dce-json", "reactions", HUGE[0]),
        ("dce-json", "timestamp", "9999-12-31T23:59:59-05:00"),
        ("dce-csv", "Reactions", "⬆ (" + "9" * 5_001 + ")"),
        ("tags-csv", "entities_str", "[" * 100_000 + "]" * 100_000),
    ],
)
def test_the_findings_of_issue_12(tmp_path: Path, name: str, field: str, value: Any) -> None:
    """The records that used to abort a whole file with a traceback, one by one."""
    fmt = FORMATS[name]
    path, markers, line = hostile_file(tmp_path, fmt, 3, 1, field, value)
    check_loaded(fmt, path, markers, line, 3)
    store = Store(tmp_path / "a.db")
    try:
        report = import_files(store, [path])
        assert report.files[0][3] >= 3
    finally:
        store.close()


def test_a_surrogate_is_repaired_to_the_replacement_character_with_a_warning(tmp_path: Path) -> None:
    fmt = FORMATS["jsonl"]
    path, _, line = hostile_file(tmp_path, fmt, 2, 1, "text", "bad \ud800 char")
    result = load(path)
    assert [m.text for m in result.messages if m.id == "m1"] == ["bad \ufffd char"]
    assert any(w.startswith(f"{path}:{line}:") and "U+FFFD" in w for w in result.warnings)
    assert result.skipped == 0


def test_a_meetbot_log_dated_year_9999_is_one_clear_line_or_skips_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "garden.9999-12-31-23.59.log.txt"
    path.write_text("23:59:00 <rosa> hello\n00:00:05 <tom> past midnight, past year 9999\n", encoding="utf-8")
    try:
        result = load(path)
    except ImportFailed as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e)
    else:
        assert result.skipped >= 1 and [m.text for m in result.messages] == ["hello"]


def test_a_file_that_is_not_the_format_at_all_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ImportFailed) as e:
        load(path)
    assert str(e.value).startswith(str(path)) and "\n" not in str(e.value)
