"""Web-room fan-out: how long a message takes from one participant's browser to every other
connected browser, over real websockets on loopback, with the real runner behind the room.

``python -m benchmarks.fanout --clients 200`` starts the app (``chatbot.startup.started``, as
``chatbot run`` does) in a child process, connects the clients from this one (each with its own
participant cookie), has ``--posts`` of them post a message a little apart, and times each
message's arrival at every client. Bounded and self-stopping: the server process ends after
``--lifetime`` seconds whatever happens, and is stopped as soon as the measure is taken.
The room's connection limits (200, and 10 an address) are raised for the run: every client
comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TOKEN = "fanout-benchmark-token-0123456789"


async def serve(port_file: Path, lifetime: float, clients: int) -> None:
    """The app with one web-room session an hour away (nothing is posted meanwhile)."""
    from benchmarks.harness import roomy_rooms
    from chatbot.config import Config, SessionConfig
    from chatbot.core.model import SessionSpec
    from chatbot.platforms.web import WebSettings
    from chatbot.startup import started

    tmp = Path(tempfile.mkdtemp(prefix="chatbot-fanout-"))
    start = datetime.now(UTC) + timedelta(hours=1)
    spec = SessionSpec(
        id="fanout",
        hashtag="#fanout",
        title="Fan-out",
        start=start,
        timezone="UTC",
        duration_minutes=60,
        hosts=("host",),
        platforms=("web",),
    )
    session = SessionConfig(spec, {}, {"announce_before_minutes": []})
    config = Config(
        path=Path("(benchmark)"),
        db=tmp / "fanout.db",
        transcripts=tmp / "transcripts",
        public_url="http://127.0.0.1",
        platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)},
        sessions=(session,),
    )
    async with started(config, platforms_factory=roomy_rooms(clients), say=None) as up:
        assert up.web is not None
        runner = next(iter(up.host.sessions.values()))
        task = asyncio.create_task(runner.run())
        port_file.write_text(up.web.base_url)
        await asyncio.sleep(lifetime)
        runner.stop()
        await asyncio.wait_for(task, 10)


async def measure(base: str, clients: int, posts: int) -> dict[str, Any]:
    import aiohttp

    from benchmarks.harness import spread

    jar = aiohttp.CookieJar  # cookies for an IP address (127.0.0.1) need an "unsafe" jar
    sessions = [aiohttp.ClientSession(base_url=base, cookie_jar=jar(unsafe=True)) for _ in range(clients)]
    arrivals: dict[str, list[float]] = {}
    sent: dict[str, float] = {}
    try:
        sockets = []
        for i, s in enumerate(sessions):
            await s.get("/chat/fanout")
            ws = await s.ws_connect("/chat/fanout/ws", max_msg_size=0)
            await ws.send_json({"type": "join", "name": f"Reader {i}"})
            sockets.append(ws)

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if frame.get("type") == "message":
                    text = frame["message"].get("text", "")
                    if text in sent:
                        arrivals.setdefault(text, []).append(time.perf_counter() - sent[text])

        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        await asyncio.sleep(1.0)  # every welcome and join read
        for k in range(posts):
            text = f"fan-out probe {k}"
            sent[text] = time.perf_counter()
            await sockets[(k * 7) % clients].send_json({"type": "post", "text": text, "ref": f"p{k}"})
            await asyncio.sleep(0.25)
        end = time.monotonic() + 20
        while time.monotonic() < end and sum(len(v) for v in arrivals.values()) < posts * clients:
            await asyncio.sleep(0.05)
        for ws in sockets:
            await ws.close()
        for r in readers:
            r.cancel()
    finally:
        for s in sessions:
            await s.close()
    latencies = [t * 1000 for v in arrivals.values() for t in v]
    return {
        "clients": clients,
        "posts": posts,
        "deliveries": len(latencies),
        "expected": posts * clients,
        "ms": spread(latencies),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--lifetime", type=float, default=180.0, help="the server stops by then, whatever")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the child: where to write its address
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.lifetime, args.clients))
        return
    port_file = Path(tempfile.mkdtemp(prefix="chatbot-fanout-")) / "base"
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.fanout",
        "--serve",
        str(port_file),
        "--clients",
        str(args.clients),
    ]
    server = subprocess.Popen([*cmd, "--lifetime", str(args.lifetime)], env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        result = asyncio.run(measure(port_file.read_text(), args.clients, args.posts))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
