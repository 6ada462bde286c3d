"""Helpers every importer shares: reading a file, warnings, time zones, text hygiene."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.core.model import Attachment, Author, Message, Reaction, well_formed
from chatbot.importers.base import Hints, ImportFailed, ImportResult, Sink

MAX_TEXT = 100_000  # characters kept of one message's text
#: Years a message's time may have (in UTC): outside them a record is skipped, since its time
#: is surely wrong and would overflow when shifted across zones or padded into a session window.
MIN_YEAR, MAX_YEAR = 1900, 2200
#: The largest count kept (likes, sizes): SQLite's biggest integer; more is a damaged record.
MAX_COUNT = 2**63 - 1
MAX_PROBLEM = 300  # characters of a warning's problem kept (its start and its end)
NOT_UNICODE = "text that is not valid Unicode (lone surrogates); replaced by U+FFFD"
#: What one odd record may raise while it is read: skipped with a warning, never fatal.
RECORD_ERRORS = (
    AttributeError,
    KeyError,
    TypeError,
    ValueError,  # UnicodeError, and int('9' * 5001) beyond Python's digit limit, included
    IndexError,
    OverflowError,  # a year 9999 time shifted by its offset, a timestamp far out of range
    RecursionError,  # a value nested thousands deep
)


def _utc() -> tzinfo:
    """UTC as a ZoneInfo (what callers expect of a zone), or the fixed offset without a tz database."""
    try:
        return ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return UTC


ASSUMED_UTC = _utc()

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # what a JSON "\ud800" escape decodes to
_URL = re.compile(r"https?://[^\s<>\"'\]\[)(]+")
_X_MENTION = re.compile(r"(?<![\w@/.])@(\w{1,15})(?!\w)")
_TRAILING_PUNCT = ".,;:!?'\"…"


def zone_name(tz: tzinfo) -> str:
    """A zone's name for messages (``America/New_York``, ``UTC``)."""
    return str(getattr(tz, "key", None) or tz)


_TOO_LONG = "a number of more than {} digits"
_TOO_DEEP = "nested too deeply to read"


def loads(text: str) -> Any:
    """``json.loads``, with a value nested too deeply to read being a ValueError like any bad JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # int('9' * 5001): more digits than Python reads
        raise ValueError(_TOO_LONG.format(sys.get_int_max_str_digits())) from None
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None


def raw_decode(dec: json.JSONDecoder, text: str, pos: int) -> tuple[Any, int]:
    """``dec.raw_decode``; a value nested too deeply, or a number too long, is a JSONDecodeError
    at its start like any bad JSON."""
    try:
        return dec.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except ValueError:
        raise json.JSONDecodeError(_TOO_LONG.format(sys.get_int_max_str_digits()), text, pos) from None
    except RecursionError:
        raise json.JSONDecodeError(_TOO_DEEP, text, pos) from None


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a warning, cut to ``limit`` characters (a record may hold megabytes)."""
    try:
        text = repr(value) if not isinstance(value, list | dict) else f"a JSON {type(value).__name__}"
    except (RecursionError, ValueError):
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def why(e: BaseException) -> str:
    """An exception as a warning's reason: its kind and message, cut short."""
    text = str(e)
    return f"{type(e).__name__}: {text if len(text) <= 120 else text[:119] + '…'}"


def time_problem(ts: datetime) -> str | None:
    """Why ``ts`` cannot be a message's time (out of range), or None when it can."""
    if MIN_YEAR < ts.year < MAX_YEAR:  # no offset (under a day) takes it out of range
        return None
    try:
        year = ts.astimezone(UTC).year
    except (OverflowError, ValueError):
        year = ts.year
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"time {ts.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR} (UTC)"


def well_formed_hints(hints: Hints) -> None:
    """Lone surrogates in what a file says about its chat replaced by U+FFFD (as in messages)."""
    for name in ("hashtag", "title", "style", "channel", "topic"):
        value = getattr(hints, name)
        if isinstance(value, str):
            setattr(hints, name, well_formed(value))
    hints.hosts = tuple(well_formed(h) for h in hints.hosts)


def read_text(path: Path) -> tuple[str, list[str]]:
    """The file's text and the warnings reading it produced; ImportFailed if unreadable or empty."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ImportFailed(f"{path}: cannot read: {e.strerror or e}") from None
    if not raw.strip():
        raise ImportFailed(f"{path}: empty file")
    warnings: list[str] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            warnings.append(
                f"{path}:{line}: bytes that are not UTF-8 (first at byte {e.start}); "
                "decoded with replacement characters (U+FFFD)"
            )
            text = raw.decode("utf-8-sig", errors="replace")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        warnings.append(f"{path}:{line}: NUL bytes in the file; removed")
        text = text.replace("\x00", "")
    if not text.strip():
        raise ImportFailed(f"{path}: empty file")
    return text, warnings


class TextLines:
    """A text file read a line at a time, decoded as ``read_text`` decodes a whole one (UTF-8, the
    BOM dropped, bad bytes replaced and NULs removed, each warned about once), its sha256 worked out
    on the way. For files too big to hold: JSON Lines. UTF-16 files are not read this way
    (``usable`` is False)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.digest = hashlib.sha256()
        try:
            self._file = path.open("rb")
        except OSError as e:
            raise ImportFailed(f"{path}: cannot read: {e.strerror or e}") from None
        self.usable = not self._file.read(2).startswith((b"\xff\xfe", b"\xfe\xff"))
        self._file.seek(0)

    def close(self) -> None:
        self._file.close()

    def first(self) -> str:
        """The first line that is not blank ("" if none); reading starts again from the top after."""
        try:
            return next((text for _, text in self if text.strip()), "")
        finally:
            self._file.seek(0)
            self.digest = hashlib.sha256()
            self.warnings.clear()

    def __iter__(self) -> Iterator[tuple[int, str]]:
        """(line number, its text without the line end)."""
        offset, bad_bytes, nul = 0, False, False
        for number, raw in enumerate(self._file, 1):
            self.digest.update(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # offsets count from after it, as read_text's do
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                text = raw.decode("utf-8", errors="replace")
                if not bad_bytes:
                    bad_bytes = True
                    self.warnings.append(
                        f"{self.path}:{number}: bytes that are not UTF-8 (first at byte {offset + e.start}); "
                        "decoded with replacement characters (U+FFFD)"
                    )
            offset += len(raw)
            if "\x00" in text:
                text = text.replace("\x00", "")
                if not nul:
                    nul = True
                    self.warnings.append(f"{self.path}:{number}: NUL bytes in the file; removed")
            yield number, text.removesuffix("\n")


def unescape_x(text: str) -> str:
    """Undo the three HTML entities X escapes in post text (``&amp;`` last, so ``&amp;lt;`` -> ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def links_in(text: str) -> list[str]:
    """http(s) URLs written in the text, trailing punctuation trimmed."""
    return [u.rstrip(_TRAILING_PUNCT) for u in _URL.findall(text)]


def x_mentions_in(text: str) -> list[str]:
    """``@handle`` mentions as X writes them (at most 15 word characters)."""
    return ["@" + m for m in _X_MENTION.findall(text)]


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Non-empty items, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return tuple(seen)


def file_name(url: str) -> str:
    """The last part of a URL or of an exporter's local path (``a/b\\c.png?x=1`` -> ``c.png``)."""
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/\\")
    return re.split(r"[/\\]", path)[-1] or url


def attachments_at(urls: Iterable[str]) -> tuple[Attachment, ...]:
    """Attachments known only by their address (spreadsheets, CSV exports): http(s) URLs only."""
    return tuple(attachment(u) for u in unique(urls) if u.startswith(("http:", "https:")))


def attachment(url: object, name: object = "", size: object = None, content_type: object = "") -> Attachment:
    """An attachment from an export's fields; the name defaults to the address's last part."""
    address = str(url or "")
    return Attachment(
        str(name or file_name(address)),
        address,
        as_int(size) if size is not None else None,
        str(content_type or ""),
    )


def reaction(emoji: str, count: object) -> Reaction | None:
    """One reaction with its count (at least 1); None without an emoji."""
    emoji = emoji.strip()
    return Reaction(emoji, max(as_int(count), 1)) if emoji else None


def stable_id(prefix: str, *parts: str) -> str:
    """A short id derived from content, identical on every re-import of the same file."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()
    return f"{prefix}-{digest[:16]}"


def tweet_url(handle: str, tweet_id: str) -> str:
    user = handle.lstrip("@") or "i"
    return f"https://x.com/{user}/status/{tweet_id}"


def as_int(value: object) -> int:
    """Counts as integers; anything unreadable counts as 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return min(max(value, 0), MAX_COUNT)
    try:
        return min(max(int(str(value).strip() or 0), 0), MAX_COUNT)
    except (ValueError, RecursionError):  # digits beyond Python's limit count as unreadable too
        return 0


def id_str(value: object) -> str | None:
    """A platform id as a string (JSON numbers included); None for missing or empty."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def optional_time(c: Collector, value: object, line: int | None, what: str) -> datetime | None:
    """An optional ISO 8601 time (an edit time): None when absent; a bad one is a warning, and left out."""
    if not value:
        return None
    try:
        ts = c.localize(datetime.fromisoformat(str(value).strip()), line)
    except ValueError:
        c.warn(line, f"{what} {shown(value)} is not ISO 8601; left out")
        return None
    if problem := time_problem(ts):
        c.warn(line, f"{what}: {problem}; left out")
        return None
    return ts


class Collector:
    """Builds one ImportResult: cleans text, drops duplicate ids, words warnings alike."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        tz: tzinfo | None,
        warnings: list[str] | None = None,
        *,
        sink: Sink | None = None,
        batch: int = 5000,
    ):
        self.path = path
        self.tz = tz
        self.result = ImportResult(format=fmt, warnings=list(warnings or []))
        self._first_line: dict[str, int | None] = {}
        self._once: set[str] = set()
        # Streamed: messages go to the sink a batch at a time, which tells the duplicates apart.
        self._sink = sink
        self._batch = batch
        self._pending: list[tuple[int | None, Message]] = []

    def warn(self, line: int | None, problem: str) -> None:
        """Record ``PATH:LINE: problem; what was done`` (LINE left out when unknown)."""
        where = f"{self.path}:{line}" if line else str(self.path)
        if len(problem) > MAX_PROBLEM:  # a record's megabyte id quoted in it
            problem = f"{problem[: MAX_PROBLEM - 60]}…{problem[-59:]}"
        # one printable line, whatever it quotes
        self.result.warnings.append(
            well_formed(f"{where}: {problem}").replace("\r", "\\r").replace("\n", "\\n")
        )

    def warn_once(self, key: str, line: int | None, problem: str) -> None:
        if key not in self._once:
            self._once.add(key)
            self.warn(line, problem)

    def local_zone(self, line: int | None = None) -> tzinfo:
        """The zone for local times that carry no offset (the chat's, else UTC with a warning)."""
        zone = self.tz or ASSUMED_UTC
        self.result.assumed_timezone = zone
        if self.tz is None:
            self.warn_once(
                "tz",
                line,
                "times carry no UTC offset and no time zone was given; read them as UTC "
                "(pass the chat's zone, e.g. --timezone America/New_York)",
            )
        return zone

    def localize(self, ts: datetime, line: int | None, *, tell: bool = False) -> datetime:
        """``ts`` unchanged if aware, else placed in the chat's zone (``tell``: warn once, naming it)."""
        if ts.tzinfo is not None and ts.utcoffset() is not None:
            return ts
        if tell and self.tz is not None:
            self.result.assumed_timezone = self.tz
            self.warn_once(
                "tz",
                line,
                f"timestamp {ts.isoformat()} has no UTC offset; read it (and any later "
                f"ones) as {zone_name(self.tz)}",
            )
            return ts.replace(tzinfo=self.tz)
        return ts.replace(tzinfo=self.local_zone(line))

    def clean(self, text: object, line: int | None, msg_id: str) -> str:
        """Message text with NULs removed and capped at MAX_TEXT characters (each with a warning).

        Windows line ends (CRLF) become ``\n``; nothing else is changed.
        """
        text = "" if text is None else text if isinstance(text, str) else str(text)
        text = text.replace("\r\n", "\n")
        if "\x00" in text:
            text = text.replace("\x00", "")
            self.warn(line, f"message {msg_id}: NUL characters in its text; removed")
        if len(text) > MAX_TEXT:
            self.warn(line, f"message {msg_id}: text of {len(text):,} characters; truncated to {MAX_TEXT:,}")
            text = text[:MAX_TEXT]
        return text

    def skip(self, line: int | None, problem: str) -> None:
        """Record that one record was left out (``problem`` says why, ending in "skipped")."""
        self.result.skipped += 1
        self.warn(line, problem)

    def guard(self, line: int | None, read: Callable[..., None], *args: Any) -> None:
        """Run ``read(*args)`` for one record; an odd shape there is a warning, never an exception."""
        try:
            read(*args)
        except RECORD_ERRORS as e:
            self.skip(
                line, f"record not understood ({type(e).__name__}: {shown(str(e), 120)[1:-1]}); skipped"
            )

    def add(
        self,
        line: int | None,
        *,
        id: str,
        platform: str,
        ts: datetime,
        author: Author,
        text: object,
        **fields: object,
    ) -> Message | None:
        """Append one message (first one wins on a duplicate id); None when it was not kept
        (streamed, a duplicate is only found when its batch is stored: ``flush``)."""
        if self._sink is None and id in self._first_line:
            first = self._first_line[id]
            at = f" (first at line {first})" if first else ""
            self.warn(line, f"duplicate message id {id}{at}; kept the first")
            return None
        if problem := time_problem(ts):
            self.skip(line, f"message {well_formed(id)}: {problem}; skipped")
            return None
        clean = self.clean(text, line, id)
        try:
            msg = Message(id=id, platform=platform, ts=ts, author=author, text=clean, **fields)  # type: ignore[arg-type]
        except (TypeError, ValueError) as e:
            self.skip(line, f"message {well_formed(id)}: {e}; skipped")
            return None
        if msg.text is not clean:  # the message replaced lone surrogates in it
            self.warn(line, f"message {well_formed(id)}: {NOT_UNICODE}")
        if not 0 <= msg.likes <= MAX_COUNT:
            msg = replace(msg, likes=min(max(msg.likes, 0), MAX_COUNT))
        if _has_lone_surrogate(msg):
            msg = _well_formed(msg)
            self.warn(
                line,
                f"message {msg.id}: text that is not valid Unicode (lone surrogates); replaced by U+FFFD",
            )
        if self._sink is not None:
            self._pending.append((line, msg))
            if len(self._pending) >= self._batch:
                self.flush()
            return msg
        self._first_line[id] = line
        self.result.messages.append(msg)
        self.result.read += 1
        return msg

    def flush(self) -> None:
        """Streamed: hand the messages read so far to the sink (a duplicate id is warned about)."""
        if self._sink is None or not self._pending:
            return
        batch, self._pending = self._pending, []
        duplicates = self._sink(batch)
        for line, msg_id, first in duplicates:
            at = f" (first at line {first})" if first else ""
            self.warn(line, f"duplicate message id {msg_id}{at}; kept the first")
        self.result.read += len(batch) - len(duplicates)


def _has_lone_surrogate(m: Message) -> bool:
    """Whether a field of ``m`` other than its text and author (those repair themselves) holds a
    lone surrogate. Cheap when none does: ASCII needs no search."""
    joined = _strings_of(m)
    return not joined.isascii() and _LONE_SURROGATE.search(joined) is not None


def _strings_of(m: Message) -> str:
    """Every text field of ``m`` but its text and author, joined."""
    parts = [
        m.id,
        m.platform,
        m.channel,
        m.url or "",
        m.reply_to or "",
        m.quote_of or "",
        *m.mentions,
        *m.links,
    ]
    if m.attachments:
        parts += [f"{a.filename}\x1f{a.url}\x1f{a.content_type}" for a in m.attachments]
    if m.reactions:
        parts += [r.emoji for r in m.reactions]
    if embeds := getattr(m, "embeds", ()):
        parts += [f"{e.url}\x1f{e.title}\x1f{e.description}" for e in embeds]
    return "\x1f".join(parts)


def _well_formed(m: Message) -> Message:
    """``m`` with every lone surrogate in its fields replaced by U+FFFD."""

    def opt(value: str | None) -> str | None:
        return None if value is None else well_formed(value)

    return replace(
        m,
        id=well_formed(m.id),
        platform=well_formed(m.platform),
        channel=well_formed(m.channel),
        url=opt(m.url),
        reply_to=opt(m.reply_to),
        quote_of=opt(m.quote_of),
        mentions=tuple(well_formed(x) for x in m.mentions),
        links=tuple(well_formed(x) for x in m.links),
        attachments=tuple(
            replace(
                a,
                filename=well_formed(a.filename),
                url=well_formed(a.url),
                content_type=well_formed(a.content_type),
            )
            for a in m.attachments
        ),
        reactions=tuple(Reaction(well_formed(r.emoji), r.count) for r in m.reactions),
        **_well_formed_embeds(m),
    )


def _well_formed_embeds(m: Message) -> dict[str, Any]:
    """The ``embeds`` of ``m`` repaired, as a keyword for ``replace`` (none when it has none)."""
    embeds = getattr(m, "embeds", ())
    if not embeds:
        return {}
    fixed = [
        replace(e, url=well_formed(e.url), title=well_formed(e.title), description=well_formed(e.description))
        for e in embeds
    ]
    return {"embeds": tuple(fixed)}


UPVOTES = frozenset({"⬆", "⬆️", "👍", "thumbsup", "+1", "arrow_up", "thumbup"})


def is_upvote(emoji: str) -> bool:
    """Discord reactions counted as likes: ⬆ (⬆️) and 👍 (any skin tone)."""
    emoji = emoji.strip().strip(":")
    return emoji in UPVOTES or emoji.startswith("👍")


def discord_handle(name: str, discriminator: object) -> str:
    """``name#1234``, or plain ``name`` for the new-style usernames (discriminator 0 / 0000)."""
    disc = str(discriminator or "").strip()
    return f"{name}#{disc}" if disc and disc.strip("0") else name


def csv_rows(text: str, c: Collector) -> list[tuple[int, list[str]]]:
    """``(first line, row)`` for every row of a CSV text (``;`` or ``,``; fields of any size)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:
        c.skip(start, f"not valid CSV ({e}); the rest of the file was skipped")
    return out


def parse_datetime(value: str, formats: Sequence[str]) -> datetime | None:
    """A timestamp as a spreadsheet or exporter wrote it: ISO 8601 first, then each of ``formats``;
    None when none fits (the caller warns with the line)."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None
