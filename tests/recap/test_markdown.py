"""The Markdown recap: readable sections with the export's content."""

from __future__ import annotations

from typing import Any

from chatbot.recap import REMOVED_TEXT
from chatbot.recap.markdown import render_markdown


def test_markdown_sections_and_content(export: dict[str, Any]) -> None:
    md = render_markdown(export)
    lines = md.splitlines()
    assert lines[0] == "# Budget consultations people actually join"
    assert lines[2].startswith("**#localgovchat** · Tuesday 24 November 2026, 21:00–21:45 EST (UTC-05:00)")
    for heading in ("## Stats", "## Prompts and answers", "## Questions", "## Participants", "## Transcript"):
        assert heading in lines
    assert [line for line in lines if line.startswith("### ")] == [
        f"### {p['label']}: {p['text'].removeprefix(p['label'] + ': ')}" for p in export["prompts"]
    ]
    assert "> **Jane Okafor** (@jane\\_clerk)" not in md, "intraword underscores stay unescaped"
    assert "> **Jane Okafor** (@jane_clerk) · 21:06" in md
    assert "- **#1 Answered**:" in md and "answered by @lgchat_host at 21:19 (7.5 min)" in md
    assert "routed to Public Works" in md and "merged into #1" in md
    assert "| Median time to answer | 7.5 min |" in md
    transcript = md[md.index("## Transcript") :]
    assert transcript.count("\n- ") == len(export["messages"])
    assert md.count(REMOVED_TEXT) >= 3
    assert "- 21:00:05 **LocalGov Chat** (@lgchat_host): Welcome to #localgovchat!" in md
    assert "[link](<https://x.com/jane_clerk/status/" in md


def test_multiline_text_keeps_its_lines(export: dict[str, Any]) -> None:
    md = render_markdown(export)
    assert "everywhere.\\\n  Small words, big difference." in md
    assert (
        '> A2 — we replaced "appropriations" with "what we plan to spend" everywhere.\\\n> Small words' in md
    )
