"""Posts that fit the platform: how each platform counts length, hashtags, and threads.

A platform's ``Limits`` say what one post may hold and which counter measures it (plain code
points, UTF-16 units, UTF-8 bytes, or X's weighted length); the platform registry
(``chatbot.platforms.registry``) gives each platform its own, so nothing here knows a platform
by name. ``x_weighted_length`` follows twitter-text v3 and passes X's conformance cases (NFC
text; every link X finds counts 23, ``chatbot.core.xtext``; code points in a few Latin and
punctuation ranges weigh 1, all others 2; an emoji sequence counts 2 in total).
``fit`` never cuts text silently: what does not fit becomes a thread ``... (1/3)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chatbot.core.xtext import url_spans as url_spans  # where X finds links (re-exported)

Counter = Callable[[str], int]
"""How a platform measures a post's length."""

X_URL_WEIGHT = 23
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # weight 1; all else weighs 2

_SENTENCE_END = re.compile(r"[.!?…。！？][\"')\]”’»]*$")
_SOFT_BREAK = frozenset("。！？、，；：,;:.!?-/")


def _is_pictographic(cp: int) -> bool:
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2190 <= cp <= 0x21FF
        or 0x2300 <= cp <= 0x23FF
        or 0x25A0 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or cp in (0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x2934, 0x2935, 0x3030, 0x303D)
    )


def _is_extender(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or cp == 0x20E3 or 0xE0020 <= cp <= 0xE007F


def _is_regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def clusters(text: str) -> Iterator[str]:
    """Split ``text`` into emoji sequences (ZWJ, modifiers, flags, keycaps), base characters with
    their combining marks, and single code points: the units never cut apart."""
    i, n = 0, len(text)
    while i < n:
        cp = ord(text[i])
        j = i + 1
        emoji_base = _is_pictographic(cp) or text[i] in "0123456789#*"
        if _is_regional(cp) and j < n and _is_regional(ord(text[j])):
            j += 1
        elif emoji_base:
            while j < n:
                nxt = ord(text[j])
                if _is_extender(nxt):
                    j += 1
                elif nxt == 0x200D and j + 1 < n and _is_pictographic(ord(text[j + 1])):
                    j += 2
                else:
                    break
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield text[i:j]
        i = j


def _weight(cluster: str) -> int:
    if len(cluster) > 1 and (_is_pictographic(ord(cluster[0])) or _is_regional(ord(cluster[0]))):
        return 2  # one emoji sequence
    if len(cluster) > 1 and ord(cluster[1]) in (0xFE0F, 0x20E3):
        return 2  # keycap or emoji-style presentation of a text character
    total = 0
    for ch in cluster:
        cp = ord(ch)
        total += 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2
    return total


def x_weighted_length(text: str) -> int:
    """The length X counts against its 280 limit (twitter-text v3: emoji sequences count 2)."""
    return weighted_length(text, emoji=True)


def weighted_length(text: str, *, emoji: bool) -> int:
    """twitter-text's weighted length of NFC ``text``: each link X finds (``url_spans``) counts 23;
    with ``emoji`` (v3) an emoji sequence counts 2, without (v2) each code point by its weight."""
    text = unicodedata.normalize("NFC", text)
    total, pos = 0, 0
    for start, end in [*url_spans(text), (len(text), len(text))]:
        units = clusters(text[pos:start]) if emoji else iter(text[pos:start])
        total += sum(_weight(c) for c in units)
        if end > start:
            total += X_URL_WEIGHT
        pos = end
    return total


def plain_length(text: str) -> int:
    """Code points (a web room, most chat servers)."""
    return len(text)


def utf16_length(text: str) -> int:
    """UTF-16 units: JavaScript's string length (Discord), never less than code points."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    """UTF-8 bytes (an IRC line)."""
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Limits:
    """What one post may hold on a platform, as that platform counts it.

    ``tag_every_part``: each part of a thread carries the hashtag (on X the tag is how a
    thread's parts are found); elsewhere the tag stays with the last word of the last part.
    """

    max_length: int
    count: Counter = plain_length
    tag_every_part: bool = False

    def __post_init__(self) -> None:
        if self.max_length < 20:
            raise ValueError(f"a post limit of {self.max_length} leaves no room for text")

    def fits(self, text: str) -> bool:
        return self.count(text) <= self.max_length


def normalize_hashtag(tag: str) -> str:
    """``localgovchat`` or ``#LocalGovChat`` -> ``#LocalGovChat`` form with one leading ``#``."""
    tag = tag.strip().lstrip("#")
    if not tag or re.search(r"\s", tag):
        raise ValueError(f"invalid hashtag {tag!r}")
    return "#" + tag


def has_hashtag(text: str, hashtag: str) -> bool:
    """Whether ``text`` carries ``hashtag`` as a whole tag, in any case."""
    tag = normalize_hashtag(hashtag)
    return re.search(rf"(?<![\w#&]){re.escape(tag)}(?!\w)", text, re.IGNORECASE) is not None


def fit(text: str, limits: Limits, *, hashtag: str | None) -> list[str]:
    """The post(s) to send for ``text``: the hashtag appended when missing, and, when the result
    is over the limit, a thread of parts cut at sentence or word boundaries, each numbered
    ``(i/n)`` (and each carrying the hashtag with ``tag_every_part``). Blank text without a tag
    gives []."""
    limit, measure = limits.max_length, limits.count
    text = unicodedata.normalize("NFC", text).strip()
    tag = normalize_hashtag(hashtag) if hashtag else None
    missing = tag is not None and not has_hashtag(text, tag)
    whole = f"{text} {tag}".strip() if missing else text
    if not whole:
        return []
    if measure(whole) <= limit:
        return [whole]
    tokens = [(m.group(1), m.group(2)) for m in re.finditer(r"(\s*)(\S+)", text)]
    if missing and not limits.tag_every_part:  # keep the tag with the last word: never a part of its own
        sep, word = tokens[-1]
        tokens[-1] = (sep, f"{word} {tag}")

    def decorate(part: str, i: int, n: int) -> str:
        if limits.tag_every_part and tag and not has_hashtag(part, tag):
            part = f"{part} {tag}"
        return f"{part} ({i}/{n})"

    parts: list[str] = []
    for digits in range(1, 7):
        widest = 10**digits - 1

        def fits(part: str, w: int = widest) -> bool:
            return measure(decorate(part, w, w)) <= limit

        # cut at sentence ends (keeping parts at least a third full) unless that costs a part
        greedy = _pack(tokens, fits, lambda part: False)
        parts = _pack(tokens, fits, lambda part: measure(part) * 3 >= limit)
        parts = parts if len(parts) <= len(greedy) else greedy
        if len(parts) <= widest:
            break
    return [decorate(p, i, len(parts)) for i, p in enumerate(parts, 1)]


def _join(tokens: list[tuple[str, str]]) -> str:
    return tokens[0][1] + "".join(sep + word for sep, word in tokens[1:]) if tokens else ""


def _ends_sentence(tokens: list[tuple[str, str]], j: int) -> bool:
    return bool(_SENTENCE_END.search(tokens[j][1])) or (j + 1 < len(tokens) and "\n" in tokens[j + 1][0])


def _pack(
    tokens: list[tuple[str, str]], fits: Callable[[str], bool], big_enough: Callable[[str], bool]
) -> list[str]:
    """Greedy packing of words into parts that ``fits``; a full part is cut back to its last
    sentence end when what comes before it is ``big_enough`` (a third of the limit)."""
    todo = list(tokens)
    parts: list[str] = []
    cur: list[tuple[str, str]] = []
    i = 0
    while i < len(todo):
        candidate = [*cur, todo[i]]
        if fits(_join(candidate)):
            cur, i = candidate, i + 1
            continue
        if not cur:  # one word longer than a part: the only place a word is cut
            head, tail = _split_word(todo[i][1], fits)
            parts.append(head)
            todo[i] = ("", tail)
            continue
        cut = next(
            (
                j
                for j in range(len(cur) - 2, -1, -1)
                if _ends_sentence(cur, j) and big_enough(_join(cur[: j + 1]))
            ),
            len(cur) - 1,
        )
        parts.append(_join(cur[: cut + 1]))
        cur = cur[cut + 1 :]
    if cur:
        parts.append(_join(cur))
    return parts


def _split_word(word: str, fits: Callable[[str], bool]) -> tuple[str, str]:
    """The longest head of ``word`` that fits (preferring a cut after punctuation), and the rest."""
    units = list(clusters(word))
    lo, hi = 1, len(units)  # binary search for the longest fitting prefix; at least one unit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits("".join(units[:mid])):
            lo = mid
        else:
            hi = mid - 1
    k = lo
    soft = next((j for j in range(k, k // 2, -1) if units[j - 1] in _SOFT_BREAK), None)
    if soft is not None and soft < len(units):
        k = soft
    return "".join(units[:k]), "".join(units[k:])
