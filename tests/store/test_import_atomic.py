"""An import killed at any moment (SIGKILL, a real ``chatbot import`` process) leaves the archive
as it was before, or whole; never messages without their session. Running it again then completes
it exactly once."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatbot.importing import import_files
from chatbot.store import Store

ROOT = Path(__file__).resolve().parents[2]
FIRST = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def weekly_chats(path: Path, weeks: range, per_chat: int) -> Path:
    """JSON Lines of weekly one-hour chats: the host's prompts, answers, questions, retweets, and
    a few messages days away from any chat (kept outside every session)."""
    rng = random.Random(weeks.start)
    lines = []
    for week in weeks:
        start = FIRST + timedelta(weeks=week)
        for i in range(per_chat):
            at = start + timedelta(seconds=3600 * i / per_chat)
            if i % 200 == 0:
                who, text = "host", f"Q{i // 200 + 1}: what about {rng.choice(['roads', 'parks'])}? #atomchat"
            else:
                who = f"p{rng.randrange(300)}"
                roll = rng.random()
                text = (
                    f"A{i // 200 + 1}: {rng.choice(['yes', 'no', 'maybe'])} #atomchat"
                    if roll < 0.7
                    else f"how would {rng.choice(['budgets', 'permits'])} work? #ask #atomchat"
                    if roll < 0.8
                    else f"RT @host: Q{i // 200 + 1} #atomchat"
                    if roll < 0.9
                    else f"hello from {who} #atomchat"
                )
            lines.append(json.dumps(record(f"{week}-{i}", at, who, text)))
        stray = start + timedelta(days=3)
        lines.append(json.dumps(record(f"{week}-s", stray, "p1", "later #atomchat")))
    path.write_text("\n".join(lines) + "\n")
    return path


def record(mid: str, at: datetime, who: str, text: str) -> dict[str, str]:
    return {"id": mid, "platform": "x", "ts": at.isoformat(), "author": f"@{who}", "text": text}


def state(db: Path) -> dict[str, object]:
    """What a reader of the archive sees: every table's rows that the import writes, counted and
    summed so that a half-done import (or one done twice) differs."""
    store = Store(db)
    q = store.db.execute
    out: dict[str, object] = {
        "messages": q("select count(*) from messages").fetchone()[0],
        "per_session": q(
            "select coalesce(session_id, '-'), count(*), group_concat(kind, ''), sum(length(answers)) "
            "from messages group by session_id order by 1"
        ).fetchall(),
        "sessions": q("select id, status, ended_at from sessions order by id").fetchall(),
        "participants": q(
            "select session_id, count(*), sum(messages), sum(answers) from participants group by 1 order by 1"
        ).fetchall(),
        "prompts": q("select session_id, count(*) from prompts group by 1 order by 1").fetchall(),
        "questions": q("select session_id, count(*) from questions group by 1 order by 1").fetchall(),
        "imports": q("select path, messages from imports order by path").fetchall(),
        "searchable": q("select count(*) from messages_fts where messages_fts match 'atomchat'").fetchone()[
            0
        ],
        "triggers": q("select count(*) from sqlite_master where type = 'trigger'").fetchone()[0],
        "indexes": q("select count(*) from sqlite_master where type = 'index'").fetchone()[0],
    }
    store.close()
    return out


def start_import(db: Path, source: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "--db", str(db), "import", str(source)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wal_sizes(db: Path, proc: subprocess.Popen[bytes], kill_at: int | None = None) -> int:
    """Watch the archive's write-ahead log while ``proc`` runs: the largest size seen; with
    ``kill_at``, SIGKILL the process as soon as the log holds that many bytes."""
    wal, most = Path(f"{db}-wal"), 0
    while proc.poll() is None:
        with contextlib.suppress(FileNotFoundError):
            most = max(most, wal.stat().st_size)
        if kill_at is not None and most >= kill_at:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.001)
    return most


def test_an_import_killed_at_any_moment_is_all_or_nothing_and_a_rerun_completes_it(tmp_path: Path) -> None:
    first = weekly_chats(tmp_path / "first.jsonl", range(0, 2), 600)
    second = weekly_chats(tmp_path / "second.jsonl", range(2, 6), 1500)
    before = tmp_path / "before.db"
    store = Store(before)
    import_files(store, [first])
    store.close()
    done = tmp_path / "done.db"
    shutil.copy(before, done)
    proc = start_import(done, second)
    largest = wal_sizes(done, proc)
    assert proc.returncode == 0
    want_before, want_done = state(before), state(done)
    assert want_done["messages"] == want_before["messages"] + 4 * 1501  # type: ignore[operator]
    assert len(want_done["sessions"]) == 6  # type: ignore[arg-type]

    rng = random.Random(20261129)
    outcomes = []
    for n, fraction in enumerate(sorted(rng.uniform(0.02, 0.9) for _ in range(4))):
        db = tmp_path / f"killed-{n}.db"
        shutil.copy(before, db)
        proc = start_import(db, second)
        wal_sizes(db, proc, kill_at=max(1, int(largest * fraction)))
        seen = state(db)
        assert seen in (want_before, want_done), f"killed at {fraction:.0%} of the log: half an import"
        outcomes.append("before" if seen == want_before else "done")
        store = Store(db)
        import_files(store, [second])  # run again: completes it, exactly once
        store.close()
        assert state(db) == want_done
    assert "before" in outcomes  # at least one kill landed inside the import
