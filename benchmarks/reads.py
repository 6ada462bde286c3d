"""Anonymous readers beside a live room: does the room stay live while they hammer the API?

``python -m benchmarks.reads`` serves (in a child process, through ``chatbot.startup.started``)
an archive holding a 36,000-message chat (``benchmarks.synth``, imported once into
``$CHATBOT_BENCH_DIR``) and a live web-room session, then measures, from this process, the room's
fan-out (a post from one browser to every other, over real websockets, as
``benchmarks.fanout`` measures it; the browsers join before the readers start) and
``/healthz``'s latency, polled meanwhile (one still unanswered at the end counts with the time
it waited so far), in three runs:

- ``quiet``: nobody else;
- ``readers``: four anonymous clients (another process) loop on
  ``GET /api/sessions/<the archived chat>/messages?limit=1`` with the rate limit lifted (every
  client is 127.0.0.1), so the server does all the work they ask for;
- ``readers_limited``: the same with the default per-address limit (most get 429).

Writes ``results/reads.json``. ``CHATBOT_BENCH_CODE=DIR`` serves another checkout's code instead
(the figures before a change; the rate limit is lifted only where there is one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, save, spread

TOKEN = "reads-benchmark-token-0123456789"
MESSAGES = 36_000
SESSION = "benchchat-2026-01-06"  # what the importer names the synthetic chat's session


def archive() -> Path:
    """The archive of the synthetic chat, imported once (by the code measured)."""
    from benchmarks.run import _archive

    return _archive(MESSAGES)


async def serve(db: Path, port_file: Path, lifetime: float, clients: int, limited: bool) -> None:
    """The app over ``db`` with one web-room session an hour away; the read limit lifted unless
    ``limited``."""
    from benchmarks.harness import roomy_rooms
    from chatbot.config import Config, SessionConfig
    from chatbot.core.model import SessionSpec
    from chatbot.platforms.web import WebSettings
    from chatbot.startup import started

    spec = SessionSpec(
        id="fanout",
        hashtag="#fanout",
        title="Fan-out",
        start=datetime.now(UTC) + timedelta(hours=1),
        timezone="UTC",
        duration_minutes=60,
        hosts=("host",),
        platforms=("web",),
    )
    config = Config(
        path=Path("(benchmark)"),
        db=db,
        transcripts=db.parent / "transcripts",
        public_url="http://127.0.0.1",
        platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)},
        sessions=(SessionConfig(spec, {}, {"announce_before_minutes": []}),),
    )
    async with started(config, platforms_factory=roomy_rooms(clients), say=None) as up:
        assert up.web is not None
        if not limited and hasattr(up.web, "throttle"):
            from chatbot.web.throttle import ReadThrottle

            up.web.throttle = ReadThrottle(10**9, 1)
        runner = next(iter(up.host.sessions.values()))
        task = asyncio.create_task(runner.run())
        while not getattr(runner.platforms["web"], "started", True):  # the room takes browsers
            await asyncio.sleep(0.05)
        port_file.write_text(up.web.base_url)
        await asyncio.sleep(lifetime)
        runner.stop()
        await asyncio.wait_for(task, 10)


async def hammer(base: str, path: str, clients: int, stop: Path) -> dict[str, Any]:
    """``clients`` anonymous readers looping on ``path`` until the file ``stop`` exists: statuses,
    latencies."""
    import aiohttp

    statuses: Counter[int] = Counter()
    latencies: list[float] = []

    async def loop(session: aiohttp.ClientSession) -> None:
        while not stop.exists():
            t = time.perf_counter()
            async with session.get(path) as r:
                await r.read()
                statuses[r.status] += 1
            latencies.append((time.perf_counter() - t) * 1000)

    sessions = [aiohttp.ClientSession(base_url=base) for _ in range(clients)]
    try:
        await asyncio.gather(*(loop(s) for s in sessions))
    finally:
        for s in sessions:
            await s.close()
    return {"requests": sum(statuses.values()), "statuses": dict(statuses), "ms": spread(latencies)}


async def measure(base: str, clients: int, posts: int, readers: Callable[[], None]) -> dict[str, Any]:
    """The room's fan-out (a post from one browser to every other), with ``/healthz`` polled every
    100 ms meanwhile. The browsers join first, then ``readers()`` starts the readers (a live
    room's people are in it before anyone hammers the API) and the posts follow, 250 ms apart."""
    import aiohttp

    jar = aiohttp.CookieJar  # cookies for an IP address (127.0.0.1) need an "unsafe" jar
    browsers = [aiohttp.ClientSession(base_url=base, cookie_jar=jar(unsafe=True)) for _ in range(clients)]
    sent: dict[str, float] = {}
    arrived: list[float] = []
    health: list[float] = []
    bad = 0

    async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            frame = json.loads(msg.data) if msg.type == aiohttp.WSMsgType.TEXT else {}
            text = frame.get("message", {}).get("text", "") if frame.get("type") == "message" else ""
            if text in sent:
                arrived.append((time.perf_counter() - sent[text]) * 1000)

    async def poll() -> None:
        nonlocal bad
        while True:
            t = time.perf_counter()
            try:
                async with browsers[0].get("/healthz") as r:
                    await r.read()
                    bad += r.status != 200
            finally:
                health.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.1)

    tasks: list[asyncio.Task[None]] = []
    try:
        sockets = []
        for i, b in enumerate(browsers):
            await b.get("/chat/fanout")
            sockets.append(await b.ws_connect("/chat/fanout/ws", max_msg_size=0))
            await sockets[-1].send_json({"type": "join", "name": f"Reader {i}"})
        tasks = [asyncio.create_task(listen(ws)) for ws in sockets]
        await asyncio.sleep(1.0)  # every welcome and join read
        readers()
        await asyncio.sleep(2.0)  # the readers are at it
        tasks.append(asyncio.create_task(poll()))
        for k in range(posts):
            sent[f"probe {k}"] = time.perf_counter()
            await sockets[(k * 7) % clients].send_json({"type": "post", "text": f"probe {k}", "ref": f"p{k}"})
            await asyncio.sleep(0.25)
        end = time.monotonic() + 120
        while time.monotonic() < end and len(arrived) < posts * clients:
            await asyncio.sleep(0.05)
    finally:
        for t in tasks:
            t.cancel()
        for b in browsers:
            await b.close()
    return {
        "fanout_ms": spread(arrived),
        "deliveries": len(arrived),
        "expected": posts * clients,
        "healthz_ms": spread(health),
        "healthz_not_ok": bad,
    }


def child(*args: object) -> subprocess.Popen[str]:
    """``python -m benchmarks.reads ARGS`` (serving the code of ``$CHATBOT_BENCH_CODE`` if set)."""
    code = os.environ.get("CHATBOT_BENCH_CODE")
    env = {**os.environ, "PYTHONPATH": f"{code}:{ROOT}" if code else str(ROOT)}
    cmd = [sys.executable, str(ROOT / "benchmarks" / "reads.py"), *map(str, args)]
    return subprocess.Popen(cmd, cwd=code or ROOT, env=env, stdout=subprocess.PIPE, text=True)


def run(name: str, clients: int, posts: int, readers: int, limited: bool) -> dict[str, Any]:
    """One run on a fresh copy of the archive and a fresh server."""
    tmp = Path(tempfile.mkdtemp(prefix="chatbot-reads-"))
    db = tmp / "archive.db"
    shutil.copy(archive(), db)
    port_file = tmp / "base"
    limit = ["--limited"] if limited else []
    server = child("--serve", port_file, "--db", db, "--clients", clients, *limit)
    hammering: subprocess.Popen[str] | None = None
    try:
        deadline = time.monotonic() + 60
        while not port_file.is_file() or not port_file.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        base = port_file.read_text()

        def start_readers() -> None:
            nonlocal hammering
            if readers:
                path = f"/api/sessions/{SESSION}/messages?limit=1"
                stop = tmp / "stop"
                hammering = child("--hammer", base, "--path", path, "--clients", readers, "--stop", stop)

        result = asyncio.run(measure(base, clients, posts, start_readers))
        if hammering is not None:
            (tmp / "stop").touch()
            out, _ = hammering.communicate(timeout=120)
            result["readers"] = json.loads(out.strip().splitlines()[-1])
    finally:
        for p in (hammering, server):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(name, json.dumps(result), file=sys.stderr)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=25, help="browsers in the room (one address: 30 at most)")
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--name", default="reads")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--limited", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--hammer", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--stop", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.db, args.serve, 900, args.clients, args.limited))
        return
    if args.hammer:
        print(json.dumps(asyncio.run(hammer(args.hammer, args.path, args.clients, args.stop))))
        return
    settings = {"messages": MESSAGES, "clients": args.clients, "posts": args.posts, "readers": args.readers}
    figures = {
        "quiet": run("quiet", args.clients, args.posts, 0, False),
        "readers": run("readers", args.clients, args.posts, args.readers, False),
        "readers_limited": run("readers_limited", args.clients, args.posts, args.readers, True),
    }
    print(save(args.name, settings, figures))


if __name__ == "__main__":
    main()
