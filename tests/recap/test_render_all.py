"""Writing an archive: files per session, skipping unchanged ones, index, search and feed."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from chatbot.recap.feed import read_search_index
from chatbot.recap.html import MANIFEST, render_all, write_session
from tests.recap.dom import parse, text_of


def test_write_session_writes_three_files_atomically(export: dict[str, Any], tmp_path: Path) -> None:
    paths = write_session(export, tmp_path)
    assert [p.name for p in paths] == [f"2026-11-24-localgovchat.{ext}" for ext in ("html", "json", "md")]
    assert json.loads(paths[1].read_text(encoding="utf-8")) == export
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths), "no temp files left"
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o644
    with pytest.raises(ValueError, match="pdf"):
        write_session(export, tmp_path, formats=("html", "pdf"))


def test_render_all_skips_unchanged_and_force_rewrites(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    first = render_all([export, later_export], tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert first.written == ["2026-11-24-localgovchat", "2026-12-01-localgovchat"] and first.skipped == []
    assert calls == [(1, 2), (2, 2)]
    names = {p.name for p in tmp_path.iterdir()}
    assert {"index.html", "search-index.js", "feed.xml", MANIFEST} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert set(manifest["sessions"]) == set(first.written)
    assert all(len(m["sha256"]) == 64 for m in manifest["sessions"].values())

    again = render_all(iter([export, later_export]), tmp_path)
    assert again.written == [] and again.skipped == first.written

    changed = copy.deepcopy(export)
    changed["messages"][1]["text"] += " (edited)"
    third = render_all([changed, later_export], tmp_path)
    assert third.written == ["2026-11-24-localgovchat"] and third.skipped == ["2026-12-01-localgovchat"]
    assert "(edited)" in (tmp_path / "2026-11-24-localgovchat.html").read_text(encoding="utf-8")

    (tmp_path / "2026-12-01-localgovchat.md").unlink()
    assert render_all([changed, later_export], tmp_path).written == ["2026-12-01-localgovchat"]
    assert render_all([changed, later_export], tmp_path, force=True).written == first.written
    assert "rendered" in str(third)


def test_index_lists_newest_first_and_keeps_earlier_recaps(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export], tmp_path)
    report = render_all([later_export], tmp_path)
    assert report.written == ["2026-12-01-localgovchat"]
    page = parse((tmp_path / "index.html").read_text(encoding="utf-8"))
    items = [li for li in page.iter("li") if li.get("data-slug")]
    assert [li.get("data-slug") for li in items] == ["2026-12-01-localgovchat", "2026-11-24-localgovchat"]
    assert [a.get("href") for a in items[0].iter("a")] == ["2026-12-01-localgovchat.html"]
    assert "39 messages · 6 participants · 3 prompts · 4 questions" in text_of(items[1])
    assert "Tuesday 24 November 2026" in text_of(items[1])
    form = page.find(".//form")
    assert form.get("action") == "/search" and form.find(".//input").get("name") == "q"
    slugs = {r["slug"] for r in read_search_index(tmp_path)}
    assert slugs == {"2026-11-24-localgovchat", "2026-12-01-localgovchat"}
    expected = sum(1 for m in export["messages"] if not m["removed"])
    assert sum(1 for r in read_search_index(tmp_path) if r["slug"] == "2026-11-24-localgovchat") == expected


def test_only_renders_the_selected_sessions(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    report = render_all([export, later_export], tmp_path, only={"2026-12-01-localgovchat"})
    assert report.written == ["2026-12-01-localgovchat"] and report.skipped == ["2026-11-24-localgovchat"]
    assert not (tmp_path / "2026-11-24-localgovchat.html").exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "2026-11-24-localgovchat.html" not in index, "a recap without a page is not listed"
    assert render_all([export, later_export], tmp_path).written == ["2026-11-24-localgovchat"]


def test_deleted_pages_leave_the_index(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export, later_export], tmp_path)
    (tmp_path / "2026-11-24-localgovchat.html").unlink()
    render_all([later_export], tmp_path)
    assert "2026-11-24-localgovchat" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "2026-11-24-localgovchat" not in json.loads((tmp_path / MANIFEST).read_text())["sessions"]


def test_formats_on_disk_are_kept_in_step(export: dict[str, Any], tmp_path: Path) -> None:
    assert render_all([export], tmp_path, formats=("json",)).written == ["2026-11-24-localgovchat"]
    assert not (tmp_path / "2026-11-24-localgovchat.html").exists()
    assert render_all([export], tmp_path, formats=("html",)).written == ["2026-11-24-localgovchat"]
    page = (tmp_path / "2026-11-24-localgovchat.html").read_text(encoding="utf-8")
    assert 'href="2026-11-24-localgovchat.json"' in page and "localgovchat.md" not in page
    assert render_all([export], tmp_path, formats=("html",)).skipped == ["2026-11-24-localgovchat"]
    export["session"]["title"] = "Renamed"
    render_all([export], tmp_path, formats=("html",))
    saved = json.loads((tmp_path / "2026-11-24-localgovchat.json").read_text(encoding="utf-8"))
    assert saved["session"]["title"] == "Renamed", "the JSON beside the page is never stale"
    with pytest.raises(ValueError, match="pdf"):
        render_all([export], tmp_path, formats=("pdf",))


def test_rendering_one_recap_rewrites_only_its_own_files(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export, later_export], tmp_path)
    earlier = [tmp_path / "2026-11-24-localgovchat.html", tmp_path / "search" / "2026-11-24-localgovchat.js"]
    before = [p.stat().st_mtime_ns for p in earlier]
    changed = copy.deepcopy(later_export)
    changed["messages"][0]["text"] += " receipt-of-the-week"
    report = render_all([changed], tmp_path)  # the earlier recap is not even built
    assert report.written == ["2026-12-01-localgovchat"]
    assert [p.stat().st_mtime_ns for p in earlier] == before
    records = read_search_index(tmp_path)
    assert {r["slug"] for r in records} == {"2026-11-24-localgovchat", "2026-12-01-localgovchat"}
    assert any("receipt-of-the-week" in str(r["text"]) for r in records)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "2026-11-24-localgovchat.html" in index and "2026-12-01-localgovchat.html" in index


def test_a_one_file_search_index_of_an_earlier_version_is_split(
    export: dict[str, Any], later_export: dict[str, Any], tmp_path: Path
) -> None:
    render_all([export, later_export], tmp_path)
    records = read_search_index(tmp_path)
    for shard in (tmp_path / "search").iterdir():
        shard.unlink()
    (tmp_path / "search-index.js").write_text(f"window.CHATBOT_SEARCH = {json.dumps(records)};\n")
    render_all([later_export], tmp_path)
    key = lambda r: (r["slug"], r["id"])  # noqa: E731
    assert sorted(read_search_index(tmp_path), key=key) == sorted(records, key=key)
    assert (tmp_path / "search" / "2026-11-24-localgovchat.js").is_file()
