"""Images a DiscordChatExporter export kept beside itself (``--media``) are shown in the recap: copied
into the recap's own folder, checked by their bytes, never from outside the export's folder; an
image only on the web stays a link that says it was not downloaded with the export."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from chatbot.importers.media import local_file
from chatbot.importing import import_files
from chatbot.recap.export import build_export, recap_of
from chatbot.recap.html import render_all
from chatbot.recap.media import MAX_BYTES, image_type, read_image
from chatbot.store import Store
from tests.recap.dce import export_path, file_attachment, files_folder, message, png, write_export

CDN = "https://cdn.discordapp.com/attachments/1012224565567721552/1060926845513650298/cat.png"


def _imported(tmp_path: Path, messages: list[dict[str, object]]) -> tuple[Store, str]:
    store = Store(tmp_path / "a.db")
    report = import_files(store, [write_export(tmp_path / "export", messages)])
    (sid,) = report.sessions
    return store, sid


def _rendered(store: Store, sid: str, out: Path) -> tuple[str, str]:
    render_all([recap_of(store, sid)], out)
    slug = store.session_row(sid)["slug"]
    return slug, (out / f"{slug}.html").read_text(encoding="utf-8")


def test_an_image_the_export_kept_is_copied_into_the_recap_and_shown(tmp_path: Path) -> None:
    name = export_path(tmp_path / "export").name
    picture = png(3, 2)
    (files_folder(export_path(tmp_path / "export")) / "photo-662EF.png").write_bytes(picture)
    store, sid = _imported(
        tmp_path,
        [
            message(
                1,
                "our whiteboard",
                attachments=[file_attachment(f"{name}_Files\\photo-662EF.png", "photo.png", 71)],
            ),
            message(2, "and a cat", attachments=[file_attachment(CDN, "cat.png", 42900)]),
            message(
                3,
                "same board again",
                attachments=[file_attachment(f"{name}_Files/photo-662EF.png", "again.png", 71)],
            ),
        ],
    )
    slug, page = _rendered(store, sid, tmp_path / "site")
    copy = f"{slug}/files/{hashlib.sha256(picture).hexdigest()}.png"
    assert (tmp_path / "site" / copy).read_bytes() == picture
    assert len(list((tmp_path / "site" / slug / "files").iterdir())) == 1  # the same image once
    shown = f'<a class="thumb" href="{copy}"><img src="{copy}" width="3" height="2" alt="photo.png"'
    assert shown in page and 'alt="again.png"' in page
    assert "img-src &#39;self&#39; data:;" in page  # the page's policy lets it show the copies beside it
    size = '<span class="muted">(42.9 kB)</span>'
    cat = f'<a href="{CDN}" rel="nofollow ugc noopener"><bdi>cat.png</bdi> {size}</a>'
    assert f'{cat}<span class="file-note">image not downloaded with the export</span>' in page
    assert page.count("<img ") == 2
    published = (tmp_path / "site" / f"{slug}.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in published and str(tmp_path) not in page  # no local path is published
    export = json.loads(published)
    assert export["messages"][0]["attachments"][0]["url"] == f"{name}_Files\\photo-662EF.png"


def test_paths_out_of_the_export_folder_are_refused(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", [])
    files = files_folder(export)
    (files / "ok.png").write_bytes(png())
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    (files / "link.png").symlink_to(secret)
    (files / "inside-link.png").symlink_to(files / "ok.png")
    os.symlink(tmp_path, files / "up")
    assert local_file(export, f"{export.name}_Files\\ok.png") == str(files / "ok.png")
    for refused in [
        "../../etc/passwd",
        "..\\..\\etc\\passwd",
        f"{export.name}_Files/../../secret.png",
        "/etc/passwd",
        str(secret),
        "C:\\Users\\me\\secret.png",
        "file:///etc/passwd",
        f"{export.name}_Files/link.png",  # a link out
        f"{export.name}_Files/inside-link.png",  # any link
        f"{export.name}_Files/up/secret.png",  # through a linked folder
        f"{export.name}_Files/missing.png",
        f"{export.name}_Files",  # a folder
        "",
    ]:
        assert local_file(export, refused) == "", refused


def test_hostile_paths_show_no_image_and_copy_nothing(tmp_path: Path) -> None:
    (tmp_path / "outside.png").write_bytes(png())
    folder = files_folder(export_path(tmp_path / "export"))
    (folder / "sneaky.png").symlink_to(tmp_path / "outside.png")
    name = export_path(tmp_path / "export").name
    store, sid = _imported(
        tmp_path,
        [
            message(1, "look", attachments=[file_attachment("../outside.png", "outside.png", 71)]),
            message(2, "look", attachments=[file_attachment(str(tmp_path / "outside.png"), "abs.png", 71)]),
            message(3, "look", attachments=[file_attachment(f"{name}_Files/sneaky.png", "sneaky.png", 71)]),
        ],
    )
    stored = [a for m in store.session_messages(sid) for a in m.attachments]
    assert len(stored) == 3 and all(a.local == "" for a in stored)
    slug, page = _rendered(store, sid, tmp_path / "site")
    assert "<img " not in page and not (tmp_path / "site" / slug / "files").exists()
    assert page.count("image not shown: the export's copy is missing or is not an image") == 3


def test_bytes_that_are_no_image_are_not_shown_whatever_their_name(tmp_path: Path) -> None:
    folder = files_folder(export_path(tmp_path / "export"))
    (folder / "notes-1A2B3.png").write_text("<svg onload=alert(1)>not an image</svg>", encoding="utf-8")
    (folder / "drawing-1A2B3.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    name = export_path(tmp_path / "export").name
    store, sid = _imported(
        tmp_path,
        [
            message(
                1, "notes", attachments=[file_attachment(f"{name}_Files/notes-1A2B3.png", "notes.png", 40)]
            ),
            message(2, "svg", attachments=[file_attachment(f"{name}_Files/drawing-1A2B3.svg", "d.svg", 40)]),
        ],
    )
    assert [a.local != "" for m in store.session_messages(sid) for a in m.attachments] == [True, True]  # kept
    slug, page = _rendered(store, sid, tmp_path / "site")
    assert "<img " not in page and not (tmp_path / "site" / slug / "files").exists()
    assert "<bdi>notes.png</bdi>" in page and "the export's copy is missing or is not an image" in page


def test_image_types_are_told_by_their_bytes(tmp_path: Path) -> None:
    assert image_type(png(640, 480)) == ("png", 640, 480)
    assert image_type(b"GIF89a\x20\x00\x10\x00" + b"\x00" * 20) == ("gif", 32, 16)
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80"
        + b"\0" * 9
    )
    assert image_type(jpeg) == ("jpg", 640, 480)
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00" + (99).to_bytes(3, "little")
    assert image_type(webp + (49).to_bytes(3, "little")) == ("webp", 100, 50)
    assert image_type(b"<svg/>") is None and image_type(b"\x89PNG\r\n\x1a\n") is None
    big = tmp_path / "big.png"
    big.write_bytes(png() + b"\0" * MAX_BYTES)
    assert read_image(str(big)) is None  # past the size cap: a link, not a copy
    assert read_image("relative.png") is None


def test_the_real_export_s_local_paths_that_are_not_there_show_no_image(
    shared_data: Path, tmp_path: Path
) -> None:
    """dcef-example-guild names its files in a ``.json_Files`` folder that was not copied with it."""
    store = Store(tmp_path / "a.db")
    general = "dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json"
    (sid,) = import_files(store, [shared_data / general]).sessions
    assert all(a.local == "" for m in store.session_messages(sid) for a in m.attachments)
    _, page = _rendered(store, sid, tmp_path / "site")
    assert "<img " not in page
    assert "<bdi>dce-export-more.png</bdi>" in page and "is missing or is not an image" in page
    assert build_export(store, sid)["messages"]
