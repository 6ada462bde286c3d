"""The host's ``chat.toml``: loaded once, validated, turned into frozen dataclasses.

Every error names the key and the problem (``session[0].timezone: unknown time zone ...``).
Each platform adapter owns its settings: ``[platforms.<name>]`` is checked by the adapter the
registry (``chatbot.platforms.registry``) holds for that name (the older top-level ``[web]``
table is still read as ``[platforms.web]``). Secrets (tokens, the host token) come from the
environment, never the file that gets shared; a config may name the variable to read.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.core.model import PromptSpec, SessionSpec
from chatbot.core.schedule import Templates, TimelineOptions, templates_from, timeline_options
from chatbot.core.sessions import slugify
from chatbot.platforms.registry import REGISTRY, Registry
from chatbot.platforms.settings import Section, SettingsError
from chatbot.platforms.web import WebSettings


class ConfigError(Exception):
    """The config cannot be used; the text names the file, the key and the problem."""


@dataclass(frozen=True)
class SessionConfig:
    """One session to host: what the host scheduled, and its ``messages`` and ``timeline`` tables
    as written. Those are validated once, here, into ``templates`` and ``options`` (ValueError
    naming the key, e.g. ``timeline.reminder_every_minutes: must be a number of minutes``),
    whoever makes the config: the TOML loader, the demo, a test."""

    spec: SessionSpec
    messages: dict[str, Any] = field(default_factory=dict)  # template overrides, as written
    timeline: dict[str, Any] = field(default_factory=dict)  # announce/reminder/last call/missed, as written
    templates: Templates = field(init=False)
    options: TimelineOptions = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "templates", templates_from(self.messages))
        object.__setattr__(self, "options", timeline_options(self.timeline))


@dataclass(frozen=True)
class Config:
    """A loaded config. ``platform_settings``: each hostable platform's validated settings, by
    name (as its adapter declares them); ``registry``: the platforms this config was checked
    against, and that make its sessions' adapters."""

    path: Path
    bot_name: str = "chatbot"
    db: Path = Path("chatbot.db")
    transcripts: Path = Path("transcripts")
    public_url: str = "http://127.0.0.1:8080"
    platform_settings: Mapping[str, Any] = field(default_factory=dict)
    sessions: tuple[SessionConfig, ...] = ()
    optouts: tuple[str, ...] = ()
    registry: Registry = field(default=REGISTRY, repr=False, compare=False)

    @property
    def timezone(self) -> ZoneInfo | None:
        return ZoneInfo(self.sessions[0].spec.timezone) if self.sessions else None

    @property
    def web(self) -> WebSettings:
        """Where the web app listens (the web room's settings; the defaults when not configured)."""
        found = self.platform_settings.get("web")
        return found if isinstance(found, WebSettings) else WebSettings()


TOP_KEYS = {"bot", "platforms", "session", "privacy"}
MIN_YEAR, MAX_YEAR = 1970, 2200  # a session's start (and a prompt's time) lies in these years


def load_config(
    path: str | Path, env: Mapping[str, str] | None = None, *, registry: Registry = REGISTRY
) -> Config:
    """The config in ``path`` (secrets from ``env``, by default the environment), its platforms
    checked against ``registry``. ConfigError names the file, the key and the problem."""
    path = Path(path)
    env = dict(os.environ) if env is None else env
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    try:
        return _config(path, data, env, registry)
    except SettingsError as e:
        raise ConfigError(f"{path}: {e}") from None


def _config(path: Path, data: dict[str, Any], env: Mapping[str, str], registry: Registry) -> Config:
    top = Section("", data, TOP_KEYS | set(registry.names))  # [web] and the like: older forms
    bot = Section("bot", top.get("bot", dict, {}), {"name", "db", "transcripts", "public_url"})
    settings = _platform_settings(top, env, registry)
    privacy = Section("privacy", top.get("privacy", dict, {}), {"optouts"})
    optouts = privacy.strings("optouts")
    raw_sessions = top.get("session", list, [])
    sessions = tuple(_session(path, i, s, optouts, registry) for i, s in enumerate(raw_sessions))
    _check_unique(path, sessions)
    web = settings.get("web")
    port = web.port if isinstance(web, WebSettings) else WebSettings().port
    return Config(
        path=path,
        bot_name=bot.get("name", str, "chatbot"),
        db=Path(bot.get("db", str, "chatbot.db")),
        transcripts=Path(bot.get("transcripts", str, "transcripts")),
        public_url=bot.get("public_url", str, f"http://127.0.0.1:{port}"),
        platform_settings=settings,
        sessions=sessions,
        optouts=optouts,
        registry=registry,
    )


def _platform_settings(top: Section, env: Mapping[str, str], registry: Registry) -> dict[str, Any]:
    """Every hostable platform's settings, checked by its adapter, from ``[platforms.<name>]``
    or the older top-level ``[<name>]``. Tables of platforms that cannot be hosted yet are
    accepted as written: their adapter, once there, checks them."""
    nested = top.get("platforms", dict, {})
    Section("platforms", nested, registry.names)  # an unknown platform's table is an error
    tables: dict[str, tuple[str, Any]] = {name: (f"platforms.{name}", t) for name, t in nested.items()}
    for name in registry.names:
        if name in top.table:
            if name in tables:
                top.fail(name, f"give these settings once: in [platforms.{name}] or in [{name}], not both")
            tables[name] = (name, top.table[name])
    found: dict[str, Any] = {}
    for name in registry.hostable:
        where, table = tables.get(name, (f"platforms.{name}", {}))
        if not isinstance(table, dict):
            raise SettingsError(f"{where}: must be a table")
        found[name] = registry.settings(name, table, env, where=where)
    return found


SESSION_KEYS = {
    "id",
    "hashtag",
    "title",
    "start",
    "timezone",
    "duration_minutes",
    "hosts",
    "platforms",
    "question_tag",
    "style",
    "max_open_questions",
    "prompt",
    "messages",
    "timeline",
    "optouts",
}


def _session(path: Path, i: int, raw: Any, optouts: tuple[str, ...], registry: Registry) -> SessionConfig:
    where = f"session[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where}: must be a table ([[session]])")
    r = Section(where, raw, SESSION_KEYS)
    hashtag = r.get("hashtag", str, required=True).strip()
    if not hashtag.startswith("#") or len(hashtag) < 2 or any(c.isspace() for c in hashtag):
        r.fail("hashtag", f"must look like #localgovchat, not {hashtag!r}")
    tz_name = r.get("timezone", str, required=True)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name longer than a file name
        r.fail("timezone", f"unknown time zone {tz_name[:60]!r} (use an IANA name like America/New_York)")
    start = _local_datetime(r, "start", r.get("start", (str, datetime), required=True), tz)
    duration = r.get("duration_minutes", float, 60.0)
    if not 0 < duration <= 24 * 60:
        r.fail("duration_minutes", f"must be between 1 and 1440, not {duration}")
    platforms = r.strings("platforms") or ("web",)
    for p in platforms:
        if p not in registry:
            r.fail("platforms", f"unknown platform {p!r} (known: {', '.join(registry.names)})")
    style = r.get("style", str, "Q")
    if style not in ("Q", "T", "meeting"):
        r.fail("style", f"must be 'Q', 'T' or 'meeting', not {style!r}")
    prompts = tuple(
        _prompt(path, f"{where}.prompt[{j}]", p, tz, start, duration)
        for j, p in enumerate(r.get("prompt", list, []))
    )
    labels: set[str] = set()
    for j, prompt in enumerate(prompts):
        if prompt.label.upper() in labels:
            raise ConfigError(f"{path}: {where}.prompt[{j}].label: duplicate label {prompt.label!r}")
        labels.add(prompt.label.upper())
    messages = r.get("messages", dict, {})
    timeline = r.get("timeline", dict, {})
    max_open = r.get("max_open_questions", int, 3)
    if max_open < 0:
        r.fail("max_open_questions", "must be 0 (no limit) or more")
    local = start.astimezone(tz)
    spec = SessionSpec(
        id=r.get("id", str, f"{slugify(hashtag)}-{local:%Y-%m-%d}"),
        hashtag=hashtag,
        title=r.get("title", str, f"{hashtag} chat"),
        start=start,
        timezone=tz.key,
        duration_minutes=duration,
        hosts=r.strings("hosts"),
        prompts=prompts,
        platforms=platforms,
        question_tag=r.get("question_tag", str, "#ask"),
        style=style,
        max_open_questions_per_participant=max_open,
        optouts=optouts + r.strings("optouts"),
    )
    if not spec.hosts:
        r.fail("hosts", 'name at least one host handle, e.g. hosts = ["@localgovchat"]')
    for host in spec.hosts:
        if not host.strip():
            r.fail("hosts", f'{host!r} is not a handle; name each host like "@localgovchat"')
    try:
        return SessionConfig(spec, dict(messages), dict(timeline))
    except ValueError as e:  # the message or timeline key and its problem
        raise ConfigError(f"{path}: {where}.{e}") from None


def _prompt(path: Path, where: str, raw: Any, tz: ZoneInfo, start: datetime, duration: float) -> PromptSpec:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where}: must be a table ([[session.prompt]])")
    r = Section(where, raw, {"label", "text", "at", "offset_minutes"})
    label = r.get("label", str, required=True).strip()
    text = r.get("text", str, required=True).strip()
    if not text:
        r.fail("text", "is empty")
    at_raw = r.get("at", (str, datetime, time), None)
    offset = r.get("offset_minutes", float, None)
    if at_raw is not None and offset is not None:
        r.fail("at", "give either at or offset_minutes, not both")
    if offset is not None and not (math.isfinite(offset) and abs(offset) <= 24 * 60):
        r.fail("offset_minutes", f"must be minutes after the start, within the session, not {offset!r}")
    at = None
    if at_raw is not None:
        if isinstance(at_raw, str) and len(at_raw.strip()) <= 5 and ":" in at_raw:
            at_raw = _parse_clock(r, "at", at_raw)
        at = (
            datetime.combine(start.astimezone(tz).date(), at_raw, tz)
            if isinstance(at_raw, time)
            else _local_datetime(r, "at", at_raw, tz)
        )
        if at < start and isinstance(at_raw, time):  # a chat that crosses midnight
            at = datetime.combine(start.astimezone(tz).date() + timedelta(days=1), at_raw, tz)
        when = at
    elif offset is not None:
        when = start + timedelta(minutes=offset)
    else:
        when = start
    end = start + timedelta(minutes=duration)
    if not start <= when < end:
        shown = when.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        r.fail(
            "at" if at is not None else "offset_minutes",
            f"prompt {label} at {shown} is outside the session "
            f"({start.astimezone(tz):%H:%M} to {end.astimezone(tz):%H:%M})",
        )
    return PromptSpec(label, text, at, offset)


def _parse_clock(r: Section, key: str, text: str) -> time:
    try:
        return time.fromisoformat(text.strip().zfill(5))
    except ValueError:
        r.fail(key, f"not a time of day: {text!r} (use HH:MM)")


def _local_datetime(r: Section, key: str, value: str | datetime | date, tz: ZoneInfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            r.fail(key, f"not a date and time: {value!r} (use 2026-11-24 21:00)")
    if not isinstance(value, datetime):
        r.fail(key, "must be a date and time")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        r.fail(key, f"the year {value.year} is outside {MIN_YEAR}-{MAX_YEAR}: {value.isoformat(' ')}")
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def _check_unique(path: Path, sessions: tuple[SessionConfig, ...]) -> None:
    seen: set[str] = set()
    for i, s in enumerate(sessions):
        if s.spec.id in seen:
            raise ConfigError(f"{path}: session[{i}].id: duplicate session id {s.spec.id!r}")
        seen.add(s.spec.id)


__all__ = ["Config", "ConfigError", "SessionConfig", "WebSettings", "load_config"]
