"""Exactly-once posting: the ledger of what the bot means to say, and the history check.

A post is planned as ledger rows, one per platform and part (a long text becomes a thread).
The rows are committed as ``intended`` before anything is sent; each part gets its platform id
(status ``posted``) in the same transaction that records the bot's message. A row that is still
``intended`` when a runner starts may have gone out just before a crash: it is looked up in the
platform's history (``chatbot.hosting.lookup``: the bot's own author, the same text, after the
cursor noted when it was intended): confirmed with the id found, sent when the history was read
to its end without it, and ``held`` when the history cannot tell (its read budget ran out, the
cursor is unknown, reading failed again and again). A held row is never sent on its own: it
waits, across restarts too, until a host says whether it went out (``resolve``); the rest of the
session goes on meanwhile.

The archive may not take a write for a while (``chatbot.hosting.storing``): an intent that is not
stored yet is not sent (``deliver`` fails and is retried), and a part sent whose confirmation waits
for the archive counts as posted in this process (it is never sent again; after a crash the
history check finds it).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Literal, Protocol

from chatbot.clock import Clock
from chatbot.core.model import Author, Message
from chatbot.core.textfit import Limits, fit
from chatbot.hosting.lookup import Absent, Found, Lookup, Reason, Unknown, find_post
from chatbot.hosting.lookup import same_author as same_author
from chatbot.hosting.lookup import same_text as same_text
from chatbot.hosting.payloads import HeldPost
from chatbot.hosting.storing import archive_fault
from chatbot.platforms.base import Platform, PostTooLong
from chatbot.store import LedgerIntent, LedgerRow, Store, iso

log = logging.getLogger("chatbot.hosting")

Confirm = Callable[[LedgerRow, Message], None]
Fault = Callable[[str, str], None]
Settled = Literal["found_posted", "skipped", "held"]


class Write(Protocol):
    """The runner's way to the archive (``chatbot.hosting.storing.Storing.write``): ``do`` now or
    once the archive takes writes again; ``stored`` then; True when stored at once."""

    def __call__(self, do: Callable[[], None], *, stored: Callable[[], None] | None = None) -> bool: ...


def _now(do: Callable[[], None], *, stored: Callable[[], None] | None = None) -> bool:
    do()
    if stored is not None:
        stored()
    return True


HISTORY_ATTEMPTS = 3  # failed reads of the history before a lookup gives up and holds the post
_NUMBERED = re.compile(r"\s*\(\d+/\d+\)$")  # a thread part's "(2/3)"


class DeliveryFailed(Exception):
    """A platform refused or failed a post; the row stays intended and is retried later."""


@dataclass(frozen=True)
class Target:
    """Where a post goes on one platform: the message it answers there, if any."""

    platform: str
    reply_to: str | None = None


class Ledger:
    """Plans, records and sends one session's posts, each exactly once, on every platform.

    ``confirm(row, message)`` is the runner's: it records the bot's message and the row's
    platform id in one transaction. ``fault(point, key)``, for tests, is called at each step
    (``intend``, ``send``, ``confirm``) so a crash can be injected there.
    """

    def __init__(
        self,
        store: Store,
        session_id: str,
        platforms: Mapping[str, Platform],
        identities: Mapping[str, Author],
        clock: Clock,
        *,
        hashtag: str,
        confirm: Confirm,
        cursors: Mapping[str, str],
        fault: Fault | None = None,
        write: Write = _now,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.platforms = platforms
        self.identities = identities
        self.clock = clock
        self.hashtag = hashtag
        self._confirm = confirm
        self._cursors = cursors
        self._fault = fault
        self._write = write
        self._unstored: set[str] = set()  # posts whose intents wait for the archive
        self._sent: dict[tuple[str, str], str] = {}  # parts sent in this process: their platform ids
        self._locks: dict[str, asyncio.Lock] = {}
        self._failures: dict[tuple[str, str], int] = {}  # failed history reads per row, in a row
        rows = store.ledger(session_id)
        # Rows intended by an earlier process: they may have gone out just before it died.
        self.suspects: set[tuple[str, str]] = {
            (r["key"], r["platform"]) for r in rows if r["status"] == "intended"
        }
        # Rows the history could not settle, waiting for a host (never looked up or sent again).
        self.held: dict[tuple[str, str], LedgerRow] = {
            (r["key"], r["platform"]): r for r in rows if r["status"] == "held"
        }
        self.refs: set[str] = {r["ref"] for r in rows if r["ref"]}

    # -- planning ----------------------------------------------------------------------------
    def plan(
        self, post: str, text: str, targets: list[Target], *, kind: str, ref: str | None = None
    ) -> list[LedgerIntent]:
        """The ledger rows for ``text`` on each target: the hashtag appended, fitted to each
        platform's limits (its own length and counter)."""
        now = iso(self.clock.now())
        rows: list[LedgerIntent] = []
        for target in targets:
            parts = fit(text, self.platforms[target.platform].post_limits, hashtag=self.hashtag)
            for i, part in enumerate(parts, 1):
                rows.append(
                    {
                        "key": post if i == 1 else f"{post}#{i}",
                        "post": post,
                        "part": i,
                        "platform": target.platform,
                        "text": part,
                        "reply_to": target.reply_to,
                        "after": self._cursors.get(target.platform),
                        "ref": ref,
                        "kind": kind,
                        "intended_at": now,
                    }
                )
        if ref:
            self.refs.add(ref)
        return rows

    def intend(self, rows: list[LedgerIntent]) -> None:
        """Commit planned rows before anything is sent (rows already there are kept as they are)."""
        if rows:
            post = rows[0]["post"]
            self.fault("intend", post)
            if not self._write(
                lambda: self.store.write_live(self.session_id, intents=rows),
                stored=lambda: self._unstored.discard(post),
            ):
                self._unstored.add(post)

    def has(self, post: str) -> bool:
        return post in self._unstored or bool(self.store.ledger(self.session_id, post=post))

    def unsettled(self) -> list[str]:
        """Posts with rows still to send, in the order they were intended (a post with a held row
        waits for the host)."""
        rows = self.store.ledger(self.session_id)
        held = {r["post"] for r in self.held.values()}
        waiting = (
            r["post"]
            for r in rows
            if r["status"] == "intended"
            and r["post"] not in held
            and (r["key"], r["platform"]) not in self._sent
        )
        return list(dict.fromkeys(waiting))

    def held_posts(self) -> list[HeldPost]:
        """What waits for a host, oldest first (``chatbot.hosting.payloads.HeldPost``)."""
        rows = sorted(self.held.values(), key=lambda r: (r["intended_at"], r["part"]))
        return [
            {
                "key": r["key"],
                "platform": r["platform"],
                "text": r["text"],
                "kind": r["kind"],
                "intended_at": r["intended_at"],
                "reason": r["held_reason"] or "",
            }
            for r in rows
        ]

    def fault(self, point: str, key: str) -> None:
        if self._fault is not None:
            self._fault(point, key)

    # -- sending -----------------------------------------------------------------------------
    async def deliver(self, post: str) -> list[LedgerRow]:
        """Send every unsent part of ``post`` on every platform; returns its rows, settled (posted,
        or held for a host). Parts go in order; on a platform with threads each part answers the
        one before; the parts after a held one wait for it."""
        if post in self._unstored:
            raise DeliveryFailed(f"{post}: the archive cannot take it yet; sent once it can")
        lock = self._locks.setdefault(post, asyncio.Lock())
        async with lock:
            try:
                return await self._deliver(post)
            except Exception as e:  # sent parts stay posted (self._sent); the rest is retried
                reason = archive_fault(e)
                if reason is None:
                    raise
                raise DeliveryFailed(f"{post}: the archive cannot take it ({reason})") from e

    async def _deliver(self, post: str) -> list[LedgerRow]:
        """``deliver``, under the post's lock."""
        rows = self.store.ledger(self.session_id, post=post)
        by_platform: dict[str, list[LedgerRow]] = {}
        for r in rows:
            by_platform.setdefault(r["platform"], []).append(self._known(r))
        for name, parts in by_platform.items():
            platform = self.platforms.get(name)
            if platform is None:
                log.warning(
                    "event=post_dropped session=%s key=%s platform=%s reason=not_connected",
                    self.session_id,
                    post,
                    name,
                )
                continue
            previous: str | None = None
            for row in sorted(parts, key=lambda r: r["part"]):
                if row["status"] == "posted":
                    previous = row["platform_id"]
                    continue
                if row["status"] == "held":
                    break
                if row["status"] != "intended":
                    continue
                reply_to = row["reply_to"]
                if row["part"] > 1 and platform.supports_threads and previous:
                    reply_to = previous
                previous = await self._send(platform, row, reply_to)
                if previous is None:  # held
                    break
        return [self._known(r) for r in self.store.ledger(self.session_id, post=post)]

    def _known(self, row: LedgerRow) -> LedgerRow:
        """A row as this process knows it: posted once sent, even before the archive has it."""
        sent = self._sent.get((row["key"], row["platform"]))
        if row["status"] != "intended" or sent is None:
            return row
        return {**row, "status": "posted", "platform_id": sent}

    async def _send(self, platform: Platform, row: LedgerRow, reply_to: str | None) -> str | None:
        """Send one part and confirm it; its platform id. A part that may have gone out already is
        looked up first: confirmed when found, held (None) when the history cannot tell."""
        key = (row["key"], row["platform"])
        if key in self.suspects:
            result = await self.lookup(platform, row)
            if isinstance(result, Found):
                log.info(
                    "event=post_found_in_history session=%s key=%s platform=%s id=%s",
                    self.session_id,
                    row["key"],
                    row["platform"],
                    result.message.id,
                )
                self._sent[key] = result.message.id
                self._confirm(row, result.message)
                self.suspects.discard(key)
                return result.message.id
            if isinstance(result, Unknown):
                self.hold(row, result.reason)
                return None
        self.fault("send", row["key"])
        self.suspects.add(key)  # from here until confirmed it may or may not be out there
        try:
            platform_id = await platform.post(row["text"], reply_to=reply_to)
        except asyncio.CancelledError:
            raise
        except PostTooLong as e:  # refused, so not out there: shorter parts go instead
            self.suspects.discard(key)
            self.resplit(platform, row)
            raise DeliveryFailed(f"{row['platform']}: {e}; split and sent again") from e
        except Exception as e:
            log.warning(
                "event=post_failed session=%s key=%s platform=%s error=%r",
                self.session_id,
                row["key"],
                row["platform"],
                e,
            )
            raise DeliveryFailed(f"{row['platform']}: {e}") from e
        self._sent[key] = platform_id  # out there: never sent again, whatever the archive says
        self.fault("confirm", row["key"])
        message = Message(
            id=platform_id,
            platform=row["platform"],
            ts=self.clock.now(),
            author=self.identities[row["platform"]],
            text=row["text"],
            reply_to=reply_to,
        )
        self._confirm(row, message)
        self.suspects.discard(key)
        return platform_id

    def resplit(self, platform: Platform, row: LedgerRow) -> None:
        """A part the platform refused as too long (it counts differently than we do) becomes
        parts of at most four fifths of its length, in its place in the thread, instead of lost."""
        limits = platform.post_limits
        text = _NUMBERED.sub("", row["text"])  # fit numbers the new parts itself
        target = max(20, min(limits.max_length, limits.count(row["text"])) * 4 // 5)
        pieces = fit(text, Limits(target, limits.count, limits.tag_every_part), hashtag=self.hashtag)
        keys = self.store.ledger_resplit(self.session_id, row, pieces)
        log.warning(
            "event=post_resplit session=%s key=%s platform=%s parts=%d new=%s",
            self.session_id,
            row["key"],
            row["platform"],
            len(pieces),
            ",".join(keys),
        )

    async def lookup(self, platform: Platform, row: LedgerRow) -> Lookup:
        """Whether ``row`` went out on ``platform`` (``chatbot.hosting.lookup``): found (not
        claimed by another row), absent, or unknown. A history that fails to read raises
        ``DeliveryFailed`` (look again later) until it failed ``HISTORY_ATTEMPTS`` times in a
        row: then it is unknown too."""
        key = (row["key"], row["platform"])
        claimed = {
            r["platform_id"]
            for r in self.store.ledger(self.session_id)
            if r["platform"] == row["platform"] and r["platform_id"]
        } | {pid for (_, name), pid in self._sent.items() if name == row["platform"]}
        me = self.identities[row["platform"]]
        try:
            result = await find_post(platform, row["text"], row["after"], me, claimed)
        except Exception as e:  # not knowing is not "not found": look again later, send nothing
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            log.warning(
                "event=history_lookup_failed session=%s key=%s platform=%s attempt=%d error=%r",
                self.session_id,
                row["key"],
                row["platform"],
                failures,
                e,
            )
            if failures >= HISTORY_ATTEMPTS:
                return Unknown("history_failed", detail=repr(e))
            raise DeliveryFailed(f"{row['platform']}: cannot read history: {e}") from e
        self._failures.pop(key, None)
        if isinstance(result, Unknown) and result.reason == "history_budget":
            log.warning(
                "event=history_budget_reached session=%s platform=%s key=%s read=%d during=lookup",
                self.session_id,
                row["platform"],
                row["key"],
                result.read,
            )
        return result

    def hold(self, row: LedgerRow, reason: Reason) -> None:
        """Hold an unconfirmed row the history could not settle: never sent blindly, shown to the
        hosts until one says whether it went out."""
        key = (row["key"], row["platform"])
        self._write(lambda: self.store.ledger_hold(self.session_id, row["key"], row["platform"], reason))
        self.suspects.discard(key)
        self._failures.pop(key, None)
        self.held[key] = {**row, "status": "held", "held_reason": reason}
        log.warning(
            "event=post_held session=%s key=%s platform=%s reason=%s",
            self.session_id,
            row["key"],
            row["platform"],
            reason,
        )

    def resolve(self, key: str, platform: str, *, went_out: bool, by: str) -> LedgerRow | None:
        """A host's word on a held row: it went out (``posted``, no platform id known) or it did
        not (``intended`` again, no longer a suspect: the next ``deliver`` sends it). The row as
        it was held; None when no such row is held. When the archive cannot take the word (locked,
        full) the row stays held and the error is raised."""
        row = self.held.get((key, platform))
        if row is None:
            return None
        done = self.store.ledger_resolve(
            self.session_id, key, platform, went_out=went_out, by=by, at=self.clock.now()
        )
        del self.held[(key, platform)]
        if not done:
            return None
        self.suspects.discard((key, platform))
        log.info(
            "event=held_resolved session=%s key=%s platform=%s went_out=%s by=%s",
            self.session_id,
            key,
            platform,
            went_out,
            by,
        )
        return row

    async def settle_unsent(self, post: str) -> Settled:
        """For a post no longer wanted (missed and skipped): confirm the parts that went out after
        all, drop those that did not, hold those the history cannot tell about (nothing retries
        them later: a failed read holds them at once). What became of the post."""
        settled: Settled = "skipped"
        for row in self.store.ledger(self.session_id, post=post):
            if row["status"] != "intended" or (row["key"], row["platform"]) in self._sent:
                continue
            platform = self.platforms.get(row["platform"])
            result: Lookup = Absent(0)
            if platform is not None:
                try:
                    result = await self.lookup(platform, row)
                except DeliveryFailed as e:
                    result = Unknown("history_failed", detail=str(e))
            if isinstance(result, Found):
                self._sent[(row["key"], row["platform"])] = result.message.id
                self._confirm(row, result.message)
                settled = "found_posted" if settled == "skipped" else settled
            elif isinstance(result, Unknown):
                self.hold(row, result.reason)
                settled = "held"
                continue
            else:
                drop = partial(
                    self.store.ledger_status, self.session_id, row["key"], row["platform"], "dropped"
                )
                self._write(drop)
            self.suspects.discard((row["key"], row["platform"]))
        return settled
