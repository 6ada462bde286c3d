"""What a platform adapter hears, as plain data: the events of the ``Platform`` protocol.

A message is the common case; real platforms also tell of edits, deletions, reactions (votes)
and commands given through the platform's own interface (Discord slash commands, the web room's
buttons). Adapters turn their SDK's objects into these and nothing else leaves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.core.model import Author, Embed, Message, well_formed


@dataclass(frozen=True)
class Edited:
    """A message was edited: ``text`` is its new text (None: unchanged), ``embeds`` when not None
    the pages and cards it embeds now (Discord adds a link's preview in an update after the
    message, without editing its text: then ``text`` is None)."""

    platform: str
    message_id: str
    text: str | None
    at: datetime
    by: Author | None = None
    embeds: tuple[Embed, ...] | None = None

    def __post_init__(self) -> None:
        if self.text is not None:
            object.__setattr__(self, "text", well_formed(self.text))


@dataclass(frozen=True)
class Deleted:
    """A message was deleted on the platform; ``by_author`` when its author did it."""

    platform: str
    message_id: str
    at: datetime
    by_author: bool = True


@dataclass(frozen=True)
class Reacted:
    """Someone added (``added``) or removed a reaction ``emoji`` on a message."""

    platform: str
    message_id: str
    emoji: str
    by: Author
    at: datetime
    added: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "message_id", well_formed(self.message_id))
        object.__setattr__(self, "emoji", well_formed(self.emoji))


@dataclass(frozen=True)
class Tallied:
    """How many reacted with ``emoji`` on a message, as a platform that gives only totals tells it
    (X's like count): the count now, replacing whatever was known."""

    platform: str
    message_id: str
    emoji: str
    count: int
    at: datetime


@dataclass(frozen=True)
class CommandGiven:
    """A command given through the platform's own interface (not typed as chat text):
    ``name`` and ``args`` as the core's command table knows them; ``reply_token`` lets the
    adapter answer the actor alone (an interaction id, a websocket connection)."""

    platform: str
    name: str
    args: tuple[str, ...]
    actor: Author
    at: datetime
    reply_token: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", well_formed(self.name))
        object.__setattr__(self, "args", tuple(well_formed(a) for a in self.args))


Event = Message | Edited | Deleted | Reacted | Tallied | CommandGiven
"""Everything ``Platform.events()`` yields."""
