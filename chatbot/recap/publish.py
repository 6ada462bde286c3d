"""From the archive to ``transcripts/``: build each session's export and render what changed."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from chatbot.recap.export import recap_of
from chatbot.recap.source import Recap
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
    """Render the named sessions (and the index, search and feed over every recap)."""
    from chatbot.recap.html import render_all

    wanted = [row["id"] for row in store.sessions() if row["id"] in set(session_ids)]

    def recaps() -> Iterator[Recap]:
        # Only the sessions asked for, one at a time, each read from the archive as its files
        # are written (in one read transaction: every file sees the same messages, whatever a
        # live chat adds meanwhile); the others keep their files, listed from the manifest.
        for sid in wanted:
            with store.db.atomic():
                yield recap_of(store, sid)

    report = render_all(
        recaps(),
        out,
        force=force,
        formats=tuple(formats),
        total=len(wanted),
        progress=progress_bar if progress and len(wanted) > 1 else None,
    )
    return str(report)
