"""The whole corpus through every frame type of the web room, over real websockets to the real
runner: each visitor comes from its own address, as a crowd would. What a participant would
notice: no frame gets a traceback or a 500 in the log; every frame gets its answer (or an error
frame with one clear line) and the connection stays usable (a ping is answered), or the server
closes it with a clear code; what was stored before is still there, and every message a visitor
saw echoed is stored exactly once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from tests.hostile import corpus
from tests.hostile.kit import CLEAR_CLOSES, Addresses, LogWatch, Visitor, frame_error
from tests.web.kit import Served

Answers = list[list[dict[str, Any]]]


async def crowd(
    served: Served, addresses: Addresses, plans: Iterable[list[Any]], *, name: str | None = ""
) -> list[tuple[Visitor, Answers]]:
    """One visitor per plan (a list of frames), ten at a time; in the plans' order, each visitor
    and what came back to each of its frames."""
    plans = list(plans)
    out: list[tuple[Visitor, Answers] | None] = [None] * len(plans)

    async def one(i: int) -> None:
        v = await Visitor.arrive(served.base, addresses.take(), name=name)
        try:
            answers = [await v.exchange(f) for f in plans[i]]
            out[i] = (v, answers)
            given = sum(
                _kind(f) == "command" and not frame_error(got)
                for f, got in zip(plans[i], answers, strict=True)
            )
            posted = sum(
                _kind(f) == "post" and not frame_error(got) for f, got in zip(plans[i], answers, strict=True)
            )
            if given and v.closed is None:  # every command given gets its answer, to this visitor
                await v.wait_for("answer", given)
            if posted and v.closed is None:  # every post taken is confirmed once it is stored
                await v.wait_for("sent", posted)
            if v.closed is None:  # still usable: a ping after everything is answered
                await v.exchange({"type": "ping"})
                assert v.closed is None or v.closed.code in CLEAR_CLOSES, v.closed
        finally:
            await v.leave()

    for start in range(0, len(plans), 10):
        await asyncio.gather(*(one(i) for i in range(start, min(start + 10, len(plans)))))
    return [r for r in out if r is not None]


def _kind(frame: Any) -> str:
    """A frame's type (a raw text frame's too, when it is a JSON object with one)."""
    if isinstance(frame, str):
        try:
            frame = json.loads(frame)
        except (ValueError, RecursionError):
            return ""
    return str(frame.get("type")) if isinstance(frame, dict) else ""


def every_frame_answered(plans: list[list[Any]], results: list[tuple[Visitor, Answers]]) -> None:
    """Each frame got something back (its result or an error) unless the server closed the socket."""
    for plan, (v, answers) in zip(plans, results, strict=True):
        for frame, got in zip(plan, answers, strict=True):
            if _kind(frame) not in ("ping", "command", "post") and v.closed is None:
                assert got, f"no answer to {frame!r:.120}"


def check_answered(results: list[tuple[Visitor, Answers]]) -> None:
    for v, answers in results:
        if v.closed is not None:
            assert v.closed.code in CLEAR_CLOSES, f"closed with {v.closed}"
        for got in answers:
            frame_error(got)  # an error, when there is one, is one clear line


async def stored_before(served: Served, addresses: Addresses) -> set[str]:
    """Messages stored before the corpus arrives (they must all still be there after)."""
    ids = {await served.say(f"Regular{i}", f"A1: a regular answer number {i}") for i in range(3)}
    await served.settled()
    return ids


def echoed(results: list[tuple[Visitor, Answers]]) -> list[str]:
    """The ids of the messages visitors saw come back as their own (echoes of what they sent)."""
    ids = []
    for v, _ in results:
        mine = next((f["you"]["id"] for f in v.seen if f["type"] == "joined"), None)
        ids += [
            f["message"]["id"]
            for f in v.seen
            if f["type"] == "message" and f["message"]["author"]["id"] == mine
        ]
    return ids


async def check_nothing_lost(
    served: Served, before: set[str], results: list[tuple[Visitor, Answers]], watch: LogWatch
) -> None:
    await served.settled()
    stored = Counter(m.id for m in served.stored())
    assert before <= set(stored), "messages stored before the corpus are gone"
    seen = set(echoed(results))
    missing = sorted(seen - set(stored))
    assert not missing, f"{len(missing)} messages visitors saw echoed were not stored: {missing[:5]}"
    twice = [i for i, n in stored.items() if n > 1]
    assert not twice, f"stored more than once: {twice[:5]}"
    assert not watch.tracebacks(), watch.tracebacks()
    assert served.state()["status"] in ("scheduled", "live", "paused"), "the session goes on"


async def test_every_text_of_the_corpus_in_every_field_of_every_frame(
    served: Served, addresses: Addresses, watch: LogWatch
) -> None:
    before = await stored_before(served, addresses)
    plans: list[list[Any]] = []
    for s in corpus.STRINGS:
        plans.append(
            [
                {"type": "join", "name": s},
                {"type": "post", "text": s},
                {"type": "command", "name": "upvote", "args": [s]},
            ]
        )
        plans.append(
            [
                {"type": "post", "text": "A1: fine", "reply_to": s, "ref": s},
                {"type": "command", "name": s, "args": [s, s]},
                {"type": "react", "id": s, "emoji": s},
                {"type": "post", "text": f"/ask {s}"},
            ]
        )
    results = await crowd(served, addresses, plans)
    check_answered(results)
    await check_nothing_lost(served, before, results, watch)
    # the lone surrogate is stored as the replacement character, the rest as sent (cleaned)
    assert any("\ufffd" in m.text for m in served.stored())


async def test_wrong_json_types_in_every_field(served: Served, addresses: Addresses, watch: LogWatch) -> None:
    before = await stored_before(served, addresses)
    frames: list[dict[str, Any]] = []
    for v in corpus.WRONG_TYPES:
        frames += [
            {"type": "join", "name": v},
            {"type": "post", "text": v},
            {"type": "post", "text": "fine", "reply_to": v},
            {"type": "post", "text": "fine", "ref": v},
            {"type": "command", "name": v},
            {"type": "command", "name": "upvote", "args": v},
            {"type": "command", "name": "upvote", "args": [v]},
            {"type": "react", "id": v, "emoji": "\N{THUMBS UP SIGN}"},
            {"type": "react", "id": "x", "emoji": v},
        ]
    for n in corpus.NUMBERS:
        frames += [
            {"type": "command", "name": "upvote", "args": [str(n)]},
            {"type": "post", "text": f"/extend {n}"},
        ]
    plans = [frames[i : i + 4] for i in range(0, len(frames), 4)]
    results = await crowd(served, addresses, plans)
    check_answered(results)
    every_frame_answered(plans, results)
    await check_nothing_lost(served, before, results, watch)


async def test_frames_that_are_not_frames(served: Served, addresses: Addresses, watch: LogWatch) -> None:
    """Raw text that is not a frame, binary frames, unknown types, a frame too big for the room
    (100,000 emoji), and more bad frames than a connection may send."""
    before = await stored_before(served, addresses)
    plans: list[list[Any]] = [[raw] for raw in corpus.RAW_FRAMES]
    plans += [[b"\x00\xff\xfe binary"], [b""], [{"type": "post", "text": corpus.EMOJI_100K}]]
    plans += [
        [{"type": t}] for t in ("nosuch", "POST", "pong", "welcome", "message", "error", "join ", "\ud800")
    ]
    plans.append(["not json"] * 40)  # past max_bad_frames: closed, with its reason
    results = await crowd(served, addresses, plans)
    check_answered(results)
    every_frame_answered(plans, results)
    for plan, (_, answers) in zip(plans, results, strict=True):
        if isinstance(plan[0], bytes) or plan[0] in ("", "{", "[]", "null", '{"type": 1}'):
            assert frame_error(answers[0]), f"{plan[0]!r:.40} got no error frame"
    big = [v for v, _ in results if v.closed and v.closed.code == 1009]
    assert big, "a frame of 100,000 emoji closes the socket as too big"
    flooded = [v for v, _ in results if v.closed and v.closed.code == 1008]
    assert flooded and all(v.closed and v.closed.reason for v in flooded), (
        "too many bad frames: closed, saying why"
    )
    await check_nothing_lost(served, before, results, watch)
    # after all that, a newcomer still joins, posts and sees the echo
    newcomer = await Visitor.arrive(served.base, addresses.take(), name="Newcomer")
    try:
        await newcomer.exchange({"type": "post", "text": "A1: still here"})
        await newcomer.wait_for("sent", 1)  # once stored, it is shown
        shown = [
            f for f in newcomer.seen if f["type"] == "message" and f["message"]["text"] == "A1: still here"
        ]
        assert shown, "a newcomer's post is shown after the corpus"
    finally:
        await newcomer.leave()
