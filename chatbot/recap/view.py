"""The session page's view model: a pure function of the export (``session_view``, or
``page_view`` of a ``Recap``) giving what the page shows (a ``SessionView``).

The transcript's views are made as the page is written (``page_view``), a prompt's answers one
prompt at a time, so that a chat of 100,000 messages is rendered in the memory a few thousand take.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import NamedTuple

from markupsafe import Markup

from chatbot.recap import (
    PLATFORM_NAMES,
    STATUS_LABELS,
    Anchors,
    avatar,
    charts,
    chat_zone,
    check_slug,
    clean_text,
    duration_label,
    html_id,
    minutes,
    parse_ts,
    safe_url,
    stamp,
    strip_label,
    utc_offset,
    when_label,
)
from chatbot.recap.fragments import answer_item
from chatbot.recap.source import Recap
from chatbot.recap.types import (
    Export,
    ExportAnswer,
    ExportAttachment,
    ExportItem,
    ExportMessage,
    ExportPrompt,
    ExportStats,
    ExportUsage,
    MessageKind,
)
from chatbot.recap.viewtypes import (
    AttachmentView,
    Avatar,
    ItemView,
    MessageView,
    MinutesView,
    ParticipantView,
    PromptView,
    QuestionView,
    SessionView,
    Stamp,
)

#: A channel's whole record is shown in pages of this many messages (the first open) when longer.
PAGE_SIZE = 1000
#: Ids the session page uses itself; a prompt label that sanitizes to one of these gets a prefix.
_PAGE_IDS = frozenset({"main", "stats", "activity", "prompts", "questions", "participants", "transcript"})


def prompt_sections(export: Export) -> dict[str, str]:
    """Prompt label -> section id (``Q1`` -> ``q1``), unique and clear of the page's own ids."""
    sections: dict[str, str] = {}
    for prompt in export.get("prompts") or ():
        label = clean_text(prompt.get("label"))
        section = html_id(label.lower(), "")
        if not section or section in _PAGE_IDS or section.startswith(("m-", "question-", "p-")):
            section = "p-" + section
        while section in sections.values():
            section += "-2"
        sections.setdefault(label, section)
    return sections


class _Seen(NamedTuple):
    """What the page needs of a message it links to, or whose answer it shows under a prompt."""

    author: str  # as shown
    kind: MessageKind
    removed: bool
    answers_prompts: tuple[str, ...]
    reply_to: str | None
    corrected: bool


@dataclass(frozen=True)
class _Context:
    tz: tzinfo
    anchors: Mapping[str, str]  # message id -> anchor, where it is not html_id(id, "m-")
    sections: Mapping[str, str]
    hosts: frozenset[str]
    seen: Mapping[str, _Seen]  # every message of the transcript, by id
    platform: str
    # What repeats from message to message, worked out once a page: people, platforms, days.
    people: dict[tuple[object, object], tuple[str, str, bool, Avatar]] = field(default_factory=dict)
    places: dict[object, str] = field(default_factory=dict)
    days: dict[object, str] = field(default_factory=dict)
    words: dict[object, str] = field(default_factory=dict)  # kinds, prompt labels
    answered: dict[tuple[str, ...], list[tuple[str, str | None]]] = field(default_factory=dict)
    wanted: frozenset[str] = frozenset()  # ids of the messages some message replies to
    quotes: dict[str, str] = field(default_factory=dict)  # their starts, as the page passes them

    def anchor(self, message_id: str) -> str:
        return self.anchors.get(message_id) or html_id(message_id, "m-")

    def word(self, value: object) -> str:
        """``clean_text`` of a value that repeats (a kind, a prompt label)."""
        known = self.words.get(value)
        if known is None:
            known = self.words[value] = clean_text(value)
        return known

    def answers(self, labels: Sequence[str]) -> list[tuple[str, str | None]]:
        """(label, section id) of the prompts a message answers."""
        key = tuple(labels)
        known = self.answered.get(key)
        if known is None:
            cleaned = [self.word(label) for label in key]
            known = self.answered[key] = [(label, self.sections.get(label)) for label in cleaned]
        return list(known)

    def person(self, author: object, name: object) -> tuple[str, str, bool, Avatar]:
        """(author, name, is a host, avatar) as the page shows them."""
        known = self.people.get((author, name))
        if known is None:
            handle, shown = clean_text(author), clean_text(name)
            known = self.people[(author, name)] = (
                handle,
                shown,
                handle.casefold() in self.hosts,
                avatar(handle, shown),
            )
        return known

    def place(self, platform: object) -> str:
        known = self.places.get(platform)
        if known is None:
            name = str(platform or self.platform)
            known = self.places[platform] = PLATFORM_NAMES.get(
                name, clean_text(name) or "the original platform"
            )
        return known

    def stamp(self, value: object) -> Stamp:
        """``stamp(value, tz)``, its date part kept from one message to the next."""
        moment = parse_ts(value, self.tz)
        if moment is None:
            return {"iso": "", "clock": "", "full": ""}
        day = self.days.get(moment.date())
        if day is None:
            day = self.days[moment.date()] = f"{moment:%a} {moment.day} {moment:%b %Y}"
        zone = moment.tzname() or utc_offset(moment)
        clock = f"{moment.hour:02d}:{moment.minute:02d}"
        return {
            "iso": moment.isoformat(timespec="seconds"),
            "clock": clock,
            "full": f"{day}, {clock}:{moment.second:02d} {zone}",
        }


def message_view(raw: ExportMessage, ctx: _Context) -> MessageView:
    """One message (or prompt answer) as the page shows it."""
    removed = bool(raw.get("removed"))
    mid = str(raw.get("id"))
    author, name, is_host, face = ctx.person(raw.get("author"), raw.get("name"))
    reply_to = raw.get("reply_to")
    reply = ctx.seen.get(str(reply_to)) if reply_to is not None else None
    labels = raw.get("answers_prompts") or ()
    text = "" if removed else clean_text(raw.get("text"))
    if mid in ctx.wanted and mid not in ctx.quotes:
        ctx.quotes[mid] = quote_of(text, raw)
    return {
        "id": mid,
        "anchor": ctx.anchor(mid),
        **ctx.stamp(raw.get("ts")),
        "author": author,
        "name": name,
        "platform": ctx.place(raw.get("platform")),
        "text": text,
        "removed": removed,
        "kind": ctx.word(raw.get("kind") or "answer"),
        "url": None if removed else safe_url(raw.get("url")),
        "reply_to": ctx.anchor(str(reply_to)) if reply else None,
        "reply_author": reply.author if reply else "",
        "answers": ctx.answers(labels) if labels else [],
        "corrected": bool(raw.get("corrected")),
        "is_host": is_host,
        "initial": face["initial"],
        "tone": face["tone"],
        "links": [] if removed else extra_links(raw, text),
        "attachments": [] if removed else [attachment_view(a) for a in raw.get("attachments") or ()],
        "reactions": []
        if removed
        else [(clean_text(r.get("emoji")), int(r.get("count") or 0)) for r in raw.get("reactions") or ()],
        "edited": "" if removed else ctx.stamp(raw.get("edited_at"))["clock"],
        "reply_quote": ctx.quotes.get(str(reply_to), "") if reply else "",
        "reply_outside": reply_to is not None and reply is None,
    }


_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|webp|avif|bmp|svg)$", re.IGNORECASE)


def extra_links(raw: ExportMessage, text: str) -> list[str]:
    """The links a message carried that its text does not show (X shortens them, a sheet's
    Link(s) column holds them apart), http(s) only."""
    out = []
    for link in raw.get("links") or ():
        url = safe_url(link)
        if url and url not in text and url not in out:
            out.append(url)
    return out


def attachment_view(a: ExportAttachment) -> AttachmentView:
    """An attachment as the page lists it: name, size, a link where it is on the web."""
    name = clean_text(a.get("filename")) or "attachment"
    kind = str(a.get("content_type") or "")
    return {
        "filename": name,
        "url": safe_url(a.get("url")),
        "size": size_label(a.get("size")),
        "image": kind.startswith("image/") or bool(_IMAGE.search(name)),
        "mark": "sticker"
        if kind.endswith("sticker")
        else "link"
        if kind == "embed"
        else "image"
        if kind.startswith("image/") or _IMAGE.search(name)
        else "file",
    }


def size_label(size: object) -> str:
    """``42.9 kB`` (decimal units, as Discord shows them); "" when unknown."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return ""
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "GB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    return ""


def quote_of(text: str, raw: ExportMessage) -> str:
    """The start of a message as a reply shows it (its first attachment's name when it has no text)."""
    if not text:
        files = raw.get("attachments") or ()
        return clean_text(files[0].get("filename")) if files else ""
    line = " ".join(text.split())
    return line if len(line) <= 90 else line[:89].rstrip() + "…"


def _answer_message(answer: ExportAnswer, original: _Seen | None) -> ExportMessage:
    """A prompt's answer as a message: the answer's own fields over its transcript message (kind,
    reply, prompts answered), removed when either is."""
    own: ExportMessage = {
        "id": answer["message_id"],
        "ts": answer["ts"],
        "author": answer["author"],
        "name": answer["name"],
        "platform": answer["platform"],
        "text": answer["text"],
        "kind": "answer",  # when its message is not in the transcript
        "answers_prompts": [],
        "url": answer["url"],
        "removed": bool((original and original.removed) or answer["removed"]),
    }
    if original is None:
        return own
    own["kind"] = original.kind
    own["answers_prompts"] = list(original.answers_prompts)
    own["reply_to"] = original.reply_to
    if original.corrected:
        own["corrected"] = True
    return own


def _prompt_message(prompt: ExportPrompt) -> ExportMessage:
    """A prompt shown like a message (its own message's id, when it is in the transcript)."""
    return {
        "id": prompt["message_id"] or "",
        "ts": prompt["posted_at"],
        "author": prompt["author"],
        "name": "",
        "platform": "",  # the session's
        "text": prompt["text"],
        "kind": "prompt",
        "answers_prompts": [],
        "url": prompt["url"],
        "removed": False,
    }


def _prompt_views(recap: Recap, ctx: _Context, *, keep: bool) -> list[PromptView]:
    """Each prompt with its answers: rendered here, a prompt at a time (``answers_html``), and kept
    as views only when ``keep`` (a page of 100,000 messages holds none of them)."""
    views: list[PromptView] = []
    for i, prompt in enumerate(recap.head.get("prompts") or ()):
        kept: list[MessageView] = []
        html: list[str] = []
        answerers: set[str] = set()
        for answer in recap.answers(i):
            a = message_view(_answer_message(answer, ctx.seen.get(str(answer.get("message_id")))), ctx)
            answerers.add(a["author"])
            html.append(answer_item(a))
            if keep:
                kept.append(a)
        view = message_view(_prompt_message(prompt), ctx)
        label = clean_text(prompt.get("label"))
        views.append(
            {
                **view,
                "label": label,
                "section": ctx.sections[label],
                "heading": strip_label(view["text"], label),
                "answer_list": kept,
                "answer_count": len(html),
                "answers_html": Markup("".join(html)),
                "answerers": len(answerers),
                "in_transcript": view["id"] in ctx.seen,
                "inferred": bool(prompt.get("inferred")),
            }
        )
    return views


def _question_views(export: Export, ctx: _Context) -> list[QuestionView]:
    raw = list(export.get("questions") or ())
    numbers = {q.get("number") for q in raw}
    views: list[QuestionView] = []
    for q in raw:
        number, status, merged = (
            q.get("number", q.get("id")),
            clean_text(q.get("status")),
            q.get("merged_into"),
        )
        views.append(
            {
                "number": clean_text(number),
                "anchor": html_id(str(number), "question-"),
                "author": clean_text(q.get("author")),
                "askers": [clean_text(a) for a in q.get("askers") or ()],
                "text": "" if q.get("removed") else clean_text(q.get("text")),
                "removed": bool(q.get("removed")),
                "status": html_id(status.lower(), ""),
                "status_label": STATUS_LABELS.get(status, status.capitalize()),
                "upvotes": int(q.get("upvotes") or 0),
                "asked": stamp(q.get("asked_at"), ctx.tz),
                "answered": stamp(q.get("answered_at"), ctx.tz),
                "answered_by": clean_text(q.get("answered_by")),
                "on_air": stamp(q.get("on_air_at"), ctx.tz),
                "wait": duration_label(q.get("minutes_to_answer")),
                "route": clean_text(q.get("route")),
                "merged_into": html_id(str(merged), "question-")
                if merged is not None and merged in numbers
                else None,
                "merged_number": clean_text(merged),
                "position": q.get("position"),
                "message": ctx.anchor(asked) if (asked := str(q.get("message_id"))) in ctx.seen else None,
            }
        )
    return views


def _participant_views(export: Export, ctx: _Context) -> list[ParticipantView]:
    people = sorted(  # people, not bots: a participant is the same on every page (the stats too)
        (p for p in export.get("participants") or () if p.get("role") != "bot"),
        key=lambda p: (-int(p.get("messages") or 0), str(p.get("handle")).casefold()),
    )
    views: list[ParticipantView] = []
    for order, p in enumerate(people):
        handle, name = clean_text(p.get("handle")), clean_text(p.get("name"))
        views.append(
            {
                "order": order,
                "handle": handle,
                "name": name,
                "role": clean_text(p.get("role") or "participant"),
                "first": stamp(p.get("first_seen"), ctx.tz),
                "messages": int(p.get("messages") or 0),
                "answers": int(p.get("answers") or 0),
                "questions": int(p.get("questions") or 0),
                **avatar(handle, name),
            }
        )
    return views


def session_view(
    export: Export,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str | None = "index.html",
) -> SessionView:
    """Everything the session page shows, computed from the export (pure)."""
    return page_view(Recap.of(export), exports=exports, index_href=index_href, keep=True)


def _seen(recap: Recap, ctx: _Context) -> tuple[dict[str, _Seen], dict[str, str], list[datetime]]:
    """One pass over the transcript: what the page links to (by id), the anchors that are not the
    plain ``m-<id>`` (ids that clash), the times for the activity chart."""
    seen: dict[str, _Seen] = {}
    anchors: dict[str, str] = {}
    anchor_of = Anchors()
    times: list[datetime] = []
    answered: dict[tuple[str, ...], tuple[str, ...]] = {}
    kinds: dict[MessageKind, MessageKind] = {}
    for m in recap.messages():
        mid = str(m.get("id"))
        if mid not in seen:
            anchor = anchor_of(mid)
            if anchor != html_id(mid, "m-"):
                anchors[mid] = anchor
            labels = tuple(m.get("answers_prompts") or ())
            seen[mid] = _Seen(
                ctx.person(m.get("author"), "")[0],
                kinds.setdefault(m["kind"], m["kind"]),
                bool(m.get("removed")),
                answered.setdefault(labels, labels),
                m.get("reply_to"),
                bool(m.get("corrected")),
            )
        if (moment := parse_ts(m.get("ts"), ctx.tz)) is not None:
            times.append(moment)
    return seen, anchors, times


def page_view(
    recap: Recap,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str | None = "index.html",
    keep: bool = False,
) -> SessionView:
    """``session_view`` of a ``Recap``: its transcript and answers read as they are rendered, so a
    page of 100,000 messages never holds their views (``keep``: hold them, as lists)."""
    export = recap.head
    session, stats = export["session"], export["stats"]
    tz = chat_zone(session)
    slug = check_slug(session["slug"])
    ctx = _Context(
        tz=tz,
        anchors={},
        sections=prompt_sections(export),
        hosts=frozenset(clean_text(h).casefold() for h in session.get("hosts") or ()),
        seen={},
        platform=str(session.get("platform") or ""),
    )
    seen, anchors, times = _seen(recap, ctx)
    wanted = frozenset(str(r.reply_to) for r in seen.values() if r.reply_to is not None)
    ctx = replace(ctx, seen=seen, anchors=anchors, wanted=wanted, quotes={})
    prompts = _prompt_views(recap, ctx, keep=keep)
    participants = _participant_views(export, ctx)
    marks = [(p["label"], t) for p in prompts if (t := parse_ts(p["iso"], tz)) is not None]
    start, end = parse_ts(session.get("started_at"), tz), parse_ts(session.get("ended_at"), tz)
    views = (message_view(m, ctx) for m in recap.messages())
    return {
        "slug": slug,
        "title": clean_text(session.get("title")) or clean_text(session.get("hashtag")) or slug,
        "hashtag": clean_text(session.get("hashtag")),
        "when": when_label(session),
        "start_iso": start.isoformat() if start else "",
        "timezone": clean_text(session.get("timezone")) or (utc_offset(start) if start else "UTC"),
        "offset": utc_offset(start) if start else "UTC+00:00",
        "hosts": [clean_text(h) for h in session.get("hosts") or ()],
        "platforms": [PLATFORM_NAMES.get(str(p), clean_text(p)) for p in session.get("platforms") or ()],
        "stats": [(k, v) for k, v in minutes.figures(export)]
        if minutes.is_meeting(export)
        else [
            ("Messages", stats.get("messages", recap.message_count)),
            ("Participants", stats.get("participants", len(participants))),
            ("Prompts", stats.get("prompts", len(prompts))),
            ("Answers", stats.get("answers", 0)),
            ("Questions", stats.get("questions", 0)),
            ("Answered", stats.get("questions_answered", 0)),
            ("Median wait", duration_label(stats.get("median_minutes_to_answer"))),
            ("Reposts", stats.get("reposts", 0)),
        ],
        "activity_chart": charts.activity_chart(
            times, marks, tz, window=(start, end) if start and end else None
        ),
        "people_chart": charts.bar_chart(
            [(p["handle"] or p["name"], p["messages"]) for p in participants[:8]], "Messages per participant"
        ),
        "prompts": prompts,
        "questions": _question_views(export, ctx),
        "participants": participants,
        "messages": list(views) if keep else views,
        "message_count": recap.message_count,
        "exports": [("JSON" if fmt == "json" else "Markdown", f"{slug}.{fmt}") for fmt in exports],
        "index_href": index_href,
        "deleted_note": deleted_note(stats),
        "usage": [usage_line(u) for u in export.get("usage") or ()],
        "kind": clean_text(session.get("kind")) or ("meeting" if minutes.is_meeting(export) else "chat"),
        "channel": clean_text(session.get("channel")),
        "topic": clean_text(session.get("topic")),
        "minutes": _minutes_view(export, tz) if minutes.is_meeting(export) else None,
        "page_size": PAGE_SIZE if session.get("kind") == "channel" and recap.message_count > PAGE_SIZE else 0,
    }


def _minutes_view(export: Export, tz: tzinfo) -> MinutesView:
    """A meeting's items per topic, its action items (by person too) and who was present."""

    def item(i: ExportItem) -> ItemView:
        moment = parse_ts(i.get("ts"), tz)
        return {
            "kind": minutes.ITEM_NAMES.get(str(i.get("kind")), clean_text(i.get("kind")).upper()),
            "text": clean_text(i.get("text")),
            "author": clean_text(i.get("author")),
            "clock": moment.strftime("%H:%M:%S") if moment else "",
            "iso": moment.isoformat() if moment else "",
        }

    under = minutes.items_under(export)
    return {
        "before": [item(i) for i in under.get(None, [])],
        "topic_items": [[item(i) for i in under.get(p["label"], [])] for p in export.get("prompts") or ()],
        "actions": [clean_text(a.get("text")) for a in minutes.actions(export)],
        "by_person": [(clean_text(n), [clean_text(t) for t in ts]) for n, ts in minutes.by_person(export)],
        "present": [(clean_text(h), n) for h, n in minutes.people_present(export)],
    }


def deleted_note(stats: ExportStats) -> str:
    """``2 messages were deleted by their authors and are not shown.`` ("" when none was)."""
    n, mine = stats.get("deleted", 0), stats.get("deleted_by_author", 0)
    if not n:
        return ""
    were = "message was" if n == 1 else "messages were"
    if mine == n:
        whose = "its author" if n == 1 else "their authors"
        return f"{n} {were} deleted by {whose} and {'is' if n == 1 else 'are'} not shown."
    by = f" ({mine} by their authors)" if mine else ""
    return f"{n} {were} deleted on the platform{by} and {'is' if n == 1 else 'are'} not shown."


def usage_line(u: ExportUsage) -> str:
    """``On X the bot made 42 requests: 1,234 posts read, 12 posts made (about $6.31 at the
    configured prices).``"""
    where = PLATFORM_NAMES.get(u["platform"], clean_text(u["platform"]))
    return (
        f"On {where} the bot made {u['requests']:,} requests: {u['reads']:,} posts read, "
        f"{u['posts']:,} posts made (about ${u['cost_usd']:,.2f} at the configured prices)."
    )
