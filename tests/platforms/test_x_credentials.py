"""Credentials for X: from the environment, checked before anything opens; a missing or rejected
one is one clear line from ``chatbot run``, never a traceback."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatbot.cli import main
from chatbot.clock import SystemClock, VirtualClock
from chatbot.config import ConfigError, load_config
from chatbot.core.model import Author
from tests.platforms import xkit
from tests.platforms.xfake import XFake, serve

CHAT = (
    xkit.HEADER
    + """
[[session]]
hashtag = "#localgovchat"
start = "2030-11-24 21:00"
timezone = "America/New_York"
hosts = ["@govhost"]
platforms = ["x"]
"""
)


def write(tmp_path: Path, url: str = "http://127.0.0.1:9") -> Path:
    path = tmp_path / "chat.toml"
    path.write_text(CHAT.format(db=tmp_path / "chat.db", out=tmp_path / "out", url=url), encoding="utf-8")
    return path


@contextmanager
def fake_in_a_thread(fake: XFake) -> Iterator[str]:
    """The fake on its own event loop, for ``chatbot run`` (which runs its own)."""
    loop = asyncio.new_event_loop()
    ready, urls = threading.Event(), []
    stop = asyncio.Event()

    async def up() -> None:
        async with serve(fake) as url:
            urls.append(url)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(up(),), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield urls[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)
        loop.close()


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "x: no credentials to post with: set X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and"),
        (
            {"X_CONSUMER_KEY": "k", "X_CONSUMER_SECRET": "s", "X_ACCESS_TOKEN": "t"},
            "x: OAuth 1.0a needs all four keys; X_ACCESS_TOKEN_SECRET not set",
        ),
    ],
)
def test_missing_credentials_are_one_line_and_exit_2_before_anything_opens(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    problem: str,
) -> None:
    for name in (*xkit.env(), "X_OAUTH2_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = write(tmp_path)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: session localgovchat-2030-11-24: {problem}")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2  # the error and the hint
    assert not (tmp_path / "chat.db").exists()


def test_a_rejected_credential_stops_the_run_with_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = XFake(SystemClock())
    for name, value in xkit.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("X_ACCESS_TOKEN_SECRET", "revoked")
    with fake_in_a_thread(fake) as url, caplog.at_level(logging.ERROR):
        assert main(["run", str(write(tmp_path, url))]) == 1
    (failed,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failed.getMessage() == (
        "event=session_failed session=localgovchat-2030-11-24 error=x: X rejected the credentials (401 "
        "Unauthorized) for me: check X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET"
    )
    assert failed.exc_info is None  # no traceback
    assert [x.status for x in fake.log] == [401]  # one request, refused: nothing else was tried


async def test_an_oauth2_user_token_alone_reads_and_posts(tmp_path: Path) -> None:
    clock = VirtualClock(datetime(2030, 11, 25, 1, 0, tzinfo=UTC))
    fake = XFake(clock)
    async with serve(fake) as url:
        environ = xkit.env(oauth1=False, bearer=False)
        p = xkit.platform(url, clock, environ=environ)
        await p.start()
        posted = await p.post("Welcome to #localgovchat")
        heard = await p.history()
        await p.stop()
    assert await p.identity() == Author("4242", "@chatbot", "chatbot", is_bot=True)
    assert [m.id for m in heard] == [posted]
    assert {x.caller for x in fake.log} == {fake.bot.id}  # every request as the bot's user
    config = load_config(write(tmp_path, url), env=environ)
    assert "user_token" in repr(config.platform_settings["x"].credentials)
    assert fake.creds.user_token not in repr(config.platform_settings["x"])


def test_credentials_are_only_needed_where_a_session_is_on_x(tmp_path: Path) -> None:
    path = tmp_path / "web.toml"
    path.write_text(
        CHAT.replace('platforms = ["x"]', 'platforms = ["web"]').format(db="c.db", out="o", url="http://h")
    )
    assert load_config(path, env={}).sessions[0].spec.platforms == ("web",)
    with pytest.raises(ConfigError, match=r"platforms\.x\.poll_seconds: must be at least 5, not 1"):
        path.write_text(path.read_text().replace("[platforms.x]", "[platforms.x]\npoll_seconds = 1"))
        load_config(path, env={})
