"""Before publishing: a host hides a message or a participant, a participant opts out; every export
shows the removal in place, and the original stays in the store for the host."""

from __future__ import annotations

import json
from pathlib import Path

from chatbot.importing import import_files
from chatbot.recap.export import REMOVED, build_export
from chatbot.store import Store
from tests.conftest import FIXTURES

SID = "localgovchat-2026-11-24"


def archive(tmp_path: Path, extra: str = "") -> Store:
    chat = tmp_path / "chat.jsonl"
    chat.write_text((FIXTURES / "localgovchat.jsonl").read_text(encoding="utf-8") + extra, encoding="utf-8")
    store = Store(tmp_path / "a.db")
    import_files(store, [chat])
    return store


def texts(export: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(export, ensure_ascii=False)


def test_host_hides_one_message(tmp_path: Path) -> None:
    store = archive(tmp_path)
    store.redact("message", "x:m4", by="@localgovchat")
    export = build_export(store, SID)
    m4 = next(m for m in export["messages"] if m["id"] == "m4")
    assert m4 == {**m4, "text": "", "removed": True, "url": None}
    assert "comms can see every reply" not in texts(export)
    q1 = export["prompts"][0]
    hidden = next(a for a in q1["answers"] if a["message_id"] == "m4")
    assert hidden["removed"] and hidden["text"] == ""
    assert store.db["messages"].get("x:m4")["text"].startswith("A1 - Only if comms")


def test_host_anonymizes_a_participant_everywhere(tmp_path: Path) -> None:
    store = archive(tmp_path)
    store.redact("participant", "@Bob", by="@localgovchat")
    export = build_export(store, SID)
    dump = texts(export)
    assert "@bob" not in dump and "Bob 🚲" not in dump
    bobs = [m for m in export["messages"] if m["author"] == REMOVED]
    assert len(bobs) == 2 and all(m["removed"] and m["text"] == "" for m in bobs)
    assert REMOVED in [p["handle"] for p in export["participants"]]


def test_participant_opts_out_in_the_chat(tmp_path: Path) -> None:
    optout = (
        '{"id": "m99", "platform": "x", "ts": "2026-11-24T21:50:00-05:00", '
        '"author": {"id": "104", "handle": "@dan", "name": "Dan"}, "text": "/optout"}\n'
    )
    store = archive(tmp_path, optout)
    export = build_export(store, SID)
    assert "abuse aimed at named staff" not in texts(export)
    (q,) = export["questions"]
    assert q["author"] == REMOVED and q["text"] == "" and q["status"] == "answered"
    assert store.db["questions"].get((SID, 1))["text"].startswith("How do you handle abuse")
