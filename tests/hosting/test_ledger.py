"""The ledger's history check and what it does when the history cannot tell: a post that may have
gone out before a crash is found and confirmed, sent when the history shows it is not there, and
held for a host (never sent again blindly) when the history cannot say; the chat goes on, the
host settles it either way, and a restart keeps it held."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatbot.config import SessionConfig
from chatbot.core.model import Author, Message
from chatbot.hosting.ledger import Fault, Ledger, Target
from chatbot.hosting.live import CommandResult
from chatbot.hosting.lookup import Absent, Found, Unknown
from chatbot.hosting.payloads import LiveState
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.base import PlatformError
from chatbot.platforms.memory import BOT, MemoryPlatform, MemoryRoom
from chatbot.store import LedgerRow, Store, iso
from tests.hosting.kit import HOST, TIMELINE, Harness, at, bot_posts, make_session, posted, replies_in, said

DAY = TIMELINE[1:]  # the session's posts without its announcement
Q1 = "Q1: What is one thing residents ask you most?"
BUDGET = 3  # messages the restarted bot may read from the history per lookup


class Crash(Exception):
    """The process dies here."""


# -- the lookup itself, on a ledger over a memory room -----------------------------------------------
class Ledgers:
    """Ledgers of session ``s`` on one platform over one archive, as successive processes make
    them; confirmations are stored as the runner's are."""

    def __init__(self, store: Store, platform: MemoryPlatform, h: Harness) -> None:
        self.store, self.platform, self.clock = store, platform, h.clock

    def confirm(self, row: LedgerRow, m: Message) -> None:
        self.store.write_live(
            "s",
            confirm={"key": row["key"], "platform": "x", "platform_id": m.id, "posted_at": iso(m.ts)},
        )

    def make(self, cursor: str | None = None) -> Ledger:
        """A ledger that last heard ``cursor`` on the platform."""
        return Ledger(
            self.store, "s", {"x": self.platform}, {"x": BOT}, self.clock,
            hashtag="#localgovchat", confirm=self.confirm, cursors={"x": cursor} if cursor else {},
        )  # fmt: skip


@contextmanager
def ledger_on(h: Harness, platform: MemoryPlatform) -> Iterator[tuple[Ledger, Store]]:
    with h.archive() as store:
        yield Ledgers(store, platform, h).make(), store


def intended(ledger: Ledger, store: Store, key: str, text: str) -> LedgerRow:
    ledger.intend(ledger.plan(key, text, [Target("x")], kind="reply"))
    return next(r for r in store.ledger("s") if r["key"] == key)


async def started(room: MemoryRoom, *, history_budget: int = 10_000) -> MemoryPlatform:
    platform = MemoryPlatform(room, history_budget=history_budget)
    await platform.start()
    return platform


async def test_lookup_finds_the_bots_post_even_as_the_platform_rewrote_it(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    room = h.rooms["x"]
    platform = await started(room)
    with ledger_on(h, platform) as (ledger, store):
        row = intended(ledger, store, "reply:a", "See https://example.org/a/long/path & more")
        room.say("@ann", "See https://example.org/a/long/path & more #localgovchat")  # not the bot's
        mine = room.say(BOT, "See  https://t.co/x1Yz &amp; more #localgovchat")  # links and & rewritten
        assert await ledger.lookup(platform, row) == Found(room.get(mine.id))


async def test_lookup_reads_to_the_end_and_says_absent(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    room = h.rooms["x"]
    older = room.say(BOT, "Thanks! #localgovchat")  # before the cursor: another post, not this one
    platform = await started(room)
    with h.archive() as store:
        ledger = Ledgers(store, platform, h).make(cursor=older.id)
        row = intended(ledger, store, "reply:a", "Thanks!")
        room.say("@ann", "A1 #localgovchat")
        assert await ledger.lookup(platform, row) == Absent(read=1)


async def test_lookup_skips_a_post_another_row_already_claims(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    room = h.rooms["x"]
    platform = await started(room)
    with h.archive() as store:
        ledgers = Ledgers(store, platform, h)
        before = ledgers.make()
        intended(before, store, "reply:a", "Thanks!")
        second = intended(before, store, "reply:b", "Thanks!")  # the same words to someone else
        room.say(BOT, "Thanks! #localgovchat")  # one of them went out, then the bot died
        ledger = ledgers.make()  # a new process: both rows may have gone out
        await ledger.deliver("reply:a")  # found and confirmed with the one post there is
        assert await ledger.lookup(platform, second) == Absent(read=1)
        await ledger.deliver("reply:b")  # so the second one is sent
        assert [(r["key"], r["platform_id"]) for r in store.ledger("s")] == [
            ("reply:a", "x1"),
            ("reply:b", "x2"),
        ]
    assert [m.text for m in bot_posts(room)] == ["Thanks! #localgovchat"] * 2


async def test_lookup_that_cannot_tell_says_so(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    room = h.rooms["x"]
    platform = await started(room, history_budget=BUDGET)
    with ledger_on(h, platform) as (ledger, store):
        row = intended(ledger, store, "reply:a", "Thanks!")
        for i in range(BUDGET):
            room.say(f"@p{i}", f"chatter {i}")
        assert await ledger.lookup(platform, row) == Unknown("history_budget", read=BUDGET)
        forgotten: LedgerRow = {**row, "after": "x999"}  # a cursor the platform does not know
        result = await ledger.lookup(platform, forgotten)
        assert isinstance(result, Unknown) and result.reason == "unknown_cursor"


@pytest.mark.parametrize(
    ("history", "settled", "status"),
    [("has it", "found_posted", "posted"), ("lacks it", "skipped", "dropped"), ("fails", "held", "held")],
)
async def test_settling_a_skipped_post(tmp_path: Path, history: str, settled: str, status: str) -> None:
    h = Harness(tmp_path)
    room = h.rooms["x"]
    platform = await started(room)
    with ledger_on(h, platform) as (ledger, store):
        intended(ledger, store, "prompt:Q1", Q1)
        if history == "has it":
            room.say(BOT, f"{Q1} #localgovchat")
        if history == "fails":
            platform.history = fail  # type: ignore[method-assign]
        assert await ledger.settle_unsent("prompt:Q1") == settled
        assert [r["status"] for r in store.ledger("s")] == [status]
    assert len(bot_posts(room)) == (history == "has it")  # nothing sent while settling


async def fail(*, after: str | None = None, limit: int = 100) -> list[Message]:
    raise PlatformError("x: 503")


# -- a real runner, restarted after a crash between intending and confirming Q1 ------------------------
def crash_after_chatter(room: MemoryRoom, point: str) -> Fault:
    """People talk between the bot intending Q1 and sending it (more than the restarted bot may
    read), then the bot dies at ``point``: before the post (``send``) or after it (``confirm``)."""

    def fault(p: str, key: str) -> None:
        if key != "prompt:Q1":
            return
        if p == "send":
            for i in range(BUDGET + 2):
                room.say(f"@p{i}", f"chatter {i} #localgovchat")
        if p == point:
            raise Crash(f"{p} {key}")

    return fault


async def crashed(h: Harness, point: str) -> SessionConfig:
    session = make_session(announce_before_minutes=[])
    with pytest.raises(Crash):
        await h.runner(session, fault=crash_after_chatter(h.rooms["x"], point)).run()
    assert h.clock.now() == at(5)
    return session


def budgeted(h: Harness) -> list[MemoryPlatform]:
    return [MemoryPlatform(h.rooms["x"], history_budget=BUDGET, ephemeral=False)]


def ledger_row(h: Harness, key: str = "prompt:Q1") -> LedgerRow:
    with h.archive() as store:
        return next(r for r in store.ledger("localgovchat-2026-11-24") if r["key"] == key)


def q1s(h: Harness) -> list[str]:
    """When Q1 went out in the room (hh:mm UTC)."""
    return [iso(m.ts)[11:16] for m in bot_posts(h.rooms["x"]) if m.text.startswith("Q1")]


def resolve(
    runner: SessionRunner, results: list[CommandResult], *, went_out: bool, actor: Author = HOST
) -> Callable[[], object]:
    async def go() -> None:
        results.append(await runner.resolve_held("prompt:Q1", "x", went_out=went_out, actor=actor))

    return lambda: asyncio.ensure_future(go())


async def test_a_post_the_history_cannot_settle_is_held_and_the_chat_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = await crashed(h, "confirm")  # Q1 went out; its id was never recorded
    runner = h.runner(session, platforms=budgeted(h))
    states: list[LiveState] = []
    chat = h.script(
        [
            (6, lambda: states.append(runner.state())),
            (7, said(room, "@cy", "Who trains staff? #ask #localgovchat")),
        ]
    )
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await runner.run()
    await chat

    assert posted(h.db, room) == [*DAY[:2], ("21:05", "?"), *DAY[3:]]  # Q1 once; every later post on time
    assert [(t, who) for t, _, who in replies_in(room)] == [("21:07", "@cy")]
    assert states[0]["held"] == [
        {
            "key": "prompt:Q1",
            "platform": "x",
            "text": f"{Q1} #localgovchat",
            "kind": "prompt",
            "intended_at": "2026-11-25T02:05:00.000+00:00",
            "reason": "history_budget",
        }
    ]
    assert runner.state()["held"] == states[0]["held"]  # still waiting for a host at the end
    assert ledger_row(h)["status"] == "held"
    lines = [r.getMessage() for r in caplog.records]
    assert (
        "event=post_held session=localgovchat-2026-11-24 key=prompt:Q1 platform=x reason=history_budget"
        in lines
    )
    h.close()


async def test_a_platform_that_forgot_the_cursor_holds_the_post(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = await crashed(h, "confirm")
    fresh = MemoryRoom(h.clock, name="x", prefix="x")  # the platform lost what it kept
    await h.runner(session, rooms={"x": fresh}).run()
    row = ledger_row(h)
    assert (row["status"], row["held_reason"]) == ("held", "unknown_cursor")
    assert [m.text[:2] for m in bot_posts(fresh) if m.text.startswith("Q")] == ["Q2", "Q3"]  # no Q1 again
    h.close()


async def test_a_history_that_keeps_failing_holds_the_post_after_three_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = await crashed(h, "confirm")
    runner = h.runner(session)
    runner.platforms["x"].history = fail  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await runner.run()
    assert q1s(h) == ["02:05"]
    assert posted(h.db, h.rooms["x"]) == [*DAY[:2], ("21:05", "?"), *DAY[3:]]
    attempts = [r.getMessage() for r in caplog.records if "event=history_lookup_failed" in r.getMessage()]
    assert [a.split("attempt=")[1][0] for a in attempts] == ["1", "2", "3"]
    held = [r for r in caplog.records if "event=post_held" in r.getMessage()]
    assert held[0].getMessage().endswith("reason=history_failed")
    assert ledger_row(h)["status"] == "held"
    h.close()


async def test_a_held_post_stays_held_across_a_restart_until_the_host_says_send_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = await crashed(h, "send")  # Q1 never went out, but the restarted bot cannot tell
    second = h.runner(session, platforms=budgeted(h))
    stop = h.script([(8, second.stop)])
    await second.run()
    await stop
    assert ledger_row(h)["status"] == "held"

    third = h.runner(session)  # reads the whole history: it would find Q1 absent, if it looked
    held: list[list[str]] = []
    results: list[CommandResult] = []
    chat = h.script(
        [
            (10, lambda: held.append([p["key"] for p in third.state()["held"]])),
            (12, resolve(third, results, went_out=False, actor=Author("ann", "@ann", "Ann"))),
            (15, resolve(third, results, went_out=False)),
        ]
    )
    await third.run()
    await chat

    assert held == [["prompt:Q1"]]
    assert q1s(h) == ["02:15"]  # sent once, when the host said so; never before, never twice
    assert [r.ok for r in results] == [False, True]
    assert results[1] == CommandResult(True, "prompt:Q1 on x: sent now", "resolve_held")
    row = ledger_row(h)
    assert row["status"] == "posted" and row["platform_id"] is not None and row["resolved_by"] == "@govhost"
    assert posted(h.db, h.rooms["x"]) == [*DAY[:2], ("21:15", "prompt:Q1"), *DAY[3:]]
    h.close()


async def test_the_host_says_a_held_post_went_out(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = await crashed(h, "confirm")
    runner = h.runner(session, platforms=budgeted(h))
    results: list[CommandResult] = []
    after: list[object] = []
    chat = h.script(
        [
            (9, resolve(runner, results, went_out=True, actor=Author("ann", "@ann", "Ann"))),
            (10, resolve(runner, results, went_out=True)),
            (11, resolve(runner, results, went_out=False)),  # settled already: nothing to do
            (12, lambda: after.append(runner.state()["held"])),
        ]
    )
    await runner.run()
    await chat

    assert [r.ok for r in results] == [False, True, False]
    assert (
        "only the hosts" in results[0].text
        and results[1].text == "prompt:Q1 on x: recorded as posted, as you said"
    )
    assert after == [[]]
    assert q1s(h) == ["02:05"]  # the one that went out before the crash, and no other
    row = ledger_row(h)
    assert (row["status"], row["platform_id"], row["resolved_by"]) == ("posted", None, "@govhost")
    assert row["resolved_at"] == "2026-11-25T02:10:00.000+00:00"
    h.close()


async def test_the_parts_after_a_held_thread_part_wait_for_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(announce_before_minutes=[])

    def fault(p: str, key: str) -> None:  # Q2's first part goes out after some chatter; then a crash
        if (p, key) == ("send", "prompt:Q2"):
            for i in range(BUDGET + 2):
                room.say(f"@p{i}", f"chatter {i}")
        if (p, key) == ("confirm", "prompt:Q2"):
            raise Crash(key)

    with pytest.raises(Crash):
        await h.runner(session, fault=fault).run()
    runner = h.runner(session, platforms=budgeted(h))
    held: list[list[str]] = []
    results: list[CommandResult] = []

    def look() -> None:
        held.append([p["key"] for p in runner.state()["held"]])

    async def say(key: str, went_out: bool) -> None:
        results.append(await runner.resolve_held(key, "x", went_out=went_out, actor=HOST))

    chat = h.script(
        [
            (29, look),
            (30, lambda: asyncio.ensure_future(say("prompt:Q2", True))),
            (30.5, look),  # the second part may have gone out too: the bot cannot tell either
            (31, lambda: asyncio.ensure_future(say("prompt:Q2#2", False))),
            (31.5, look),
        ]
    )
    await runner.run()
    await chat
    assert held == [["prompt:Q2"], ["prompt:Q2#2"], []]
    assert [r.ok for r in results] == [True, True]
    texts = [(iso(m.ts)[11:16], m.text[:9]) for m in bot_posts(room) if m.text.startswith(("Q2", "Who "))]
    assert texts == [("02:27", "Q2: How d"), ("02:31", "Who signs")]
    h.close()


async def test_only_hosts_resolve_and_only_what_is_held(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    runner = h.runner(make_session(announce_before_minutes=[]))
    before = await runner.resolve_held("prompt:Q1", "x", went_out=True, actor=HOST)
    assert before == CommandResult(False, "the session is not running", "resolve_held", ("refused",))
    results: list[CommandResult] = []
    chat = h.script([(6, resolve(runner, results, went_out=True))])
    await runner.run()
    await chat
    assert results == [CommandResult(False, "no post prompt:Q1 is held on x", "resolve_held", ("refused",))]
    assert posted(h.db, h.rooms["x"]) == DAY
    h.close()
