"""Text no platform should send but a hostile client can: a lone surrogate (what the JSON escape
"\\ud800" decodes to) cannot be written as UTF-8, so it never gets past the model."""

from __future__ import annotations

from datetime import UTC, datetime

from chatbot.core.events import CommandGiven, Edited
from chatbot.core.model import Author, Message, well_formed

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def test_a_lone_surrogate_becomes_the_replacement_character_everywhere_people_write() -> None:
    m = Message("1", "web", NOW, Author("a\udfff", "\ud800jane", "Jane \udc00"), "A1: yes \ud800 no")
    assert m.text == "A1: yes \ufffd no"
    assert (m.author.id, m.author.handle, m.author.name) == ("a\ufffd", "\ufffdjane", "Jane \ufffd")
    for value in (m.text, m.author.id, m.author.handle, m.author.name):
        value.encode("utf-8")  # what SQLite and the sockets need
    assert Edited("web", "1", "fixed \ud83d", NOW).text == "fixed \ufffd"
    assert CommandGiven("web", "route", ("1", "te\udc80am"), m.author, NOW).args == ("1", "te\ufffdam")


def test_well_formed_text_is_left_as_it_is() -> None:
    text = "Emoji 😀, CJK 日本語, RTL \u202e, zero width \u200b and a pair written as JSON escapes"
    assert well_formed(text) is text
    assert Message("1", "web", NOW, Author("a", "jane"), text).text is text
