"""Shared pieces of the store tests (no tests here): a small hosted chat, stored and replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatbot.core.model import Author, Message, SessionSpec
from chatbot.core.sessions import slug_for
from chatbot.importing import rebuild
from chatbot.store import Store

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SPEC = SessionSpec(
    id="localgovchat-2026-11-24",
    hashtag="#localgovchat",
    title="Frontline staff",
    start=T0,
    timezone="America/New_York",
    hosts=("@host",),
)


def msg(i: int, who: str, text: str, **kw: object) -> Message:
    """Message ``i``, ``i`` minutes into the chat, by ``@who`` (``kw``: any other field)."""
    fields: dict[str, object] = {"author": Author(who, f"@{who}", who.title()), **kw}
    return Message(id=str(i), platform="x", ts=T0 + timedelta(minutes=i), text=text, **fields)  # type: ignore[arg-type]


CHAT = [
    msg(1, "host", "Welcome to #localgovchat"),
    msg(2, "host", "Q1: Should frontline staff tweet answers? #localgovchat"),
    msg(3, "ann", "A1: yes, with training #localgovchat"),
    msg(4, "bob", "How do you handle abuse? #ask"),
    msg(5, "host", "/answered 1"),
    msg(6, "ann", "RT @host: Q1: Should frontline staff tweet answers?"),
]


def stored(tmp_path: Path, messages: list[Message] = CHAT, name: str = "a.db") -> Store:
    """An archive holding ``messages`` as one imported session, its state derived by a replay."""
    store = Store(tmp_path / name)
    store.add_messages(messages, source="test")
    store.save_session(SPEC, slug=slug_for(SPEC), status="imported")
    store.assign_session([f"{m.platform}:{m.id}" for m in messages], SPEC.id)
    rebuild(store, SPEC.id)
    return store
