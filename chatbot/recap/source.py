"""A session's export as the renderers read it: the small parts whole, the big ones as streams.

A chat of 100,000 messages makes an ``Export`` of several hundred MB once every message is a
dict. ``Recap`` keeps what is small (session, stats, prompts, questions, participants: ``head``,
an ``Export`` whose ``messages`` and prompts' ``answers`` are empty) and hands out the messages
and each prompt's answers as streams that can be read again, straight from the archive
(``chatbot.recap.export.recap_of``) or from an export already in memory (``Recap.of``). The pages,
the JSON and Markdown files and the search records each read them in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chatbot.recap import Anchors, html_id
from chatbot.recap.types import Export, ExportAnswer, ExportMessage, ExportPrompt

#: A message of the transcript, the places of the prompts it answers, its time (``Recap.read_placed``).
Placed = tuple[ExportMessage, tuple[int, ...], datetime | None]


@dataclass(frozen=True)
class Linked:
    """What the pages link to in the transcript, known before it is read: the first message of
    each id that a message replies to or a prompt or question names (``messages``), the place in
    the transcript (from 0) of the first message of those ids and of every id that repeats
    (``places``), and the anchors of the ids whose first anchor is not the plain ``m-<id>``."""

    messages: Mapping[str, ExportMessage] = field(default_factory=dict)
    places: Mapping[str, int] = field(default_factory=dict)
    anchors: Mapping[str, str] = field(default_factory=dict)
    repeats: bool = False  # some id is had by more than one message


def link_places(ids: Iterable[str], wanted: Collection[str]) -> tuple[dict[str, int], dict[str, str], bool]:
    """``Linked.places``, ``Linked.anchors`` and ``Linked.repeats`` from the transcript's ids in order."""
    order = list(ids)
    first: dict[str, int] = {}
    for i, mid in enumerate(order):
        first.setdefault(mid, i)
    places = {mid: first[mid] for mid in wanted if mid in first}
    anchors: dict[str, str] = {}
    repeats = len(first) < len(order)
    if repeats:  # an id repeats: anchors past the first are numbered
        counts: dict[str, int] = {}
        for mid in order:
            counts[mid] = counts.get(mid, 0) + 1
        places.update((mid, first[mid]) for mid, n in counts.items() if n > 1)
        anchor_of = Anchors()
        for mid in order:
            if (anchor := anchor_of(mid)) != html_id(mid, "m-"):
                anchors.setdefault(mid, anchor)
    return places, anchors, repeats


@dataclass(frozen=True)
class Recap:
    head: Export  # ``messages`` and every prompt's ``answers`` left empty
    message_count: int
    read_messages: Callable[[], Iterator[ExportMessage]]
    read_answers: Callable[[int], Iterator[ExportAnswer]]  # by the prompt's place in ``head``
    # The export's own copies of the messages' files (absolute paths, never published), by
    # (message id, the file's url in the export): what the page may show inline (``recap.media``).
    media: Mapping[tuple[str, str], str] = field(default_factory=dict)
    linked: Linked = field(default_factory=Linked)
    # Each message of the transcript with the places (in ``head``'s prompts) of the prompts that
    # list it as an answer, its answer made of its own fields (``answer_of``), and its time (``ts``
    # read, in the chat's zone): the recap's files are then written in one pass over the
    # transcript. None: the answers are read apart.
    read_placed: Callable[[], Iterator[Placed]] | None = None

    @classmethod
    def of(cls, export: Export, media: Mapping[tuple[str, str], str] | None = None) -> Recap:
        """An export already in memory, read as a ``Recap`` (``media``: its files' local copies)."""
        messages = list(export.get("messages") or ())
        answers = [list(p.get("answers") or ()) for p in export.get("prompts") or ()]
        head: Export = {
            **export,
            "prompts": [_answered(p, []) for p in export.get("prompts") or ()],
            "messages": [],
        }
        wanted = {str(m.get("id")) for m in messages}  # in memory: every message can be linked to
        places, anchors, repeats = link_places((str(m.get("id")) for m in messages), wanted)
        first: dict[str, ExportMessage] = {}
        for m in messages:
            first.setdefault(str(m.get("id")), m)
        return cls(
            head,
            len(messages),
            lambda: iter(messages),
            lambda i: iter(answers[i]),
            dict(media or {}),
            Linked(first, places, anchors, repeats),
        )

    def messages(self) -> Iterator[ExportMessage]:
        """The transcript, in time order."""
        return self.read_messages()

    def answers(self, prompt: int) -> Iterator[ExportAnswer]:
        """The answers to the ``prompt``-th prompt of ``head``, in time order."""
        return self.read_answers(prompt)

    def export(self) -> Export:
        """Everything in memory: the export as ``build_export`` returns it."""
        prompts = [_answered(p, list(self.answers(i))) for i, p in enumerate(self.head["prompts"])]
        return {**self.head, "prompts": prompts, "messages": list(self.messages())}


def answer_of(m: ExportMessage) -> ExportAnswer:
    """A message of the transcript as a prompt's answer lists it."""
    return {
        "message_id": m["id"],
        "author": m["author"],
        "name": m["name"],
        "text": m["text"],
        "ts": m["ts"],
        "url": m["url"],
        "platform": m["platform"],
        "removed": m["removed"],
    }


def _answered(prompt: ExportPrompt, answers: list[ExportAnswer]) -> ExportPrompt:
    with_answers = prompt.copy()
    with_answers["answers"] = answers
    return with_answers
