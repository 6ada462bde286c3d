"""The JSON export's text: indented where it helps a reader, one line per item elsewhere.

``json.dumps(indent=2)`` runs Python's own encoder and spreads each message over twenty lines.
Here the envelope is indented and every item of a list (a message, an answer, a participant) is
one compact line written by orjson (twenty times the standard library's C encoder; text it cannot
carry, a lone surrogate, goes through the standard library's, kept as a JSON escape): the same JSON
value, readable, and a diff shows which message changed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import orjson

from chatbot.recap.source import Recap
from chatbot.recap.types import ExportPrompt

if TYPE_CHECKING:
    from chatbot.recap.onepass import Written

_slow = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_line(value: object) -> bytes:
    """``value`` as one compact line of JSON, UTF-8 (stray surrogates as JSON escapes)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # a lone surrogate in user text (or a value orjson does not take)
        return _slow(value).encode("utf-8", "backslashreplace")


def _encode(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _slow(value)


#: Inside a list, an object is spread over lines when it holds a list under one of these keys
#: (a prompt and its answers); any other is one line, its attachments and reactions included.
SPREAD = frozenset({"answers"})


def json_chunks(value: object, indent: str = "") -> Iterator[str]:
    """``value`` as JSON text, a piece at a time (joined, they parse back to ``value``)."""
    if isinstance(value, Mapping) and (not indent or _holds_rows(value)):
        if not value:
            yield "{}"
            return
        inner = indent + "  "
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield f"{',' if i else ''}\n{inner}{_encode(key)}: "
            yield from json_chunks(item, inner)
        yield f"\n{indent}}}"
    elif isinstance(value, list) and value and _rows(value):
        inner = indent + "  "
        yield "["
        for i, item in enumerate(value):
            yield f"{',' if i else ''}\n{inner}"
            yield from json_chunks(item, inner)
        yield f"\n{indent}]"
    else:
        yield _encode(value)


def _rows(items: Sequence[object]) -> bool:
    return isinstance(items[0], Mapping)


def _holds_rows(value: Mapping[str, object]) -> bool:
    """An object worth spreading over lines: it holds a list of objects under a ``SPREAD`` key."""
    return any(isinstance(v := value.get(key), list) and v and _rows(v) for key in SPREAD)


def json_text(value: object) -> str:
    """``value`` as the export file's JSON text (ending with a new line)."""
    return "".join(json_chunks(value)) + "\n"


def json_bytes(value: object) -> bytes:
    """``json_text`` as UTF-8; stray surrogates in user text are kept as JSON escapes."""
    return json_text(value).encode("utf-8", "backslashreplace")


def recap_json_chunks(recap: Recap) -> Iterator[str | bytes]:
    """``json_text(recap.export())`` (without its last new line), the messages and answers read
    from the recap's streams as they are written."""
    yield "{"
    for i, (key, value) in enumerate(recap.head.items()):
        yield f"{',' if i else ''}\n  {_encode(key)}: "
        if key == "messages":
            yield from _stream(iter(recap.messages()), "  ")
        elif key == "prompts" and isinstance(value, list):
            yield from _prompts(value, lambda n: _stream(iter(recap.answers(n)), "      "))
        else:
            yield from json_chunks(value, "  ")
    yield "\n}"


def written_json(recap: Recap, written: Written) -> Iterator[str | bytes]:
    """``recap_json_chunks`` of what one pass over the transcript set aside (``chatbot.recap.onepass``)."""
    messages, answers = written.messages_json, written.answers_json

    def listed(lines: Iterable[bytes], count: int, indent: str) -> Iterator[str | bytes]:
        if not count:
            yield "[]"
            return
        yield "["
        yield from lines
        yield f"\n{indent}]"

    yield "{"
    for i, (key, value) in enumerate(recap.head.items()):
        yield f"{',' if i else ''}\n  {_encode(key)}: "
        if key == "messages":
            yield from listed(messages.read(), messages.count(), "  ")
        elif key == "prompts" and isinstance(value, list):
            yield from _prompts(value, lambda n: listed(answers.read(n), answers.count(n), "      "))
        else:
            yield from json_chunks(value, "  ")
    yield "\n}"


def _prompts(
    prompts: list[ExportPrompt], answers_of: Callable[[int], Iterator[str | bytes]]
) -> Iterator[str | bytes]:
    if not prompts:
        yield "[]"
        return
    yield "["
    for i, prompt in enumerate(prompts):
        yield f"{',' if i else ''}\n    "
        answers = answers_of(i)
        first = next(answers)
        if first == "[]":
            yield _encode(prompt)
            continue
        yield "{"
        for k, (key, value) in enumerate(prompt.items()):
            yield f"{',' if k else ''}\n      {_encode(key)}: "
            if key == "answers":
                yield from itertools.chain([first], answers)
            else:
                yield _encode(value)
        yield "\n    }"
    yield "\n  ]"


def _stream(items: Iterator[Mapping[str, object]], indent: str) -> Iterator[str]:
    """A stream of objects as ``json_chunks`` writes a list of them: one line each."""
    first = next(items, None)
    if first is None:
        yield "[]"
        return
    inner = indent + "  "
    yield f"[\n{inner}"
    yield from json_chunks(first, inner)
    for item in items:
        yield f",\n{inner}"
        yield from json_chunks(item, inner)
    yield f"\n{indent}]"
