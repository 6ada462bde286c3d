"""A hostile value under any key of chat.toml is one ConfigError naming that key, never another
exception, a hang or a memory blow-up: nan, inf, 1e300 and 1e-9 minutes, years 1 and 9999, empty
host handles, template format specs that would pad a post to hundreds of megabytes."""

from __future__ import annotations

import json
import math
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.config import Config, ConfigError, load_config
from chatbot.core.schedule import MAX_POSTS
from chatbot.hosting.plan import session_plan
from chatbot.hosting.recaps import Recaps
from chatbot.startup import check_sessions

BASE: dict[str, Any] = {
    "hashtag": "#chat",
    "timezone": "America/New_York",
    "start": "2030-11-24 21:00",
    "duration_minutes": 60,
    "hosts": ["@host"],
}


def toml(v: Any) -> str:
    """``v`` as a TOML value (nan and inf included, which JSON cannot write)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml(x) for x in v) + "]"
    raise TypeError(v)


def write(tmp: Path, session: dict[str, Any], table: str = "", values: dict[str, Any] | None = None) -> Path:
    lines = ["[[session]]", *(f"{k} = {toml(v)}" for k, v in session.items())]
    if table:  # a prompt is an array of tables: [[session.prompt]]
        header = f"[[{table}]]" if table == "session.prompt" else f"[{table}]"
        lines += [header, *(f"{k} = {toml(v)}" for k, v in (values or {}).items())]
    path = tmp / "chat.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


numbers = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 1e308, 1e-9, -1e-9, 0.0, -1.0, 5e-324]),
    st.sampled_from([0, -1, 2**63 - 1, -(2**63), 10**15]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63 - 1),
)
anything = st.one_of(
    numbers,
    st.sampled_from(["", " ", "soon", "0001-01-01 00:00", "9999-12-31 23:59", "x" * 10_000]),
    st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59), True, [], [""], [1e308], [math.nan]]),
    st.lists(numbers, max_size=30),
)
TIMELINE_KEYS = [
    "announce_before_minutes",
    "reminder_every_minutes",
    "last_call_minutes",
    "intro_after_minutes",
    "first_prompt_minutes",
    "last_prompt_before_end_minutes",
    "questions_between_prompts",
    "missed",
]
TEMPLATES = ["welcome", "intro", "prompt", "reminder", "last_call", "closing", "announcement", "question"]
templates = st.one_of(
    st.sampled_from(
        [
            "{title:>300000000}",
            "{title:.999999999}",
            "{hashtag:{title}}",
            "{title:x<" + "9" * 5_001 + "}",
            "{title!r:^99999}",
            "{minutes_left:,.300000f}",
            "{title.__class__}",
            "{title[0]}",
            "{0}",
            "{{literal}}",
            "{title:>40}",
        ]
    ),
    st.text(alphabet="{}:<>^.!0123456789 title hashtag", max_size=40),
)


def loads_or_names(path: Path, key: str) -> Config | None:
    """The config when ``path`` is fine; None after checking its ConfigError names ``key``."""
    try:
        config = load_config(path, env={})
        check_sessions(config, Recaps(path.parent / "out"))
    except ConfigError as e:
        text = str(e)
        assert "\n" not in text and text.startswith(str(path)), text
        assert key in text, (key, text)
        return None
    for sc in config.sessions:
        assert len(session_plan(sc)[2]) <= MAX_POSTS
    return config


def bounded(path: Path, key: str) -> None:
    """``loads_or_names``, using at most 20 MB on the way (no timing: memory is what blew up)."""
    tracemalloc.start()
    try:
        loads_or_names(path, key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{key}: {peak / 2**20:.0f} MB"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    key=st.sampled_from(["start", "duration_minutes", "hosts", "timezone", "hashtag", "max_open_questions"]),
    value=anything,
)
def test_a_hostile_session_value_is_a_config_error_naming_it(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: Any
) -> None:
    path = write(tmp_path_factory.mktemp("c"), {**BASE, key: value})
    bounded(path, key)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.sampled_from(TIMELINE_KEYS), value=anything)
def test_a_hostile_timeline_value_is_a_config_error_naming_it(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: Any
) -> None:
    path = write(tmp_path_factory.mktemp("c"), BASE, "session.timeline", {key: value})
    bounded(path, key)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.sampled_from(["offset_minutes", "at", "label", "text"]), value=anything)
def test_a_hostile_prompt_value_is_a_config_error_naming_it(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: Any
) -> None:
    prompt = {"label": "Q1", "text": "What brings you here?", key: value}
    path = write(tmp_path_factory.mktemp("c"), BASE, "session.prompt", prompt)
    bounded(path, key)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.sampled_from(TEMPLATES), value=templates)
def test_a_template_that_could_blow_up_memory_is_a_config_error_naming_it(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: str
) -> None:
    path = write(tmp_path_factory.mktemp("c"), BASE, "session.messages", {key: value})
    bounded(path, key)


@pytest.mark.parametrize(
    ("table", "values", "key", "problem"),
    [
        ("session.timeline", {"reminder_every_minutes": 1e-9}, "reminder_every_minutes", "at least 1 minute"),
        ("session.timeline", {"announce_before_minutes": [1e308]}, "announce_before_minutes", "527040"),
        ("session.timeline", {"intro_after_minutes": math.inf}, "intro_after_minutes", "number of minutes"),
        ("session.messages", {"welcome": "{title:>300000000}"}, "welcome", "at most 500"),
        ("", {"start": "0001-01-01 00:00"}, "start", "year 1 is outside"),
        ("", {"start": "9999-12-31 23:59"}, "start", "year 9999 is outside"),
        ("", {"hosts": [""]}, "hosts", "is not a handle"),
        ("", {"hosts": ["@host", "  "]}, "hosts", "is not a handle"),
    ],
)
def test_the_findings_of_issue_12(
    tmp_path: Path, table: str, values: dict[str, Any], key: str, problem: str
) -> None:
    path = write(tmp_path, {**BASE, **values}) if not table else write(tmp_path, BASE, table, values)
    with pytest.raises(ConfigError) as e:
        load_config(path, env={})
    assert key in str(e.value) and problem in str(e.value), str(e.value)


@pytest.mark.parametrize("offset", [math.nan, math.inf, -math.inf, 1e300])
def test_an_absurd_prompt_offset_is_a_config_error_naming_it(tmp_path: Path, offset: float) -> None:
    path = write(tmp_path, BASE, "session.prompt", {"label": "Q1", "text": "hi", "offset_minutes": offset})
    with pytest.raises(ConfigError, match=r"session\[0\]\.prompt\[0\]\.offset_minutes: must be minutes"):
        load_config(path, env={})


def test_more_posts_than_a_session_may_have_is_a_config_error(tmp_path: Path) -> None:
    prompts = "".join(f'[[session.prompt]]\nlabel = "Q{i}"\ntext = "q"\n' for i in range(MAX_POSTS + 1))
    path = write(tmp_path, {**BASE, "duration_minutes": 1440})
    path.write_text(path.read_text(encoding="utf-8") + prompts, encoding="utf-8")
    config = load_config(path, env={})
    with pytest.raises(
        ConfigError, match=rf"session\[0\]\.timeline: \d+ posts planned; .* at most {MAX_POSTS}"
    ):
        check_sessions(config, Recaps(tmp_path / "out"))


def test_reminders_every_minute_of_a_day_long_chat_are_still_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path, {**BASE, "duration_minutes": 1440}, "session.timeline", {"reminder_every_minutes": 1}
    )
    config = load_config(path, env={})
    check_sessions(config, Recaps(tmp_path / "out"))
    reminders = [p for p in session_plan(config.sessions[0])[2] if p.kind == "reminder"]
    assert 1300 < len(reminders) < 1440
