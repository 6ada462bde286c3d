"""Listening to a platform without giving up: a supervised reader, and the reaction tally.

``supervise`` runs a platform's ``events()`` for a session; when the iterator raises (a dropped
connection, a bug in an adapter) the failure is logged, the reader waits a capped exponential
backoff with jitter on the session's clock, catches up from the last cursor through the
platform's history and listens again. It ends only when the platform's events end (the
platform was stopped) or the task is cancelled.

``ReactionTally`` keeps who reacted with what on each message: one per person per emoji, a
removal counted, a repeated event changing nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from chatbot.clock import Clock
from chatbot.core.events import Event
from chatbot.core.model import Reaction
from chatbot.platforms.base import Platform

log = logging.getLogger("chatbot.hosting")

BACKOFF_FIRST = 1.0  # seconds before the first restart
BACKOFF_CAP = 300.0  # never longer than this between restarts


def backoff(failures: int, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row (0-based): doubling up to the cap,
    drawn between half and all of it so that many readers do not restart in step."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** min(failures, 30))
    return rng.uniform(ceiling / 2, ceiling)


async def supervise(
    session_id: str,
    platform: Platform,
    put: Callable[[Event], None],
    *,
    resume: Callable[[Platform], Awaitable[int]],
    clock: Clock,
    rng: random.Random,
) -> None:
    """Hand every event ``platform`` hears to ``put``, restarting its reader after a failure;
    ``resume(platform)`` catches up from the last cursor before listening again (the number of
    messages it found)."""
    failures = 0
    while True:
        try:
            async for ev in platform.events():
                failures = 0
                put(ev)
            return
        except asyncio.CancelledError:
            raise
        except Exception as e:
            delay = backoff(failures, rng)
            failures += 1
            log.warning(
                "event=reader_failed session=%s platform=%s failures=%d retry_in_s=%.1f error=%r",
                session_id,
                platform.name,
                failures,
                delay,
                e,
                exc_info=e,
            )
        await clock.sleep_until(clock.now() + timedelta(seconds=delay))
        found = await resume(platform)
        log.warning(
            "event=reader_restarted session=%s platform=%s failures=%d caught_up=%d",
            session_id,
            platform.name,
            failures,
            found,
        )


class ReactionTally:
    """Reactions per message (by uid): who reacted with each emoji. Counts known from before a
    restart (``seed``) are kept without names; a removal by someone not named takes one off them."""

    def __init__(self) -> None:
        self._people: dict[str, dict[str, set[str]]] = {}
        self._unnamed: dict[str, dict[str, int]] = {}

    def seed(self, uid: str, reactions: Iterable[Reaction]) -> None:
        """What the store knew of the message's reactions (counts only)."""
        self._unnamed[uid] = {r.emoji: r.count for r in reactions if r.count > 0}

    def apply(self, uid: str, emoji: str, person: str, *, added: bool) -> bool:
        """One person added or removed ``emoji``; False when that changes nothing."""
        people = self._people.setdefault(uid, {}).setdefault(emoji, set())
        if added:
            if person in people:
                return False
            people.add(person)
            return True
        if person in people:
            people.discard(person)
            return True
        unnamed = self._unnamed.get(uid, {})
        if unnamed.get(emoji, 0) > 0:
            unnamed[emoji] -= 1
            return True
        return False

    def tally(self, uid: str, emoji: str, count: int) -> bool:
        """The platform says ``count`` reacted with ``emoji`` (it tells totals, not who): the
        count becomes that; False when it already was."""
        if count == self.count(uid, emoji):
            return False
        named = len(self._people.get(uid, {}).get(emoji, ()))
        self._unnamed.setdefault(uid, {})[emoji] = max(count - named, 0)
        return True

    def count(self, uid: str, emoji: str) -> int:
        return self._unnamed.get(uid, {}).get(emoji, 0) + len(self._people.get(uid, {}).get(emoji, ()))

    def reactions(self, uid: str) -> tuple[Reaction, ...]:
        """The message's reactions now, in the order first seen; emojis nobody holds left out."""
        emojis = dict.fromkeys([*self._unnamed.get(uid, {}), *self._people.get(uid, {})])
        counted = (Reaction(e, self.count(uid, e)) for e in emojis)
        return tuple(r for r in counted if r.count > 0)
