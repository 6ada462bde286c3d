"""A Discord export's recap shows what DiscordChatExporter shows: attachments (name, size, image or
file), every reaction with its count, "(edited HH:MM)", replies quoting what they answer (or saying
it is outside the recap), mentions marked, the channel; a channel export that holds no hosted chat
is one record of the whole export, with nothing left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.model import Author, Message
from chatbot.core.sessions import Guess, infer_sessions
from chatbot.importing import import_files
from chatbot.recap.export import build_export
from chatbot.recap.html import render_session
from chatbot.recap.markdown import render_markdown
from chatbot.recap.publish import outside_recaps
from chatbot.recap.types import Export
from chatbot.store import Store

GENERAL = "dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json"


def _general(shared_data: Path, tmp_path: Path) -> tuple[int, Export]:
    store = Store(tmp_path / "a.db")
    report = import_files(store, [shared_data / GENERAL])
    (sid,) = report.sessions
    return report.unassigned, build_export(store, sid)


def test_a_channel_export_without_a_hosted_chat_is_one_record_of_all_of_it(
    shared_data: Path, tmp_path: Path
) -> None:
    left_out, export = _general(shared_data, tmp_path)
    raw = json.loads((shared_data / GENERAL).read_text(encoding="utf-8"))
    assert left_out == 0
    chat = [m for m in raw["messages"] if m["type"] == "Default"]  # not joins, not thread openings
    assert export["stats"]["messages"] == len(export["messages"]) == len(chat) == 31
    assert export["session"]["kind"] == "channel" and export["session"]["channel"] == "#general"
    assert export["session"]["hosts"] == []  # nobody hosted it
    assert export["session"]["topic"] == "Welcome to the Example guild!"  # the channel's own
    page, md = render_session(export), render_markdown(export)
    assert "channel record" in page
    assert (
        '<p class="channel">In <bdi class="handle-strong">#general</bdi>: <span dir="auto">Welcome to' in page
    )
    assert " · in #general: Welcome to the Example guild!" in md


def test_attachments_reactions_edits_and_replies_are_shown(shared_data: Path, tmp_path: Path) -> None:
    _, export = _general(shared_data, tmp_path)
    page = render_session(export)
    image = '<span class="file-kind">image</span> <bdi>dce-export-more.png</bdi> <span class="muted">(42.9'
    assert image in page
    assert '<span class="file-kind">file</span> <bdi>book_scanner.mp4</bdi>' in page
    assert '<span class="emoji">:kekw:</span> <span class="count">2</span>' in page
    assert '<span class="emoji">👀</span> <span class="count">1</span>' in page
    assert "(edited 14:23)" in page
    assert '<span class="file-kind">sticker</span> <bdi>pepecute</bdi>' in page
    wiki = '<a href="https://github.com/Tyrrrz/DiscordChatExporter/wiki" rel="nofollow ugc noopener">'
    said = '<p class="embed-text" dir="auto">Exports Discord chat logs to a file. Contribute to Tyrrrz/'
    title = f'<p class="embed-title">{wiki}<bdi>Home · Tyrrrz/DiscordChatExporter Wiki</bdi></a></p>'
    assert title + said in page
    assert '<q class="reply-quote" dir="auto">' in page
    md = render_markdown(export)
    assert "  image: dce-export-more.png (42.9 kB)" in md
    assert "  reactions: :kekw: 2" in md
    assert "*(edited 14:23)*" in md
    assert "  ↩ in reply to: " in md


def test_a_reply_to_a_message_outside_the_recap_says_so(shared_data: Path, tmp_path: Path) -> None:
    _, export = _general(shared_data, tmp_path)
    export["messages"][5]["reply_to"] = "999"
    assert "in reply to a message outside this recap" in render_session(export)
    assert "↩ in reply to a message outside this recap" in render_markdown(export)
    export["messages"][5]["text"] = "hey @Adam, see https://example.org/@x and mail a@b.org"
    page = render_session(export)
    assert '<span class="mention">@Adam</span>, see <a href="https://example.org/@x"' in page
    assert "a@b.org" in page and '<span class="mention">@b' not in page


def test_an_unresolved_channel_mention_is_no_hashtag() -> None:
    t0 = datetime(2023, 1, 6, 14, 0, tzinfo=UTC)
    said = [
        Message(f"{n}", "x", t0 + timedelta(minutes=n), Author(f"u{n % 3}", f"@u{n % 3}"), text)
        for n, text in enumerate(["see #deleted-channel for that"] * 8 + ["ok #realchat", "fine"])
    ]
    (found,), _ = infer_sessions(said, ZoneInfo("UTC"), Guess())
    assert found.spec.hashtag == "#realchat"


def test_the_import_and_the_index_say_what_stays_outside_every_recap(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A channel with a live event day (the Komodo AMA): the other days' talk is in no recap, and
    the import and the archive's index say how many messages and from which file and days."""
    from chatbot.cli import main

    monkeypatch.chdir(tmp_path)
    base = shared_data / "komodo-discord-ama" / "csv" / "ama-archive" / "atomicdex_ama_august2019"
    assert main(["--db", "a.db", "import", str(base / "1.csv")]) == 0
    said = capsys.readouterr().out
    store = Store(tmp_path / "a.db")
    outside = outside_recaps(store)
    (n,) = store.db.execute("select count(*) from messages where session_id is null").fetchone()
    store.close()
    assert n > 0 and outside.startswith(f"{n} messages of the archive are in no recap: {n} from 1.csv (")
    assert f"; {n} message(s) outside any chat kept in the archive" in said and outside in said
    assert main(["--db", "a.db", "recap", "--format", "html"]) == 0
    index = (tmp_path / "transcripts" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="outside-note">{outside}</p>' in index
