"""The export's types say what an export holds: every key a real export has is declared, every
required one is there, and every value has its declared type, all the way down."""

from __future__ import annotations

import json
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from chatbot.core.model import Attachment, Author, Embed, Kind, QuestionStatus, Reaction
from chatbot.importing import import_files
from chatbot.recap import types as export_types
from chatbot.recap.export import build_export
from chatbot.recap.feed import feed_view, index_entry, index_view, search_records
from chatbot.recap.html import session_view
from chatbot.recap.schema import export_schema, schema_text
from chatbot.recap.types import Export
from chatbot.recap.viewtypes import FeedView, IndexEntry, IndexRow, SearchRecord, SessionView
from chatbot.store import Store
from tests.recap.conftest import EXPORT_FIXTURE
from tests.recap.dom import hostile_export
from tests.store.kit import CHAT, SPEC, T0, msg, stored
from tests.typeddicts import mismatches

REAL_CHATS = [
    ("pstweetchat/pstweetchat.csv", "America/New_York"),
    ("meetbot-automation-broker/asbroker.2018-06-05-13.31.log.txt", None),
    ("meetbot-opencontainers/opencontainers.2017-05-10-21.03.log.txt", None),
    ("dcef-example-guild/Example guild - Text Channels - chill talk [1012224565567125544].json", None),
    ("dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json", None),
]


SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "recap-export.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(export_schema())


def schema_errors(export: object) -> list[str]:
    """Where an export (as a reader loads it) breaks the documented JSON Schema."""
    loaded = json.loads(json.dumps(export))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(loaded)]


def optional_paths(hint: Any, path: str = "export") -> set[str]:
    """Every key the types mark ``NotRequired``, as a path (``export.messages[].deleted``)."""
    if get_origin(hint) is list:
        return optional_paths(get_args(hint)[0], path + "[]")
    if not is_typeddict(hint):
        return set()
    found = {f"{path}.{k}" for k in hint.__optional_keys__}
    for key, field in get_type_hints(hint).items():
        found |= optional_paths(field, f"{path}.{key}")
    return found


def present_paths(value: object, path: str = "export") -> set[str]:
    """Every key path that occurs in ``value``."""
    if isinstance(value, list):
        return {p for item in value for p in present_paths(item, path + "[]")}
    if not isinstance(value, dict):
        return set()
    found = set()
    for key, item in value.items():
        found |= {f"{path}.{key}"} | present_paths(item, f"{path}.{key}")
    return found


def test_the_checker_finds_what_differs() -> None:
    export = json.loads(EXPORT_FIXTURE.read_text(encoding="utf-8"))
    del export["session"]["title"]
    export["messages"][0]["colour"] = "red"
    export["messages"][1]["kind"] = "gossip"
    export["questions"][0]["upvotes"] = "5"
    export["stats"]["median_minutes_to_answer"] = True
    assert mismatches(export, Export, "export") == [
        "export.messages[0].colour: not declared in ExportMessage",
        "export.messages[1].kind: 'gossip' not one of "
        "('prompt', 'answer', 'question', 'host', 'chat', 'bot', 'repost', 'command')",
        "export.questions[0].upvotes: '5', not int",
        "export.session.title: missing",
        "export.stats.median_minutes_to_answer: True is none of float | None",
    ]


def test_the_literals_follow_the_core() -> None:
    assert set(get_args(export_types.MessageKind)) == {k.value for k in Kind}
    assert set(get_args(export_types.QuestionStatus)) == {s.value for s in QuestionStatus}


def test_our_fixture_matches_the_types() -> None:
    export = json.loads(EXPORT_FIXTURE.read_text(encoding="utf-8"))
    assert mismatches(export, Export, "export") == []
    assert schema_errors(export) == []


def test_the_documented_schema_is_the_types_schema() -> None:
    """docs/recap-export.schema.json is made from the types (python -m chatbot.recap.schema)."""
    jsonschema.Draft202012Validator.check_schema(export_schema())
    assert SCHEMA_FILE.read_text(encoding="utf-8").strip() == schema_text()
    docs = (SCHEMA_FILE.parent / "api.md").read_text(encoding="utf-8")
    assert "recap-export.schema.json" in docs


def test_the_schema_refuses_what_the_types_refuse() -> None:
    export = json.loads(EXPORT_FIXTURE.read_text(encoding="utf-8"))
    export["session"]["kind"] = "party"
    export["messages"][0]["colour"] = "red"
    export["items"] = [{"kind": "action", "text": "x", "author": "a", "ts": "t"}]
    assert sorted(schema_errors(export)) == [
        "items/0: 'prompt' is a required property",
        "messages/0: Additional properties are not allowed ('colour' was unexpected)",
        "session/kind: 'party' is not one of ['chat', 'meeting', 'channel']",
    ]


def test_every_optional_key_a_store_can_give_is_declared(tmp_path: Path) -> None:
    """A chat with everything the optional keys are for: a bot, an attachment, a reaction, an
    edit, a host's correction, a hidden message, a deleted question (asked for), a question put
    on air and the spend of hosting it on X."""
    shot = Attachment("plan.png", "https://example.org/plan.png", 4821, "image/png")
    bot = Author("b0t", "@b0t", "Some Bot", is_bot=True)
    card = Embed("https://example.org/plan", "The plan", "What we will do, and when")
    extra = [
        msg(7, "cat", "A1: our plan", attachments=(shot,), reply_to="2", embeds=(card,)),
        msg(8, "b0t", "Reminder: Q1 is open", author=bot),
        msg(9, "dan", "Is there a recording? #ask"),
    ]
    store = stored(tmp_path, [*CHAT, *extra])
    store.set_reactions("x:3", [Reaction("👍", 4)])
    store.edit_message("x:3", "A1: yes, with coaching", T0 + timedelta(minutes=30))
    store.correct("x:4", ["1"], by="@host")
    store.redact("message", "x:8", by="@host")
    store.delete_message("x:9", T0 + timedelta(minutes=31), by_author=True)
    store.add_usage(SPEC.id, "x", "search", unit="post read", requests=3, units=120, cost=0.6)
    (asked,) = store.db["questions"].rows_where("number = 1")  # the bot put it to the chat, then
    steps = json.loads(asked["history"])
    aired = {"status": "on_air", "by": "@chatbot", "at": "2026-11-25T02:04:30+00:00", "note": ""}
    store.db["questions"].update((SPEC.id, 1), {"history": json.dumps([steps[0], aired, *steps[1:]])})
    export = build_export(store, SPEC.id, include_deleted=True)
    assert mismatches(export, Export, "export") == []
    assert schema_errors(export) == []
    left_out = build_export(store, SPEC.id)  # the deleted question left out, and counted
    missing = optional_paths(Export) - present_paths(export) - present_paths(left_out)
    assert missing == {
        "export.items",  # meetings only
        "export.session.channel",  # an IRC or Discord channel
        "export.session.topic",  # and its topic
        "export.prompts[].inferred",  # chats without numbered prompts
    }
    assert mismatches(build_export(store, SPEC.id), Export, "export") == []


@pytest.mark.parametrize(("name", "zone"), REAL_CHATS)
def test_exports_of_real_chats_match_the_types(
    shared_data: Path, tmp_path: Path, name: str, zone: str | None
) -> None:
    store = Store(tmp_path / "a.db")
    report = import_files(store, [shared_data / name], tz=ZoneInfo(zone) if zone else None)
    assert report.sessions
    for sid in report.sessions:
        export = build_export(store, sid, include_deleted=True)
        assert export["messages"]
        assert mismatches(export, Export, "export") == [], sid
        assert schema_errors(export) == [], sid
        as_read = json.loads(json.dumps(export))  # as a reader of the file loads it
        assert mismatches(as_read, Export, "export") == [], sid


def test_typeddicts_keep_not_required_at_run_time() -> None:
    """The types module must not use string annotations (Python 3.11 would make every key required)."""
    assert "reply_to" in export_types.ExportMessage.__optional_keys__
    assert typing.get_type_hints(export_types.Export)["items"] == list[export_types.ExportItem]


@pytest.mark.parametrize("hostile", [False, True], ids=["fixture", "hostile"])
def test_the_view_models_match_their_types(hostile: bool) -> None:
    export = json.loads(EXPORT_FIXTURE.read_text(encoding="utf-8"))
    export = hostile_export(export) if hostile else export
    entry = index_entry(export)
    assert mismatches(session_view(export), SessionView, "page") == []
    assert mismatches(entry, IndexEntry, "entry") == []
    assert [mismatches(row, IndexRow, "row") for row in index_view([entry])] == [[]]
    assert mismatches(feed_view([entry], base_url="https://chats.example/"), FeedView, "feed") == []
    records = search_records(export)
    assert records and all(mismatches(r, SearchRecord, "record") == [] for r in records)
