"""The session timeline: what the bot posts and when, and a pure state machine for the runner.

Time rules:
- Every instant is computed and returned in UTC; local time is for display and weekly rules.
- A session starts at a fixed local wall time (see ``next_occurrence``); everything inside a
  session is elapsed time from that start, so a 60-minute chat across a DST change lasts 60 real
  minutes and may end at the "same" wall time it began (01:30 EDT -> 01:30 EST).
- A local time that does not exist (spring-forward gap) moves forward to the first valid instant
  (02:30 -> 03:00); an ambiguous one (fall-back) means its first occurrence (fold=0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from string import Formatter
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.core.model import SessionSpec
from chatbot.core.textfit import normalize_hashtag

NEAR = timedelta(minutes=2)  # reminders and shifted prompts keep this far from a prompt
MAX_WIDTH = 500  # the widest a template's format spec may pad or cut a value (characters)
MIN_REMINDER_MINUTES = 1.0  # reminders at most once a minute (0 turns them off)
MAX_LEAD_MINUTES = 366 * 24 * 60  # announcements at most a year ahead
MAX_ANNOUNCEMENTS = 20
MAX_POSTS = 2000  # the most posts one session may plan
_OPTION_MAX = {"announce_before_minutes": MAX_LEAD_MINUTES}  # other options: within a day (minutes)
PostKind = Literal[
    "announcement", "welcome", "intro", "prompt", "question_slot", "reminder", "last_call", "closing"
]
KIND_ORDER: tuple[PostKind, ...] = get_args(PostKind)  # the order of posts due at the same time
PLACEHOLDERS = frozenset(
    "hashtag title label text local_time local_date minutes_left recap_url asker host".split()  # noqa: SIM905
)
_FILLER = frozenset({"reminder", "question_slot", "last_call"})
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()  # noqa: SIM905
_MONTHS = "January February March April May June July August September October November December".split()  # noqa: SIM905


def _utc(dt: datetime, what: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} {dt.isoformat()} has no time zone")
    return dt.astimezone(UTC)


def _num(minutes: float) -> str:
    return f"{minutes:g}"


def _minutes(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def _fields(template: str) -> list[str]:
    names = []
    for _, name, spec, _ in Formatter().parse(template):
        if name is not None:
            names.append(name)
        if spec:
            names.extend(_fields(spec))
    return names


def _check_specs(template_name: str, template: str) -> None:
    """ValueError for a format spec that could blow up a post: a width or precision over
    ``MAX_WIDTH`` (``{title:>300000000}`` would fill hundreds of megabytes) or a placeholder
    inside a spec (``{title:{hashtag}}``: its value decides the format, at post time)."""
    for _, name, spec, _ in Formatter().parse(template):
        if not spec:
            continue
        if "{" in spec:
            raise ValueError(
                f"template {template_name!r}: {{{name}:{spec}}} puts a placeholder in a format spec; "
                f"write {{{name}}}"
            )
        for digits in re.findall(r"\d+", spec):
            if len(digits) > 4 or int(digits) > MAX_WIDTH:
                raise ValueError(
                    f"template {template_name!r}: {{{name}:{spec[:20]}}} asks for a width or precision "
                    f"of {digits[:12]}{'…' if len(digits) > 12 else ''}; at most {MAX_WIDTH}"
                )


@dataclass(frozen=True)
class Templates:
    """What the bot says. Each formats with ``PLACEHOLDERS`` only; checked when constructed."""

    welcome: str = (
        "Welcome to {hashtag}! Our topic: {title}. Questions come as Q1, Q2 ...; answer with A1:, A2: "
        "... and include {hashtag} in every post."
    )
    intro: str = (
        "Before we start, please introduce yourself: who you are and where you join us from. {hashtag}"
    )
    prompt: str = "{label}: {text}"
    reminder: str = "Reminder: include {hashtag} in every tweet and answer with A1:, A2: ..."
    last_call: str = "Last call: {minutes_left} minutes left in {hashtag}. Get your final answers in!"
    closing: str = "That's a wrap for {hashtag}! Thank you all for joining us for {title}. Recap: {recap_url}"
    closing_no_recap: str = "That's a wrap for {hashtag}! Thank you all for joining us for {title}."
    announcement: str = "Join us {local_date} at {local_time} for {hashtag}: {title}"
    question: str = "Question from {asker}: {text}"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the template and placeholder that could not be filled."""
        sample = dict.fromkeys(PLACEHOLDERS, "x")
        for f in fields(self):
            template = getattr(self, f.name)
            if not isinstance(template, str):
                raise ValueError(f"template {f.name!r} must be text, not {type(template).__name__}")
            try:
                names = _fields(template)
            except ValueError as e:
                raise ValueError(f"template {f.name!r} is malformed: {e}") from None
            for name in names:
                if name not in PLACEHOLDERS:
                    raise ValueError(
                        f"template {f.name!r} uses unknown placeholder {{{name}}}; "
                        f"known: {', '.join(sorted(PLACEHOLDERS))}"
                    )
            _check_specs(f.name, template)
            try:
                template.format_map(sample)
            except (ValueError, KeyError, IndexError, AttributeError, TypeError) as e:
                raise ValueError(f"template {f.name!r} cannot be formatted: {e}") from None

    def render(self, name: str, values: dict[str, str]) -> str:
        """Template ``name`` filled with ``values`` (missing placeholders are empty)."""
        if name not in {f.name for f in fields(self)}:
            raise ValueError(f"no template named {name!r}")
        template: str = getattr(self, name)
        return template.format_map({**dict.fromkeys(PLACEHOLDERS, ""), **values}).strip()


def local_clock(dt: datetime) -> str:
    """``9:00 PM EST``: a time as hosts write it, independent of the process locale."""
    clock = f"{(dt.hour - 1) % 12 + 1}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"
    return f"{clock} {dt.tzname() or ''}".strip()


def local_day(dt: datetime) -> str:
    """``Tuesday, November 3``."""
    return f"{_DAYS[dt.weekday()]}, {_MONTHS[dt.month - 1]} {dt.day}"


def _zone(spec: SessionSpec) -> ZoneInfo:
    try:
        return ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"session {spec.id}: unknown time zone {spec.timezone!r}") from None


def session_values(spec: SessionSpec, *, recap_url: str = "") -> dict[str, str]:
    """The session-wide placeholder values (label, text, asker, minutes_left are per post)."""
    local = _utc(spec.start, f"session {spec.id}: start").astimezone(_zone(spec))
    return {
        "hashtag": normalize_hashtag(spec.hashtag),
        "title": spec.title,
        "host": ", ".join(spec.hosts),
        "recap_url": recap_url,
        "local_time": local_clock(local),
        "local_date": local_day(local),
    }


@dataclass(frozen=True)
class TimelineOptions:
    """When the automatic posts come (minutes). ``missed`` is what a restart does with posts that
    came due while the bot was down: ``post`` them at once, or ``skip`` them."""

    announce_before_minutes: tuple[float, ...] = (1440, 60)
    reminder_every_minutes: float = 20  # 0 disables
    last_call_minutes: float = 5  # before the end; 0 disables
    questions_between_prompts: bool = False
    missed: Literal["post", "skip"] = "post"
    intro_after_minutes: float = 1
    first_prompt_minutes: float = 5  # spread prompts: first one this long after the start
    last_prompt_before_end_minutes: float = 10  # ... and the last one no later than this before the end

    def __post_init__(self) -> None:
        object.__setattr__(self, "announce_before_minutes", tuple(self.announce_before_minutes))  # TOML lists
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            if f.name in ("missed", "questions_between_prompts"):
                continue
            if any(v < 0 for v in values):
                raise ValueError(f"timeline option {f.name} must not be negative: {value!r}")
            most = _OPTION_MAX.get(f.name, 24 * 60)
            if not all(math.isfinite(v) and v <= most for v in values):
                raise ValueError(
                    f"timeline option {f.name} must be a number of minutes up to {most:g}: {value!r}"
                )
        if len(self.announce_before_minutes) > MAX_ANNOUNCEMENTS:
            raise ValueError(
                f"timeline option announce_before_minutes: at most {MAX_ANNOUNCEMENTS} announcements"
            )
        if 0 < self.reminder_every_minutes < MIN_REMINDER_MINUTES:
            raise ValueError(
                f"timeline option reminder_every_minutes must be 0 (no reminders) or at least "
                f"{MIN_REMINDER_MINUTES:g} minute: {self.reminder_every_minutes!r}"
            )
        if self.missed not in ("post", "skip"):
            raise ValueError(f"timeline option missed must be 'post' or 'skip', not {self.missed!r}")


@dataclass(frozen=True)
class PlannedPost:
    """One post the bot owes. ``key`` is stable across restarts (the exactly-once ledger's key);
    ``due`` is UTC; ``text`` is formatted (empty for a question slot: the runner picks one)."""

    key: str
    due: datetime
    kind: PostKind
    text: str
    label: str | None = None


def _order(post: PlannedPost) -> tuple[datetime, int]:
    return post.due, KIND_ORDER.index(post.kind)


def _prompt_times(spec: SessionSpec, start: datetime, end: datetime, opt: TimelineOptions) -> list[datetime]:
    """Each prompt's time: ``at``, else ``offset_minutes``, else spread between its neighbours."""
    seen: set[str] = set()
    times: list[datetime | None] = []
    for p in spec.prompts:
        if not p.label.strip():
            raise ValueError(f"session {spec.id}: a prompt has no label")
        if p.label.casefold() in seen:
            raise ValueError(f"prompt {p.label}: the label is used twice")
        seen.add(p.label.casefold())
        if p.at is not None:
            times.append(_utc(p.at, f"prompt {p.label}: time"))
        else:
            times.append(None if p.offset_minutes is None else start + _minutes(p.offset_minutes))
    first = start + _minutes(opt.first_prompt_minutes)
    last = max(first, end - _minutes(opt.last_prompt_before_end_minutes))
    i, n = 0, len(times)
    while i < n:
        if times[i] is not None:
            i += 1
            continue
        j = next((k for k in range(i, n) if times[k] is not None), n)
        count, prev, nxt = j - i, times[i - 1] if i else None, times[j] if j < n else None
        if prev is None:  # from the default first time (inclusive) ...
            lo, s0 = (first if nxt is None or first <= nxt else start), 0
        else:  # ... or from the prompt before (exclusive)
            lo, s0 = prev, 1
        hi = max(last, lo) if nxt is None else nxt  # to the default last time (inclusive) or the next
        step = (hi - lo) / max(count - 1 + s0 + (nxt is not None), 1)
        for s in range(count):
            t = lo + step * (s + s0)
            whole = start + _minutes(math.floor((t - start) / timedelta(minutes=1)))
            times[i + s] = whole if whole >= lo else t
        i = j
    zone = _zone(spec)
    result: list[datetime] = []
    for p, t in zip(spec.prompts, [t for t in times if t is not None], strict=True):
        if not start <= t < end:
            raise ValueError(
                f"prompt {p.label}: {local_clock(t.astimezone(zone))} is outside the session "
                f"({local_clock(start.astimezone(zone))} to {local_clock(end.astimezone(zone))})"
            )
        if result and t < result[-1]:
            raise ValueError(f"prompt {p.label}: its time comes before the prompt listed above it")
        result.append(t)
    return result


def build_timeline(
    spec: SessionSpec, templates: Templates, options: TimelineOptions, *, recap_url: str = ""
) -> list[PlannedPost]:
    """Every post the session needs, sorted by due time then ``KIND_ORDER``."""
    start = _utc(spec.start, f"session {spec.id}: start")
    if spec.duration_minutes <= 0:
        raise ValueError(f"session {spec.id}: duration must be positive, not {spec.duration_minutes}")
    end = start + _minutes(spec.duration_minutes)
    values = session_values(spec, recap_url=recap_url)
    posts: list[PlannedPost] = []

    def add(key: str, due: datetime, kind: PostKind, template: str, **extra: str) -> None:
        text = templates.render(template, {**values, **extra}) if template else ""
        posts.append(PlannedPost(key, due, kind, text, extra.get("label")))

    def left(at: datetime) -> str:
        return _num((end - at) / timedelta(minutes=1))

    for m in options.announce_before_minutes:
        add(f"announce:{_num(m)}", start - _minutes(m), "announcement", "announcement", minutes_left=_num(m))
    add("welcome", start, "welcome", "welcome", minutes_left=left(start))
    add("intro", start + _minutes(options.intro_after_minutes), "intro", "intro")
    times = _prompt_times(spec, start, end, options)
    for p, t in zip(spec.prompts, times, strict=True):
        add(f"prompt:{p.label}", t, "prompt", "prompt", label=p.label, text=p.text, minutes_left=left(t))
    if options.questions_between_prompts:
        for n, (a, b) in enumerate(pairwise(times), 1):
            mid = start + _minutes(math.floor(((a - start) + (b - a) / 2) / timedelta(minutes=1)))
            if a < mid < b:
                add(f"question-slot:{n}", mid, "question_slot", "")
    quiet_from = end
    if 0 < options.last_call_minutes < spec.duration_minutes:
        quiet_from = end - _minutes(options.last_call_minutes)
        add("lastcall", quiet_from, "last_call", "last_call", minutes_left=left(quiet_from))
    every, k = options.reminder_every_minutes, 1
    while every > 0 and (at := start + _minutes(every * k)) < quiet_from - NEAR:
        if all(abs(at - t) > NEAR for t in times):
            add(f"reminder:{_num(every * k)}", at, "reminder", "reminder", minutes_left=left(at))
        k += 1
    closing = "closing_no_recap" if not recap_url and "recap_url" in _fields(templates.closing) else "closing"
    add("closing", end, "closing", closing, minutes_left="0")
    if len(posts) > MAX_POSTS:
        raise ValueError(f"timeline: {len(posts)} posts planned; a session may have at most {MAX_POSTS}")
    return sorted(posts, key=_order)


def resolve_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """The aware instant for a local wall time: an ambiguous one is its first occurrence
    (fold=0); a nonexistent one (in a spring-forward gap) becomes the first valid instant."""
    naive = naive.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return first
    after = naive.replace(tzinfo=tz, fold=1)
    offset_after = after.utcoffset()
    lo, hi = sorted((after.astimezone(UTC), first.astimezone(UTC)))
    while hi - lo > timedelta(seconds=1):  # binary search for the transition instant
        mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
        if mid.astimezone(tz).utcoffset() == offset_after:
            hi = mid
        else:
            lo = mid
    return hi.astimezone(tz)


def next_occurrence(local_time: time, weekday: int, tz: ZoneInfo, after: datetime) -> datetime:
    """The first ``weekday`` (0 = Monday) at ``local_time`` in ``tz`` strictly after ``after``:
    "9 pm New York every Tuesday" stays 21:00 local across DST. Returned aware, in ``tz``."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    after_utc = _utc(after, "after")
    day = after_utc.astimezone(tz).date()
    for i in range(15):
        d = day + timedelta(days=i)
        if d.weekday() == weekday:
            candidate = resolve_local(datetime.combine(d, local_time.replace(tzinfo=None)), tz)
            if candidate.astimezone(UTC) > after_utc:
                return candidate
    raise AssertionError("unreachable: a weekday recurs within 15 days")


def templates_from(raw: Mapping[str, Any]) -> Templates:
    """``[session.messages]`` as Templates; ValueError naming the key when invalid."""
    known = {f.name for f in fields(Templates)}
    for key, value in raw.items():
        if key not in known:
            raise ValueError(f"messages.{key}: unknown message template (known: {', '.join(sorted(known))})")
        if not isinstance(value, str):
            raise ValueError(f"messages.{key}: must be text, not {value!r}")
    try:
        return Templates(**raw)
    except ValueError as e:
        raise ValueError(f"messages: {e}") from None


def timeline_options(raw: Mapping[str, Any]) -> TimelineOptions:
    """``[session.timeline]`` as TimelineOptions; ValueError naming the key when invalid."""
    known = {f.name for f in fields(TimelineOptions)}
    kw: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ValueError(f"timeline.{key}: unknown key (known: {', '.join(sorted(known))})")
        if key == "announce_before_minutes":
            if not isinstance(value, list | tuple) or not all(_is_number(v) for v in value):
                raise ValueError(f"timeline.{key}: must be a list of minutes, like [1440, 60]")
            kw[key] = tuple(float(v) for v in value)
        elif key == "questions_between_prompts":
            if not isinstance(value, bool):
                raise ValueError(f"timeline.{key}: must be true or false, not {value!r}")
            kw[key] = value
        elif key == "missed":
            if value not in ("post", "skip"):
                raise ValueError(f"timeline.{key}: must be 'post' or 'skip', not {value!r}")
            kw[key] = value
        elif not _is_number(value):
            raise ValueError(f"timeline.{key}: must be a number of minutes, not {value!r}")
        else:
            kw[key] = float(value)
    try:
        return TimelineOptions(**kw)
    except ValueError as e:
        raise ValueError(f"timeline: {e}") from None


def _is_number(v: object) -> bool:
    """A finite number of minutes (not nan, not inf, not true/false)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
