"""MeetBot IRC raw logs (``*.log.txt``): ``HH:MM:SS <nick> text`` and ``HH:MM:SS * nick action``, UTC.

The date comes from the bot's "Meeting started Tue May  1 13:32:00 2018 UTC." line, else from the
file name (``name.2018-05-01-13.32.log.txt``). A time earlier than the one before it by more than
12 hours means midnight passed. Ids are ``<meeting name>.<YYYY-MM-DD-HH.MM>:<line>`` (the name and
start MeetBot itself gives the log file), so they are stable and distinct across weekly meetings.
The title is the ``#startmeeting`` text; a later ``#meetingname`` renames the meeting (the ids use
the new name, as MeetBot's file names do) but the title stays the human one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from chatbot.core import meeting
from chatbot.core.model import Author
from chatbot.importers._common import Collector, links_in, unique
from chatbot.importers.base import ImportFailed

_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d) (?:<([^>\s]+)> ?(.*)|\* (\S+) ?(.*))$")
_STARTED = re.compile(r"Meeting started \w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) UTC")
_NAME_SET = re.compile(r"The meeting name has been set to '([^']+)'")
_FILE_STAMP = re.compile(r"^(.*?)[._-]?(\d{4})-(\d\d)-(\d\d)(?:-(\d\d)\.(\d\d))?")
_COMMAND = re.compile(r"^#(\w+)\b\s*(.*)$")
_HEADING = re.compile(r"^(#[^\s:]+): ")
_UNSAFE = re.compile(r"[^\w.-]+")  # kept out of ids (they end up in URLs and anchors)
_NICK_CHARS = r"\w\-\[\]\\`^{}|"

Entry = tuple[int, int, str, str, bool]  # line, seconds since the first line's midnight, nick, text, /me


def _entries(text: str, c: Collector) -> list[Entry]:
    out: list[Entry] = []
    day, prev = 0, -1
    for number, raw in enumerate(text.split("\n"), 1):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if not m:
            c.skip(number, "not a MeetBot log line (HH:MM:SS <nick> text); skipped")
            continue
        secs = int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
        if prev - secs > 12 * 3600:
            day += 1
        prev = secs
        action = m[6] is not None
        nick, said = (m[6], m[7]) if action else (m[4], m[5])
        out.append((number, day * 86400 + secs, nick, said or "", action))
    return out


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return datetime.strptime(f"{year} {month} {day}", "%Y %b %d").date()
    except ValueError:
        return None


def _file_stamp(path: Path) -> tuple[str, datetime] | None:
    """(meeting name, start) from ``name.2018-05-01-13.32.log.txt``."""
    m = _FILE_STAMP.search(path.name)
    if not m:
        return None
    try:
        start = datetime(int(m[2]), int(m[3]), int(m[4]), int(m[5] or 0), int(m[6] or 0), tzinfo=UTC)
    except ValueError:
        return None
    return m[1], start


def _channel(path: Path, from_file: str | None) -> str | None:
    """The IRC channel: the heading of MeetBot's minutes beside the log (``#fedora-meeting: ...``),
    else the log's file name (``opencontainers.2017-05-10-21.03.log.txt``) unless ``#meetingname``
    gave the file its name."""
    minutes = path.with_name(path.name.removesuffix(".log.txt") + ".txt")
    if minutes != path and minutes.is_file():
        with minutes.open(encoding="utf-8", errors="replace") as f:
            for line in (f.readline() for _ in range(4)):
                if m := _HEADING.match(line):
                    return m[1]
    return f"#{from_file}" if from_file else None


def parse(text: str, c: Collector) -> None:
    """Every line as a message from its nick; hints: style "meeting", title, hosts (chairs)."""
    entries = _entries(text, c)
    if not entries:
        return
    origin: datetime | None = None  # midnight (UTC) of the first line's day
    start: datetime | None = None
    bots: set[str] = set()
    name = renamed = title = None
    hosts: list[str] = []
    for _, secs, nick, body, action in entries:
        if action:
            continue
        if (m := _STARTED.search(body)) and origin is None and (day := _date(m[6], m[1], m[2])):
            start = datetime(day.year, day.month, day.day, int(m[3]), int(m[4]), tzinfo=UTC)
            origin = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=secs // 86400)
            bots.add(nick)
        elif (m := _NAME_SET.search(body)) or body.startswith("Current chairs:"):
            bots.add(nick)
            name = m[1] if m else name
        elif cmd := _COMMAND.match(body):
            verb, arg = cmd[1].lower(), cmd[2].strip()
            if verb == "startmeeting" and not hosts:
                title = title or arg or None
                hosts.append(nick)
            elif nick not in hosts:  # MeetBot takes the rest from chairs only
                continue
            elif verb == "chair":
                hosts.extend(n for n in meeting.names(arg) if n not in hosts)
            elif verb == "unchair":
                hosts = [h for h in hosts if h not in meeting.names(arg)]
            elif verb == "meetingname" and arg:
                renamed = arg
    stamp = _file_stamp(c.path)
    if origin is None:
        if stamp is None:
            raise ImportFailed(
                f"{c.path}: MeetBot log without a date: no 'Meeting started' line and no YYYY-MM-DD in "
                "the file name; name it like NAME.2018-05-01-13.32.log.txt"
            )
        origin = datetime.combine(stamp[1].date(), datetime.min.time(), UTC)
    start = start or (stamp[1] if stamp else origin + timedelta(seconds=entries[0][1]))
    from_file = stamp[0] if stamp and stamp[0] else c.path.name.split(".")[0]
    name = name or renamed or from_file or "meeting"
    prefix = f"{_UNSAFE.sub('_', name)}.{start:%Y-%m-%d-%H.%M}"
    hints = c.result.hints
    hints.style, hints.title, hints.hosts = "meeting", title or name, unique(hosts)
    hints.channel = _channel(c.path, from_file if from_file not in (name, renamed) else None)
    speakers = sorted({e[2] for e in entries}, key=len, reverse=True)
    nick_re = re.compile(
        rf"(?<![{_NICK_CHARS}])({'|'.join(map(re.escape, speakers))})(?![{_NICK_CHARS}])", re.I
    )
    canonical = {s.lower(): s for s in speakers}

    def one(line: int, secs: int, nick: str, body: str, action: bool) -> None:
        said = [canonical[m.lower()] for m in nick_re.findall(body)]
        c.add(
            line,
            id=f"{prefix}:{line}",
            platform="irc",
            ts=origin + timedelta(seconds=secs),  # OverflowError past year 9999: that line skipped
            author=Author(id=nick, handle=nick, is_bot=nick in bots),
            text=body,
            is_action=action,
            mentions=unique(s for s in said if s != nick),
            links=unique(links_in(body)),
        )

    for entry in entries:
        c.guard(entry[0], one, *entry)
