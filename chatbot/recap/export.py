"""The recap's view model: one ``Export`` per session (``chatbot.recap.types``), built from the store.

It is the JSON export (DESIGN.md "Recap JSON export") and what every page renders, so what a
reader sees and what a script downloads never disagree. Privacy is applied here, once: hidden
messages and opted-out participants leave no text, name or handle in it. Messages deleted on the
platform are left out of it (transcript, answers, questions and counts) unless ``include_deleted``
asks for them, marked ``deleted: true``.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, overload
from zoneinfo import ZoneInfo

from chatbot.core.conventions import prompt_label
from chatbot.core.engine import ACK
from chatbot.recap.types import (
    Export,
    ExportAnswer,
    ExportAttachment,
    ExportMessage,
    ExportParticipant,
    ExportPrompt,
    ExportQuestion,
    ExportSession,
    ExportStats,
    ExportStatusChange,
    ExportUsage,
)
from chatbot.store import Store

SCHEMA = 1
REMOVED = "(removed)"


@overload
def _in_zone(ts: str, tz: tzinfo) -> str: ...
@overload
def _in_zone(ts: str | None, tz: tzinfo) -> str | None: ...
def _in_zone(ts: str | None, tz: tzinfo) -> str | None:
    """A stored (UTC) time in the chat's zone; None stays None."""
    return datetime.fromisoformat(ts).astimezone(tz).isoformat() if ts else None


Row = Mapping[str, Any]  # a row as sqlite-utils reads it


def build_export(store: Store, session_id: str, *, include_deleted: bool = False) -> Export:
    """The session (by id or slug) as the JSON export; ``SessionNotFound`` (a KeyError) if none."""
    row = store.session_row(session_id)
    sid = row["id"]
    spec = store.session_spec(sid)
    tz = ZoneInfo(row["timezone"])
    style = spec.style

    hidden_msgs, hidden_people = store.redactions()
    participants = store.participant_rows(sid, include_deleted=include_deleted)
    removed_keys = {
        p["key"]
        for p in participants
        if p["opted_out"] or p["handle"].lstrip("@").casefold() in hidden_people
    }
    corrections = store.corrections(sid)
    every = store.transcript_rows(sid, include_deleted=True)
    gone = [] if include_deleted else [r for r in said(every) if r["deleted_at"]]
    rows = said(every if include_deleted else [r for r in every if not r["deleted_at"]])

    def is_removed(r: Row) -> bool:
        return r["uid"] in hidden_msgs or f"{r['platform']}:{r['author_id']}" in removed_keys

    def who(r: Row) -> tuple[str, str]:
        return (
            (REMOVED, "")
            if f"{r['platform']}:{r['author_id']}" in removed_keys
            else (r["handle"], r["name"] or "")
        )

    messages: list[ExportMessage] = []
    answering: list[tuple[ExportMessage, list[str]]] = []  # each message with the prompt keys it answers
    by_uid: dict[str, ExportMessage] = {}
    for r in rows:
        keys: list[str] = corrections.get(r["uid"], json.loads(r["answers"] or "[]"))
        removed = is_removed(r)
        author, name = who(r)
        item: ExportMessage = {
            "id": r["id"],
            "ts": _in_zone(r["ts"], tz),
            "author": author,
            "name": name,
            "platform": r["platform"],
            "text": "" if removed else r["text"],
            "kind": r["kind"] or "chat",
            "answers_prompts": [prompt_label(k, style) for k in keys],
            "reply_to": r["reply_to"],
            "url": None if removed else r["url"],
            "removed": removed,
            "attachments": [] if removed else _attachments(r["attachments"]),
            "reactions": [] if removed else json.loads(r["reactions"] or "[]"),
            "edited_at": None if removed else _in_zone(r["edited_at"], tz),
        }
        if r["uid"] in corrections:
            item["corrected"] = True
        if r["deleted_at"]:
            item["deleted"] = True
            item["deleted_at"] = _in_zone(r["deleted_at"], tz)
        messages.append(item)
        answering.append((item, keys))
        by_uid[r["uid"]] = item

    prompts: list[ExportPrompt] = []
    for p in store.prompt_rows(sid):
        source = by_uid.get(p["message_uid"] or "")
        answers: list[ExportAnswer] = [
            {
                "message_id": m["id"],
                "author": m["author"],
                "name": m["name"],
                "text": m["text"],
                "ts": m["ts"],
                "url": m["url"],
                "platform": m["platform"],
                "removed": m["removed"],
            }
            for m, keys in answering
            if p["key"] in keys and m["kind"] != "prompt"
        ]
        prompts.append(
            {
                "label": p["label"],
                "key": p["key"],
                "text": p["text"],
                "posted_at": _in_zone(p["posted_at"], tz),
                "author": p["author"],
                "message_id": source["id"] if source else None,
                "url": source["url"] if source else None,
                "answers": answers,
            }
        )

    rows = store.question_rows(sid, include_deleted=include_deleted)
    opted = {p["handle"].lstrip("@").casefold() for p in participants if p["key"] in removed_keys}
    questions = _questions(rows, tz, by_uid, hidden_people | opted)  # nor named as askers
    people: list[ExportParticipant] = [
        {
            "handle": REMOVED if p["key"] in removed_keys else p["handle"],
            "name": "" if p["key"] in removed_keys else (p["name"] or ""),
            "platform": p["platform"],
            "role": p["role"],
            "first_seen": _in_zone(p["first_seen"], tz),
            "messages": p["messages"],
            "answers": p["answers"],
            "questions": p["questions"],
            "reposts": p["reposts"],
        }
        for p in sorted(participants, key=lambda p: (-p["messages"], p["first_seen"]))
    ]
    answered = [q["minutes_to_answer"] for q in questions if q["minutes_to_answer"] is not None]
    originals = [m for m in messages if m["kind"] != "repost"]
    stats: ExportStats = {
        "messages": len(originals),
        "participants": sum(1 for p in participants if p["messages"] > 0 and p["role"] != "bot"),
        "prompts": len(prompts),
        "answers": sum(1 for m in originals if m["kind"] == "answer"),
        "questions": len(questions),
        "questions_answered": sum(1 for q in questions if q["status"] == "answered"),
        "median_minutes_to_answer": round(statistics.median(answered), 1) if answered else None,
        "reposts": len(messages) - len(originals),
    }
    if gone:  # left out, but the recap says so
        stats["deleted"] = len(gone)
        stats["deleted_by_author"] = sum(1 for r in gone if r["deleted_by_author"])
    platforms = sorted({m["platform"] for m in messages}) or list(spec.platforms)
    started = messages[0]["ts"] if messages else _in_zone(row["started_at"], tz)
    session: ExportSession = {
        "id": sid,
        "slug": row["slug"],
        "hashtag": row["hashtag"],
        "title": row["title"],
        "platforms": platforms,
        "platform": platforms[0] if platforms else "web",
        "started_at": _in_zone(row["started_at"], tz) or started,
        "ended_at": _in_zone(row["ended_at"], tz) or (messages[-1]["ts"] if messages else None),
        "timezone": row["timezone"],
        "hosts": list(spec.hosts),
        "style": spec.style,
        "status": row["status"],
    }
    out: Export = {
        "schema": SCHEMA,
        "session": session,
        "stats": stats,
        "prompts": prompts,
        "questions": questions,
        "participants": people,
        "messages": messages,
    }
    usage = _usage(store, sid)
    if usage:
        out["usage"] = usage
    return out


def said(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What people said: the transcript without commands typed as chat text (``/approve 3``) and
    the bot's answers to them and to questions (flagged ``ack`` when the runner posted them in
    public; in a recording, the bot's replies to a command). Both stay in the store."""
    commands = {r["id"] for r in rows if r["kind"] == "command"}
    return [
        r
        for r in rows
        if r["kind"] != "command"
        and ACK not in json.loads(r["flags"] or "[]")
        and not (r["kind"] == "bot" and r["reply_to"] in commands)
    ]


def _step(h: dict[str, Any], hidden_people: set[str]) -> ExportStatusChange:
    """One step of a question's history; by whom is left out for someone removed from the recap."""
    by = REMOVED if h["by"].lstrip("@").casefold() in hidden_people else h["by"]
    return {"status": h["status"], "by": by, "at": h["at"], "note": h["note"]}


def _attachments(text: str | None) -> list[ExportAttachment]:
    """A message's attachments as the export lists them (filename, url, size; content_type when known)."""
    out: list[ExportAttachment] = []
    for a in json.loads(text or "[]"):
        item: ExportAttachment = {"filename": a["filename"], "url": a.get("url") or "", "size": a.get("size")}
        if a.get("content_type"):
            item["content_type"] = a["content_type"]
        out.append(item)
    return out


def _questions(
    rows: list[dict[str, Any]],
    tz: tzinfo,
    by_uid: Mapping[str, ExportMessage],
    hidden_people: set[str],
) -> list[ExportQuestion]:
    pending = sorted(
        (r for r in rows if r["status"] in ("open", "approved")),
        key=lambda r: (r["queued_at"] or r["asked_at"], r["number"]),
    )
    position = {r["number"]: i for i, r in enumerate(pending, start=1)}
    out: list[ExportQuestion] = []
    for r in rows:
        source = by_uid.get(r["message_uid"] or "")
        removed = bool(source and source["removed"]) or r["author"].lstrip("@").casefold() in hidden_people
        minutes = None
        if r["answered_at"]:
            minutes = round(
                (
                    datetime.fromisoformat(r["answered_at"]) - datetime.fromisoformat(r["asked_at"])
                ).total_seconds()
                / 60,
                1,
            )
        askers = [a for a in json.loads(r["askers"]) if a.lstrip("@").casefold() not in hidden_people]
        item: ExportQuestion = {
            "id": r["number"],
            "number": r["number"],
            "author": REMOVED if removed else r["author"],
            "text": "" if removed else r["text"],
            "asked_at": _in_zone(r["asked_at"], tz),
            "status": r["status"],
            "upvotes": len(json.loads(r["upvoters"])) + (r["likes"] or 0),
            "answered_at": _in_zone(r["answered_at"], tz),
            "answered_by": r["answered_by"],
            "minutes_to_answer": minutes,
            "route": r["route"],
            "merged_into": r["merged_into"],
            "askers": askers,
            "position": position.get(r["number"]),
            "message_id": source["id"] if source else None,
            "removed": removed,
            "history": [_step(h, hidden_people) for h in json.loads(r["history"] or "[]")],
        }
        if r["deleted"]:
            item["deleted"] = True
        aired = [h["at"] for h in item["history"] if h["status"] == "on_air"]
        if aired:
            item["on_air_at"] = _in_zone(aired[-1], tz)
        out.append(item)
    return out


def _usage(store: Store, session_id: str) -> list[ExportUsage]:
    """What the session's paid platforms were asked, per platform (nothing for a free one)."""
    out: list[ExportUsage] = []
    rows = store.usage(session_id)
    for platform in dict.fromkeys(r["platform"] for r in rows):
        mine = [r for r in rows if r["platform"] == platform]
        out.append(
            {
                "platform": platform,
                "requests": sum(r["requests"] for r in mine),
                "reads": sum(r["units"] for r in mine if r["unit"] == "post read"),
                "posts": sum(r["units"] for r in mine if r["unit"] == "post created"),
                "cost_usd": round(sum(r["cost"] for r in mine), 4),
                "endpoints": [
                    {
                        "endpoint": r["endpoint"],
                        "unit": r["unit"],
                        "requests": r["requests"],
                        "units": r["units"],
                        "cost_usd": round(r["cost"], 4),
                    }
                    for r in mine
                ],
            }
        )
    return out
