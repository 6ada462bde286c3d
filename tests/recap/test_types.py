"""The export's types say what an export holds: every key a real export has is declared, every
required one is there, and every value has its declared type, all the way down."""

from __future__ import annotations

import json
import types
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.model import Attachment, Author, Kind, QuestionStatus, Reaction
from chatbot.importing import import_files
from chatbot.recap import types as export_types
from chatbot.recap.export import build_export
from chatbot.recap.types import Export
from chatbot.store import Store
from tests.recap.conftest import EXPORT_FIXTURE
from tests.store.kit import CHAT, SPEC, T0, msg, stored

REAL_CHATS = [
    ("pstweetchat/pstweetchat.csv", "America/New_York"),
    ("meetbot-automation-broker/asbroker.2018-06-05-13.31.log.txt", None),
    ("dcef-example-guild/Example guild - Text Channels - chill talk [1012224565567125544].json", None),
    ("dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json", None),
]


def mismatches(value: object, hint: Any, path: str = "export") -> list[str]:
    """Where ``value`` differs from the type ``hint``: keys missing or undeclared, values of
    another type, literals out of range (an int passes for a float, as in JSON)."""
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        declared = hint.__required_keys__ | hint.__optional_keys__
        problems = [f"{path}.{k}: missing" for k in sorted(hint.__required_keys__ - value.keys())]
        problems += [f"{path}.{k}: not declared in {hint.__name__}" for k in sorted(value.keys() - declared)]
        fields = get_type_hints(hint)
        for key in sorted(value.keys() & declared):
            problems += mismatches(value[key], fields[key], f"{path}.{key}")
        return problems
    origin = get_origin(hint)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        item_hint = get_args(hint)[0]
        return [p for i, item in enumerate(value) for p in mismatches(item, item_hint, f"{path}[{i}]")]
    if origin in (Union, types.UnionType):
        arms = [mismatches(value, arm, path) for arm in get_args(hint)]
        return [] if any(not a for a in arms) else [f"{path}: {value!r} is none of {hint}"]
    if origin is Literal:
        return [] if value in get_args(hint) else [f"{path}: {value!r} not one of {get_args(hint)}"]
    if hint is type(None):
        return [] if value is None else [f"{path}: {value!r}, not null"]
    allowed = {float: (int, float), int: (int,), str: (str,), bool: (bool,)}[hint]
    ok = isinstance(value, allowed) and (hint is bool or not isinstance(value, bool))
    return [] if ok else [f"{path}: {value!r}, not {hint.__name__}"]


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
    assert mismatches(export, Export) == [
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
    assert mismatches(export, Export) == []


def test_every_optional_key_a_store_can_give_is_declared(tmp_path: Path) -> None:
    """A chat with everything the optional keys are for: a bot, an attachment, a reaction, an
    edit, a host's correction, a hidden message and a deleted question (asked for)."""
    shot = Attachment("plan.png", "https://example.org/plan.png", 4821, "image/png")
    bot = Author("b0t", "@b0t", "Some Bot", is_bot=True)
    extra = [
        msg(7, "cat", "A1: our plan", attachments=(shot,), reply_to="2"),
        msg(8, "b0t", "Reminder: Q1 is open", author=bot),
        msg(9, "dan", "Is there a recording? #ask"),
    ]
    store = stored(tmp_path, [*CHAT, *extra])
    store.set_reactions("x:3", [Reaction("👍", 4)])
    store.edit_message("x:3", "A1: yes, with coaching", T0 + timedelta(minutes=30))
    store.correct("x:4", ["1"], by="@host")
    store.redact("message", "x:8", by="@host")
    store.delete_message("x:9", T0 + timedelta(minutes=31), by_author=True)
    export = build_export(store, SPEC.id, include_deleted=True)
    assert mismatches(export, Export) == []
    missing = optional_paths(Export) - present_paths(export)
    assert missing == {
        "export.items",  # meetings only
        "export.session.channel",
        "export.session.kind",
    }
    assert mismatches(build_export(store, SPEC.id), Export) == []


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
        assert mismatches(export, Export) == [], sid
        assert mismatches(json.loads(json.dumps(export)), Export) == [], sid  # and as a reader loads it


def test_typeddicts_keep_not_required_at_run_time() -> None:
    """The types module must not use string annotations (Python 3.11 would make every key required)."""
    assert "reply_to" in export_types.ExportMessage.__optional_keys__
    assert typing.get_type_hints(export_types.Export)["items"] == list[export_types.ExportItem]
