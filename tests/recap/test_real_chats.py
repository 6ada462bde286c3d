"""Recaps of real recorded chats (../shared/data), rendered and read back as a reader would."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatbot.importing import import_files
from chatbot.recap import message_anchors
from chatbot.recap.export import build_export
from chatbot.recap.html import render_session
from chatbot.store import Store

from .dom import element_by_id, find_all, parse, text_of

CHATS = [
    ("pstweetchat/pstweetchat.csv", "pstweetchat-2022-02-04", "America/New_York"),
    ("meetbot-automation-broker/asbroker.2018-06-05-13.31.log.txt", None, None),
    ("dcef-example-guild/Example guild - Text Channels - general [1012224565567721552].json", None, None),
]


@pytest.mark.parametrize(("name", "session", "zone"), CHATS)
def test_a_real_chat_renders_and_matches_its_export(
    shared_data: Path, tmp_path: Path, name: str, session: str | None, zone: str | None
) -> None:
    store = Store(tmp_path / "a.db")
    report = import_files(store, [shared_data / name], tz=ZoneInfo(zone) if zone else None)
    sid = session or max(report.sessions, key=lambda s: len(store.message_rows(s)))
    export = build_export(store, sid)
    page = parse(render_session(export))
    items = find_all(element_by_id(page, "transcript"), "li", "msg")
    anchors = message_anchors(export)
    assert [li.get("id") for li in items] == [anchors[m["id"]] for m in export["messages"]]
    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert not [i for i, n in Counter(ids).items() if n > 1], "duplicate anchors"
    assert len(find_all(page, "article", "prompt")) == len(export["prompts"])
    for article, prompt in zip(find_all(page, "article", "prompt"), export["prompts"], strict=True):
        assert len(find_all(article, "li", "msg")) == len(prompt["answers"])
    people = find_all(page, "table", "people")[0].findall("./tbody/tr")
    assert len(people) == sum(p["role"] != "bot" for p in export["participants"])  # people, not bots
    body = text_of(page)
    assert export["session"]["title"] in body
    for m in export["messages"][:20]:  # text shown as written (first line of each)
        if m["text"].strip():
            first = m["text"].strip().splitlines()[0][:40]
            assert first in body.replace("\n", " ") or first in body
    assert not [e for e in page.iter() if any(k.startswith("on") for k in e.attrib)]
