"""From the archive to ``transcripts/``: build each session's export and render what changed."""

from __future__ import annotations

import sys
from collections.abc import Generator, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

from chatbot.recap.export import recap_of
from chatbot.recap.html import render_all
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
    wanted = [row["id"] for row in store.sessions() if row["id"] in set(session_ids)]

    def recaps() -> Generator[Recap, None, None]:
        # Only the sessions asked for, one at a time, each read from the archive as its files
        # are written (in one read transaction: every file sees the same messages, whatever a
        # live chat adds meanwhile); the others keep their files, listed from the manifest.
        for sid in wanted:
            with store.db.atomic():
                yield recap_of(store, sid)

    # closing(): when a file cannot be written, the read transaction ends here, while the
    # archive is open, not whenever the abandoned generator is collected.
    with closing(recaps()) as each:
        report = render_all(
            each,
            out,
            force=force,
            formats=tuple(formats),
            total=len(wanted),
            progress=progress_bar if progress and len(wanted) > 1 else None,
            outside=outside_recaps(store),
        )
    return str(report)


def outside_recaps(store: Store) -> str:
    """What of the archive no recap holds, and where it came from: ``31 messages of the archive
    are in no recap: 29 from 1.csv (31 Jul 2019 to 6 Aug 2019), 2 from 2.csv (16 Aug 2019).``
    ("" when every message is in one)."""
    rows = store.db.execute(
        "select coalesce(source, ''), count(*), min(ts), max(ts) from messages "
        "where session_id is null group by 1 order by 3"
    ).fetchall()
    total = sum(n for _, n, _, _ in rows)
    if not total:
        return ""
    parts = []
    for source, n, first, last in rows:
        days = [f"{datetime.fromisoformat(t):%-d %b %Y}" for t in (first, last)]
        when = days[0] if days[0] == days[1] else f"{days[0]} to {days[1]}"
        parts.append(f"{n:,} from {Path(source).name or 'a live chat'} ({when})")
    were = "message of the archive is" if total == 1 else "messages of the archive are"
    return f"{total:,} {were} in no recap: {', '.join(parts)}."
