"""The embedded default: ``python run_bot.py`` with no arguments hosts a short demo chat of
#localgovchat in the built-in web room, so a newcomer sees the whole product in a few minutes
with no account anywhere.

It opens (or creates) ``./chatbot.db``, schedules a session starting now with three prompts a
minute apart, serves the room, the live view and the host dashboard, and prints their addresses
(with a host token made for this run). When the chat closes, the recap is written to
``./transcripts/`` and the pages stay up until Ctrl-C; Ctrl-C during the chat stops it cleanly,
stores everything heard and renders the recap of what there is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.clock import Clock
from chatbot.config import Config, SessionConfig
from chatbot.core.model import PromptSpec, SessionSpec
from chatbot.platforms.web import WebSettings
from chatbot.store import StoreError

log = logging.getLogger("chatbot.demo")
TRANSCRIPTS = Path("transcripts")
HOST = "LocalGovChat"
PROMPTS = (
    "Should frontline staff be trusted to tweet answers to residents themselves, or should "
    "everything go through the comms team?",
    "Does social media let residents 'jump the queue' ahead of people who phone or come in "
    "person? Is that fair, and what do you do about it?",
    "Which channel serves residents best: phone, web forms, social media or the front desk? Why?",
)
MESSAGES = {
    "welcome": "Welcome to {hashtag}: {title}! Three prompts are coming, a minute apart. Answer with "
    "A1:, A2:, A3: and ask the hosts with /ask and your question.",
    "intro": "While we wait for Q1: who are you, and where do you join us from?",
}
TIMELINE = {
    "announce_before_minutes": [],
    "reminder_every_minutes": 0,
    "intro_after_minutes": 0.5,
    "first_prompt_minutes": 1,
    "last_prompt_before_end_minutes": 1,
    "last_call_minutes": 1,
}


def local_zone() -> str:
    """This machine's IANA zone name (the chat's time zone in the recap), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(IndexError, OSError):
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    for name in candidates:
        try:
            if name:
                return ZoneInfo(name).key
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def demo_session(now: datetime, *, zone: str | None = None, minutes_apart: float = 1.0) -> SessionConfig:
    """A short #localgovchat starting at ``now``: welcome, intro, Q1-Q3, last call, closing."""
    tz = ZoneInfo(zone or local_zone())
    local = now.astimezone(tz)
    spec = SessionSpec(
        id=f"localgovchat-{local:%Y-%m-%d}-demo-{local:%H%M%S}",
        hashtag="#localgovchat",
        title="Demo chat: social media and the front line",
        start=local,
        timezone=tz.key,
        duration_minutes=minutes_apart * (len(PROMPTS) + 2),
        hosts=(HOST,),
        prompts=tuple(
            PromptSpec(f"Q{i}", text, offset_minutes=minutes_apart * i) for i, text in enumerate(PROMPTS, 1)
        ),
        platforms=("web",),
    )
    timeline = {k: (v * minutes_apart if isinstance(v, float | int) else v) for k, v in TIMELINE.items()}
    return SessionConfig(spec, dict(MESSAGES), timeline)


def demo_config(
    db: Path, host: str, port: int, session: SessionConfig, *, transcripts: Path = TRANSCRIPTS
) -> Config:
    """The demo as a config: the web room, links to wherever the web app really listens."""
    return Config(
        path=Path("(demo)"),
        db=db,
        transcripts=transcripts,
        public_url="",
        platform_settings={"web": WebSettings(host, port, os.environ.get("CHATBOT_HOST_TOKEN") or None)},
        sessions=(session,),
    )


async def demo(
    db: Path,
    host: str,
    port: int,
    *,
    transcripts: Path = TRANSCRIPTS,
    clock: Clock | None = None,
    session: SessionConfig | None = None,
    linger: bool = True,
) -> int:
    """Host the demo chat; returns the exit code. ``clock``/``session`` let tests run it fast."""
    from chatbot.startup import started
    from chatbot.web.serve import until_signal

    session = session or demo_session((clock.now() if clock else datetime.now(UTC)) + timedelta(seconds=2))
    config = demo_config(db, host, port, session, transcripts=transcripts)
    print(f"demo chat {session.spec.hashtag}: starts now, a prompt every minute, Ctrl-C stops it")
    async with started(config, clock=clock, say=lambda line: print(line, flush=True)) as up:
        runner = up.host.sessions[session.spec.id]
        code = await up.host.run()
        recap = transcripts / f"{runner.slug}.html"
        if not recap.is_file():  # stopped early: the recap of what there is
            await up.recaps.publish(up.store, runner.session_id)
        if recap.is_file():
            print(f"recap: {recap}  ({up.base_url}/recaps/{recap.name})", flush=True)
        else:
            print(f"no recap was written (see the log); try: python run_bot.py recap --db {db}")
        if linger and runner.state()["status"] == "ended" and code == 0:
            print("the demo chat has ended; the pages stay up until Ctrl-C", flush=True)
            await until_signal()
    return code


def run_demo(args: argparse.Namespace) -> int:
    """``python run_bot.py`` with no arguments (``--host``, ``--port``, ``--db``)."""
    from chatbot.web.context import host_token_problem

    db = Path(args.demo_db)
    chosen = os.environ.get("CHATBOT_HOST_TOKEN")
    if chosen and (problem := host_token_problem(chosen)):
        print(f"error: {problem}", file=sys.stderr)
        print(
            "hint: unset it for a generated one, or make one: "
            "python -c 'import secrets; print(secrets.token_urlsafe())'",
            file=sys.stderr,
        )
        return 2
    try:
        return asyncio.run(demo(db, args.host, args.port))
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        print("hint: pass another --db", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot serve on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        print("hint: pass another --port (e.g. --port 8081)", file=sys.stderr)
        return 1
