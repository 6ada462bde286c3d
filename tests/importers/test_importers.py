"""Importers: the public API, detection from content, and bad input (each case with its warning)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.importers import FORMATS, detect, load
from chatbot.importers.base import ImportFailed

NY = ZoneInfo("America/New_York")


def _line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _msg(i: int, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": f"k{i}",
        "platform": "web",
        "ts": f"2026-11-24T21:{i:02d}:00-05:00",
        "author": {"id": "u1", "handle": "@ann", "name": "Ann"},
        "text": f"message {i}",
    }
    rec.update(over)
    return rec


# --- detection from content ------------------------------------------------------------------

DETECTED = {
    "ours.jsonl": "jsonl",
    "x_v2_page.json": "x-v2",
    "twarc2.jsonl": "x-v2",
    "x_v1.jsonl": "x-v1",
    "dce.json": "dce-json",
    "dce.csv": "dce-csv",
    "dce_plain.txt": "dce-txt",
    "archiver.csv": "tags-csv",
    "tags_classic.csv": "tags-csv",
    "garden_meeting.log.txt": "meetbot",
    "transcript.md": "md-transcript",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(DETECTED.items()))
def test_detect_each_format(imp: Path, name: str, fmt: str) -> None:
    assert detect(imp / name) == fmt
    assert fmt in FORMATS


@pytest.mark.parametrize(("name", "fmt"), sorted(DETECTED.items()))
def test_detection_ignores_the_extension(imp: Path, tmp_path: Path, name: str, fmt: str) -> None:
    misnamed = tmp_path / "chat.dat"
    shutil.copy(imp / name, misnamed)
    assert detect(misnamed) == fmt
    assert load(misnamed).format == fmt


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("dce_dark.html", "DiscordChatExporter HTML export: export as JSON, CSV or plain text and import"),
        ("minutes.txt", "MeetBot minutes: import the .log.txt raw log instead"),
        ("minutes.html", "MeetBot minutes (HTML): import the .log.txt raw log instead"),
        ("meetbot_log.html", "MeetBot HTML log: import the .log.txt raw log instead"),
        ("tchat.txt", "tchat.io text copy"),
    ],
)
def test_refused_formats_say_what_to_import_instead(imp: Path, name: str, says: str) -> None:
    for call in (detect, load):
        with pytest.raises(ImportFailed) as err:
            call(imp / name)
        assert str(err.value).startswith(f"{imp / name}: ")
        assert says in str(err.value)
        assert "\n" not in str(err.value)


def test_unknown_format_names_the_file_and_hints(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("Shopping list\n- eggs\n- milk\n")
    with pytest.raises(ImportFailed, match=r"notes\.txt: unknown format: expected .*MeetBot") as err:
        detect(f)
    assert "Shopping list" in str(err.value)


def test_unknown_json_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "config.json"
    f.write_text('{"name": "not a chat", "version": 3}\n')
    with pytest.raises(ImportFailed, match="unknown format: JSON, but not"):
        load(f)


@pytest.mark.parametrize("content", [b"", b"   \n\n  \t\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "empty.jsonl"
    f.write_bytes(content)
    for call in (detect, load):
        with pytest.raises(ImportFailed, match=r"empty\.jsonl: empty file$"):
            call(f)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="cannot read"):
        load(tmp_path / "nope.jsonl")


# --- bad input -------------------------------------------------------------------------------


def test_broken_line_in_the_middle_keeps_every_valid_line(imp: Path) -> None:
    r = load(imp / "ours_bad.jsonl", tz=NY)
    path = imp / "ours_bad.jsonl"
    assert {m.id for m in r.messages} == {"b1", "b4", "b5", "b6", "b7"}
    assert any(w.startswith(f"{path}:2: not valid JSON (") and w.endswith("; skipped") for w in r.warnings)


def test_message_without_author_is_skipped_with_its_line(imp: Path) -> None:
    r = load(imp / "ours_bad.jsonl", tz=NY)
    assert f"{imp / 'ours_bad.jsonl'}:3: message b3 has no author; skipped" in r.warnings
    assert "b3" not in {m.id for m in r.messages}


def test_timestamp_without_offset_uses_the_zone_and_warns_once(imp: Path) -> None:
    r = load(imp / "ours_bad.jsonl", tz=NY)
    naive = [w for w in r.warnings if "no UTC offset" in w]
    assert len(naive) == 1 and naive[0].startswith(f"{imp / 'ours_bad.jsonl'}:4: ")
    assert "America/New_York" in naive[0]
    b4 = next(m for m in r.messages if m.id == "b4")
    assert b4.ts.isoformat() == "2026-11-24T21:03:00-05:00"
    assert r.assumed_timezone == NY


def test_timestamp_without_offset_and_no_zone_assumes_utc(imp: Path) -> None:
    r = load(imp / "ours_bad.jsonl")
    assert any(":4: " in w and "read them as UTC" in w for w in r.warnings)
    assert next(m for m in r.messages if m.id == "b4").ts.isoformat() == "2026-11-24T21:03:00+00:00"
    assert str(r.assumed_timezone) == "UTC"


def test_duplicate_id_keeps_the_first(imp: Path) -> None:
    r = load(imp / "ours_bad.jsonl", tz=NY)
    dup = f"{imp / 'ours_bad.jsonl'}:7: duplicate message id b1 (first at line 1); kept the first"
    assert dup in r.warnings
    assert next(m for m in r.messages if m.id == "b1").text == "hello"


def test_nul_characters_are_stripped(imp: Path, tmp_path: Path) -> None:
    r = load(imp / "ours_bad.jsonl", tz=NY)
    assert next(m for m in r.messages if m.id == "b6").text == "nulinhere"
    assert f"{imp / 'ours_bad.jsonl'}:6: message b6: NUL characters in its text; removed" in r.warnings
    raw = tmp_path / "raw_nul.jsonl"
    second = _line(_msg(2, text="a\x00b")).encode().replace(b"\\u0000", b"\x00")
    raw.write_bytes(_line(_msg(1)).encode() + second)
    r = load(raw)
    assert [m.text for m in r.messages] == ["message 1", "ab"]
    assert r.warnings == [f"{raw}:2: NUL bytes in the file; removed"]


def test_ten_megabytes_of_text_is_capped_and_kept(tmp_path: Path) -> None:
    f = tmp_path / "huge.jsonl"
    f.write_text(_line(_msg(1)) + _line(_msg(2, text="x" * 10_000_000)) + _line(_msg(3)))
    r = load(f)
    assert [len(m.text) for m in r.messages] == [9, 100_000, 9]
    assert r.warnings == [f"{f}:2: message k2: text of 10,000,000 characters; truncated to 100,000"]


def test_undecodable_bytes_are_replaced(tmp_path: Path) -> None:
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(_line(_msg(1)).encode() + _line(_msg(2, text="caf\xe9")).encode("latin-1"))
    r = load(f)
    assert [m.text for m in r.messages] == ["message 1", "caf\ufffd"]
    assert len(r.warnings) == 1
    assert r.warnings[0].startswith(f"{f}:2: bytes that are not UTF-8")
    assert r.warnings[0].endswith("decoded with replacement characters (U+FFFD)")


def test_entirely_invalid_json_lines_fail_with_one_line(tmp_path: Path) -> None:
    f = tmp_path / "garbage.jsonl"
    f.write_text('{"id": "1", "platform": "x", "ts": \n{"id": "2", "platform": \n{{{\n')
    with pytest.raises(ImportFailed) as err:
        load(f)
    message = str(err.value)
    assert message.startswith(f"{f}:") and "not valid JSON" in message and "\n" not in message


def test_file_whose_every_record_is_bad_fails_with_one_line(tmp_path: Path) -> None:
    f = tmp_path / "authorless.jsonl"
    f.write_text("".join(_line(_msg(i, author=None)) for i in range(3)))
    with pytest.raises(ImportFailed) as err:
        load(f)
    assert str(err.value) == (
        f"{f}: nothing could be imported (3 problems, first at line 1: message k0 has no author; skipped)"
    )


def test_not_json_at_all_but_looks_like_it(tmp_path: Path) -> None:
    f = tmp_path / "braces.txt"
    f.write_text("{this is not json}\n{neither is this}\n")
    with pytest.raises(ImportFailed, match=r"braces\.txt: not valid JSON .*no known JSON format"):
        load(f)


def test_truncated_dce_json_keeps_the_messages_before_the_cut(imp: Path, tmp_path: Path) -> None:
    text = (imp / "dce.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"Mist it daily."')])
    r = load(cut)
    assert [m.id for m in r.messages] == ["8001", "8003"]
    assert len(r.warnings) == 1 and "the rest of the file was skipped (truncated?)" in r.warnings[0]


def test_damaged_dce_message_is_skipped_and_reading_resumes(imp: Path, tmp_path: Path) -> None:
    text = (imp / "dce.json").read_text()
    text = text.replace('"content": "Mist it daily."', '"content": "Mist it daily." oops')
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    r = load(bad)
    assert [m.id for m in r.messages] == ["8001", "8003", "8006"]
    assert any("skipped to the next message at line" in w for w in r.warnings)


def test_truncated_x_v2_document_fails_with_one_line(imp: Path, tmp_path: Path) -> None:
    text = (imp / "x_v2_page.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(ImportFailed) as err:
        load(cut)
    assert str(err.value).startswith(f"{cut}:") and "not valid JSON" in str(err.value)
    assert "\n" not in str(err.value)


def test_crlf_line_endings(imp: Path, tmp_path: Path) -> None:
    names = ("ours.jsonl", "dce.csv", "archiver.csv", "garden_meeting.log.txt", "transcript.md", "tchat.txt")
    for name in names:
        f = tmp_path / name
        f.write_bytes((imp / name).read_bytes().replace(b"\n", b"\r\n"))
        if name == "tchat.txt":
            with pytest.raises(ImportFailed, match=r"tchat\.io"):
                load(f)
            continue
        assert [m.id for m in load(f).messages] == [m.id for m in load(imp / name).messages], name


def test_odd_record_shapes_are_warnings_not_crashes(tmp_path: Path) -> None:
    ok = {"id": "1", "author_id": "11", "created_at": "2026-03-05T19:00:00Z", "text": "ok"}
    odd = {
        "id": "2",
        "author_id": "11",
        "created_at": "2026-03-05T19:01:00Z",
        "text": "odd",
        "entities": {"mentions": ["@not-an-object"]},
    }
    f = tmp_path / "odd.json"
    f.write_text(json.dumps({"data": [ok, odd], "includes": {"users": [{"id": "11", "username": "a"}]}}))
    r = load(f)
    assert [m.id for m in r.messages] == ["1"]
    assert r.warnings == [
        f"{f}:1: record not understood (AttributeError: 'str' object has no attribute 'get'); skipped"
    ]


def test_csv_row_without_author_is_skipped(imp: Path) -> None:
    r = load(imp / "dce.csv", tz=ZoneInfo("UTC"))
    assert r.warnings == [f"{imp / 'dce.csv'}:8: row without an author; skipped"]


def test_reloading_gives_identical_ids(imp: Path) -> None:
    for name in DETECTED:
        first, again = load(imp / name), load(imp / name)
        assert [m.id for m in first.messages] == [m.id for m in again.messages], name
        assert len({m.id for m in first.messages}) == len(first.messages), name


def test_every_message_is_normalized(imp: Path) -> None:
    for name in DETECTED:
        for m in load(imp / name).messages:
            assert m.ts.utcoffset() is not None
            assert isinstance(m.id, str) and isinstance(m.author.id, str)
            assert m.reply_to is None or isinstance(m.reply_to, str)
            assert all(u.startswith(("http://", "https://")) for u in m.links)
        ts = [m.ts for m in load(imp / name).messages]
        assert ts == sorted(ts), name
