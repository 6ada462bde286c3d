"""What the recap pages show, as types: the view models the pure builders in ``chatbot.recap.html``
and ``chatbot.recap.feed`` compute from an ``Export`` and the jinja templates render. User text in
them is already cleaned (``clean_text``), URLs already checked (``safe_url``).
"""

# No ``from __future__ import annotations``: see ``chatbot.recap.types``.
from datetime import datetime
from typing import NotRequired, TypedDict

from markupsafe import Markup

from chatbot.recap.types import ExportSession, ExportStats


class Stamp(TypedDict):
    """A time as the templates show it ('' for each when unknown)."""

    iso: str  # for <time datetime>
    clock: str  # 21:06
    full: str  # Tue 24 Nov 2026, 21:06:45 EST


class Avatar(TypedDict):
    initial: str
    tone: int  # 0-5, stable per handle


class PageAssets(TypedDict):
    """A page's inline CSS and JS, and the Content-Security-Policy that allows only those."""

    style: Markup
    script: Markup
    csp: str


class AttachmentView(TypedDict):
    filename: str
    url: str | None  # an http(s) address only (a local copy's path is shown, not linked)
    size: str  # "42.9 kB" ("" when unknown)
    image: bool
    mark: str  # what it is: "image", "file", "sticker" or "link" (an embedded page)
    src: str  # the image's copy in the recap, from the page ("" when none: not shown inline)
    width: int  # its size in pixels (0 when not shown)
    height: int
    unseen: str  # an image not shown: "on the web" (not downloaded), "missing" (no usable copy), or ""


class EmbedView(TypedDict):
    title: str  # its address when it has no title
    url: str | None  # an http(s) address only
    description: str


class PagerView(TypedDict):
    """Where a page of a long channel record is among its pages, and the links to the others."""

    page: int
    count: int  # pages
    first: int  # the number of its first message (from 1)
    last: int
    total: int  # messages in the record
    links: list[tuple[int, str, str]]  # (page, link from this page: "" for this one, messages on it)
    prev: str  # the link to the page before ("" on the first)
    next: str  # the link to the page after ("" on the last)


class MessageView(Stamp, Avatar):
    """A transcript message, a prompt's answer or the prompt itself."""

    id: str
    anchor: str
    href: str  # the link to it in the transcript, from the page it is shown on (page and anchor)
    author: str
    name: str
    platform: str  # as readers see it ("X", "the web room")
    text: str
    removed: bool
    kind: str
    url: str | None
    reply_to: str | None  # the anchor of the message it answers, when that is in the transcript
    reply_href: str  # the link to the message it answers ("" when that is not in the transcript)
    reply_author: str
    answers: list[tuple[str, str | None]]  # (prompt label, its section id)
    corrected: bool
    is_host: bool
    links: list[str]  # links it carried that its text does not show
    attachments: list[AttachmentView]
    embeds: list[EmbedView]
    reactions: list[tuple[str, int]]  # (emoji, count)
    edited: str  # when it was last edited, as a clock (21:06; "" when never)
    reply_quote: str  # the start of the message replied to ("" when unknown)
    reply_outside: bool  # it replies to a message this recap does not hold


class PromptView(MessageView):
    label: str
    section: str
    heading: str  # the text without its leading label
    answer_list: list[MessageView]  # empty when the page is written as it is read (``page_view``)
    answer_count: int
    answers_html: Markup  # where the answers' markup goes (``view.answers_mark``)
    answerers: int
    in_transcript: bool
    inferred: bool  # a host's plain question taken for a prompt


class QuestionView(TypedDict):
    number: str
    anchor: str
    author: str
    askers: list[str]
    text: str
    removed: bool
    status: str  # safe as a class name
    status_label: str
    upvotes: int
    asked: Stamp
    answered: Stamp
    answered_by: str
    on_air: Stamp  # when the bot put it to the chat (empty when it did not)
    wait: str
    route: str
    merged_into: str | None  # the anchor of the question it was merged into
    merged_number: str
    position: int | None
    message: str | None  # the link to the asking message in the transcript


class ParticipantView(Avatar):
    order: int
    handle: str
    name: str
    role: str
    first: Stamp
    messages: int
    answers: int
    questions: int


class ItemView(TypedDict):
    """A meeting's minutes item as the page lists it."""

    kind: str  # MeetBot's word: "LINK", "ACTION"...
    text: str
    author: str
    clock: str  # 21:04:40
    iso: str


class MinutesView(TypedDict):
    """A meeting's minutes as MeetBot lists them (``chatbot.recap.minutes``)."""

    before: list[ItemView]  # items before the first topic
    topic_items: list[list[ItemView]]  # each prompt's items, in the prompts' order
    actions: list[str]
    by_person: list[tuple[str, list[str]]]  # nick (or UNASSIGNED) and their action items
    present: list[tuple[str, int]]  # people present and their lines, bots too


class SessionView(TypedDict):
    """Everything the session page shows."""

    slug: str
    title: str
    hashtag: str
    when: str
    start_iso: str
    timezone: str
    offset: str
    hosts: list[str]
    platforms: list[str]
    stats: list[tuple[str, int | str]]
    activity_chart: Markup
    people_chart: Markup
    prompts: list[PromptView]
    questions: list[QuestionView]
    participants: list[ParticipantView]
    messages: list[MessageView]  # every view, for ``session_view`` (empty as pages are written)
    message_count: int
    exports: list[tuple[str, str]]  # (label, href) of the sibling formats
    index_href: str | None
    deleted_note: str  # how many messages were deleted on the platform, and by whom ("" when none)
    usage: list[str]  # what hosting cost on each paid platform, one line each (the footer)
    kind: str  # "chat", "meeting" or "channel" (the export's session.kind)
    channel: str  # the IRC or Discord channel ("" when none)
    topic: str  # the channel's topic ("" when none)
    minutes: MinutesView | None  # a meeting's minutes
    pager: PagerView | None  # a long channel record's pages (None: the transcript is one page)
    transcript: Markup  # where this page's messages go (``view.transcript_mark``)
    up: str  # the way from this page to the recaps folder ("" or "../")
    page_starts: list[list[str]]  # where the pages after the first start (``chatbot.recap.pages``)


class IndexEntry(TypedDict):
    """What the index, the feed and the manifest keep of an export."""

    slug: str
    session: ExportSession
    stats: ExportStats


class ManifestRecord(TypedDict):
    """One session in ``.manifest.json``: the digest of what was written, and its index entry."""

    sha256: str | None  # None: listed but not rendered by this run
    formats: NotRequired[list[str]]
    entry: NotRequired[IndexEntry]  # missing in manifests written before the index kept entries


class IndexRow(TypedDict):
    slug: str
    href: str
    title: str
    hashtag: str
    when: str
    start_iso: str
    hosts: list[str]
    counts: list[str]  # "39 messages", "6 participants", ...


class SearchRecord(TypedDict):
    """One message in ``search-index.js``."""

    slug: str
    id: str
    anchor: str
    page: int  # the page of a long channel record it is on (1: the recap's own page)
    author: str
    name: str
    ts: str
    when: str
    text: str


class FeedEntry(TypedDict):
    id: str  # urn:uuid, stable across renders
    title: str
    updated: str
    published: str
    sort: datetime
    authors: list[str]
    href: str
    json_href: str
    hashtag: str
    summary: str


class FeedHead(TypedDict):
    id: str
    title: str
    updated: str
    author: str
    self: str
    home: str


class FeedView(TypedDict):
    feed: FeedHead
    entries: list[FeedEntry]
