"""The X adapter alone on the fake X API, through the real tweepy client: hearing a burst whole,
polling fast during the chat and slow before it, staying under the limits, waiting out 429s,
retrying 5xx, error pages, dropped and slow answers, never re-sending a post blindly, the read
budget held across restarts, catch-up within its budget, hosts by handle or id, likes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import VirtualClock
from chatbot.core.events import Event, Tallied
from chatbot.core.model import Message
from chatbot.platforms.base import PlatformError, PostTooLong, UnknownCursor, read_history
from chatbot.platforms.x.adapter import XPlatform
from chatbot.platforms.x.client import Unavailable
from chatbot.platforms.x.spendbook import ArchiveBook
from chatbot.store import Store
from tests.platforms import xkit
from tests.platforms.xfake import XFake, serve

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WAIT = 5.0  # real seconds a test waits for what it expects to hear


@dataclass
class On:
    fake: XFake
    clock: VirtualClock
    url: str

    def platform(self, **kw: Any) -> XPlatform:
        return xkit.platform(self.url, self.clock, **kw)


@asynccontextmanager
async def on_fake(at: datetime = T0) -> AsyncIterator[On]:
    clock = VirtualClock(at)
    fake = XFake(clock)
    async with serve(fake) as url:
        yield On(fake, clock, url)


async def hear(p: XPlatform, n: int, kind: type = Message) -> list[Any]:
    """The first ``n`` events of ``kind`` the adapter yields."""
    got: list[Event] = []

    async def read() -> None:
        async for ev in p.events():  # ends when the adapter stops
            if isinstance(ev, kind):
                got.append(ev)
                if len(got) == n:
                    return

    await asyncio.wait_for(read(), WAIT)
    return got


def tagged(n: int, start: int = 0) -> list[str]:
    return [f"A1: answer {i} #localgovchat" for i in range(start, start + n)]


async def test_a_burst_is_heard_whole_across_pages_oldest_first() -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        ids = [x.fake.tweet(f"resident{i}", text) for i, text in enumerate(tagged(250))]
        heard = await hear(p, 250)
        await p.stop()
    assert [m.id for m in heard] == ids
    assert heard[0].author.handle == "@resident0" and heard[0].text == "A1: answer 0 #localgovchat"
    pages = [r.params for r in x.fake.requests("search")][-3:]  # once X has indexed them: 3 pages
    assert [("next_token" in q, q["max_results"]) for q in pages] == [
        (False, "100"),
        (True, "100"),
        (True, "100"),
    ]


async def test_a_burst_bigger_than_max_pages_keeps_the_newest_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with on_fake() as x:
        p = x.platform(max_pages=2)
        await p.start()
        ids = [x.fake.tweet(f"r{i}", text) for i, text in enumerate(tagged(250))]
        heard = await hear(p, 200)
        await p.stop()
    assert [m.id for m in heard] == ids[50:]
    assert "event=x_burst_cut session=test read=200 max_pages=2" in caplog.text


async def test_polling_is_slow_before_the_chat_and_fast_during_it() -> None:
    async with on_fake() as x:
        p = x.platform(start=T0 + timedelta(minutes=30), poll_seconds=15, idle_poll_seconds=300)
        await p.start()
        listening = asyncio.ensure_future(hear(p, 1000))
        await x.clock.sleep_until(T0 + timedelta(minutes=22))
        await p.stop()
        await listening
    times = [(r.at - T0).total_seconds() / 60 for r in x.fake.requests("search")]
    assert times[:5] == [0, 5, 10, 15, 20]  # every 5 minutes until 10 minutes before the chat...
    assert times[5:9] == [20.25, 20.5, 20.75, 21]  # ...then every 15 seconds


async def test_requests_never_go_over_the_configured_limit() -> None:
    """Two searches per 15 minutes: a burst needing three pages waits for the window, all heard."""
    async with on_fake() as x:
        x.fake.limits["search"] = (2, 2)  # X would refuse a third
        p = x.platform(limits={"search": 2})
        await p.start()
        ids = [x.fake.tweet(f"r{i}", text) for i, text in enumerate(tagged(250))]
        heard = await hear(p, 250)
        await p.stop()
    assert [m.id for m in heard] == ids
    assert x.fake.over_limit == 0 and x.fake.most_in_a_window("search") == 2
    assert p.interval() == 450  # 15 minutes over 2 searches, whatever poll_seconds says


async def test_a_429_storm_is_waited_out_until_x_says_and_nothing_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        x.fake.fail("429", "search", times=3, reset_in=120)
        said = x.fake.tweet("ann", "A1: still here #localgovchat")
        heard = await hear(p, 1)
        await p.stop()
    assert [m.id for m in heard] == [said]
    log = x.fake.requests("search")[:4]
    assert [r.status for r in log] == [429, 429, 429, 200]
    assert [(r.at - T0).total_seconds() for r in log] == [0, 121, 242, 363]  # each reset, plus a second
    assert caplog.text.count("event=x_rate_limited endpoint=search retry_in_s=121") == 3


@pytest.mark.parametrize("kind", ["500", "503", "502html", "drop"])
async def test_server_errors_error_pages_and_dropped_answers_are_retried(kind: str) -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        x.fake.fail(kind, "search", times=2)
        said = x.fake.tweet("ann", "A1: still here #localgovchat")
        heard = await hear(p, 1)
        await p.stop()
    assert [m.id for m in heard] == [said]
    log = x.fake.requests("search")[:3]
    if kind == "drop":  # aiohttp itself asks again at once on a fresh connection, then we do
        assert [r.status for r in log] == [499, 499, 200]
        return
    assert log[-1].status == 200
    waits = [(b.at - a.at).total_seconds() for a, b in pairwise(log)]
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2  # capped exponential backoff with jitter


async def test_a_post_x_shows_late_in_search_is_still_heard() -> None:
    """X indexes with a delay: a post shown after a newer one would fall behind the cursor, so
    searches read only what is settle_seconds old."""
    async with on_fake() as x:
        p = x.platform(settle_seconds=10)
        await p.start()
        late = x.fake.tweet("ann", "A1: slow to show #localgovchat", lag=8)
        x.clock.advance(timedelta(seconds=1))
        quick = x.fake.tweet("bob", "A1: shown at once #localgovchat")
        heard = await hear(p, 2)
        await p.stop()
    assert [m.id for m in heard] == [late, quick]


async def test_a_slow_answer_times_out_and_is_asked_again() -> None:
    async with on_fake() as x:
        p = x.platform(timeout_seconds=0.2)
        await p.start()
        x.fake.fail("slow", "search", delay=1.0)
        said = x.fake.tweet("ann", "A1: patience #localgovchat")
        assert [m.id for m in await hear(p, 1)] == [said]
        await p.stop()


async def test_reading_gives_up_after_its_retries_and_says_why() -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        x.fake.fail("503", "search", times=10)
        with pytest.raises(
            Unavailable, match=r"x: search failed 6 times in a row \(TwitterServerError 503\)"
        ):
            await hear(p, 1)
        await p.stop()
    assert len(x.fake.requests("search")) == 6


async def test_a_post_is_never_sent_again_after_a_server_error() -> None:
    """It may have gone out: the ledger looks it up in the history before sending it again."""
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        x.fake.fail("503", "post")
        with pytest.raises(PlatformError, match="not retried: it may have gone through"):
            await p.post("Q1: what do residents ask most? #localgovchat")
        await p.stop()
    assert len(x.fake.requests("post")) == 1


async def test_a_post_x_finds_too_long_is_refused_as_too_long() -> None:
    async with on_fake() as x:
        x.fake.max_weighted = 100  # X counts differently than we do
        p = x.platform()
        await p.start()
        with pytest.raises(PostTooLong, match="X says the post is too long"):
            await p.post("Q1: " + "word " * 40 + "#localgovchat")
        await p.stop()


async def test_a_reply_to_a_question_deleted_meanwhile_goes_out_on_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        asked = x.fake.tweet("ann", "#ask who answers at night? #localgovchat")
        post = x.fake.timeline.get(int(asked))
        assert post is not None
        post.deleted = True
        posted = await p.post("Next question, from @ann: who answers at night? #localgovchat", reply_to=asked)
        await p.stop()
    made = x.fake.timeline.get(int(posted))
    assert made is not None and made.reply_to is None
    assert f"event=x_reply_target_gone session=test reply_to={asked} action=post_alone" in caplog.text


async def test_the_bots_own_posts_come_back_as_its_own() -> None:
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        mine = await p.post("Q1: what do residents ask most? #localgovchat")
        (heard,) = await hear(p, 1)
        await p.stop()
    assert heard.id == mine and heard.author == await p.identity() and heard.author.is_bot


async def test_the_read_budget_is_never_exceeded_and_holds_across_a_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "chat.db"
    Store(db).close()
    async with on_fake() as x:
        for i, text in enumerate(tagged(50)):
            x.fake.tweet(f"r{i}", text)
        first = x.platform(read_budget=30, book=ArchiveBook(db, "test"))
        await first.start()
        heard = await hear(first, 30)
        await x.clock.sleep_until(T0 + timedelta(minutes=5))
        await first.stop()
        assert len(heard) == 30 and first.api.spend.reads == 30
        assert "event=x_read_budget_reached session=test" in caplog.text
        again = x.platform(read_budget=30, book=ArchiveBook(db, "test"))
        await again.start()
        with pytest.raises(PlatformError, match="30 of 30 posts read"):
            await again.history()
        await again.stop()
    assert again.api.spend.reads == 30  # what the first run spent, from the archive
    assert all(int(r.params["max_results"]) <= 30 for r in x.fake.requests("search"))
    store = Store(db)
    assert {u["endpoint"]: u["units"] for u in store.usage("test")}["search"] == 30
    store.close()


async def test_catch_up_reads_only_what_the_cursor_missed_within_its_budget() -> None:
    async with on_fake() as x:
        cursor = x.fake.tweet("ann", "A1: the last one heard #localgovchat")
        x.clock.advance(timedelta(minutes=3))
        missed = [x.fake.tweet(f"r{i}", text) for i, text in enumerate(tagged(40))]
        p = x.platform(history_budget=100)
        await p.start()
        pages = [page async for page in read_history(p, cursor)]
        assert [m.id for page in pages for m in page] == missed
        assert p.api.spend.reads == 40 and len(x.fake.requests("search")) == 1
        assert x.fake.requests("search")[0].params["since_id"] == cursor
        x.fake.tweet("bob", "A1: after the catch-up #localgovchat")
        (live,) = await hear(p, 1)  # the poller goes on from where the catch-up ended
        await p.stop()
    assert live.text == "A1: after the catch-up #localgovchat" and p.api.spend.reads == 41


async def test_catch_up_stops_at_its_budget() -> None:
    async with on_fake() as x:
        cursor = x.fake.tweet("ann", "A1: the last one heard #localgovchat")
        for i, text in enumerate(tagged(250)):
            x.fake.tweet(f"r{i}", text)
        p = x.platform(history_budget=100)
        await p.start()
        found = [m for page in [pg async for pg in read_history(p, cursor)] for m in page]
        await p.stop()
    assert len(found) == 100 and p.api.spend.reads == 100


async def test_a_cursor_x_no_longer_keeps_is_unknown() -> None:
    async with on_fake() as x:
        old = x.fake.tweet("ann", "A1: last week #localgovchat")
        x.clock.advance(timedelta(days=7, minutes=1))
        p = x.platform()
        await p.start()
        for cursor in (old, "not-an-id", "12345678901234567890123"):
            with pytest.raises(UnknownCursor):
                await p.history(after=cursor)
        await p.stop()
    assert x.fake.requests("search") == []  # known without asking (and paying)


async def test_hosts_by_handle_or_id_stay_hosts_when_they_rename_themselves() -> None:
    async with on_fake() as x:
        gov, co = x.fake.user("govhost", "Gov Host"), x.fake.user("cohost", "Co Host")
        p = x.platform(hosts=("@GovHost", f"id:{co.id}", "@nobody"))
        await p.start()
        gov.username, co.username = "gov_host_2026", "co_renamed"
        x.fake.tweet(gov, "Q1: what do residents ask most? #localgovchat")
        x.fake.tweet(co, "/approve 1 #localgovchat")
        x.fake.tweet("ann", "A1: permits #localgovchat")
        heard = await hear(p, 3)
        await p.stop()
    assert [(m.author.handle, m.author.is_host) for m in heard] == [
        ("@gov_host_2026", True),
        ("@co_renamed", True),
        ("@ann", False),
    ]
    assert [r.params["usernames"] for r in x.fake.requests("users")] == ["GovHost,nobody"]


async def test_likes_on_the_pending_questions_are_read_in_batches_of_100() -> None:
    async with on_fake() as x:
        asked = [x.fake.tweet(f"r{i}", f"#ask question {i} #localgovchat") for i in range(150)]
        p = x.platform(likes_seconds=60)
        await p.start()
        p.watch_votes([*asked, "not-an-id"])
        x.fake.like(asked[3], 5)
        first = await hear(p, 150, Tallied)
        x.fake.like(asked[3], 2)
        (second,) = await hear(p, 1, Tallied)
        await p.stop()
    assert {t.message_id: t.count for t in first}[asked[3]] == 5 and {t.emoji for t in first} == {"like"}
    assert (second.message_id, second.count) == (asked[3], 7)  # only what changed
    sizes = [len(r.params["ids"].split(",")) for r in x.fake.requests("lookup")]
    assert sizes == [100, 50, 100, 50]
    gap = x.fake.requests("lookup")[2].at - x.fake.requests("lookup")[0].at
    assert gap == timedelta(seconds=60)


async def test_every_request_is_counted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with on_fake() as x:
        p = x.platform()
        await p.start()
        x.fake.fail("503", "search")
        x.fake.tweet("ann", "A1: counted #localgovchat")
        await hear(p, 1)
        await p.post("Thanks for joining #localgovchat")
        await p.stop()
    assert p.api.spend.requests == len(x.fake.log)
    assert p.api.spend.reads == 1 and p.api.spend.posts == 1
    assert f"event=x_spend session=test requests={len(x.fake.log)} reads=1 posts=1" in caplog.text
