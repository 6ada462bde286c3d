"""The search page: pages of hits with a total, words, prefixes and phrases that never break it,
bots and commands only when asked, times in each chat's zone (the store's side is in
tests/store/test_search.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import ClientSession

from chatbot.importing import import_files
from tests.web.kit import Served

NY = ZoneInfo("America/New_York")


def recorded(tmp_path: Path) -> Path:
    """A finished chat in New York: 45 answers about potholes, a bot's acknowledgement, a command."""
    lines = [("host", f"Q{n}: potholes, part {n}? #roadchat") for n in (1, 2, 3)]
    lines += [(f"p{i % 5}", f"A1: pothole {i} on Elm Street #roadchat") for i in range(45)]
    lines += [("dan", "/upvote 1"), ("bot:zodbot", "upvoted question 1 for dan")]
    path = tmp_path / "roadchat.jsonl"
    with path.open("w") as f:
        for i, (who, text) in enumerate(lines):
            name = who.removeprefix("bot:")
            author = {"id": name, "handle": name, "is_bot": who.startswith("bot:")}
            ts = f"2026-10-06T21:{i // 60:02d}:{i % 60:02d}-04:00"
            f.write(
                json.dumps({"id": f"r{i}", "platform": "web", "ts": ts, "author": author, "text": text})
                + "\n"
            )
    return path


async def test_pages_total_and_times_in_the_chats_zone(
    served: Served, client: ClientSession, tmp_path: Path
) -> None:
    import_files(served.store, [recorded(tmp_path)], tz=NY)
    first = await (await client.get("/search", params={"q": "pothole"})).text()
    assert "Results 1–20 of 45" in first and first.count('class="hit"') == 20
    assert 'rel="next" href="/search?q=pothole&amp;page=2"' in first and 'rel="prev"' not in first
    assert re.search(r">Tue 06 Oct, 21:00 EDT</time>", first)  # the chat's own clock, not UTC
    last = await (await client.get("/search", params={"q": "pothole", "page": "3"})).text()
    assert "Results 41–45 of 45" in last and last.count('class="hit"') == 5 and 'rel="next"' not in last
    assert "Page 3 of 3" in last


async def test_prefix_phrase_and_syntax_never_fail(
    served: Served, client: ClientSession, tmp_path: Path
) -> None:
    import_files(served.store, [recorded(tmp_path)], tz=NY)
    prefix = await (await client.get("/search", params={"q": "pothol*"})).text()
    assert "of 48" in prefix  # "potholes" in the three prompts too
    phrase = await (await client.get("/search", params={"q": '"elm street"'})).text()
    assert "of 45" in phrase and "<mark>Elm Street</mark>" in phrase
    for typed in ('"elm', "NEAR(elm", "elm OR", "-elm", "*", "elm:", "(", "a AND NOT"):
        r = await client.get("/search", params={"q": typed})
        assert r.status == 200, typed


async def test_bots_and_commands_only_when_asked(
    served: Served, client: ClientSession, tmp_path: Path
) -> None:
    import_files(served.store, [recorded(tmp_path)], tz=NY)
    plain = await (await client.get("/search", params={"q": "upvote*"})).text()
    assert "0 results" in plain
    asked = await (await client.get("/search", params={"q": "upvote*", "bots": "1"})).text()
    assert "of 2" in asked and 'name="bots" value="1" checked' in asked
