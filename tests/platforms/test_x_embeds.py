"""What a live X post carries besides its text, kept as the importer of saved X API v2 pages keeps
it: its photos and videos (``includes.media``) and the card X made of a link (``entities.urls``
with a title and description, and where the link leads), through the real tweepy client on the
fake X API: by recent search in a whole session run by ``chatbot run``'s path, and by the stream."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from chatbot.clock import VirtualClock
from chatbot.core.model import Attachment, Embed, Message
from chatbot.importers import load
from chatbot.store import Store
from tests.platforms import xkit
from tests.platforms.test_x_adapter import hear
from tests.platforms.test_x_fake_spec import Spec
from tests.platforms.test_x_session import START, hosted
from tests.platforms.test_x_stream import T0, until
from tests.platforms.xfake import XFake, serve

GUIDE = "https://example.org/permits"
LEADS_TO = "https://example.org/permits/2026"
PHOTO = {"type": "photo", "url": "https://pbs.twimg.com/media/GdJ7permits.jpg"}
SEARCH = "/2/tweets/search/recent"
VIDEO = {"type": "video", "preview_image_url": "https://pbs.twimg.com/ext_tw_video_thumb/9/pu/img/desk.jpg"}


def rich_posts(fake: XFake) -> tuple[str, str]:
    """Ann links the guide (X has a card for it); Bob posts a photo and a video."""
    fake.card(GUIDE, "Permits, step by step", "What to bring & when", unwound_url=LEADS_TO)
    link = fake.tweet("ann", f"A1: start with {GUIDE} #localgovchat")
    media = fake.tweet("bob", "A1: the desk, and how it works #localgovchat", media=(PHOTO, VIDEO))
    return link, media


def assert_kept(link: Message, media: Message) -> None:
    assert link.embeds == (Embed(LEADS_TO, "Permits, step by step", "What to bring & when"),)
    assert link.text == f"A1: start with {GUIDE} #localgovchat" and link.links == (GUIDE,)
    assert media.attachments == (
        Attachment("GdJ7permits.jpg", PHOTO["url"]),
        Attachment("desk.jpg", VIDEO["preview_image_url"]),
    )
    assert media.embeds == ()


async def test_cards_and_media_reach_the_archive_and_the_recap(tmp_path: Path) -> None:
    clock = VirtualClock(START - timedelta(minutes=2))
    fake = XFake(clock)
    fake.user("govhost", "Gov Host")
    said: dict[str, str] = {}

    async def chat() -> None:
        await clock.sleep_until(START + timedelta(minutes=6))
        said["link"], said["media"] = rich_posts(fake)

    async with serve(fake) as url:
        assert await hosted(tmp_path, fake, clock, url, chat) == 0
    store = Store(tmp_path / "chat.db")
    try:
        link, media = (store.message(f"x:{said[k]}") for k in ("link", "media"))
    finally:
        store.close()
    assert_kept(link, media)
    export: dict[str, Any] = json.loads((tmp_path / "out" / "2026-11-24-localgovchat.json").read_text())
    exported = {m["id"]: m for m in export["messages"]}
    assert exported[said["link"]]["embeds"] == [
        {"url": LEADS_TO, "title": "Permits, step by step", "description": "What to bring & when"}
    ]
    assert [a["url"] for a in exported[said["media"]]["attachments"]] == [
        PHOTO["url"],
        VIDEO["preview_image_url"],
    ]
    page = (tmp_path / "out" / "2026-11-24-localgovchat.html").read_text(encoding="utf-8")
    assert "Permits, step by step" in page and "What to bring &amp; when" in page


async def test_the_stream_carries_cards_and_media_too() -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    async with serve(fake) as url:
        p = xkit.platform(url, clock, stream=True, start=T0 - timedelta(minutes=5))
        await p.start()
        listening = asyncio.ensure_future(hear(p, 2))
        await until(lambda: fake.stream.connected == 1)
        rich_posts(fake)
        link, media = await listening
        await p.stop()
    assert_kept(link, media)


async def searched(fake: XFake, clock: VirtualClock) -> tuple[dict[str, Message], str]:
    """What the adapter heard of the fake's posts, and the page of search results it read (the
    same request made again)."""
    async with serve(fake) as url:
        p = xkit.platform(url, clock, start=T0 - timedelta(minutes=5))
        await p.start()
        heard = {m.id: m for m in await p.history()}
        await p.stop()
        asked = fake.requests("search")[-1].params  # the adapter's own query, fields and expansions
        bearer = {"Authorization": f"Bearer {fake.creds.app_bearer}"}
        async with aiohttp.ClientSession(url) as http, http.get(SEARCH, params=asked, headers=bearer) as r:
            return heard, await r.text()


async def test_a_live_post_keeps_its_media_as_the_importer_keeps_them(tmp_path: Path) -> None:
    """The page of search results the adapter read, heard live and imported once saved: the same
    files, the same links."""
    clock = VirtualClock(T0)
    fake = XFake(clock)
    _, said = rich_posts(fake)
    heard, page = await searched(fake, clock)
    saved = tmp_path / "page.json"
    saved.write_text(page, encoding="utf-8")
    imported = {m.id: m for m in load(saved).messages}
    assert heard[said].attachments == imported[said].attachments != ()
    assert heard[said].links == imported[said].links


async def test_the_fakes_cards_and_media_have_the_specs_shapes(shared_data: Path) -> None:
    spec = Spec(shared_data / "api-specs" / "xdevplatform-xdk" / "openapi.json")
    clock = VirtualClock(T0)
    fake = XFake(clock)
    rich_posts(fake)
    _, page = await searched(fake, clock)
    body = json.loads(page)
    cards = [u for post in body["data"] for u in post.get("entities", {}).get("urls", [])]
    assert len(body["includes"]["media"]) == 2 and cards[0]["title"] == "Permits, step by step"
    assert spec.problems(SEARCH, body, spec.response("GET", SEARCH, "200")) == []
