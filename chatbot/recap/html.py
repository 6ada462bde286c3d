"""Session recap pages, and rendering a whole archive of them.

A pure function (``session_view``) turns the ``Export`` into what the page shows (a ``SessionView``);
jinja2 renders it with autoescape and ``StrictUndefined`` (``render_session``). ``write_session`` writes a
session's HTML, JSON and Markdown atomically; ``render_all`` does that for every session whose
export or templates changed (``out_dir/.manifest.json``), then the index, search and feed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from importlib import resources
from pathlib import Path
from typing import cast

from chatbot.recap import (
    PLATFORM_NAMES,
    STATUS_LABELS,
    avatar,
    charts,
    chat_zone,
    check_slug,
    clean_text,
    duration_label,
    environment,
    html_id,
    message_anchors,
    page_assets,
    parse_ts,
    safe_url,
    stamp,
    strip_label,
    utc_offset,
    when_label,
    write_atomic,
)
from chatbot.recap.feed import (
    index_entry,
    read_search_index,
    render_index,
    search_records,
    write_feed,
    write_search_index,
)
from chatbot.recap.markdown import render_markdown
from chatbot.recap.types import Export, ExportAnswer, ExportMessage, ExportPrompt, ExportStats, ExportUsage
from chatbot.recap.viewtypes import (
    ManifestRecord,
    MessageView,
    ParticipantView,
    PromptView,
    QuestionView,
    SessionView,
)

#: Bump to re-render every recap when nothing in this package changed (e.g. a dependency did).
TEMPLATE_VERSION = "1"
FORMATS = ("html", "json", "md")
MANIFEST = ".manifest.json"
#: Ids the session page uses itself; a prompt label that sanitizes to one of these gets a prefix.
_PAGE_IDS = frozenset({"main", "stats", "activity", "prompts", "questions", "participants", "transcript"})


# -- view model ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Context:
    tz: tzinfo
    anchors: Mapping[str, str]
    sections: Mapping[str, str]
    hosts: frozenset[str]
    by_id: Mapping[str, ExportMessage]
    platform: str


def message_view(raw: ExportMessage, ctx: _Context) -> MessageView:
    """One message (or prompt answer) as the page shows it."""
    removed = bool(raw.get("removed"))
    mid = str(raw.get("id"))
    author, name = clean_text(raw.get("author")), clean_text(raw.get("name"))
    reply = ctx.by_id.get(str(raw.get("reply_to"))) if raw.get("reply_to") is not None else None
    labels = [clean_text(label) for label in raw.get("answers_prompts") or ()]
    platform = str(raw.get("platform") or ctx.platform)
    return {
        "id": mid,
        "anchor": ctx.anchors.get(mid, html_id(mid, "m-")),
        **stamp(raw.get("ts"), ctx.tz),
        "author": author,
        "name": name,
        "platform": PLATFORM_NAMES.get(platform, clean_text(platform) or "the original platform"),
        "text": "" if removed else clean_text(raw.get("text")),
        "removed": removed,
        "kind": clean_text(raw.get("kind") or "answer"),
        "url": None if removed else safe_url(raw.get("url")),
        "reply_to": ctx.anchors.get(str(raw.get("reply_to"))) if reply else None,
        "reply_author": clean_text(reply.get("author")) if reply else "",
        "answers": [(label, ctx.sections.get(label)) for label in labels],
        "corrected": bool(raw.get("corrected")),
        "is_host": author.casefold() in ctx.hosts,
        **avatar(author, name),
    }


def _answer_message(answer: ExportAnswer, original: ExportMessage | None) -> ExportMessage:
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
        "removed": bool((original and original["removed"]) or answer["removed"]),
    }
    if original is None:
        return own
    return {**original, **own, "kind": original["kind"], "answers_prompts": original["answers_prompts"]}


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


def _prompt_views(export: Export, ctx: _Context) -> list[PromptView]:
    views: list[PromptView] = []
    for prompt in export.get("prompts") or ():
        answers = [
            message_view(_answer_message(answer, ctx.by_id.get(str(answer.get("message_id")))), ctx)
            for answer in prompt.get("answers") or ()
        ]
        view = message_view(_prompt_message(prompt), ctx)
        label = clean_text(prompt.get("label"))
        views.append(
            {
                **view,
                "label": label,
                "section": ctx.sections[label],
                "heading": strip_label(view["text"], label),
                "answer_list": answers,
                "answerers": len({a["author"] for a in answers}),
                "in_transcript": view["id"] in ctx.by_id,
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
                "message": ctx.anchors.get(str(q.get("message_id"))),
            }
        )
    return views


def _participant_views(export: Export, ctx: _Context) -> list[ParticipantView]:
    people = sorted(
        export.get("participants") or (),
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
    session, stats = export["session"], export["stats"]
    tz = chat_zone(session)
    slug = check_slug(session["slug"])
    raw_messages = list(export.get("messages") or ())
    ctx = _Context(
        tz=tz,
        anchors=message_anchors(export),
        sections=prompt_sections(export),
        hosts=frozenset(clean_text(h).casefold() for h in session.get("hosts") or ()),
        by_id={str(m.get("id")): m for m in raw_messages},
        platform=str(session.get("platform") or ""),
    )
    prompts = _prompt_views(export, ctx)
    participants = _participant_views(export, ctx)
    times = [t for t in (parse_ts(m.get("ts"), tz) for m in raw_messages) if t is not None]
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
        "stats": [
            ("Messages", stats.get("messages", len(raw_messages))),
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
        "messages": [message_view(m, ctx) for m in raw_messages],
        "exports": [("JSON" if fmt == "json" else "Markdown", f"{slug}.{fmt}") for fmt in exports],
        "index_href": index_href,
        "deleted_note": deleted_note(stats),
        "usage": [usage_line(u) for u in export.get("usage") or ()],
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


def render_session(
    export: Export,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str | None = "index.html",
) -> str:
    """One self-contained HTML recap page (no network requests) for a session export.

    ``exports`` are the sibling formats to link to (``<slug>.json``, ``<slug>.md``);
    ``index_href`` links back to the archive index (None for no link).
    """
    page = session_view(export, exports=exports, index_href=index_href)
    return environment().get_template("session.html").render(page=page, **page_assets("recap.js"))


def export_json(export: Export) -> bytes:
    """The JSON export file's bytes (UTF-8, indented; stray surrogates kept as JSON escapes)."""
    return (json.dumps(export, ensure_ascii=False, indent=2) + "\n").encode("utf-8", "backslashreplace")


def write_session(export: Export, out_dir: Path, *, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``<slug>.html``, ``<slug>.json`` and/or ``<slug>.md`` into ``out_dir``, each atomically."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown recap format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    slug = check_slug(export["session"]["slug"])
    siblings = [fmt for fmt in ("json", "md") if fmt in formats]
    writers: dict[str, Callable[[], str | bytes]] = {
        "html": lambda: render_session(export, exports=siblings),
        "json": lambda: export_json(export),
        "md": lambda: render_markdown(export),
    }
    return [
        write_atomic(Path(out_dir) / f"{slug}.{fmt}", writers[fmt]()) for fmt in FORMATS if fmt in formats
    ]


def render_fingerprint() -> str:
    """Changes whenever the output could: the version constant, the templates and the renderer's
    own modules (so editing a template or this code re-renders every recap on the next run)."""
    digest = hashlib.sha256(TEMPLATE_VERSION.encode())
    package = resources.files("chatbot.recap")
    sources = [*package.iterdir(), *package.joinpath("templates").iterdir()]
    for item in sorted(sources, key=lambda t: (t.name, str(t))):
        if item.is_file() and item.name.endswith((".py", ".html", ".xml", ".js", ".css")):
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def export_digest(export: Export, fingerprint: str, formats: Sequence[str] = FORMATS) -> str:
    """sha256 of the canonical export JSON, the render fingerprint and the formats written."""
    canonical = json.dumps(export, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{canonical}\n{fingerprint}\n{','.join(formats)}".encode()).hexdigest()


@dataclass(frozen=True)
class RenderReport:
    """What ``render_all`` did: sessions written and skipped (by slug), and every file written."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.written)} recap(s) rendered, {len(self.skipped)} unchanged or not selected, in "
            f"{self.out_dir}/ (index.html, search-index.js and feed.xml updated)"
        )


def _read_manifest(path: Path) -> dict[str, ManifestRecord]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sessions = data.get("sessions") if isinstance(data, dict) else None
    if not isinstance(sessions, dict):
        return {}
    # As this module wrote it (older manifests may lack "entry" or "formats").
    return {k: cast(ManifestRecord, v) for k, v in sessions.items() if isinstance(v, dict)}


def render_all(
    exports: Iterable[Export],
    out_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = FORMATS,
    only: Collection[str] | None = None,
    base_url: str | None = None,
    title: str = "Chat recaps",
) -> RenderReport:
    """Write each session's files unless unchanged (or ``force``), then ``index.html``,
    ``search-index.js`` and ``feed.xml`` over every recap whose page is in ``out_dir``.

    ``only`` (slugs; empty or None means all) limits which sessions are rendered; the others
    stay as they are on disk. A session's formats already on disk are rewritten with the ones
    asked for. ``progress(done, total)`` is called after each session.
    """
    if unknown := set(formats) - set(FORMATS):
        raise ValueError(f"unknown recap format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = exports if isinstance(exports, Sequence) else list(exports)
    manifest = _read_manifest(out / MANIFEST)
    fingerprint = render_fingerprint()
    report = RenderReport(out)
    current: dict[str, Export] = {}
    for done, export in enumerate(items, 1):
        slug = check_slug(export["session"]["slug"])
        if only and slug not in only:
            manifest.setdefault(slug, {"sha256": None, "entry": index_entry(export)})
            report.skipped.append(slug)
        else:
            # Formats already on disk are kept up to date too, so a page never links to a stale export.
            kept = [fmt for fmt in FORMATS if fmt in formats or (out / f"{slug}.{fmt}").is_file()]
            digest = export_digest(export, fingerprint, kept)
            fresh = slug in manifest and manifest[slug].get("sha256") == digest
            if not force and fresh and all((out / f"{slug}.{fmt}").is_file() for fmt in kept):
                report.skipped.append(slug)
            else:
                report.files.extend(write_session(export, out, formats=kept))
                report.written.append(slug)
            manifest[slug] = {"sha256": digest, "formats": kept, "entry": index_entry(export)}
            current[slug] = export
        if progress is not None:
            progress(done, len(items))
    listed = {slug: m for slug, m in manifest.items() if (out / f"{slug}.html").is_file() and "entry" in m}
    earlier = read_search_index(out)
    records: list[Mapping[str, object]] = [
        r for r in earlier if r.get("slug") in listed and r.get("slug") not in current
    ]
    for slug, export in current.items():
        if slug in listed:
            records.extend(search_records(export))
    entries = [m["entry"] for m in listed.values()]
    report.files.append(render_index(entries, out, title=title))
    report.files.append(write_search_index(records, out))
    report.files.append(write_feed(entries, out, base_url=base_url, title=title))
    payload = {"version": 1, "template_version": TEMPLATE_VERSION, "sessions": listed}
    write_atomic(out / MANIFEST, json.dumps(payload, ensure_ascii=True, indent=1, sort_keys=True) + "\n")
    return report
