"""Images a recap shows inline: the export's own copies (DiscordChatExporter ``--media``), copied
into the recap's folder as it is written.

A recap page makes no network request, so an image is shown only when the export kept the file
beside itself (``Attachment.local``, checked when imported: inside the export's folder, through no
symbolic link). When the page is written the file is checked again (still a regular file reached
through no link, at most ``MAX_BYTES``), read, and taken only if its first bytes say PNG, JPEG, GIF
or WebP, whatever its name says (SVG, which can carry script, never is). It is copied to
``<slug>/files/<sha256>.<type>``: named by its content, so an image sent twice is one file and a
re-render rewrites nothing.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.recap import write_atomic

#: Images larger than this stay a link to the export's copy's name (no copy in the recap).
MAX_BYTES = 10_000_000
#: Each recap's copied files, under its own folder beside its page (``<slug>/files/``).
FILES = "files"


@dataclass(frozen=True)
class Picture:
    """An image copied into the recap: its path from the recaps folder, and its size in pixels."""

    src: str  # "<slug>/files/<sha256>.png"
    width: int
    height: int


def image_type(data: bytes) -> tuple[str, int, int] | None:
    """(extension, width, height) when ``data`` is a PNG, JPEG, GIF or WebP image, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return _sized("png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return _sized("gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    return None


def _sized(ext: str, width: int, height: int) -> tuple[str, int, int] | None:
    return (ext, width, height) if 0 < width <= 65535 and 0 < height <= 65535 else None


def _webp(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _sized("webp", width, height)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _sized("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return _sized("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg(data: bytes) -> tuple[str, int, int] | None:
    """The frame size from the first start-of-frame segment."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return _sized("jpg", width, height)
        if length < 2:
            return None
        pos += 2 + length
    return None


def read_image(local: str) -> tuple[bytes, tuple[str, int, int]] | None:
    """The bytes and type of the image at ``local``, or None: not there any more, reached through
    a symbolic link now, larger than ``MAX_BYTES``, or not an image whatever its name says."""
    path = Path(local)
    try:
        if not path.is_absolute() or path.resolve(strict=True) != path or not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except (OSError, RuntimeError, ValueError):
        return None
    kind = image_type(data) if len(data) <= MAX_BYTES else None
    return (data, kind) if kind else None


@dataclass
class Gallery:
    """Copies a recap's images into ``out/<slug>/files/`` as its page is written, each file once.
    ``media``: the export's copies of a recap's files, by (message id, the file's url)."""

    out: Path
    slug: str
    media: Mapping[tuple[str, str], str]
    copied: dict[str, Picture | None] = field(default_factory=dict)  # by local path

    def picture(self, message_id: str, url: str) -> Picture | None:
        """The image this message's file is, copied into the recap (None when it is none)."""
        local = self.media.get((message_id, url))
        if not local:
            return None
        if local not in self.copied:
            self.copied[local] = self._copy(local)
        return self.copied[local]

    def _copy(self, local: str) -> Picture | None:
        found = read_image(local)
        if found is None:
            return None
        data, (ext, width, height) = found
        name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
        target = self.out / self.slug / FILES / name
        if not (target.is_file() and target.stat().st_size == len(data)):
            write_atomic(target, data)
        return Picture(f"{self.slug}/{FILES}/{name}", width, height)


def local_copies(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], str]:
    """(message id, file url) -> the export's copy, from (message id, stored attachments) rows."""
    found: dict[tuple[str, str], str] = {}
    for message_id, text in rows:
        for a in json.loads(text or "[]"):
            if a.get("local"):
                found[(str(message_id), str(a.get("url") or ""))] = str(a["local"])
    return found
