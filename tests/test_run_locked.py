"""``run`` started (or restarted by a supervisor) while another program holds the archive locked
(a backup, Datasette, sqlite-utils: ``BEGIN EXCLUSIVE`` for longer than the 5 s busy timeout)
waits for it with one log line and then hosts the chat; a lock that lasts to the chat's end is
one error line and exit 1. One-shot commands say at once to try again when the file is free.
The real CLI in a real process, on real SQLite files."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatbot.config import load_config
from chatbot.startup import open_store
from chatbot.store import Store
from tests.conftest import REPO
from tests.test_cli import run as cli
from tests.test_cli_faults import CHAT, archive, assert_one_line_error, commands, config, digest, locked

__all__ = ["archive"]  # the fixture, shared with test_cli_faults

WAITING = "is locked by another program; waiting ("


def short_chat(tmp: Path, db: Path, *, ends_in: float) -> Path:
    """A config whose one session started an hour ago and ends ``ends_in`` seconds from now
    (hosted with ``--late``), without announcements or reminders."""
    path = config(tmp, db)
    start = (datetime.now(UTC) - timedelta(minutes=60, seconds=-ends_in)).replace(microsecond=0)
    when = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = path.read_text(encoding="utf-8").replace('"2030-01-01 10:00"', when)
    path.write_text(text + "[session.timeline]\nannounce_before_minutes = []\nreminder_every_minutes = 0\n")
    return path


class Run:
    """``run CONFIG --late`` (or the command ``args``) in a real process; its stderr read as it comes."""

    def __init__(self, path: Path | None, cwd: Path, args: tuple[str, ...] = ()) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "run_bot.py"), *(args or ("run", str(path), "--late"))],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.waiting = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if WAITING in line:
                self.waiting.set()

    def end(self) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=180)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(timeout=10)
        return code, "".join(self.lines)


def test_run_waits_for_a_locked_archive_then_hosts_the_chat(archive: Path, tmp_path: Path) -> None:
    path = short_chat(tmp_path, archive, ends_in=45)
    spec = load_config(path, env={}).sessions[0].spec
    with locked(archive):
        run = Run(path, tmp_path)
        # held past the busy timeout: the first try (5 s) failed and was said, and the next waits too
        assert run.waiting.wait(timeout=90), "".join(run.lines)
        assert run.proc.poll() is None  # still there, waiting, not exited
        run.waiting.clear()
        threading.Event().wait(3)
    code, err = run.end()
    assert code == 0, err
    assert "Traceback" not in err, err
    said = [ln for ln in err.splitlines() if WAITING in ln]
    assert said and f"the archive {archive} {WAITING}" in said[0], err
    assert len(said) <= 2, err  # at most one line every 30 s
    store = Store(archive)
    try:
        assert store.session_row(spec.id)["status"] == "ended"  # the chat was hosted to its end
    finally:
        store.close()
    assert (tmp_path / "out").is_dir() and any((tmp_path / "out").glob("*.html"))  # and its recap written


def test_a_lock_that_lasts_to_the_chats_end_is_one_line_and_exit_1(archive: Path, tmp_path: Path) -> None:
    path = short_chat(tmp_path, archive, ends_in=12)
    spec = load_config(path, env={}).sessions[0].spec
    before = digest(archive)
    with locked(archive):
        code, err = Run(path, tmp_path).end()
    assert code == 1 and "Traceback" not in err, err
    assert WAITING in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: {archive}: the archive stayed locked by another program until "), last
    assert "the chat's end" in last and "nothing was hosted" in last, last
    assert digest(archive) == before
    store = Store(archive)
    try:
        assert not store.has_session(spec.id)
    finally:
        store.close()


@pytest.mark.parametrize("command", ["import", "redact"])
def test_a_one_shot_command_on_a_locked_archive_says_to_try_again_when_it_is_free(
    archive: Path, tmp_path: Path, command: str
) -> None:
    before = digest(archive)
    with locked(archive):
        out = cli(*commands(archive, tmp_path)[command], cwd=tmp_path)
    assert out.returncode == 1
    said = f"is locked by another process; nothing was changed (try again when {archive} is free)"
    assert_one_line_error(out, archive, said)
    assert digest(archive) == before


def test_hosting_itself_waits_while_the_archive_is_locked(archive: Path, tmp_path: Path) -> None:
    """The start-up path (``startup.open_store``, used by ``started``) waits too, so that a lock
    taken after ``run``'s checks does not fail the runners' first writes."""
    conf = load_config(short_chat(tmp_path, archive, ends_in=600), env={})

    async def main() -> int:
        with locked(archive):
            opening = asyncio.create_task(open_store(conf))
            ticks = 0
            while ticks < 70:  # 7 s, past the 5 s busy timeout
                await asyncio.sleep(0.1)
                ticks += 1
            assert not opening.done()
        store = await opening
        try:
            return store.schema_version
        finally:
            store.close()

    assert asyncio.run(main()) > 0


def test_import_with_wait_waits_for_a_locked_archive_then_imports(archive: Path, tmp_path: Path) -> None:
    with locked(archive):
        run = Run(None, tmp_path, ("import", str(CHAT), "--db", str(archive), "--wait", "120"))
        assert run.waiting.wait(timeout=90), "".join(run.lines)
        assert run.proc.poll() is None
    code, err = run.end()
    assert code == 0 and "Traceback" not in err, err
    assert run.proc.stdout is not None and "messages read" in run.proc.stdout.read()


def test_import_with_a_short_wait_on_a_lock_that_stays_is_one_line(archive: Path, tmp_path: Path) -> None:
    before = digest(archive)
    with locked(archive):
        out = cli("import", str(CHAT), "--db", str(archive), "--wait", "1", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"error: {archive}: the archive stayed locked by another program until the end of --wait 1"
    )
    assert last.endswith("; nothing was changed"), last
    assert digest(archive) == before


def test_a_wait_that_is_not_seconds_is_a_usage_error(archive: Path, tmp_path: Path) -> None:
    out = cli("redact", "message", "m4", "--db", str(archive), "--wait", "soon", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--wait: must be seconds from 0 to 86400, not 'soon'" in out.stderr
