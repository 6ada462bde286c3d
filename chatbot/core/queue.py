"""The fair question queue: first come, first served, upvotes, and host moderation.

Order is by the time asked (then by arrival number): upvotes are shown and can be used to
pick, but never move a question ahead of one asked earlier unless the queue is configured
with ``order="votes"``. Every status change records who made it and when. A question the bot put to the
chat is on air (``air``): out of the line, still to be answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chatbot.core.model import QuestionStatus

WAITING = frozenset({QuestionStatus.OPEN, QuestionStatus.APPROVED})  # in the line
PENDING = WAITING | {QuestionStatus.ON_AIR}  # not settled yet
CLOSED = frozenset(
    {QuestionStatus.ANSWERED, QuestionStatus.REJECTED, QuestionStatus.MERGED, QuestionStatus.ROUTED}
)


class QueueRefused(Exception):
    """A queue operation that cannot be done; the text is a polite, user-facing reason."""


@dataclass(frozen=True)
class StatusChange:
    status: QuestionStatus
    by: str
    at: datetime
    note: str = ""


@dataclass
class Question:
    number: int
    message_id: str
    author: str
    text: str
    asked_at: datetime
    status: QuestionStatus = QuestionStatus.OPEN
    askers: list[str] = field(default_factory=list)
    upvoters: set[str] = field(default_factory=set)
    likes: int = 0
    message_likes: int = 0  # of ``likes``: the platform's count on the question's own message
    merged_into: int | None = None
    route: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    queued_at: datetime | None = None  # the place in line; earlier than asked_at after a merge
    aired_at: datetime | None = None  # when it was put to the chat
    history: list[StatusChange] = field(default_factory=list)

    @property
    def upvotes(self) -> int:
        return len(self.upvoters) + self.likes

    @property
    def place(self) -> datetime:
        return self.queued_at or self.asked_at

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def waiting(self) -> bool:
        return self.status in WAITING


class QuestionQueue:
    """All questions of one session, numbered 1..n in the order they arrived."""

    def __init__(self, *, max_open_per_participant: int = 3, order: str = "fifo") -> None:
        if order not in ("fifo", "votes"):
            raise ValueError(f"queue order must be 'fifo' or 'votes', not {order!r}")
        self.max_open = max_open_per_participant
        self.order = order
        self._questions: dict[int, Question] = {}
        # Kept as questions come and change, so that asking stays cheap in a queue of thousands:
        self._waiting = 0  # how many are in line
        self._latest: datetime | None = None  # the latest time any question was asked
        self._open_by: dict[str, set[int]] = {}  # asker -> numbers of their pending questions
        self._by_message: dict[str, int] = {}  # message id -> the question it asked

    # -- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._questions)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._questions.values(), key=lambda q: q.number))

    def get(self, number: int) -> Question:
        try:
            return self._questions[number]
        except KeyError:
            raise QueueRefused(f"there is no question {number}") from None

    def by_message(self, message_id: str) -> Question | None:
        number = self._by_message.get(message_id)
        return self._questions[number] if number is not None else None

    def pending(self) -> list[Question]:
        """Questions still waiting in line (not on air), in queue order."""
        waiting = [q for q in self._questions.values() if q.waiting]
        if self.order == "votes":
            return sorted(waiting, key=lambda q: (-q.upvotes, q.place, q.number))
        return sorted(waiting, key=lambda q: (q.place, q.number))

    def position(self, number: int) -> int | None:
        """1-based place in the queue, or None once the question is closed."""
        q = self._questions.get(number)
        if q is not None and q.waiting and self._last_in_line(q):
            return self._waiting
        for i, q in enumerate(self.pending(), start=1):
            if q.number == number:
                return i
        return None

    def _last_in_line(self, q: Question) -> bool:
        """Whether ``q`` is at the end of a first-come line: asked last, and not before any other
        (places only ever move earlier, by a merge), as a question just asked almost always is."""
        return self.order == "fifo" and q.number == len(self._questions) and q.place == self._latest

    def next_to_post(self, *, require_approval: bool = True) -> Question | None:
        """The question the bot should put to the hosts next."""
        for q in self.pending():
            if q.status is QuestionStatus.APPROVED or not require_approval:
                return q
        return None

    # -- participants ---------------------------------------------------------------------
    def ask(self, *, message_id: str, author: str, text: str, at: datetime, likes: int = 0) -> Question:
        text = " ".join(text.split())
        if not text:
            raise QueueRefused("your question is empty: write it after /ask or the question tag")
        mine = [self._questions[n] for n in self._open_by.get(author, ())]
        if any(q.text.casefold() == text.casefold() for q in mine):
            raise QueueRefused("you already asked that question; it keeps its place in the queue")
        if self.max_open and len(mine) >= self.max_open:
            raise QueueRefused(
                f"you already have {len(mine)} questions waiting; "
                "please wait until one is answered before asking another"
            )
        number = len(self._questions) + 1
        q = Question(
            number=number,
            message_id=message_id,
            author=author,
            text=text,
            asked_at=at,
            askers=[author],
            likes=likes,
            message_likes=likes,
        )
        q.history.append(StatusChange(QuestionStatus.OPEN, author, at))
        self._questions[number] = q
        self._waiting += 1
        self._latest = at if self._latest is None else max(self._latest, at)
        self._open_by.setdefault(author, set()).add(number)
        self._by_message.setdefault(message_id, number)
        return q

    def upvote(self, number: int, *, voter: str) -> Question:
        q = self.get(number)
        if not q.pending:
            raise QueueRefused(f"question {number} is {q.status.value}; it can no longer be upvoted")
        if voter in q.askers:
            raise QueueRefused("you cannot upvote your own question")
        if voter in q.upvoters:
            raise QueueRefused(f"you already upvoted question {number}")
        q.upvoters.add(voter)
        return q

    def unvote(self, number: int, *, voter: str) -> Question:
        """Take back ``voter``'s vote: one vote per person, and it may be withdrawn while the
        question waits."""
        q = self.get(number)
        if voter not in q.upvoters:
            raise QueueRefused(f"you have not upvoted question {number}")
        if not q.pending:
            raise QueueRefused(f"question {number} is {_said(q.status)}; its votes are final")
        q.upvoters.discard(voter)
        return q

    def set_likes(self, number: int, likes: int) -> Question:
        """The platform now counts ``likes`` on the question's own message (votes by reaction):
        its likes follow, and so do those of the question it was merged into, so the counts
        come out the same whatever the order of votes and merges."""
        q = self.get(number)
        delta, q.message_likes = likes - q.message_likes, likes
        target: Question | None = q
        while target is not None:
            target.likes += delta
            target = self._questions.get(target.merged_into) if target.merged_into else None
        return q

    # -- hosts ----------------------------------------------------------------------------
    def _change(self, q: Question, status: QuestionStatus, by: str, at: datetime, note: str = "") -> None:
        was_waiting, was_pending = q.waiting, q.pending
        q.status = status
        q.history.append(StatusChange(status, by, at, note))
        self._waiting += int(q.waiting) - int(was_waiting)
        if was_pending and not q.pending:
            for asker in q.askers:
                self._open_by.get(asker, set()).discard(q.number)

    def _open_one(self, number: int) -> Question:
        q = self.get(number)
        if not q.pending:
            raise QueueRefused(f"question {number} is already {_said(q.status)}")
        return q

    def approve(self, number: int, *, by: str, at: datetime) -> Question:
        q = self._open_one(number)
        if q.status is not QuestionStatus.OPEN:
            raise QueueRefused(f"question {number} is already {_said(q.status)}")
        self._change(q, QuestionStatus.APPROVED, by, at)
        return q

    def air(self, number: int, *, by: str, at: datetime) -> Question:
        """The bot put the question to the chat: it leaves the line and waits to be answered."""
        q = self._open_one(number)
        if q.status is QuestionStatus.ON_AIR:
            raise QueueRefused(f"question {number} is already on air")
        q.aired_at = at
        self._change(q, QuestionStatus.ON_AIR, by, at)
        return q

    def reject(self, number: int, *, by: str, at: datetime, note: str = "") -> Question:
        q = self._open_one(number)
        self._change(q, QuestionStatus.REJECTED, by, at, note)
        return q

    def answered(self, number: int, *, by: str, at: datetime) -> Question:
        q = self._open_one(number)
        q.answered_at = at
        q.answered_by = by
        self._change(q, QuestionStatus.ANSWERED, by, at)
        return q

    def route(self, number: int, team: str, *, by: str, at: datetime) -> Question:
        team = team.strip()
        if not team:
            raise QueueRefused("say which team to route the question to: route N TEAM")
        q = self._open_one(number)
        q.route = team
        self._change(q, QuestionStatus.ROUTED, by, at, team)
        return q

    def merge(self, duplicate: int, into: int, *, by: str, at: datetime) -> Question:
        """Fold ``duplicate`` into ``into``: every asker and upvote is kept on the survivor."""
        if duplicate == into:
            raise QueueRefused("a question cannot be merged into itself")
        dup = self._open_one(duplicate)
        keep = self._open_one(into)
        for asker in dup.askers:
            if asker not in keep.askers:
                keep.askers.append(asker)
                self._open_by.setdefault(asker, set()).add(keep.number)
        keep.upvoters |= dup.upvoters - set(keep.askers)
        keep.likes += dup.likes
        # The survivor keeps the earlier place in the queue: nobody loses their turn by a merge.
        if dup.place < keep.place:
            keep.queued_at = dup.place
        dup.merged_into = into
        self._change(dup, QuestionStatus.MERGED, by, at, f"into {into}")
        return keep


def _said(status: QuestionStatus) -> str:
    """A status as a refusal says it ("already on air")."""
    return status.value.replace("_", " ")
