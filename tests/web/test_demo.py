"""The embedded default: the demo chat runs start to end (on a fast clock), and the real command
starts, serves and stops cleanly on Ctrl-C with everything stored."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from chatbot.clock import ScaledClock
from chatbot.demo import demo, demo_session
from chatbot.store import Store

REPO = Path(__file__).resolve().parents[2]


async def test_demo_runs_to_its_recap(tmp_path: Path, capsys: object) -> None:
    clock = ScaledClock(datetime.now(UTC), 60)  # the 5-minute demo in 5 seconds
    session = demo_session(clock.now(), zone="America/New_York")
    code = await demo(
        tmp_path / "chatbot.db",
        "127.0.0.1",
        0,
        transcripts=tmp_path / "t",
        clock=clock,
        session=session,
        linger=False,
    )
    assert code == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert re.search(r"chat room:  http://127\.0\.0\.1:\d+/chat/localgovchat", out)
    assert re.search(r"dashboard:  http://127\.0\.0\.1:\d+/host/\S+#token=\S{20,}", out)
    store = Store(tmp_path / "chatbot.db")
    try:
        row = store.session_row(session.spec.id)
        texts = [m.text for m in store.session_messages(session.spec.id)]
    finally:
        store.close()
    assert row["status"] == "ended"
    assert [t[:3] for t in texts if re.match(r"Q\d:", t)] == ["Q1:", "Q2:", "Q3:"]
    assert any("jump the queue" in t for t in texts) and texts[-1].startswith("That's a wrap")
    assert (tmp_path / "t" / f"{row['slug']}.html").is_file()


def test_run_bot_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CHATBOT_HOST_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "run_bot.py"), "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("all chats"):
                break
        room = next(re.search(r"http://\S+/chat/\S+", x) for x in lines if "chat room:" in x)
        assert room is not None
        with urllib.request.urlopen(room.group(), timeout=5) as page:
            assert page.status == 200 and "room.js" in page.read().decode()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "recap: transcripts/" in out
    assert (tmp_path / "chatbot.db").is_file() and list(
        (tmp_path / "transcripts").glob("*localgovchat-demo*.html")
    )
