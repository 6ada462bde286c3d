"""Small valid recorded chats in each real format, and hostile versions of one of their records.

Each format knows how to write N good records (each text carries a marker ``goodN``) and which of a
record's fields a hostile value may replace. ``hostile_file`` writes the file and says on which
line the hostile record starts, so a test can check the warning names it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Raw:
    """JSON text put into a record as it is (what ``json.dumps`` cannot write: 100k-deep nesting,
    a 5,001-digit number, NaN)."""

    text: str

    def __repr__(self) -> str:  # a failing example stays readable
        return f"Raw({self.text[:12]!r}… {len(self.text):,} characters)"


# -- hostile values ------------------------------------------------------------------------------
NASTY_TEXT = [
    "\ud800",  # a lone high surrogate (JSON "\ud800")
    "tail \udfff",
    "split \ud83d emoji",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "🎉👍🏽🇺🇦 family 👨‍👩‍👧",
    "\u202eRTL override\u202c",
    "zero\u200bwidth",
    "",
    " ",
    "x" * 150_000,
    "NUL\x00inside",
]
ABSURD_DATES = [
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00",
    "2026-02-30T00:00:00Z",
    "1800-01-01T00:00:00Z",
    "2500-01-01T00:00:00Z",
    "now",
]
DEEP = [Raw("[" * n + "]" * n) for n in (50, 5_000, 100_000)] + [Raw('{"a":' * 3_000 + "1" + "}" * 3_000)]
HUGE = [
    Raw("9" * 5_001),
    Raw("-" + "9" * 5_001),
    Raw("1" + "0" * 400),
    Raw("1e999"),
    Raw("NaN"),
    Raw("-Infinity"),
]
WRONG_TYPES: list[object] = [None, True, False, 0, -5, 1.5, [], {}, ["a", 1], {"a": {"b": []}}, 10**30]

json_values = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(ABSURD_DATES),
    st.sampled_from(DEEP),
    st.sampled_from(HUGE),
    st.sampled_from(WRONG_TYPES),
    st.text(max_size=30),
)
# Cells of a CSV row: text only; a lone surrogate becomes bytes that are not UTF-8 in the file.
cell_values = st.one_of(
    st.sampled_from([t for t in NASTY_TEXT if "\x00" not in t]),
    st.sampled_from([*ABSURD_DATES, "31-Dec-99 11:59 PM", "12/31/9999 23:59:59", "9" * 5_001]),
    st.sampled_from(["⬆ (" + "9" * 5_001 + ")", "👍 (99999999999999999999999)", "[" * 5_000 + "]" * 5_000]),
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30),
)


def dump(value: Any) -> str:
    """``value`` as JSON, with every ``Raw`` written as its text."""
    raws: list[str] = []

    def swap(v: Any) -> Any:
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [swap(x) for x in v]
        return v

    text = json.dumps(swap(value))
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw)
    return text


def put(record: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in ``record`` (making the tables on the way, replacing what is not one)."""
    *parents, last = path.split(".")
    here = record
    for key in parents:
        if not isinstance(here.get(key), dict):
            here[key] = {}
        here = here[key]
    here[last] = value


# -- the formats -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Format:
    name: str  # what the importer detects
    good: Callable[[int], dict[str, Any]]
    render: Callable[[list[dict[str, Any]]], tuple[str, list[int]]]  # the text, each record's line
    fields: tuple[str, ...]
    values: st.SearchStrategy[Any]
    file_name: str = "chat.txt"
    records: bool = True  # each record stands apart (JSON, CSV): a hostile one is imported or warned about


def _lines(records: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]) -> tuple[str, list[int]]:
    return "\n".join(line(r) for r in records) + "\n", list(range(1, len(records) + 1))


def _jsonl(i: int) -> dict[str, Any]:
    return {
        "id": f"m{i}",
        "platform": "x",
        "ts": f"2026-11-24T21:{i:02d}:00-05:00",
        "author": {"id": f"u{i}", "handle": f"@user{i}", "name": f"User {i}"},
        "text": f"good{i}z A1: hello #chat",
        "likes": 1,
    }


def _x_v2(i: int) -> dict[str, Any]:
    return {
        "data": [
            {
                "id": f"90000000000000000{i:02d}",
                "author_id": f"{100 + i}",
                "created_at": f"2026-11-25T02:{i:02d}:00.000Z",
                "text": f"good{i}z A1: hello #chat",
                "public_metrics": {"like_count": 2},
                "entities": {"mentions": [{"username": "host"}], "urls": []},
            }
        ],
        "includes": {"users": [{"id": f"{100 + i}", "username": f"user{i}", "name": f"User {i}"}]},
    }


def _x_v1(i: int) -> dict[str, Any]:
    return {
        "id_str": f"91000000000000000{i:02d}",
        "created_at": f"Wed Nov 25 02:{i:02d}:00 +0000 2026",
        "text": f"good{i}z A1: hello #chat",
        "user": {"id_str": f"{200 + i}", "screen_name": f"user{i}", "name": f"User {i}"},
        "favorite_count": 3,
        "entities": {"user_mentions": [], "urls": []},
    }


def _dce(i: int) -> dict[str, Any]:
    return {
        "id": f"80{i:02d}",
        "type": "Default",
        "timestamp": f"2026-06-01T17:{i:02d}:00.000+00:00",
        "timestampEdited": None,
        "content": f"good{i}z hello",
        "author": {"id": f"70{i:02d}", "name": f"user{i}", "discriminator": "0000", "nickname": f"User {i}"},
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [{"emoji": {"id": "", "name": "👍"}, "count": 2}],
        "mentions": [],
    }


def _dce_json_render(records: list[dict[str, Any]]) -> tuple[str, list[int]]:
    head = [
        "{",
        '  "guild": {"id": "6000", "name": "Moss Club"},',
        '  "channel": {"id": "6100", "name": "ama"},',
    ]
    head.append('  "messages": [')
    body = [f"    {dump(r)}" + ("," if i < len(records) - 1 else "") for i, r in enumerate(records)]
    lines = [len(head) + 1 + i for i in range(len(records))]
    return "\n".join([*head, *body, "  ]", "}"]) + "\n", lines


def _csv(header: list[str], records: list[dict[str, Any]]) -> tuple[str, list[int]]:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    lines = []
    for r in records:
        lines.append(out.getvalue().count("\n") + 1)
        w.writerow([r.get(h, "") for h in header])
    return out.getvalue(), lines


DCE_CSV = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
TAGS = [
    "id_str",
    "from_user",
    "text",
    "created_at",
    "time",
    "from_user_id_str",
    "favorite_count",
    "entities_str",
]


def _dce_csv(i: int) -> dict[str, Any]:
    return {
        "AuthorID": f"70{i:02d}",
        "Author": f"user{i}#0001",
        "Date": f"01-Jun-26 05:{i:02d} PM",
        "Content": f"good{i}z hello",
        "Attachments": "",
        "Reactions": "👍 (2)",
    }


def _tags(i: int) -> dict[str, Any]:
    return {
        "id_str": f"94000000000000000{i:02d}",
        "from_user": f"user{i}",
        "text": f"good{i}z A1: hello #chat",
        "created_at": f"Fri Mar 06 18:{i:02d}:00 +0000 2026",
        "time": f"06/03/2026 18:{i:02d}:00",
        "from_user_id_str": f"{600 + i}",
        "favorite_count": "1",
        "entities_str": '{"user_mentions":[],"urls":[]}',
    }


# One line of a text export: no line break (that would make it another record, or none).
line_values = st.one_of(
    st.sampled_from([t for t in NASTY_TEXT if t.strip() and "\x00" not in t]),
    st.sampled_from(["9999-12-31 23:59:59", "0001-01-01 00:00:00", "2026-13-45 99:99:99", "9" * 5_001]),
    st.sampled_from(["31/12/9999 11:59 PM", "01-Jan-0001 12:00 AM", "99:99:99", "00:00:00"]),
    st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=30),
)


def _dce_txt(i: int) -> dict[str, Any]:
    return {"date": f"01-Jun-26 05:{i:02d} PM", "who": f"user{i}#0001", "text": f"good{i}z hello"}


def _dce_txt_render(records: list[dict[str, Any]]) -> tuple[str, list[int]]:
    rule = "=" * 62
    lines = [rule, "Guild: Moss Club", "Channel: ama", rule, ""]
    at = []
    for r in records:
        at.append(len(lines) + 1)
        lines += [f"[{r['date']}] {r['who']}", r["text"], ""]
    return "\n".join(lines) + "\n", at


def _meetbot(i: int) -> dict[str, Any]:
    return {"clock": f"23:{i:02d}:00", "nick": f"user{i}", "text": f"good{i}z hello"}


def _md(i: int) -> dict[str, Any]:
    return {
        "handle": f"user{i}",
        "stamp": f"2026-03-06 18:{i:02d}:00",
        "text": f"good{i}z hello",
        "status": f"93{i:017d}",
    }


def _md_render(records: list[dict[str, Any]]) -> tuple[str, list[int]]:
    lines = ["# Moss chat", ""]
    at = []
    for r in records:
        at.append(len(lines) + 1)
        lines += [f"### [@{r['handle']}](https://x.com/{r['handle']})", f"*{r['stamp']}Z*"]
        lines += [f"> [{r['text']}](https://x.com/{r['handle']}/status/{r['status']})", ""]
    return "\n".join(lines) + "\n", at


# The fields of the post inside an X API v2 page (``post.text`` is ``data[0].text``).
X_V2_POST_FIELDS = (
    "id",
    "author_id",
    "created_at",
    "text",
    "public_metrics",
    "entities",
    "referenced_tweets",
)

FORMATS = {
    "jsonl": Format(
        "jsonl",
        _jsonl,
        lambda rs: _lines(rs, dump),
        (
            "id",
            "platform",
            "ts",
            "author",
            "author.id",
            "author.handle",
            "author.name",
            "author.is_bot",
            "text",
            "reply_to",
            "likes",
            "url",
            "channel",
            "mentions",
            "links",
            "attachments",
            "reactions",
            "edited_at",
            "extra",
        ),
        json_values,
        "chat.jsonl",
    ),
    "x-v2": Format(
        "x-v2",
        _x_v2,
        lambda rs: _lines(rs, dump),
        ("data", "includes", "includes.users", "__twarc", *(f"post.{f}" for f in X_V2_POST_FIELDS)),
        json_values,
        "chat.jsonl",
    ),
    "x-v1": Format(
        "x-v1",
        _x_v1,
        lambda rs: _lines(rs, dump),
        (
            "id_str",
            "created_at",
            "text",
            "user",
            "user.id_str",
            "user.screen_name",
            "user.name",
            "favorite_count",
            "entities",
            "entities.urls",
            "extended_tweet",
            "quoted_status",
            "in_reply_to_status_id_str",
        ),
        json_values,
        "chat.jsonl",
    ),
    "dce-json": Format(
        "dce-json",
        _dce,
        _dce_json_render,
        (
            "id",
            "type",
            "timestamp",
            "timestampEdited",
            "content",
            "author",
            "author.id",
            "author.name",
            "author.discriminator",
            "author.isBot",
            "attachments",
            "embeds",
            "stickers",
            "reactions",
            "mentions",
            "reference",
            "reference.messageId",
        ),
        json_values,
        "chat.json",
    ),
    "dce-csv": Format(
        "dce-csv", _dce_csv, lambda rs: _csv(DCE_CSV, rs), tuple(DCE_CSV), cell_values, "chat.csv"
    ),
    "tags-csv": Format("tags-csv", _tags, lambda rs: _csv(TAGS, rs), tuple(TAGS), cell_values, "chat.csv"),
}
# Text exports, a line per message (or a few): a hostile line may join the message above it.
LINE_FORMATS = {
    "dce-txt": Format(
        "dce-txt", _dce_txt, _dce_txt_render, ("date", "who", "text"), line_values, records=False
    ),
    "meetbot": Format(
        "meetbot",
        _meetbot,
        lambda rs: _lines(rs, lambda r: f"{r['clock']} <{r['nick']}> {r['text']}"),
        ("clock", "nick", "text"),
        line_values,
        "garden.2026-03-05-23.00.log.txt",
        records=False,
    ),
    "md-transcript": Format(
        "md-transcript", _md, _md_render, ("handle", "stamp", "text", "status"), line_values, records=False
    ),
}


def hostile_file(
    tmp: Path, fmt: Format, n: int, at: int, field: str, value: Any
) -> tuple[Path, list[str], int]:
    """Write ``n`` good records of ``fmt`` with a hostile one (``field`` set to ``value``) at
    index ``at``; the file, the good records' markers, and the hostile record's line."""
    records = [fmt.good(i) for i in range(n + 1)]
    hostile = records[at]
    if fmt.name == "x-v2" and field.startswith("post."):
        put(hostile["data"][0], field.removeprefix("post."), value)
    else:
        put(hostile, field, value)
    text, lines = fmt.render(records)
    path = tmp / fmt.file_name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate in a CSV: bad bytes
    markers = [f"good{i}z" for i in range(n + 1) if i != at]
    return path, markers, lines[at]
