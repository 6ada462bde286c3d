"""Links as X finds them in a post: a port of twitter-text v3's URL extraction (standard library).

X counts every link it finds as 23 characters, so finding exactly the links X finds decides
whether a post fits in 280. The expressions follow twitter-text's ``regexp/*`` and
``extractUrlsWithIndices``: a link needs a valid preceding character, a domain ending in a known
top-level domain (``chatbot.core.x_tlds``) or punycode, an optional port, path and query with
X's ending rules (balanced parentheses; no trailing punctuation). Without ``http(s)://`` only
ASCII domains count (each one; the path goes with the last). A domain label longer than 63
characters once punycode-encoded is no link; a t.co link takes nothing after its slug of at most
40. Checked against X's conformance cases (``tests/core/test_textfit.py``).
"""

from __future__ import annotations

import re
from functools import cache

from chatbot.core.x_tlds import COUNTRY, GENERIC

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_LABEL_LENGTH = 63

_SPACES = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$"
_CYRILLIC = "\u0400-\u04ff"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f"
    "\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled on first use: the domain lists make them large."""
    domain_char = f"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
    subdomain = f"(?:(?:{domain_char}(?:[_-]|{domain_char})*)?{domain_char}\\.)"
    name = f"(?:(?:{domain_char}(?:-|{domain_char})*)?{domain_char}\\.)"
    end = r"(?=[^0-9a-zA-Z@+-]|\Z)"
    gtld = f"(?:(?:{_alternatives(GENERIC)}){end})"
    cctld = f"(?:(?:{_alternatives(COUNTRY)}){end})"
    punycode = r"(?:xn--[\-0-9a-z]+)"
    domain = f"(?:{subdomain}*{name}(?:{gtld}|{cctld}|{punycode}))"
    path_char = f"[a-z{_CYRILLIC}0-9!\\*';:=\\+,\\.\\$\\/%#\\[\\]\\-\u2013_~\\|&@{_LATIN_ACCENTS}]"
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path_end = f"(?:[\\+\\-a-z{_CYRILLIC}0-9=_#\\/{_LATIN_ACCENTS}]|(?:{parens}))"
    path = f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end})|(?:@{path_char}+\\/))"
    query_char = r"[a-z0-9!?\*'@\(\);:&=\+\$\/%#\[\]\-_\.,~|]"
    query_end = r"[a-z0-9\-_&=#\/]"
    preceding = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID}]|[{_DIRECTIONAL}]|^)"
    extract = re.compile(
        f"({preceding})((https?:\\/\\/)?({domain})(?::([0-9]+))?(\\/{path}*)?(\\?{query_char}*{query_end})?)",
        re.IGNORECASE,
    )
    ascii_domain = re.compile(
        f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{gtld}|{cctld}|{punycode})", re.IGNORECASE
    )
    tco = re.compile(f"^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?{query_char}*{query_end})?", re.IGNORECASE)
    return extract, ascii_domain, tco


def _ascii_length(domain: str) -> int | None:
    """The domain's length punycode-encoded; None when a label is empty or too long (no link)."""
    if domain[:4].casefold() == "xn--" and not _patterns()[1].fullmatch(domain):
        return None
    total = 0
    for label in domain.split("."):
        try:
            encoded = label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
        except UnicodeError:
            return None
        if not 0 < len(encoded) <= MAX_LABEL_LENGTH:
            return None
        total += len(encoded) + 1
    return total - 1


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each link X finds in ``text``, in order."""
    if "." not in text:
        return []
    extract, ascii_domain, tco = _patterns()
    spans: list[tuple[int, int]] = []
    for m in extract.finditer(text):
        before, url, protocol, domain, path = m.group(1), m.group(2), m.group(3), m.group(4), m.group(6)
        start, end = m.start(2), m.end(2)
        ascii_length = _ascii_length(domain)
        if (
            ascii_length is None
            or len(protocol or "https://") + len(url) - len(domain) + ascii_length > MAX_URL_LENGTH
        ):
            continue
        if protocol:
            slug = tco.match(url)
            if slug is not None:
                if len(slug.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                end = start + slug.end()
            spans.append((start, end))
            continue
        if re.search(r"[-_./]\Z", before):
            continue
        offset = m.start(4)
        found = [(offset + d.start(), offset + d.end()) for d in ascii_domain.finditer(domain)]
        if found and path:  # the path goes with the last ASCII domain
            found[-1] = (found[-1][0], end)
        spans.extend(found)
    return spans
