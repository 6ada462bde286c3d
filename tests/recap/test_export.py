"""The JSON export of a stored chat: what the platform told of each message (attachments,
reactions, edits) is in it, another bot's lines are a bot's, and deleted messages are gone unless
asked for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chatbot.core.model import Attachment, Author, Reaction
from chatbot.recap.export import build_export
from chatbot.store import SessionNotFound
from tests.store.kit import CHAT, SPEC, T0, msg, stored


def test_messages_carry_attachments_reactions_and_edits(tmp_path: Path) -> None:
    shot = Attachment("plan.png", "https://example.org/plan.png", 4821, "image/png")
    store = stored(tmp_path, [*CHAT, msg(7, "cat", "A1: our plan", attachments=(shot,))])
    store.set_reactions("x:3", [Reaction("👍", 4)])
    store.edit_message("x:3", "A1: yes, with coaching", T0 + timedelta(minutes=30))
    messages = {m["id"]: m for m in build_export(store, SPEC.id)["messages"]}
    assert messages["7"]["attachments"] == [
        {
            "filename": "plan.png",
            "url": "https://example.org/plan.png",
            "size": 4821,
            "content_type": "image/png",
        }
    ]
    assert messages["3"]["reactions"] == [{"emoji": "👍", "count": 4}]
    assert (messages["3"]["text"], messages["3"]["edited_at"]) == (
        "A1: yes, with coaching",
        "2026-11-24T21:30:00-05:00",  # the chat's zone, like every time in the export
    )
    assert (messages["1"]["attachments"], messages["1"]["reactions"], messages["1"]["edited_at"]) == (
        [],
        [],
        None,
    )


def test_a_hidden_message_shows_no_attachment(tmp_path: Path) -> None:
    shot = Attachment("me.jpg", "https://example.org/me.jpg", 10)
    store = stored(tmp_path, [*CHAT, msg(7, "cat", "A1: me", attachments=(shot,))])
    store.redact("message", "x:7", by="@host")
    (m7,) = [m for m in build_export(store, SPEC.id)["messages"] if m["id"] == "7"]
    assert (m7["removed"], m7["attachments"]) == (True, [])


def test_another_bots_lines_are_the_bots_not_answers(tmp_path: Path) -> None:
    zod = Author("zod", "zodbot", "", is_bot=True)
    store = stored(tmp_path, [*CHAT, msg(7, "zod", "A1: minutes at https://example.org/minutes", author=zod)])
    export = build_export(store, SPEC.id)
    assert {m["id"]: m["kind"] for m in export["messages"]}["7"] == "bot"
    assert [a["message_id"] for a in export["prompts"][0]["answers"]] == ["3"]
    assert {p["handle"]: p["role"] for p in export["participants"]}["zodbot"] == "bot"
    assert export["stats"]["answers"] == 1


def test_deleted_messages_leave_the_export_unless_asked(tmp_path: Path) -> None:
    store = stored(tmp_path)
    before = build_export(store, SPEC.id)
    store.delete_message("x:3", T0 + timedelta(hours=1), by_author=True)
    store.delete_message("x:4", T0 + timedelta(hours=1), by_author=True)
    export = build_export(store, SPEC.id)
    assert [m["id"] for m in export["messages"]] == ["1", "2", "6"]  # 5 is a command: never in it
    assert "with training" not in str(export) and "handle abuse" not in str(export)
    assert export["prompts"][0]["answers"] == [] and export["questions"] == []
    stats = (export["stats"]["messages"], export["stats"]["answers"], export["stats"]["questions"])
    assert stats == (before["stats"]["messages"] - 2, 0, 0) == (3, 0, 0)  # 6 is a repost, listed
    people = {p["handle"]: p for p in export["participants"]}
    assert (people["@ann"]["messages"], people["@ann"]["answers"], people["@bob"]["questions"]) == (0, 0, 0)
    assert export["stats"]["participants"] == 1  # only the host still said something
    assert all("deleted" not in m for m in export["messages"])

    asked = build_export(store, SPEC.id, include_deleted=True)
    deleted = {m["id"]: m for m in asked["messages"] if m.get("deleted")}
    assert sorted(deleted) == ["3", "4"]
    assert deleted["3"]["text"] == "A1: yes, with training #localgovchat"
    assert deleted["3"]["deleted_at"] == "2026-11-24T22:00:00-05:00"
    (q,) = asked["questions"]
    assert q["deleted"] is True
    assert asked["stats"] == before["stats"]


def test_an_unknown_session_is_named(tmp_path: Path) -> None:
    store = stored(tmp_path)
    with pytest.raises(SessionNotFound, match="nope"):
        build_export(store, "nope")
