"""One message's markup on the session page, written by hand: the transcript entry and the answer
under its prompt.

A page may hold 100,000 messages; jinja2 spends 20-30 µs on each through its generic machinery (a
getattr, an ``escape`` and a ``Markup`` per value, a yield per piece), Python's string formatting
2-3 µs. Every value from the view model is escaped here (``html.escape``, quotes included) unless
it is already markup (``linkify``'s output) or made by the view from numbers alone: an anchor or
link (``html_id``: letters, digits, ``-`` and ``_``), a time (``iso``, ``clock``, ``full``: digits,
English day and month names, a zone's abbreviation). So this is as safe as an autoescaped
template; ``tests/recap/test_hostile.py`` renders hostile text through it. What repeats from
message to message (a person, a kind, a prompt's label) is escaped once (``functools.lru_cache``).
The page around them stays in ``templates/session.html``.
"""

from __future__ import annotations

import functools
from html import escape

from markupsafe import Markup
from markupsafe import escape as autoescape

from chatbot.recap import LINK_REL, REMOVED_TEXT, linkify, linkify_clean
from chatbot.recap.viewtypes import AttachmentView, EmbedView, MessageView, ParticipantView

#: Kinds of message with a badge saying so.
BADGED = frozenset({"prompt", "question", "repost", "command", "bot"})
_REMOVED = f'<p class="body removed"><em>{escape(REMOVED_TEXT)}</em></p>'


@functools.lru_cache(maxsize=1 << 14)
def _who(author: str, name: str, initial: str, tone: int, is_host: bool, kind: str) -> str:
    """The avatar, who said it and the badges: the start of a transcript entry's head."""
    author, name = escape(author), escape(name)
    who = (
        f'<bdi class="name">{name}</bdi> <bdi class="handle">{author}</bdi>'
        if name
        else (f'<bdi class="name">{author}</bdi>')
    )
    badges = ' <span class="badge badge-host">host</span>' if is_host else ""
    if kind in BADGED:
        kind = escape(kind)
        badges += f' <span class="badge badge-{kind}">{kind}</span>'
    return (
        f'<span class="avatar tone-{int(tone)}" aria-hidden="true">{escape(initial)}</span>'
        f'<div class="msg-main"><p class="msg-head"><span class="who">{who}</span>{badges} '
        f'<span class="msg-meta">'
    )


def _head(m: MessageView, time_link: str) -> str:
    """The avatar, who said it, badges and when: what the transcript and the answers share."""
    who = _who(m["author"], m["name"], m["initial"], m["tone"], m["is_host"], m["kind"])
    return who + time_link


def _time(m: MessageView, title: str = "") -> str:
    """The time, linking to the message in the transcript (``title``: what the link says)."""
    if title:
        return (
            f'<a class="time" href="{m["href"]}" title="{title}"><time '
            f'datetime="{m["iso"]}">{m["clock"]}</time></a>'
        )
    return (
        f'<a class="time" href="{m["href"]}"><time datetime="{m["iso"]}" '
        f'title="{m["full"]}">{m["clock"]}</time></a>'
    )


def body_html(m: MessageView) -> str:
    """What the message says, as its transcript entry and its answer under a prompt both show it."""
    # The view's text is clean already (``clean_text``): linkified without cleaning it again.
    return _REMOVED if m["removed"] else f'<p class="body" dir="auto">{linkify_clean(m["text"])}</p>'


@functools.lru_cache(maxsize=1 << 10)
def _classes(kind: str, is_host: bool, removed: bool) -> str:
    return f"msg kind-{escape(kind)}" + (" is-host" if is_host else "") + (" is-removed" if removed else "")


@functools.lru_cache(maxsize=1 << 10)
def _answers_link(label: str, section: str | None) -> str:
    said = f"answers <bdi>{escape(label)}</bdi>"
    if section:
        return f'<a class="answers-link" href="#{escape(section)}">{said}</a>'
    return f'<span class="muted">{said}</span>'


@functools.lru_cache(maxsize=1 << 14)
def _answerer(name: str, is_host: bool, removed: bool) -> str:
    """An answer's ``<li>`` up to its time."""
    classes = "msg kind-answer" + (" is-removed" if removed else "")
    host = ' <span class="badge badge-host">host</span>' if is_host else ""
    return f'<li class="{classes}"><p class="msg-head"><bdi class="name">{escape(name)}</bdi>{host} '


def _extras(m: MessageView) -> str:
    """Links, attachments, reactions: what a message carries besides its text."""
    out = ""
    if m["links"]:
        items = "".join(
            f'<li><a href="{escape(u)}" rel="{LINK_REL}">{escape(u)}</a></li>' for u in m["links"]
        )
        out += f'<ul class="links" aria-label="Links">{items}</ul>'
    if m["attachments"]:
        items = "".join(_attachment(a) for a in m["attachments"])
        out += f'<ul class="attachments" aria-label="Attachments">{items}</ul>'
    if m["embeds"]:
        items = "".join(_embed(e) for e in m["embeds"])
        out += f'<ul class="embeds" aria-label="Embedded links">{items}</ul>'
    if m["reactions"]:
        chips = "".join(
            f'<li><span class="emoji">{escape(emoji)}</span> <span class="count">{count}</span></li>'
            for emoji, count in m["reactions"]
        )
        out += f'<ul class="reactions" aria-label="Reactions">{chips}</ul>'
    return out


#: What an image the page cannot show says instead.
UNSEEN = {
    "on the web": "image not downloaded with the export",
    "missing": "image not shown: the export's copy is missing or is not an image",
}


def _attachment(a: AttachmentView) -> str:
    """A file: its kind, name and size, linked where it is on the web; an image the recap holds a
    copy of is shown, linking to the copy."""
    name = escape(a["filename"])
    size = escape(a["size"])
    label = f"<bdi>{name}</bdi>" + (f' <span class="muted">({size})</span>' if size else "")
    mark = f'<span class="file-kind">{escape(a["mark"])}</span> '
    if a["src"]:
        src = escape(a["src"])
        shown = (
            f'<a class="thumb" href="{src}"><img src="{src}" width="{int(a["width"])}" '
            f'height="{int(a["height"])}" alt="{name}" loading="lazy" decoding="async"></a>'
        )
        return f'<li class="has-image">{shown}{mark}{label}</li>'
    if a["url"]:
        label = f'<a href="{escape(a["url"])}" rel="{LINK_REL}">{label}</a>'
    note = f'<span class="file-note">{UNSEEN[a["unseen"]]}</span>' if a["unseen"] else ""
    return f"<li>{mark}{label}{note}</li>"


def _embed(e: EmbedView) -> str:
    """A page or card the message embedded: its title (linked to its address) and description."""
    title = f"<bdi>{escape(e['title'])}</bdi>"
    if e["url"]:
        title = f'<a href="{escape(e["url"])}" rel="{LINK_REL}">{title}</a>'
    said = f'<p class="embed-text" dir="auto">{linkify(e["description"])}</p>' if e["description"] else ""
    return f'<li class="embed"><p class="embed-title">{title}</p>{said}</li>'


def _reply(m: MessageView) -> str:
    """Where a reply points: the message it answers (quoted), or a note that it is not here."""
    if m["reply_to"]:
        who = escape(m["reply_author"] or "an earlier message")
        said = escape(m["reply_quote"])
        quote = f' <q class="reply-quote" dir="auto">{said}</q>' if said else ""
        return f'<a href="{escape(m["reply_href"])}">↩ in reply to <bdi>{who}</bdi></a>{quote}'
    if m["reply_outside"]:
        return '<span class="muted">↩ in reply to a message outside this recap</span>'
    return ""


def transcript_html(m: MessageView, body: str | None = None) -> str:
    """The message's ``<li>`` in the transcript: everything about it, with its anchor (``body``:
    its ``body_html`` when made already)."""
    classes = _classes(m["kind"], m["is_host"], m["removed"])
    original = ""
    if m["url"]:
        original = (
            f'<span class="original-link"> <span aria-hidden="true">·</span> <a class="original" '
            f'href="{escape(m["url"])}" rel="{LINK_REL}">View on {escape(m["platform"])}</a></span>'
        )
    foot = ""
    if m["edited"]:
        original += f' <span class="edited">(edited {escape(m["edited"])})</span>'
    if m["reply_to"] or m["reply_outside"] or m["answers"] or m["corrected"]:
        foot += _reply(m)
        for label, section in m["answers"]:
            foot += _answers_link(label, section)
        if m["corrected"]:
            foot += '<span class="muted">attribution corrected by a host</span>'
        foot = f'<p class="msg-foot">{foot}</p>'
    return (
        f'<li id="{m["anchor"]}" class="{classes}">{_head(m, _time(m))}{original}</span></p>'
        f"{body_html(m) if body is None else body}{_extras(m)}{foot}</div></li>\n"
    )


def answer_html(m: MessageView, body: str | None = None) -> str:
    """The answer's ``<li>`` under its prompt: who, when (linking to it in the transcript) and
    what, no more (the transcript has the rest: avatar, handle, reply, original link; ``body``: its
    ``body_html`` when made already)."""
    return (
        f"{_answerer(m['name'] or m['author'], m['is_host'], m['removed'])}"
        f"{_time(m, 'Show in the transcript')}</p>{body_html(m) if body is None else body}</li>\n"
    )


def participant_rows(people: list[ParticipantView]) -> Markup:
    """The participants table's rows (a chat may have thousands of people), as the template wrote
    them, escaped as autoescape does (``markupsafe.escape``)."""
    rows = []
    for p in people:
        name, handle, role, first = autoescape(p["name"]), autoescape(p["handle"]), p["role"], p["first"]
        sort = autoescape((p["name"] or p["handle"]).lower())
        badge = (
            '<span class="badge badge-host">host</span>'
            if role == "host"
            else ""
            if role == "participant"
            else f'<span class="badge">{autoescape(role)}</span>'
        )
        shown = f'<bdi class="name">{name or handle}</bdi>{badge}'
        if name:
            shown += f'<bdi class="handle">{handle}</bdi>'
        iso, clock = autoescape(first["iso"]), autoescape(first["clock"])
        rows.append(
            f'<tr data-order="{p["order"]}">\n<th scope="row" data-sort="{sort}"><span class="person">'
            f'<span class="avatar tone-{autoescape(p["tone"])}" aria-hidden="true">{autoescape(p["initial"])}'
            f"</span><span>{shown}</span></span></th>\n"
            f'<td class="num">{p["messages"]}</td>\n<td class="num">{p["answers"]}</td>\n'
            f'<td class="num">{p["questions"]}</td>\n'
            f'<td data-sort="{iso}" class="optional"><time datetime="{iso}">{clock}</time></td>\n</tr>\n'
        )
    return Markup("".join(rows))
