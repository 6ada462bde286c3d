"""What every importer returns, and the errors it raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo

from chatbot.core.model import Message

#: Where a streamed import hands its messages, a batch at a time (each with its line in the file);
#: it answers with the ones it left out as duplicates: (line, message id, the first one's line).
Sink = Callable[[list[tuple[int | None, Message]]], list[tuple[int | None, str, int | None]]]


class ImportFailed(Exception):
    """The file cannot be imported at all (unknown format, unreadable, nothing valid in it).

    The message is one line a user can act on, naming the file and, where known, the line.
    """


@dataclass
class Hints:
    """What a file says about the chat besides its messages (all optional)."""

    hashtag: str | None = None  # e.g. from a TAGS query row "#PSTweetChat lang:en"
    title: str | None = None  # e.g. a MeetBot #startmeeting title, a Discord channel name
    hosts: tuple[str, ...] = ()  # handles known to chair/host (MeetBot #startmeeting + #chair)
    style: str | None = None  # "meeting" for MeetBot logs
    channel: str | None = None
    topic: str | None = None  # a Discord channel's topic


@dataclass
class ImportResult:
    format: str  # "jsonl", "x-v2", "x-v1", "dce-json", "dce-csv", "tags-csv", "meetbot", ...
    messages: list[Message] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "FILE:LINE: what was wrong; what we did"
    hints: Hints = field(default_factory=Hints)
    assumed_timezone: tzinfo | None = None  # set when local times without offset were read
    read: int = 0  # messages read (streamed: handed to the sink, not kept in ``messages``)
    skipped: int = 0  # records left out as unreadable (each with a warning naming its line)
    sha256: str | None = None  # of the file's bytes, when reading it worked that out anyway
