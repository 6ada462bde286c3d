"""DiscordChatExporter JSON written the way DCE writes it (the keys of ``dcef-example-guild``), with
a ``<export>_Files`` folder of media as ``--media`` leaves beside it, for tests that need what no
real export in ../shared/data has: the media files themselves, or thousands of messages."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2023, 1, 6, 14, 0, tzinfo=UTC)


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG of ``width`` x ``height`` blue pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x10\x60\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def author(n: int) -> dict[str, Any]:
    return {
        "id": f"52148647698515{n:04d}",
        "name": f"member{n}",
        "discriminator": "0000",
        "nickname": f"Member {n}",
        "color": None,
        "isBot": False,
        "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
    }


def message(n: int, content: str, **extra: Any) -> dict[str, Any]:
    """Message ``n`` by one of three members: 40 a day from 14:00 UTC, ten minutes apart (a
    channel's everyday talk, no live event)."""
    return {
        "id": f"10451785875752{n:05d}",
        "type": "Reply" if "reference" in extra else "Default",
        "timestamp": (T0 + timedelta(days=n // 40, minutes=10 * (n % 40))).isoformat(timespec="milliseconds"),
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": author(n % 3),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        **extra,
    }


def reply(n: int, content: str, to: int) -> dict[str, Any]:
    return message(
        n, content, reference={"messageId": message(to, "")["id"], "channelId": "1", "guildId": "2"}
    )


def file_attachment(url: str, name: str, size: int) -> dict[str, Any]:
    return {"id": f"9{abs(hash(url)) % 10**17:017d}", "url": url, "fileName": name, "fileSizeBytes": size}


def export_path(folder: Path, name: str = "general") -> Path:
    """Where DCE names a channel's export: ``Test guild - Text Channels - <name> [<id>].json``."""
    return folder / f"Test guild - Text Channels - {name} [1012224565567721552].json"


def write_export(folder: Path, messages: list[dict[str, Any]], name: str = "general") -> Path:
    """The channel's export in ``folder`` (``export_path``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = export_path(folder, name)
    export = {
        "guild": {
            "id": "748545324524575035",
            "name": "Test guild",
            "iconUrl": f"{path.name}_Files\\0-EB806.png",
        },
        "channel": {
            "id": "1012224565567721552",
            "type": "GuildTextChat",
            "categoryId": "748545324524575035",
            "category": "Text Channels",
            "name": name,
            "topic": "Where we talk",
        },
        "dateRange": {"after": None, "before": None},
        "messages": messages,
        "messageCount": len(messages),
    }
    path.write_text(json.dumps(export, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def files_folder(export: Path) -> Path:
    """The media folder DCE writes beside an export (``<export file name>_Files``)."""
    folder = export.parent / f"{export.name}_Files"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
