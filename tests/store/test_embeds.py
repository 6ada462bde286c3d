"""A message's embeds (a page's title, description and address) are kept apart from its files, and
an archive that kept an embed as an attachment has it moved across when it is opened."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from chatbot.core.model import Attachment, Embed
from chatbot.store import Store, message_row, migrations
from tests.store.kit import msg

WIKI = "https://github.com/Tyrrrz/DiscordChatExporter/wiki"


def test_embeds_and_local_copies_are_kept(tmp_path: Path) -> None:
    card = Embed(WIKI, "Home · DiscordChatExporter Wiki", "Exports Discord chat logs to a file.\nAnd more.")
    shot = Attachment(
        "a.png", "a.json_Files\\a-1F.png", 12, "", local=str(tmp_path / "a.json_Files" / "a-1F.png")
    )
    store = Store(tmp_path / "a.db")
    store.add_messages(
        [msg(1, "ann", "see the wiki", embeds=(card, Embed(title="No link")), attachments=(shot,))]
    )
    store.close()
    back = Store(tmp_path / "a.db").message("x:1")
    assert back.embeds == (card, Embed("", "No link", "")) and back.attachments == (shot,)


def test_an_archive_that_kept_embeds_as_files_has_them_moved(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m009_embeds")
    files = [
        {"filename": "photo.png", "url": "https://cdn.example/photo.png", "size": 4, "content_type": ""},
        {"filename": "Home · Wiki", "url": WIKI, "size": None, "content_type": "embed"},
        {
            "filename": "https://tenor.com/view/x",
            "url": "https://tenor.com/view/x",
            "size": None,
            "content_type": "embed",
        },
    ]
    row = {k: v for k, v in message_row(msg(1, "ann", "look")).items() if k != "embeds"}
    db["messages"].insert({**row, "attachments": json.dumps(files)})
    db["messages"].insert({k: v for k, v in message_row(msg(2, "bob", "plain")).items() if k != "embeds"})
    db.conn.close()
    store = Store(path)
    first, second = store.message("x:1"), store.message("x:2")
    assert first.attachments == (Attachment("photo.png", "https://cdn.example/photo.png", 4),)
    assert first.embeds == (Embed(WIKI, "Home · Wiki", ""), Embed("https://tenor.com/view/x", "", ""))
    assert second.embeds == () and second.attachments == ()
