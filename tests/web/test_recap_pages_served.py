"""A long Discord channel record's pages and the images copied beside them, served by the web app:
each page and image from the recaps folder, under a policy that lets images come only from there,
and a search hit linking to the page its message is on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import ClientSession

from chatbot.importing import import_files
from chatbot.recap.export import recap_of
from chatbot.recap.html import render_all
from tests.recap.dce import export_path, file_attachment, files_folder, message, png, write_export
from tests.web.kit import Served


async def test_pages_and_images_are_served_and_searched(
    client: ClientSession, served: Served, transcripts: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    picture = png(4, 4)
    (files_folder(export_path(folder)) / "board-1A2B3.png").write_bytes(picture)
    said = [message(n, f"message number {n}") for n in range(1200)]
    said[1100] = message(
        1100,
        "the finished whiteboard",
        attachments=[file_attachment(f"{export_path(folder).name}_Files\\board-1A2B3.png", "board.png", 70)],
    )
    (sid,) = import_files(served.store, [write_export(folder, said)]).sessions
    render_all([recap_of(served.store, sid)], transcripts)
    slug = served.store.session_row(sid)["slug"]
    second = await client.get(f"/recaps/{slug}/page-2.html")
    assert second.status == 200 and "the finished whiteboard" in await second.text()
    assert "img-src 'self' data:" in second.headers["Content-Security-Policy"]
    image = await client.get(f"/recaps/{slug}/files/{hashlib.sha256(picture).hexdigest()}.png")
    assert image.status == 200 and image.headers["Content-Type"] == "image/png"
    assert await image.read() == picture
    hits = await (await client.get("/search", params={"q": "finished whiteboard"})).text()
    assert f'href="/recaps/{slug}/page-2.html#m-{message(1100, "")["id"]}"' in hits
