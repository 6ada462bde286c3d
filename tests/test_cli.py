"""The command line as a user runs it: a real process, real files, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

REQUIRED = {
    "session": {"id", "hashtag", "title", "platforms", "started_at", "ended_at", "timezone", "hosts"},
    "stats": {
        "messages",
        "participants",
        "prompts",
        "answers",
        "questions",
        "questions_answered",
        "median_minutes_to_answer",
    },
    "prompts": {"label", "text", "posted_at", "author", "answers"},
    "answers": {"message_id", "author", "text", "ts"},
    "questions": {"id", "author", "text", "asked_at", "status", "upvotes", "answered_at", "route"},
    "participants": {"handle", "name", "platform", "role", "first_seen", "messages", "answers", "questions"},
    "messages": {"id", "ts", "author", "text", "kind", "answers_prompts"},
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "run_bot.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_contract(export: dict) -> None:  # type: ignore[type-arg]
    assert REQUIRED["session"] <= export["session"].keys()
    assert REQUIRED["stats"] <= export["stats"].keys()
    for p in export["prompts"]:
        assert REQUIRED["prompts"] <= p.keys()
        for a in p["answers"]:
            assert REQUIRED["answers"] <= a.keys()
    for key in ("questions", "participants", "messages"):
        for item in export[key]:
            assert REQUIRED[key] <= item.keys(), (key, REQUIRED[key] - item.keys())
    for m in export["messages"]:
        assert m["ts"][-6] in "+-" and m["ts"][-3] == ":"  # ISO 8601 with offset


def test_import_then_recap_json_on_our_own_fixture(tmp_path: Path) -> None:
    chat = REPO / "tests" / "fixtures" / "localgovchat.jsonl"
    out = run("import", str(chat), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "jsonl, 14 messages read, 14 new" in out.stdout
    again = run("import", str(chat), cwd=tmp_path)
    assert "14 messages read, 0 new" in again.stdout
    out = run("recap", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (path,) = (tmp_path / "transcripts").glob("[!.]*.json")
    assert path.name == "2026-11-24-localgovchat.json"
    export = json.loads(path.read_text())
    check_contract(export)
    assert export["session"]["hosts"] == ["@localgovchat"]
    assert [p["label"] for p in export["prompts"]] == ["Q1", "Q2", "Q3"]
    answers = {p["label"]: [a["author"] for a in p["answers"]] for p in export["prompts"]}
    assert answers == {"Q1": ["@ann", "@bob", "@cat"], "Q2": ["@ann", "@bob"], "Q3": ["@cat"]}
    (q,) = export["questions"]
    assert (q["author"], q["status"]) == ("@dan", "answered")
    assert export["stats"]["questions_answered"] == 1
    kinds = {m["id"]: m["kind"] for m in export["messages"]}
    assert kinds["rt1"] == "repost"


def test_import_then_recap_json_on_a_real_chat(shared_data: Path, tmp_path: Path) -> None:
    csv = shared_data / "pstweetchat" / "pstweetchat.csv"
    out = run("import", str(csv), "--timezone", "America/New_York", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    out = run("recap", "pstweetchat-2023-03-03", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    export = json.loads((tmp_path / "transcripts" / "2023-03-03-pstweetchat.json").read_text())
    check_contract(export)
    assert export["stats"]["messages"] == 66
    assert export["session"]["started_at"].startswith("2023-03-03T")
    assert export["session"]["started_at"].endswith("-05:00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.jsonl"], "missing.jsonl: no such file"),
        (["import", "junk.bin"], "unknown format"),
        (["import", "chat.jsonl", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["import", "chat.jsonl", "--config", "bad.toml"], "bad.toml: not valid TOML"),
        (["recap", "nope"], "no session 'nope'"),
        (["recap", "--format", "pdf"], "unknown format 'pdf'"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "junk.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "chat.jsonl").write_text(
        (REPO / "tests" / "fixtures" / "localgovchat.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bad.toml").write_text("[[session]\n", encoding="utf-8")
    run("import", "chat.jsonl", cwd=tmp_path)
    before = (tmp_path / "chatbot.db").read_bytes() if (tmp_path / "chatbot.db").exists() else b""
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    first = out.stderr.splitlines()[0]
    assert first.startswith("error: ") and message in first
    assert "Traceback" not in out.stderr
    if before:
        assert run("recap", "--format", "json", cwd=tmp_path).returncode == 0  # the archive still works


def test_a_file_with_bad_lines_warns_with_line_numbers_and_keeps_the_rest(tmp_path: Path) -> None:
    good = (REPO / "tests" / "fixtures" / "localgovchat.jsonl").read_text(encoding="utf-8").splitlines()
    broken = [*good[:3], '{"id": "x", "text": "no author or ts"}', "{not json", *good[3:]]
    (tmp_path / "broken.jsonl").write_text("\n".join(broken) + "\n", encoding="utf-8")
    out = run("import", "broken.jsonl", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "14 messages read" in out.stdout
    warnings = [w for w in out.stderr.splitlines() if w.startswith("warning:")]
    assert any("broken.jsonl:4:" in w for w in warnings) and any("broken.jsonl:5:" in w for w in warnings)


def test_help_lists_every_command() -> None:
    out = subprocess.run([sys.executable, str(REPO / "run_bot.py"), "--help"], capture_output=True, text=True)
    for name in ("import", "recap", "replay", "serve", "run", "redact"):
        assert name in out.stdout
    readme = (REPO / "README.md").read_text()
    for name in ("import", "recap", "replay", "serve", "run", "redact"):
        assert f"`{name}" in readme  # every command documented


def test_the_global_db_option_is_where_every_command_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``chatbot --db x.db import F`` writes to x.db, not to ./chatbot.db; a command's own --db wins."""
    from chatbot.cli import main
    from chatbot.store import Store

    monkeypatch.chdir(tmp_path)
    chat = str(REPO / "tests" / "fixtures" / "localgovchat.jsonl")
    assert main(["--db", "x.db", "import", chat]) == 0
    assert (tmp_path / "x.db").is_file() and not (tmp_path / "chatbot.db").exists()
    store = Store(tmp_path / "x.db")
    assert [r["id"] for r in store.sessions()] == ["localgovchat-2026-11-24"]
    store.close()
    assert main(["--db", "x.db", "import", chat, "--db", "y.db"]) == 0  # the command's own wins
    assert "14 messages read, 14 new" in capsys.readouterr().out
    assert main(["--db", "x.db", "redact", "message", "m4"]) == 0
    assert main(["--db", "x.db", "recap", "--format", "json"]) == 0
    assert (tmp_path / "transcripts" / "2026-11-24-localgovchat.json").is_file()
    assert main(["--db", "y.db", "recap", "nope"]) == 2  # y.db is read, and has no such session
    assert "no session 'nope' in y.db" in capsys.readouterr().err
    assert not (tmp_path / "chatbot.db").exists()
