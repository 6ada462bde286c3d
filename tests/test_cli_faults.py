"""An archive the command cannot use (read-only, locked by another process, corrupt, in a folder
that is not there) is one line naming the file and the problem, a non-zero exit, and the file
exactly as it was: the real CLI in a real process, on real SQLite files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_cli import run as cli

CHAT = REPO / "tests" / "fixtures" / "localgovchat.jsonl"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(tmp: Path, db: Path) -> Path:
    path = tmp / "chat.toml"
    path.write_text(
        f'[bot]\ndb = "{db}"\ntranscripts = "{tmp / "out"}"\n[platforms.web]\nport = {free_port()}\n'
        '[[session]]\nhashtag = "#chat"\ntimezone = "UTC"\nstart = "2030-01-01 10:00"\nhosts = ["@host"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A real archive with a chat in it, its write-ahead log folded into the file."""
    db = tmp_path / "a.db"
    out = cli("import", str(CHAT), "--db", str(db), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(db)
    conn.execute("pragma wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


def commands(db: Path, tmp: Path) -> dict[str, list[str]]:
    return {
        "import": ["import", str(CHAT), "--db", str(db)],
        "redact": ["redact", "message", "m4", "--db", str(db)],
        "recap": ["recap", "--db", str(db), "--out", str(tmp / "out")],
        "run": ["--db", str(db), "run", str(config(tmp, db))],
        "replay": ["replay", str(CHAT), "--speed", "0", "--db", str(db)],
    }


def assert_one_line_error(out: subprocess.CompletedProcess[str], db: Path, problem: str) -> None:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"error: {db}:") and problem in lines[0], lines[0]


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only for every process, root's too (``chattr +i`` when we are root)."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if made.returncode != 0:
            pytest.skip("running as root without chattr +i: no file is read-only to us")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another connection holding ``BEGIN EXCLUSIVE`` on the archive (with a write pending)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("delete from messages where 0")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


FAULTS = {"read-only": read_only, "locked by another process": locked}


# Every command against every fault, but for run on a locked archive: run waits for the lock to
# go (a chat is not given up for a backup), which tests/test_run_locked.py checks.
CASES = [
    (command, problem)
    for command in ("import", "redact", "run", "replay")
    for problem in sorted(FAULTS)
    if (command, problem) != ("run", "locked by another process")
]


@pytest.mark.parametrize(("command", "problem"), CASES)
def test_an_archive_it_cannot_write_is_one_line_and_left_as_it_was(
    archive: Path, tmp_path: Path, command: str, problem: str
) -> None:
    before = digest(archive)
    with FAULTS[problem](archive):
        out = cli(*commands(archive, tmp_path)[command], cwd=tmp_path)
    assert_one_line_error(out, archive, problem)
    assert digest(archive) == before
    assert (
        cli(*commands(archive, tmp_path)["redact"], cwd=tmp_path).returncode == 0
    )  # writable again: it works


@pytest.mark.parametrize("problem", sorted(FAULTS))
def test_a_recap_only_reads_so_it_works_on_an_archive_it_cannot_write(
    archive: Path, tmp_path: Path, problem: str
) -> None:
    before = digest(archive)
    with FAULTS[problem](archive):
        out = cli(*commands(archive, tmp_path)["recap"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "out" / "2026-11-24-localgovchat.html").is_file()
    assert digest(archive) == before


def garbage(db: Path) -> None:
    db.write_bytes(b"this is not a database at all\n" + bytes(range(256)) * 40)


def damaged(db: Path) -> None:
    """A real archive whose pages after the first two are overwritten in part (a torn disk)."""
    data = bytearray(db.read_bytes())
    for at in range(2 * 4096, len(data), 4096):
        data[at : at + 64] = bytes(range(64))
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("spoil", [garbage, damaged], ids=["garbage", "damaged"])
@pytest.mark.parametrize("command", ["import", "redact", "recap", "run", "serve"])
def test_a_corrupt_archive_is_one_line_and_left_as_it_was(
    archive: Path, tmp_path: Path, command: str, spoil: object
) -> None:
    spoil(archive)  # type: ignore[operator]
    before = digest(archive)
    args = commands(archive, tmp_path).get(command) or [
        "serve",
        "--db",
        str(archive),
        "--port",
        str(free_port()),
    ]
    out = cli(*args, cwd=tmp_path)
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {archive}:"), out.stderr
    assert "malformed" in lines[0] or "not a database" in lines[0]
    assert digest(archive) == before


@pytest.mark.parametrize("command", ["import", "redact", "recap", "run"])
def test_an_archive_in_a_missing_folder_is_one_line_and_no_folder_is_made(
    tmp_path: Path, command: str
) -> None:
    db = tmp_path / "nowhere" / "a.db"
    out = cli(*commands(db, tmp_path)[command], cwd=tmp_path)
    assert_one_line_error(out, db, "cannot be opened")
    assert not db.parent.exists()


def test_run_refuses_a_session_that_is_over_and_one_that_started_long_ago(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    path = config(tmp_path, db)
    over = path.read_text(encoding="utf-8").replace("2030-01-01 10:00", "2020-01-01 10:00")
    path.write_text(over, encoding="utf-8")
    out = cli("run", str(path), cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"error: {path}: session[0].start: 2020-01-01 10:00 UTC is past")
    assert not db.exists()


def test_run_refuses_recaps_it_cannot_write_before_anything_starts(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    path = config(tmp_path, db)
    (tmp_path / "out").write_text("a file where the recaps folder should be", encoding="utf-8")
    out = cli("run", str(path), cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith(
        f"error: {path}: bot.transcripts: recaps cannot be written to {tmp_path / 'out'}/"
    )
    assert not db.exists()


def test_run_stores_the_chat_and_exits_1_when_its_recap_cannot_be_written(tmp_path: Path) -> None:
    """A chat hosted to its end (the last seconds of it, with --late) whose recap file cannot be
    written: the archive has it, ended; the exit code is 1 and the one error line says how to retry."""
    from chatbot.config import load_config
    from chatbot.core.sessions import slug_for
    from chatbot.store import Store

    db = tmp_path / "a.db"
    path = config(tmp_path, db)
    start = (datetime.now(UTC) - timedelta(minutes=60, seconds=-6)).replace(microsecond=0)
    text = path.read_text(encoding="utf-8").replace(
        '"2030-01-01 10:00"', start.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    path.write_text(text + "[session.timeline]\nannounce_before_minutes = []\nreminder_every_minutes = 0\n")
    spec = load_config(path, env={}).sessions[0].spec
    (tmp_path / "out" / f"{slug_for(spec)}.html").mkdir(parents=True)  # where the recap file must go
    out = cli("run", str(path), "--late", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert "IsADirectoryError" in out.stderr  # the recap failed where it was made to
    assert "Traceback" not in out.stderr  # a folder in the way is the machine's fault: one line
    assert last.startswith(f"error: {spec.id}: the chat ended and is stored in {db}, but its recap could not")
    assert f"recap {spec.id} --out {tmp_path / 'out'}" in last
    store = Store(db)
    try:
        assert store.session_row(spec.id)["status"] == "ended"
    finally:
        store.close()
