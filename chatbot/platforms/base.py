"""The one small protocol every platform adapter speaks, and the errors it raises.

An adapter never is the bot: it turns what its platform hears into plain events
(``chatbot.core.events``: ``Message``, ``Edited``, ``Deleted``, ``Reacted``, ``CommandGiven``) and
says what the runner asks. SDK objects never leave the adapter. Each adapter module registers
itself in ``chatbot.platforms.registry`` with its name, settings, limits and capabilities, so
adding Bluesky or Mastodon later means one new module and one line there.

The history cursor contract (every adapter, checked by ``tests/platforms/contract.py``):
``history(after=cursor, limit=n)`` returns the messages strictly after the message ``cursor``
names, oldest first, at most ``n`` (``n <= 0``: none); ``after=None`` means from the oldest
message the platform keeps. A cursor the platform does not know (never seen, or gone from what
it keeps) raises ``UnknownCursor``, never "everything" and never "nothing". Deleted messages
are left out of what it returns, but still serve as cursors while the platform knows them.
The bot's own posts are in the history like everyone's, with ``identity()`` as their author.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

from chatbot.core.events import Event
from chatbot.core.model import Author, Message
from chatbot.core.textfit import Limits
from chatbot.platforms.settings import Section

if TYPE_CHECKING:
    from datetime import datetime

    from chatbot.clock import Clock
    from chatbot.config import Config, SessionConfig

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


PAGE = 100  # messages asked for per history page


class PlatformError(Exception):
    """A platform refused or failed (after the adapter's own retries); the text says which and why."""


class UnknownCursor(PlatformError):
    """``history(after=...)`` named a message the platform does not know (or no longer keeps)."""

    def __init__(self, platform: str, cursor: str) -> None:
        super().__init__(f"{platform}: unknown history cursor {cursor!r}")
        self.platform = platform
        self.cursor = cursor


class PostTooLong(PlatformError):
    """The platform refused a post as too long although its counter said it fits (the platform
    counts differently than we do): the ledger splits it into shorter parts instead of losing it."""


class EphemeralUnsupported(PlatformError):
    """``post(..., to=someone)`` on a platform that cannot show a message to one person only;
    the caller decides whether to answer in public instead (``supports_ephemeral`` tells first)."""


@runtime_checkable
class Platform(Protocol):
    """A place a chat happens, as one session's runner sees it.

    Capabilities are plain attributes, so the runner asks instead of guessing by name.
    """

    name: str  # the registry name: "web", "x", "discord"
    post_limits: Limits  # what one post may hold, and the counter the platform measures it with
    max_length: int  # post_limits.max_length
    supports_threads: bool  # can a long post continue as replies to itself
    supports_reactions: bool  # does events() yield Reacted
    supports_edits: bool  # does events() yield Edited
    supports_deletions: bool  # does events() yield Deleted
    supports_ephemeral: bool  # can post(..., to=author) show a message to that person only
    supports_commands: bool  # does events() yield CommandGiven (slash commands, buttons)
    echoes_own_posts: bool  # does events() yield the bot's own posts back
    vote_emoji: str  # the reaction that counts as a vote for a queued question ("" when none)
    history_budget: int  # at most this many messages read from history per catch-up or lookup

    async def start(self) -> None:
        """Connect; after this, ``events()`` yields what the platform hears."""

    async def stop(self) -> None:
        """Disconnect cleanly; safe to call twice. ``events()`` ends after it."""

    def events(self) -> AsyncIterator[Event]:
        """What the platform hears, in the order it heard it, until stopped. An iterator that
        raises may be asked again with a new ``events()`` call: it resumes live (what was said
        in between is for the caller to fetch with ``history``)."""

    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        """Say ``text`` (optionally in reply to a message); returns the platform's id for it.
        ``to``: an ephemeral reply only that person sees (not kept in the history); raises
        ``EphemeralUnsupported`` where the platform cannot."""

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        """Messages strictly after ``after`` (None: from the oldest kept), oldest first, at most
        ``limit``; ``UnknownCursor`` for a cursor the platform does not know (module docstring)."""

    async def identity(self) -> Author:
        """Who the bot is on this platform."""


@runtime_checkable
class CountsVotes(Protocol):
    """A platform that tells vote counts only when asked (X's likes, read in batches, each read
    paid): the runner names the messages whose votes matter (the pending questions heard there,
    again after a restart) and the adapter yields ``Tallied`` events for them at its own pace."""

    def watch_votes(self, message_ids: Collection[str]) -> None: ...


@runtime_checkable
class ReadsLate(Protocol):
    """A platform whose reading shows a message only ``settle_seconds`` after it was made (X's
    recent search reads what X has indexed): the session's last read, after the closing, waits
    that long past the end of the chat's window (``chatbot.hosting.session``)."""

    @property
    def settle_seconds(self) -> float: ...


@runtime_checkable
class FollowsSession(Protocol):
    """A platform that shows the session itself (Discord: a scheduled event members mark
    themselves interested in): the runner tells it the session's status (``scheduled``, ``live``,
    ``paused``, ``ended``) and times whenever they may have changed. Cheap, never waiting: the
    adapter applies it in the background and finishes before ``stop`` returns."""

    def follow_session(self, status: str, starts_at: datetime, ends_at: datetime) -> None: ...


async def read_history(
    platform: Platform, after: str | None, *, budget: int | None = None
) -> AsyncGenerator[list[Message], None]:
    """The platform's history after ``after``, page by page (oldest first), reading at most
    ``budget`` messages (the platform's ``history_budget`` by default): every read may cost
    money. A caller that got ``budget`` messages stopped at the budget, not at the end."""
    left = platform.history_budget if budget is None else budget
    while left > 0:
        asked = min(PAGE, left)
        page = await platform.history(after=after, limit=asked)
        if page:
            yield page
        left -= len(page)
        if len(page) < asked:
            return
        after = page[-1].id


@dataclass(frozen=True)
class Description:
    """What the archive and the recaps know of a platform, hosted or only imported: its name,
    the title shown to readers (``"X"``, ``"the web room"``) and its post limits."""

    name: str
    title: str
    post_limits: Limits


class Factory(Protocol[S_contra]):
    """Makes one session's adapter from the platform's validated settings."""

    def __call__(
        self, settings: S_contra, config: Config, session: SessionConfig, *, clock: Clock | None
    ) -> Platform: ...


@dataclass(frozen=True)
class Adapter(Generic[S]):
    """A platform the bot can host on, as its module declares it for the registry.

    ``keys`` are what its ``[platforms.<name>]`` table may hold; ``load(section, env)`` checks
    that table into the adapter's frozen settings (secrets come from ``env``, the environment),
    raising through ``section.fail`` so errors name the key; ``make`` builds a session's adapter.
    """

    description: Description
    keys: Collection[str]
    load: Callable[[Section, Mapping[str, str]], S]
    make: Factory[S]
    served_by_web_app: bool = False  # its people reach it through our web app (the web room)

    @property
    def name(self) -> str:
        return self.description.name
