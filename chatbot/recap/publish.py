"""From the archive to ``transcripts/``: build each session's export and render what changed."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from chatbot.recap.export import build_export
from chatbot.store import Store


def progress_bar(done: int, total: int) -> None:
    """A one-line bar on stderr for long renders."""
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\rrendering recaps [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
    sys.stderr.flush()


def publish(
    store: Store,
    out: Path,
    session_ids: Sequence[str],
    *,
    formats: Sequence[str] = ("html", "json", "md"),
    force: bool = False,
    progress: bool = False,
) -> str:
    """Render the named sessions (and the index, search and feed over every session)."""
    from chatbot.recap.html import render_all

    wanted = set(session_ids)
    exports = [build_export(store, row["id"]) for row in store.sessions()]
    report = render_all(
        exports,
        out,
        force=force,
        formats=tuple(formats),
        only={e["session"]["slug"] for e in exports if e["session"]["id"] in wanted},
        progress=progress_bar if progress and len(wanted) > 1 else None,
    )
    return str(report)
