"""What a live Discord message carries besides its text, kept as an export of the channel would
keep it: link previews Discord adds in an update after the message, a bot's rich embeds, files,
stickers, reactions and the message replied to, through the unmodified discord.py and the real
runner, into the archive and the recap (HTML, Markdown, JSON)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import SystemClock
from chatbot.core.events import Edited, Event
from chatbot.core.model import Embed, Message, Reaction
from chatbot.platforms.discord_.adapter import DiscordPlatform
from tests.platforms.discordfake.kit import HeldClock, World, chat, fast_clock, until, world
from tests.platforms.test_discord_session import host, runner

UP = "\N{THUMBS UP SIGN}"
PAGE = "https://example.org/permits"
PREVIEW = {"url": PAGE, "title": "Permits, step by step", "description": "What to bring & when"}
CHECKLIST = {"title": "Checklist", "description": "1. ID\n2. Proof of address"}  # no url


async def hear(p: DiscordPlatform, n: int) -> list[Event]:
    """The first ``n`` events the adapter yields."""
    got: list[Event] = []

    async def read() -> None:
        async for ev in p.events():
            got.append(ev)
            if len(got) == n:
                return

    await asyncio.wait_for(read(), 10)
    return got


def recap_json(out: Path) -> dict[str, Any]:
    """The session's JSON export (not the archive's index beside it)."""
    for path in out.glob("*localgovchat*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(body, dict) and "messages" in body:
            return body
    raise AssertionError(f"no session export in {sorted(p.name for p in out.rglob('*'))}")


People = Callable[[World, HeldClock, dict[str, str]], Awaitable[None]]


async def hosted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: People) -> dict[str, Message]:
    """A session hosted on the fake Discord by the real runner while ``people`` talk (noting the
    ids of what they said by name); each message said, as the archive has it afterwards."""
    clock = fast_clock()
    said: dict[str, str] = {}
    async with world(clock, monkeypatch) as w:
        session = chat()
        run = runner(tmp_path, session, w.adapter(session, clock), clock)
        talk = asyncio.ensure_future(people(w, clock, said))
        await host(clock, run)
        await talk
    try:
        return {name: run.store.message(f"discord:{mid}") for name, mid in said.items()}
    finally:
        run.store.close()


async def test_embeds_added_later_files_stickers_and_replies_reach_the_archive_and_the_recap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def people(w: World, clock: HeldClock, said: dict[str, str]) -> None:
        await until(clock, 1.5)
        said["link"] = w.fake.say(w.ann, w.channel, f"A1: start with {PAGE}")
        said["rich"] = w.fake.share(
            w.bob,
            w.channel,
            "A1: our form, and what to bring",
            files=(("form.pdf", 48213, "application/pdf"),),
            embeds=(CHECKLIST,),
            stickers=(("wave", 1),),
            reply_to=said["link"],
        )
        w.fake.react(said["link"], UP, w.bob)
        await until(clock, 2)
        w.fake.unfurl(said["link"], PREVIEW)  # Discord's preview, after the message
        w.fake.react(said["rich"], UP, w.ann)
        w.fake.react(said["rich"], UP, w.ann, added=False)  # taken back: no reaction left

    stored = await hosted(tmp_path, monkeypatch, people)
    link, rich = stored["link"], stored["rich"]
    assert link.embeds == (Embed(PAGE, "Permits, step by step", "What to bring & when"),)
    assert link.edited_at is None  # a preview is not an edit of the text
    assert link.text == f"A1: start with {PAGE}" and link.links == (PAGE,)
    assert link.reactions == (Reaction(UP, 1),)
    assert rich.embeds == (Embed("", "Checklist", "1. ID\n2. Proof of address"),)
    assert rich.reply_to == link.id
    (pdf, wave) = rich.attachments
    assert (pdf.filename, pdf.size, pdf.content_type) == ("form.pdf", 48213, "application/pdf")
    assert pdf.url.startswith("https://cdn.discordapp.com/") and pdf.url.endswith("/form.pdf")
    assert pdf.url in rich.links
    assert (wave.filename, wave.size, wave.content_type) == ("wave", None, "image/png; sticker")
    assert wave.url.endswith(".png")
    assert rich.reactions == ()

    out = tmp_path / "out"
    exported = {m["id"]: m for m in recap_json(out)["messages"]}
    assert exported[link.id]["embeds"] == [
        {"url": PAGE, "title": "Permits, step by step", "description": "What to bring & when"}
    ]
    assert exported[link.id]["edited_at"] is None
    assert exported[rich.id]["embeds"] == [
        {"url": "", "title": "Checklist", "description": "1. ID\n2. Proof of address"}
    ]
    assert [a["filename"] for a in exported[rich.id]["attachments"]] == ["form.pdf", "wave"]
    assert exported[rich.id]["reply_to"] == link.id
    page = next(out.glob("*localgovchat*.html")).read_text(encoding="utf-8")
    assert "Permits, step by step" in page and "What to bring &amp; when" in page and "Checklist" in page
    notes = next(out.glob("*localgovchat*.md")).read_text(encoding="utf-8")
    assert "Permits, step by step" in notes and PAGE in notes


async def test_an_edit_keeps_the_preview_and_a_later_preview_joins_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "https://example.org/parking"

    async def people(w: World, clock: HeldClock, said: dict[str, str]) -> None:
        await until(clock, 1.5)
        said["link"] = w.fake.say(w.ann, w.channel, f"A1: see {PAGE}")
        await until(clock, 1.8)
        w.fake.unfurl(said["link"], PREVIEW)
        await until(clock, 2)
        w.fake.edit(said["link"], f"A1: see {PAGE} and {other}")  # the preview stays as it was
        await until(clock, 2.5)
        w.fake.unfurl(said["link"], {"url": other, "title": "Parking"})

    link = (await hosted(tmp_path, monkeypatch, people))["link"]
    assert link.text == f"A1: see {PAGE} and {other}" and link.edited_at is not None
    assert link.embeds == (Embed(PAGE, PREVIEW["title"], PREVIEW["description"]), Embed(other, "Parking"))


async def test_embeds_are_kept_as_the_importer_keeps_them_and_an_update_that_changes_nothing_is_not_heard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bot's message with no content reads as its embed's text (the embed not kept twice); an
    address that is not http(s) is dropped (its title kept); an embed of nothing but an image is
    left out; an update that changes neither text nor embeds (a pin) tells nothing."""
    async with world(SystemClock(), monkeypatch) as w:
        p = w.adapter(chat())
        await p.start()
        try:
            said = w.fake.share(w.bob, w.channel, "", embeds=({"description": " A1: from a bot "},))
            odd = w.fake.share(
                w.bob,
                w.channel,
                "A1: see these",
                embeds=({"url": "javascript:alert(1)", "title": "Trap"}, {"thumbnail": {"url": PAGE}}),
            )
            found = w.fake.find_message(odd)
            assert found is not None
            channel, m = found
            m["pinned"] = True  # pinned: an update that changes neither text nor embeds
            w.fake.gateway.broadcast("MESSAGE_UPDATE", lambda s: w.fake.gateway_message(s, channel, m))
            w.fake.edit(odd, "A1: see these, again")
            heard = await hear(p, 3)
            back = {x.id: x for x in await p.history()}
        finally:
            await p.stop()
    first, second, edit = heard
    assert isinstance(first, Message) and isinstance(second, Message)
    assert (first.id, first.text, first.embeds) == (said, " A1: from a bot ", ())
    assert (second.id, second.embeds) == (odd, (Embed("", "Trap"),))
    assert isinstance(edit, Edited) and (edit.text, edit.embeds) == ("A1: see these, again", None)
    assert back[said].embeds == () and back[odd].embeds == (Embed("", "Trap"),)
