"""Writes: imports stored once, the live path writes what a replay derives, platform events
(edits, deletions, reactions) kept on the message, corrections and redactions kept for the host."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from chatbot.core.engine import SessionEngine
from chatbot.core.model import Attachment, Author, Reaction
from chatbot.core.sessions import slug_for
from chatbot.importing import rebuild
from chatbot.store import MessageNotFound, NotFound, Store, StoreError
from tests.store.kit import CHAT, SPEC, T0, msg, stored


def snapshot(s: Store) -> tuple[list[tuple[object, ...]], ...]:
    return tuple(
        sorted(tuple(r.values()) for r in s.db.query(f"select * from {t}"))
        for t in ("participants", "prompts", "questions")
    )


def test_messages_are_stored_once_and_state_is_derived(tmp_path: Path) -> None:
    store = stored(tmp_path)
    assert store.add_messages(CHAT) == 0  # the same messages again: nothing new
    assert store.db["messages"].count == 6
    rebuild(store, SPEC.id)  # replaying twice derives the same state, not twice the state
    kinds = [r["kind"] for r in store.message_rows(SPEC.id)]
    assert kinds == ["host", "prompt", "answer", "question", "command", "repost"]
    (q,) = store.db["questions"].rows
    assert (q["status"], q["author"], q["answered_by"]) == ("answered", "@bob", "@host")
    people = {p["handle"]: p for p in store.db["participants"].rows}
    assert (
        people["@ann"]["answers"] == 1 and people["@ann"]["reposts"] == 1 and people["@ann"]["messages"] == 1
    )
    assert people["@host"]["role"] == "host"
    assert store.db["prompts"].count == 1


@pytest.mark.parametrize("batch", [1, 3, len(CHAT)])
def test_the_live_write_stores_what_a_replay_derives(tmp_path: Path, batch: int) -> None:
    live = Store(tmp_path / "live.db")
    live.save_session(SPEC, slug=slug_for(SPEC), status="live")
    engine = SessionEngine(SPEC)
    for i in range(0, len(CHAT), batch):
        live.write_live(SPEC.id, [engine.ingest(m) for m in CHAT[i : i + batch]], engine)
    replayed = stored(tmp_path)
    assert snapshot(live) == snapshot(replayed)
    assert live.session_messages(SPEC.id) == replayed.session_messages(SPEC.id) == CHAT
    assert [r["kind"] for r in live.message_rows(SPEC.id)] == [
        r["kind"] for r in replayed.message_rows(SPEC.id)
    ]


def test_a_bot_stays_a_bot_after_a_restart(tmp_path: Path) -> None:
    """Another bot's line is never an answer, in the live engine or in any replay after it."""
    zod = Author("zod", "zodbot", "", is_bot=True)
    chat = [*CHAT[:2], msg(3, "x", "A1: Meeting minutes are at https://example.org", author=zod)]
    live = Store(tmp_path / "live.db")
    live.save_session(SPEC, slug=slug_for(SPEC), status="live")
    engine = SessionEngine(SPEC)
    live.write_live(SPEC.id, [engine.ingest(m) for m in chat], engine)
    live.close()
    again = Store(tmp_path / "live.db")
    assert again.message("x:3").author.is_bot
    rebuild(again, SPEC.id)
    assert [r["kind"] for r in again.message_rows(SPEC.id)] == ["host", "prompt", "bot"]


def test_importing_again_fills_in_what_an_older_row_lacks(tmp_path: Path) -> None:
    plain = msg(1, "ann", "see https://example.org/a")
    store = Store(tmp_path / "a.db")
    store.add_messages([plain])
    whole = replace(
        plain,
        author=replace(plain.author, is_bot=True),
        links=("https://example.org/a",),
        attachments=(Attachment("a.png", "https://example.org/a.png", 12),),
        reactions=(Reaction("👍", 3),),
        edited_at=T0 + timedelta(hours=1),
    )
    assert store.add_messages([whole]) == 0
    assert store.message("x:1") == whole
    store.add_messages([plain])  # a poorer copy later takes nothing away
    assert store.message("x:1") == whole


def test_edits_deletions_and_reactions_are_kept_on_the_message(tmp_path: Path) -> None:
    store = stored(tmp_path)
    later = T0 + timedelta(hours=1)
    store.edit_message("x:3", "A1: yes, with coaching #localgovchat", later)
    edited = store.message("x:3")
    assert (edited.text, edited.edited_at) == ("A1: yes, with coaching #localgovchat", later)
    assert [h["id"] for h in store.search("coaching")] == ["3"]  # search follows the edit
    assert list(store.search("training")) == []
    store.set_reactions("x:3", [Reaction("👍", 4), Reaction("🎉", 1)])
    store.set_reactions("x:3", [Reaction("👍", 5)])  # the platform's count now, not a sum
    assert store.message("x:3").reactions == (Reaction("👍", 5),)
    store.delete_message("x:4", later, by_author=True)
    store.delete_message("x:4", later + timedelta(minutes=5), by_author=False)  # the first one counts
    row = store.db["messages"].get("x:4")
    assert (row["deleted_at"], row["deleted_by_author"]) == ("2026-11-25T03:00:00.000+00:00", 0)
    assert store.message("x:4").deleted_at == later
    assert store.message("x:4").text == "How do you handle abuse? #ask"  # the row is kept


def test_the_live_write_never_undoes_an_edit(tmp_path: Path) -> None:
    store = Store(tmp_path / "live.db")
    store.save_session(SPEC, slug=slug_for(SPEC), status="live")
    engine = SessionEngine(SPEC)
    store.write_live(SPEC.id, [engine.ingest(m) for m in CHAT[:3]], engine)
    store.edit_message("x:3", "A1: edited", T0 + timedelta(hours=1))
    store.write_live(SPEC.id, [SessionEngine(SPEC).ingest(CHAT[2])], engine)  # heard again on restart
    assert store.message("x:3").text == "A1: edited"


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.edit_message("x:999", "new", T0),
        lambda s: s.delete_message("x:999", T0, by_author=True),
        lambda s: s.set_reactions("x:999", [Reaction("👍")]),
        lambda s: s.correct("x:999", ["1"], by="@host"),
        lambda s: s.message("x:999"),
    ],
)
def test_an_unknown_message_is_named_in_the_error(tmp_path: Path, write: object) -> None:
    store = stored(tmp_path)
    with pytest.raises(MessageNotFound, match="x:999") as caught:
        write(store)  # type: ignore[operator]
    assert isinstance(caught.value, KeyError | NotFound | StoreError)  # old callers catch KeyError
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, NotFound)


def test_corrections_and_redactions_are_kept(tmp_path: Path) -> None:
    store = stored(tmp_path)
    store.correct("x:4", ["1"], by="@host")
    assert store.corrections(SPEC.id) == {"x:4": ["1"]}
    store.redact("message", "x:3", by="@host")
    store.redact("participant", "@Bob", by="@host")
    store.redact("participant", "@Bob", by="@host")  # twice is once
    assert store.redactions() == ({"x:3"}, {"bob"})
    # The original stays in the store for the host.
    assert store.db["messages"].get("x:3")["text"].startswith("A1: yes")
