"""The session timeline: planning, DST, and the live state machine on a virtual clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.core.model import PromptSpec, SessionSpec
from chatbot.core.schedule import (
    PlannedPost,
    Templates,
    TimelineOptions,
    build_timeline,
    next_occurrence,
    resolve_local,
)
from chatbot.core.timeline import Timeline, TimelineRefused

NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 3, 21, 0, tzinfo=NY)  # a Tuesday, 02:00Z on the 4th
TUESDAY = 1


def spec(*prompts: PromptSpec, start: datetime = START, minutes: float = 60, n: int = 0) -> SessionSpec:
    prompts = prompts or tuple(PromptSpec(f"Q{i}", f"Question {i}?") for i in range(1, n + 1))
    return SessionSpec(
        id="s1",
        hashtag="localgovchat",
        title="Open budgets",
        start=start,
        timezone="America/New_York",
        duration_minutes=minutes,
        hosts=("@govhost",),
        prompts=prompts,
    )


def plan(s: SessionSpec, **options: object) -> list[PlannedPost]:
    return build_timeline(s, Templates(), TimelineOptions(**options))  # type: ignore[arg-type]


def at(minutes: float, start: datetime = START) -> datetime:
    """The instant ``minutes`` of elapsed time after ``start``."""
    return start.astimezone(UTC) + timedelta(minutes=minutes)


def offsets(posts: list[PlannedPost], start: datetime = START) -> list[tuple[float, str]]:
    return [((p.due - start.astimezone(UTC)) / timedelta(minutes=1), p.key) for p in posts]


def timeline(s: SessionSpec | None = None, **options: object) -> Timeline:
    opts = TimelineOptions(**options)  # type: ignore[arg-type]
    return Timeline(tuple(build_timeline(s or spec(n=4), Templates(), opts)), opts)


# --- planning ------------------------------------------------------------------------------------------


def test_full_sixty_minute_session() -> None:
    posts = plan(spec(n=4))
    assert offsets(posts) == [
        (-1440, "announce:1440"),
        (-60, "announce:60"),
        (0, "welcome"),
        (1, "intro"),
        (5, "prompt:Q1"),
        (20, "prompt:Q2"),  # reminder:20 is dropped: it would collide with Q2
        (35, "prompt:Q3"),
        (40, "reminder:40"),
        (50, "prompt:Q4"),
        (55, "lastcall"),
        (60, "closing"),
    ]
    assert all(p.due.tzinfo is UTC for p in posts)
    assert [p.kind for p in posts][2:5] == ["welcome", "intro", "prompt"]
    assert posts[4].label == "Q1" and posts[0].label is None


def test_texts_are_formatted() -> None:
    posts = {
        p.key: p for p in build_timeline(spec(n=2), Templates(), TimelineOptions(), recap_url="https://r/s1")
    }
    assert (
        posts["announce:60"].text
        == "Join us Tuesday, November 3 at 9:00 PM EST for #localgovchat: Open budgets"
    )
    assert posts["prompt:Q2"].text == "Q2: Question 2?"
    assert (
        posts["reminder:40"].text
        == "Reminder: include #localgovchat in every tweet and answer with A1:, A2: ..."
    )
    assert posts["lastcall"].text == "Last call: 5 minutes left in #localgovchat. Get your final answers in!"
    assert posts["closing"].text.endswith("Recap: https://r/s1")
    assert "Recap" not in plan(spec(n=2))[-1].text  # no URL yet: the closing without it


def test_custom_templates_and_placeholders() -> None:
    templates = Templates(
        welcome="{host} welcomes you to {hashtag} ({title}) for {minutes_left} minutes",
        prompt="{label} {text} {hashtag}",
        announcement="Starting in {minutes_left} minutes: {title} {local_date} {local_time}",
    )
    posts = {p.key: p.text for p in build_timeline(spec(n=1), templates, TimelineOptions())}
    assert posts["welcome"] == "@govhost welcomes you to #localgovchat (Open budgets) for 60 minutes"
    assert posts["prompt:Q1"] == "Q1 Question 1? #localgovchat"
    assert posts["announce:60"] == "Starting in 60 minutes: Open budgets Tuesday, November 3 9:00 PM EST"
    assert templates.render("question", {"asker": "@jane", "text": "Is the data open?"}) == (
        "Question from @jane: Is the data open?"
    )


def test_prompt_times_absolute_offset_and_spread() -> None:
    s = spec(
        PromptSpec("Q1", "a", at=datetime(2026, 11, 4, 2, 8, tzinfo=UTC)),  # 9:08 PM EST
        PromptSpec("Q2", "b"),  # between Q1 and Q3
        PromptSpec("Q3", "c", offset_minutes=30),
        PromptSpec("Q4", "d"),  # after Q3, the last no later than end - 10
        PromptSpec("Q5", "e"),
    )
    assert [(m, k) for m, k in offsets(plan(s)) if k.startswith("prompt")] == [
        (8, "prompt:Q1"),
        (19, "prompt:Q2"),  # 19.0 exactly: (8 + 30) / 2
        (30, "prompt:Q3"),
        (40, "prompt:Q4"),
        (50, "prompt:Q5"),
    ]


def test_spread_prompts_land_on_whole_minutes() -> None:
    got = [m for m, k in offsets(plan(spec(n=7))) if k.startswith("prompt")]
    assert got == [5, 12, 20, 27, 35, 42, 50]  # 7.5 minutes apart, floored
    assert [m for m, k in offsets(plan(spec(n=1))) if k.startswith("prompt")] == [5]
    assert [m for m, k in offsets(plan(spec(n=2), first_prompt_minutes=10)) if k.startswith("prompt")] == [
        10,
        50,
    ]


def test_prompt_before_an_anchor_is_spread_from_the_default_first_time() -> None:
    s = spec(PromptSpec("Q1", "a"), PromptSpec("Q2", "b"), PromptSpec("Q3", "c", offset_minutes=25))
    assert [m for m, k in offsets(plan(s)) if k.startswith("prompt")] == [5, 15, 25]


def test_reminders_options_and_question_slots() -> None:
    keys = [k for _, k in offsets(plan(spec(n=4), reminder_every_minutes=10))]
    assert [k for k in keys if k.startswith("reminder")] == ["reminder:10", "reminder:30", "reminder:40"]
    assert not any(k.startswith("reminder") for _, k in offsets(plan(spec(n=4), reminder_every_minutes=0)))
    no_last_call = offsets(plan(spec(n=1), last_call_minutes=0, announce_before_minutes=()))
    assert no_last_call == [
        (0, "welcome"),
        (1, "intro"),
        (5, "prompt:Q1"),
        (20, "reminder:20"),
        (40, "reminder:40"),
        (60, "closing"),
    ]
    slots = [(m, k) for m, k in offsets(plan(spec(n=4), questions_between_prompts=True)) if "slot" in k]
    assert slots == [(12, "question-slot:1"), (27, "question-slot:2"), (42, "question-slot:3")]
    assert all(
        p.text == "" for p in plan(spec(n=4), questions_between_prompts=True) if p.kind == "question_slot"
    )


@pytest.mark.parametrize(
    ("prompts", "message"),
    [
        (
            (PromptSpec("Q1", "a", offset_minutes=60),),
            r"prompt Q1: 10:00 PM EST is outside the session \(9:00 PM EST to 10:00 PM EST\)",
        ),
        ((PromptSpec("Q1", "a", offset_minutes=-1),), "prompt Q1: 8:59 PM EST is outside the session"),
        (
            (PromptSpec("Q7", "a", at=datetime(2026, 11, 3, 20, 0, tzinfo=NY)),),
            "prompt Q7: 8:00 PM EST is outside",
        ),
        (
            (PromptSpec("Q1", "a", at=datetime(2026, 11, 3, 21, 5)),),
            "prompt Q1: time 2026-11-03T21:05:00 has no time zone",
        ),
        ((PromptSpec("Q1", "a"), PromptSpec("q1", "b")), "prompt q1: the label is used twice"),
        (
            (PromptSpec("Q1", "a", offset_minutes=20), PromptSpec("Q2", "b", offset_minutes=10)),
            "prompt Q2: its time comes before",
        ),
        ((PromptSpec(" ", "a"),), "a prompt has no label"),
    ],
)
def test_prompt_validation(prompts: tuple[PromptSpec, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(spec(*prompts))


def test_session_validation() -> None:
    with pytest.raises(ValueError, match="duration must be positive"):
        plan(spec(minutes=0))
    with pytest.raises(ValueError, match="session s1: start 2026-11-03T21:00:00 has no time zone"):
        plan(spec(start=datetime(2026, 11, 3, 21, 0)))
    bad_zone = SessionSpec(id="s2", hashtag="#x", title="t", start=START, timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="session s2: unknown time zone 'Mars/Olympus'"):
        plan(bad_zone)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"closing": "Bye {recap}"},
            r"template 'closing' uses unknown placeholder \{recap\}; known: asker, hashtag",
        ),
        ({"welcome": "Hi {hashtag.upper}"}, r"template 'welcome' uses unknown placeholder \{hashtag.upper\}"),
        ({"intro": "Hi {}"}, r"template 'intro' uses unknown placeholder \{\}"),
        ({"prompt": "{label}: {text:{width}}"}, r"template 'prompt' uses unknown placeholder \{width\}"),
        ({"reminder": "Use {hashtag"}, "template 'reminder' is malformed"),
        ({"last_call": "{minutes_left:d} left"}, "template 'last_call' cannot be formatted"),
        ({"question": 3}, "template 'question' must be text"),
    ],
)
def test_template_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Templates(**kwargs)  # type: ignore[arg-type]


def test_templates_validate_is_callable_and_render_refuses_unknown_names() -> None:
    Templates().validate()
    with pytest.raises(ValueError, match="no template named 'farewell'"):
        Templates().render("farewell", {})


def test_options_validation() -> None:
    with pytest.raises(ValueError, match="reminder_every_minutes must not be negative"):
        TimelineOptions(reminder_every_minutes=-5)
    with pytest.raises(ValueError, match="announce_before_minutes must not be negative"):
        TimelineOptions(announce_before_minutes=(60, -1))
    assert TimelineOptions(announce_before_minutes=[60, 15]).announce_before_minutes == (60, 15)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missed must be 'post' or 'skip'"):
        TimelineOptions(missed="later")  # type: ignore[arg-type]


# --- time zones ----------------------------------------------------------------------------------------


def test_weekly_chat_stays_at_nine_pm_across_fall_back() -> None:
    first = next_occurrence(time(21), TUESDAY, NY, after=datetime(2026, 10, 26, tzinfo=UTC))
    second = next_occurrence(time(21), TUESDAY, NY, after=first)
    assert first.astimezone(UTC) == datetime(2026, 10, 28, 1, 0, tzinfo=UTC)  # 21:00 EDT
    assert second.astimezone(UTC) == datetime(2026, 11, 4, 2, 0, tzinfo=UTC)  # 21:00 EST
    assert (first.hour, second.hour) == (21, 21)
    assert second - first == timedelta(days=7)  # same-zone arithmetic is wall time in Python ...
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(days=7, hours=1)  # ... real time


def test_weekly_chat_stays_at_nine_pm_across_spring_forward() -> None:
    first = next_occurrence(time(21), TUESDAY, NY, after=datetime(2026, 3, 1, tzinfo=NY))
    second = next_occurrence(time(21), TUESDAY, NY, after=first)
    assert first.astimezone(UTC) == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # EST
    assert second.astimezone(UTC) == datetime(2026, 3, 11, 1, 0, tzinfo=UTC)  # EDT


def test_next_occurrence_is_strictly_after_and_checks_the_weekday() -> None:
    assert next_occurrence(time(21), TUESDAY, NY, after=START) == datetime(2026, 11, 10, 21, 0, tzinfo=NY)
    same_day_earlier = datetime(2026, 11, 3, 20, 59, tzinfo=NY)
    assert next_occurrence(time(21), TUESDAY, NY, after=same_day_earlier) == START
    with pytest.raises(ValueError, match="weekday must be 0"):
        next_occurrence(time(21), 7, NY, after=START)


def test_nonexistent_local_time_moves_to_the_first_valid_instant() -> None:
    got = resolve_local(datetime(2026, 3, 8, 2, 30), NY)  # 02:00-03:00 does not exist that night
    assert got.astimezone(UTC) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert (got.hour, got.minute, got.utcoffset()) == (3, 0, timedelta(hours=-4))
    sunday = next_occurrence(time(2, 30), 6, NY, after=datetime(2026, 3, 7, tzinfo=NY))
    assert sunday.astimezone(UTC) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    week_after = next_occurrence(time(2, 30), 6, NY, after=sunday)
    assert week_after.astimezone(UTC) == datetime(2026, 3, 15, 6, 30, tzinfo=UTC)  # 02:30 EDT


def test_ambiguous_local_time_is_its_first_occurrence() -> None:
    got = resolve_local(datetime(2026, 11, 1, 1, 30), NY)  # 01:00-02:00 happens twice that night
    assert got.fold == 0 and got.utcoffset() == timedelta(hours=-4)
    assert got.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    sunday = next_occurrence(time(1, 30), 6, NY, after=datetime(2026, 10, 31, tzinfo=NY))
    assert sunday.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    plain = resolve_local(datetime(2026, 11, 3, 21, 0), NY)
    assert plain.astimezone(UTC) == datetime(2026, 11, 4, 2, 0, tzinfo=UTC)


def test_session_straddling_fall_back_runs_on_elapsed_minutes() -> None:
    start = datetime(2026, 11, 1, 1, 30, tzinfo=NY)  # fold=0: 01:30 EDT, 05:30Z
    s = spec(
        PromptSpec("Q1", "a", offset_minutes=20),  # 01:50 EDT
        PromptSpec("Q2", "b", at=datetime(2026, 11, 1, 1, 10, fold=1, tzinfo=NY)),  # 01:10 EST, 40 min in
        start=start,
    )
    posts = plan(s, announce_before_minutes=())
    assert offsets(posts, start) == [
        (0, "welcome"),
        (1, "intro"),
        (20, "prompt:Q1"),
        (40, "prompt:Q2"),
        (55, "lastcall"),
        (60, "closing"),
    ]
    end = posts[-1].due.astimezone(NY)
    assert (end.hour, end.minute, end.fold, end.utcoffset()) == (1, 30, 1, timedelta(hours=-5))
    assert posts[-1].due == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_session_straddling_spring_forward_lasts_sixty_real_minutes() -> None:
    start = datetime(2026, 3, 8, 1, 30, tzinfo=NY)
    posts = plan(spec(n=1, start=start), announce_before_minutes=())
    end = posts[-1].due.astimezone(NY)
    assert (end.hour, end.minute) == (3, 30)  # 01:30 EST + 60 minutes = 03:30 EDT
    assert posts[-1].due - start.astimezone(UTC) == timedelta(minutes=60)


# --- the live state machine ----------------------------------------------------------------------------


def run(tl: Timeline, until: float, *, step: float = 0.5, start: float = -1) -> list[tuple[float, str]]:
    """A runner on a virtual clock: post (mark done) whatever is due, minute by minute."""
    posted = []
    m = start
    while m <= until:
        for p in tl.due(at(m)):
            posted.append((m, p.key))
            tl.mark_done(p.key)
        m += step
    return posted


def test_due_in_order_and_exactly_once() -> None:
    tl = timeline(announce_before_minutes=())
    assert tl.next_due_at() == at(0)
    assert [p.key for p in tl.due(at(1))] == ["welcome", "intro"]
    assert [p.key for p in tl.due(at(1))] == ["welcome", "intro"]  # not done yet: still due
    tl.mark_done("welcome")
    assert [p.key for p in tl.due(at(1))] == ["intro"]
    tl.mark_done("intro")
    assert tl.due(at(4.9)) == [] and tl.next_due_at() == at(5)
    assert run(tl, 70, start=5) == [
        (5, "prompt:Q1"),
        (20, "prompt:Q2"),
        (35, "prompt:Q3"),
        (40, "reminder:40"),
        (50, "prompt:Q4"),
        (55, "lastcall"),
        (60, "closing"),
    ]
    assert tl.next_due_at() is None
    with pytest.raises(ValueError, match="no planned post with key 'prompt:Q9'"):
        tl.mark_done("prompt:Q9")
    with pytest.raises(ValueError, match="now 2026-11-03T21:00:00 has no time zone"):
        tl.due(datetime(2026, 11, 3, 21, 0))


def test_pause_and_resume_shift_what_is_left() -> None:
    tl = timeline(announce_before_minutes=())
    run(tl, 10)
    tl.pause(at(10))
    assert tl.paused and tl.due(at(30)) == [] and tl.next_due_at() is None and tl.missed(at(30)) == []
    with pytest.raises(TimelineRefused, match="already paused"):
        tl.pause(at(11))
    with pytest.raises(TimelineRefused, match="paused: resume it first"):
        tl.next_prompt(at(12))
    assert tl.resume(at(25)) == timedelta(minutes=15)
    assert tl.ends_at == at(75) and tl.paused_minutes == 15
    with pytest.raises(TimelineRefused, match="not paused"):
        tl.resume(at(26))
    assert run(tl, 80, start=25) == [
        (35, "prompt:Q2"),
        (50, "prompt:Q3"),
        (55, "reminder:40"),
        (65, "prompt:Q4"),
        (70, "lastcall"),
        (75, "closing"),
    ]


def test_extend_moves_last_call_and_closing() -> None:
    tl = timeline(announce_before_minutes=())
    run(tl, 30)
    tl.extend(15)
    assert tl.ends_at == at(75) and tl.extension_minutes == 15
    with pytest.raises(TimelineRefused, match="positive number of minutes"):
        tl.extend(0)
    assert run(tl, 80, start=30) == [
        (35, "prompt:Q3"),
        (40, "reminder:40"),
        (50, "prompt:Q4"),
        (70, "lastcall"),
        (75, "closing"),
    ]
    with pytest.raises(TimelineRefused, match="the session has ended"):
        tl.extend(5)


def test_next_posts_the_next_prompt_now_and_keeps_two_minutes_between_prompts() -> None:
    s = spec(*(PromptSpec(f"Q{i}", "?", offset_minutes=m) for i, m in enumerate((5, 20, 21, 22, 35), 1)))
    tl = timeline(s, announce_before_minutes=(), reminder_every_minutes=10)
    run(tl, 19)
    assert tl.skipped == set()
    nxt = tl.next_prompt(at(19.5))
    assert nxt is not None and nxt.key == "prompt:Q2" and nxt.due == at(19.5)
    due = {p.key: p.due for p in tl.posts}
    assert due["prompt:Q3"] == at(21.5) and due["prompt:Q4"] == at(23.5)  # shifted: too close
    assert due["prompt:Q5"] == at(35)  # kept its time
    assert [p.key for p in tl.due(at(19.5))] == ["prompt:Q2"]


def test_next_drops_reminders_that_now_collide_and_returns_none_when_no_prompt_is_left() -> None:
    tl = timeline(reminder_every_minutes=10, announce_before_minutes=())
    run(tl, 28)
    nxt = tl.next_prompt(at(29))
    assert nxt is not None and nxt.label == "Q3"
    assert "reminder:30" in tl.skipped and "reminder:30" in tl.done
    assert tl.next_prompt(at(29.5)) is not None  # Q4, also now
    tl.mark_done("prompt:Q3")
    tl.mark_done("prompt:Q4")
    assert tl.next_prompt(at(30)) is None


def test_skip_settles_the_next_prompt_without_posting_it() -> None:
    tl = timeline(announce_before_minutes=())
    run(tl, 6)
    skipped = tl.skip(at(7))
    assert skipped is not None and skipped.key == "prompt:Q2"
    assert "prompt:Q2" in tl.skipped
    assert [k for _, k in run(tl, 70, start=7)] == [
        "prompt:Q3",
        "reminder:40",
        "prompt:Q4",
        "lastcall",
        "closing",
    ]


def test_end_drops_everything_but_the_closing_which_is_due_now() -> None:
    tl = timeline(announce_before_minutes=())
    run(tl, 25)
    closing = tl.end(at(25.5))
    assert closing.key == "closing" and closing.due == at(25.5) and tl.ends_at == at(25.5) and tl.ended
    assert [p.key for p in tl.due(at(25.5))] == ["closing"]
    assert {"prompt:Q3", "prompt:Q4", "reminder:40", "lastcall"} <= tl.skipped
    assert run(tl, 200, start=25.5) == [(25.5, "closing")]
    for command in (tl.end, tl.pause, tl.skip, tl.next_prompt):
        with pytest.raises(TimelineRefused, match="the session has ended"):
            command(at(30))


def test_end_while_paused_unpauses() -> None:
    tl = timeline(announce_before_minutes=())
    run(tl, 10)
    tl.pause(at(10))
    tl.end(at(12))
    assert not tl.paused and [p.key for p in tl.due(at(12))] == ["closing"]


def test_catch_up_posts_what_was_missed_but_skips_stale_posts() -> None:
    tl = timeline(reminder_every_minutes=10)
    for key in ("welcome", "intro"):  # the bot went down at minute 3: announcements never went out
        tl.mark_done(key)
    assert tl.missed(at(23), grace_minutes=2) == [
        p
        for p in tl.posts
        if p.key in ("announce:1440", "announce:60", "prompt:Q1", "reminder:10", "prompt:Q2")
    ]
    to_post, to_skip = tl.catch_up(at(23))
    assert [p.key for p in to_post] == ["prompt:Q1", "prompt:Q2"]
    assert [p.key for p in to_skip] == ["announce:1440", "announce:60", "reminder:10"]
    assert {"announce:1440", "announce:60", "reminder:10"} <= tl.done
    assert [p.key for p in tl.due(at(23))] == ["prompt:Q1", "prompt:Q2"]  # the runner posts them now


def test_catch_up_within_grace_and_before_the_start() -> None:
    tl = timeline()
    assert tl.catch_up(at(-1440 + 1)) == ([], [])  # one minute late is just due, not missed
    to_post, to_skip = tl.catch_up(at(-30))  # missed yesterday's announcement, still before the start
    assert [p.key for p in to_post] == ["announce:1440", "announce:60"] and to_skip == []


def test_catch_up_with_missed_skip() -> None:
    tl = timeline(missed="skip", announce_before_minutes=())
    to_post, to_skip = tl.catch_up(at(23))
    assert to_post == [] and [p.key for p in to_skip] == ["welcome", "intro", "prompt:Q1", "prompt:Q2"]
    assert tl.next_due_at() == at(35)


def test_snapshot_round_trip() -> None:
    s = spec(n=4)
    opts = TimelineOptions(reminder_every_minutes=10)
    planned = build_timeline(s, Templates(), opts)
    tl = Timeline(tuple(planned), opts)
    run(tl, 12, start=-2000)
    tl.pause(at(12))
    tl.resume(at(14))
    tl.next_prompt(at(15))
    tl.extend(5)
    tl.skip(at(16))
    tl.pause(at(17))
    state = json.loads(json.dumps(tl.snapshot()))
    again = Timeline.restore(planned, state, opts)
    assert again.posts == tl.posts and again.done == tl.done and again.skipped == tl.skipped
    assert (again.paused_at, again.ends_at, again.extension_minutes, again.paused_minutes) == (
        tl.paused_at,
        tl.ends_at,
        tl.extension_minutes,
        tl.paused_minutes,
    )
    assert again.snapshot() == tl.snapshot()
    again.resume(at(20))
    tl.resume(at(20))
    assert run(again, 90, start=20) == run(tl, 90, start=20)
    with pytest.raises(ValueError, match="unsupported timeline snapshot version 7"):
        Timeline.restore(planned, {**state, "version": 7})


def test_restore_ignores_moved_times_of_posts_the_plan_no_longer_has() -> None:
    tl = timeline(spec(n=3))
    tl.next_prompt(at(2))
    planned = build_timeline(spec(n=2), Templates(), TimelineOptions())
    state = tl.snapshot() | {"due": {**tl.snapshot()["due"], "prompt:Q3": at(3).isoformat()}}
    again = Timeline.restore(planned, state)
    assert "prompt:Q3" not in {p.key for p in again.posts}


def test_timeline_needs_one_closing_and_unique_keys() -> None:
    posts = plan(spec(n=1))
    with pytest.raises(ValueError, match="exactly one closing"):
        Timeline(tuple(p for p in posts if p.kind != "closing"))
    with pytest.raises(ValueError, match="duplicate keys"):
        Timeline((*posts, posts[0]))


_op = st.one_of(
    st.tuples(st.just("advance"), st.floats(0, 90)),
    st.tuples(st.sampled_from(["pause", "resume", "next", "skip", "end"]), st.just(0.0)),
    st.tuples(st.just("extend"), st.integers(1, 30).map(float)),
)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(0, 12),
    minutes=st.integers(6, 120),
    every=st.sampled_from([0, 7, 20]),
    slots=st.booleans(),
    ops=st.lists(_op, max_size=30),
)
def test_every_post_comes_due_exactly_once(
    n: int, minutes: int, every: int, slots: bool, ops: list[tuple[str, float]]
) -> None:
    opts = TimelineOptions(reminder_every_minutes=every, questions_between_prompts=slots)
    planned = build_timeline(spec(n=n, minutes=minutes), Templates(), opts)
    tl = Timeline(tuple(planned), opts)
    now = planned[0].due - timedelta(minutes=1)
    seen: list[str] = []

    def drain() -> None:
        batch = tl.due(now)
        assert batch == sorted(batch, key=lambda p: p.due)
        assert all(p.due <= now for p in batch)
        for p in batch:
            assert p.key not in seen
            seen.append(p.key)
            tl.mark_done(p.key)
        assert tl.due(now) == []

    for op, value in ops:
        drain()
        try:
            if op == "advance":
                now += timedelta(minutes=value)
            elif op == "extend":
                tl.extend(value)
            elif op in ("pause", "resume", "end"):
                getattr(tl, op)(now)
            elif op == "next":
                tl.next_prompt(now)
            else:
                tl.skip(now)
        except TimelineRefused:
            pass
    if tl.paused:
        tl.resume(now)
    now = max(now, tl.ends_at) + timedelta(minutes=1)
    drain()
    assert set(seen) | tl.skipped == {p.key for p in planned}
    assert not set(seen) & tl.skipped
    assert tl.next_due_at() is None and seen[-1] == "closing"
