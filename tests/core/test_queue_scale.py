"""The queue stays cheap with thousands of questions (an import replays a whole archive through
it) and answers exactly as a full sort of the line would, whatever happened before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.core.queue import QuestionQueue, QueueRefused

T0 = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
PEOPLE = ("@ann", "@bob", "@cat", "@dan")

op = st.one_of(
    st.tuples(st.just("ask"), st.sampled_from(PEOPLE), st.integers(0, 5), st.integers(-3, 10)),
    st.tuples(st.sampled_from(["approve", "reject", "answered", "air"]), st.integers(1, 12)),
    st.tuples(st.just("merge"), st.integers(1, 12), st.integers(1, 12)),
)


def line(queue: QuestionQueue) -> list[int]:
    """The line by a full sort, as the queue defines it."""
    waiting = [q for q in queue if q.waiting]
    return [q.number for q in sorted(waiting, key=lambda q: (q.place, q.number))]


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=40), st.integers(1, 3))
def test_positions_and_refusals_match_a_full_sort(ops: list[tuple[object, ...]], max_open: int) -> None:
    queue = QuestionQueue(max_open_per_participant=max_open)
    for step, (name, *args) in enumerate(ops):
        at = T0 + timedelta(minutes=step)
        try:
            if name == "ask":
                who, text, shift = args
                mine = [q for q in queue if q.pending and who in q.askers]
                q = queue.ask(
                    message_id=f"m{step}",
                    author=str(who),
                    text=f"q {text}",
                    at=at + timedelta(minutes=int(shift)),
                )
                assert len(mine) < max_open and all(m.text != q.text for m in mine)
                assert queue.by_message(f"m{step}") is q
            elif name == "merge":
                queue.merge(int(args[0]), int(args[1]), by="@host", at=at)
            else:
                getattr(queue, str(name))(int(args[0]), by="@host", at=at)
        except QueueRefused:
            pass
        expected = line(queue)
        for q in queue:
            assert queue.position(q.number) == (
                expected.index(q.number) + 1 if q.number in expected else None
            )


def test_twenty_thousand_questions_each_keep_their_place() -> None:
    # Its speed (was minutes: each ask sorted and scanned the whole queue) is a benchmark's
    # business, not a timed assertion here.
    queue = QuestionQueue(max_open_per_participant=0)
    for i in range(20_000):
        q = queue.ask(
            message_id=str(i), author=f"@p{i % 500}", text=f"question {i}", at=T0 + timedelta(seconds=i)
        )
        assert queue.position(q.number) == i + 1
    assert queue.by_message("19999") is q
