"""A Discord embed keeps its title, description and link from the export through the archive, the
JSON export, the page and the Markdown (dcef-example-guild's general channel: GitHub previews)."""

from __future__ import annotations

import json
from pathlib import Path

from chatbot.core.model import Embed
from chatbot.importing import import_files
from chatbot.recap.export import recap_of
from chatbot.recap.html import render_all
from chatbot.store import Store

GENERAL = "dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json"
WIKI = "https://github.com/Tyrrrz/DiscordChatExporter/wiki"
SAID = (
    "Exports Discord chat logs to a file. Contribute to Tyrrrz/DiscordChatExporter development by "
    "creating an account on GitHub."
)


def test_an_embed_s_description_goes_all_the_way(shared_data: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    (sid,) = import_files(store, [shared_data / GENERAL]).sessions
    m = store.message("discord:1060926895719460986")
    assert m is not None and m.embeds == (Embed(WIKI, "Home · Tyrrrz/DiscordChatExporter Wiki", SAID),)
    assert m.attachments == ()  # an embed is no file
    gif = store.message("discord:1060927140842983534")  # a Tenor GIF: a link without title or description
    assert gif is not None and gif.embeds == (Embed("https://tenor.com/view/magic-gif-26166638"),)
    render_all([recap_of(store, sid)], tmp_path / "site")
    slug = store.session_row(sid)["slug"]
    exported = json.loads((tmp_path / "site" / f"{slug}.json").read_text(encoding="utf-8"))
    (said,) = [x for x in exported["messages"] if x["id"] == m.id]
    assert said["embeds"] == [
        {"url": WIKI, "title": "Home · Tyrrrz/DiscordChatExporter Wiki", "description": SAID}
    ]
    assert all(
        "embeds" not in x
        for x in exported["messages"]
        if x["id"] not in (m.id, gif.id, "1060928127137747099")
    )
    page = (tmp_path / "site" / f"{slug}.html").read_text(encoding="utf-8")
    assert f'<p class="embed-text" dir="auto">{SAID}</p>' in page
    tenor = '<a href="https://tenor.com/view/magic-gif-26166638" rel="nofollow ugc noopener">'
    assert (
        f'<p class="embed-title">{tenor}<bdi>https://tenor.com/view/magic-gif-26166638</bdi></a></p></li>'
        in page
    )
    md = (tmp_path / "site" / f"{slug}.md").read_text(encoding="utf-8")
    assert f"  embed: [Home · Tyrrrz/DiscordChatExporter Wiki]({WIKI}): {SAID}" in md
