"""Finding the chats in a recorded file that holds no schedule: hashtag, hosts, style, sessions.

A file may hold many weeks of a hashtag. A session is a burst of messages (no silence longer
than ``gap_minutes``) big enough to be a chat; the hosts' announcements earlier the same local
day belong to the chat they announce. Everything else stays in the archive, outside any session.

``find_sessions`` reads the messages once, in time order, keeping only counts and a few facts per
burst, so an archive of a million messages is read as a stream (the importer feeds it from the
store); a session is then the bursts (``Span``) that make it up. ``infer_sessions`` does the same
for messages in memory and hands back each session's messages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from chatbot.core import conventions as conv
from chatbot.core.engine import handle_key
from chatbot.core.model import Message, SessionSpec

#: A channel mention DiscordChatExporter could not resolve: no hashtag.
DELETED_CHANNEL = "#deleted-channel"
#: A day of a channel with this many messages or more (well above its usual days) is a live event.
EVENT = 50
#: How many of a burst's first messages are kept to find the host's opening post (the title).
OPENING = 60
#: A host's message followed by this much silence announces the chat; it does not start it.
ANNOUNCED = timedelta(minutes=10)


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
    topic: str | None = None  # the channel's topic


class Line(NamedTuple):
    """What finding the chats reads of one message."""

    ts: datetime
    id: str
    handle: str
    platform: str
    text: str
    is_repost: bool
    is_reply: bool
    is_bot: bool


def line_of(m: Message) -> Line:
    return Line(
        m.ts, m.id, m.author.handle, m.platform, m.text, m.is_repost, bool(m.reply_to), m.author.is_bot
    )


@dataclass(frozen=True)
class Span:
    """A burst: every message from ``first`` to ``last`` (inclusive) of the messages read."""

    first: datetime
    last: datetime
    count: int


@dataclass(frozen=True)
class Found:
    """One chat: its spec, and the bursts whose messages are its messages."""

    spec: SessionSpec
    spans: tuple[Span, ...]


@dataclass(slots=True)
class _Burst:
    first: datetime
    last: datetime
    count: int = 0
    authors: set[str] | None = field(default_factory=set)  # None: more than any host list holds
    platforms: set[str] = field(default_factory=set)
    # The leading messages while each is followed by ANNOUNCED or more of silence (the candidates
    # for announcements), up to the first one that is not; ``lead_open``: all of them so far.
    lead: list[tuple[datetime, str, bool]] = field(default_factory=list)  # when, who, a reply
    lead_open: bool = True
    opening: list[tuple[datetime, str, str]] = field(default_factory=list)  # the first few: when, who, what

    @property
    def span(self) -> Span:
        return Span(self.first, self.last, self.count)

    def compact(self) -> None:
        """Forget what only a chat's own bursts need (its opening and leading messages)."""
        self.lead, self.opening = [], []


@dataclass
class _Tally:
    """Everything inference needs, gathered in one pass over the messages.

    Memory stays flat however many bursts the file holds (a quiet channel over years is one burst
    a message): a burst of fewer than ``min_messages`` is kept, without its opening, only while it
    may still announce a chat later the same local day, or the largest burst when none is big yet;
    the rest are counted (``days``, ``platforms``, ``total``) and let go."""

    most_hosts: int
    tz: ZoneInfo
    min_messages: int
    tags: Counter[str] = field(default_factory=Counter)
    spellings: dict[str, Counter[str]] = field(default_factory=dict)
    prompters: Counter[str] = field(default_factory=Counter)  # Q-prompts outside replies, by handle
    q_prompts: Counter[str] = field(default_factory=Counter)  # by handle key
    t_prompts: Counter[str] = field(default_factory=Counter)
    authors: Counter[str] = field(default_factory=Counter)
    bursts: list[_Burst] = field(default_factory=list)  # the big ones and what announces them
    days: Counter[date] = field(default_factory=Counter)  # messages by the local day their burst began
    platforms: set[str] = field(default_factory=set)
    total: int = 0
    first: datetime | None = None  # the first message's time, and the last one's
    last: datetime | None = None
    current: _Burst | None = None
    pending: list[_Burst] = field(default_factory=list)  # small bursts whose local day is not over
    largest: _Burst | None = None  # while no burst is big: the first of the most messages
    fallback: list[_Burst] = field(default_factory=list)  # small bursts that may announce ``largest``
    _candidates: set[int] = field(default_factory=set)  # ids of the pending ones among them
    _announcing: set[int] = field(default_factory=set)  # ids of pending bursts a big one followed

    def add(self, m: Line, gap: timedelta, count_tags: bool) -> None:
        key = handle_key(m.handle)
        if count_tags:  # posts carrying each tag, reposts among them
            for tag in set(conv.hashtags(m.text.replace(DELETED_CHANNEL, ""))):
                folded = tag.casefold()
                self.tags[folded] += 1
                if not m.is_repost:  # as people wrote it themselves
                    self.spellings.setdefault(folded, Counter())[tag] += 1
        if not m.is_repost:
            q = conv.looks_like_prompt(m.text, "Q") and conv.parse(m.text, style="Q").prompt
            if q:
                self.q_prompts[key] += 1
                if not m.is_reply:
                    self.prompters[m.handle] += 1
            if conv.looks_like_prompt(m.text, "T") and conv.parse(m.text, style="T").prompt:
                self.t_prompts[key] += 1
            if not m.is_bot:
                self.authors[m.handle] += 1
        burst = self.current
        if burst is None or m.ts - burst.last > gap:
            if burst is not None:
                self._close(burst)
            burst = self.current = _Burst(m.ts, m.ts)
            self._settle(self._day(m.ts))
            if self.first is None:
                self.first = m.ts
        elif burst.lead_open and m.ts - burst.last < ANNOUNCED:
            burst.lead_open = False
        burst.last = self.last = m.ts
        burst.count += 1
        burst.platforms.add(m.platform)
        if burst.authors is not None:
            burst.authors.add(key)
            if len(burst.authors) > self.most_hosts:
                burst.authors = None
        if len(burst.opening) < OPENING:
            burst.opening.append((m.ts, key, m.text))
        if burst.lead_open:
            burst.lead.append((m.ts, key, m.is_reply or "@" in m.text))

    def finish(self) -> None:
        """The last burst is over, and so is every local day."""
        if self.current is not None:
            self._close(self.current)
            self.current = None
        self._settle(None)
        if self.largest is not None:  # no burst is big: the largest is the chat
            self.bursts = [*self.fallback, self.largest]

    def _day(self, ts: datetime) -> date:
        return ts.astimezone(self.tz).date()

    def _close(self, b: _Burst) -> None:
        day = self._day(b.first)
        self.days[day] += b.count
        self.platforms |= b.platforms
        self.total += b.count
        if b.count >= self.min_messages:
            self.bursts.append(b)
            # The small bursts earlier the same local day may announce it.
            self._announcing.update(id(s) for s in self.pending if self._day(s.last) == day)
            self.largest, self.fallback, self._candidates = None, [], set()
            return
        if not self.bursts and (self.largest is None or b.count > self.largest.count):
            if self.largest is not None:
                self.largest.compact()
            self.largest, self.fallback = b, []
            self._candidates = {id(s) for s in self.pending if self._day(s.last) == day}
        elif b is not self.largest:
            b.compact()
        self.pending.append(b)

    def _settle(self, today: date | None) -> None:
        """Small bursts of the local days before ``today`` (None: all) are kept only if they may
        announce a chat; the rest are only counted."""
        keep: list[_Burst] = []
        for s in self.pending:
            if today is not None and self._day(s.last) >= today:
                keep.append(s)
            elif id(s) in self._announcing:
                self.bursts.append(s)
            elif id(s) in self._candidates and s is not self.largest:
                self.fallback.append(s)
        if len(keep) != len(self.pending):
            settled = {id(s) for s in self.pending} - {id(s) for s in keep}
            self._announcing -= settled
            self._candidates -= settled
            self.pending = keep


def infer_hashtag(tally: _Tally, guess: Guess) -> str:
    if guess.hashtag:
        return guess.hashtag
    if guess.style == "meeting" and guess.title:
        # A meeting's hashtags are MeetBot commands (#info, #action): name it after the meeting.
        words = [w for w in re.split(r"\W+", guess.title.casefold()) if w and not w.isdigit()]
        if words:
            return "#" + "_".join(words)
    # The tag most posts share (a sheet without its query row), reposts counted, among the tags
    # people wrote themselves: a tag only retweets carry (a campaign's flood) is not the chat's.
    written = [(n, tag) for tag, n in tally.tags.items() if tag in tally.spellings]
    if written:
        top = max(written, key=lambda item: (item[0], tally.spellings[item[1]].total()))[1]
        return tally.spellings[top].most_common(1)[0][0]
    base = guess.channel or guess.title or "chat"
    return "#" + (re.sub(r"[^\w]+", "", base.replace(" ", "_")) or "chat")


def _counts_tags(guess: Guess) -> bool:
    return not guess.hashtag and not (guess.style == "meeting" and guess.title)


def infer_style(tally: _Tally, hosts: set[str], guess: Guess) -> str:
    if guess.style:
        return guess.style
    q = sum(tally.q_prompts[h] for h in hosts)
    t = sum(tally.t_prompts[h] for h in hosts)
    return "T" if t > q else "Q"


def infer_hosts(tally: _Tally, guess: Guess) -> tuple[str, ...]:
    """The hosts: named by the file, else who posted labelled prompts, else the most active author."""
    if guess.hosts:
        return guess.hosts
    # A handful of people opening with "Q1" by accident is not hosting: require a run of prompts.
    hosts = tuple(h for h, n in tally.prompters.most_common() if n >= 3)
    if hosts:
        return hosts[:3]
    return (tally.authors.most_common(1)[0][0],) if tally.authors else ()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "chat"


def find_sessions(
    lines: Iterable[Line],
    tz: ZoneInfo,
    guess: Guess = Guess(),
    *,
    gap_minutes: float = 90,
    min_messages: int = 10,
    platform_hint: str | None = None,
) -> tuple[list[Found], int]:
    """Split messages read in time order (by time, then id) into chats, in one pass; returns
    (the chats, how many messages are outside every chat)."""
    tally = _Tally(most_hosts=max(3, len(guess.hosts)), tz=tz, min_messages=min_messages)
    gap, count_tags = timedelta(minutes=gap_minutes), _counts_tags(guess)
    for m in lines:
        tally.add(m, gap, count_tags)
    tally.finish()
    if not tally.total:
        return [], 0
    hashtag = infer_hashtag(tally, guess)
    hosts = infer_hosts(tally, guess)
    host_keys = {handle_key(h) for h in hosts}
    style = infer_style(tally, host_keys, guess)

    bursts = tally.bursts
    if _whole_channel(tally, host_keys, guess):
        return [_channel_record(tally, guess, hashtag, style, tz)], 0
    big = [b for b in bursts if b.count >= min_messages] or [max(bursts, key=lambda b: b.count)]
    # One chat a local day: a second burst the same day (the chat going on after a break) joins it.
    by_day: dict[object, list[_Burst]] = {}
    for b in big:
        by_day.setdefault(b.first.astimezone(tz).date(), []).append(b)
    chats = list(by_day.values())
    members = {id(c): list(c) for c in chats}
    big_ids = {id(b) for b in big}
    for b in bursts:
        if id(b) in big_ids:
            continue
        target = _announced_chat(b, chats, host_keys, tz)
        if target is not None:
            members[id(target)].insert(0, b)

    sessions: list[Found] = []
    used_ids: Counter[str] = Counter()
    inside = 0
    for c in chats:
        parts = sorted(members[id(c)], key=lambda b: b.first)
        inside += sum(b.count for b in parts)
        start, end = _chat_start(c, host_keys), c[-1].last
        local = start.astimezone(tz)
        sid = f"{slugify(hashtag)}-{local:%Y-%m-%d}"
        used_ids[sid] += 1
        if used_ids[sid] > 1:
            sid = f"{sid}-{local:%H%M}"
        platforms = tuple(sorted({p for b in parts for p in b.platforms}))
        title = guess.title or _opening(parts, host_keys, start) or f"{hashtag} chat"
        numbered = any(tally.q_prompts[h] + tally.t_prompts[h] for h in host_keys)
        extra = {"prompts": "inferred"} if hosts and style != "meeting" and not numbered else {}
        if guess.channel:
            extra["channel"] = "#" + guess.channel.lstrip("#")
        if guess.topic:
            extra["topic"] = guess.topic
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
            extra=extra,
        )
        sessions.append(Found(spec, tuple(b.span for b in parts)))
    return sessions, tally.total - inside


def infer_sessions(
    messages: list[Message],
    tz: ZoneInfo,
    guess: Guess = Guess(),
    *,
    gap_minutes: float = 90,
    min_messages: int = 10,
    platform_hint: str | None = None,
) -> tuple[list[Inferred], list[Message]]:
    """Split ``messages`` (in any order) into chats; returns (sessions, messages outside every session)."""
    ordered = sorted(messages, key=lambda m: (m.ts, m.id))
    found, _ = find_sessions(
        (line_of(m) for m in ordered),
        tz,
        guess,
        gap_minutes=gap_minutes,
        min_messages=min_messages,
        platform_hint=platform_hint,
    )
    sessions = [
        Inferred(f.spec, [m for m in ordered if any(s.first <= m.ts <= s.last for s in f.spans)])
        for f in found
    ]
    taken = {id(m) for s in sessions for m in s.messages}
    return sessions, [m for m in ordered if id(m) not in taken]


_TRAILING_TAGS = re.compile(r"(?:\s+(?:#\w+|https?://\S+))+\s*$")


def _opening(parts: list[_Burst], hosts: set[str], start: datetime) -> str:
    """The title a host gave the chat: their first post of its own from its start on (its
    trailing hashtags and links left off; its first sentence when long)."""
    for burst in parts:
        for ts, key, text in burst.opening:
            said = " ".join(text.split())
            if ts >= start and key in hosts and said and not said.startswith(("@", "RT ")):
                said = _TRAILING_TAGS.sub("", said).strip() or said
                if len(said) > 100:
                    cut = re.search(r"[.!?](?=\s)", said)
                    said = said[: cut.end()] if cut and cut.end() <= 100 else said[:99].rstrip() + "…"
                return said
    return ""


def _whole_channel(tally: _Tally, hosts: set[str], guess: Guess) -> bool:
    """A Discord channel or thread export that holds no hosted chat (no prompt by its hosts, no
    hashtag of its own, no live event: a day of EVENT or more messages, three times the other
    days' median at least): it is one record of the whole export, as DiscordChatExporter shows it."""
    if not guess.channel or guess.hashtag or guess.style == "meeting":
        return False
    if tally.platforms - {"discord"}:
        return False
    if sum(tally.q_prompts[h] + tally.t_prompts[h] for h in hosts) or tally.prompters:
        return False
    days = tally.days
    busiest, most = days.most_common(1)[0]
    others = sorted(n for day, n in days.items() if day != busiest)
    usual = others[len(others) // 2] if others else 0
    return not (most >= EVENT and most >= 3 * usual)


def _channel_record(tally: _Tally, guess: Guess, hashtag: str, style: str, tz: ZoneInfo) -> Found:
    """The whole export as one record: one span from its first message to its last."""
    assert tally.first is not None and tally.last is not None
    start, end = tally.first, tally.last
    local = start.astimezone(tz)
    name = guess.channel or "channel"
    spec = SessionSpec(
        id=f"{slugify(name)}-{local:%Y-%m-%d}",
        hashtag=hashtag,
        title=guess.title or f"#{name}",
        start=local,
        timezone=tz.key,
        duration_minutes=max(1.0, (end - start).total_seconds() / 60),
        hosts=guess.hosts,  # nobody hosted it
        platforms=("discord",),
        style=style,
        max_open_questions_per_participant=0,
        extra={"channel": f"#{name.lstrip('#')}", "kind": "channel"}
        | ({"topic": guess.topic} if guess.topic else {}),
    )
    return Found(spec, (Span(start, end, tally.total),))


def _announced_chat(
    burst: _Burst,
    chats: list[list[_Burst]],
    hosts: set[str],
    tz: ZoneInfo,
) -> list[_Burst] | None:
    """The chat that a burst of host-only messages announces later the same local day."""
    if burst.authors is None or not burst.authors <= hosts:
        return None
    day = burst.last.astimezone(tz).date()
    for chat in chats:
        first: datetime = chat[0].first
        if first > burst.last and first.astimezone(tz).date() == day:
            return chat
    return None


def _chat_start(chat: list[_Burst], hosts: set[str]) -> datetime:
    """When the chat began: after the hosts' leading announcements ("at the top of the hour") and
    the replies to them hours before (``@host see you there``): the first message that is neither
    followed by ANNOUNCED or more of silence."""
    for n, burst in enumerate(chat):
        for i, (ts, key, replying) in enumerate(burst.lead):
            last_of_lead = i == len(burst.lead) - 1
            if last_of_lead and burst.lead_open and n == len(chat) - 1:
                return ts  # the chat's last message
            silence_after = not (last_of_lead and not burst.lead_open)
            if not ((key in hosts or replying) and silence_after):
                return ts
    return chat[-1].last


def slug_for(spec: SessionSpec) -> str:
    """Stable, readable file names: 2026-11-24-localgovchat."""
    local = spec.start.astimezone(ZoneInfo(spec.timezone))
    slug = f"{local:%Y-%m-%d}-{slugify(spec.hashtag)}"
    suffix = spec.id.removeprefix(f"{slugify(spec.hashtag)}-{local:%Y-%m-%d}")
    return slug + (f"-{suffix.strip('-')}" if suffix.strip("-") else "")
