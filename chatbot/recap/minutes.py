"""A meeting's minutes as MeetBot lists them, read from the export (one source for the Markdown
and the HTML recap): items per topic, action items, action items by person, people present."""

from __future__ import annotations

from chatbot.core import meeting
from chatbot.recap.types import Export, ExportItem

#: How each item kind is named in the minutes (MeetBot's words).
ITEM_NAMES = {
    "action": "ACTION",
    "agreed": "AGREED",
    "info": "INFO",
    "idea": "IDEA",
    "help": "HELP",
    "link": "LINK",
}
UNASSIGNED = "UNASSIGNED"


def is_meeting(export: Export) -> bool:
    session = export["session"]
    return session.get("kind") == "meeting" or session.get("style") == "meeting"


def items_under(export: Export) -> dict[str | None, list[ExportItem]]:
    """The items under each prompt's label (None: before the first topic)."""
    out: dict[str | None, list[ExportItem]] = {}
    for item in export.get("items") or ():
        out.setdefault(item.get("prompt"), []).append(item)
    return out


def actions(export: Export) -> list[ExportItem]:
    return [i for i in export.get("items") or () if i.get("kind") == "action"]


def people_present(export: Export) -> list[tuple[str, int]]:
    """Everyone who said something (bots too, as MeetBot counts them) and the chairs who did not,
    most lines first."""
    people = [(p["handle"], p["messages"]) for p in export.get("participants") or () if p.get("handle")]
    named = {h.casefold() for h, _ in people}
    people += [(h, 0) for h in export["session"].get("hosts") or () if h.casefold() not in named]
    return sorted(people, key=lambda p: (-p[1], p[0].casefold()))


def by_person(export: Export) -> list[tuple[str, list[str]]]:
    """Each person's action items (named in the text), then the unassigned ones, as MeetBot does."""
    todo = [i["text"] for i in actions(export)]
    nicks = sorted((h for h, _ in people_present(export)), key=str.casefold)
    out: list[tuple[str, list[str]]] = []
    assigned: set[int] = set()
    for nick in nicks:
        mine = [n for n, text in enumerate(todo) if meeting.owners(text, [nick])]
        if mine:
            out.append((nick, [todo[n] for n in mine]))
            assigned.update(mine)
    rest = [text for n, text in enumerate(todo) if n not in assigned]
    if rest:
        out.append((UNASSIGNED, rest))
    return out


def figures(export: Export) -> list[tuple[str, int]]:
    """What a meeting's page counts: topics, items, actions, people, lines."""
    people = [p for p in export.get("participants") or () if p.get("role") != "bot" and p["messages"]]
    return [
        ("Topics", len(export.get("prompts") or ())),
        ("Items", len(export.get("items") or ())),
        ("Action items", len(actions(export))),
        ("People", len(people)),
        ("Lines", export["stats"].get("messages", 0)),
    ]


def item_line(item: ExportItem) -> str:
    """``LINK: https://...`` (the text as said)."""
    return f"{ITEM_NAMES.get(str(item.get('kind')), str(item.get('kind')).upper())}: {item.get('text') or ''}"
