"""Inline SVG charts: well-formed, scalable, labelled, and escaping every label."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chatbot.recap.charts import activity_chart, bar_chart

SVG = "{http://www.w3.org/2000/svg}"
NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 24, 21, 0, tzinfo=NY)


def svg(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.findtext(f"{SVG}title")
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_activity_chart_bins_per_minute_and_marks_prompts() -> None:
    times = [START + timedelta(minutes=m, seconds=s) for m, s in [(0, 5), (0, 50), (1, 0), (5, 30), (9, 59)]]
    utc_times = [t.astimezone(ZoneInfo("UTC")) for t in times]
    root = svg(activity_chart(utc_times, [("Q1", START + timedelta(minutes=5))], NY))
    assert [r.findtext(f"{SVG}title") for r in bars(root)] == [
        "21:00: 2 messages",
        "21:01: 1 message",
        "21:05: 1 message",
        "21:09: 1 message",
    ]
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "prompt-label"]
    assert labels == ["Q1"]
    assert "21:00" in [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis"]
    assert "busiest minute at 21:00 with 2" in root.findtext(f"{SVG}desc")


def test_long_chats_are_binned_coarser() -> None:
    times = [START + timedelta(minutes=m) for m in range(0, 600, 3)]
    root = svg(activity_chart(times, [], NY))
    assert root.findtext(f"{SVG}title").startswith("Messages per 10 minutes")
    assert len(bars(root)) == 60


def test_bar_chart_escapes_and_strips_bidi_controls() -> None:
    root = svg(
        bar_chart([('<b onclick="x">\u202eevil', 3), ("@jane", 1), ("zero", 0)], "Messages <per> person")
    )
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "bar-label"]
    assert labels == ['<b onclick="x">evil', "@jane", "zero"]
    assert root.findtext(f"{SVG}title").startswith("Messages <per> person")
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[0] > widths[1] > widths[2] == 0
    assert not [e for e in root.iter() if any(k.startswith("on") for k in e.attrib)]


def test_empty_charts() -> None:
    assert svg(activity_chart([], [], NY)).findtext(f"{SVG}title").startswith("Activity: no messages")
    assert svg(bar_chart([], "People")).findtext(f"{SVG}title") == "People: no data"


def test_window_leaves_out_messages_before_the_chat() -> None:
    teaser = START - timedelta(hours=6)
    times = [teaser, START + timedelta(minutes=1), START + timedelta(minutes=2)]
    root = svg(activity_chart(times, [], NY, window=(START, START + timedelta(minutes=30))))
    assert len(bars(root)) == 2
    assert "1 messages outside the chat's hours" in root.findtext(f"{SVG}desc")
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis"]
    assert "15:00" not in axis and "21:00" in axis
