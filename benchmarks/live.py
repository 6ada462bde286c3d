"""The live path, measured: how many messages a second a hosted chat takes in, one at a time,
through everything (the platform's event, the engine, the queue, the store, the live view); and
how much memory a process hosting one big chat, or twenty at once, holds.

``python -m benchmarks.live ingest [--messages 50000]`` and ``python -m benchmarks.live memory``
print JSON (``benchmarks.run live`` runs them in fresh processes and keeps the results).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import synth
from chatbot.clock import SystemClock
from chatbot.config import SessionConfig
from chatbot.core.model import Author, Message, PromptSpec, SessionSpec
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom
from chatbot.store import Store

WORDS = synth.WORDS[:12]


def rss_mb() -> float:
    """Resident memory now, in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chat(session_id: str, clock: SystemClock, minutes: float = 120) -> SessionConfig:
    """A chat that began a minute ago, its prompts later (none falls due while measuring)."""
    start = clock.now() - timedelta(minutes=1)
    prompts = tuple(PromptSpec(f"Q{i}", f"Q{i}: what about {WORDS[i]}?", None, 60 + i) for i in range(1, 6))
    spec = SessionSpec(
        id=session_id,
        hashtag=f"#{session_id}",
        title="Load",
        start=start,
        timezone="UTC",
        duration_minutes=minutes,
        hosts=("@host",),
        prompts=prompts,
        platforms=("x",),
        max_open_questions_per_participant=0,
    )
    timeline = {"announce_before_minutes": [], "reminder_every_minutes": 0, "last_call_minutes": 0}
    return SessionConfig(spec, {}, timeline)


def line(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 18)))
    roll = rng.random()
    if roll < 0.7:
        return f"A1: {words} #load"
    if roll < 0.97:
        return f"{words} #load"
    return f"{words}? #ask #load"


class Hosted:
    """One session hosted by the real runner on an in-memory X room, with a live-view reader."""

    def __init__(self, session_id: str, store: Store, clock: SystemClock) -> None:
        self.room = MemoryRoom(clock, name="x", prefix=f"{session_id}-")
        self.runner = SessionRunner(chat(session_id, clock), store, [MemoryPlatform(self.room)], clock=clock)
        self.seen = 0
        self.people = [Author(f"u{i}", f"@p{i}", f"Person {i}") for i in range(2000)]

    async def watch(self) -> None:
        async for event in self.runner.subscribe():
            if event["type"] == "message":
                self.seen += 1

    async def until(self, n: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while self.seen < n and time.monotonic() < end:
            await asyncio.sleep(0.005)


async def ingest(messages: int, per_tick: int) -> dict[str, Any]:
    """``messages`` said one at a time (``per_tick`` between two turns of the event loop), as fast
    as the loop lets them: how fast they are recorded and shown."""
    clock = SystemClock()
    store = Store(Path(tempfile.mkdtemp(prefix="chatbot-live-")) / "live.db")
    hosted = Hosted("load", store, clock)
    run = asyncio.create_task(hosted.runner.run())
    watch = asyncio.create_task(hosted.watch())
    await asyncio.sleep(0.3)  # started: the state, the first live-view event
    rng = random.Random(7)
    texts = [line(rng) for _ in range(1000)]
    # What the platform hears, made beforehand: its own work (reading the wire) is not ours.
    now = clock.now()
    heard = [
        Message(f"heard-{i}", "x", now + timedelta(microseconds=i), hosted.people[i % 2000], texts[i % 1000])
        for i in range(messages)
    ]
    said = 0
    began = time.perf_counter()
    while said < messages:
        for _ in range(min(per_tick, messages - said)):
            hosted.room.deliver(heard[said])  # one event each, as a platform delivers them
            said += 1
        await asyncio.sleep(0)
    await hosted.until(messages, timeout=600)
    elapsed = time.perf_counter() - began
    recorded = store.db.execute("select count(*) from messages where session_id = 'load'").fetchone()[0]
    hosted.runner.stop()
    await run
    watch.cancel()
    return {
        "messages": messages,
        "per_tick": per_tick,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(messages / elapsed),
        "recorded": recorded,
        "shown": hosted.seen,
        "peak_mb": round(peak_mb(), 1),
    }


async def memory(messages: int, sessions: int) -> dict[str, Any]:
    """Resident memory of this process hosting ``sessions`` chats with ``messages`` said in all."""
    clock = SystemClock()
    base = rss_mb()
    store = Store(Path(tempfile.mkdtemp(prefix="chatbot-live-")) / "live.db")
    hosted = [Hosted(f"s{i}", store, clock) for i in range(sessions)]
    runs = [asyncio.create_task(h.runner.run()) for h in hosted]
    watches = [asyncio.create_task(h.watch()) for h in hosted]
    await asyncio.sleep(0.5)
    idle = rss_mb()
    rng = random.Random(7)
    each = messages // sessions
    for k in range(each):
        for h in hosted:
            h.room.say(h.people[k % 2000], line(rng))
        if k % 200 == 0:
            await asyncio.sleep(0)
    for h in hosted:
        await h.until(each, timeout=600)
    gc.collect()
    loaded = rss_mb()
    for h in hosted:
        h.runner.stop()
    await asyncio.gather(*runs)
    for w in watches:
        w.cancel()
    return {
        "sessions": sessions,
        "messages": each * sessions,
        "rss_mb_before": round(base, 1),
        "rss_mb_hosting_idle": round(idle, 1),
        "rss_mb_hosting_loaded": round(loaded, 1),
        "mb_per_1000_messages": round((loaded - idle) / max(each * sessions, 1) * 1000, 3),
        "peak_mb": round(peak_mb(), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["ingest", "memory"])
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--per-tick", type=int, default=1, help="messages said between two loop turns")
    ap.add_argument("--sessions", type=int, default=1)
    args = ap.parse_args()
    if args.what == "ingest":
        result = asyncio.run(ingest(args.messages, args.per_tick))
    else:
        result = asyncio.run(memory(args.messages, args.sessions))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
