"""Finding the chats holds a few facts per chat, not per message: a quiet channel read over years
(a burst a message) is found in flat memory, with the same answer as a few days of it."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chatbot.core.sessions import Guess, Line, find_sessions

START = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)


def quiet_channel(n: int) -> Iterator[Line]:
    """One message every three hours (each its own burst), then one lively hour at the end."""
    for i in range(n):
        yield Line(
            START + timedelta(hours=3 * i),
            f"q{i:06d}",
            f"@p{i % 40}",
            "discord",
            f"note {i}",
            False,
            False,
            False,
        )
    end = START + timedelta(hours=3 * n + 1)
    yield Line(end, "h0", "@host", "discord", "Q1: what changed this year? #quietchat", False, False, False)
    for i in range(30):
        yield Line(
            end + timedelta(minutes=1 + i),
            f"a{i}",
            f"@p{i}",
            "discord",
            f"A1: answer {i}",
            False,
            False,
            False,
        )


def found_with_peak(n: int) -> tuple[list[tuple[str, int]], int, int]:
    tracemalloc.start()
    try:
        found, outside = find_sessions(quiet_channel(n), ZoneInfo("UTC"), Guess(hashtag="#quietchat"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [(f.spec.id, sum(s.count for s in f.spans)) for f in found], outside, peak


def test_a_quiet_channel_over_years_is_read_in_flat_memory() -> None:
    few, few_outside, few_peak = found_with_peak(500)
    many, many_outside, many_peak = found_with_peak(8_000)  # nearly three years, a burst a message
    assert few == [("quietchat-2020-03-08", 31)] and few_outside == 500
    assert many == [("quietchat-2022-10-02", 31)] and many_outside == 8_000
    assert many_peak < few_peak + 200_000  # 16 times the messages, not 16 times the memory
