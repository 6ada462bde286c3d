"""How late does the bot post its prompts while it ingests a heavy chat?

A compressed session on the real clock with a real SQLite file (WAL): a prompt every ``--every``
seconds for ``--minutes`` minutes, while a load generator says ``--rate`` messages a second in
the room (answers to the current prompt, chat, questions with #ask, upvotes). Measured:

- lateness of every timeline post (the instant the platform receives it minus its due time);
- ingest lag: from a message being said to it being recorded (its live-view event);
- event-loop stalls: how late a 5 ms ticker wakes up;
- the store's live transactions: how many, and how long each holds the loop.

Writes ``benchmarks/results/prompt_latency.json`` and prints a summary. Not a test: run it by
hand (``python benchmarks/prompt_latency.py``; ``--short``: a minute at 1,000 messages a second);
it takes ``--minutes`` plus a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform as host_platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file: the repo's root
from benchmarks import synth
from benchmarks.harness import commit
from chatbot.clock import SystemClock
from chatbot.config import SessionConfig
from chatbot.core.model import PromptSpec, SessionSpec
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom
from chatbot.store import Store

RESULTS = Path(__file__).parent / "results" / "prompt_latency.json"
WORDS = synth.WORDS


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3) if values else float("nan"),
        "mean": round(statistics.fmean(values), 3) if values else float("nan"),
    }


def session(minutes: float, every: float, start: datetime) -> SessionConfig:
    n = int(minutes * 60 // every) - 1
    prompts = tuple(
        PromptSpec(
            f"Q{i}",
            f"Question {i}: what would you change about {random.choice(WORDS)}?",
            None,
            i * every / 60,
        )
        for i in range(1, n + 1)
    )
    spec = SessionSpec(
        id="bench",
        hashtag="#benchchat",
        title="Load test",
        start=start,
        timezone="UTC",
        duration_minutes=minutes,
        hosts=("@host",),
        prompts=prompts,
        platforms=("x",),
        max_open_questions_per_participant=0,
    )
    timeline = {"announce_before_minutes": [], "reminder_every_minutes": 1, "last_call_minutes": 0.25}
    return SessionConfig(spec, {}, timeline)


async def load(
    room: MemoryRoom, rate: float, runner: SessionRunner, stop: asyncio.Event, said: list[int]
) -> None:
    """``rate`` messages a second, in 10 ms ticks."""
    rng = random.Random(7)
    owed, last = 0.0, time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        owed += (now - last) * rate
        last = now
        while owed >= 1:
            owed -= 1
            who = f"@p{rng.randrange(2000)}"
            current = max(
                (p.label for p in runner.engine.prompts.values()), default="Q1", key=lambda s: int(s[1:])
            )
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 18)))
            roll = rng.random()
            if roll < 0.70:
                text = f"A{current[1:]}: {words} #benchchat"
            elif roll < 0.90:
                text = f"{words} #benchchat"
            elif roll < 0.95:
                text = f"{words}? #ask #benchchat"
            else:
                text = f"/upvote {rng.randrange(1, 50)}"
            room.say(who, text)
            said[0] += 1


async def ticker(stalls: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        stalls.append((time.perf_counter() - t - 0.005) * 1000)


async def main(minutes: float, rate: float, every: float) -> dict[str, Any]:
    clock = SystemClock()
    start = clock.now() + timedelta(seconds=3)
    tmp = Path(tempfile.mkdtemp(prefix="chatbot-bench-"))
    store = Store(tmp / "bench.db")
    room = MemoryRoom(clock, name="x", prefix="m")
    platform = MemoryPlatform(room)
    received: dict[str, float] = {}
    platform.after_post = lambda m: received.__setitem__(m.id, time.time())
    runner = SessionRunner(session(minutes, every, start), store, [platform], clock=clock)

    writes: list[float] = []
    write_live = store.write_live

    def timed_write(*args: Any, **kw: Any) -> None:
        t = time.perf_counter()
        write_live(*args, **kw)
        writes.append((time.perf_counter() - t) * 1000)

    store.write_live = timed_write  # type: ignore[method-assign]

    lags: list[float] = []

    async def watch() -> None:
        async for event in runner.subscribe():
            if event["type"] == "message" and event["kind"] != "bot":
                sent = datetime.fromisoformat(event["message"]["ts"])
                lags.append((datetime.now(UTC) - sent).total_seconds() * 1000)

    stop = asyncio.Event()
    said, stalls = [0], []
    tasks = [
        asyncio.create_task(load(room, rate, runner, stop, said)),
        asyncio.create_task(ticker(stalls, stop)),
        asyncio.create_task(watch()),
    ]
    began = time.monotonic()
    await runner.run()
    elapsed = time.monotonic() - began
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    keys = {
        r["platform_id"]: r["key"]
        for r in store.ledger("bench")
        if r["status"] == "posted" and r["kind"] != "reply"
    }
    due = {p.key: p.due for p in runner.timeline.posts}
    lateness: dict[str, list[float]] = {}
    for pid, key in keys.items():
        base = key.split("#")[0]
        late = (received[pid] - due[base].timestamp()) * 1000
        kind = next(p.kind for p in runner.timeline.posts if p.key == base)
        lateness.setdefault(kind, []).append(late)
    recorded = store.db.execute("select count(*) from messages where session_id = 'bench'").fetchone()[0]
    store.close()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"python": sys.version.split()[0], "platform": host_platform.platform()},
        "settings": {"minutes": minutes, "rate_per_s": rate, "prompt_every_s": every},
        "prompt_lateness_ms": summary(lateness.get("prompt", [])),
        "all_timeline_posts_lateness_ms": summary([v for vs in lateness.values() for v in vs]),
        "ingest_lag_ms": summary(lags),
        "loop_stall_ms": summary(stalls),
        "store_transactions_ms": summary(writes),
        "messages": {
            "said": said[0],
            "recorded": recorded,
            "rate_achieved_per_s": round(said[0] / elapsed, 1),
        },
        "elapsed_s": round(elapsed, 1),
    }


def cli() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=4.0, help="session length (default 4)")
    ap.add_argument("--rate", type=float, default=250.0, help="incoming messages a second (default 250)")
    ap.add_argument("--every", type=float, default=20.0, help="seconds between prompts (default 20)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--short",
        action="store_true",
        help="the short run: 1 minute at 1,000 messages/s, a prompt every 10 s (issue 13's target: "
        "prompt lateness p99 under 100 ms); results to results/prompt_latency_short.json",
    )
    args = ap.parse_args()
    if args.short:
        args.minutes, args.rate, args.every = 1.0, 1000.0, 10.0
        if args.out == RESULTS:
            args.out = RESULTS.with_name("prompt_latency_short.json")
    result = asyncio.run(main(args.minutes, args.rate, args.every))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    p, lag, stall, tx = (
        result["prompt_lateness_ms"],
        result["ingest_lag_ms"],
        result["loop_stall_ms"],
        result["store_transactions_ms"],
    )
    m = result["messages"]
    said = f"{m['said']} messages said at {m['rate_achieved_per_s']}/s"
    print(f"{said}, {m['recorded']} recorded, {p['n']} prompts")
    print(f"prompt lateness ms: p50 {p['p50']}  p99 {p['p99']}  max {p['max']}")
    print(f"ingest lag ms:      p50 {lag['p50']}  p99 {lag['p99']}  max {lag['max']}")
    print(f"loop stall ms:      p50 {stall['p50']}  p99 {stall['p99']}  max {stall['max']}")
    print(f"store writes ms:    p50 {tx['p50']}  p99 {tx['p99']}  max {tx['max']}  ({tx['n']} transactions)")
    print(f"written to {args.out}")


if __name__ == "__main__":
    cli()
