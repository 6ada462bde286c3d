"""What a session's config becomes for the live runner, and what host commands do to its timeline.

``session_plan`` turns a session's config into its templates, options and planned posts.
``apply_control`` carries out the command table's timeline commands (``chatbot.core.commands``)
on a ``Timeline`` (pure: the time is passed in).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chatbot.config import SessionConfig
from chatbot.core import commands
from chatbot.core.commands import Effect
from chatbot.core.engine import Control
from chatbot.core.schedule import (
    PlannedPost,
    Templates,
    TimelineOptions,
    build_timeline,
)
from chatbot.core.timeline import Timeline, TimelineRefused

#: Host commands that change the timeline (``next_question`` posts from the queue instead).
TIMELINE_COMMANDS = commands.names(effects=[Effect.TIMELINE])


def session_plan(
    session: SessionConfig, *, recap_url: str = ""
) -> tuple[Templates, TimelineOptions, list[PlannedPost]]:
    """The session's templates, options (validated once, when the ``SessionConfig`` was made) and
    planned posts."""
    return (
        session.templates,
        session.options,
        build_timeline(session.spec, session.templates, session.options, recap_url=recap_url),
    )


def apply_control(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    """The timeline after a host's command (the same object unless ``start`` rebuilt it);
    TimelineRefused with a host-facing reason when it cannot apply."""
    do = _TIMELINE.get(control.name)
    if do is None:
        raise ValueError(f"not a timeline command: {control.name!r}")
    return do(timeline, control, now)


def _pause(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    timeline.pause(now)
    return timeline


def _resume(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    timeline.resume(now)
    return timeline


def _next(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    if timeline.next_prompt(now) is None:
        raise TimelineRefused("there is no prompt left to post")
    return timeline


def _skip(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    if timeline.skip(now) is None:
        raise TimelineRefused("there is no prompt left to skip")
    return timeline


def _extend(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    timeline.extend(float(control.args[0]))
    return timeline


def _end(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    timeline.end(now)
    return timeline


def _start(timeline: Timeline, control: Control, now: datetime) -> Timeline:
    return start_now(timeline, now)


#: The runner's half of the command table: every timeline command.
_TIMELINE: dict[str, Callable[[Timeline, Control, datetime], Timeline]] = {
    "start": _start,
    "pause": _pause,
    "resume": _resume,
    "next": _next,
    "skip": _skip,
    "extend": _extend,
    "end": _end,
}
commands.check_handlers(_TIMELINE, [Effect.TIMELINE], "chatbot.hosting.plan")


def start_now(timeline: Timeline, now: datetime) -> Timeline:
    """The host's ``start``: resume a paused chat, or bring the whole session forward to now
    (announcements not yet made are dropped)."""
    if timeline.paused:
        timeline.resume(now)
        return timeline
    welcome = next(p for p in timeline.posts if p.kind == "welcome")
    if welcome.key in timeline.done or welcome.due <= now:
        raise TimelineRefused("the chat has already started")
    shift = welcome.due - now
    snap = timeline.snapshot()
    for p in timeline.remaining():
        if p.kind == "announcement":
            snap["done"].append(p.key)
            snap["skipped"].append(p.key)
        else:
            snap["due"][p.key] = (p.due - shift).isoformat()
    return Timeline.restore(timeline.planned, snap, timeline.options)
