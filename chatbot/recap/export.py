"""The recap's view model: one ``Export`` per session (``chatbot.recap.types``), built from the store.

It is the JSON export (DESIGN.md "Recap JSON export") and what every page renders, so what a
reader sees and what a script downloads never disagree. Privacy is applied here, once: hidden
messages and opted-out participants leave no text, name or handle in it. Messages deleted on the
platform are left out of it (transcript, answers, questions and counts) unless ``include_deleted``
asks for them, marked ``deleted: true``.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from typing import Any, overload
from zoneinfo import ZoneInfo

from chatbot.core import meeting
from chatbot.core.conventions import prompt_label
from chatbot.core.engine import ACK
from chatbot.recap.media import local_copies
from chatbot.recap.source import Linked, Placed, Recap, answer_of, link_places
from chatbot.recap.types import (
    Export,
    ExportAnswer,
    ExportAttachment,
    ExportItem,
    ExportMessage,
    ExportParticipant,
    ExportPrompt,
    ExportQuestion,
    ExportSession,
    ExportStats,
    ExportStatusChange,
    ExportUsage,
    SessionKind,
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


Row = Mapping[str, Any] | sqlite3.Row  # a row as sqlite-utils or sqlite3 reads it


def build_export(store: Store, session_id: str, *, include_deleted: bool = False) -> Export:
    """The session (by id or slug) as the JSON export; ``SessionNotFound`` (a KeyError) if none."""
    return recap_of(store, session_id, include_deleted=include_deleted).export()


#: What ``_Session.message`` and ``in_transcript`` read of a stored message (the transcript is
#: read with these alone: its other columns are not carried from SQLite to Python).
COLUMNS = (
    "uid, id, platform, ts, author_id, handle, name, text, kind, answers, flags, reply_to, url, "
    "links, attachments, reactions, edited_at, deleted_at, embeds"
)
_NAMES = tuple(name.strip() for name in COLUMNS.split(","))


class _Session:
    """What every part of one session's export needs: its zone and style, who and what is removed
    from it, the hosts' corrections, and which messages are in its transcript."""

    def __init__(self, store: Store, session_id: str, include_deleted: bool) -> None:
        self.store = store
        self.row = store.session_row(session_id)
        self.sid: str = self.row["id"]
        self.spec = store.session_spec(self.sid)
        self.tz = ZoneInfo(self.row["timezone"])
        self.include_deleted = include_deleted
        self.hidden_msgs, self.hidden_people = store.redactions()
        self.participants = store.participant_rows(self.sid, include_deleted=include_deleted)
        self.removed_keys = {
            p["key"]
            for p in self.participants
            if p["opted_out"] or p["handle"].lstrip("@").casefold() in self.hidden_people
        }
        self.corrections = store.corrections(self.sid)
        commands = store.db.execute(
            "select id, deleted_at from messages where session_id = ? and kind = 'command'", [self.sid]
        ).fetchall()
        self.commands = {mid for mid, _ in commands}  # every command typed in the chat
        self.commands_kept = {mid for mid, deleted in commands if not deleted}  # not deleted since
        self._answered: dict[str, tuple[list[str], tuple[str, ...]]] = {}  # stored answers -> keys, labels
        self.sources: dict[str, Row | None] = {}  # messages read ahead for ``source``, by uid
        self.moment: datetime | None = None  # the time of the last message made (``_time``)

    def answered(self, r: Row) -> tuple[list[str], tuple[str, ...]]:
        """The prompt keys a message answers (as a host corrected them, if one did) and their
        labels; the stored lists repeat from message to message, so each is read once."""
        uid = r["uid"]
        if uid in self.corrections:
            keys = self.corrections[uid]
            return keys, tuple(prompt_label(k, self.spec.style) for k in keys)
        stored = r["answers"] or "[]"
        known = self._answered.get(stored)
        if known is None:
            keys = _list(stored)
            known = self._answered[stored] = (keys, tuple(prompt_label(k, self.spec.style) for k in keys))
        return known

    def keys(self, r: Row) -> list[str]:
        """The prompt keys a message answers (as a host corrected them, if one did)."""
        return self.answered(r)[0]

    def label(self, key: str) -> str:
        """A prompt key's label (``1`` -> ``Q1``)."""
        return prompt_label(key, self.spec.style)

    def in_transcript(self, r: Row) -> bool:
        """Said by someone (``said``), and not deleted on the platform unless asked for."""
        return self.keeps(r["kind"], r["flags"], r["reply_to"], r["deleted_at"])

    def keeps(
        self, kind: str | None, flags: str | None, reply_to: str | None, deleted_at: str | None
    ) -> bool:
        """``in_transcript`` of a row's columns."""
        if deleted_at and not self.include_deleted:
            return False
        return _says(kind, flags, reply_to, self.commands if self.include_deleted else self.commands_kept)

    def message(self, r: Row) -> ExportMessage:
        """A stored row (of ``COLUMNS`` at least) as the export's message."""
        tz = self.tz
        removed, author, name = False, r["handle"], r["name"] or ""
        if self.hidden_msgs or self.removed_keys:
            key = f"{r['platform']}:{r['author_id']}"
            removed = r["uid"] in self.hidden_msgs or key in self.removed_keys
            if key in self.removed_keys:
                author, name = REMOVED, ""
        item: ExportMessage = {
            "id": r["id"],
            "ts": self._time(r["ts"]),
            "author": author,
            "name": name,
            "platform": r["platform"],
            "text": "" if removed else r["text"],
            "kind": r["kind"] or "chat",
            "answers_prompts": list(self.answered(r)[1]),
            "reply_to": r["reply_to"],
            "url": None if removed else r["url"],
            "removed": removed,
            "links": [] if removed else _list(r["links"]),
            "attachments": [] if removed else _attachments(r["attachments"]),
            "reactions": [] if removed else _list(r["reactions"]),
            "edited_at": None if removed else _in_zone(r["edited_at"], tz),
        }
        if not removed and r["embeds"] != "[]":
            item["embeds"] = _list(r["embeds"])
        if r["uid"] in self.corrections:
            item["corrected"] = True
        if r["deleted_at"]:
            item["deleted"] = True
            item["deleted_at"] = _in_zone(r["deleted_at"], tz)
        return item

    def messages(self) -> Iterator[ExportMessage]:
        """The transcript, read from the archive as it is consumed."""
        return (self.message(r) for r in self.transcript_rows() if self.in_transcript(r))

    def transcript_rows(self) -> Iterator[dict[str, Any]]:
        """The session's rows (``COLUMNS``) in time order, as dicts: ``message`` reads each column
        once or twice, and a ``sqlite3.Row`` finds a column by comparing names one by one."""
        rows = self.store.iter_transcript_rows(self.sid, COLUMNS)
        return (dict(zip(_NAMES, r, strict=True)) for r in rows)

    def _time(self, ts: str) -> str:
        """``_in_zone(ts)``, its time kept (``moment``) for what reads the message next."""
        self.moment = moment = datetime.fromisoformat(ts).astimezone(self.tz)
        return moment.isoformat()

    def placed(self, keys: list[str]) -> Iterator[Placed]:
        """The transcript, each message with the places (in ``keys``, the prompts' keys) of the
        prompts whose answers list it (``answers``), read from the archive as it is consumed."""
        place: dict[str, tuple[int, ...]] = {}
        for i, key in enumerate(keys):
            place[key] = (*place.get(key, ()), i)
        places: dict[tuple[str, ...], tuple[int, ...]] = {}  # stored answers lists repeat
        for r in self.transcript_rows():
            if not self.in_transcript(r):
                continue
            answered = self.keys(r)
            if not answered or (r["kind"] or "chat") == "prompt":
                yield self.message(r), (), self.moment
                continue
            stored = tuple(answered)
            found = places.get(stored)
            if found is None:
                found = places[stored] = tuple(sorted({i for k in stored for i in place.get(k, ())}))
            yield self.message(r), found, self.moment

    def linked(self, ids: list[str], wanted: set[str]) -> Linked:
        """``Linked`` of the transcript (``ids``: its message ids in order), ``wanted`` read whole."""
        places, anchors, repeats = link_places(ids, wanted)
        cursor = self.store.db.conn.cursor()
        cursor.row_factory = sqlite3.Row
        rows = cursor.execute(
            "select * from messages where session_id = ? and id in (select value from json_each(?)) "
            "order by ts, uid",
            [self.sid, json.dumps(sorted(places))],
        )
        found: dict[str, ExportMessage] = {}
        for r in rows:
            if r["id"] not in found and r["id"] in wanted and self.in_transcript(r):
                found[r["id"]] = self.message(r)
        return Linked(found, places, anchors, repeats)

    def answers(self, key: str) -> Iterator[ExportAnswer]:
        """The transcript's answers to the prompt ``key``, in time order."""
        corrected = [uid for uid, keys in self.corrections.items() if key in keys]
        for r in self.store.iter_answer_rows(self.sid, key, corrected):
            if key not in self.keys(r) or not self.in_transcript(r) or (r["kind"] or "chat") == "prompt":
                continue
            yield answer_of(self.message(r))

    def source(self, uid: str | None) -> ExportMessage | None:
        """The message ``uid`` as the transcript has it (None when it is not in the transcript)."""
        if uid in self.sources:
            r: Row | None = self.sources[uid]
        else:
            r = self.store.message_row(uid) if uid else None
        if r is None or r["session_id"] != self.sid or not self.in_transcript(r):
            return None
        return self.message(r)

    def read_sources(self, uids: Iterable[str | None]) -> None:
        """Read the messages ``source`` will be asked for in one query (a chat's prompts and
        questions: hundreds of them)."""
        wanted = sorted({uid for uid in uids if uid})
        cursor = self.store.db.conn.cursor()
        cursor.row_factory = sqlite3.Row
        rows = cursor.execute(
            "select * from messages where uid in (select value from json_each(?))", [json.dumps(wanted)]
        )
        self.sources.update({uid: None for uid in wanted})
        self.sources.update((r["uid"], r) for r in rows)


def recap_of(store: Store, session_id: str, *, include_deleted: bool = False) -> Recap:
    """The session's export as a ``Recap``: everything but its messages and answers read now, those
    read from the archive each time they are asked for (``SessionNotFound`` if no such session)."""
    s = _Session(store, session_id, include_deleted)
    sid, tz, row, spec = s.sid, s.tz, s.row, s.spec
    counted = gone = gone_by_author = reposts = answered_messages = 0
    platforms: set[str] = set()
    first = last = None
    light = "id, kind, flags, reply_to, ts, platform, deleted_at, deleted_by_author"
    ids: list[str] = []  # the transcript's, in order, and the ones its messages reply to
    replied: set[str] = set()
    keeps, read = s.keeps, store.iter_transcript_rows(sid, light)  # as tuples: faster than by name
    for mid, kind, flags, reply_to, ts, platform, deleted_at, by_author in read:
        if keeps(kind, flags, reply_to, deleted_at):
            counted += 1
            ids.append(mid)
            if reply_to is not None:
                replied.add(str(reply_to))
            reposts += kind == "repost"
            answered_messages += kind == "answer"
            platforms.add(platform)
            first = first or ts
            last = ts
        elif deleted_at and not include_deleted and _says(kind, flags, reply_to, s.commands):
            gone += 1  # left out, but the recap says so
            gone_by_author += bool(by_author)

    prompt_rows = store.prompt_rows(sid)
    rows = store.question_rows(sid, include_deleted=include_deleted)
    s.read_sources([p["message_uid"] for p in prompt_rows] + [q["message_uid"] for q in rows])
    prompts: list[ExportPrompt] = []
    for p in prompt_rows:
        source = s.source(p["message_uid"])
        prompts.append(
            {
                "label": p["label"],
                "key": p["key"],
                "text": p["text"],
                "posted_at": _in_zone(p["posted_at"], tz),
                "author": p["author"],
                "message_id": source["id"] if source else None,
                "url": source["url"] if source else None,
                "answers": [],
            }
        )
        if spec.extra.get("prompts") == "inferred":
            prompts[-1]["inferred"] = True

    participants, removed_keys = s.participants, s.removed_keys
    opted = {p["handle"].lstrip("@").casefold() for p in participants if p["key"] in removed_keys}
    questions = _questions(rows, tz, s.source, s.hidden_people | opted)  # nor named as askers
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
    stats: ExportStats = {
        "messages": counted,
        "participants": sum(1 for p in participants if p["messages"] > 0 and p["role"] != "bot"),
        "prompts": len(prompts),
        "answers": answered_messages,
        "questions": len(questions),
        "questions_answered": sum(1 for q in questions if q["status"] == "answered"),
        "median_minutes_to_answer": round(statistics.median(answered), 1) if answered else None,
        "reposts": reposts,
    }
    if gone:
        stats["deleted"] = gone
        stats["deleted_by_author"] = gone_by_author
    shown = sorted(platforms) or list(spec.platforms)
    session: ExportSession = {
        "id": sid,
        "slug": row["slug"],
        "hashtag": row["hashtag"],
        "title": row["title"],
        "platforms": shown,
        "platform": shown[0] if shown else "web",
        "started_at": _in_zone(row["started_at"], tz) or _in_zone(first, tz) or "",
        "ended_at": _in_zone(row["ended_at"], tz) or _in_zone(last, tz),
        "timezone": row["timezone"],
        "hosts": list(spec.hosts),
        "style": spec.style,
        "status": row["status"],
        "kind": _kind(spec.style, spec.extra.get("kind")),
    }
    if spec.extra.get("channel"):
        session["channel"] = spec.extra["channel"]
    if spec.extra.get("topic"):
        session["topic"] = spec.extra["topic"]
    head: Export = {
        "schema": SCHEMA,
        "session": session,
        "stats": stats,
        "prompts": prompts,
        "questions": questions,
        "participants": people,
        "messages": [],
    }
    if spec.style == "meeting":
        head["items"] = _items(s)
    usage = _usage(store, sid)
    if usage:
        head["usage"] = usage
    keys = [p["key"] for p in prompts]
    files = store.db.execute(  # the export's own copies of its files, for the page to show
        "select id, attachments from messages where session_id = ? and attachments like '%\"local\": %'",
        [sid],
    )
    named = {str(p["message_id"]) for p in prompts if p["message_id"] is not None}
    named |= {str(q["message_id"]) for q in questions if q["message_id"] is not None}
    return Recap(
        head,
        counted,
        s.messages,
        lambda i: s.answers(keys[i]),
        local_copies(files),
        s.linked(ids, replied | named),
        lambda: s.placed(keys),
    )


def _kind(style: str, kind: str | None) -> SessionKind:
    """A meeting (MeetBot), a channel's whole export, or a hashtag chat."""
    return "meeting" if style == "meeting" else "channel" if kind == "channel" else "chat"


def _items(s: _Session) -> list[ExportItem]:
    """A meeting's minutes items in time order (a chair's ``#undo`` takes back the last one)."""
    out: list[ExportItem] = []
    rows = s.store.db.query(
        "select * from messages where session_id = ? and flags like '%\"item:%' order by ts, uid", [s.sid]
    )
    for r in rows:
        if not s.in_transcript(r):
            continue
        kind = next(f[5:] for f in _list(r["flags"]) if f.startswith("item:"))
        if kind == "undo":
            if out:
                out.pop()
            continue
        m = s.message(r)
        said = meeting.read(r["text"] or "")
        if m["removed"] or said is None:
            continue
        keys = s.keys(r)
        out.append(
            {
                "kind": kind,  # the engine flags ItemKind only
                "text": said.text,
                "author": m["author"],
                "ts": m["ts"],
                "prompt": s.label(keys[0]) if keys else None,
            }
        )
    return out


def _list(text: str | None) -> list[Any]:
    """A JSON list column ("[]" most of the time: no need to parse it)."""
    return json.loads(text) if text and text != "[]" else []


def said(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What people said: the transcript without commands typed as chat text (``/approve 3``) and
    the bot's answers to them and to questions (flagged ``ack`` when the runner posted them in
    public; in a recording, the bot's replies to a command). Both stay in the store."""
    commands = {r["id"] for r in rows if r["kind"] == "command"}
    return [r for r in rows if _said(r, commands)]


def _said(r: Row, commands: Collection[str]) -> bool:
    """``said`` for one row, given the ids of the session's commands."""
    return _says(r["kind"], r["flags"], r["reply_to"], commands)


def _says(kind: str | None, flags: str | None, reply_to: str | None, commands: Collection[str]) -> bool:
    """``_said`` of a row's columns."""
    return (
        kind != "command"
        and (flags == "[]" or ACK not in _list(flags))
        and not (kind == "bot" and reply_to in commands)
    )


def _step(h: dict[str, Any], hidden_people: set[str]) -> ExportStatusChange:
    """One step of a question's history; by whom is left out for someone removed from the recap."""
    by = REMOVED if h["by"].lstrip("@").casefold() in hidden_people else h["by"]
    return {"status": h["status"], "by": by, "at": h["at"], "note": h["note"]}


def _attachments(text: str | None) -> list[ExportAttachment]:
    """A message's attachments as the export lists them (filename, url, size; content_type when known)."""
    out: list[ExportAttachment] = []
    for a in _list(text):
        item: ExportAttachment = {"filename": a["filename"], "url": a.get("url") or "", "size": a.get("size")}
        if a.get("content_type"):
            item["content_type"] = a["content_type"]
        out.append(item)
    return out


def _questions(
    rows: list[dict[str, Any]],
    tz: tzinfo,
    source_of: Callable[[str | None], ExportMessage | None],
    hidden_people: set[str],
) -> list[ExportQuestion]:
    pending = sorted(
        (r for r in rows if r["status"] in ("open", "approved")),
        key=lambda r: (r["queued_at"] or r["asked_at"], r["number"]),
    )
    position = {r["number"]: i for i, r in enumerate(pending, start=1)}
    out: list[ExportQuestion] = []
    for r in rows:
        source = source_of(r["message_uid"])
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
