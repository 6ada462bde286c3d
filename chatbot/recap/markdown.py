"""Markdown recaps: the same content as the HTML page, readable as plain text.

User text is escaped just enough that it cannot become a link, an image, raw HTML, emphasis or a
block of its own (heading, list, quote); hashtags, @handles and plain URLs stay as written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import tzinfo

from chatbot.recap import (
    PLATFORM_NAMES,
    REMOVED_TEXT,
    STATUS_LABELS,
    chat_zone,
    clean_text,
    duration_label,
    minutes,
    parse_ts,
    safe_url,
    strip_label,
    utc_offset,
    when_label,
)
from chatbot.recap.source import Recap
from chatbot.recap.types import Export, ExportItem, ExportMessage, ExportSession, ExportStats
from chatbot.recap.view import attachment_view, embed_view, extra_links, quote_of

_INLINE = re.compile(r"[\\`*\[\]<~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|&(?=#?[0-9A-Za-z]+;)")
_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d+(?=[.)]))", re.MULTILINE)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    return indent + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def md_escape(value: object, *, block: bool = True) -> str:
    """Escape Markdown-active characters in user text (minimal, but no links, HTML or blocks).
    ``block``: lines of the text start blocks, so a leading ``#``, ``>``, ``-`` or ``1.`` is escaped."""
    text = _INLINE.sub(lambda m: "\\" + m.group(), clean_text(value))
    return _LINE_START.sub(_escape_marker, text) if block else text


def md_inline(value: object) -> str:
    """User text on one line (headings, list items, table cells): escaped, pipes escaped too."""
    return " ".join(md_escape(value, block=False).split()).replace("|", "\\|")


def _lines(text: object, indent: str) -> list[str]:
    """Multi-line user text, each line after ``indent``, joined by hard line breaks."""
    lines = md_escape(text).split("\n")
    return [f"{indent}{line}" + ("\\" if i < len(lines) - 1 and line else "") for i, line in enumerate(lines)]


def _link(label: str, url: object) -> str:
    safe = safe_url(url)
    return f" [{label}](<{safe}>)" if safe else ""


def _who(author: object, name: object) -> str:
    handle, display = md_inline(author), md_inline(name)
    return f"**{display}** ({handle})" if display else f"**{handle}**"


def _clock(value: object, tz: tzinfo, fmt: str = "%H:%M") -> str:
    moment = parse_ts(value, tz)
    return moment.strftime(fmt) if moment else "?"


def _header(session: ExportSession, stats: ExportStats) -> list[str]:
    hosts = ", ".join(md_inline(h) for h in session.get("hosts") or ())
    rows = [
        ("Messages", stats.get("messages", 0)),
        ("Participants", stats.get("participants", 0)),
        ("Prompts", stats.get("prompts", 0)),
        ("Answers", stats.get("answers", 0)),
        ("Questions", stats.get("questions", 0)),
        ("Questions answered", stats.get("questions_answered", 0)),
        ("Median time to answer", duration_label(stats.get("median_minutes_to_answer"))),
        ("Reposts", stats.get("reposts", 0)),
    ]
    channel = ""
    if session.get("channel"):
        topic = f": {md_inline(session['topic'])}" if session.get("topic") else ""
        channel = f" · in {md_inline(session['channel'])}{topic}"
    return [
        f"# {md_inline(session.get('title') or session.get('hashtag'))}",
        "",
        f"**{md_inline(session.get('hashtag'))}** · {when_label(session)}"
        + (f" · hosted by {hosts}" if hosts else "")
        + channel,
        "",
        "## Stats",
        "",
        "| | |",
        "|---|---:|",
        *(f"| {label} | {value} |" for label, value in rows),
    ]


def _meeting_header(export: Export) -> list[str]:
    session = export["session"]
    where = f" in {md_inline(session['channel'])}" if session.get("channel") else ""
    chairs = ", ".join(md_inline(h) for h in session.get("hosts") or ())
    return [
        f"# {md_inline(session.get('title') or session.get('hashtag'))}",
        "",
        f"**Meeting{where}** · {when_label(session)}" + (f" · chaired by {chairs}" if chairs else ""),
        "",
        "## Meeting figures",
        "",
        "| | |",
        "|---|---:|",
        *(f"| {label} | {value} |" for label, value in minutes.figures(export)),
    ]


def _item_lines(items: list[ExportItem], tz: tzinfo) -> list[str]:
    return [
        f"- {md_inline(minutes.item_line(i))} ({md_inline(i.get('author'))}, "
        f"{_clock(i.get('ts'), tz, '%H:%M:%S')})"
        for i in items
    ]


def _minutes(export: Export, tz: tzinfo) -> list[str]:
    """A meeting's action items, by person, and the people present, as MeetBot's minutes list them."""
    if not minutes.is_meeting(export):
        return []
    actions = minutes.actions(export)
    out = ["", "## Action items", ""]
    out += [f"- {md_inline(a.get('text'))}" for a in actions] or ["- (none)"]
    out += ["", "## Action items, by person", ""]
    for nick, texts in minutes.by_person(export):
        out += [f"- {md_inline(nick)}", *(f"  - {md_inline(t)}" for t in texts)]
    out += ["", "## People present (lines said)", ""]
    out += [f"- {md_inline(h)} ({n})" for h, n in minutes.people_present(export)]
    return out


def _prompts(recap: Recap, tz: tzinfo, removed: set[str]) -> Iterator[str]:
    export = recap.head
    meeting = minutes.is_meeting(export)
    items = minutes.items_under(export)
    out = ["", "## Topics" if meeting else "## Prompts and answers"]
    if items.get(None):
        out += ["", *_item_lines(items[None], tz)]
    platform = PLATFORM_NAMES.get(str(export["session"].get("platform") or ""), "the original platform")
    for i, prompt in enumerate(export.get("prompts") or ()):
        answers = list(recap.answers(i))  # one prompt's at a time
        label = clean_text(prompt.get("label"))
        count = f"{len(answers)} answer{'s' if len(answers) != 1 else ''}"
        out += [
            "",
            f"### {md_inline(label)}: {md_inline(strip_label(clean_text(prompt.get('text')), label))}",
            "",
            f"*Posted {_clock(prompt.get('posted_at'), tz)} by {md_inline(prompt.get('author'))}*"
            + (" · *inferred: a host's question*" if prompt.get("inferred") else "")
            + f" · {count}"
            + _link(f"View on {platform}", prompt.get("url")),
        ]
        if items.get(prompt.get("label")):
            out += ["", *_item_lines(items[str(prompt.get("label"))], tz)]
        for answer in answers:
            gone = answer.get("removed") or str(answer.get("message_id")) in removed
            head = f"> {_who(answer.get('author'), answer.get('name'))} · {_clock(answer.get('ts'), tz)}"
            out += ["", head + ("" if gone else _link("link", answer.get("url"))), ">"]
            out += [f"> *{REMOVED_TEXT}*"] if gone else _lines(answer.get("text"), "> ")
        yield from out
        out = []
    yield from out


def _questions(export: Export, tz: tzinfo) -> list[str]:
    out = ["", "## Questions", ""]
    for q in export.get("questions") or ():
        status = clean_text(q.get("status"))
        askers = ", ".join(md_inline(a) for a in q.get("askers") or [q.get("author")])
        detail = [f"asked by {askers} at {_clock(q.get('asked_at'), tz)}", f"{q.get('upvotes') or 0} upvotes"]
        if q.get("answered_by") or q.get("answered_at"):
            wait = duration_label(q.get("minutes_to_answer"))
            by = md_inline(q.get("answered_by") or "a host")
            detail.append(f"answered by {by} at {_clock(q.get('answered_at'), tz)} ({wait})")
        if q.get("route"):
            detail.append(f"routed to {md_inline(q.get('route'))}")
        if q.get("merged_into") is not None:
            detail.append(f"merged into #{md_inline(q.get('merged_into'))}")
        text = f"*{REMOVED_TEXT}*" if q.get("removed") else md_inline(q.get("text"))
        label = STATUS_LABELS.get(status, md_inline(status))
        out.append(f"- **#{md_inline(q.get('number', q.get('id')))} {label}**: {text} ({'; '.join(detail)})")
    if not export.get("questions"):
        out.append("No questions were asked.")
    return out


def _participants(export: Export, tz: tzinfo) -> list[str]:
    out = [
        "",
        "## Participants",
        "",
        "| Participant | Role | Messages | Answers | Questions | First seen |",
        "|---|---|---:|---:|---:|---|",
    ]
    people = (p for p in export.get("participants") or () if p.get("role") != "bot")  # not bots
    for p in sorted(people, key=lambda p: -int(p.get("messages") or 0)):
        who = (
            f"{md_inline(p.get('name'))} ({md_inline(p.get('handle'))})"
            if p.get("name")
            else md_inline(p.get("handle"))
        )
        numbers = (p.get("messages"), p.get("answers"), p.get("questions"))
        counts = " | ".join(str(int(n or 0)) for n in numbers)
        out.append(f"| {who} | {md_inline(p.get('role'))} | {counts} | {_clock(p.get('first_seen'), tz)} |")
    return out


def _transcript(recap: Recap, tz: tzinfo, zone: str, ids: set[str], wanted: set[str]) -> Iterator[str]:
    """``ids``: every message's id; ``wanted``: those some message replies to."""
    yield from ["", "## Transcript", "", f"Times in {zone}.", ""]
    quotes: dict[str, str] = {}
    for m in recap.messages():
        head = f"- {_clock(m.get('ts'), tz, '%H:%M:%S')} {_who(m.get('author'), m.get('name'))}: "
        if m.get("removed"):
            yield f"{head}*{REMOVED_TEXT}*"
            continue
        first, *rest = _lines(m.get("text"), "  ")
        out = [head + first.lstrip(), *rest]
        if m.get("edited_at"):
            out[-1] += f" *(edited {_clock(m.get('edited_at'), tz)})*"
        out[-1] += _link("link", m.get("url"))
        out += _extras(m, quotes, ids)
        if (mid := str(m.get("id"))) in wanted and mid not in quotes:
            quotes[mid] = quote_of(clean_text(m.get("text")), m)
        yield from out


def _extras(m: ExportMessage, quotes: dict[str, str], ids: set[str]) -> list[str]:
    """A message's reply, attachments, embeds and reactions, as lines under it."""
    out = [f"  link: <{url}>" for url in extra_links(m, clean_text(m.get("text")))]
    if (to := m.get("reply_to")) is not None:
        said = quotes.get(str(to))
        if said:
            out.append(f"  ↩ in reply to: {md_inline(said)}")
        elif str(to) in ids:
            out.append("  ↩ in reply to a message in this recap")
        else:
            out.append("  ↩ in reply to a message outside this recap")
    for a in m.get("attachments") or ():
        view = attachment_view(a)
        size = f" ({view['size']})" if view["size"] else ""
        what = view["mark"]
        name = md_inline(view["filename"])
        out.append(f"  {what}: " + (f"[{name}]({view['url']})" if view["url"] else name) + size)
    for e in m.get("embeds") or ():
        shown = embed_view(e)
        title = md_inline(shown["title"])
        said = md_inline(" ".join(shown["description"].split()))
        out.append(
            "  embed: "
            + (f"[{title}]({shown['url']})" if shown["url"] else title)
            + (f": {said}" if said else "")
        )
    if m.get("reactions"):
        counts = (f"{md_inline(r.get('emoji'))} {int(r.get('count') or 0)}" for r in m.get("reactions") or ())
        out.append("  reactions: " + ", ".join(counts))
    return out


def render_markdown(export: Export) -> str:
    """A readable Markdown recap: title, stats, prompts with answers as quotes, questions,
    participants and the full transcript, in the chat's time zone."""
    return "".join(markdown_chunks(Recap.of(export)))


def markdown_chunks(recap: Recap) -> Iterator[str]:
    """``render_markdown`` of a ``Recap``, a line at a time (each with its line end)."""
    export = recap.head
    session = export["session"]
    tz = chat_zone(session)
    start = parse_ts(session.get("started_at"), tz)
    zone = clean_text(session.get("timezone")) + (f" ({utc_offset(start)})" if start else "")
    removed: set[str] = set()
    ids: set[str] = set()
    wanted: set[str] = set()
    for m in recap.messages():  # one pass: what the prompts and the transcript refer to
        ids.add(str(m.get("id")))
        if m.get("removed"):
            removed.add(str(m.get("id")))
        if m.get("reply_to") is not None:
            wanted.add(str(m.get("reply_to")))
    meeting = minutes.is_meeting(export)
    lines = itertools.chain(
        _meeting_header(export) if meeting else _header(session, export["stats"]),
        _prompts(recap, tz, removed),
        _minutes(export, tz),
        [] if meeting and not export.get("questions") else _questions(export, tz),
        _participants(export, tz),
        _transcript(recap, tz, zone, ids, wanted),
        ["", "---", "", f"Recap archived by chatbot. Times in {zone}."],
    )
    return (line + "\n" for line in lines)
