"""Recaps: a session's HTML page, its JSON and Markdown exports, and the archive's index, search
and Atom feed, rendered from the export (``chatbot.recap.export``; its types in ``chatbot.recap.types``,
the pages' view models in ``chatbot.recap.viewtypes``).

This module holds what every recap format shares: the one jinja environment, text safety
(``clean_text``, ``linkify``, ``safe_url``, ``html_id``), time display in the chat's zone and
atomic file writes. Entry points: ``chatbot.recap.html`` (``render_session``, ``write_session``,
``render_all``), ``chatbot.recap.feed`` (index, static search, Atom) and ``chatbot.recap.markdown``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from chatbot.platforms.registry import REGISTRY
from chatbot.recap.types import Export, ExportSession
from chatbot.recap.viewtypes import Avatar, PageAssets, Stamp

REMOVED_TEXT = "removed at the participant's request"
LINK_REL = "nofollow ugc noopener"
SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,159}")
PLATFORM_NAMES = REGISTRY.titles()  # platform name -> what readers see ("X", "the web room")
STATUS_LABELS = {
    "open": "Open",
    "approved": "Approved",
    "on_air": "On air",
    "answered": "Answered",
    "rejected": "Rejected",
    "merged": "Merged",
    "routed": "Routed",
}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_URL = re.compile(r"https?://[^\s/?#<>\"'`]+[^\s<>\"'`]*", re.IGNORECASE)
_TRAILING = ".,;:!?…'\"»”’"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


@functools.cache
def environment() -> Environment:
    """The one jinja environment for recap templates (autoescape on for .html and .xml).

    Compiled templates are kept between runs in jinja's own cache folder (one per user, checked
    to be theirs, an entry used only while its template's source is unchanged): compiling them
    took a recap of a small chat longer than rendering it."""
    try:
        compiled: FileSystemBytecodeCache | None = FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no private temporary folder: compile every time
        compiled = None
    env = Environment(
        loader=PackageLoader("chatbot.recap", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=compiled,
    )
    env.filters["linkify"] = linkify
    env.filters["plural"] = plural
    from chatbot.recap.fragments import participant_rows

    env.filters["participant_rows"] = participant_rows
    return env


# -- text ---------------------------------------------------------------------------------


def clean_text(value: object) -> str:
    """User text without characters HTML and XML cannot carry (C0 controls, lone surrogates).
    Everything else, zero-width and bidi characters included, is kept as written."""
    text = "" if value is None else str(value)
    if text.isprintable():  # no control character, surrogate or noncharacter: most text
        return text
    return _CONTROL.sub("\ufffd", text)


def _trim_url(url: str) -> str:
    """Drop trailing punctuation that belongs to the sentence, and unbalanced closing brackets."""
    while url and (
        url[-1] in _TRAILING or (url[-1] in _CLOSERS and url.count(url[-1]) > url.count(_CLOSERS[url[-1]]))
    ):
        url = url[:-1]
    return url


_MENTION = re.compile(r"(?<![\w@/.])@[\w][\w.\-]*(?<![.\-])")


def html_text(text: str) -> str:
    """``markupsafe.escape`` as a plain ``str`` (the same entities, without making a ``Markup``:
    a page of 100,000 messages escapes their text once each)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _mentions(text: str) -> str:
    """Escape plain text, marking @mentions (``<span class="mention">``): markup, as a ``str``."""
    if "@" not in text:
        return html_text(text)
    parts: list[str] = []
    pos = 0
    for match in _MENTION.finditer(text):
        parts.append(html_text(text[pos : match.start()]))
        parts.append(f'<span class="mention">{html_text(match.group())}</span>')
        pos = match.end()
    parts.append(html_text(text[pos:]))
    return "".join(parts)


def linkify(value: object) -> Markup:
    """Escape user text, then make http(s) URLs clickable (nothing else ever becomes a link) and
    mark @mentions."""
    return Markup(linkify_clean(clean_text(value)))


def linkify_clean(text: str) -> str:
    """``linkify`` of text already clean (``clean_text``), as a ``str`` of markup."""
    if "://" not in text:  # no URL in it: most messages
        return _mentions(text)
    parts: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) <= len("https://"):
            continue
        parts.append(_mentions(text[pos : match.start()]))
        shown = html_text(url)
        parts.append(f'<a href="{shown}" rel="{LINK_REL}">{shown}</a>')
        pos = match.start() + len(url)
    parts.append(_mentions(text[pos:]))
    return "".join(parts)


_SAFE_URL = re.compile(r"https?://[^\s/?#<>\"'`]+[^\s<>\"'`]*", re.IGNORECASE)


def safe_url(value: object) -> str | None:
    """An http(s) URL from the export, or None for anything else (javascript:, data:, relative)."""
    if not value:
        return None
    url = clean_text(value).strip()
    return url if _SAFE_URL.fullmatch(url) else None


def html_id(raw: object, prefix: str) -> str:
    """An HTML id from any string: unsafe characters become ``_hex_``, so distinct inputs stay distinct."""
    if isinstance(raw, str) and raw.isascii() and raw.isalnum():  # a platform's number: most ids
        return prefix + raw
    return prefix + _ID_UNSAFE.sub(lambda m: f"_{ord(m.group()):x}_", clean_text(raw))


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def avatar(handle: str, name: str) -> Avatar:
    """Initial and colour tone (0-5, stable per handle) of the decorative avatar circle."""
    source = name or ("" if handle.startswith("(") else handle.lstrip("@"))
    initial = "?"
    for c in source:
        if c.isalnum():
            initial = c.upper()
            break
    return {"initial": initial, "tone": zlib.crc32(handle.casefold().encode("utf-8", "replace")) % 6}


class Anchors:
    """Unique anchor ids for message ids, given in transcript order: ``m-<sanitized id>``, and
    ``-2``, ``-3``... after it for an id that sanitizes like an earlier one."""

    def __init__(self) -> None:
        self.of: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, message_id: str) -> str:
        anchor = self.of.get(message_id)
        if anchor is None:
            anchor = base = html_id(message_id, "m-")
            n = 1
            while anchor in self._used:
                n += 1
                anchor = f"{base}-{n}"
            self.of[message_id] = anchor
            self._used.add(anchor)
        return anchor


def message_anchors(export: Export) -> dict[str, str]:
    """Message id -> unique anchor id (``m-<sanitized id>``), as the session page assigns them."""
    anchors = Anchors()
    for m in export.get("messages") or ():
        anchors(str(m.get("id")))
    return anchors.of


def strip_label(text: str, label: str) -> str:
    """Prompt text without its leading label (``Q1: How...`` -> ``How...``), for headings
    that show the label already. Text that does not start with the label is kept whole."""
    if label and text[: len(label)].casefold() == label.casefold():
        rest = text[len(label) :]
        stripped = rest.lstrip(" :.)-–—/")
        if stripped != rest or not rest:
            return stripped or text
    return text


def check_slug(slug: object) -> str:
    """The slug as a safe file name stem, or ValueError (it names files and links)."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug) or ".." in slug:
        raise ValueError(f"unsafe recap slug {slug!r}: use letters, digits, '.', '_' and '-'")
    return slug


# -- time ---------------------------------------------------------------------------------


def chat_zone(session: ExportSession) -> tzinfo:
    """The chat's zone: its IANA name, else the offset of its start time, else UTC."""
    try:
        return ZoneInfo(str(session.get("timezone") or ""))
    except (ZoneInfoNotFoundError, ValueError):
        start = parse_ts(session.get("started_at"), UTC)
        return start.tzinfo if start is not None and start.tzinfo is not None else UTC


def parse_ts(value: object, tz: tzinfo) -> datetime | None:
    """An ISO 8601 timestamp shown in ``tz``; naive times are taken to be in ``tz`` already."""
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def utc_offset(moment: datetime) -> str:
    delta = moment.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def long_date(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def full_time(moment: datetime) -> str:
    return (
        f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M:%S} {moment.tzname() or utc_offset(moment)}"
    )


def stamp(value: object, tz: tzinfo) -> Stamp:
    """A timestamp as the templates use it: ``iso`` (for <time datetime>), ``clock``, ``full``."""
    moment = parse_ts(value, tz)
    if moment is None:
        return {"iso": "", "clock": "", "full": ""}
    return {"iso": moment.isoformat(), "clock": f"{moment:%H:%M}", "full": full_time(moment)}


def duration_label(minutes: object) -> str:
    """Minutes as a short human duration (``7.5 min``, ``1 h 15 min``); '—' when unknown."""
    if not isinstance(minutes, int | float) or isinstance(minutes, bool):
        return "—"
    if minutes < 60:
        return f"{minutes:.1f}".rstrip("0").rstrip(".") + " min"
    return f"{int(minutes // 60)} h {round(minutes % 60)} min"


def when_label(session: ExportSession) -> str:
    """``Tuesday 24 November 2026, 21:00–21:45 EST (UTC-05:00)`` in the chat's zone."""
    tz = chat_zone(session)
    start = parse_ts(session.get("started_at"), tz)
    if start is None:
        return "date unknown"
    end = parse_ts(session.get("ended_at"), tz)
    zone = f"{start.tzname() or ''} ({utc_offset(start)})".strip()
    if end is None:
        return f"{long_date(start)}, {start:%H:%M} {zone}"
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{long_date(end)}, {end:%H:%M}"
    return f"{long_date(start)}, {start:%H:%M}–{until} {zone}"


# -- pages and files ------------------------------------------------------------------------


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def page_assets(
    script_name: str, *, script_src: str = "", form_action: str = "'none'", img_src: str = "data:"
) -> PageAssets:
    """Inline CSS and JS for a page, and a Content-Security-Policy that allows only those (and
    images from ``img_src``: a recap's pages show the images copied beside them, ``'self'``)."""
    env = environment()
    style = env.get_template("recap.css").render()
    script = env.get_template(script_name).render()
    csp = (
        f"default-src 'none'; style-src {_csp_hash(style)}; script-src {_csp_hash(script)}{script_src}; "
        f"img-src {img_src}; base-uri 'none'; form-action {form_action}"
    )
    return {"style": Markup(style), "script": Markup(script), "csp": csp}


def write_atomic(path: Path, content: str | bytes | Iterable[str | bytes], *, errors: str = "strict") -> Path:
    """Write a file so readers see the old or the new content, never a torn one. ``content`` may
    come a piece at a time (a page of 100,000 messages is never one string); ``errors`` is how
    text that UTF-8 cannot carry is encoded (``backslashreplace`` for JSON)."""
    return put_in_place(stage(path, content, errors=errors), path)


def stage(
    path: Path, content: str | bytes | Iterable[str | bytes], *, errors: str = "strict", digest: Any = None
) -> Path:
    """``write_atomic``'s first half: the content in a temporary file beside ``path`` (fsynced),
    ``digest`` (a ``hashlib`` object) updated with its bytes. ``put_in_place`` or unlink it after."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    pieces: Iterable[bytes]
    if isinstance(content, bytes):
        pieces = [content]
    elif isinstance(content, str):
        pieces = [content.encode("utf-8", errors)]
    else:
        pieces = (p if isinstance(p, bytes) else p.encode("utf-8", errors) for p in content)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 16) as handle:
            for data in pieces:
                handle.write(data)
                if digest is not None:
                    digest.update(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def put_in_place(tmp: Path, path: Path) -> Path:
    """``write_atomic``'s second half: the staged file becomes ``path`` in one step."""
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
