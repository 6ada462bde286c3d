"""Finding the chats in a recorded file that holds no schedule: hashtag, hosts, style, sessions.

A file may hold many weeks of a hashtag. A session is a burst of messages (no silence longer
than ``gap_minutes``) big enough to be a chat; the hosts' announcements earlier the same local
day belong to the chat they announce. Everything else stays in the archive, outside any session.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chatbot.core import conventions as conv
from chatbot.core.engine import handle_key
from chatbot.core.model import Message, SessionSpec


@dataclass(frozen=True)
class Inferred:
    spec: SessionSpec
    messages: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Guess:
    hashtag: str | None = None
    title: str | None = None
    hosts: tuple[str, ...] = ()
    style: str | None = None
    channel: str | None = None


def infer_hashtag(messages: list[Message], guess: Guess) -> str:
    if guess.hashtag:
        return guess.hashtag
    if guess.style == "meeting" and guess.title:
        # A meeting's hashtags are MeetBot commands (#info, #action): name it after the meeting.
        words = [w for w in re.split(r"\W+", guess.title.casefold()) if w and not w.isdigit()]
        if words:
            return "#" + "_".join(words)
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for m in messages:
        if m.is_repost:
            continue
        for tag in set(conv.hashtags(m.text)):
            counts[tag.casefold()] += 1
            spellings.setdefault(tag.casefold(), Counter())[tag] += 1
    if counts:
        top = counts.most_common(1)[0][0]
        return spellings[top].most_common(1)[0][0]
    base = guess.channel or guess.title or "chat"
    return "#" + (re.sub(r"[^\w]+", "", base.replace(" ", "_")) or "chat")


def infer_style(messages: list[Message], hosts: set[str], guess: Guess) -> str:
    if guess.style:
        return guess.style
    q = t = 0
    for m in messages:
        if handle_key(m.author.handle) not in hosts or m.is_repost:
            continue
        if conv.parse(m.text, style="Q").prompt:
            q += 1
        if conv.parse(m.text, style="T").prompt:
            t += 1
    return "T" if t > q else "Q"


def infer_hosts(messages: list[Message], guess: Guess) -> tuple[str, ...]:
    """The hosts: named by the file, else who posted labelled prompts, else the most active author."""
    if guess.hosts:
        return guess.hosts
    prompters: Counter[str] = Counter()
    for m in messages:
        if m.is_repost or m.reply_to:
            continue
        parsed = conv.parse(m.text, style="Q")
        if parsed.prompt and not parsed.answers:
            prompters[m.author.handle] += 1
    # A handful of people opening with "Q1" by accident is not hosting: require a run of prompts.
    hosts = tuple(h for h, n in prompters.most_common() if n >= 3)
    if hosts:
        return hosts[:3]
    authors = Counter(m.author.handle for m in messages if not m.is_repost and not m.author.is_bot)
    return (authors.most_common(1)[0][0],) if authors else ()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "chat"


def infer_sessions(
    messages: list[Message],
    tz: ZoneInfo,
    guess: Guess = Guess(),
    *,
    gap_minutes: float = 90,
    min_messages: int = 10,
    platform_hint: str | None = None,
) -> tuple[list[Inferred], list[Message]]:
    """Split ``messages`` into chats; returns (sessions, messages outside every session)."""
    ordered = sorted(messages, key=lambda m: (m.ts, m.id))
    if not ordered:
        return [], []
    hashtag = infer_hashtag(ordered, guess)
    hosts = infer_hosts(ordered, guess)
    host_keys = {handle_key(h) for h in hosts}
    style = infer_style(ordered, host_keys, guess)

    clusters: list[list[Message]] = [[ordered[0]]]
    for m in ordered[1:]:
        if m.ts - clusters[-1][-1].ts > timedelta(minutes=gap_minutes):
            clusters.append([])
        clusters[-1].append(m)
    big = [c for c in clusters if len(c) >= min_messages] or [max(clusters, key=len)]
    # One chat a local day: a second burst the same day (the chat going on after a break) joins it.
    by_day: dict[object, list[Message]] = {}
    for c in big:
        by_day.setdefault(c[0].ts.astimezone(tz).date(), []).extend(c)
    chats = [sorted(msgs, key=lambda m: (m.ts, m.id)) for msgs in by_day.values()]
    big_ids = {id(c) for c in big}
    cores = {id(c): list(c) for c in chats}
    stray: list[Message] = []
    for c in clusters:
        if id(c) in big_ids:
            continue
        target = _announced_chat(c, chats, host_keys, tz)
        if target is not None:
            cores[id(target)] = c + cores[id(target)]
        else:
            stray.extend(c)
    big = chats

    sessions: list[Inferred] = []
    used_ids: Counter[str] = Counter()
    for c in big:
        msgs = sorted(cores[id(c)], key=lambda m: (m.ts, m.id))
        start, end = _chat_start(c, host_keys), c[-1].ts
        local = start.astimezone(tz)
        sid = f"{slugify(hashtag)}-{local:%Y-%m-%d}"
        used_ids[sid] += 1
        if used_ids[sid] > 1:
            sid = f"{sid}-{local:%H%M}"
        platforms = tuple(sorted({m.platform for m in msgs}))
        title = guess.title or f"{hashtag} chat"
        spec = SessionSpec(
            id=sid,
            hashtag=hashtag,
            title=title,
            start=local,
            timezone=tz.key,
            duration_minutes=max(1.0, (end - start).total_seconds() / 60),
            hosts=hosts,
            platforms=platforms or ((platform_hint,) if platform_hint else ("web",)),
            style=style,
            max_open_questions_per_participant=0,
        )
        sessions.append(Inferred(spec, msgs))
    return sessions, stray


def _announced_chat(
    cluster: list[Message],
    chats: list[list[Message]],
    hosts: set[str],
    tz: ZoneInfo,
) -> list[Message] | None:
    """The chat that a burst of host-only messages announces later the same local day."""
    if not all(handle_key(m.author.handle) in hosts for m in cluster):
        return None
    day = cluster[-1].ts.astimezone(tz).date()
    for chat in chats:
        first: datetime = chat[0].ts
        if first > cluster[-1].ts and first.astimezone(tz).date() == day:
            return chat
    return None


def _chat_start(chat: list[Message], hosts: set[str]) -> datetime:
    """When the chat began: after the hosts' leading announcements ("at the top of the hour")."""
    for i, m in enumerate(chat[:-1]):
        announced = handle_key(m.author.handle) in hosts and chat[i + 1].ts - m.ts >= timedelta(minutes=10)
        if not announced:
            return m.ts
    return chat[-1].ts


def slug_for(spec: SessionSpec) -> str:
    """Stable, readable file names: 2026-11-24-localgovchat."""
    local = spec.start.astimezone(ZoneInfo(spec.timezone))
    slug = f"{local:%Y-%m-%d}-{slugify(spec.hashtag)}"
    suffix = spec.id.removeprefix(f"{slugify(spec.hashtag)}-{local:%Y-%m-%d}")
    return slug + (f"-{suffix.strip('-')}" if suffix.strip("-") else "")
