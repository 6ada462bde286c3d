"""The hostile-input corpus: what an attacker, a broken client or a careless script sends.

Plain data, no tests here. ``STRINGS`` are texts (names, messages, query values, form fields),
``NUMBERS`` what a field that wants a number gets instead, ``WRONG_TYPES`` JSON values of every
other type, ``RAW_FRAMES`` websocket text that is not a frame at all, ``MARKUP`` the payloads that
must never come back unescaped in a page, feed or export (each with the marker that would show
it came back raw), and ``RAW_QUERIES`` query strings that are not valid UTF-8 or percent-encoding.
"""

from __future__ import annotations

from typing import Any

ZALGO = "Z" + "\u0336\u0334\u0335\u0337\u0338\u0321\u0322\u0327\u0328\u031b" * 40 + "algo"
EMOJI_100K = "\N{GRINNING FACE}" * 100_000
EMOJI_1K = "\N{GRINNING FACE}" * 1_000

#: Payloads that would run script or change a page if they came back unescaped. Each is
#: (payload, marker): the marker is what only an unescaped copy contains.
MARKUP: tuple[tuple[str, str], ...] = (
    ("<script>alert('xss-1')</script>", "<script>alert('xss-1')"),
    ('"><img src=x onerror=alert("xss-2")>', '<img src=x onerror=alert("xss-2")>'),
    ("<svg onload=alert(3)><circle r=9 /></svg>", "<svg onload=alert(3)>"),
    ("</textarea></title><script>alert(4)</script>", "</title><script>alert(4)"),
    ("'><iframe src=javascript:alert(5)>", "<iframe src=javascript:alert(5)>"),
    ('<a href="javascript:alert(6)">click</a>', '<a href="javascript:alert(6)"'),
    ("</script><script>alert(7)</script>", "</script><script>alert(7)"),
    ("<!--x--><body onload=alert(8)>", "<body onload=alert(8)>"),
    ("]]><x:script>alert(9)</x:script>", "<x:script>alert(9)"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(10)>", "<img src=x onerror=alert(10)>"),
    (
        '<div style="background:url(javascript:alert(11))">',
        '<div style="background:url(javascript:alert(11))">',
    ),
)

STRINGS: tuple[str, ...] = (
    # encodings and invisible characters
    "\ud800",
    "a\udfffb",
    "\ud83d",
    "\x00",
    "before\x00after",
    "\x1b[31mred\x1b[0m",
    "line\r\n\r\nSet-Cookie: pwned=1",
    "\x7f\x80\x9f\u0085",
    "\u202eevil.exe\u202c",
    "\u2066\u2067\u2068isolate\u2069",
    "\u200b\u200c\u200d\ufeff",
    "\u200b",
    ZALGO,
    EMOJI_1K,
    "\U0001f1fa\U0001f1f8\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\ufffd\ufffe\uffff",
    "\U0010ffff",
    # markup
    *(payload for payload, _ in MARKUP),
    "&lt;script&gt;already escaped&lt;/script&gt;",
    "{{7*7}} {% raw %} ${7*7} #{7*7}",
    "{title} {hashtag} {0} %s%s%n",
    # SQL-ish and full-text-search syntax
    "' OR 1=1 --",
    '"; DROP TABLE messages; --',
    "%",
    "_",
    "\\",
    '"',
    "NEAR(a b)",
    "a AND",
    "OR",
    "*",
    "^start",
    "text:secret",
    '")) OR ((',
    "-",
    "{a b}",
    "a NOT b",
    # numbers that are not what they seem
    "\u00b2",
    "\u2460",
    "\u0663",
    "\uff11",
    "-1",
    "0",
    "1e308",
    "nan",
    "-inf",
    "99999999999999999999999999",
    "9" * 5001,
    "0x10",
    "1_000",
    # paths
    "../../secret.txt",
    "..\\..\\secret.txt",
    "/etc/passwd",
    "%2e%2e%2f",
    # commands in text
    "/end",
    "/approve \u2460",
    "/extend 1e308",
    "/merge -1 \u00b2",
    "/help \ud800",
    "/route 1 <script>alert(12)</script>",
    # size and emptiness
    "",
    " ",
    "\n\n\t",
    "a" * 2001,
    "a" * 20_000,
)

NUMBERS: tuple[Any, ...] = (
    -1,
    0,
    2**63,
    10**30,
    -(10**30),
    1.5,
    1e308,
    "\u00b2",
    "\u2460",
    "\u0663",
    "1e308",
    "nan",
    "inf",
)

WRONG_TYPES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    [],
    ["a", 1, None],
    {},
    {"nested": {"deeper": [1, 2, {"x": None}]}},
    [[[[[[[[[[["deep"]]]]]]]]]]],
)

RAW_FRAMES: tuple[str, ...] = (
    "",
    " ",
    "null",
    "true",
    "1",
    '"post"',
    "[]",
    "{",
    "{}",
    '{"type": 1}',
    '{"type": null}',
    '{"type": ["post"]}',
    '{"type": "post"',
    '{"type": "nosuchtype"}',
    '{"type": "<script>alert(13)</script>"}',
    '{"type": "post", "text": "\\ud800"}',
    '{"type": "join", "name": "\\udc00\\ud800"}',
    '{"type": "post", "text": "x", "text": 5}',
    "[" * 5000,
    "{" * 3000,
    '{"a":' * 2000 + "1" + "}" * 2000,
    '{"type": "post", "text": ' + "9" * 5001 + "}",
    '{"type": "post", "text": NaN}',
    '{"type": "post", "text": Infinity}',
    "\ufeff{}",
)

#: Query strings sent as raw bytes: broken percent-encoding and bytes that are not UTF-8.
RAW_QUERIES: tuple[str, ...] = (
    "q=%00",
    "q=%ED%A0%80",
    "q=%FF%FE",
    "q=%C0%AF",
    "q=%",
    "q=%%%",
    "q=%zz",
    "q=a&q=b&q=c",
    "limit=%00",
    "limit=%C2%B2",
    "limit=%E2%91%A0",
    "after=%ED%A0%80",
    "page=%E2%91%A0",
    "page=-9999999999999999999999",
)


def markers_in(body: str, *, markdown: bool = False) -> list[str]:
    """The markup payloads that came back unescaped in ``body`` (their markers). In Markdown a
    ``<`` escaped with a backslash is text, not a tag."""
    if markdown:
        body = body.replace("\\<", "&lt;")
    return [marker for _, marker in MARKUP if marker in body]
