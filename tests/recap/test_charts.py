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


def _label_boxes(root: ET.Element) -> list[tuple[float, float, float]]:
    """(left, right, baseline) of each prompt label, at 8.5 px a character of 14 px bold text."""
    return [
        (float(t.get("x") or 0), float(t.get("x") or 0) + len(t.text or "") * 8.5, float(t.get("y") or 0))
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "prompt-label"
    ]


def test_prompt_labels_never_overlap_even_seconds_apart() -> None:
    """A meeting sets topics seconds apart (T8 and T9 ten seconds apart in the OCI meeting)."""
    times = [START + timedelta(minutes=m) for m in range(90)]
    marks = [(f"T{n}", START + timedelta(minutes=30, seconds=5 * n)) for n in range(1, 6)]
    marks += [(f"T{n}", START + timedelta(minutes=n * 4 + 10)) for n in range(6, 21)]
    root = svg(activity_chart(times, marks, NY))
    boxes = _label_boxes(root)
    assert len(boxes) == len(marks)  # every label drawn: five rows hold them
    for i, (left, right, y) in enumerate(boxes):
        for left2, right2, y2 in boxes[i + 1 :]:
            assert y != y2 or right <= left2 or right2 <= left, "labels overlap"
    lines = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "prompt-line"]
    assert min(float(ln.get("y1") or 0) for ln in lines) > max(y for _, _, y in boxes)  # labels above
    assert len(lines) == len(marks) and lines[0].findtext(f"{SVG}title") == "T1 at 21:30"


def test_labels_with_no_room_left_are_left_to_their_lines() -> None:
    marks = [(f"Q{n}", START + timedelta(seconds=n)) for n in range(1, 30)]
    root = svg(activity_chart([START, START + timedelta(minutes=60)], marks, NY))
    boxes = _label_boxes(root)
    assert 0 < len(boxes) < len(marks)
    for i, (left, right, y) in enumerate(boxes):
        assert all(y != y2 or right <= l2 or r2 <= left for l2, r2, y2 in boxes[i + 1 :])


def test_a_label_near_the_right_edge_stays_inside_the_chart() -> None:
    """A topic set in the chat's last minute: its label ends at the chart's edge, not past it."""
    times = [START + timedelta(minutes=m) for m in range(60)]
    marks = [("T1", START + timedelta(minutes=30)), ("T12", START + timedelta(minutes=59, seconds=50))]
    root = svg(activity_chart(times, marks, NY))
    width = float((root.get("viewBox") or "").split()[2])
    boxes = _label_boxes(root)
    assert len(boxes) == 2 and all(right <= width for _, right, _ in boxes)
