"""Plain data shared by every layer: what a platform heard, and what a chat is made of.

Which platforms there are (names, titles, limits) is for the registry to say:
``chatbot.platforms.registry`` (``REGISTRY.names``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What a message is within its session (the JSON export's ``kind``)."""

    PROMPT = "prompt"
    ANSWER = "answer"
    QUESTION = "question"
    HOST = "host"
    CHAT = "chat"
    BOT = "bot"
    REPOST = "repost"
    COMMAND = "command"


class QuestionStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    ON_AIR = "on_air"  # put to the chat (the bot posted it): no longer waiting, not answered yet
    ANSWERED = "answered"
    REJECTED = "rejected"
    MERGED = "merged"
    ROUTED = "routed"


# A code point in the surrogate range left alone in a str: what a JSON "\ud800" escape decodes to.
# It cannot be written as UTF-8 (SQLite, files, sockets), so it never gets past the model.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the rest untouched)."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


@dataclass(frozen=True)
class Author:
    """Who wrote a message. ``id`` is stable on the platform; ``handle`` keeps its platform form
    (``@jane`` on X, ``jane#1234`` or ``jane`` on Discord, the nick on IRC). ``is_host``: the
    platform vouches that this person hosts there (a Discord member with the hosts' role or the
    Manage Events permission), besides the session's hosts by handle."""

    id: str
    handle: str
    name: str = ""
    is_bot: bool = False
    is_host: bool = False

    def __post_init__(self) -> None:
        for name in ("id", "handle", "name"):
            value = getattr(self, name)
            if isinstance(value, str) and (clean := well_formed(value)) is not value:
                object.__setattr__(self, name, clean)

    @property
    def display(self) -> str:
        return self.name or self.handle


@dataclass(frozen=True)
class Attachment:
    """A file a message carried (Discord attachments, X media): name, size in bytes, address."""

    filename: str
    url: str = ""
    size: int | None = None
    content_type: str = ""
    # The export's own copy of the file (DiscordChatExporter ``--media``): an absolute path, checked
    # when imported to lie inside the export's folder ("" when there is none). Never published.
    local: str = ""


@dataclass(frozen=True)
class Embed:
    """A page or card a message embedded (Discord's link previews, a bot's rich embeds): its
    address (an http(s) URL, or "" when it has none), title and description, as the platform gave them."""

    url: str = ""
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class Reaction:
    """One emoji on a message and how many reacted with it."""

    emoji: str
    count: int = 1


@dataclass(frozen=True)
class Message:
    """One message as a platform (or a recorded file) delivered it, normalized.

    ``ts`` is always timezone-aware. ``reply_to`` and ``quote_of`` are platform message ids.
    ``is_repost`` marks pure reposts (retweets), which never answer or ask anything.
    """

    id: str
    platform: str
    ts: datetime
    author: Author
    text: str
    reply_to: str | None = None
    quote_of: str | None = None
    is_repost: bool = False
    likes: int = 0
    url: str | None = None
    channel: str = ""
    is_action: bool = False  # IRC "/me" lines
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    edited_at: datetime | None = None
    deleted_at: datetime | None = None  # deleted on the platform (by its author or a moderator)
    embeds: tuple[Embed, ...] = ()

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None or self.ts.utcoffset() is None:
            raise ValueError(f"message {self.id}: timestamp {self.ts.isoformat()} has no time zone")
        if not self.id:
            raise ValueError("message without an id")
        if (clean := well_formed(self.text)) is not self.text:  # one bad frame must not stop a chat
            object.__setattr__(self, "text", clean)


@dataclass(frozen=True)
class PromptSpec:
    """A prompt the host planned: ``label`` like ``Q1`` or ``T2a``; ``at`` is either an
    absolute aware datetime or None (then ``offset_minutes`` from the start applies)."""

    label: str
    text: str
    at: datetime | None = None
    offset_minutes: float | None = None


@dataclass(frozen=True)
class SessionSpec:
    """What a host scheduled (or what an importer inferred)."""

    id: str
    hashtag: str
    title: str
    start: datetime
    timezone: str
    duration_minutes: float = 60.0
    hosts: tuple[str, ...] = ()  # handles, compared case-insensitively
    prompts: tuple[PromptSpec, ...] = ()
    platforms: tuple[str, ...] = ("web",)
    question_tag: str = "#ask"
    style: str = "Q"  # "Q" (Q1/A1), "T" (topics T1/T2a) or "meeting" (MeetBot #topic)
    max_open_questions_per_participant: int = 3
    optouts: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
