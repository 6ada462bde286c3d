"""A session's export as the renderers read it: the small parts whole, the big ones as streams.

A chat of 100,000 messages makes an ``Export`` of several hundred MB once every message is a
dict. ``Recap`` keeps what is small (session, stats, prompts, questions, participants: ``head``,
an ``Export`` whose ``messages`` and prompts' ``answers`` are empty) and hands out the messages
and each prompt's answers as streams that can be read again, straight from the archive
(``chatbot.recap.export.recap_of``) or from an export already in memory (``Recap.of``). The pages,
the JSON and Markdown files and the search records each read them in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chatbot.recap.types import Export, ExportAnswer, ExportMessage, ExportPrompt


@dataclass(frozen=True)
class Recap:
    head: Export  # ``messages`` and every prompt's ``answers`` left empty
    message_count: int
    read_messages: Callable[[], Iterator[ExportMessage]]
    read_answers: Callable[[int], Iterator[ExportAnswer]]  # by the prompt's place in ``head``

    @classmethod
    def of(cls, export: Export) -> Recap:
        """An export already in memory, read as a ``Recap``."""
        messages = list(export.get("messages") or ())
        answers = [list(p.get("answers") or ()) for p in export.get("prompts") or ()]
        head: Export = {
            **export,
            "prompts": [_answered(p, []) for p in export.get("prompts") or ()],
            "messages": [],
        }
        return cls(head, len(messages), lambda: iter(messages), lambda i: iter(answers[i]))

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


def _answered(prompt: ExportPrompt, answers: list[ExportAnswer]) -> ExportPrompt:
    with_answers = prompt.copy()
    with_answers["answers"] = answers
    return with_answers
