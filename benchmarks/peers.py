"""Our recap against what a Discord host would use instead: ``python -m benchmarks.peers``.

The peer is ``chat-exporter`` (PyPI, DiscordChatExporterPy), which renders a channel's history as
one HTML page from real discord.py ``Message`` objects. For each size, the synthetic chat of the
recap benchmark (``synth.py``: 10 prompts, answers, replies, likes) is seeded into the fake
Discord of the tests (``tests/platforms/discordfake``, on 127.0.0.1, in its own process); then, in
each of ``--repeat`` fresh processes of a separate virtualenv (chat-exporter and its pins never
touch the project's), the real discord.py client logs into the fake, reads the channel's history
(``channel.history(limit=None)``, untimed) and ``chat_exporter.raw_export`` renders it (timed:
wall and CPU seconds; peak memory of the whole process, the client's cache included). The same
run measures our recap (HTML + JSON) and the bare jinja2 floor on the same chat
(``benchmarks.worker``), so the ratios hold on any machine. Writes
``benchmarks/results/recap-peers.json``.

No request leaves the machine: name lookups other than loopback are refused in the render
process (chat-exporter checks that a twemoji image exists on jsDelivr for each emoji of a
reaction; refused, it shows the emoji as text), and every attempt is counted in the results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEER = "chat-exporter==3.1.0"
MEETBOT = "hcoop-meetbot==0.8.1"
LIKE = "❤️"  # a like becomes a heart reaction, as Discord people give them


# -- the fake Discord with the synthetic chat, in its own process (the project's venv) ----------
class SetClock:
    """A clock set by hand: the fake makes each message's snowflake from the chat's own time."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    async def sleep_until(self, when: datetime) -> None:
        await asyncio.sleep(0)


def seed(fake: Any, source: Path) -> dict[str, Any]:
    """The chat of ``source`` (our JSON Lines) said in the fake's #benchchat, one message a row:
    its author (a member of the guild), time, text and reply; likes as heart reactions."""
    from tests.platforms.discordfake.world import Member, User

    clock = fake.clock
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    first = datetime.fromisoformat(rows[0]["ts"]).astimezone(UTC)
    clock.at = first - timedelta(days=30)
    guild = fake.guild("Bench Gov")
    channel = fake.text_channel(guild, "benchchat")
    hosts = fake.role(guild, "Chat hosts")
    members: dict[str, Any] = {}
    ids: dict[str, str] = {}
    for r in rows:
        a = r["author"]
        if a["id"] not in members:
            user = User(fake.ids.next(), a["handle"].lstrip("@"), a.get("name") or None)
            roles = [hosts.id] if a["handle"] == "@host" else []
            members[a["id"]] = guild.members[user.id] = Member(user, guild.id, roles)
    for r in rows:
        clock.at = datetime.fromisoformat(r["ts"]).astimezone(UTC)
        reply = ids.get(r["reply_to"]) if r.get("reply_to") else None
        mid = fake.say(members[r["author"]["id"]], channel, r["text"], reply_to=reply)
        ids[r["id"]] = mid
        if r.get("likes"):
            # the fake's own record of a reaction (``FakeDiscord.react`` adds one person at a time)
            heart = {"emoji": {"id": None, "name": LIKE}, "count": r["likes"], "_by": []}
            channel.messages[-1]["reactions"].append(heart)
    return {"guild_id": guild.id, "channel_id": channel.id, "messages": len(rows), "members": len(members)}


async def serve(source: Path) -> None:
    """Start the fake, seed it, print where it is (one JSON line), serve until stdin closes."""
    from tests.platforms.discordfake.server import FakeDiscord
    from tests.platforms.discordfake.world import GUILD_MEMBERS, MESSAGE_CONTENT

    fake = FakeDiscord(SetClock(datetime(2026, 1, 1, tzinfo=UTC)), privileged=MESSAGE_CONTENT | GUILD_MEMBERS)
    world = seed(fake, source)
    async with fake.running():
        where = {"base_url": fake.base_url, "gateway_url": fake.gateway_url, "token": fake.token, **world}
        print(json.dumps(where), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# -- one render by chat-exporter, in a fresh process of the peer venv ---------------------------
@contextlib.contextmanager
def no_network() -> Iterator[list[str]]:
    """Name lookups for anything but loopback refused while inside; the hosts refused, as they come."""
    import socket

    refused: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "localhost", "::1"):
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: no network in the benchmark")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield refused
    finally:
        socket.getaddrinfo = real


@contextlib.asynccontextmanager
async def logged_in(where: dict[str, Any]) -> AsyncIterator[Any]:
    """The real discord.py client logged into the fake at ``where`` (members and message content
    intents, as a transcript bot has), ready; its requests counted in ``client.requests_made``."""
    import discord
    import discord.gateway
    import discord.http
    import yarl

    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = where["base_url"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(where["gateway_url"])
    intents = discord.Intents.default()
    intents.members = intents.message_content = True
    client = discord.Client(intents=intents, chunk_guilds_at_startup=False)
    client.requests_made = 0  # type: ignore[attr-defined]
    request = client.http.request

    async def counted(*args: Any, **kwargs: Any) -> Any:
        client.requests_made += 1  # type: ignore[attr-defined]
        return await request(*args, **kwargs)

    client.http.request = counted  # type: ignore[method-assign]
    running: asyncio.Task[None] | None = None
    try:
        await client.login(where["token"])
        running = asyncio.create_task(client.connect(reconnect=False))
        await asyncio.wait_for(client.wait_until_ready(), 30)
        yield client
    finally:
        await client.close()
        if running is not None:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def history(client: Any, channel_id: str) -> tuple[Any, list[Any]]:
    """The channel and its whole history, oldest first, as discord.py reads it
    (``channel.history(limit=None)``: a page of 100 a request)."""
    import discord

    channel = client.get_channel(int(channel_id))
    assert isinstance(channel, discord.TextChannel), channel
    return channel, [m async for m in channel.history(limit=None, oldest_first=True)]


async def render(where: dict[str, Any], out: Path) -> dict[str, Any]:
    """Read the fake's channel with discord.py and render it with chat-exporter (only that timed)."""
    import chat_exporter  # type: ignore[import-not-found]

    with no_network() as refused:
        async with logged_in(where) as client:
            t = time.perf_counter()
            channel, messages = await history(client, where["channel_id"])
            fetch_seconds = time.perf_counter() - t
            before = client.requests_made, len(refused)
            t, cpu = time.perf_counter(), time.process_time()
            html = await chat_exporter.raw_export(
                channel,
                messages,
                tz_info="America/New_York",
                guild=channel.guild,
                bot=client,
                raise_exceptions=True,
            )
            out.write_text(html, encoding="utf-8")
            seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
            requests = client.requests_made - before[0]
            members = len(channel.guild.members)
    size = len(html.encode())
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "fetch_seconds": fetch_seconds,
        "messages": len(messages),
        "html_bytes": size,
        "bytes_per_message": round(size / max(len(messages), 1), 1),
        "requests_to_fake_while_rendering": requests,
        "lookups_refused_while_rendering": len(refused) - before[1],
        "hosts_refused": sorted(set(refused)),
        "members_cached": members,
    }


# -- MeetBot (hcoop-meetbot, the Limnoria plugin): its ``meetbot regenerate``, in its own venv ---
def meetbot_log(source: Path, raw_log: Path) -> dict[str, Any]:
    """The chat of ``source`` as MeetBot's raw log (what the plugin saves after a meeting): every
    message tracked; the welcome starts the meeting, each prompt is a ``#topic``, each link a
    ``#link``, each ``#ask`` question an ``#info``."""
    from hcoopmeetbotlogic.meeting import EventType, Meeting, TrackedMessage  # type: ignore[import-not-found]

    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    start = datetime.fromisoformat(rows[0]["ts"]).astimezone(UTC)
    meeting = Meeting(founder="host", channel="#benchchat", network="bench", start_time=start)
    meeting.active = True
    for r in rows:
        nick = r["author"]["handle"].lstrip("@")
        at = datetime.fromisoformat(r["ts"]).astimezone(UTC)
        tracked = TrackedMessage(id=r["id"], sender=nick, payload=r["text"], action=False, timestamp=at)
        meeting.messages.append(tracked)
        meeting.track_nick(nick)
        text = r["text"]
        if not meeting.events:
            meeting.track_event(EventType.START_MEETING, tracked)
        elif nick == "host" and text[:1] == "Q":
            meeting.track_event(EventType.TOPIC, tracked, text)
        elif "https://" in text:
            meeting.track_event(EventType.LINK, tracked, text)
        elif "#ask" in text:
            meeting.track_event(EventType.INFO, tracked, text)
    meeting.end_time = datetime.fromisoformat(rows[-1]["ts"]).astimezone(UTC)
    raw_log.write_text(meeting.to_json(), encoding="utf-8")
    return {"messages": len(meeting.messages), "events": len(meeting.events)}


def meetbot_regenerate(raw_log: Path, out: Path) -> dict[str, Any]:
    """What ``meetbot regenerate`` does (config, parse the raw log, write the HTML log and
    minutes), timed in this process without the interpreter start."""
    import shutil

    from hcoopmeetbotlogic import config, location, meeting, writer  # type: ignore[import-not-found]

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t, cpu = time.perf_counter(), time.process_time()
    conf = config.load_config(None, str(out / "none.conf"))  # missing: MeetBot's defaults
    held = meeting.Meeting.from_json(raw_log.read_text(encoding="utf-8"))
    where = location.derive_locations(conf, held, location.derive_prefix(str(raw_log)), str(out))
    writer.write_formatted_log(conf, where, held)
    writer.write_formatted_minutes(conf, where, held)
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    html = sum(p.stat().st_size for p in out.glob("*.html"))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "html_bytes": html,
        "messages": len(held.messages),
    }


# -- the harness (the project's venv) ------------------------------------------------------------
def peer_python(venv: Path, *pins: str) -> Path:
    """The interpreter of a peer's venv, made (with ``pins``) when it does not exist yet."""
    python = venv / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *pins], check=True)
    return python


def versions(python: Path, *packages: str) -> dict[str, str]:
    code = f"from importlib.metadata import version as v; print(*(v(p) for p in {packages!r}))"
    found = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return dict(zip(packages, found, strict=True))


def fresh(python: Path, *args: object) -> dict[str, Any]:
    """``python -m benchmarks.peers ARGS`` in a fresh process of a peer's venv; its JSON answer."""
    cmd = [str(python), "-m", "benchmarks.peers", *map(str, args)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def bench_peer(python: Path, source: Path, out: Path, repeat: int) -> dict[str, Any]:
    """The median of ``repeat`` fresh chat-exporter renders of the chat in ``source``."""
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.peers", "serve", str(source)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        where = json.loads(server.stdout.readline())
        runs = [fresh(python, "render", json.dumps(where), out) for _ in range(repeat)]
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=60)
    return medians(runs)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    got: dict[str, Any] = {"runs": runs}
    for key, value in runs[0].items():
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        got[key] = statistics.median(r[key] for r in runs) if numeric else value
    return got


def ratios(peer: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """A peer's times (median of fresh runs) and their ratios to the floor and to our recap."""
    return {
        "seconds": round(peer["seconds"], 4),
        "cpu_seconds": round(peer["cpu_seconds"], 4),
        "peak_mb": peer["peak_mb"],
        "html_bytes_per_message": round(peer["html_bytes"] / max(peer["messages"], 1), 1),
        "messages": peer["messages"],
        "times_floor": round(peer["seconds"] / ours["floor_seconds"], 2),
        "times_floor_cpu": round(peer["cpu_seconds"] / ours["floor_cpu_seconds"], 2),
        "times_chatbot": round(peer["seconds"] / ours["seconds"], 2),
        "times_chatbot_cpu": round(peer["cpu_seconds"] / ours["cpu_seconds"], 2),
        "runs": [round(r["seconds"], 4) for r in peer["runs"]],
    }


def bench(sizes: Sequence[int], repeat: int, venv: Path, meetbot_venv: Path) -> dict[str, Any]:
    from importlib.metadata import version

    from benchmarks.harness import SCRATCH
    from benchmarks.run import _chat, bench_recap

    ce_python = peer_python(venv, PEER, f"discord.py=={version('discord.py')}")
    mb_python = peer_python(meetbot_venv, MEETBOT)
    figures: dict[str, Any] = {
        "versions": versions(ce_python, "chat-exporter", "discord.py") | versions(mb_python, "hcoop-meetbot")
    }
    for size in sizes:
        ours = bench_recap([size], repeat)[str(size)]
        peer = bench_peer(ce_python, _chat(size), SCRATCH / "chat-exporter.html", repeat)
        ce = ratios(peer, ours) | {
            "history_fetch_seconds": round(peer["fetch_seconds"], 3),
            "requests_to_fake_while_rendering": peer["requests_to_fake_while_rendering"],
            "lookups_refused_while_rendering": peer["lookups_refused_while_rendering"],
            "hosts_refused": peer["hosts_refused"],
        }
        raw_log = SCRATCH / f"meetbot-{size}.log.json"
        made = fresh(mb_python, "meetbot-log", _chat(size), raw_log)
        mb = ratios(
            medians([fresh(mb_python, "meetbot", raw_log, SCRATCH / "meetbot-out") for _ in range(repeat)]),
            ours,
        )
        figures[str(size)] = {
            "chatbot": ours,
            "chat_exporter": ce,
            "meetbot": mb | {"events": made["events"]},
        }
        for name, got in (("chat-exporter", ce), ("MeetBot", mb)):
            print(
                f"{name} {size:>9,}: {got['seconds']:.3f} s (CPU {got['cpu_seconds']:.3f} s), peak "
                f"{got['peak_mb']} MB, {got['html_bytes_per_message']} B/message: {got['times_floor']}x the "
                f"floor ({got['times_floor_cpu']}x by CPU), {got['times_chatbot']}x our recap "
                f"({got['times_chatbot_cpu']}x by CPU)",
                flush=True,
            )
    return figures


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        asyncio.run(serve(Path(sys.argv[2])))
        return
    tasks: dict[str, Callable[..., dict[str, Any]]] = {
        "render": lambda where, out: asyncio.run(render(json.loads(where), Path(out))),
        "meetbot-log": lambda source, raw: meetbot_log(Path(source), Path(raw)),
        "meetbot": lambda raw, out: meetbot_regenerate(Path(raw), Path(out)),
    }
    if sys.argv[1:2] and sys.argv[1] in tasks:
        result = tasks[sys.argv[1]](*sys.argv[2:])
        result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="messages, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (median taken)")
    ap.add_argument("--name", default="recap-peers", help="results file name")
    default_venv = Path(os.environ.get("CHATBOT_BENCH_DIR", "/tmp/chatbot-bench")) / "peer-venv"
    ap.add_argument("--venv", type=Path, default=default_venv, help="chat-exporter's venv (made if missing)")
    ap.add_argument("--meetbot-venv", type=Path, default=default_venv.with_name("meetbot-venv"))
    args = ap.parse_args()
    from benchmarks.harness import SCRATCH, save

    SCRATCH.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = bench(sizes, args.repeat, args.venv, args.meetbot_venv)
    settings = {
        "sizes": sizes,
        "repeat": args.repeat,
        "peers": [PEER, MEETBOT],
        "fake": "tests/platforms/discordfake",
    }
    print(f"written to {save(args.name, settings, figures)}")


if __name__ == "__main__":
    main()
