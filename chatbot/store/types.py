"""The live runner's rows as typed payloads: what the ledger holds of each post part, what the
runner plans and confirms there, and the state it saves to resume after a restart.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

#: ``intended`` until the platform gave it an id (``posted``) or it is no longer wanted (``dropped``);
#: ``held`` when it may have gone out and the platform's history could not tell: a host decides
#: (it went out: ``posted`` without an id; it did not: ``intended`` again, and sent).
LedgerStatus = Literal["intended", "posted", "dropped", "held"]


class LedgerIntent(TypedDict):
    """One part of a post on one platform, as planned: committed before anything is sent."""

    key: str  # the post's key, ``<post>#<part>`` after the first part
    post: str
    part: int  # 1, 2, ... when a long text becomes a thread
    platform: str
    text: str
    reply_to: str | None  # the platform id it answers
    after: str | None  # the platform's history cursor when it was intended
    ref: str | None  # what it is about (a question, a prompt), so it is not planned twice
    kind: str
    intended_at: str


class LedgerRow(LedgerIntent):
    """A ledger row as stored."""

    session_id: str
    status: LedgerStatus
    platform_id: str | None  # once posted (None when a host said it went out)
    posted_at: str | None
    held_reason: str | None  # why it is held: history_budget, unknown_cursor, history_failed
    resolved_by: str | None  # the host who said whether a held row went out, and when
    resolved_at: str | None


class LedgerConfirm(TypedDict):
    """A part the platform took: its id there and when."""

    key: str
    platform: str
    platform_id: str
    posted_at: str


class RunnerState(TypedDict):
    """What the live runner saves to resume a session: its ``Timeline`` snapshot, the last
    message id heard on each platform, and when the recap was last published."""

    timeline: dict[str, Any]  # ``Timeline.snapshot()``, JSON
    cursors: dict[str, str]
    recap_at: str | None
