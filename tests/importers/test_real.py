"""Importers on the real recorded chats in ../shared/data (counts as SOURCES.md states them, verified).

Skipped with a reason where ../shared/data is absent.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.model import Message
from chatbot.importers import ImportResult, detect, load
from chatbot.importers.base import ImportFailed

NY = ZoneInfo("America/New_York")


def test_pstweetchat_archiver_csv(shared_data: Path) -> None:
    r = load(shared_data / "pstweetchat" / "pstweetchat.csv", tz=NY)
    assert r.format == "tags-csv" and r.warnings == [] and r.assumed_timezone == NY
    assert r.hints.hashtag == "#PSTweetChat"
    ms = r.messages
    assert len(ms) == 2473 and len({m.id for m in ms}) == 2473
    assert not any(m.is_repost for m in ms)  # the query had -filter:retweets
    assert sum(m.text.startswith("@") for m in ms) == 1248
    assert ms[0].ts.isoformat() == "2020-02-07T13:14:02-05:00"
    assert ms[-1].ts.isoformat() == "2023-03-03T13:48:03-05:00"
    feb = [m for m in ms if datetime(2022, 2, 4, 13, tzinfo=NY) <= m.ts < datetime(2022, 2, 4, 14, tzinfo=NY)]
    assert len(feb) == 49
    assert feb[0].ts.astimezone(UTC) == datetime(2022, 2, 4, 18, 0, 44, tzinfo=UTC)
    assert feb[-1].ts.astimezone(UTC) == datetime(2022, 2, 4, 18, 57, 2, tzinfo=UTC)
    last = next(m for m in ms if m.id == "1489674374126911494")
    assert last is feb[-1] and last.author.handle == "@JeffHicks" and last.author.name == "Jeff Hicks"
    assert last.url == "https://x.com/JeffHicks/status/1489674374126911494"
    # 38 monthly one-hour chats: days with 17-108 tweets between 12:00 and 14:59 ET
    per_day = Counter(m.ts.astimezone(NY).date() for m in ms if 12 <= m.ts.astimezone(NY).hour < 15)
    chats = {day: n for day, n in per_day.items() if n >= 10}
    assert len(chats) == 38 and min(chats.values()) == 17 and max(chats.values()) == 108
    assert chats[datetime(2023, 3, 3).date()] == 63


def test_pstweetchat_archiver_csv_without_zone_assumes_utc(shared_data: Path) -> None:
    r = load(shared_data / "pstweetchat" / "pstweetchat.csv")
    assert str(r.assumed_timezone) == "UTC" and len(r.warnings) == 1 and "read them as UTC" in r.warnings[0]


def test_pstweetchat_markdown_transcripts(shared_data: Path) -> None:
    d = shared_data / "pstweetchat"
    feb22 = load(d / "02_PSTweetChat_February2022.md")
    assert feb22.format == "md-transcript" and len(feb22.messages) == 51 and feb22.warnings == []
    last = next(m for m in feb22.messages if m.id == "1489674374126911494")
    assert last.ts == datetime(2022, 2, 4, 18, 57, 2, tzinfo=UTC)  # = 13:57:02 ET in the CSV
    assert len(load(d / "03_PSTweetChat_March2023.md").messages) == 66
    feb20 = load(d / "02_PSTweetChat_February2020.md")  # every status id there reads 1.22585E+18
    assert len(feb20.messages) == 99 and len({m.id for m in feb20.messages}) == 99
    assert all(m.id.startswith("md-") for m in feb20.messages) and len(feb20.warnings) == 1


def test_brexit_twarc2_page(shared_data: Path) -> None:
    r = load(shared_data / "twarc-csv-v2-samples" / "brexit.jsonl")
    assert r.format == "x-v2" and r.warnings == [] and r.hints.hashtag == "#brexit"
    ms = r.messages
    assert len(ms) == 100 and all(m.author.handle.startswith("@") for m in ms)
    assert (ms[0].ts, ms[-1].ts) == (
        datetime(2021, 9, 22, 16, 25, 51, tzinfo=UTC),
        datetime(2021, 9, 22, 16, 37, 29, tzinfo=UTC),
    )
    assert sum(m.is_repost for m in ms) == 67
    assert sum(m.quote_of is not None for m in ms) == 11 and sum(m.reply_to is not None for m in ms) == 10
    assert not any("&amp;" in m.text for m in ms) and sum("&" in m.text for m in ms) == 7
    reply = next(m for m in ms if m.id == "1440714725235388422")
    assert reply.reply_to == "1440700664632397832" and reply.mentions == ("@SkyNewsBreak",)


@pytest.mark.parametrize(
    ("name", "handle", "repost", "likes"),
    [
        ("two_tweets", "@LachiVeronica", True, 0),
        ("mentions_tweet", "@BaldManGamer", True, 0),
        ("edited", "@wongmjane", False, 27),
        ("cotweet", "@staringispolite", False, 4),
    ],
)
def test_small_twarc2_samples(shared_data: Path, name: str, handle: str, repost: bool, likes: int) -> None:
    (m,) = load(shared_data / "twarc-csv-v2-samples" / f"{name}.jsonl").messages
    assert (m.author.handle, m.is_repost, m.likes) == (handle, repost, likes)


def test_tweet_parser_v1_samples(shared_data: Path) -> None:
    r = load(shared_data / "tweet-parser-v1.1-samples" / "original_format_examples.json")
    assert r.format == "x-v1" and r.warnings == [] and len(r.messages) == 25
    ms = r.messages
    assert sum(m.is_repost for m in ms) == 3 and sum(m.quote_of is not None for m in ms) == 8
    assert sum(m.reply_to is not None for m in ms) == 4
    assert {m.author.handle for m in ms} == {"@RobotPrincessFi"}
    assert ms[-1].ts == datetime(2017, 7, 18, 23, 25, 4, tzinfo=UTC)
    long = next(m for m in ms if m.id == "867473446648676352")  # extended_tweet.full_text
    assert len(long.text) == 189 and long.reply_to == "863566329168711681"


@pytest.mark.parametrize(
    ("name", "count", "title"),
    [
        (
            "dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json",
            31,
            "Example guild - general",
        ),
        (
            "dcef-example-guild/Example guild - general - Thomas is Thomas [1060927310439657577].json",
            5,
            "Example guild - Thomas is Thomas",
        ),
        (
            "dcef-example-guild/Example guild - Text Channels - chill talk [1012224565567125544].json",
            6,
            "Example guild - chill talk",
        ),
        (
            "dcef-example-guild/Example guild - Text Channels - chill talk [1012224565567125544] without "
            "deleted message.json",
            5,
            "Example guild - chill talk",
        ),
        ("chat-analytics-discord-fixtures/DM_2A_2M.json", 2, "Direct Messages - Someones name"),
        ("chat-analytics-discord-fixtures/GC_3A_5M.json", 3, "Direct Messages - a group chat"),
        ("chat-analytics-discord-fixtures/SV_5A_5M.json", 4, "DefleMask - general-chiptune"),
    ],
)
def test_dce_json_exports(shared_data: Path, name: str, count: int, title: str) -> None:
    r = load(shared_data / name)
    assert r.format == "dce-json" and len(r.messages) == count and r.hints.title == title
    assert all(
        m.platform == "discord" and m.url and m.url.startswith("https://discord.com/channels/")
        for m in r.messages
    )


def test_dce_json_details(shared_data: Path) -> None:
    general = load(
        shared_data
        / "dcef-example-guild"
        / "Example guild - Text Channels - general [1012224565567721552].json"
    )
    assert general.warnings == []  # 3 GuildMemberJoin + 1 ThreadCreated skipped silently
    # SOURCES' "3 replies (reference)": the third reference belongs to the skipped ThreadCreated message.
    assert sum(m.reply_to is not None for m in general.messages) == 2
    adam = general.messages[0].author
    assert (adam.handle, adam.name) == ("Adam#7077", "Adam")
    thread = load(
        shared_data
        / "dcef-example-guild"
        / "Example guild - general - Thomas is Thomas [1060927310439657577].json"
    )
    assert thread.messages[-1].reply_to == "1060927555093413928"
    assert thread.messages[2].mentions == ("Adam#7077",)
    sv = load(shared_data / "chat-analytics-discord-fixtures" / "SV_5A_5M.json")
    assert len(sv.warnings) == 1 and "duplicate message id 459136077417021488" in sv.warnings[0]
    deleted = sv.messages[0].author
    assert (deleted.handle, deleted.name) == ("Deleted User", "Deleted User")  # "0000": no #tag
    assert by_text(sv.messages, "does not have the nickname").author.name == "mlomb"  # falls back to name
    gc = load(shared_data / "chat-analytics-discord-fixtures" / "GC_3A_5M.json")
    assert by_text(gc.messages, "Should honor").author.name == "theplant"
    assert (
        by_text(gc.messages, "woah nice").url
        == "https://discord.com/channels/@me/1064990764406419508/530805779645595660"
    )


def by_text(messages: list[Message], start: str) -> Message:
    return next(m for m in messages if start in m.text)


@pytest.mark.parametrize(
    ("channel", "files", "messages", "authors", "busiest"),
    [
        ("atomicdex_ama_august2019", 2, 139, 43, [("2019-08-07", 68)]),
        ("antara-ama-july2019", 3, 206, 60, [("2019-07-02", 123), ("2019-07-01", 68)]),
    ],
)
def test_komodo_dce_csv(
    shared_data: Path, channel: str, files: int, messages: int, authors: int, busiest: list[tuple[str, int]]
) -> None:
    paths = sorted((shared_data / "komodo-discord-ama" / "csv" / "ama-archive" / channel).glob("*.csv"))
    assert len(paths) == files
    results = [load(p, tz=UTC) for p in paths]
    assert all(r.format == "dce-csv" and r.warnings == [] for r in results)
    ms = [m for r in results for m in r.messages]
    assert len(ms) == len({m.id for m in ms}) == messages
    assert len({m.author.id for m in ms}) == authors
    days = Counter(m.ts.date().isoformat() for m in ms)
    assert days.most_common(len(busiest)) == busiest
    assert [m.id for m in load(paths[0], tz=UTC).messages] == [m.id for m in results[0].messages]


def test_komodo_atomicdex_details(shared_data: Path) -> None:
    r = load(shared_data / "komodo-discord-ama/csv/ama-archive/atomicdex_ama_august2019/1.csv", tz=UTC)
    first, _, gif, timeline = r.messages[:4]
    assert first.ts == datetime(2019, 7, 31, 19, 37, tzinfo=UTC) and first.author.handle == "alperC#7758"
    assert first.likes == 6  # 👍 (6),👌 (2),KMD (5),...: only the 👍
    assert gif.text == "" and gif.links[0].endswith("atomicdex_animation.gif")
    assert timeline.likes == 7  # 👆 (9),⬆ (7),awthanks (2): only the ⬆


@pytest.mark.parametrize(
    ("name", "messages", "actions", "nicks", "first", "last"),
    [
        ("meetbot-fedora/magazine.2020-06-10-12.02.log.txt", 270, 10, 7, "12:02:26", "13:00:23"),
        (
            "meetbot-fedora/fedora_iot_working_group_meeting.2020-06-10-14.10.log.txt",
            23,
            3,
            5,
            "14:10:12",
            "14:19:29",
        ),
        ("meetbot-automation-broker/asbroker.2018-06-05-13.31.log.txt", 322, 4, 14, "13:31:36", "14:33:06"),
        ("meetbot-automation-broker/asbroker.2018-05-01-13.32.log.txt", 276, 1, 11, "13:32:00", "14:22:29"),
        ("meetbot-automation-broker/asbroker.2018-07-10-13.33.log.txt", 253, 2, 8, "13:33:11", "14:26:33"),
    ],
)
def test_meetbot_logs(
    shared_data: Path, name: str, messages: int, actions: int, nicks: int, first: str, last: str
) -> None:
    r = load(shared_data / name)
    ms = r.messages
    assert r.format == "meetbot" and r.warnings == [] and r.hints.style == "meeting"
    assert len(ms) == messages and sum(m.is_action for m in ms) == actions
    assert len({m.author.handle for m in ms}) == nicks
    assert (ms[0].ts.strftime("%H:%M:%S"), ms[-1].ts.strftime("%H:%M:%S")) == (first, last)


def test_fedora_magazine_meeting(shared_data: Path) -> None:
    r = load(shared_data / "meetbot-fedora" / "magazine.2020-06-10-12.02.log.txt")
    ms = r.messages
    # SOURCES' "260 messages and 10 /me lines": 260 "<nick>" lines + 10 "* nick" lines = 270 messages,
    # matching the minutes' "People present (lines said)" total (136+52+33+26+11+9+3).
    assert sum(not m.is_action for m in ms) == 260
    assert Counter(m.author.handle for m in ms) == {
        "bcotton": 136,
        "sysoplab": 52,
        "asamalik": 33,
        "gregbartholomew": 26,
        "zodbot": 11,
        "jakfrost": 9,
        "cverna": 3,
    }
    assert ms[0].ts == datetime(2020, 6, 10, 12, 2, 26, tzinfo=UTC)
    assert r.hints.title == "Magazine editorial board"  # #startmeeting's text; #meetingname renames ids only
    assert r.hints.hosts == (
        "bcotton",
        "stickster",
        "ryanlerch",
        "cverna",
        "asamalik",
        "sub_pop",
        "gregbartholomew",
        "jakfrost",
        "misc",
        "rwaltr",
    )
    assert ms[0].id == "magazine.2020-06-10-12.02:1" and ms[-1].id == "magazine.2020-06-10-12.02:270"
    assert {m.author.handle for m in ms if m.author.is_bot} == {"zodbot"}
    # SOURCES says 13 #topics: 12 "#topic" commands (the minutes list 12) + the bot's "Useful Commands" line.
    assert sum(m.text.startswith("#topic ") for m in ms) == 12


def test_fedora_iot_meeting(shared_data: Path) -> None:
    r = load(shared_data / "meetbot-fedora" / "fedora_iot_working_group_meeting.2020-06-10-14.10.log.txt")
    said = [m for m in r.messages if not m.is_action]
    # SOURCES' "20 messages, 3 nicks" counts "<nick>" lines; /me lines add 3 more from 2 other nicks.
    assert len(said) == 20 and {m.author.handle for m in said} == {"pbrobinson", "zodbot", "bcotton"}
    assert {m.author.handle for m in r.messages if m.is_action} == {"kushal", "laubersm"}
    assert r.hints.title == "Fedora IoT Working Group Meeting"
    assert r.hints.hosts == ("pbrobinson", "pwhalen", "bcotton", "jsmith")


def test_fedora_stub_log_left_by_meetingname(shared_data: Path) -> None:
    r = load(shared_data / "meetbot-fedora" / "magazine_editorial_board.2020-06-10-12.02.log.txt")
    (m,) = r.messages
    assert m.id == "magazine_editorial_board.2020-06-10-12.02:1"  # date from the file name
    assert m.ts == datetime(2020, 6, 10, 12, 2, 26, tzinfo=UTC) and m.author.handle == "bcotton"
    assert r.hints.title == "Magazine editorial board" and r.hints.hosts == ("bcotton",)


def test_asbroker_meetings_all_import(shared_data: Path) -> None:
    logs = sorted((shared_data / "meetbot-automation-broker").glob("*.log.txt"))
    assert len(logs) == 13
    for log in logs:
        r = load(log)
        assert r.warnings == [] and 55 <= len([m for m in r.messages if not m.is_action]) <= 318
        assert r.hints.hosts[0] == "jmrodri" and any(m.author.is_bot for m in r.messages)


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("komodo-discord-ama/htmldark/ama-archive/*/*.html", "DiscordChatExporter HTML export"),
        ("meetbot-*/*[0-9].txt", "MeetBot minutes: import the .log.txt raw log instead"),
        ("meetbot-*/*[0-9].html", "MeetBot minutes (HTML)"),
        ("meetbot-*/*.log.html", "MeetBot HTML log"),
        ("pstweetchat/Feb2020-tchat.txt", "tchat.io text copy"),
    ],
)
def test_real_files_we_refuse(shared_data: Path, pattern: str, says: str) -> None:
    paths = sorted(shared_data.glob(pattern))
    assert paths
    for p in paths:
        with pytest.raises(ImportFailed, match=says.replace("(", r"\(").replace(")", r"\)")):
            detect(p)


@pytest.mark.parametrize(
    "export", ["antara-ama-july2019/1", "antara-ama-july2019/2", "antara-ama-july2019/3",
               "atomicdex_ama_august2019/1", "atomicdex_ama_august2019/2"],
)  # fmt: skip
def test_komodo_plain_text_says_what_the_csv_of_the_same_export_says(shared_data: Path, export: str) -> None:
    """DiscordChatExporter wrote each AMA channel as CSV and as plain text: read both, the same
    messages come out (author, minute, text, attachments, reactions with their counts)."""
    base = shared_data / "komodo-discord-ama"
    txt = load(base / "plaintext" / "ama-archive" / f"{export}.txt", tz=UTC)
    csv = load(base / "csv" / "ama-archive" / f"{export}.csv", tz=UTC)
    assert txt.format == "dce-txt" and txt.warnings == []
    assert txt.hints.channel == export.split("/")[0] and txt.hints.title.startswith("Komodo - ")

    def seen(r: ImportResult) -> list[tuple[object, ...]]:
        return [
            (m.author.handle, m.ts, m.text.strip(), [a.url for a in m.attachments], m.reactions, m.likes)
            for m in r.messages
        ]

    assert len(txt.messages) == len(csv.messages) > 0
    assert seen(txt) == seen(csv)
