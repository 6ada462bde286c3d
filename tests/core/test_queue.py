from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatbot.core.model import QuestionStatus
from chatbot.core.queue import QuestionQueue, QueueRefused

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ask(q: QuestionQueue, who: str, text: str, minute: float, likes: int = 0):  # type: ignore[no-untyped-def]
    return q.ask(message_id=f"m{minute}-{who}", author=who, text=text, at=at(minute), likes=likes)


def test_first_come_first_served_and_positions_visible() -> None:
    q = QuestionQueue()
    a = ask(q, "@ann", "How do you staff the account?", 1)
    b = ask(q, "@bob", "Who approves replies?", 2)
    c = ask(q, "@cat", "Do you archive DMs?", 3)
    assert [x.number for x in q.pending()] == [1, 2, 3]
    assert (q.position(a.number), q.position(b.number), q.position(c.number)) == (1, 2, 3)
    # Upvotes are counted and shown but do not let a later question jump the line.
    q.upvote(3, voter="@ann")
    q.upvote(3, voter="@bob")
    assert c.upvotes == 2
    assert q.position(3) == 3


def test_votes_order_is_opt_in() -> None:
    q = QuestionQueue(order="votes")
    ask(q, "@ann", "first", 1)
    ask(q, "@bob", "second", 2)
    q.upvote(2, voter="@cat")
    assert [x.number for x in q.pending()] == [2, 1]


def test_answered_question_leaves_the_queue_and_others_move_up() -> None:
    q = QuestionQueue()
    ask(q, "@ann", "one", 1)
    ask(q, "@bob", "two", 2)
    q.answered(1, by="@host", at=at(10))
    assert q.position(1) is None
    assert q.position(2) == 1
    one = q.get(1)
    assert one.status is QuestionStatus.ANSWERED
    assert one.answered_at == at(10) and one.answered_by == "@host"
    assert [(h.status, h.by) for h in one.history] == [
        (QuestionStatus.OPEN, "@ann"),
        (QuestionStatus.ANSWERED, "@host"),
    ]


def test_moderation_states_record_who_and_when() -> None:
    q = QuestionQueue()
    for i, who in enumerate(["@a", "@b", "@c", "@d"], start=1):
        ask(q, who, f"question {i}", i)
    q.approve(1, by="@host", at=at(5))
    q.reject(2, by="@host", at=at(6), note="off topic")
    q.route(3, "planning", by="@cohost", at=at(7))
    assert q.get(1).status is QuestionStatus.APPROVED
    assert q.get(2).status is QuestionStatus.REJECTED and q.get(2).history[-1].note == "off topic"
    assert q.get(3).route == "planning" and q.get(3).history[-1].by == "@cohost"
    assert q.next_to_post() is q.get(1)
    assert q.next_to_post(require_approval=False) is q.get(1)
    with pytest.raises(QueueRefused, match="already rejected"):
        q.approve(2, by="@host", at=at(8))
    with pytest.raises(QueueRefused, match="no question 9"):
        q.answered(9, by="@host", at=at(8))


def test_merge_keeps_every_asker_and_the_earlier_place() -> None:
    q = QuestionQueue()
    ask(q, "@ann", "Is there a policy on replies?", 1)
    ask(q, "@bob", "Unrelated", 2)
    ask(q, "@cat", "Do you have a reply policy?", 3)
    q.upvote(1, voter="@dan")
    q.upvote(3, voter="@eve")
    keep = q.merge(1, 3, by="@host", at=at(4))
    assert keep.number == 3
    assert keep.askers == ["@cat", "@ann"]
    assert keep.upvoters == {"@dan", "@eve"}
    assert q.get(1).status is QuestionStatus.MERGED and q.get(1).merged_into == 3
    assert keep.asked_at == at(3)  # what was asked when is not rewritten ...
    assert q.position(3) == 1  # ... but the survivor keeps the earliest place in line
    with pytest.raises(QueueRefused):
        q.merge(3, 3, by="@host", at=at(5))


def test_flood_limit_per_participant() -> None:
    q = QuestionQueue(max_open_per_participant=2)
    ask(q, "@spam", "one", 1)
    ask(q, "@spam", "two", 2)
    with pytest.raises(QueueRefused, match="2 questions waiting"):
        ask(q, "@spam", "three", 3)
    assert len(q) == 2
    q.answered(1, by="@host", at=at(4))
    ask(q, "@spam", "three", 5)  # room again once one is answered
    assert len(q) == 3


def test_same_question_twice_is_refused_and_empty_is_refused() -> None:
    q = QuestionQueue()
    ask(q, "@ann", "How  do you measure reach?", 1)
    with pytest.raises(QueueRefused, match="already asked"):
        ask(q, "@ann", "how do you measure reach?", 2)
    with pytest.raises(QueueRefused, match="empty"):
        ask(q, "@bob", "   ", 3)


def test_upvote_rules() -> None:
    q = QuestionQueue()
    ask(q, "@ann", "one", 1, likes=2)
    with pytest.raises(QueueRefused, match="own question"):
        q.upvote(1, voter="@ann")
    q.upvote(1, voter="@bob")
    with pytest.raises(QueueRefused, match="already upvoted"):
        q.upvote(1, voter="@bob")
    assert q.get(1).upvotes == 3  # platform likes count too
    q.reject(1, by="@host", at=at(2))
    with pytest.raises(QueueRefused, match="no longer be upvoted"):
        q.upvote(1, voter="@cat")


def test_unknown_order_is_an_error() -> None:
    with pytest.raises(ValueError, match="fifo"):
        QuestionQueue(order="random")
