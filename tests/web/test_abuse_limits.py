"""Abuse from one address, over real websockets to the real app: limits hold per address and per
participant however many connections, reconnections and identities are used; votes count once per
participant; the open-questions cap holds for an address. The limits read the room's rate clock,
held still here (a ``VirtualClock``), so what is counted is what got stored, not how fast."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import ClientSession

from chatbot.clock import VirtualClock
from tests.web.conftest import NewClient
from tests.web.kit import Served, until

WS = "/chat/localgovchat/ws"


def hold_time(served: Served) -> VirtualClock:
    """The room's limits read this clock from now on: time moves only when the test says."""
    clock = VirtualClock(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    served.room.rate_clock = clock
    return clock


async def answers(
    ws: aiohttp.ClientWebSocketResponse, refs: set[str], kinds: tuple[str, ...]
) -> dict[str, Any]:
    """The frame (of ``kinds``) that answers each of ``refs``."""
    got: dict[str, Any] = {}
    while set(got) != refs:
        frame = await asyncio.wait_for(ws.receive_json(), 5)
        if frame["type"] in kinds and frame.get("ref") in refs:
            got[frame["ref"]] = frame
    return got


async def enter(client: ClientSession, name: str) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A socket, and what the room said to its join (``joined`` or ``error``)."""
    ws = await client.ws_connect(WS)
    await ws.send_json({"type": "join", "name": name, "ref": "join"})
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 5)
        if frame["type"] == "joined" or (frame["type"] == "error" and frame.get("ref") == "join"):
            return ws, frame


async def test_a_reconnect_storm_from_one_address_stays_under_the_ceiling(
    new_client: NewClient, served: Served
) -> None:
    """Twelve browsers on one address (twelve identities), each reconnecting three times and
    sending ten posts a time: the address gets its bucket's worth and no more, each participant
    no more than theirs, and every refusal is an error frame saying to slow down."""
    hold_time(served)
    limits = served.room.limits
    browsers = [new_client() for _ in range(12)]
    for b in browsers:
        assert (await b.get("/chat/localgovchat")).status == 200
    joins, refusals = 0, Counter[str]()
    for round_ in range(3):
        for n, b in enumerate(browsers):
            ws, said = await enter(b, f"Storm {n}")
            joins += said["type"] == "joined"
            refs = {f"r{round_}-{i}" for i in range(10)}
            for ref in sorted(refs):
                await ws.send_json({"type": "post", "text": f"flood {ref}", "ref": ref})
            for frame in (await answers(ws, refs, ("sent", "error"))).values():
                if frame["type"] == "error":
                    refusals[frame["error"].split(":")[0]] += 1
            await ws.close()
    await served.settled()
    stored = [m for m in served.stored() if m.text.startswith("flood")]
    assert len(stored) + joins == limits.per_address.count  # 50 actions: the ceiling, 10 a second
    per_person = Counter(m.author.handle for m in stored)
    assert max(per_person.values()) <= limits.per_participant.count - 1  # each joined once at least
    assert set(refusals) <= {"slow down", "join with a name first"} and refusals["slow down"] > 300
    assert served.state()["messages"] == len(stored)


async def test_time_refills_the_buckets(client: ClientSession, served: Served) -> None:
    clock = hold_time(served)
    await client.get("/chat/localgovchat")
    ws, said = await enter(client, "Patient Pat")
    assert said["type"] == "joined"
    for i in range(6):
        await ws.send_json({"type": "post", "text": f"patient {i}", "ref": f"p{i}"})
    first = await answers(ws, {f"p{i}" for i in range(6)}, ("sent", "error"))
    assert [first[f"p{i}"]["type"] for i in range(6)] == ["sent"] * 4 + ["error"] * 2
    assert "slow down: wait 1.0 s" in first["p4"]["error"]
    clock.advance(timedelta(seconds=1))
    await ws.send_json({"type": "post", "text": "patient again", "ref": "again"})
    assert (await answers(ws, {"again"}, ("sent", "error")))["again"]["type"] == "sent"


async def test_forty_upvotes_from_one_participant_count_once(
    client: ClientSession, new_client: NewClient, served: Served
) -> None:
    """One browser votes forty times for the same question, reconnecting each time (time moving
    on, so every vote reaches the runner): the question has one upvote, and the other 39 were
    answered to that browser alone."""
    await served.say("Sam", "/ask Who signs off on an answer?")
    clock = hold_time(served)
    logged = len(served.commands())
    await client.get("/chat/localgovchat")
    outcomes = []
    for i in range(40):
        ws, said = await enter(client, "Vic")
        assert said["type"] == "joined", said
        await ws.send_json({"type": "command", "name": "upvote", "args": ["1"], "ref": f"v{i}"})
        outcomes.append((await answers(ws, {f"v{i}"}, ("answer", "error")))[f"v{i}"])
        await ws.close()
        clock.advance(timedelta(seconds=5))
    await until(lambda: len(served.commands()) >= logged + 40, "the runner logs the 40 votes")
    (question,) = served.state()["queue"]
    assert question["upvotes"] == 1
    assert [o["ok"] for o in outcomes] == [True] + [False] * 39
    assert "already upvoted question 1" in outcomes[1]["message"]["text"]
    # a second participant's vote still counts
    other = new_client()
    await other.get("/chat/localgovchat")
    ws, _ = await enter(other, "Wren")
    await ws.send_json({"type": "command", "name": "upvote", "args": ["1"], "ref": "w"})
    assert (await answers(ws, {"w"}, ("answer",)))["w"]["ok"] is True
    assert served.state()["queue"][0]["upvotes"] == 2


async def test_the_open_questions_cap_holds_for_an_address(new_client: NewClient, served: Served) -> None:
    """The session allows three open questions a person. Three identities from one address ask
    one each; a fourth identity there is refused (an error frame; nothing is stored or queued)."""
    hold_time(served)
    cap = served.room.max_open_questions
    assert cap == 3
    for n in range(cap):
        b = new_client()
        await b.get("/chat/localgovchat")
        ws, _ = await enter(b, f"Asker {n}")
        await ws.send_json({"type": "post", "text": f"/ask question number {n}?", "ref": "q"})
        assert (await answers(ws, {"q"}, ("sent", "error")))["q"]["type"] == "sent"
        await ws.close()
    await until(lambda: len(served.state()["queue"]) == cap, "three questions are queued")
    fourth = new_client()
    await fourth.get("/chat/localgovchat")
    ws, _ = await enter(fourth, "Asker 3")
    await ws.send_json({"type": "post", "text": "#ask one more from the same place?", "ref": "q"})
    refused = (await answers(ws, {"q"}, ("sent", "error")))["q"]
    assert refused["type"] == "error" and "3 questions from your address are waiting" in refused["error"]
    await ws.send_json({"type": "command", "name": "ask", "args": ["and by the button?"], "ref": "b"})
    assert (await answers(ws, {"b"}, ("answer", "error")))["b"]["type"] == "error"
    await ws.send_json({"type": "post", "text": "but I may still talk", "ref": "t"})
    assert (await answers(ws, {"t"}, ("sent", "error")))["t"]["type"] == "sent"
    await served.settled()
    assert len(served.state()["queue"]) == cap
    assert not any("one more" in m.text for m in served.stored())
