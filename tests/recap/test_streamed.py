"""A recap read from the archive as it is written (``recap_of``, what ``chatbot recap`` renders)
gives the same files as the export built whole, deletions, corrections and removals included."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from chatbot.core.model import Reaction
from chatbot.recap.export import build_export, recap_of
from chatbot.recap.html import render_all
from tests.store.kit import CHAT, SPEC, T0, msg, stored


def test_streamed_and_whole_recaps_write_the_same_files(tmp_path: Path) -> None:
    store = stored(tmp_path, [*CHAT, msg(7, "cat", "A1: https://example.org/x"), msg(8, "dan", "A1 too")])
    store.set_reactions("x:3", [Reaction("👍", 2)])
    store.correct("x:8", [], by="@host")  # a host says it answers nothing after all
    store.correct("x:4", ["1"], by="@host")
    store.redact("message", "x:7", by="@host")
    store.delete_message("x:6", T0 + timedelta(hours=1), by_author=True)
    for include_deleted in (False, True):
        whole = build_export(store, SPEC.id, include_deleted=include_deleted)
        streamed = recap_of(store, SPEC.id, include_deleted=include_deleted)
        assert streamed.export() == whole
        a, b = tmp_path / f"whole-{include_deleted}", tmp_path / f"streamed-{include_deleted}"
        render_all([whole], a)
        render_all([streamed], b)
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        for name in files:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    answers = [a["message_id"] for a in build_export(store, SPEC.id)["prompts"][0]["answers"]]
    assert answers == ["3", "4", "7"]  # corrected in and out, the removed one in place
