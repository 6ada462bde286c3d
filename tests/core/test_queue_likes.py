"""Likes a platform counts on a question's message (vote reactions): the same whatever the order."""

from __future__ import annotations

from datetime import UTC, datetime

from chatbot.core.queue import QuestionQueue

T = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def asked(q: QuestionQueue) -> None:
    q.ask(message_id="m1", author="@ann", text="Who trains the staff?", at=T, likes=1)
    q.ask(message_id="m2", author="@bob", text="Who trains new staff?", at=T)


def test_likes_follow_the_platforms_count_and_reach_the_question_merged_into() -> None:
    before = QuestionQueue()
    asked(before)
    before.set_likes(2, 3)
    before.merge(2, 1, by="@host", at=T)
    before.set_likes(1, 2)
    before.set_likes(2, 4)  # votes on the duplicate still count, for the survivor

    after = QuestionQueue()  # the same votes, known only after the merge (a restart)
    asked(after)
    after.merge(2, 1, by="@host", at=T)
    after.set_likes(1, 2)
    after.set_likes(2, 4)

    for q in (before, after):
        assert (q.get(1).likes, q.get(1).upvotes, q.get(2).likes) == (6, 6, 4)
