"""The live feed of a real runner on virtual time: every state and event has exactly the keys and
value types of its payload (``chatbot.hosting.payloads``), from before the start to the end."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, get_args, get_type_hints

from chatbot.hosting.payloads import FeedEvent, LiveState
from chatbot.hosting.session import SessionRunner
from tests.hosting.kit import Harness, make_session, said
from tests.typeddicts import mismatches


def shape_of(event: FeedEvent) -> Any:
    """The payload type of an event, by its ``type`` (one arm of ``FeedEvent`` each)."""
    arms = {get_args(get_type_hints(t)["type"])[0]: t for t in get_args(FeedEvent)}
    return arms[event["type"]]


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
