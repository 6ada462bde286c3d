"""Reads: named questions with plain answers; recaps' reads leave deleted messages out unless asked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chatbot.core.model import Author
from chatbot.store import SessionNotFound
from tests.store.kit import CHAT, SPEC, T0, msg, stored


def test_full_text_search_handles_punctuation_and_quotes(tmp_path: Path) -> None:
    store = stored(tmp_path)
    hits = list(store.search("training"))
    assert [h["id"] for h in hits] == ["3"]
    assert "\x02training\x03" in hits[0]["snippet"]
    assert list(store.search('"unbalanced AND (')) == []
    assert list(store.search("   ")) == []


def test_a_deleted_message_leaves_the_transcript_counts_and_search(tmp_path: Path) -> None:
    store = stored(tmp_path)
    store.delete_message("x:3", T0 + timedelta(hours=1), by_author=True)  # ann's answer
    store.delete_message("x:4", T0 + timedelta(hours=1), by_author=False)  # bob's question
    assert [r["id"] for r in store.transcript_rows(SPEC.id)] == ["1", "2", "5", "6"]
    assert [r["id"] for r in store.transcript_rows(SPEC.id, include_deleted=True)] == [m.id for m in CHAT]
    people = {p["handle"]: p for p in store.participant_rows(SPEC.id)}
    assert (people["@ann"]["messages"], people["@ann"]["answers"], people["@ann"]["reposts"]) == (0, 0, 1)
    assert (people["@bob"]["messages"], people["@bob"]["questions"]) == (0, 0)
    asked = {p["handle"]: p for p in store.participant_rows(SPEC.id, include_deleted=True)}
    assert (asked["@ann"]["answers"], asked["@bob"]["questions"]) == (1, 1)
    assert store.question_rows(SPEC.id) == []
    (q,) = store.question_rows(SPEC.id, include_deleted=True)
    assert (q["number"], q["deleted"]) == (1, 1)
    assert list(store.search("training")) == []
    assert len(store.session_messages(SPEC.id)) == 6  # the engine still replays every message


def test_a_participant_the_platform_marks_as_a_bot_has_the_role_bot(tmp_path: Path) -> None:
    zod = Author("zod", "zodbot", "Zod", is_bot=True)
    store = stored(tmp_path, [*CHAT, msg(7, "zod", "Meeting ended", author=zod)])
    roles = {p["handle"]: p["role"] for p in store.participant_rows(SPEC.id)}
    assert roles == {"@host": "host", "@ann": "participant", "@bob": "participant", "zodbot": "bot"}


def test_named_reads_answer_plainly(tmp_path: Path) -> None:
    store = stored(tmp_path)
    assert store.session_row(SPEC.id)["slug"] == store.session_row(store.sessions()[0]["slug"])["slug"]
    with pytest.raises(SessionNotFound, match="no session 'nope'"):
        store.session_row("nope")
    with pytest.raises(KeyError):  # what callers caught before
        store.session_spec("nope")
    assert store.message_uid("3") == store.message_uid("x:3") == "x:3"
    assert store.message_uid("999") is None
    assert [p["label"] for p in store.prompt_rows(SPEC.id)] == ["Q1"]
    assert store.opted_out() == set()
    store.ping()
