"""The live view's payloads as types: the state snapshot and the events a running session sends.

What ``chatbot.hosting.live.LiveSession`` hands the web app (the live view, the host dashboard,
the room's sidebar, the JSON API), built by ``chatbot.hosting.feed``. Every key is always there;
what may be unknown is ``None``. Times are ISO 8601 strings with an offset, as in the export.
The shapes are a contract (the pages' scripts and API callers read them): extend, never rename.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Status = Literal["scheduled", "live", "paused", "ended"]


class SessionInfo(TypedDict):
    """Which session this is."""

    id: str
    slug: str
    hashtag: str
    title: str
    timezone: str
    hosts: list[str]
    platforms: list[str]


class CurrentPrompt(TypedDict):
    """The prompt posted last."""

    label: str
    text: str
    posted_at: str


class NextPost(TypedDict):
    """The timeline's next post (``kind``: welcome, prompt, reminder, lastcall, closing ...)."""

    key: str
    kind: str
    due: str


class QueueEntry(TypedDict):
    """One question of the queue; ``position`` is its place in line while it waits, else None."""

    number: int
    author: str  # "(removed)" for someone who opted out
    text: str  # "" when its asker opted out
    status: str  # a QuestionStatus value: open, approved, on_air, answered, rejected, merged, routed
    upvotes: int
    position: int | None
    askers: list[str]
    asked_at: str
    aired_at: str | None  # when the bot put it to the chat (on air), else None
    answered_at: str | None


class NewParticipant(TypedDict):
    handle: str
    name: str
    first_seen: str


class HeldPost(TypedDict):
    """A post part that may have gone out before a crash and that the platform's history could not
    settle: held, never sent again blindly, until a host says whether it went out (hosts only:
    the public live view shows none)."""

    key: str  # the ledger key of the part
    platform: str
    text: str
    kind: str
    intended_at: str
    reason: str  # history_budget, unknown_cursor or history_failed


class ArchiveState(TypedDict):
    """Whether the archive takes the session's writes (the dashboard's alert). While it does not
    (``since``, ``reason``: database locked, disk full...), messages wait (``waiting``) in the
    runner's buffer, ``journaled`` to a file beside the database so that none is lost;
    ``refusing``: the buffer is full and new posts are refused until it drains. ``alert``: what
    the dashboard says about it (None while writable)."""

    writable: bool
    since: str | None
    reason: str | None
    waiting: int
    journaled: bool
    refusing: bool
    alert: str | None


#: The archive taking every write (what a state says when nothing is wrong).
WRITABLE: ArchiveState = {
    "writable": True,
    "since": None,
    "reason": None,
    "waiting": 0,
    "journaled": False,
    "refusing": False,
    "alert": None,
}


class LiveState(TypedDict):
    """The snapshot: what the live view and the dashboard show at one instant."""

    session: SessionInfo
    status: Status
    starts_at: str
    ends_at: str
    now: str
    seconds_left: float
    current_prompt: CurrentPrompt | None
    next_post: NextPost | None
    queue: list[QueueEntry]
    questions: int  # every question asked (the public queue shows fewer: not the rejected ones)
    participants: int  # people who said something, hosts too, bots not (as the recap counts)
    new_participants: list[NewParticipant]  # the ten who joined last, newest first
    messages: int  # what was said, the bot's posts too; commands and answers to one person not
    messages_per_minute: float  # over the last minute, the bot's own posts not counted
    recent: list[SaidMessage]  # the latest messages, oldest first (opted-out people's left out)
    held: list[HeldPost]  # posts waiting for a host to say whether they went out, oldest first
    archive: ArchiveState  # whether the archive takes writes (messages waiting while it does not)


class FeedMessage(TypedDict):
    """A message as a ``MessageEvent`` carries it."""

    id: str
    platform: str
    ts: str
    author: str  # the handle
    name: str
    text: str
    reply_to: str | None


class SaidMessage(FeedMessage):
    """A message people (or the bot) said, as the dashboard's stream and the live view show it:
    never a command, never the bot's answer to one person."""

    kind: str  # a Kind value: prompt, answer, question, host, chat, bot
    answers: list[str]  # labels of the prompts it answers ("Q1")
    host: bool  # by a host or the bot


class MessageEvent(TypedDict):
    """A message the session heard (or its bot posted), and what the engine made of it."""

    type: Literal["message"]
    message: FeedMessage
    kind: str  # a Kind value: prompt, answer, question, host, chat, bot, repost, command
    answers: list[str]  # keys of the prompts it answers
    prompt: str | None  # the key of the prompt it posted
    question: int | None  # the queue number it asked (or was merged into)
    flags: list[str]


class PostEvent(TypedDict):
    """One part of a post the bot made, confirmed by its platform."""

    type: Literal["post"]
    key: str  # the ledger key of this part
    post: str  # the post it is part of (``prompt:Q2``, ``reply:web:m1`` ...)
    kind: str
    platform: str
    platform_id: str
    text: str
    reply_to: str | None
    ts: str


class StateEvent(TypedDict):
    """The state, first and whenever the timeline or the queue changed."""

    type: Literal["state"]
    state: LiveState


FeedEvent = MessageEvent | PostEvent | StateEvent
