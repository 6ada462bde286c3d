"""Small inline-SVG charts for recaps: pure functions from data to escaped SVG markup.

The SVG is built with a tiny builder that escapes every attribute value and text node, so user
text (handles, prompt labels) can never become markup. Sizes are given by ``viewBox`` only, so the
charts scale with their container; colors come from CSS classes in the page's stylesheet.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from markupsafe import Markup

from chatbot.recap import html_text

SVG_NS = "http://www.w3.org/2000/svg"
#: Bidi controls and zero-width characters: dropped from chart labels, which are decoration only
#: (the tables beside the charts keep the text as written).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_BIN_SIZES = (1, 2, 5, 10, 15, 30, 60, 120, 240)
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 240, 480)


def _el(tag: str, attrs: dict[str, object] | None = None, *children: str | Markup) -> Markup:
    """One SVG element; attribute names are constants here, values and text are escaped (as
    ``markupsafe.escape`` does, markup kept as it is)."""
    attr = "".join(
        f' {name}="{_escaped(value)}"' for name, value in (attrs or {}).items() if value is not None
    )
    inner = "".join(_escaped(child) for child in children)
    return Markup(f"<{tag}{attr}>{inner}</{tag}>")


def _escaped(value: object) -> str:
    return str(value) if hasattr(value, "__html__") else html_text(str(value))


def _num(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_label(text: str, limit: int = 22) -> str:
    """A label safe to draw: invisible/bidi controls removed, long labels cut with an ellipsis."""
    clean = _INVISIBLE.sub("", text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, desc: str, css_class: str, *body: Markup) -> Markup:
    return _el(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width} {height}",
            "class": f"chart {css_class}",
            "role": "img",
            "aria-label": title,
            "preserveAspectRatio": "xMidYMid meet",
        },
        _el("title", None, title),
        _el("desc", None, desc),
        *body,
    )


def _bin_minutes(span_minutes: float, max_bins: int = 90) -> int:
    return next((size for size in _BIN_SIZES if span_minutes / size <= max_bins), _BIN_SIZES[-1])


def _tick_minutes(span_minutes: float, max_ticks: int = 8) -> int:
    return next((step for step in _TICK_STEPS if span_minutes / step <= max_ticks), _TICK_STEPS[-1])


def activity_chart(
    message_times: Sequence[datetime],
    prompts: Sequence[tuple[str, datetime]],
    tz: tzinfo,
    *,
    window: tuple[datetime, datetime] | None = None,
) -> Markup:
    """Messages per minute (or per few minutes for long chats) as bars, prompts as labelled lines.

    Times must be timezone-aware; axis labels are shown in ``tz`` (the chat's zone). With a
    ``window`` (the chat's start and end), messages outside it are counted in the text only.
    """
    width, height, left, right, top, bottom = 640, 230, 34, 14, 40, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    times = sorted(t.astimezone(tz) for t in message_times)
    marks = sorted(((label, t.astimezone(tz)) for label, t in prompts), key=lambda item: item[1])
    outside, bounds = 0, []
    if window is not None and window[0] < window[1]:
        bounds = [window[0].astimezone(tz), window[1].astimezone(tz)]
        inside = [t for t in times if bounds[0] <= t <= bounds[1]]
        outside, times = len(times) - len(inside), inside
        marks = [(label, t) for label, t in marks if bounds[0] <= t <= bounds[1]]
    if not times:
        return _svg(
            width,
            80,
            "Activity: no messages",
            "No messages were recorded.",
            "activity",
            _el(
                "text",
                {"x": width / 2, "y": 44, "class": "chart-note", "text-anchor": "middle"},
                "No messages",
            ),
        )
    everything = times + [t for _, t in marks] + bounds
    start = min(everything).replace(second=0, microsecond=0)
    span = max(1.0, (max(everything) - start).total_seconds() / 60 + 1)
    size = _bin_minutes(span)
    bins = math.ceil(span / size)
    counts = Counter(int((t - start).total_seconds() // 60) // size for t in times)
    peak_bin, peak = max(counts.items(), key=lambda item: (item[1], -item[0]))
    y_max = max(peak, 1)
    bar_w = plot_w / bins
    unit = "minute" if size == 1 else f"{size} minutes"

    def x_at(moment: datetime) -> float:
        return left + (moment - start).total_seconds() / 60 / size * bar_w

    placed, rows = _place_labels([(chart_label(label, 8), x_at(t)) for label, t in marks], width)
    extra = max(0, rows - 2) * LABEL_ROW  # more rows of labels: the chart grows above the bars
    top, height = top + extra, height + extra
    body: list[Markup] = []
    for value in sorted({0, math.ceil(y_max / 2), y_max}):
        y = top + plot_h - value / y_max * plot_h
        body.append(
            _el("line", {"x1": left, "x2": width - right, "y1": _num(y), "y2": _num(y), "class": "grid"})
        )
        body.append(
            _el("text", {"x": left - 6, "y": _num(y + 4), "class": "axis", "text-anchor": "end"}, str(value))
        )
    for index in range(bins):
        count = counts.get(index, 0)
        if count:
            bar_h = count / y_max * plot_h
            moment = start + timedelta(minutes=index * size)
            body.append(
                _el(
                    "rect",
                    {
                        "x": _num(left + index * bar_w + 0.5),
                        "y": _num(top + plot_h - bar_h),
                        "width": _num(max(bar_w - 1, 0.5)),
                        "height": _num(bar_h),
                        "class": "bar",
                    },
                    _el("title", None, f"{moment:%H:%M}: {count} message{'s' if count != 1 else ''}"),
                )
            )
    step = _tick_minutes(span)
    first_tick = start + timedelta(minutes=(-start.minute) % step)
    tick = first_tick
    while tick <= start + timedelta(minutes=bins * size):
        x = x_at(tick)
        body.append(
            _el(
                "line",
                {"x1": _num(x), "x2": _num(x), "y1": top + plot_h, "y2": top + plot_h + 4, "class": "tick"},
            )
        )
        body.append(
            _el(
                "text",
                {"x": _num(x), "y": height - 8, "class": "axis", "text-anchor": "middle"},
                f"{tick:%H:%M}",
            )
        )
        tick += timedelta(minutes=step)
    for (text, x, at, row), (label, moment) in zip(placed, marks, strict=True):
        body.append(
            _el(
                "line",
                {"x1": _num(x), "x2": _num(x), "y1": top - 4, "y2": top + plot_h, "class": "prompt-line"},
                _el("title", None, f"{chart_label(label, 40)} at {moment:%H:%M}"),
            )
        )
        if row is not None:
            body.append(
                _el("text", {"x": _num(at), "y": 15 + row * LABEL_ROW, "class": "prompt-label"}, text)
            )
    peak_at = start + timedelta(minutes=peak_bin * size)
    title = f"Messages per {unit}"
    desc = (
        f"{len(times)} messages from {times[0]:%H:%M} to {times[-1]:%H:%M} "
        f"({_zone_name(times[0])}); busiest {unit} at {peak_at:%H:%M} with {peak}. "
        + (
            "Prompts: " + ", ".join(f"{chart_label(label, 8)} at {t:%H:%M}" for label, t in marks) + "."
            if marks
            else "No prompts."
        )
        + (f" {outside} messages outside the chat's hours are not shown." if outside else "")
    )
    return _svg(width, height, f"{title}. {desc}", desc, "activity", *body)


#: A prompt label's row height and the widest a character of it is drawn (14px bold), in px.
LABEL_ROW, LABEL_CHAR = 16, 9.0
#: At most this many rows of prompt labels; a label that fits in none is left to its line's title.
LABEL_ROWS = 5


def label_width(text: str) -> float:
    return len(text) * LABEL_CHAR + 4


def _place_labels(
    labels: Sequence[tuple[str, float]], limit: float
) -> tuple[list[tuple[str, float, float, int | None]], int]:
    """Each (label, line's x) in the first row where it clears the label before it (none when no
    row has room): labels never overlap, however close their prompts. A label starts just right of
    its line, or ends at ``limit`` (the chart's right edge) when it would run past it. Returns
    (label, line's x, label's start, row) for each, and how many rows they use."""
    ends: list[float] = []  # where each row's last label ends
    placed: list[tuple[str, float, float, int | None]] = []
    for text, x in labels:
        at = min(x + 3, limit - label_width(text))
        row = next((r for r, end in enumerate(ends) if at >= end), None)
        if row is None and len(ends) < LABEL_ROWS:
            ends.append(-math.inf)
            row = len(ends) - 1
        if row is not None:
            ends[row] = at + label_width(text)
        placed.append((text, x, at, row))
    return placed, max(len(ends), 1)


def _zone_name(moment: datetime) -> str:
    return moment.tzname() or moment.strftime("%z")


def bar_chart(items: Sequence[tuple[str, int]], title: str) -> Markup:
    """Horizontal bars, one per (label, value), in the order given; the title is the alt text."""
    row_h, left, right, top = 32, 150, 44, 6
    width = 420
    height = top * 2 + row_h * max(len(items), 1)
    if not items:
        return _svg(
            width,
            height,
            f"{title}: no data",
            "No data.",
            "bars",
            _el("text", {"x": width / 2, "y": 28, "class": "chart-note", "text-anchor": "middle"}, "No data"),
        )
    top_value = max(max(value for _, value in items), 1)
    plot_w = width - left - right
    body: list[Markup] = []
    for index, (label, value) in enumerate(items):
        y = top + index * row_h
        bar_w = max(value / top_value * plot_w, 1.5 if value else 0)
        body.append(
            _el(
                "text",
                {"x": left - 10, "y": y + 21, "class": "bar-label", "text-anchor": "end", "direction": "ltr"},
                chart_label(label),
            )
        )
        body.append(
            _el(
                "rect",
                {"x": left, "y": y + 5, "width": _num(bar_w), "height": row_h - 10, "rx": 3, "class": "bar"},
            )
        )
        body.append(_el("text", {"x": _num(left + bar_w + 6), "y": y + 21, "class": "bar-value"}, str(value)))
    desc = "; ".join(f"{chart_label(label)}: {value}" for label, value in items) + "."
    return _svg(width, height, f"{title}. {desc}", desc, "bars", *body)
