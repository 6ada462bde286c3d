"""The crash-and-fault soak: ``python run_bot.py run CONFIG`` as a real process, hosting one chat on
the built-in web room, the fake X API and the fake Discord at once, with a seeded crowd, SIGKILLs at
seeded moments (each followed by a restart, as a supervisor would), database locks held by another
process longer than the busy timeout, a full disk (a small tmpfs filled up, where this machine lets
us mount one), and the platforms' own faults (429s with rate-limit headers, 5xx, slow answers,
connection resets, gateway drops). The same seeded script runs uninterrupted beside it; the verdict
(``benchmarks.soakcheck``) compares the two and checks the faulted run against the fakes' records and
the participants' own logs.

    python -m benchmarks.soak [--seed 1] [--kills 20] [--participants 500] [--minutes 4] [--out FILE]

Figures go to ``benchmarks/results/soak.json`` (``--out``). ``tests/soak`` runs a quick version.
The fakes come from ``tests/platforms`` (X: the config's ``api_url``; Discord: the process's
``sitecustomize``, ``benchmarks/soakenv``, points discord.py at the fake as the tests' ``point`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import soakcheck
from benchmarks.soakcrowd import VOTE, Act, WebPerson, platform_of, script
from chatbot.clock import SystemClock
from tests.platforms import xkit
from tests.platforms.discordfake.kit import populate
from tests.platforms.discordfake.server import FakeDiscord
from tests.platforms.xfake import XFake, serve

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "soak.json"
TOKEN = "soak-host-token-0123456789abcdef0123"
HASHTAG = "#soakchat"
SID = "soakchat-soak"
PROMPTS = (
    "What do residents ask you most often?",
    "Which channel answers them best?",
    "What would you change first?",
)


#: The platforms' faults: X's 429 (with its rate-limit headers), 503 on a post, a slow search, a
#: dropped connection, an HTML 502 page on a post; Discord's 429 (retry_after), 500 on a post, a slow
#: answer, a reset connection, a gateway drop.
FAULT_KINDS = (
    "x429",
    "x503",
    "xslow",
    "xdrop",
    "x502html",
    "d429",
    "d500",
    "dslow",
    "dreset",
    "gateway_drop",
)
#: The ones a client gets over within seconds (the bot's post retries wait 5, 15, 30 s after the others).
QUICK_FAULTS = ("x429", "xslow", "xdrop", "d429", "gateway_drop")


@dataclass(frozen=True)
class Params:
    seed: int = 1
    kills: int = 20
    participants: int = 500
    minutes: float = 4.0
    locks: int = 2
    lock_seconds: float = 8.0  # longer than SQLite's 5 s busy timeout
    platform_faults: int = 12
    fault_kinds: tuple[str, ...] = FAULT_KINDS  # taken in turn
    disk_full: bool = True
    lead_seconds: float = 8.0  # from the first start to the chat's start
    faulted: bool = True


@dataclass
class Run:
    """One hosted chat and what happened to it."""

    params: Params
    work: Path
    kills: int = 0
    restarts: int = 0
    unexpected_exits: list[int] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (seconds into the chat, fault)
    accepted: dict[str, list[str]] = field(default_factory=lambda: {"web": [], "x": [], "discord": []})
    unconfirmed: dict[str, list[str]] = field(default_factory=lambda: {"web": []})
    too_late: int = 0
    acts: int = 0  # what the crowd's script holds
    acts_done: int = 0  # of them, done before the chat ended
    before_end: dict[str, float] = field(default_factory=dict)  # text -> seconds before the end it was taken
    seen_how: dict[str, str] = field(default_factory=dict)  # web text -> seen echoed "live" or "on joining"
    bot_posts: dict[str, list[str]] = field(default_factory=dict)
    web_resent: int = 0
    web_reconnects: int = 0
    exit_code: int | None = None
    seconds: float = 0.0
    stored: dict[str, int] = field(default_factory=dict)  # "platform\ttext" -> times in the archive
    ledger_rows: int = 0

    def fault(self, kind: str, n: int = 1) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chat_toml(
    p: Params, db: Path, out: Path, port: int, xurl: str, guild: str, channel: str, start: datetime
) -> str:
    m = p.minutes
    prompts = "".join(
        f'\n  [[session.prompt]]\n  label = "Q{i}"\n  text = "{text}"\n  offset_minutes = {m * f:.4f}\n'
        for i, (text, f) in enumerate(zip(PROMPTS, (0.08, 0.3, 0.52), strict=True), 1)
    )
    return f"""
[bot]
name = "chatbot"
db = "{db}"
transcripts = "{out}"
public_url = "http://soak.example"

[platforms.web]
host = "127.0.0.1"
port = {port}

[platforms.x]
api_url = "{xurl}"
poll_seconds = 5
idle_poll_seconds = 5
settle_seconds = 10
likes_seconds = 10
timeout_seconds = 5

[platforms.discord]
guild = "{guild}"
channel = {channel}
thread = false
host_roles = ["Chat hosts"]
connect_timeout = 20

[[session]]
id = "{SID}"
hashtag = "{HASHTAG}"
title = "Soak"
start = {start.strftime("%Y-%m-%dT%H:%M:%SZ")}
timezone = "UTC"
duration_minutes = {m:.4f}
hosts = ["@govhost"]
platforms = ["web", "x", "discord"]
max_open_questions = 0

  [session.timeline]
  announce_before_minutes = []
  reminder_every_minutes = {1 if m >= 3 else 0}
  last_call_minutes = {m * 0.1:.4f}
  missed = "post"
{prompts}"""


class Bot:
    """``python run_bot.py run CONFIG``: started, SIGKILLed, restarted; its output kept in a file."""

    def __init__(self, config: Path, env: dict[str, str], log: Path) -> None:
        self.config, self.env, self.log = config, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(REPO / "run_bot.py"), "run", str(self.config)],
                cwd=self.config.parent,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    async def exited(self) -> int:
        while self.proc is not None and self.proc.poll() is None:
            await asyncio.sleep(0.05)
        return self.proc.returncode if self.proc is not None else -1


async def run_chat(p: Params, work: Path) -> Run:
    """Host the seeded chat once (faulted or not); the run's record."""
    work.mkdir(parents=True, exist_ok=True)
    run = Run(p, work)
    began = time.monotonic()
    clock = SystemClock()
    x = XFake(clock)
    x.user("govhost", "Gov Host")
    d = FakeDiscord(clock)
    world = populate(d)
    disk = work / "disk"
    disk.mkdir(exist_ok=True)
    mounted = p.faulted and p.disk_full and _mount(disk)
    if p.faulted and p.disk_full and not mounted:
        run.fault("disk_full_not_injected")
    try:
        async with serve(x) as xurl, d.running():
            await _host(run, x, d, world, xurl, disk)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], check=False)
    run.seconds = round(time.monotonic() - began, 1)
    record = {k: v for k, v in asdict(run).items() if k not in ("params", "work")}
    (work / "record.json").write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    return run


async def _host(run: Run, x: XFake, d: FakeDiscord, world: Any, xurl: str, disk: Path) -> None:
    p = run.params
    port = free_port()
    start = (datetime.now(UTC) + timedelta(seconds=p.lead_seconds)).replace(microsecond=0) + timedelta(
        seconds=1
    )
    end = start + timedelta(minutes=p.minutes)
    db, out = disk / "chat.db", run.work / "out"
    config = run.work / "chat.toml"
    config.write_text(
        chat_toml(p, db, out, port, xurl, world.guild.id, world.channel.id, start), encoding="utf-8"
    )
    env = {
        **os.environ,
        **xkit.env(),
        "DISCORD_TOKEN": d.token,
        "CHATBOT_HOST_TOKEN": TOKEN,
        "CHATBOT_SOAK_DISCORD_API": d.base_url,
        "CHATBOT_SOAK_DISCORD_GATEWAY": d.gateway_url,
        "PYTHONPATH": os.pathsep.join([str(REPO / "benchmarks" / "soakenv"), str(REPO)]),
    }
    bot = Bot(config, env, run.work / "bot.log")
    bot.start()
    base = f"http://127.0.0.1:{port}"
    acts = script(p.seed, p.participants, len(PROMPTS), gap=p.minutes * 60 * 0.22, tail=p.minutes * 60 * 0.48)
    seen = {pl: {k: asyncio.Event() for k in range(len(PROMPTS) + 1)} for pl in ("web", "x", "discord")}
    x_users = {
        who: x.user(f"x{who}", f"X person {who}")
        for who in range(p.participants)
        if platform_of(who, p.participants) == "x"
    }
    d_members = {
        who: d.member(world.guild, f"d{who}")
        for who in range(p.participants)
        if platform_of(who, p.participants) == "discord"
    }
    web = {
        who: WebPerson(who, base, f"127.9.{who // 250}.{who % 250 + 2}", "soakchat", SID)
        for who in range(p.participants)
        if platform_of(who, p.participants) == "web"
    }
    for person in web.values():
        person.task = asyncio.ensure_future(person.run(seen["web"]))
    questions: dict[str, str] = {}  # question text -> its id on X or Discord
    watch = asyncio.ensure_future(_watch_prompts(x, d, world, seen))
    faults = asyncio.ensure_future(_faults(run, bot, x, d, db, disk, start, end)) if p.faulted else None

    async def act(a: Act) -> None:
        await _act(a)
        run.acts_done += 1

    async def _act(a: Act) -> None:
        if a.after < 0:  # by the clock: the same moment of the chat in every run
            await asyncio.sleep(
                max(0.0, (end - timedelta(seconds=a.delay) - datetime.now(UTC)).total_seconds())
            )
        else:
            await seen[a.platform][a.after].wait()
            await asyncio.sleep(a.delay)
        if datetime.now(UTC) > end - timedelta(seconds=1):  # the chat is over: too late
            run.too_late += 1
            return
        if a.platform == "web":
            person = web[a.who]
            if a.kind == "vote":
                await person.vote(a.text, SID)
            else:
                await person.say(a.text)
        elif a.platform == "x":
            if a.kind == "vote":
                if a.text in questions:
                    x.like(questions[a.text])
                return
            text = f"{a.text} {HASHTAG}"
            pid = x.tweet(x_users[a.who], text)
            questions[a.text] = pid
            run.accepted["x"].append(text)
            run.before_end[text] = round((end - datetime.now(UTC)).total_seconds(), 1)
        else:
            if a.kind == "vote":
                if a.text in questions:
                    with contextlib.suppress(LookupError):
                        d.react(questions[a.text], VOTE, d_members[a.who])
                return
            mid = d.say(d_members[a.who], world.channel, a.text)
            questions[a.text] = mid
            run.accepted["discord"].append(a.text)
            run.before_end[a.text] = round((end - datetime.now(UTC)).total_seconds(), 1)

    run.acts = len(acts)
    acting = asyncio.gather(*(act(a) for a in acts))
    while True:
        code = await bot.exited()
        if code == -signal.SIGKILL:
            run.restarts += 1
            bot.start()
            continue
        if code != 0 and datetime.now(UTC) < end + timedelta(minutes=2) and len(run.unexpected_exits) < 10:
            run.unexpected_exits.append(code)
            await asyncio.sleep(0.5)
            bot.start()
            continue
        run.exit_code = code
        break
    if faults is not None:
        faults.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await faults
    acting.cancel()
    watch.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await acting
    for person in web.values():
        run.accepted["web"] += person.log.accepted
        for text, at in person.log.seen_at.items():
            run.before_end[text] = round((end - at).total_seconds(), 1)
            run.seen_how[text] = person.log.seen_how[text]
        run.unconfirmed["web"] += list(person.pending)
        run.web_resent += person.log.resent
        run.web_reconnects += person.reconnects
        await person.leave()
    web_bot: dict[str, str] = {}
    for person in web.values():
        web_bot.update(person.log.bot_seen)
    run.bot_posts = {
        "x": [post.text for post in x.posts_by(x.bot)],
        "discord": [m["content"] for m in d.messages(world.channel) if m["author"]["id"] == d.bot.id],
        "web": list(web_bot.values()),
    }
    stored, ledger = soakcheck.stored_texts(db, SID)  # read before the small disk goes away
    run.stored = {f"{pl}\t{text}": n for (pl, text), n in stored.items()}
    run.ledger_rows = len(ledger)


async def _watch_prompts(
    x: XFake, d: FakeDiscord, world: Any, seen: dict[str, dict[int, asyncio.Event]]
) -> None:
    """What X and Discord people see of the bot: its prompts, as they appear."""
    while True:
        for platform, texts in (
            ("x", [post.text for post in x.posts_by(x.bot)]),
            ("discord", [m["content"] for m in d.messages(world.channel) if m["author"]["id"] == d.bot.id]),
        ):
            for t in texts:
                if t.startswith("Welcome"):
                    seen[platform][0].set()
                for k in range(1, len(seen[platform])):
                    if t.startswith(f"Q{k}"):
                        seen[platform][k].set()
        await asyncio.sleep(0.2)


async def _faults(
    run: Run, bot: Bot, x: XFake, d: FakeDiscord, db: Path, disk: Path, start: datetime, end: datetime
) -> None:
    """Every fault at its seeded moment (seconds from now)."""
    p = run.params
    rnd = random.Random(p.seed * 7919 + 1)
    span = (end - datetime.now(UTC)).total_seconds()
    lead = (start - datetime.now(UTC)).total_seconds()
    plan: list[tuple[float, str]] = []
    spacing = max(2.5, (span - lead + 4) / max(p.kills, 1) * 0.6)
    t = lead - 3
    for _ in range(p.kills):
        t += spacing + rnd.uniform(0, spacing * 0.6)
        plan.append((min(t, span + 2), "kill"))
    plan += [(rnd.uniform(lead, span * 0.8), "lock") for _ in range(p.locks)]
    kinds = p.fault_kinds
    plan += [(rnd.uniform(lead, span * 0.9), kinds[i % len(kinds)]) for i in range(p.platform_faults)]
    if p.disk_full:
        plan.append((rnd.uniform(lead + 2, span * 0.7), "disk_full"))
    began = time.monotonic()
    tasks = []
    for at, kind in sorted(plan):
        await asyncio.sleep(max(0.0, at - (time.monotonic() - began)))
        if bot.proc is not None and bot.proc.poll() == 0:
            return
        run.timeline.append((round((datetime.now(UTC) - start).total_seconds(), 1), kind))
        if kind == "kill":
            bot.kill()
            run.kills += 1
        elif kind == "lock":
            tasks.append(asyncio.ensure_future(_lock(db, p.lock_seconds)))
            run.fault("database_lock")
        elif kind == "disk_full":
            if "disk_full_not_injected" not in run.faults:
                tasks.append(asyncio.ensure_future(_fill(disk, 6.0)))
                run.fault("disk_full")
        else:
            _platform_fault(x, d, kind)
            run.fault(kind)
    await asyncio.gather(*tasks)


def _platform_fault(x: XFake, d: FakeDiscord, kind: str) -> None:
    messages = r"/channels/\d+/messages"
    if kind == "x429":
        x.fail("429", "search", times=2, reset_in=4)
    elif kind == "x503":
        x.fail("503", "post")
    elif kind == "xslow":
        x.fail("slow", "search", delay=3)
    elif kind == "xdrop":
        x.fail("drop", "search")
    elif kind == "x502html":
        x.fail("502html", "post")
    elif kind == "d429":
        d.fail("POST", messages, 429, times=2, retry_after=1.0)
    elif kind == "d500":
        d.fail("POST", messages, 500)
    elif kind == "dslow":
        d.slow("POST", messages, 3)
    elif kind == "dreset":
        d.fail("POST", messages, 0)
    elif kind == "gateway_drop":
        d.gateway.drop()


async def _lock(db: Path, seconds: float) -> None:
    """Another process holds the database with BEGIN EXCLUSIVE for ``seconds`` (as Datasette or a
    sqlite-utils script can)."""
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE'); time.sleep(float(sys.argv[2])); c.execute('COMMIT')\n"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, str(db), str(seconds))
    await proc.wait()


def _mount(disk: Path) -> bool:
    """A 64 MB tmpfs for the archive, where this machine allows mounting one (root)."""
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True, check=False
    )
    return done.returncode == 0


async def _fill(disk: Path, seconds: float) -> None:
    """Fill the archive's small disk to the last byte for ``seconds``, then free it."""
    filler = disk / "filler"
    try:
        with filler.open("wb", buffering=0) as f:
            for size in (1 << 20, 4096, 64):
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * size)
        await asyncio.sleep(seconds)
    finally:
        filler.unlink(missing_ok=True)


async def soak(p: Params, work: Path) -> dict[str, Any]:
    """The faulted run and the uninterrupted one, side by side; the figures."""
    faulted, calm = await asyncio.gather(
        run_chat(p, work / "faulted"), run_chat(replace(p, faulted=False, kills=0), work / "uninterrupted")
    )
    stored: Counter[tuple[str, str]] = Counter()
    for k, n in faulted.stored.items():
        platform, text = k.split("\t", 1)
        stored[(platform, text)] = n
    delivery = soakcheck.delivery(faulted.accepted, faulted.unconfirmed, stored, faulted.before_end)
    posting = soakcheck.posting(faulted.bot_posts, calm.bot_posts)
    recap_diff = soakcheck.recap_difference(
        soakcheck.recap_of(faulted.work / "out"), soakcheck.recap_of(calm.work / "out")
    )
    return {
        "params": asdict(p),
        "seconds": faulted.seconds,
        "exit_code": faulted.exit_code,
        "uninterrupted_exit_code": calm.exit_code,
        "kills": faulted.kills,
        "restarts": faulted.restarts,
        "unexpected_exits": faulted.unexpected_exits,
        "faults": faulted.faults,
        "fault_timeline": faulted.timeline,
        "messages": delivery,
        "messages_lost": sum(v["lost"] for v in delivery.values()),
        "messages_duplicated": sum(v["duplicated"] for v in delivery.values()),
        "posts": posting,
        "posts_duplicated": sum(v["duplicated"] for v in posting.values()),
        "posts_in_order": all(v.get("same_as_uninterrupted", True) for v in posting.values()),
        "recap_equal": not recap_diff,
        "recap_differences": recap_diff,
        "acts": faulted.acts,
        "acts_done": faulted.acts_done,
        "acts_too_late": faulted.too_late,
        "web_resent": faulted.web_resent,
        "web_reconnects": faulted.web_reconnects,
        "ledger_rows": faulted.ledger_rows,
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as the table docs/reliability.md quotes (``--report FILE``)."""
    p = figures["params"]
    faults = ", ".join(f"{k} {v}" for k, v in sorted(figures["faults"].items()))
    rows = [
        (
            "run",
            f"seed {p['seed']}, {p['participants']} participants, {p['minutes']:g}-minute chat, "
            f"{figures['seconds']:g} s, commit {figures.get('commit', '?')}, {figures.get('date', '')}",
        ),
        ("SIGKILLs (each followed by a restart)", str(figures["kills"])),
        (
            "exits not asked for (restarted)",
            f"{len(figures['unexpected_exits'])} {figures['unexpected_exits'] or ''}".strip(),
        ),
        ("faults by kind", faults),
    ]
    for name, v in figures["messages"].items():
        rows.append(
            (
                f"{name}: messages accepted / lost / stored twice",
                f"{v['accepted']} / {v['lost']} / {v['duplicated']}"
                + (f" ({v['lost_in_last_20s']} lost in the last 20 s)" if v["lost_in_last_20s"] else ""),
            )
        )
    for name, v in figures["posts"].items():
        same = (
            "same order as uninterrupted"
            if v.get("same_as_uninterrupted")
            else f"differs: missing {v.get('missing')}, extra {v.get('extra')}"
        )
        rows.append(
            (f"{name}: scheduled posts / duplicated", f"{v['scheduled_posts']} / {v['duplicated']}, {same}")
        )
    rows += [
        ("messages lost, all platforms", str(figures["messages_lost"])),
        ("messages stored twice", str(figures["messages_duplicated"])),
        ("scheduled posts duplicated", str(figures["posts_duplicated"])),
        (
            "recap equal to the uninterrupted run's (apart from timing)",
            "yes" if figures["recap_equal"] else "no",
        ),
        ("web messages sent again by their senders after a restart", str(figures["web_resent"])),
    ]
    return "\n".join(["| what | figure |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--participants", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--locks", type=int, default=2)
    ap.add_argument("--platform-faults", type=int, default=12, help="X and Discord faults, taken in turn")
    ap.add_argument("--no-disk-full", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--keep", type=Path, help="keep the runs' files here (default: a temporary folder)")
    ap.add_argument("--report", type=Path, help="print the table of a figures JSON already written, and stop")
    a = ap.parse_args(argv)
    if a.report:
        print(report(json.loads(a.report.read_text(encoding="utf-8"))))
        return 0
    p = Params(
        a.seed,
        a.kills,
        a.participants,
        a.minutes,
        locks=a.locks,
        platform_faults=a.platform_faults,
        disk_full=not a.no_disk_full,
    )
    with tempfile.TemporaryDirectory(prefix="chatbot-soak-") as tmp:
        work = a.keep or Path(tmp)
        figures = asyncio.run(soak(p, work))
    figures["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, check=False
    ).stdout.strip()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {
                k: figures[k]
                for k in (
                    "kills",
                    "faults",
                    "messages_lost",
                    "messages_duplicated",
                    "posts_duplicated",
                    "posts_in_order",
                    "recap_equal",
                    "seconds",
                )
            }
        )
    )
    return 0 if held(figures) else 1


def held(figures: dict[str, Any]) -> bool:
    """Whether the soak held: the chat ran to its end with messages accepted, none lost or stored
    twice, no post duplicated or out of order, and the recap equal to the uninterrupted run's."""
    accepted = sum(v["accepted"] for v in figures["messages"].values())
    return bool(
        figures["exit_code"] == 0
        and accepted > 0
        and figures["messages_lost"] == 0
        and figures["messages_duplicated"] == 0
        and figures["posts_duplicated"] == 0
        and figures["posts_in_order"]
        and figures["recap_equal"]
    )


if __name__ == "__main__":
    sys.exit(main())
