"""Rehearsing a chat: ``chatbot replay FILE --speed N``.

A recorded chat is played back through the live runner on a scaled clock (``ReplayPlatform``):
with a config, the config's first session, its recording shifted to the session's start; without
one, the chat found in the recording (its hosts post the prompts; the bot does the rest).
``--speed 0`` runs on a ``VirtualClock``: as fast as possible, and what the tests use.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.clock import Clock, ScaledClock, VirtualClock
from chatbot.config import Config, SessionConfig
from chatbot.core.model import Author, Message
from chatbot.core.sessions import Guess, infer_sessions
from chatbot.platforms.registry import REGISTRY
from chatbot.platforms.replay import ReplayPlatform

LEAD = timedelta(minutes=30)  # recorded messages this long before the start are played too
TAIL = timedelta(minutes=15)  # ... and this long after the end


def _chat_start(messages: list[Message], tz: ZoneInfo) -> datetime:
    found, _ = infer_sessions(messages, tz)
    return found[0].spec.start if found else messages[0].ts


async def replay(
    path: str | Path,
    *,
    config: Config | None,
    speed: float,
    out: Callable[[str], object] = print,
    db: str | Path = ":memory:",
    transcripts: Path | None = None,
) -> int:
    """Play the recorded chat in ``path`` through the live runner; print what the bot says.
    ``speed`` N runs N times faster than real time (0 or inf: as fast as possible). The archive
    is ``db`` (by default in memory: a rehearsal leaves nothing behind); a recap is rendered into
    ``transcripts`` when given. ImportFailed when the file cannot be read."""
    from chatbot.hosting.recaps import Recaps
    from chatbot.hosting.session import SessionRunner
    from chatbot.importers import ImportFailed, load
    from chatbot.store import Store

    zone = config.timezone if config else None
    result = load(Path(path), tz=zone)
    names = sorted({m.platform for m in result.messages if m.platform in REGISTRY})
    if not names:
        raise ImportFailed(
            f"{path}: no messages from a platform the bot can replay ({', '.join(REGISTRY.names)})"
        )
    recorded = [m for m in result.messages if m.platform in names]
    if config and config.sessions:
        session = config.sessions[0]
        shift = session.spec.start - _chat_start(recorded, ZoneInfo(session.spec.timezone))
        recorded = [replace(m, ts=m.ts + shift) for m in recorded]
        if len(config.sessions) > 1:
            out(f"note: rehearsing the first of {len(config.sessions)} sessions ({session.spec.id})")
    else:
        assumed = zone or result.assumed_timezone
        h = result.hints
        found, _ = infer_sessions(
            recorded,
            assumed if isinstance(assumed, ZoneInfo) else ZoneInfo("UTC"),
            Guess(h.hashtag, h.title, h.hosts, h.style, h.channel),
        )
        if not found:
            raise ImportFailed(f"{path}: no chat found in the recording")
        chat = max(found, key=lambda f: len(f.messages))
        session = SessionConfig(replace(chat.spec, prompts=()), timeline={"announce_before_minutes": []})
    spec = replace(session.spec, platforms=tuple(names))
    session = replace(session, spec=spec)
    end = spec.start + timedelta(minutes=spec.duration_minutes)
    recorded = [m for m in recorded if spec.start - LEAD <= m.ts <= end + TAIL]
    begin = min([spec.start, *(m.ts for m in recorded)]) - timedelta(minutes=1)
    clock: Clock = VirtualClock(begin) if speed <= 0 or math.isinf(speed) else ScaledClock(begin, speed)
    # times are shown in the session's zone, or as the recording wrote them
    tz: tzinfo = ZoneInfo(spec.timezone) if config and config.sessions else (recorded[0].ts.tzinfo or UTC)
    bot = config.bot_name if config else "chatbot"
    posts: Counter[str] = Counter()

    def show(m: Message) -> None:
        posts[m.platform] += 1
        where = f" (reply to {m.reply_to})" if m.reply_to else ""
        out(f"{m.ts.astimezone(tz):%H:%M:%S} [{m.platform}] {m.text}{where}")

    platforms = [
        ReplayPlatform(
            name,
            recorded,
            clock,
            identity=Author(f"{bot}-bot", f"@{bot}" if name == "x" else bot, bot, is_bot=True),
            on_post=show,
        )
        for name in names
    ]
    out(f"replaying {len(recorded)} messages of {path} as {spec.hashtag} ({spec.id}), speed {speed:g}")
    store = Store(db)
    try:
        from chatbot.hosting.host import run_sessions

        recaps = Recaps(transcripts) if transcripts else None
        runner = SessionRunner(session, store, platforms, clock=clock, recaps=recaps)
        code = await run_sessions([runner])
        state = runner.state()
    finally:
        store.close()
    total = sum(posts.values())
    out(
        f"done: {state['messages']} messages recorded, {total} posted by the bot, "
        f"{len(state['queue'])} questions, {state['participants']} participants"
    )
    return code
