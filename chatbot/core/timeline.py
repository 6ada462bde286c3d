"""The live state of a session's timeline: what is due, and the host's controls over it.

Pure and clock-free like the rest of the core: every method takes the time it acts at.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chatbot.core.schedule import (
    _FILLER,
    NEAR,
    PlannedPost,
    TimelineOptions,
    _minutes,
    _order,
    _utc,
)


class TimelineRefused(Exception):
    """A host command the timeline cannot carry out; the text is a polite, host-facing reason."""


@dataclass
class Timeline:
    """The live state of one session's planned posts; every method takes the time it acts at.

    ``done`` holds settled keys (posted, skipped or dropped); ``skipped`` the settled-but-not-posted
    subset. Host commands raise ``TimelineRefused`` when they cannot apply.
    """

    planned: tuple[PlannedPost, ...]
    options: TimelineOptions = field(default_factory=TimelineOptions)
    done: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    paused_at: datetime | None = None
    extension_minutes: float = 0.0
    paused_minutes: float = 0.0
    ended: bool = False
    _posts: dict[str, PlannedPost] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.planned = tuple(self.planned)
        self._posts = {p.key: replace(p, due=_utc(p.due, f"post {p.key}: due")) for p in self.planned}
        if len(self._posts) != len(self.planned):
            raise ValueError("planned posts have duplicate keys")
        if [p.kind for p in self.planned].count("closing") != 1:
            raise ValueError("a timeline needs exactly one closing post")

    @property
    def posts(self) -> list[PlannedPost]:
        """Every post with its current due time, in order."""
        return sorted(self._posts.values(), key=_order)

    def remaining(self) -> list[PlannedPost]:
        return [p for p in self.posts if p.key not in self.done]

    @property
    def ends_at(self) -> datetime:
        return next(p.due for p in self._posts.values() if p.kind == "closing")

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def _skip(self, key: str) -> None:
        self.done.add(key)
        self.skipped.add(key)

    def _move(self, key: str, due: datetime) -> None:
        self._posts[key] = replace(self._posts[key], due=due)

    def _live(self) -> None:
        if self.ended or any(p.kind == "closing" and p.key in self.done for p in self.planned):
            raise TimelineRefused("the session has ended")

    def due(self, now: datetime) -> list[PlannedPost]:
        """Posts whose time has come and that are not done, in order; none while paused."""
        now = _utc(now, "now")
        return [] if self.paused else [p for p in self.remaining() if p.due <= now]

    def next_due_at(self) -> datetime | None:
        """When the next post comes due (possibly past); None while paused or when all are done."""
        rest = self.remaining()
        return None if self.paused or not rest else rest[0].due

    def mark_done(self, key: str) -> None:
        if key not in self._posts:
            raise ValueError(f"no planned post with key {key!r}")
        self.done.add(key)

    def pause(self, now: datetime) -> None:
        self._live()
        if self.paused:
            raise TimelineRefused("the chat is already paused")
        self.paused_at = _utc(now, "now")

    def resume(self, now: datetime) -> timedelta:
        """Unpause; every remaining post moves later by the pause length, which is returned."""
        if self.paused_at is None:
            raise TimelineRefused("the chat is not paused")
        shift = max(_utc(now, "now") - self.paused_at, timedelta(0))
        for p in self.remaining():
            self._move(p.key, p.due + shift)
        self.paused_minutes += shift / timedelta(minutes=1)
        self.paused_at = None
        return shift

    def extend(self, minutes: float) -> None:
        """Move the last call, the closing and so the end ``minutes`` later."""
        self._live()
        if not minutes > 0:
            raise TimelineRefused("extend by a positive number of minutes")
        for p in self.remaining():
            if p.kind in ("last_call", "closing"):
                self._move(p.key, p.due + _minutes(minutes))
        self.extension_minutes += minutes

    def _next_prompt(self, now: datetime) -> PlannedPost | None:
        _utc(now, "now")
        self._live()
        if self.paused:
            raise TimelineRefused("the chat is paused: resume it first")
        return next((p for p in self.remaining() if p.kind == "prompt"), None)

    def next_prompt(self, now: datetime) -> PlannedPost | None:
        """The host's ``next``: the next unposted prompt, due now. Later prompts keep their times
        unless within 2 minutes of the one before (then they shift, never past the closing);
        reminders now within 2 minutes of a prompt are dropped."""
        post = self._next_prompt(now)
        if post is None:
            return None
        now = _utc(now, "now")
        self._move(post.key, min(post.due, now))
        prev = now
        for p in [p for p in self.remaining() if p.kind == "prompt" and p.key != post.key]:
            if p.due >= prev + NEAR:
                break
            prev = min(prev + NEAR, self.ends_at)  # never after the closing
            self._move(p.key, prev)
        prompts = [p.due for p in self.remaining() if p.kind == "prompt"]
        for p in self.remaining():
            if p.kind == "reminder" and any(abs(p.due - t) <= NEAR for t in prompts):
                self._skip(p.key)
        return self._posts[post.key]

    def skip(self, now: datetime) -> PlannedPost | None:
        """The host's ``skip``: the next unposted prompt is settled without being posted."""
        post = self._next_prompt(now)
        if post is not None:
            self._skip(post.key)
        return post

    def end(self, now: datetime) -> PlannedPost:
        """The host's ``end``: everything left is dropped but the closing, which is due now."""
        self._live()
        now = _utc(now, "now")
        closing = next(p for p in self.remaining() if p.kind == "closing")
        for p in self.remaining():
            if p.kind != "closing":
                self._skip(p.key)
        self._move(closing.key, min(closing.due, now))
        self.paused_at, self.ended = None, True
        return self._posts[closing.key]

    def missed(self, now: datetime, grace_minutes: float = 2) -> list[PlannedPost]:
        """Posts that came due more than ``grace_minutes`` ago and are not done (none while paused)."""
        cutoff = _utc(now, "now") - _minutes(grace_minutes)
        return [] if self.paused else [p for p in self.remaining() if p.due < cutoff]

    def catch_up(
        self, now: datetime, grace_minutes: float = 2
    ) -> tuple[list[PlannedPost], list[PlannedPost]]:
        """After a restart: (to_post, to_skip) among the missed posts; to_skip are settled here.
        With ``missed="post"`` stale posts are still skipped: announcements once the session has
        begun, and reminders, question slots and a last call followed by another missed post."""
        missed = self.missed(now, grace_minutes)
        if self.options.missed == "skip":
            to_post, to_skip = list[PlannedPost](), missed
        else:
            started = _utc(now, "now") >= min(p.due for p in self._posts.values() if p.kind != "announcement")
            to_post, to_skip = [], []
            for i, p in enumerate(missed):
                stale = (p.kind == "announcement" and started) or (
                    p.kind in _FILLER and any(q.kind != "announcement" for q in missed[i + 1 :])
                )
                (to_skip if stale else to_post).append(p)
        for p in to_skip:
            self._skip(p.key)
        return to_post, to_skip

    def snapshot(self) -> dict[str, Any]:
        """The JSON-able state to persist; ``Timeline.restore`` rebuilds it with the same plan."""
        original = {p.key: _utc(p.due, "due") for p in self.planned}
        return {
            "version": 1,
            "done": sorted(self.done),
            "skipped": sorted(self.skipped),
            "paused_at": self.paused_at.isoformat() if self.paused_at else None,
            "extension_minutes": self.extension_minutes,
            "paused_minutes": self.paused_minutes,
            "ended": self.ended,
            "due": {k: p.due.isoformat() for k, p in self._posts.items() if p.due != original[k]},
        }

    @classmethod
    def restore(
        cls,
        planned: list[PlannedPost] | tuple[PlannedPost, ...],
        snapshot: dict[str, Any],
        options: TimelineOptions | None = None,
    ) -> Timeline:
        """The timeline of ``planned`` in the state ``snapshot`` recorded. Moved times of keys the
        plan no longer has (the config changed) are ignored."""
        if snapshot.get("version") != 1:
            raise ValueError(f"unsupported timeline snapshot version {snapshot.get('version')!r}")
        paused_at = snapshot.get("paused_at")
        timeline = cls(
            tuple(planned),
            options or TimelineOptions(),
            done=set(snapshot["done"]),
            skipped=set(snapshot["skipped"]),
            paused_at=_utc(datetime.fromisoformat(paused_at), "paused_at") if paused_at else None,
            extension_minutes=float(snapshot["extension_minutes"]),
            paused_minutes=float(snapshot["paused_minutes"]),
            ended=bool(snapshot["ended"]),
        )
        for key, due in snapshot["due"].items():
            if key in timeline._posts:
                timeline._move(key, _utc(datetime.fromisoformat(due), f"post {key}: due"))
        return timeline
