"""Colour pairs of the stylesheet meet WCAG AA (4.5:1) in the light and dark palettes."""

from __future__ import annotations

import re

import pytest

from chatbot.recap import environment

CSS = environment().get_template("recap.css").render()
PAIRS = [
    ("fg", "bg"),
    ("muted", "bg"),
    ("accent", "bg"),
    ("fg", "surface"),
    ("muted", "surface"),
    ("accent", "surface"),
    ("fg", "accent-soft"),
    ("muted", "accent-soft"),
    ("accent", "accent-soft"),
    ("bg", "accent"),
    ("masthead-fg", "masthead-bg"),
    ("masthead-muted", "masthead-bg"),
    ("masthead-link", "masthead-bg"),
    ("mark-fg", "mark-bg"),
    ("host-fg", "host-bg"),
    ("kind-fg", "kind-bg"),
    ("st-open-fg", "bg"),
    *[(f"st-{s}-fg", f"st-{s}-bg") for s in ("open", "approved", "answered", "rejected", "merged", "routed")],
    *[("av-fg", f"av-{n}") for n in range(6)],
]


def palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", block))


def luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = ((c / 12.92) if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


LIGHT = palette(CSS[: CSS.index("@media (prefers-color-scheme: dark)")])
DARK = {**LIGHT, **palette(CSS[CSS.index("@media (prefers-color-scheme: dark)") : CSS.index("*, *::before")])}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_have_aa_contrast(scheme: str) -> None:
    colors = LIGHT if scheme == "light" else DARK
    low = {
        f"{fg} on {bg}": round(contrast(colors[fg], colors[bg]), 2)
        for fg, bg in PAIRS
        if contrast(colors[fg], colors[bg]) < 4.5
    }
    assert not low, low
