"""Looking for an unconfirmed post in a platform's history, with three answers.

A post may have gone out just before a crash, before its platform id was recorded. Whether it did
is read from the platform's history after the cursor noted when it was intended: ``Found`` (the
bot's own message with that text, which no other ledger row claims), ``Absent`` (the history was
read to its end and it is not there: sending it posts it once) or ``Unknown`` (the history could
not say: the adapter's read budget ran out first, or the platform no longer knows the cursor).
Only ``Absent`` allows sending; ``Unknown`` is for a host to decide.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from contextlib import aclosing
from dataclasses import dataclass
from typing import Literal

from chatbot.core.engine import handle_key
from chatbot.core.model import Author, Message
from chatbot.core.textfit import url_spans
from chatbot.platforms.base import Platform, UnknownCursor, read_history

#: why the history could not say: the read budget ran out, the platform forgot the cursor, or
#: reading it failed again and again (``chatbot.hosting.ledger``)
Reason = Literal["history_budget", "unknown_cursor", "history_failed"]


@dataclass(frozen=True)
class Found:
    """The post is there: ``message`` is the bot's message as the platform keeps it."""

    message: Message


@dataclass(frozen=True)
class Absent:
    """The history after the cursor was read to its end (``read`` messages) without the post."""

    read: int


@dataclass(frozen=True)
class Unknown:
    """The history could not say whether the post went out."""

    reason: Reason
    read: int = 0  # messages read before giving up
    detail: str = ""


Lookup = Found | Absent | Unknown


def same_text(posted: str, intended: str) -> bool:
    """Whether a platform's copy of a post is the text we sent (platforms rewrite links
    and escape ``&``; whitespace may change)."""

    def norm(text: str) -> str:
        text = html.unescape(text)
        for start, end in reversed(url_spans(text)):
            text = f"{text[:start]}<url>{text[end:]}"
        return " ".join(text.split()).casefold()

    return posted == intended or norm(posted) == norm(intended)


def same_author(a: Author, b: Author) -> bool:
    return a.id == b.id or (bool(a.handle) and handle_key(a.handle) == handle_key(b.handle))


async def find_post(
    platform: Platform, text: str, after: str | None, me: Author, claimed: Collection[str]
) -> Lookup:
    """``me``'s message with ``text`` on ``platform`` after the cursor ``after``, whose id is not
    ``claimed`` by another post; read up to the platform's history budget. A failure to read
    (other than an unknown cursor) is raised: the caller decides whether to look again."""

    def ours(m: Message) -> bool:
        return same_author(m.author, me) and m.id not in claimed and same_text(m.text, text)

    read = 0
    try:
        async with aclosing(read_history(platform, after)) as pages:
            async for page in pages:
                read += len(page)
                found = next((m for m in page if ours(m)), None)
                if found is not None:
                    return Found(found)
    except UnknownCursor as e:
        return Unknown("unknown_cursor", read, str(e))
    if read >= platform.history_budget:  # every read may cost money: this is as far as we look
        return Unknown("history_budget", read)
    return Absent(read)
