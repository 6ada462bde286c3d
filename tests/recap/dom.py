"""Helpers for recap tests: parse HTML with html5lib, walk it, and build hostile exports."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

import html5lib

ONE_MB = "A" * 1_000_000
HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    '<a href="javascript:alert(1)">click me</a> and <a href=https://evil.example onclick=alert(1)>x</a>',
    'see https://example.org/a"onmouseover=alert(1)// and javascript://%0aalert(1)',
    "{{ 7*7 }} {% if true %}yes{% endif %} ${7*7}",
    "\u202eevil override (reads backwards)\u202c then normal",
    "zero\u200bwidth\u200djoin\ufeffbom\u2066isolate",
    "<style>body{display:none}</style><iframe src=https://evil.example></iframe>",
    "]]><!-- comment --><![CDATA[x]]>",
    ONE_MB,
]
HOSTILE_HANDLE = '@x" onmouseover="alert(1)'
HOSTILE_NAME = '"><img src=x onerror=alert(2)>\u202eeman'


def parse(text: str) -> Element:
    """The document as an ElementTree (no namespaces on HTML elements)."""
    return html5lib.parse(text, namespaceHTMLElements=False)


def text_of(element: Element) -> str:
    return "".join(element.itertext())


def classes(element: Element) -> set[str]:
    return set((element.get("class") or "").split())


def find_all(root: Element, tag: str = "*", cls: str | None = None) -> list[Element]:
    return [e for e in root.iter(tag) if cls is None or cls in classes(e)]


def element_by_id(root: Element, ident: str) -> Element:
    found = [e for e in root.iter() if e.get("id") == ident]
    assert len(found) == 1, f"id {ident!r} found {len(found)} times"
    return found[0]


def walk(root: Element) -> Iterator[Element]:
    yield from root.iter()


def hostile_export(export: dict[str, Any]) -> dict[str, Any]:
    """The fixture with attacker-controlled text in every field a participant or host can set."""
    bad = copy.deepcopy(export)
    session = bad["session"]
    session["title"] = '<script>alert("title")</script> {{ 7*7 }} </title><b>'
    session["hashtag"] = '#x"><img src=x onerror=alert(1)>'
    session["hosts"] = [HOSTILE_HANDLE]
    base = bad["messages"][-1]
    for n, text in enumerate(HOSTILE_TEXTS):
        bad["messages"].append(
            {
                **base,
                "id": f'bad"><{n}',
                "author": HOSTILE_HANDLE,
                "name": HOSTILE_NAME,
                "text": text,
                "kind": "chat",
                "answers_prompts": [],
                "reply_to": 'bad"><0' if n else None,
                "url": [
                    "javascript:alert(1)",
                    "data:text/html,<script>alert(1)</script>",
                    " https://ok.example/x",
                    "//evil.example/x",
                    "https://example.org/ok",
                ][n % 5],
                "removed": False,
            }
        )
    prompt = bad["prompts"][0]
    prompt["label"] = '"><svg onload=alert(1)>'
    prompt["text"] = "<b>bold</b> https://example.org/q?a=1&b=<2>"
    prompt["url"] = "javascript:alert(1)"
    prompt["answers"].append(
        {
            **prompt["answers"][0],
            "name": HOSTILE_NAME,
            "author": HOSTILE_HANDLE,
            "text": HOSTILE_TEXTS[0],
            "url": "data:,x",
        }
    )
    for m in bad["messages"]:
        if m["kind"] == "answer" and "Q1" in m["answers_prompts"]:
            m["answers_prompts"] = [prompt["label"]]
    question = bad["questions"][0]
    question.update(
        text=HOSTILE_TEXTS[1],
        route="<b>Public</b> Works",
        answered_by=HOSTILE_HANDLE,
        askers=[HOSTILE_HANDLE, "<i>x</i>"],
        status="routed",
    )
    bad["questions"][1]["status"] = '"><b>weird'
    bad["participants"].append(
        {
            **bad["participants"][0],
            "handle": HOSTILE_HANDLE,
            "name": HOSTILE_NAME,
            "role": '<script>alert("role")</script>',
        }
    )
    return bad
