"""Exactly-once posting: the ledger of what the bot means to say, and the history check.

A post is planned as ledger rows, one per platform and part (a long text becomes a thread).
The rows are committed as ``intended`` before anything is sent; each part gets its platform id
(status ``posted``) in the same transaction that records the bot's message. A row that is still
``intended`` when a runner starts may have gone out just before a crash: it is looked up in the
platform's history (the bot's own author, the same text, after the cursor noted when it was
intended) and confirmed with the id found, or sent when it is not there.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from chatbot.clock import Clock
from chatbot.core.engine import handle_key
from chatbot.core.model import Author, Message
from chatbot.core.textfit import fit, url_spans
from chatbot.platforms.base import Platform, read_history
from chatbot.store import Store, iso

log = logging.getLogger("chatbot.hosting")

Confirm = Callable[[dict[str, Any], Message], None]
Fault = Callable[[str, str], None]


class DeliveryFailed(Exception):
    """A platform refused or failed a post; the row stays intended and is retried later."""


@dataclass(frozen=True)
class Target:
    """Where a post goes on one platform: the message it answers there, if any."""

    platform: str
    reply_to: str | None = None


def same_text(posted: str, intended: str) -> bool:
    """Whether a platform's copy of a post is the text we sent (platforms rewrite links
    and escape ``&``; whitespace may change)."""

    def norm(text: str) -> str:
        text = html.unescape(text)
        for start, end in reversed(url_spans(text)):
            text = f"{text[:start]}<url>{text[end:]}"
        return " ".join(text.split()).casefold()

    return posted == intended or norm(posted) == norm(intended)


def same_author(a: Author, b: Author) -> bool:
    return a.id == b.id or (bool(a.handle) and handle_key(a.handle) == handle_key(b.handle))


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
        self._locks: dict[str, asyncio.Lock] = {}
        rows = store.ledger(session_id)
        # Rows intended by an earlier process: they may have gone out just before it died.
        self.suspects: set[tuple[str, str]] = {
            (r["key"], r["platform"]) for r in rows if r["status"] == "intended"
        }
        self.refs: set[str] = {r["ref"] for r in rows if r["ref"]}

    # -- planning ----------------------------------------------------------------------------
    def plan(
        self, post: str, text: str, targets: list[Target], *, kind: str, ref: str | None = None
    ) -> list[dict[str, Any]]:
        """The ledger rows for ``text`` on each target: the hashtag appended, fitted to each
        platform's limits (its own length and counter)."""
        now = iso(self.clock.now())
        rows = []
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

    def intend(self, rows: list[dict[str, Any]]) -> None:
        """Commit planned rows before anything is sent (rows already there are kept as they are)."""
        if rows:
            self.fault("intend", rows[0]["post"])
            self.store.write_live(self.session_id, intents=rows)

    def has(self, post: str) -> bool:
        return bool(self.store.ledger(self.session_id, post=post))

    def unsettled(self) -> list[str]:
        """Posts with rows neither posted nor dropped, in the order they were intended."""
        rows = self.store.ledger(self.session_id)
        return list(dict.fromkeys(r["post"] for r in rows if r["status"] == "intended"))

    def fault(self, point: str, key: str) -> None:
        if self._fault is not None:
            self._fault(point, key)

    # -- sending -----------------------------------------------------------------------------
    async def deliver(self, post: str) -> list[dict[str, Any]]:
        """Send every unsent part of ``post`` on every platform; returns its rows, all settled.
        Parts go in order; on a platform with threads each part answers the one before."""
        lock = self._locks.setdefault(post, asyncio.Lock())
        async with lock:
            rows = self.store.ledger(self.session_id, post=post)
            by_platform: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                by_platform.setdefault(r["platform"], []).append(r)
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
                    if row["status"] != "intended":
                        continue
                    reply_to = row["reply_to"]
                    if row["part"] > 1 and platform.supports_threads and previous:
                        reply_to = previous
                    previous = await self._send(platform, row, reply_to)
            return self.store.ledger(self.session_id, post=post)

    async def _send(self, platform: Platform, row: dict[str, Any], reply_to: str | None) -> str:
        key = (row["key"], row["platform"])
        if key in self.suspects:
            found = await self.lookup(platform, row)
            if found is not None:
                log.info(
                    "event=post_found_in_history session=%s key=%s platform=%s id=%s",
                    self.session_id,
                    row["key"],
                    row["platform"],
                    found.id,
                )
                self._confirm(row, found)
                self.suspects.discard(key)
                return found.id
        self.fault("send", row["key"])
        self.suspects.add(key)  # from here until confirmed it may or may not be out there
        try:
            platform_id = await platform.post(row["text"], reply_to=reply_to)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning(
                "event=post_failed session=%s key=%s platform=%s error=%r",
                self.session_id,
                row["key"],
                row["platform"],
                e,
            )
            raise DeliveryFailed(f"{row['platform']}: {e}") from e
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

    async def lookup(self, platform: Platform, row: dict[str, Any]) -> Message | None:
        """The bot's own message with the row's text on ``platform`` after the row's cursor that
        no other ledger row claims; None when it is not there (then it was never sent)."""
        me = self.identities[row["platform"]]
        claimed = {
            r["platform_id"]
            for r in self.store.ledger(self.session_id)
            if r["platform"] == row["platform"] and r["platform_id"]
        }

        def ours(m: Message) -> bool:
            return same_author(m.author, me) and m.id not in claimed and same_text(m.text, row["text"])

        read = 0
        try:
            async with aclosing(read_history(platform, row["after"])) as pages:
                async for page in pages:
                    read += len(page)
                    found = next((m for m in page if ours(m)), None)
                    if found is not None:
                        return found
        except Exception as e:  # not knowing is not "not found": try again later, send nothing
            log.warning(
                "event=history_lookup_failed session=%s key=%s error=%r", self.session_id, row["key"], e
            )
            raise DeliveryFailed(f"{row['platform']}: cannot read history: {e}") from e
        if read >= platform.history_budget:  # every read may cost money: this is as far as we look
            log.warning(
                "event=history_budget_reached session=%s platform=%s key=%s read=%d during=lookup",
                self.session_id,
                row["platform"],
                row["key"],
                read,
            )
        return None

    async def settle_unsent(self, post: str) -> bool:
        """For a post no longer wanted (missed and skipped): confirm the parts that went out
        after all, drop the rest. True when some part had gone out."""
        went_out = False
        for row in self.store.ledger(self.session_id, post=post):
            if row["status"] != "intended":
                continue
            platform = self.platforms.get(row["platform"])
            found = await self.lookup(platform, row) if platform is not None else None
            if found is not None:
                self._confirm(row, found)
                went_out = True
            else:
                self.store.ledger_status(self.session_id, row["key"], row["platform"], "dropped")
            self.suspects.discard((row["key"], row["platform"]))
        return went_out
