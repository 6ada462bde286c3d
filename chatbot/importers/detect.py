"""Which recorded-chat format a file holds, decided from its content (never its extension).

Formats we recognize but do not import raise ImportFailed with a hint saying what to import instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from chatbot.importers._common import loads
from chatbot.importers.base import ImportFailed

_HEAD = 64 * 1024  # characters looked at for text formats

_IRC_LINE = re.compile(r"^\d\d:\d\d:\d\d (?:<[^>\s]+>|\* \S)")
_MD_HEADING = re.compile(r"^### \[@?[^\]]+\]\(https?://(?:www\.)?(?:twitter|x)\.com/", re.M)
_MD_STAMP = re.compile(r"^\*\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\*\s*$", re.M)
_DCE_CSV = re.compile(r"^\"?AuthorID\"?[;,]\"?Author\"?[;,]\"?Date\"?[;,]\"?Content\"?")
_DCE_TEXT = re.compile(
    r"^Guild: .*\n(?:Channel|Category): |^\[\d{1,2}-\w{3}-\d\d \d\d:\d\d [AP]M\] \S"
    r"|^\[\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d(?::\d\d)? [AP]M\] \S",
    re.M,
)
_MINUTES = re.compile(r"Meeting started by \S+ at \d\d:\d\d:\d\d UTC")
_TCHAT_TIME = re.compile(r"^\d{1,2}:\d\d [AP]M$", re.M)
_TCHAT_WHO = re.compile(r"^.+ @\w{1,15}$", re.M)

REFUSE_DCE = "DiscordChatExporter {kind} export: export as JSON, CSV or plain text and import that"
REFUSE_MINUTES = "MeetBot {kind}: import the .log.txt raw log instead"
REFUSE_TCHAT = (
    "tchat.io text copy (no dates, truncated links, retweets inlined): import the chat's "
    "TAGS / Twitter Archiver CSV or X API JSON instead"
)
KNOWN = (
    "our JSON Lines, X API v2 JSON/JSONL, X API v1.1 JSONL, DiscordChatExporter JSON, CSV or text, "
    "TAGS / Twitter Archiver CSV, a MeetBot .log.txt, or a PSTweetChat Markdown transcript"
)


def classify_json(obj: object) -> str | None:
    """The format one parsed JSON value (a document, or one line of a JSON Lines file) belongs to."""
    if isinstance(obj, list):
        first = next((o for o in obj if isinstance(o, dict)), None)
        return classify_json(first) if first is not None else None
    if not isinstance(obj, dict):
        return None
    if "guild" in obj and "messages" in obj:
        return "dce-json"
    if isinstance(obj.get("data"), list | dict) or "includes" in obj or "__twarc" in obj:
        return "x-v2"
    if "ts" in obj and ("platform" in obj or "author" in obj):
        return "jsonl"
    if "statuses" in obj or "id_str" in obj or ("user" in obj and ("text" in obj or "full_text" in obj)):
        return "x-v1"
    if "author_id" in obj and "text" in obj:
        return "x-v2"  # a twarc2-flattened post
    return None


def _detect_json(text: str, path: Path) -> str:
    if re.match(r'\{\s*"guild"\s*:', text):  # DCE writes "guild" first: no need to parse it all here
        return "dce-json"
    lines = [ln for ln in text.split("\n", 200)[:200] if ln.strip()][:50]
    for line in lines:
        try:
            obj = loads(line)
        except ValueError:
            continue
        fmt = classify_json(obj)
        if fmt:
            return fmt
    error = ""
    try:
        fmt = classify_json(loads(text))
        if fmt:
            return fmt
    except ValueError as e:
        error = f" ({e})"
    head = text[:_HEAD]
    if re.search(r'"guild"\s*:', head) and re.search(r'"messages"\s*:', text):
        return "dce-json"
    if re.search(r'"__twarc"\s*:|"includes"\s*:|"data"\s*:\s*\[', head):
        return "x-v2"
    if re.search(r'"platform"\s*:', head) and re.search(r'"ts"\s*:', head):
        return "jsonl"
    if re.search(r'"id_str"\s*:', head):
        return "x-v1"
    if error:
        raise ImportFailed(f"{path}: not valid JSON{error} and no known JSON format recognized")
    raise ImportFailed(f"{path}: unknown format: JSON, but not {KNOWN}")


def _refuse_html(head: str, path: Path) -> ImportFailed:
    low = head.lower()
    if "meetbot" in low or "meeting started by" in low or 'class="tm"' in low:
        kind = "HTML log" if 'class="tm"' in low else "minutes (HTML)"
        return ImportFailed(f"{path}: {REFUSE_MINUTES.format(kind=kind)}")
    if "discord" in low:
        return ImportFailed(f"{path}: {REFUSE_DCE.format(kind='HTML')}")
    return ImportFailed(f"{path}: unknown format: an HTML page; import {KNOWN}")


def detect_text(text: str, path: Path) -> str:
    """The format name for a file's decoded text; ImportFailed (one line, with a hint) if none."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise ImportFailed(f"{path}: empty file")
    if body[0] in "{[":
        return _detect_json(body, path)
    head = body[:_HEAD].replace("\r\n", "\n")
    lines = [ln for ln in head.splitlines() if ln.strip()]
    first = lines[0]
    if re.match(r"\s*<(?:!doctype html|html)", head, re.I):
        raise _refuse_html(head, path)
    if _DCE_CSV.match(first):
        return "dce-csv"
    if any("Twitter Query:" in ln or ("Screen Name" in ln and "Tweet ID" in ln) for ln in lines[:5]):
        return "tags-csv"
    if "id_str" in first and "from_user" in first and "text" in first:
        return "tags-csv"
    sample = [ln for ln in body.split("\n", 40)[:40] if ln.strip()][:20]  # whatever their length
    if sum(bool(_IRC_LINE.match(ln)) for ln in sample) * 5 >= len(sample) * 3:  # even if line 1 is damaged
        return "meetbot"
    if _MINUTES.search(head):
        raise ImportFailed(f"{path}: {REFUSE_MINUTES.format(kind='minutes')}")
    if _DCE_TEXT.search(head):
        return "dce-txt"
    if _MD_HEADING.search(head) and _MD_STAMP.search(head):
        return "md-transcript"
    lines_any_length = body.split("\n", 200)[:200]  # a first entry longer than the head is still one
    if any(_MD_HEADING.match(ln) for ln in lines_any_length) and any(
        _MD_STAMP.match(ln) for ln in lines_any_length
    ):
        return "md-transcript"
    if "tchat.io" in head or (len(_TCHAT_TIME.findall(head)) >= 2 and _TCHAT_WHO.search(head)):
        raise ImportFailed(f"{path}: {REFUSE_TCHAT}")
    shown = first.strip()[:60]
    raise ImportFailed(f"{path}: unknown format: expected {KNOWN} (it starts {shown!r})")
