"""The recap JSON export as typed payloads (DESIGN.md "Recap JSON export"), one ``TypedDict`` per
object, as discord.py types its API payloads. ``build_export`` returns an ``Export``; every page,
feed and API answer reads one. ``NotRequired`` keys appear only where known (the transcript's
attachments, reactions and edits; deleted messages when asked for; a session's kind and channel).

Times are ISO 8601 strings with the chat's offset, except a question's ``history``, whose ``at``
is stored UTC. Keys are only ever added: readers of older exports must tolerate missing ones.
"""

# No ``from __future__ import annotations`` here: on Python 3.11 string annotations hide
# ``NotRequired`` from ``__required_keys__`` / ``__optional_keys__``, which tests and readers use.
from typing import Literal, NotRequired, TypedDict

#: A message's kind in its session (``chatbot.core.model.Kind``).
MessageKind = Literal["prompt", "answer", "question", "host", "chat", "bot", "repost", "command"]
#: A question's status (``chatbot.core.model.QuestionStatus``).
QuestionStatus = Literal["open", "approved", "on_air", "answered", "rejected", "merged", "routed"]
#: A participant's role: the chat's host, anyone else, or an author the platform marks as a bot.
Role = Literal["host", "participant", "bot"]
#: What a session was: a hashtag chat, a meeting, or a stretch of a channel's talk.
SessionKind = Literal["chat", "meeting", "channel"]
#: What a meeting item records.
ItemKind = Literal["action", "agreed", "info", "idea", "help", "link"]


class ExportSession(TypedDict):
    id: str
    slug: str
    hashtag: str
    title: str
    platforms: list[str]
    platform: str  # the first of ``platforms`` ("web" when none)
    started_at: str
    ended_at: str | None
    timezone: str  # IANA name
    hosts: list[str]
    style: str
    status: str
    kind: NotRequired[SessionKind]
    channel: NotRequired[str]
    topic: NotRequired[str]  # the channel's topic, where it has one


class ExportStats(TypedDict):
    messages: int  # the messages listed, reposts among them (``reposts`` counts those)
    participants: int  # those with at least one message
    prompts: int
    answers: int
    questions: int
    questions_answered: int
    median_minutes_to_answer: float | None
    reposts: int
    deleted: NotRequired[int]  # messages deleted on the platform, left out (only when some were)
    deleted_by_author: NotRequired[int]  # of those, deleted by their own authors


class ExportAnswer(TypedDict):
    """A message answering a prompt, as listed under the prompt."""

    message_id: str
    author: str
    name: str
    text: str
    ts: str
    url: str | None
    platform: str
    removed: bool


class ExportPrompt(TypedDict):
    label: str  # "Q1"
    key: str
    text: str
    posted_at: str
    author: str
    message_id: str | None  # the prompt's own message, when it is in the transcript
    url: str | None
    answers: list[ExportAnswer]
    inferred: NotRequired[bool]  # a host's plain question taken for a prompt (the chat numbered none)


class ExportStatusChange(TypedDict):
    """One step of a question's history (``at`` in UTC, as stored)."""

    status: QuestionStatus
    by: str
    at: str
    note: str


class ExportQuestion(TypedDict):
    id: int  # the question's number
    number: int
    author: str
    text: str
    asked_at: str
    status: QuestionStatus
    upvotes: int
    answered_at: str | None
    answered_by: str | None
    minutes_to_answer: float | None
    route: str | None
    merged_into: int | None
    askers: list[str]
    position: int | None  # place in the queue while open or approved
    message_id: str | None
    removed: bool
    history: list[ExportStatusChange]
    deleted: NotRequired[bool]  # the asking message was deleted on the platform (only when asked)
    on_air_at: NotRequired[str]  # when the bot put it to the chat (only for a question it did)


class ExportParticipant(TypedDict):
    handle: str
    name: str
    platform: str
    role: Role
    first_seen: str
    messages: int
    answers: int
    questions: int
    reposts: int


class ExportAttachment(TypedDict):
    filename: str
    url: str
    size: int | None
    content_type: NotRequired[str]


class ExportEmbed(TypedDict):
    """A page or card the message embedded (a link preview, a bot's card)."""

    url: str  # an http(s) address ("" when it has none)
    title: str
    description: str


class ExportReaction(TypedDict):
    emoji: str  # a custom emoji as ``:name:``
    count: int


class ExportMessage(TypedDict):
    id: str
    ts: str
    author: str
    name: str
    platform: str
    text: str
    kind: MessageKind
    answers_prompts: list[str]  # prompt labels
    url: str | None
    removed: bool  # hidden or its author opted out: no text, name or handle
    reply_to: NotRequired[str | None]
    links: NotRequired[list[str]]  # the links it carried (expanded; a file's Link(s) column)
    attachments: NotRequired[list[ExportAttachment]]
    embeds: NotRequired[list[ExportEmbed]]  # only when it embedded any
    reactions: NotRequired[list[ExportReaction]]
    edited_at: NotRequired[str | None]
    corrected: NotRequired[bool]  # a host changed which prompts it answers
    deleted: NotRequired[bool]  # deleted on the platform (only when asked for)
    deleted_at: NotRequired[str]


class ExportItem(TypedDict):
    """A meeting's recorded item (an action, a decision, a link...)."""

    kind: ItemKind
    text: str
    author: str
    ts: str
    prompt: str | None  # the label of the prompt it came under


class ExportUsageEndpoint(TypedDict):
    """One endpoint's use: requests, the units they returned or made, their estimated cost."""

    endpoint: str
    unit: str  # "post read", "post created", "user read"
    requests: int
    units: int
    cost_usd: float


class ExportUsage(TypedDict):
    """What hosting the session cost on one platform whose API is paid (X): every request, what
    the requests read and posted, and the estimate at the prices the host configured."""

    platform: str
    requests: int
    reads: int  # posts read
    posts: int  # posts created
    cost_usd: float
    endpoints: list[ExportUsageEndpoint]


class Export(TypedDict):
    """One session's recap export (``recap --format json``, ``GET /api/sessions/<id>``)."""

    schema: int
    session: ExportSession
    stats: ExportStats
    prompts: list[ExportPrompt]
    questions: list[ExportQuestion]
    participants: list[ExportParticipant]
    messages: list[ExportMessage]
    items: NotRequired[list[ExportItem]]
    usage: NotRequired[list[ExportUsage]]  # hosted on a platform whose API is paid
