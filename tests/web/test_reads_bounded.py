"""Anonymous reads do bounded work off the event loop: a page of messages reads a page of rows
whatever the chat's size, paging gives every message once, the live room answers while readers
hammer the API, and each address gets its fair share (429 past it)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from chatbot.config import Config, SessionConfig
from chatbot.importing import import_files
from chatbot.web.throttle import ReadThrottle
from tests.web.conftest import NewClient
from tests.web.kit import START, Served, spec, until
from tests.web.test_room import joined, receive

BIG, SMALL = "bigchat-2026-10-06", "smallchat-2026-10-13"


def recorded_chat(
    path: Path, n: int, chat: str = "chat line {i}", *, day: int = 49, prefix: str = "b"
) -> Path:
    """A finished chat of ``n`` lines (``day`` days before the running one): a prompt, answers
    and ``chat`` lines, and every 50th line a command and the bot's reply to it (neither is in
    the transcript); ids are ``prefix`` and the line's number."""
    lines = []
    for i in range(n):
        if i == 0:
            who, text = "LocalGovChat", "Q1: what should we fix first?"
        elif i % 50 == 0:
            who, text = f"p{i % 7}", "/upvote 1"
        elif i % 50 == 1:
            who, text = "bot:chatbot", f"upvoted for p{(i - 1) % 7}"
        else:
            who, text = f"p{i % 7}", f"A1: pothole {i} on Elm Street" if i % 3 else chat.format(i=i)
        lines.append((who, text))
    with path.open("w") as f:
        for i, (who, text) in enumerate(lines):
            name = who.removeprefix("bot:")
            author = {"id": f"id-{name}", "handle": name, "is_bot": who.startswith("bot:")}
            ts = (START - timedelta(days=day) + timedelta(seconds=i // 2)).isoformat()  # two a second
            reply = {"reply_to": f"{prefix}{i - 1}"} if who.startswith("bot:") else {}
            line = {"id": f"{prefix}{i}", "platform": "web", "ts": ts, "author": author, "text": text}
            f.write(json.dumps({**line, **reply}) + "\n")
    return path


@pytest.fixture
async def archive(served: Served, tmp_path: Path) -> Served:
    """Beside the running session: a finished chat of 3,000 lines and one of 30, with one of the
    big chat's people removed from its recap."""
    for sid, n, day, prefix in ((BIG, 3000, 49, "b"), (SMALL, 30, 42, "s")):
        start = START - timedelta(days=day)
        session = SessionConfig(spec(id=sid, title=sid, start=start, duration_minutes=120))
        path = recorded_chat(tmp_path / f"{sid}.jsonl", n, day=day, prefix=prefix)
        import_files(served.store, [path], config=Config(Path("(test)"), sessions=(session,)))
    served.store.redact("participant", "p3", by="host")
    return served


class Steps:
    """What the readers' connections did: SQLite VM steps (in hundreds) and the threads their
    statements ran on (``count=False``: the threads only, which costs the readers nothing)."""

    def __init__(self, served: Served, *, count: bool = True) -> None:
        self.steps = 0
        self.count = count
        self.threads: Counter[str] = Counter()
        served.ctx.reads.on_connect.append(self.watch)

    def watch(self, conn: sqlite3.Connection) -> None:
        def step() -> int:
            self.steps += 1
            return 0

        if self.count:
            conn.set_progress_handler(step, 100)
        conn.set_trace_callback(lambda sql: self.threads.update([threading.current_thread().name]))

    async def of(self, client: ClientSession, path: str) -> int:
        before = self.steps
        r = await client.get(path)
        assert r.status == 200, await r.text()
        return self.steps - before


async def pages(client: ClientSession, sid: str, limit: int) -> list[dict[str, Any]]:
    """Every message of the session's transcript, page after page, following ``next``."""
    got: list[dict[str, Any]] = []
    params = {"limit": str(limit)}
    while True:
        page = await (await client.get(f"/api/sessions/{sid}/messages", params=params)).json()
        assert len(page["messages"]) <= limit
        got += page["messages"]
        if not page["more"]:
            assert page["next"] is None
            return got
        assert page["next"] == page["messages"][-1]["id"]
        params["after"] = page["next"]


async def test_paging_gives_every_message_of_the_export_once_in_order(
    archive: Served, client: ClientSession
) -> None:
    archive.ctx.throttle = ReadThrottle(10_000, 1)  # 430 pages of 7
    export = await (await client.get(f"/api/sessions/{BIG}")).json()
    assert len(export["messages"]) > 2800  # commands and the bot's replies to them are left out
    assert any(m["author"] == "(removed)" and m["text"] == "" for m in export["messages"])
    assert await pages(client, BIG, 500) == export["messages"]
    assert await pages(client, BIG, 7) == export["messages"]
    small = await (await client.get(f"/api/sessions/{SMALL}")).json()
    assert await pages(client, SMALL, 1) == small["messages"]


async def test_a_page_reads_as_many_rows_in_a_big_chat_as_in_a_small_one(
    archive: Served, client: ClientSession
) -> None:
    steps = Steps(archive)
    small = await steps.of(client, f"/api/sessions/{SMALL}/messages?limit=1")
    big = await steps.of(client, f"/api/sessions/{BIG}/messages?limit=1")
    later = await steps.of(client, f"/api/sessions/{BIG}/messages?limit=1&after=b2500")
    whole = await steps.of(client, f"/api/sessions/{BIG}")  # the export reads the whole chat
    assert big <= 2 * small + 20 and later <= 2 * small + 20, (small, big, later)
    assert whole > 20 * big, (big, whole)
    assert archive.ctx.exports.builds == 1  # only the whole export was built, once
    assert set(steps.threads) and all(t.startswith("chatbot-read") for t in steps.threads)


async def test_an_export_is_built_once_per_change(archive: Served, client: ClientSession) -> None:
    first = await (await client.get(f"/api/sessions/{SMALL}")).json()
    again = await (await client.get(f"/api/sessions/{SMALL}")).json()
    assert first == again and archive.ctx.exports.builds == 1
    archive.ctx.exports.recheck = 0  # look at the session's version at every request
    assert await (await client.get(f"/api/sessions/{SMALL}")).json() == first
    assert archive.ctx.exports.builds == 1  # the same version: the kept export
    (m5,) = [m for m in first["messages"] if m["id"] == "s5"]
    archive.store.redact("message", "web:s5", by="host")
    hidden = await (await client.get(f"/api/sessions/{SMALL}")).json()
    (now,) = [m for m in hidden["messages"] if m["id"] == "s5"]
    assert m5["text"] and now["text"] == "" and now["removed"] and archive.ctx.exports.builds == 2
    queue = await (await client.get(f"/api/sessions/{SMALL}/queue")).json()
    assert queue == {"session": SMALL, "live": False, "status": "imported", "queue": hidden["questions"]}


async def test_the_live_room_answers_while_readers_hammer_the_api(
    archive: Served, client: ClientSession, new_client: NewClient
) -> None:
    archive.ctx.throttle = ReadThrottle(10_000, 1)  # every reader comes from 127.0.0.1
    steps = Steps(archive, count=False)
    jane = await joined(client, "Jane")
    readers = [new_client() for _ in range(4)]
    heavy = [
        f"/api/sessions/{BIG}/messages?limit=500&after=b1000",
        "/search?q=pothole",
        f"/api/sessions/{BIG}",
        "/api/sessions",
    ]
    stop = asyncio.Event()
    done = Counter[str]()

    async def hammer(reader: ClientSession, path: str) -> None:
        while not stop.is_set():
            r = await reader.get(path)
            assert r.status == 200, await r.text()
            await r.read()
            done[path] += 1

    loops = [asyncio.create_task(hammer(r, p)) for r, p in zip(readers, heavy, strict=True)]
    try:
        for i in range(4):  # the room takes 5 posts or joins in 5 s from one browser
            target = sum(done.values()) + 4
            await until(lambda: sum(done.values()) >= target, "readers get answers", timeout=30)  # noqa: B023
            await jane.send_json({"type": "post", "text": f"hello {i}", "ref": f"r{i}"})
            echo = (await receive(jane, "message"))["message"]
            assert echo["text"] == f"hello {i}"
        assert all(not t.done() for t in loops)  # the readers were at it all along
    finally:
        stop.set()
        await asyncio.gather(*loops)
    assert set(steps.threads) and all(t.startswith("chatbot-read") for t in steps.threads)


async def test_an_address_past_its_share_gets_429(archive: Served, client: ClientSession) -> None:
    archive.ctx.throttle = ReadThrottle(3, 60)
    for _ in range(3):
        assert (await client.get(f"/api/sessions/{SMALL}/messages?limit=1")).status == 200
    r = await client.get(f"/api/sessions/{SMALL}/messages?limit=1")
    assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
    assert (await r.json())["error"].startswith("too many requests")
    page = await client.get("/")
    assert page.status == 429 and page.content_type == "text/html"
    assert len((await page.text()).strip().splitlines()) == 1
    # the live room and health checks have limits of their own
    assert (await client.get("/chat/localgovchat")).status == 200
    assert (await client.get("/healthz")).status == 200


async def test_a_whole_export_costs_more_of_the_share(archive: Served, client: ClientSession) -> None:
    archive.ctx.throttle = ReadThrottle(5, 60)
    assert (await client.get(f"/api/sessions/{SMALL}")).status == 200  # 4 of 5
    assert (await client.get(f"/api/sessions/{SMALL}")).status == 429
    assert (await client.get(f"/api/sessions/{SMALL}/messages")).status == 200  # the last one
