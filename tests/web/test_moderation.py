"""Quiet moderation on the real runner: commands typed in the room, the dashboard's buttons and votes
are events (logged with who and when, in the question's history), answered to the actor alone; the
transcript, the recap, the export, the API, the live state and search hold what people said.
Questions the bot puts to the chat are on air (and stay so after a restart). An opted-out
participant leaves no trace on any page, export or search."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from aiohttp import ClientSession

from chatbot.core.model import Author, Message
from chatbot.platforms.web import host_author
from chatbot.recap.export import build_export
from chatbot.store import Store
from tests.web.conftest import NewClient, login
from tests.web.kit import SID, START, Served, config, hosted, until

HOST = host_author("LocalGovChat")
ACTION = f"/host/{SID}/action"
NOISE = (
    "/upvote",
    "/approve",
    "/help",
    "/frobnicate",
    "upvoted question",
    "thanks, your question",
    "approved (",
)


async def ended(served: Served, transcripts: Path) -> str:
    """End the chat as the host; the recap's HTML once it is written."""
    assert (await served.runner.command("end", (), HOST)).ok
    recap = transcripts / f"{served.runner.slug}.html"
    await until(recap.is_file, "the recap is written", timeout=10)
    return recap.read_text(encoding="utf-8")


async def test_moderation_leaves_the_transcript_clean(
    client: ClientSession, served: Served, transcripts: Path
) -> None:
    assert (await served.runner.command("start", (), HOST)).ok
    await served.say("Jane", "A1: a named person to escalate to")
    await served.say("Sam", "/ask Do residents who tweet get served first?")
    assert await served.say("Jane", "/upvote 1") == ""  # a command: no message
    await served.say("Jane", "/help")
    await served.say("Jane", "/frobnicate now")
    await served.say("LocalGovChat", "/approve 1", host=True)
    csrf = await login(client)
    r = await client.post(
        ACTION, data={"action": "next_question", "csrf": csrf}, headers={"Accept": "application/json"}
    )
    assert (await r.json())["ok"]
    await served.settled()

    # every command is an event with who and when (refused ones too); nothing of it was said
    logged = [(c.name, c.actor.handle, c.via, c.outcome) for c in served.commands()]
    assert logged == [
        ("start", "LocalGovChat", "dashboard", "ok"),
        ("upvote", "Jane", "slash", "ok"),
        ("help", "Jane", "slash", "ok"),
        ("frobnicate", "Jane", "slash", "refused"),
        ("approve", "LocalGovChat", "slash", "ok"),
        ("next_question", "LocalGovChat", "dashboard", "ok"),
    ]
    said = [m.text for m in served.stored() if not m.author.is_bot]
    assert said == ["A1: a named person to escalate to", "/ask Do residents who tweet get served first?"]
    bots = [m.text for m in served.stored() if m.author.is_bot]
    assert not any(n in t for t in bots for n in NOISE), bots  # the bot's answers went to one person
    (q,) = served.state()["queue"]
    assert (q["status"], q["upvotes"], q["position"]) == ("on_air", 1, None)
    steps = [(h["status"], h["by"]) for h in build_export(served.store, SID)["questions"][0]["history"]]
    assert steps == [("open", "Sam"), ("approved", "LocalGovChat"), ("on_air", "LocalGovChat")]
    recent = served.state()["recent"]
    assert not any(n in m["text"] for m in recent for n in NOISE)

    page = await ended(served, transcripts)
    for noise in NOISE:
        assert noise not in page, noise
    assert "a named person to escalate to" in page and "On air" in page
    export = build_export(served.store, SID)
    assert {m["kind"] for m in export["messages"]} <= {"answer", "question", "bot", "prompt"}
    assert export["stats"]["participants"] == 2  # Jane and Sam: the bot is no one, the host said nothing
    assert "2 participants, most active first" in page  # the recap's list: people, not the bot
    api = await (await client.get(f"/api/sessions/{SID}/messages")).json()
    assert not any(n in m["text"] for m in api["messages"] for n in NOISE)
    found = await (await client.get("/search", params={"q": "upvoted"})).text()
    assert "upvoted question" not in found


def test_commands_typed_in_public_stay_out_of_the_recap(tmp_path: Path) -> None:
    """On a platform where commands are typed in public (X): the store keeps them and the bot's
    answers, the transcript and the counts do not."""
    from tests.store.kit import SPEC, T0, msg, stored

    bot = Author("bot", "@chatbot", "chatbot", is_bot=True)
    chat = [
        msg(1, "host", "Q1: Should frontline staff tweet answers? #localgovchat"),
        msg(2, "ann", "A1: yes #localgovchat"),
        msg(3, "bob", "/upvote 1"),
        Message("4", "x", T0.replace(minute=4), bot, "@bob: there is no question 1", reply_to="3"),
        msg(5, "ann", "/optout"),
    ]
    store: Store = stored(tmp_path, chat)
    assert len(store.session_messages(SPEC.id)) == 5
    export = build_export(store, SPEC.id)
    assert [m["id"] for m in export["messages"]] == ["1", "2"]
    assert export["stats"]["messages"] == 2
    people = {p["handle"]: p["messages"] for p in export["participants"]}
    assert people["@bob"] == 0  # a command is nothing its author said


async def test_an_opted_out_participant_is_absent_everywhere(
    client: ClientSession, new_client: NewClient, served: Served, transcripts: Path
) -> None:
    assert (await served.runner.command("start", (), HOST)).ok
    await served.say("Zed", "A1: Zanzibar is where I tweet from")
    await served.say("Zed", "/ask Is Zanzibar on the agenda?")
    await served.say("Jane", "A1: a named person to escalate to")
    reader = new_client()
    await reader.get("/chat/localgovchat")
    await served.say("Zed", "/optout")

    def absent(text: str, where: str) -> None:
        assert "Zanzibar" not in text and "Zed" not in text, where

    state = served.state()
    absent(json.dumps(state), "the live state")
    assert state["queue"][0]["author"] == "(removed)" and state["participants"] == 2  # counted, not named
    for path in (f"/live/{SID}", "/"):
        absent(await (await client.get(path)).text(), path)
    await login(client)
    absent(await (await client.get(f"/host/{SID}")).text(), "the dashboard")
    ws = await reader.ws_connect("/chat/localgovchat/ws")
    welcome = await ws.receive_json()
    absent(json.dumps(welcome), "the room's history")
    await ws.close()

    page = await ended(served, transcripts)
    absent(page, "the recap")
    absent(json.dumps(build_export(served.store, SID)), "the export")
    for path in (f"/api/sessions/{SID}", f"/api/sessions/{SID}/messages", f"/api/sessions/{SID}/queue"):
        absent(await (await client.get(path)).text(), path)
    for word in ("tweet", "agenda"):  # words only Zed used
        absent(await (await client.get("/search", params={"q": word})).text(), f"search for {word}")
    absent(await (await client.get("/")).text(), "the index")


async def test_a_question_on_air_stays_on_air_after_a_restart(tmp_path: Path, transcripts: Path) -> None:
    cfg = config(tmp_path / "chatbot.db", transcripts)
    async with hosted(cfg) as served:
        await served.say("Jane", "/ask What about trolls?")
        await served.say("Sam", "/ask And burnout?")
        for name, args in (("approve", ("1",)), ("approve", ("2",)), ("next_question", ())):
            assert (await served.runner.command(name, args, HOST)).ok
        assert [q["status"] for q in served.state()["queue"]] == ["on_air", "approved"]
        aired = served.state()["queue"][0]["aired_at"]
        assert aired is not None and datetime.fromisoformat(aired) < START
    async with hosted(cfg) as again:
        queue = again.state()["queue"]
        assert [(q["status"], q["aired_at"], q["position"]) for q in queue] == [
            ("on_air", aired, None),
            ("approved", None, 1),
        ]
        second = await again.runner.command("next_question", (), HOST)
        assert second.ok and [q["status"] for q in again.state()["queue"]] == ["on_air", "on_air"]
        third = await again.runner.command("next_question", (), HOST)
        assert (third.ok, third.text) == (
            False,
            "no approved question is waiting: approve one first with /approve N",
        )
        live = await ClientSession(base_url=again.base).__aenter__()
        try:
            page = await (await live.get(f"/live/{SID}")).text()
        finally:
            await live.close()
        assert page.count("pill-on_air") == 2 and "on air" in page


async def test_the_room_says_whether_it_is_open(
    client: ClientSession, served: Served, transcripts: Path
) -> None:
    state = await (await client.get("/chat/localgovchat/state")).json()
    assert state == {"open": True, "ended": False, "recap": f"/recaps/{served.runner.slug}.html"}
    assert (await client.get("/chat/nosuch/state")).status == 404
    await ended(served, transcripts)
    await until(lambda: served.room.stopped, "the room closes")
    state = await (await client.get("/chat/localgovchat/state")).json()
    assert state["open"] is False and state["ended"] is True
    page = await (await client.get("/chat/localgovchat")).text()
    assert "This chat has ended." in page and f'href="/recaps/{served.runner.slug}.html"' in page
    icon = await client.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["Content-Type"] == "image/svg+xml"


async def test_after_a_restart_the_room_does_not_show_who_opted_out(
    tmp_path: Path, transcripts: Path
) -> None:
    cfg = config(tmp_path / "chatbot.db", transcripts)
    async with hosted(cfg) as served:
        await served.say("Zed", "A1: Zanzibar is where I tweet from")
        await served.say("Jane", "A1: a named person to escalate to")
        await served.say("Zed", "/optout")
    async with hosted(cfg) as again:
        assert [f["text"] for f in again.room.recent()] == ["A1: a named person to escalate to"]
