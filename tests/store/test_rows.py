"""A message goes into the archive and comes back the same, whatever it carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.core.model import Attachment, Author, Embed, Message, Reaction
from chatbot.platforms.registry import PLATFORMS
from chatbot.store import Store, iso, message_from_row, message_row, uid_of

words = st.text(max_size=20)
some = st.text(min_size=1, max_size=20)
zones = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=-5)),
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=14)),
    ]
)


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """Aware times to the millisecond (the archive's precision; platforms give no finer)."""
    naive = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
    return naive.replace(microsecond=naive.microsecond // 1000 * 1000, tzinfo=draw(zones))


messages = st.builds(
    Message,
    id=some,
    platform=st.sampled_from(PLATFORMS),
    ts=moments(),
    author=st.builds(Author, id=some, handle=some, name=words, is_bot=st.booleans()),
    text=st.text(max_size=200),
    reply_to=st.none() | some,
    quote_of=st.none() | some,
    is_repost=st.booleans(),
    likes=st.integers(0, 10**6),
    url=st.none() | some,
    channel=words,
    is_action=st.booleans(),
    mentions=st.lists(some, max_size=3).map(tuple),
    links=st.lists(some, max_size=3).map(tuple),
    attachments=st.lists(
        st.builds(
            Attachment,
            filename=some,
            url=words,
            size=st.none() | st.integers(0, 2**40),
            content_type=words,
            local=words,
        ),
        max_size=3,
    ).map(tuple),
    reactions=st.lists(st.builds(Reaction, emoji=some, count=st.integers(1, 10**6)), max_size=3).map(tuple),
    edited_at=st.none() | moments(),
    deleted_at=st.none() | moments(),
    embeds=st.lists(
        st.builds(Embed, url=words, title=words, description=st.text(max_size=200)), max_size=3
    ).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(messages)
def test_a_message_round_trips_through_the_archive(m: Message) -> None:
    assert message_from_row(message_row(m)) == m
    store = Store(":memory:")
    try:
        assert store.add_messages([m]) == 1
        assert store.message(uid_of(m)) == m
    finally:
        store.close()


def test_iso_is_fixed_width_utc() -> None:
    assert iso(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000+00:00"
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)) == "2026-01-02T03:04:05.123+00:00"
