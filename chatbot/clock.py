"""Time as the live runner sees it: one module for every clock.

``SystemClock`` is the real one. ``ScaledClock`` runs N times faster than real time (rehearsals,
fast end-to-end tests); ``VirtualClock`` jumps to the next instant anyone waits for as soon as the
event loop is idle (``replay --speed 0`` and most tests). Everything that waits takes a ``Clock``.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Time as the runner sees it: real in production, virtual in tests."""

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class VirtualClock:
    """Virtual time: ``sleep_until`` returns once virtual time reaches the instant, and virtual
    time moves on (to the earliest sleeper) only when the event loop has nothing else to do."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs an aware start time")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward by hand (a bot that was down); sleepers now due wake up."""
        self._now += delta
        self._wake_due()

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (when.astimezone(UTC), self._seq, fut))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive(), name="virtual-clock")
        await fut

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            fut = heapq.heappop(self._sleepers)[2]
            if not fut.done():
                fut.set_result(None)

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await _idle(loop)
            while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            self._now = max(self._now, self._sleepers[0][0])
            self._wake_due()


async def _idle(loop: asyncio.AbstractEventLoop) -> None:
    """Return when no other callback is ready to run (every task waits on something)."""
    quiet = 0
    for _ in range(1_000_000):
        await asyncio.sleep(0)
        ready = getattr(loop, "_ready", None)  # CPython's run queue; without it, yield a while
        quiet = quiet + 1 if not ready else 0
        if quiet >= (3 if ready is not None else 50):
            return


class ScaledClock:
    """Time from ``start``, running ``speed`` times faster than the real clock."""

    def __init__(self, start: datetime, speed: float) -> None:
        if not speed > 0 or math.isinf(speed):
            raise ValueError(f"speed must be a positive number, not {speed}")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self._speed)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds() / self._speed
        if delay > 0:
            await asyncio.sleep(delay)
