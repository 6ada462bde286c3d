"""The live feed of a real runner on virtual time: every state and event has exactly the keys and
value types of its payload (``chatbot.hosting.payloads``), from before the start to the end."""

from __future__ import annotations

import asyncio
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from chatbot.hosting import payloads
from chatbot.hosting.payloads import FeedEvent, LiveState
from chatbot.hosting.session import SessionRunner
from tests.hosting.kit import Harness, make_session, said


def mismatches(value: object, hint: Any, where: str = "") -> list[str]:
    """Where ``value`` is not of the type ``hint`` (TypedDicts must have exactly their keys)."""
    origin, args = get_origin(hint), get_args(hint)
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not a {hint.__name__}"]
        fields = get_type_hints(hint)
        if set(value) != set(fields):
            return [f"{where}: keys {sorted(value)} are not {hint.__name__}'s {sorted(fields)}"]
        return [m for k, t in fields.items() for m in mismatches(value[k], t, f"{where}.{k}")]
    if origin in (Union, types.UnionType):
        found = [mismatches(value, a, where) for a in args]
        return [] if any(not f for f in found) else [f"{where}: {value!r} is none of {hint}"]
    if origin is Literal:
        return [] if value in args else [f"{where}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [m for i, v in enumerate(value) for m in mismatches(v, args[0], f"{where}[{i}]")]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if hint is float:
        ok = isinstance(value, float)
    else:
        ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    return [] if ok else [f"{where}: {value!r} is not a {hint.__name__}"]


def shape_of(event: FeedEvent) -> Any:
    kinds = {"state": payloads.StateEvent, "message": payloads.MessageEvent, "post": payloads.PostEvent}
    return kinds[event["type"]]


async def watch(runner: SessionRunner) -> list[FeedEvent]:
    return [e async for e in runner.subscribe()]


async def test_every_state_and_event_of_a_session_has_its_payload_shape(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    runner = h.runner(make_session())
    room = h.rooms["x"]
    watcher = asyncio.create_task(watch(runner))
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits, always #localgovchat")),
            (6.5, said(room, "@bob", "Where are the slides? #ask #localgovchat")),
            (7, said(room, "@govhost", "/approve 1")),
            (8, said(room, "@cy", "A1: same as ann #localgovchat")),
            (9, said(room, "@govhost", "/pause")),
            (10, said(room, "@govhost", "/resume")),
        ]
    )
    states: list[LiveState] = [runner.state()]
    await runner.run()
    await chat
    events = await watcher
    states.append(runner.state())
    h.close()

    problems = [m for e in events for m in mismatches(e, shape_of(e), e["type"])]
    problems += [m for s in states for m in mismatches(s, LiveState, "state")]
    assert problems == []
    shown = [e["state"] for e in events if e["type"] == "state"]
    assert shown[0]["status"] == "scheduled" and shown[-1]["status"] == "ended"
    assert {"live", "paused"} <= {s["status"] for s in shown}
    assert shown[-1]["current_prompt"] is not None and shown[-1]["current_prompt"]["label"] == "Q3"
    assert shown[-1]["next_post"] is None and shown[-1]["seconds_left"] == 0.0
    assert [(q["number"], q["status"], q["position"]) for q in shown[-1]["queue"]] == [(1, "approved", 1)]
    asked = next(e for e in events if e["type"] == "message" and e["question"] == 1)
    assert asked["kind"] == "question" and asked["message"]["author"] == "@bob"
    posts = [e for e in events if e["type"] == "post"]
    assert [p["post"] for p in posts][-1] == "closing" and all(p["platform"] == "x" for p in posts)
    assert {p["kind"] for p in posts} >= {"welcome", "prompt", "closing"}


def test_the_payload_check_finds_a_missing_key_and_a_wrong_type() -> None:
    """The shape check above does fail: a payload without a key, or with a wrong type in it."""
    entry = {
        "number": 1,
        "author": "@bob",
        "text": "Where?",
        "status": "open",
        "upvotes": 0,
        "position": 1,
        "askers": ["@bob"],
        "asked_at": "2026-11-24T21:06:30-05:00",
    }
    assert mismatches(entry, payloads.QueueEntry) == []
    assert mismatches({**entry, "position": None}, payloads.QueueEntry) == []
    assert mismatches({k: v for k, v in entry.items() if k != "askers"}, payloads.QueueEntry)
    assert mismatches({**entry, "upvotes": "0"}, payloads.QueueEntry) == [".upvotes: '0' is not a int"]
    assert mismatches({**entry, "askers": [1]}, payloads.QueueEntry) == [".askers[0]: 1 is not a str"]
    assert mismatches("live", payloads.Status) == [] and mismatches("over", payloads.Status)
    assert typing.get_args(FeedEvent) == (payloads.MessageEvent, payloads.PostEvent, payloads.StateEvent)
