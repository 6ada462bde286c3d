"""The session page's view model: a pure function of the export (``session_view``, or
``page_view`` of a ``Recap``) giving what the page shows (a ``SessionView``).

The transcript's views are made in one pass over it (``chatbot.recap.onepass``), each rendered
as it is made and its markup set aside, so that a chat of 100,000 messages is rendered in the memory
a few thousand take: the view holds markers where the answers and the transcript go (``answers_mark``,
``transcript_mark``), replaced by their markup as the page is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from chatbot.recap import (
    PLATFORM_NAMES,
    STATUS_LABELS,
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
from chatbot.recap.media import Gallery, Picture
from chatbot.recap.pages import PAGE_SIZE, page_count, page_link, page_of, pager, root
from chatbot.recap.source import Linked, Recap
from chatbot.recap.types import (
    Export,
    ExportAnswer,
    ExportAttachment,
    ExportEmbed,
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
    EmbedView,
    ItemView,
    MessageView,
    MinutesView,
    ParticipantView,
    PromptView,
    QuestionView,
    SessionView,
    Stamp,
)

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
    linked: Linked  # the transcript's messages the page links to
    platform: str
    # What repeats from message to message, worked out once a page: people, platforms, days.
    people: dict[tuple[object, object], tuple[str, str, bool, Avatar]] = field(default_factory=dict)
    places: dict[object, str] = field(default_factory=dict)
    minutes: dict[tuple[int, ...], tuple[str, str, str, str, str]] = field(default_factory=dict)
    words: dict[object, str] = field(default_factory=dict)  # kinds, prompt labels
    answered: dict[tuple[str, ...], list[tuple[str, str | None]]] = field(default_factory=dict)
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # linked: author, quote
    last_time: list[tuple[object, datetime | None]] = field(default_factory=list)  # ``moment``'s last
    slug: str = ""
    pages: Mapping[str, int] = field(default_factory=dict)  # page of each linked message not on the first
    page_count: int = 1  # a long channel record's pages
    gallery: Gallery | None = None  # copies the export's images into the recap as they are shown

    def anchor(self, message_id: str) -> str:
        return self.anchors.get(message_id) or html_id(message_id, "m-")

    def href(self, message_id: str, here: int = 1, at: int | None = None) -> str:
        """The link to a message of the transcript from the page ``here`` (its page, its anchor;
        ``at``: the page it is on, when the page does not link to it from elsewhere)."""
        page = self.pages.get(message_id, at or 1)
        if page == here:
            return "#" + self.anchor(message_id)
        return f"{page_link(self.slug, page, here)}#{self.anchor(message_id)}"

    def target(self, message_id: str) -> tuple[str, str] | None:
        """(who, as shown; the start of what it says) of a message a reply links to; None when
        the transcript does not hold it."""
        known = self.targets.get(message_id)
        if known is None:
            m = self.linked.messages.get(message_id)
            if m is None:
                return None
            text = "" if m.get("removed") else clean_text(m.get("text"))
            known = self.targets[message_id] = (self.person(m.get("author"), "")[0], quote_of(text, m))
        return known

    def seen(self, message_id: str) -> _Seen | None:
        """What an answer shown under its prompt takes from its message in the transcript."""
        m = self.linked.messages.get(message_id)
        if m is None:
            return None
        return _Seen(
            self.person(m.get("author"), "")[0],
            m["kind"],
            bool(m.get("removed")),
            tuple(m.get("answers_prompts") or ()),
            m.get("reply_to"),
            bool(m.get("corrected")),
        )

    def picture(self, message_id: str, url: object) -> Picture | None:
        return self.gallery.picture(message_id, str(url or "")) if self.gallery else None

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

    def moment(self, value: object) -> datetime | None:
        """``parse_ts(value, tz)``, the last one kept: a message's time is read by its view, the
        activity chart and its search record in turn."""
        last = self.last_time
        if last and last[0][0] is value:
            return last[0][1]
        moment = parse_ts(value, self.tz)
        self.last_time[:] = [(value, moment)]
        return moment

    def stamp(self, value: object, *, exact: bool = False) -> Stamp:
        """``stamp(value, tz)`` (``exact``: its ``iso`` to the microsecond, as ``stamp`` has it;
        else to the second), all but its seconds kept from one message to the next in the same
        minute (a fold's second pass through a minute is another minute)."""
        moment = self.moment(value)
        if moment is None:
            return {"iso": "", "clock": "", "full": ""}
        key = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.fold)
        minute = self.minutes.get(key)
        if minute is None:
            iso = moment.isoformat(timespec="seconds")
            zone = moment.tzname() or utc_offset(moment)
            clock = f"{moment.hour:02d}:{moment.minute:02d}"
            day = f"{moment:%a} {moment.day} {moment:%b %Y}"
            minute = self.minutes[key] = (iso[:17], iso[19:], clock, f"{day}, {clock}:", f" {zone}")
        second = f"{moment.second:02d}"
        iso = minute[0] + second
        if exact and moment.microsecond:
            iso += f".{moment.microsecond:06d}"
        return {"iso": iso + minute[1], "clock": minute[2], "full": minute[3] + second + minute[4]}


def message_view(raw: ExportMessage, ctx: _Context, here: int = 1, at: int | None = None) -> MessageView:
    """One message (or prompt answer) as the page ``here`` shows it (``at``: the page it is on)."""
    removed = bool(raw.get("removed"))
    mid = str(raw.get("id"))
    author, name, is_host, face = ctx.person(raw.get("author"), raw.get("name"))
    reply_to = raw.get("reply_to")
    reply = ctx.target(str(reply_to)) if reply_to is not None else None
    labels = raw.get("answers_prompts")
    text = "" if removed else clean_text(raw.get("text"))
    anchor = ctx.anchor(mid)
    page = ctx.pages.get(mid, at or 1) if ctx.pages else at or 1
    return {
        "id": mid,
        "anchor": anchor,
        "href": "#" + anchor if page == here else f"{page_link(ctx.slug, page, here)}#{anchor}",
        **ctx.stamp(raw.get("ts")),
        "author": author,
        "name": name,
        "platform": ctx.place(raw.get("platform")),
        "text": text,
        "removed": removed,
        "kind": ctx.word(raw.get("kind") or "answer"),
        "url": None if removed else safe_url(raw.get("url")),
        "reply_to": ctx.anchor(str(reply_to)) if reply else None,
        "reply_href": ctx.href(str(reply_to), here) if reply else "",
        "reply_author": reply[0] if reply else "",
        "answers": ctx.answers(labels) if labels else [],
        "corrected": bool(raw.get("corrected")),
        "is_host": is_host,
        "initial": face["initial"],
        "tone": face["tone"],
        "links": extra_links(raw, text) if raw.get("links") and not removed else [],
        "attachments": [
            attachment_view(a, ctx.picture(mid, a.get("url")), root(here)) for a in raw["attachments"]
        ]
        if raw.get("attachments") and not removed
        else [],
        "embeds": [embed_view(e) for e in raw["embeds"]] if raw.get("embeds") and not removed else [],
        "reactions": [(clean_text(r.get("emoji")), int(r.get("count") or 0)) for r in raw["reactions"]]
        if raw.get("reactions") and not removed
        else [],
        "edited": ctx.stamp(raw["edited_at"])["clock"] if raw.get("edited_at") and not removed else "",
        "reply_quote": reply[1] if reply else "",
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


def attachment_view(a: ExportAttachment, picture: Picture | None = None, up: str = "") -> AttachmentView:
    """An attachment as the page lists it: name, size, a link where it is on the web; ``picture``:
    the image copied into the recap (``up``: the way from the page to the recaps folder)."""
    name = clean_text(a.get("filename")) or "attachment"
    kind = str(a.get("content_type") or "")
    url = safe_url(a.get("url"))
    image = kind.startswith("image/") or bool(_IMAGE.search(name))
    return {
        "filename": name,
        "url": url,
        "size": size_label(a.get("size")),
        "image": image,
        "src": up + picture.src if picture else "",
        "width": picture.width if picture else 0,
        "height": picture.height if picture else 0,
        # an image the page cannot show: on the web only, or its copy missing or not an image
        "unseen": "" if picture or not image else "on the web" if url else "missing",
        "mark": "sticker"
        if kind.endswith("sticker")
        else "link"
        if kind == "embed"
        else "image"
        if kind.startswith("image/") or _IMAGE.search(name)
        else "file",
    }


def embed_view(e: ExportEmbed) -> EmbedView:
    """A page or card a message embedded: its title (its address when untitled), address, description."""
    url = safe_url(e.get("url"))
    return {
        "title": clean_text(e.get("title")) or url or "",
        "url": url,
        "description": clean_text(e.get("description")),
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


def answer_message(answer: ExportAnswer, ctx: _Context) -> ExportMessage:
    """A prompt's answer as the page shows it: ``_answer_message`` of it and its transcript message."""
    return _answer_message(answer, ctx.seen(str(answer.get("message_id"))))


def answers_mark(prompt: int) -> Markup:
    """Where the answers to the ``prompt``-th prompt go in the page (``chatbot.recap.onepass``)."""
    return Markup(f"\x00answers-{prompt}\x00")


def transcript_mark(page: int) -> Markup:
    """Where the messages of the transcript's page ``page`` go in the page."""
    return Markup(f"\x00page-{page}\x00")


@dataclass
class Swept:
    """What the page needs of the pass over its transcript (``chatbot.recap.onepass``): the times of
    the messages (for the activity chart), where the pages after the first start (``utc_key``),
    each prompt's answers and answerers counted, and (``keep``) every view made."""

    times: list[datetime] = field(default_factory=list)
    starts: list[list[str]] = field(default_factory=list)
    answer_counts: list[int] = field(default_factory=list)
    answerers: list[set[str]] = field(default_factory=list)
    messages: list[MessageView] = field(default_factory=list)
    answers: list[list[MessageView]] = field(default_factory=list)


def _prompt_views(recap: Recap, ctx: _Context, swept: Swept) -> list[PromptView]:
    """Each prompt, its answers marked where they go (``answers_mark``)."""
    views: list[PromptView] = []
    for i, prompt in enumerate(recap.head.get("prompts") or ()):
        view = message_view(_prompt_message(prompt), ctx)
        label = clean_text(prompt.get("label"))
        views.append(
            {
                **view,
                "label": label,
                "section": ctx.sections[label],
                "heading": strip_label(view["text"], label),
                "answer_list": swept.answers[i] if swept.answers else [],
                "answer_count": swept.answer_counts[i],
                "answers_html": answers_mark(i),
                "answerers": len(swept.answerers[i]),
                "in_transcript": view["id"] in ctx.linked.places,
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
                "message": ctx.href(asked)
                if (asked := str(q.get("message_id"))) in ctx.linked.places
                else None,
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
                "first": ctx.stamp(p.get("first_seen"), exact=True),
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
    """Everything the session page shows, computed from the export (pure): every view kept, the
    answers' and the transcript's markup marked where it goes."""
    from chatbot.recap.onepass import sweep

    recap = Recap.of(export)
    ctx = page_context(recap)
    swept = sweep(recap, ctx, html=True, keep=True).page
    return page_view(recap, ctx, swept, exports=exports, index_href=index_href)


def page_context(recap: Recap, out: Path | None = None) -> _Context:
    """What every message's view on the session's pages shares. ``out``: the recaps folder the
    pages are written to, where the export's images are copied (none without)."""
    export = recap.head
    session = export["session"]
    slug = check_slug(session["slug"])
    count = page_count(session.get("kind"), recap.message_count)
    linked = recap.linked
    pages = {mid: page_of(i) for mid, i in linked.places.items() if i >= PAGE_SIZE} if count > 1 else {}
    return _Context(
        tz=chat_zone(session),
        anchors=linked.anchors,
        sections=prompt_sections(export),
        hosts=frozenset(clean_text(h).casefold() for h in session.get("hosts") or ()),
        linked=linked,
        platform=str(session.get("platform") or ""),
        slug=slug,
        pages=pages,
        page_count=count,
        gallery=Gallery(out, slug, recap.media) if out is not None and recap.media else None,
    )


def page_view(
    recap: Recap,
    ctx: _Context,
    swept: Swept,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str | None = "index.html",
) -> SessionView:
    """The session's page, given the pass over its transcript (``swept``): the answers and the
    transcript marked where they go (``answers_mark``, ``transcript_mark``). A long channel
    record's first page holds its first ``PAGE_SIZE`` messages; ``chatbot.recap.html`` writes the
    others."""
    export = recap.head
    session, stats = export["session"], export["stats"]
    tz, slug, count = ctx.tz, ctx.slug, ctx.page_count
    prompts = _prompt_views(recap, ctx, swept)
    participants = _participant_views(export, ctx)
    marks = [(p["label"], t) for p in prompts if (t := parse_ts(p["iso"], tz)) is not None]
    start, end = parse_ts(session.get("started_at"), tz), parse_ts(session.get("ended_at"), tz)
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
            swept.times, marks, tz, window=(start, end) if start and end else None
        ),
        "people_chart": charts.bar_chart(
            [(p["handle"] or p["name"], p["messages"]) for p in participants[:8]], "Messages per participant"
        ),
        "prompts": prompts,
        "questions": _question_views(export, ctx),
        "participants": participants,
        "messages": swept.messages,
        "transcript": transcript_mark(1),
        "page_starts": swept.starts,
        "message_count": recap.message_count,
        "exports": [("JSON" if fmt == "json" else "Markdown", f"{slug}.{fmt}") for fmt in exports],
        "index_href": index_href,
        "deleted_note": deleted_note(stats),
        "usage": [usage_line(u) for u in export.get("usage") or ()],
        "kind": clean_text(session.get("kind")) or ("meeting" if minutes.is_meeting(export) else "chat"),
        "channel": clean_text(session.get("channel")),
        "topic": clean_text(session.get("topic")),
        "minutes": _minutes_view(export, tz) if minutes.is_meeting(export) else None,
        "pager": pager(slug, 1, count, recap.message_count) if count > 1 else None,
        "up": "",
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
