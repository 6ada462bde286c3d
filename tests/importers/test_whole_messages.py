"""What an export says about a message beyond its text reaches the Message: attachments, reactions
with their counts, edit times, bot authors (each format that records them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from chatbot.core.model import Attachment, Reaction
from chatbot.importers import load
from tests.importers.test_formats import by_id


def test_dce_json_reactions_attachments_and_bots(imp: Path) -> None:
    m = by_id(load(imp / "dce.json").messages)
    assert m["8003"].reactions == (Reaction("⬆", 5), Reaction("👍", 2), Reaction("❤", 9))
    assert m["8004"].attachments == (Attachment("moss.png", "https://cdn.example.org/moss.png", 10),)
    assert m["8006"].author.is_bot and not m["8003"].author.is_bot
    assert all(x.edited_at is None for x in m.values())


def test_dce_json_edit_times_and_custom_emoji(tmp_path: Path, imp: Path) -> None:
    doc = json.loads((imp / "dce.json").read_text(encoding="utf-8"))
    first, second = doc["messages"][0], doc["messages"][2]
    first["timestampEdited"] = "2026-06-01T17:05:00.250+00:00"
    first["reactions"] = [{"emoji": {"id": "99", "name": "mossheart", "isAnimated": False}, "count": 4}]
    second["timestampEdited"] = "yesterday"
    f = tmp_path / "edited.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    r = load(f)
    edited = by_id(r.messages)[first["id"]]
    assert edited.edited_at == datetime(2026, 6, 1, 17, 5, 0, 250000, tzinfo=UTC)
    assert edited.reactions == (Reaction(":mossheart:", 4),)
    assert any("timestampEdited 'yesterday' is not ISO 8601; left out" in w for w in r.warnings)
    assert second["id"] in by_id(r.messages)  # kept, without an edit time


def test_dce_csv_reactions_and_attachments(imp: Path) -> None:
    welcome, question, _, _, fern = load(imp / "dce.csv").messages
    assert welcome.reactions == (Reaction("👍", 3), Reaction("❤", 2))
    assert question.reactions == (Reaction("⬆", 12), Reaction("👍", 3), Reaction("KMD", 5))
    url = "https://cdn.example.org/attachments/1/2/fern.jpg"
    assert fern.attachments == (Attachment("fern.jpg", url),)


def test_x_v2_media_from_includes_and_flattened(tmp_path: Path) -> None:
    post = {
        "id": "1",
        "author_id": "10",
        "created_at": "2026-03-06T18:00:00.000Z",
        "text": "our bins https://t.co/x",
        "attachments": {"media_keys": ["3_1", "16_2"]},
    }
    page = {
        "data": [post],
        "includes": {
            "users": [{"id": "10", "username": "binhost", "name": "Bin Host"}],
            "media": [
                {"media_key": "3_1", "type": "photo", "url": "https://pbs.twimg.com/media/A.jpg"},
                {
                    "media_key": "16_2",
                    "type": "animated_gif",
                    "preview_image_url": "https://pbs.twimg.com/b/B.jpg",
                },
            ],
        },
    }
    f = tmp_path / "page.json"
    f.write_text(json.dumps(page), encoding="utf-8")
    (m,) = load(f).messages
    assert m.attachments == (
        Attachment("A.jpg", "https://pbs.twimg.com/media/A.jpg"),
        Attachment("B.jpg", "https://pbs.twimg.com/b/B.jpg"),
    )
    flat = {
        **post,
        "attachments": {"media": page["includes"]["media"][:1]},
        "author": {"id": "10", "username": "b"},
    }
    g = tmp_path / "flat.jsonl"
    g.write_text(json.dumps(flat) + "\n", encoding="utf-8")
    (m,) = load(g).messages
    assert [a.filename for a in m.attachments] == ["A.jpg"]


def test_spreadsheet_media_become_attachments(shared_data: Path) -> None:
    ps = load(shared_data / "pstweetchat" / "pstweetchat.csv", tz=UTC)
    with_media = [m for m in ps.messages if m.attachments]
    assert len(with_media) == 157  # the Media column's http(s) addresses; "pic.twitter.com/..." are links
    assert all(a.url.startswith("https://") and a.filename for m in with_media for a in m.attachments)


def test_our_jsonl_carries_what_the_archive_keeps(tmp_path: Path) -> None:
    record = {
        "id": "m1",
        "platform": "discord",
        "ts": "2026-11-24T21:00:05-05:00",
        "author": {"id": "1", "handle": "mossbot", "is_bot": True},
        "text": "minutes attached",
        "attachments": [{"filename": "minutes.pdf", "url": "https://example.org/m.pdf", "size": 2048}],
        "reactions": [{"emoji": "👍", "count": 2}],
        "edited_at": "2026-11-24T21:03:00-05:00",
    }
    f = tmp_path / "ours.jsonl"
    f.write_text(json.dumps(record) + "\n", encoding="utf-8")
    r = load(f)
    (m,) = r.messages
    assert r.warnings == [] and m.author.is_bot
    assert m.attachments == (Attachment("minutes.pdf", "https://example.org/m.pdf", 2048),)
    assert m.reactions == (Reaction("👍", 2),)
    assert m.edited_at is not None and m.edited_at.isoformat() == "2026-11-24T21:03:00-05:00"
