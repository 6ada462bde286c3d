"""Plain data to table rows and back: what each column holds, in one place.

``message_from_row(message_row(m)) == m`` for every message whose time has millisecond precision
(the archive keeps times to the millisecond, in UTC, fixed width, so that text order is time order).
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from chatbot.core.engine import Outcome, Participant
from chatbot.core.model import Attachment, Author, Message, PromptSpec, Reaction, SessionSpec
from chatbot.core.queue import Question


def iso(ts: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def uid_of(m: Message) -> str:
    """A message's key in the archive: ids are only unique within a platform."""
    return f"{m.platform}:{m.id}"


def attachments_json(items: tuple[Attachment, ...] | list[Attachment]) -> str:
    return json.dumps(
        [
            {"filename": a.filename, "url": a.url, "size": a.size, "content_type": a.content_type}
            for a in items
        ]
    )


def reactions_json(items: tuple[Reaction, ...] | list[Reaction]) -> str:
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
        "mentions": json.dumps(list(m.mentions), ensure_ascii=False),
        "links": json.dumps(list(m.links), ensure_ascii=False),
        "attachments": attachments_json(m.attachments),
        "reactions": reactions_json(m.reactions),
        "edited_at": iso(m.edited_at) if m.edited_at else None,
        "deleted_at": iso(m.deleted_at) if m.deleted_at else None,
        "kind": None,
        "answers": "[]",
        "prompt_key": None,
        "question": None,
        "flags": "[]",
        "hidden": 0,
        "source": source,
    }


def message_from_row(r: dict[str, Any]) -> Message:
    """The message a row holds, as its platform delivered it (and as edited or deleted since)."""
    return Message(
        id=r["id"],
        platform=r["platform"],
        ts=parse_iso(r["ts"]),
        author=Author(r["author_id"], r["handle"], r["name"] or "", bool(r["is_bot"])),
        text=r["text"],
        reply_to=r["reply_to"],
        quote_of=r["quote_of"],
        is_repost=bool(r["is_repost"]),
        likes=r["likes"] or 0,
        url=r["url"],
        channel=r["channel"] or "",
        is_action=bool(r["is_action"]),
        mentions=tuple(json.loads(r["mentions"] or "[]")),
        links=tuple(json.loads(r["links"] or "[]")),
        attachments=attachments_of(r["attachments"]),
        reactions=reactions_of(r["reactions"]),
        edited_at=parse_iso(r["edited_at"]) if r["edited_at"] else None,
        deleted_at=parse_iso(r["deleted_at"]) if r["deleted_at"] else None,
    )


def attachments_of(text: str | None) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(a["filename"], a.get("url") or "", a.get("size"), a.get("content_type") or "")
        for a in json.loads(text or "[]")
    )


def reactions_of(text: str | None) -> tuple[Reaction, ...]:
    return tuple(Reaction(r["emoji"], int(r.get("count", 1))) for r in json.loads(text or "[]"))


def outcome_columns(o: Outcome) -> dict[str, Any]:
    """What the engine made of a message, as the message row's derived columns."""
    return {
        "kind": o.kind.value,
        "answers": json.dumps(list(o.answers)),
        "prompt_key": o.prompt,
        "question": o.question,
        "flags": json.dumps(list(o.flags)),
    }


def participant_row(session_id: str, p: Participant) -> dict[str, Any]:
    row = {f.name: getattr(p, f.name) for f in fields(p)}
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
