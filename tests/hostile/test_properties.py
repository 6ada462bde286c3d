"""Property-based: any frame, any query value, any form field. The session runs (the real runner,
the real start-up) in a thread of its own for the module; each example is a new visitor from its
own address. Whatever hypothesis sends: no 500, no traceback in the log, the socket answers a ping
or is closed with a clear code, and what was stored before is still served."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import yarl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import corpus
from tests.hostile.kit import CLEAR_CLOSES, Addresses, LogWatch, Visitor
from tests.web.kit import SID, TOKEN, config, hosted

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

texts = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),  # surrogates too
    st.sampled_from(corpus.STRINGS),
)
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
frames = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["join", "post", "command", "react", "ping"]), texts, values)},
    optional={
        k: st.one_of(texts, values) for k in ("name", "text", "reply_to", "ref", "args", "id", "emoji")
    },
)


@dataclass
class Room:
    base: str
    addresses: Addresses
    watch: LogWatch
    before: set[str]
    host_cookie: str = ""
    csrf: str = ""


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    """The served session in a thread of its own (examples run their own event loops)."""
    tmp = tmp_path_factory.mktemp("hostile-properties")
    (tmp / "out").mkdir()
    ready, box = threading.Event(), dict[str, Any]()

    async def main() -> None:
        stop = asyncio.Event()
        async with hosted(config(tmp / "chatbot.db", tmp / "out")) as s:
            ids = {await s.say(f"Before{i}", f"A1: said before {i}") for i in range(3)}
            box.update(served=s, loop=asyncio.get_running_loop(), stop=stop, ids=ids)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(30), "the session did not start"
    watch = LogWatch()
    logging.getLogger().addHandler(watch)
    r = Room(box["served"].base, Addresses(3), watch, box["ids"])
    asyncio.run(_login(r))
    try:
        yield r
    finally:
        logging.getLogger().removeHandler(watch)
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(30)


async def _login(r: Room) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=r.base, cookie_jar=jar) as http:
        login = await http.post(
            "/login", data={"token": TOKEN, "next": f"/host/{SID}"}, allow_redirects=False
        )
        assert login.status == 303
        page = await (await http.get(f"/host/{SID}")).text()
        found = re.search(r'data-csrf="([^"]+)"', page)
        assert found
        r.csrf = found.group(1)
        r.host_cookie = "; ".join(f"{c.key}={c.value}" for c in jar)


def still_well(r: Room) -> None:
    """No traceback logged by this example (the log is emptied after each), nothing stored lost."""
    bad = r.watch.tracebacks()
    r.watch.records.clear()
    assert not bad, bad

    async def stored() -> set[str]:
        async with aiohttp.ClientSession(base_url=r.base) as http:
            got = await (await http.get(f"/api/sessions/{SID}/messages", params={"limit": "500"})).json()
            return {m["id"] for m in got["messages"]}

    assert r.before <= asyncio.run(stored()), "messages stored before are gone"


@EXAMPLES
@given(sent=st.lists(st.one_of(frames, texts, st.binary(max_size=40)), min_size=1, max_size=4))
def test_any_frames(room: Room, sent: list[Any]) -> None:
    async def visit() -> None:
        v = await Visitor.arrive(room.base, room.addresses.take())
        try:
            for f in sent:
                await v.exchange(json.dumps(f) if isinstance(f, dict) else f)
            if v.closed is None:
                await v.exchange({"type": "ping"})
            assert v.closed is None or v.closed.code in CLEAR_CLOSES, v.closed
        finally:
            await v.leave()

    asyncio.run(visit())
    still_well(room)


def _q(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@EXAMPLES
@given(
    value=texts,
    where=st.sampled_from(
        [
            "/search?q=",
            "/search?page=",
            f"/api/sessions/{SID}/messages?limit=",
            f"/api/sessions/{SID}/messages?after=",
            "/chat/",
            "/recaps/",
            "/api/sessions/",
        ]
    ),
)
def test_any_query_or_path_value(room: Room, value: str, where: str) -> None:
    async def fetch() -> tuple[int, str, str]:
        connector = aiohttp.TCPConnector(local_addr=(room.addresses.take(), 0))
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.get(yarl.URL(room.base + where + _q(value), encoded=True), allow_redirects=False) as r,
        ):
            return r.status, r.content_type, await r.text(errors="replace")

    status, kind, body = asyncio.run(fetch())
    assert status < 500 and "Traceback" not in body, (status, body[:200])
    assert not (("html" in kind or "xml" in kind) and corpus.markers_in(body)), body[:300]
    still_well(room)


@EXAMPLES
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "action",
                "n",
                "into",
                "team",
                "minutes",
                "command",
                "text",
                "key",
                "platform",
                "went_out",
                "confirm",
            ]
        ),
        texts,
        max_size=5,
    ),
    path=st.sampled_from(["action", "say", "held"]),
)
def test_any_dashboard_form(room: Room, fields: dict[str, str], path: str) -> None:
    fields = {k: v for k, v in fields.items() if not (k == "action" and v == "end")}
    body = "&".join(f"{_q(k)}={_q(v)}" for k, v in {**fields, "csrf": room.csrf}.items())

    async def send() -> tuple[int, str, str]:
        headers = {
            "Cookie": room.host_cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": room.base,
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{room.base}/host/{SID}/{path}", data=body, headers=headers, allow_redirects=False
            ) as r,
        ):
            return r.status, r.content_type, await r.text(errors="replace")

    status, kind, text = asyncio.run(send())
    assert status < 500 and "Traceback" not in text, (status, text[:200])
    assert not (("html" in kind or "xml" in kind) and corpus.markers_in(text)), text[:300]
    still_well(room)
