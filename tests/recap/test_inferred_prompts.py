"""Chats without numbered prompts (#PSTweetChat: the host asks in plain tweets, people answer with
``@JeffHicks ...``): the host's questions become prompts marked inferred, replies by id or by
mention of the host soon after become their answers, links are kept and shown, an early reply does
not move the start, the title is the host's opening tweet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.core.engine import SessionEngine
from chatbot.core.model import Author, Kind, Message, SessionSpec
from chatbot.importing import import_files
from chatbot.recap.export import build_export
from chatbot.recap.html import render_session
from chatbot.recap.markdown import render_markdown
from chatbot.store import Store
from tests.conftest import SHARED_DATA

NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The whole #PSTweetChat CSV (38 monthly chats), imported once for these tests."""
    csv = SHARED_DATA / "pstweetchat" / "pstweetchat.csv"
    if not csv.is_file():
        pytest.skip(f"real recorded chats not found at {SHARED_DATA} (they live beside the clone in CI)")
    store = Store(tmp_path_factory.mktemp("ps") / "a.db")
    import_files(store, [csv], tz=NY)
    return store


def test_the_hosts_plain_questions_are_inferred_prompts_with_their_answers(archive: Store) -> None:
    export = build_export(archive, "pstweetchat-2022-02-04")
    assert export["session"]["title"] == "Welcome everyone to another #PowerShell chat."
    asked = [(p["label"], p["text"][:40], p.get("inferred")) for p in export["prompts"]]
    assert asked == [
        ("Q1", "What has everyone been up to? My new maj", True),
        ("Q2", "Are there any user group meeting announc", True),
        ("Q3", "Any interesting or useful online resourc", True),
        ("Q4", "Any other #PowerShell projects, events, ", True),
    ]
    resources = [(a["author"], a["text"][:29]) for a in export["prompts"][2]["answers"]]
    assert ("@MDowst", "@JeffHicks I'll add JSONLint.") in resources
    assert all(a["author"] != "@JeffHicks" for p in export["prompts"] for a in p["answers"])
    page, md = render_session(export), render_markdown(export)
    assert page.count('class="badge badge-inferred"') == 4
    assert md.count("*inferred: a host's question*") == 4


def test_an_early_reply_does_not_move_the_start(archive: Store) -> None:
    starts = {
        sid: build_export(archive, sid)["session"]["started_at"]
        for sid in ("pstweetchat-2022-11-04", "pstweetchat-2023-03-03")
    }
    assert starts == {  # not 11:58 ("1 hr til #pstweetchat") nor 11:12 ("@JeffHicks The #PSTweetChat...")
        "pstweetchat-2022-11-04": "2022-11-04T12:59:38-04:00",
        "pstweetchat-2023-03-03": "2023-03-03T13:01:35-05:00",
    }


def test_links_from_the_link_column_are_kept_and_shown(archive: Store) -> None:
    export = build_export(archive, "pstweetchat-2022-02-04")
    (tool,) = [m for m in export["messages"] if m["text"].startswith("I use  when")]
    assert tool["links"] and tool["links"][0].startswith("http")
    assert f'<ul class="links" aria-label="Links"><li><a href="{tool["links"][0]}"' in render_session(export)
    assert f"  link: <{tool['links'][0]}>" in render_markdown(export)


def test_stats_count_the_messages_listed(archive: Store) -> None:
    for row in archive.sessions():
        export = build_export(archive, row["id"])
        assert export["stats"]["messages"] == len(export["messages"]), row["id"]
        assert export["session"]["title"] != "#PSTweetChat chat", row["id"]


T0 = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def _said(n: int, who: str, text: str, reply_to: str | None = None) -> Message:
    return Message(f"{n}", "x", T0 + timedelta(minutes=n), Author(who, f"@{who}"), text, reply_to=reply_to)


def test_replies_by_id_or_by_mention_soon_after_answer_the_question() -> None:
    spec = SessionSpec(
        "c", "#c", "c", T0, "UTC", hosts=("@host",), extra={"prompts": "inferred"}, platforms=("x",)
    )
    engine = SessionEngine(spec)
    out = [
        engine.ingest(m)
        for m in [
            _said(0, "host", "Welcome! What are you working on? #c"),
            _said(1, "ann", "a plugin #c", reply_to="0"),
            _said(2, "bob", "@host a script #c"),
            _said(3, "host", "@bob How goes the book? #c"),
            _said(40, "cy", "@host late to this #c"),
        ]
    ]
    assert out[0].kind == Kind.PROMPT and out[0].flags == ("inferred",)
    assert [o.answers for o in out[1:3]] == [("1",), ("1",)]
    assert out[3].kind == Kind.HOST  # a question to one person is no prompt
    assert out[4].answers == ()  # 40 minutes on: chat


def test_a_tags_sheet_without_its_query_row_takes_the_hashtag_its_tweets_share(tmp_path: Path) -> None:
    """Retweets included: two originals say #rocks, one #LichenChat, five retweet that one."""
    head = "id_str,from_user,text,created_at,time,in_reply_to_status_id_str\n"
    when = "Fri Mar 06 18:0{n}:30 +0000 2026,06/03/2026 18:0{n}:30"
    rows = [
        f"1,host,Q1: Which lichen? #LichenChat,{when.format(n=0)},",
        f"2,ann,A1: crusty ones #rocks,{when.format(n=1)},1",
        f"3,bob,A1: leafy #rocks,{when.format(n=2)},1",
    ]
    rows += [f"{n},fan{n},RT @host: Q1: Which lichen? #LichenChat,{when.format(n=n)}," for n in range(4, 9)]
    sheet = tmp_path / "tags.csv"
    sheet.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    store = Store(tmp_path / "a.db")
    (sid,) = import_files(store, [sheet]).sessions
    assert build_export(store, sid)["session"]["hashtag"] == "#LichenChat"
