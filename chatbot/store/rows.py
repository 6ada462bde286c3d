"""Plain data to table rows and back: what each column holds, in one place.

``message_from_row(message_row(m)) == m`` for every message whose time has millisecond precision
(the archive keeps times to the millisecond, in UTC, fixed width, so that text order is time order).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from chatbot.core.engine import Outcome, Participant
from chatbot.core.model import Attachment, Author, Embed, Message, PromptSpec, Reaction, SessionSpec
from chatbot.core.queue import Question


def iso(ts: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def uid_of(m: Message) -> str:
    """A message's key in the archive: ids are only unique within a platform."""
    return f"{m.platform}:{m.id}"


def attachments_json(items: tuple[Attachment, ...] | list[Attachment]) -> str:
    if not items:
        return "[]"
    return json.dumps(
        [
            {"filename": a.filename, "url": a.url, "size": a.size, "content_type": a.content_type}
            | ({"local": a.local} if a.local else {})
            for a in items
        ]
    )


def embeds_json(items: tuple[Embed, ...] | list[Embed]) -> str:
    if not items:
        return "[]"
    return json.dumps(
        [{"url": e.url, "title": e.title, "description": e.description} for e in items], ensure_ascii=False
    )


def reactions_json(items: tuple[Reaction, ...] | list[Reaction]) -> str:
    if not items:
        return "[]"
    return json.dumps([{"emoji": r.emoji, "count": r.count} for r in items], ensure_ascii=False)


def message_row(m: Message, *, source: str = "", session_id: str | None = None) -> dict[str, Any]:
    """Every column of a message row; what the engine derives starts empty (``outcome_columns``)."""
    return {
        "uid": uid_of(m),
        "id": m.id,
        "platform": m.platform,
        "session_id": session_id,
        "ts": iso(m.ts),
        "author_id": m.author.id,
        "handle": m.author.handle,
        "name": m.author.name,
        "is_bot": int(m.author.is_bot),
        "text": m.text,
        "reply_to": m.reply_to,
        "quote_of": m.quote_of,
        "is_repost": int(m.is_repost),
        "is_action": int(m.is_action),
        "likes": m.likes,
        "url": m.url,
        "channel": m.channel,
        "mentions": json.dumps(list(m.mentions), ensure_ascii=False) if m.mentions else "[]",
        "links": json.dumps(list(m.links), ensure_ascii=False) if m.links else "[]",
        "attachments": attachments_json(m.attachments),
        "reactions": reactions_json(m.reactions),
        "edited_at": iso(m.edited_at) if m.edited_at else None,
        "deleted_at": iso(m.deleted_at) if m.deleted_at else None,
        "embeds": embeds_json(m.embeds),
        "kind": None,
        "answers": "[]",
        "prompt_key": None,
        "question": None,
        "flags": "[]",
        "hidden": 0,
        "source": source,
    }


#: The columns a message is read back from, in the order ``message_from_values`` takes them.
MESSAGE_FIELDS = (
    "id",
    "platform",
    "ts",
    "author_id",
    "handle",
    "name",
    "is_bot",
    "text",
    "reply_to",
    "quote_of",
    "is_repost",
    "likes",
    "url",
    "channel",
    "is_action",
    "mentions",
    "links",
    "attachments",
    "reactions",
    "edited_at",
    "deleted_at",
    "embeds",
)
MESSAGE_SELECT = ", ".join(f"[{c}]" for c in MESSAGE_FIELDS)


def message_from_row(r: dict[str, Any]) -> Message:
    """The message a row holds, as its platform delivered it (and as edited or deleted since)."""
    return message_from_values(tuple(r[k] for k in MESSAGE_FIELDS))


def message_from_values(v: Sequence[Any]) -> Message:
    """``message_from_row`` for the row's ``MESSAGE_FIELDS`` as a tuple (what a cursor gives)."""
    (mid, platform, ts, author_id, handle, name, is_bot, text, reply_to, quote_of, is_repost, likes) = v[:12]
    (url, channel, is_action, mentions, links, attachments, reactions, edited_at, deleted_at, embeds) = v[12:]
    return Message(
        id=mid,
        platform=platform,
        ts=parse_iso(ts),
        author=Author(author_id, handle, name or "", bool(is_bot)),
        text=text,
        reply_to=reply_to,
        quote_of=quote_of,
        is_repost=bool(is_repost),
        likes=likes or 0,
        url=url,
        channel=channel or "",
        is_action=bool(is_action),
        mentions=_strings(mentions),
        links=_strings(links),
        attachments=attachments_of(attachments),
        reactions=reactions_of(reactions),
        edited_at=parse_iso(edited_at) if edited_at else None,
        deleted_at=parse_iso(deleted_at) if deleted_at else None,
        embeds=embeds_of(embeds),
    )


def _strings(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text and text != "[]" else ()


def attachments_of(text: str | None) -> tuple[Attachment, ...]:
    if not text or text == "[]":
        return ()
    return tuple(
        Attachment(
            a["filename"],
            a.get("url") or "",
            a.get("size"),
            a.get("content_type") or "",
            a.get("local") or "",
        )
        for a in json.loads(text or "[]")
    )


def embeds_of(text: str | None) -> tuple[Embed, ...]:
    if not text or text == "[]":
        return ()
    return tuple(
        Embed(e.get("url") or "", e.get("title") or "", e.get("description") or "") for e in json.loads(text)
    )


def reactions_of(text: str | None) -> tuple[Reaction, ...]:
    if not text or text == "[]":
        return ()
    return tuple(Reaction(r["emoji"], int(r.get("count", 1))) for r in json.loads(text or "[]"))


OUTCOME_COLUMNS = ("kind", "answers", "prompt_key", "question", "flags")


@functools.lru_cache(maxsize=1024)
def _json_list(items: tuple[str, ...]) -> str:
    """A tuple of strings as a JSON list (the same few come back message after message)."""
    return json.dumps(list(items)) if items else "[]"


def outcome_values(o: Outcome) -> tuple[Any, ...]:
    """What the engine made of a message, in ``OUTCOME_COLUMNS`` order."""
    return (o.kind.value, _json_list(o.answers), o.prompt, o.question, _json_list(o.flags))


def outcome_columns(o: Outcome) -> dict[str, Any]:
    """What the engine made of a message, as the message row's derived columns."""
    return dict(zip(OUTCOME_COLUMNS, outcome_values(o), strict=True))


_PARTICIPANT_FIELDS = tuple(f.name for f in fields(Participant))


def participant_row(session_id: str, p: Participant) -> dict[str, Any]:
    row = {name: getattr(p, name) for name in _PARTICIPANT_FIELDS}
    row.update(session_id=session_id, first_seen=iso(p.first_seen), opted_out=int(p.opted_out))
    return row


def question_row(session_id: str, q: Question, message_uid: str | None) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "number": q.number,
        "message_uid": message_uid,
        "author": q.author,
        "text": q.text,
        "asked_at": iso(q.asked_at),
        "queued_at": iso(q.place),
        "status": q.status.value,
        "askers": json.dumps(q.askers),
        "upvoters": json.dumps(sorted(q.upvoters)),
        "likes": q.likes,
        "merged_into": q.merged_into,
        "route": q.route,
        "answered_at": iso(q.answered_at) if q.answered_at else None,
        "answered_by": q.answered_by,
        "history": json.dumps(
            [{"status": h.status.value, "by": h.by, "at": iso(h.at), "note": h.note} for h in q.history]
        ),
    }


def spec_to_json(spec: SessionSpec) -> dict[str, Any]:
    d = asdict(spec)
    d["start"] = spec.start.isoformat()
    d["prompts"] = [
        {
            "label": p.label,
            "text": p.text,
            "at": p.at.isoformat() if p.at else None,
            "offset_minutes": p.offset_minutes,
        }
        for p in spec.prompts
    ]
    return d


def spec_from_json(d: dict[str, Any]) -> SessionSpec:
    d = dict(d)
    d["start"] = datetime.fromisoformat(d["start"])
    d["prompts"] = tuple(
        PromptSpec(
            p["label"], p["text"], datetime.fromisoformat(p["at"]) if p["at"] else None, p["offset_minutes"]
        )
        for p in d["prompts"]
    )
    for k in ("hosts", "platforms", "optouts"):
        d[k] = tuple(d[k])
    return SessionSpec(**d)
