"""MeetBot's commands as MeetBot reads them (``meeting.py`` of MeetBot 0.1.4 and its forks).

A line whose first word is ``#verb`` is a command. ``#topic``, ``#chair``, ``#unchair``,
``#agreed``, ``#undo``, ``#endmeeting`` and ``#meetingname`` count only from a chair (the one who
started the meeting, and whoever a chair names with ``#chair``); ``#action``, ``#info``,
``#idea``, ``#help`` (``#halp`` in Fedora's zodbot), ``#link`` and a line that *starts* with a
URL are minutes items from anyone. Every other MeetBot command (``#startmeeting``, ``#save``, ...)
is a command too: never an answer to a topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Item verbs and the item kind each records (the JSON export's ``items[].kind``).
ITEMS = {
    "action": "action",
    "agreed": "agreed",
    "agree": "agreed",
    "info": "info",
    "idea": "idea",
    "help": "help",
    "halp": "help",
    "link": "link",
}
#: What only a chair may do (an item among them: a decision).
CHAIR_ONLY = frozenset(
    {"topic", "chair", "unchair", "agreed", "agree", "undo", "endmeeting", "meetingname", "meetingtopic"}
)
#: MeetBot's commands that are no item (never an answer either).
CONTROLS = frozenset(
    {
        "startmeeting",
        "endmeeting",
        "topic",
        "meetingtopic",
        "chair",
        "unchair",
        "undo",
        "meetingname",
        "save",
        "restrictlogs",
        "lurk",
        "unlurk",
        "commands",
        "nick",
        "accepted",
        "accept",
        "rejected",
        "reject",
    }
)
_COMMAND = re.compile(r"#(\w+)\b[\s:]*(.*)$", re.S)
_URL = re.compile(r"(?:https?|ftp|irc|ircs|svn|git|ssh)://\S", re.I)


@dataclass(frozen=True)
class Said:
    """A MeetBot command: its verb (lower case), what follows it, and the item it records."""

    verb: str
    text: str
    item: str | None = None  # "action", "agreed", "info", "idea", "help", "link"

    @property
    def chair_only(self) -> bool:
        return self.verb in CHAIR_ONLY


def read(text: str) -> Said | None:
    """The MeetBot command a line gives, if any (a line starting with a URL is a link item)."""
    line = text.strip()
    m = _COMMAND.match(line)
    if m:
        verb = m[1].lower()
        if verb in ITEMS or verb in CONTROLS:
            return Said(verb, (m[2] or "").strip(), ITEMS.get(verb))
        return None
    if _URL.match(line):
        return Said("link", line, "link")
    return None


def names(text: str) -> list[str]:
    """The nicks a ``#chair`` or ``#unchair`` names (spaces or commas between them)."""
    return [n for n in re.split(r"[\s,]+", text) if n]


def owners(action: str, people: list[str]) -> list[str]:
    """Whom an action item is for, as MeetBot's "Action items, by person" finds them: each person
    present whose nick the text names as a word (without case)."""
    found = []
    for nick in people:
        pattern = rf"(?<![\w\-\[\]\\`^{{}}|]){re.escape(nick)}(?![\w\-\[\]\\`^{{}}|])"
        if re.search(pattern, action, re.I):
            found.append(nick)
    return found
