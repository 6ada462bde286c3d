"""Importers, one format at a time, on small hand-written fixtures (tests/fixtures/importers/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.model import Message
from chatbot.importers import load
from chatbot.importers.base import ImportFailed

NY = ZoneInfo("America/New_York")


def by_id(messages: list[Message]) -> dict[str, Message]:
    return {m.id: m for m in messages}


def test_our_jsonl(imp: Path) -> None:
    r = load(imp / "ours.jsonl")
    assert r.format == "jsonl" and r.warnings == [] and r.assumed_timezone is None
    m = by_id(r.messages)
    assert list(m) == ["m1", "m2", "m3", "4"]
    assert m["m1"].ts.isoformat() == "2026-11-24T21:00:05-05:00" and m["m1"].likes == 4
    assert m["m2"].reply_to == "m1" and m["m2"].url == "https://x.com/jane/status/m2"
    assert m["m2"].mentions == ("@hosty",) and m["m2"].links == ("https://example.org/roses",)
    assert "&amp;" in m["m2"].text  # our own format is stored unescaped already: kept as written
    assert m["m3"].is_repost and not m["m1"].is_repost
    assert m["4"].platform == "discord" and m["4"].author.id == "400" and m["4"].likes == 3
    assert m["4"].quote_of == "m2" and m["4"].mentions == ("jane",)
    assert m["4"].text == "Q1 agreed with @jane, مرحبا 🌱 <b>bold</b>"  # RTL, emoji, HTML kept


def test_our_jsonl_as_a_json_array(tmp_path: Path, imp: Path) -> None:
    records = [json.loads(line) for line in (imp / "ours.jsonl").read_text().splitlines()]
    f = tmp_path / "array.json"
    f.write_text(json.dumps(records, indent=2))
    assert [m.id for m in load(f).messages] == ["m1", "m2", "m3", "4"]


def test_x_v2_page(imp: Path) -> None:
    r = load(imp / "x_v2_page.json")
    assert r.format == "x-v2" and len(r.messages) == 5
    m = by_id(r.messages)
    q1 = m["9000000000000000004"]
    assert q1.author.handle == "@binhost" and q1.author.name == "Bin Host" and q1.likes == 12
    assert q1.url == "https://x.com/binhost/status/9000000000000000004"
    a1 = m["9000000000000000005"]
    assert a1.reply_to == "9000000000000000004"
    assert a1.text == "@binhost A1: a pitchfork & patience <3 https://t.co/abc"  # entities unescaped
    assert a1.mentions == ("@binhost",) and a1.links == ("https://example.org/pitchfork",)
    rt = m["9000000000000000006"]  # "referenced_posts" naming
    assert rt.is_repost and rt.quote_of is None
    quote = m["9000000000000000007"]  # long post: note_tweet has the full text
    assert quote.quote_of == "9000000000000000004" and not quote.is_repost
    assert quote.text == "This one, in full: worms do the work > everything else."
    lurker = m["9000000000000000008"]
    assert lurker.author.id == "44" and lurker.url == "https://x.com/i/status/9000000000000000008"
    assert len(r.warnings) == 1 and "author 44 is not in includes.users" in r.warnings[0]


def test_x_v2_list_of_pages(tmp_path: Path, imp: Path) -> None:
    page = json.loads((imp / "x_v2_page.json").read_text())
    second = {
        "data": [{"id": "1", "author_id": "11", "created_at": "2026-03-05T19:30:00Z", "text": "bye"}],
        "includes": {"users": page["includes"]["users"]},
    }
    f = tmp_path / "pages.json"
    f.write_text(json.dumps([page, second]))
    r = load(f)
    assert r.format == "x-v2" and len(r.messages) == 6 and r.messages[-1].author.handle == "@binhost"


def test_twarc2_jsonl(imp: Path) -> None:
    r = load(imp / "twarc2.jsonl")
    assert r.format == "x-v2" and r.hints.hashtag == "#CompostChat"
    assert [m.id for m in r.messages] == ["9100000000000000001", "9100000000000000002", "9100000000000000003"]
    assert [m.author.handle for m in r.messages] == ["@binhost", "@wormfan", "@binhost"]


def test_x_v1(imp: Path) -> None:
    r = load(imp / "x_v1.jsonl")
    assert r.format == "x-v1" and r.warnings == []  # the stream "limit" notice is not a tweet
    m = by_id(r.messages)
    assert len(m) == 4
    first = m["9200000000000000001"]
    assert first.ts == datetime(2026, 3, 5, 19, 0, tzinfo=UTC) and first.likes == 7
    assert first.text == "Q1 is coming up in a minute, get your tea & biscuits"
    reply = m["9200000000000000002"]
    assert reply.reply_to == "9200000000000000001" and reply.text.endswith(
        "extended tweet object. https://t.co/x2"
    )
    assert reply.mentions == ("@teahost",) and reply.links == ("https://example.org/earl-grey",)
    assert m["9200000000000000003"].is_repost
    assert m["9200000000000000004"].quote_of == "9200000000000000002"
    assert m["9200000000000000004"].author.handle == "@quoter"


def test_dce_json(imp: Path) -> None:
    r = load(imp / "dce.json")
    assert r.format == "dce-json"
    assert r.hints.title == "Moss Club - ama-june" and r.hints.channel == "ama-june"
    m = by_id(r.messages)
    assert list(m) == ["8001", "8003", "8004", "8006"]  # join and pin skipped, duplicate 8003 dropped
    assert r.warnings == [
        f"{imp / 'dce.json'}:158: duplicate message id 8003 (first at line 65); kept the first"
    ]
    host = m["8001"].author
    assert (host.id, host.handle, host.name) == ("7001", "mossy", "Mossy (host)")  # "0000": no #tag
    question = m["8003"]
    assert question.author.handle == "ivy#4242" and question.author.name == "ivy"
    assert question.likes == 7  # ⬆ 5 + 👍 2; the ❤ 9 does not count
    assert question.mentions == ("mossy",)
    answer = m["8004"]
    assert answer.reply_to == "8003" and answer.ts.isoformat() == "2026-06-01T19:02:00+02:00"
    assert answer.links == ("https://cdn.example.org/moss.png",)
    assert answer.url == "https://discord.com/channels/6000/6100/8004" and answer.channel == "ama-june"
    assert m["8006"].author.is_bot and m["8006"].author.handle == "ChatBot"


def test_dce_csv(imp: Path) -> None:
    r = load(imp / "dce.csv")
    assert r.format == "dce-csv" and str(r.assumed_timezone) == "UTC"
    assert r.warnings[0] == (
        f"{imp / 'dce.csv'}:2: times carry no UTC offset and no time zone was given; read them as UTC "
        "(pass the chat's zone, e.g. --timezone America/New_York)"
    )
    welcome, question, plus1, plus1_again, fern = r.messages
    assert welcome.ts == datetime(2026, 6, 1, 17, 0, tzinfo=UTC) and welcome.author.handle == "mossy"
    assert welcome.likes == 3  # 👍 3; ❤ not counted
    assert question.text == "How often do you water moss?\nAsking for a friend. @mossy"
    assert question.likes == 15 and question.mentions == ("mossy",)  # ⬆ 12 + 👍 3
    assert question.author.id == "7002" and question.author.handle == "ivy#4242"
    assert plus1.text == plus1_again.text == "+1" and plus1.id != plus1_again.id
    assert all(m.id.startswith("dcecsv-") for m in r.messages)
    assert fern.text == "" and fern.links == ("https://cdn.example.org/attachments/1/2/fern.jpg",)


def test_dce_csv_in_the_chats_zone(imp: Path) -> None:
    r = load(imp / "dce.csv", tz=NY)
    assert r.messages[0].ts.isoformat() == "2026-06-01T17:00:00-04:00" and r.assumed_timezone == NY
    assert not any("UTC offset" in w for w in r.warnings)


def test_twitter_archiver_csv(imp: Path) -> None:
    r = load(imp / "archiver.csv", tz=NY)
    assert r.format == "tags-csv" and r.hints.hashtag == "#MossChat"
    assert r.warnings == [] and r.assumed_timezone == NY
    ids = [m.id for m in r.messages]  # the file runs newest first; same second -> by id
    assert ids == ["9300000000000000000", "9300000000000000001", "9300000000000000002", "9300000000000000003"]
    welcome, rt, q1, a1 = r.messages
    assert welcome.ts.isoformat() == "2026-03-06T13:00:00-05:00" and welcome.likes == 1
    assert welcome.author.handle == "@mossyhost" and welcome.author.id == "mossyhost"
    assert rt.is_repost and not q1.is_repost
    assert a1.text.startswith("@mossyhost A1: daily mist, weekly soak & a shady spot")
    assert a1.mentions == ("@mossyhost",) and a1.links == ("https://example.org/soak",)
    assert a1.url == "https://x.com/ivy_green/status/9300000000000000003"


def test_classic_tags_csv(imp: Path) -> None:
    r = load(imp / "tags_classic.csv")
    assert r.format == "tags-csv" and r.warnings == [] and r.assumed_timezone is None  # created_at has +0000
    q1, a1, rt = r.messages
    assert q1.ts == datetime(2026, 3, 6, 18, 0, 5, tzinfo=UTC)
    assert q1.author.id == "601" and q1.author.handle == "@lichenhost"
    assert q1.url == "https://twitter.com/lichenhost/status/9400000000000000001"
    assert a1.reply_to == q1.id and a1.text == "@lichenhost A1: on old walls & gravestones https://t.co/w"
    assert a1.links == ("https://example.org/walls",) and a1.mentions == ("@lichenhost",)
    assert rt.is_repost


def test_meetbot_log(imp: Path) -> None:
    r = load(imp / "garden_meeting.log.txt")
    assert r.format == "meetbot"
    h = r.hints
    assert (h.style, h.title, h.hosts) == ("meeting", "Garden club weekly", ("rosa", "tom", "kim"))
    assert r.warnings == [
        f"{imp / 'garden_meeting.log.txt'}:14: not a MeetBot log line (HH:MM:SS <nick> text); skipped"
    ]
    m = r.messages
    assert len(m) == 15 and all(x.platform == "irc" for x in m)
    assert m[0].id == "garden.2026-03-05-23.55:1"  # renamed by #meetingname; start from the bot line
    assert m[0].ts == datetime(2026, 3, 5, 23, 55, 1, tzinfo=UTC)
    action = next(x for x in m if x.is_action)
    assert (action.author.handle, action.text, action.mentions) == ("kim", "waves at rosa", ("rosa",))
    after_midnight = next(x for x in m if x.id.endswith(":12"))
    assert after_midnight.ts == datetime(2026, 3, 6, 0, 0, 5, tzinfo=UTC)  # rolled over
    assert after_midnight.mentions == ("tom",) and after_midnight.links == ("https://example.org/seeds",)
    assert {x.author.handle for x in m if x.author.is_bot} == {"gardenbot"}
    assert m[-1].ts == datetime(2026, 3, 6, 0, 2, tzinfo=UTC)


def test_meetbot_date_from_the_file_name(tmp_path: Path) -> None:
    f = tmp_path / "standup.2026-01-31-23.58.log.txt"
    f.write_text("23:58:00 <ana> #startmeeting\n23:59:00 <bo> hi\n00:00:30 <ana> #endmeeting\n")
    r = load(f)
    assert [m.id for m in r.messages] == [
        "standup.2026-01-31-23.58:1",
        "standup.2026-01-31-23.58:2",
        "standup.2026-01-31-23.58:3",
    ]
    assert r.messages[-1].ts == datetime(2026, 2, 1, 0, 0, 30, tzinfo=UTC)
    assert r.hints.title == "standup" and r.hints.hosts == ("ana",)


def test_meetbot_without_any_date_fails_clearly(tmp_path: Path) -> None:
    f = tmp_path / "meeting.log.txt"
    f.write_text("10:00:00 <ana> hello\n10:00:05 <bo> hi\n")
    with pytest.raises(ImportFailed, match=r"meeting\.log\.txt: MeetBot log without a date"):
        load(f)


def test_md_transcript(imp: Path) -> None:
    r = load(imp / "transcript.md")
    assert r.format == "md-transcript" and r.hints.title == "MossChat TweetScript"
    assert r.warnings == [
        f"{imp / 'transcript.md'}:24: entry by @nobody without a '> [text](status url)' quote; skipped"
    ]
    welcome, rt, a1 = r.messages  # sorted by time, not file order
    assert welcome.id == "9300000000000000000" and welcome.ts == datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    assert welcome.author.handle == "@mossyhost" and welcome.author.name == "Mossy Host"
    assert rt.is_repost
    assert a1.text == "@mossyhost A1: daily mist, weekly soak & a shady spot #MossChat"
    assert a1.links == ("https://example.org/soak", "https://pbs.example.org/media/moss.jpg")
    assert a1.url == "https://x.com/ivy_green/status/9300000000000000003"


def test_md_transcript_with_spreadsheet_rounded_ids(tmp_path: Path, imp: Path) -> None:
    f = tmp_path / "rounded.md"
    f.write_text((imp / "transcript.md").read_text().replace("/status/93000000000000000", "/status/9.3E+18#"))
    r = load(f)
    assert len(r.messages) == 3 and all(m.id.startswith("md-") and m.url is None for m in r.messages)
    assert len({m.id for m in r.messages}) == 3
    assert [m.id for m in load(f).messages] == [m.id for m in r.messages]
    assert sum("is not a tweet id" in w for w in r.warnings) == 1
