"""Chat conventions: what a message's text says about prompts, answers, questions and commands.

``parse`` is purely syntactic: it reports what a text *looks like* (a ``Q2`` label, an ``A1 & A2:``
list, a ``#ask`` question, a ``/next`` command). The engine decides what it *means* from who wrote
it and the session's state: a host's ``Q2`` is a prompt, a participant's is an answer to prompt 2.

Every pattern is anchored at a known position or bounded in length, and label lists are read by a
small loop with a cap, so hostile input (100 KB strings, NUL bytes, odd Unicode) parses in linear
time and never raises.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from chatbot.core import commands
from chatbot.core.commands import ArgKind

__all__ = [
    "HOST_COMMANDS",
    "PARTICIPANT_COMMANDS",
    "STYLES",
    "Command",
    "Parsed",
    "has_hashtag",
    "hashtags",
    "looks_like_prompt",
    "normalize_key",
    "parse",
    "prompt_label",
]

STYLES = ("Q", "T", "meeting")

# Command names and aliases come from the one command table (chatbot.core.commands).
HOST_COMMANDS: frozenset[str] = commands.names(host_only=True)
PARTICIPANT_COMMANDS: frozenset[str] = commands.names(host_only=False)
_ALIASES: dict[str, str] = commands.aliases()

MAX_ANSWER_LABELS = 50  # labels read from one "A1 & A2 & ..." list; the rest is body text
MAX_RANGE = 20  # "A1-A3" expands to 1,2,3 only when it spans at most this many prompts

# Whitespace plus the invisible characters that copy-paste leaves at the start of a message.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_LEAD = re.compile(rf"[\s{_INVISIBLE}]*")
# "@jane", ".@jane" (old X trick), "@jane@mastodon.social", Discord "<@123>" / "<@!123>" / "<@&123>".
_MENTION = re.compile(
    rf"\.?(?:@(?P<h>[\w.\-]{{1,100}}(?:@[\w.\-]{{1,100}})?)|<@[!&]?(?P<id>[0-9]{{1,30}})>)"
    rf"(?=[\s,;:!?{_INVISIBLE}]|$)[,;:]?[\s{_INVISIBLE}]*"
)
_REPOST = re.compile(r"RT[ \t]{1,4}\.?@[\w.\-]{1,100}(?:@[\w.\-]{1,100})?[ \t]{0,4}:", re.IGNORECASE)
_MARKDOWN = ("**", "__", "*")  # Discord / web-room emphasis around a label: "**Q1:** ..."

_HSPACE = " \t\u00a0"
_DIGITS = "0123456789"
_SEPARATORS = ":：.)/-–—,"
_LABEL_HEAD = re.compile(r"(?P<letter>[A-Za-z])(?P<space>[ \t\u00a0]?)(?P<num>[0-9]{1,3})(?![0-9])")
_RANGE = re.compile(r"[-–][Aa](?P<num>[0-9]{1,3})(?![0-9A-Za-z_])")
_JOINER = re.compile(
    r"[ \t]{0,4}(?:,[ \t]{0,4}(?:(?:and|&amp;|&)[ \t]{0,4})?|(?:&amp;|&|\+|/)[ \t]{0,4}|and[ \t]{1,4})",
    re.IGNORECASE,
)
_KEY = re.compile(r"(?P<num>[0-9]{1,9})(?P<part>[A-Za-z]?)")

_COMMAND_WORD = re.compile(r"(?P<name>\+1|[A-Za-z][\w\-]{0,31})(?=[.!?:,;]*(?:\s|$))")
_QUESTION_WORD = re.compile(r"question(?![\w])", re.IGNORECASE)
_EXTEND_ARG = re.compile(
    r"(?:by[ \t]+)?\+?(?P<n>[0-9]{1,4})[ \t]*(?:more[ \t]+)?"
    r"(?P<unit>m|mins?|minutes?|h|hrs?|hours?)?[.!]?",
    re.IGNORECASE,
)
_IDS_ARG = re.compile(r"#?[0-9]{1,9}(?:(?:[ \t]*[,&][ \t]*|[ \t]+)(?:and[ \t]+)?#?[0-9]{1,9})*[.!]?")
_MERGE_ARG = re.compile(
    r"#?[0-9]{1,9}(?:[ \t]*(?:,|->|→|=>|&)[ \t]*|[ \t]+(?:(?:into|with|to|and)[ \t]+)?)#?[0-9]{1,9}[.!]?",
    re.IGNORECASE,
)
_ROUTE_ARG = re.compile(r"#?[0-9]{1,9}[ \t]+\S.{0,100}")
_NOISE_ARG = re.compile(r"(?:please|pls|now|[\W_])*", re.IGNORECASE)
_NO_ARGS = frozenset(c.name for c in commands.COMMANDS if not c.args)
_ARG_FILLERS = frozenset({"and", "&", "&amp;", ",", "into", "with", "to", "->", "→", "=>"})
_TOPIC = re.compile(r"#topic(?![\w])[\s:\-–—]*", re.IGNORECASE)
_HASH_START = re.compile(r"(?<![\w&/#])#")
_TAG_RUN = re.compile(r"[\w\u200c\u200d]+")  # \w is str.isalnum() or "_": _is_tag_char but marks
# A prompt's label needs its letter and a digit somewhere: without them, no parse finds a prompt.
_PROMPT_HINT = {"Q": re.compile(r"[Qq][ \t\u00a0]?[0-9]"), "T": re.compile(r"[Tt][ \t\u00a0]?[0-9]")}


@dataclass(frozen=True)
class Command:
    """A command word with its arguments, aliases already folded (``stop`` -> ``end``).

    ``name`` is ``"unknown"`` for a ``/word`` the bot does not know; ``args[0]`` is then the word.
    ``raw`` is the whole message text, stripped.
    """

    name: str
    args: tuple[str, ...]
    raw: str


@dataclass(frozen=True)
class Parsed:
    """What a message's text looks like under the session's conventions (roles not applied)."""

    prompt: tuple[str, str] | None = None
    answers: tuple[str, ...] = ()
    bare_label: str | None = None
    question: str | None = None
    command: Command | None = None
    is_repost: bool = False
    topic: str | None = None
    body: str = ""


@dataclass(frozen=True)
class _Label:
    key: str
    end: int  # index just after the label (and its closing emphasis marker)
    spaced: bool  # "A 1" rather than "A1"
    part: bool  # "A1a"
    part_then_space: bool = False  # "T2a I think": topic parts may end at whitespace


def _skip_lead(s: str, pos: int) -> int:
    m = _LEAD.match(s, pos)
    return m.end() if m is not None else pos


@functools.lru_cache(maxsize=32)
def _style(style: str) -> str:
    folded = style.strip().casefold()
    for known in STYLES:
        if folded == known.casefold():
            return known
    raise ValueError(f"unknown chat style {style!r} (expected one of {', '.join(STYLES)})")


def normalize_key(label_number: str) -> str:
    """A prompt key in canonical form: ``"01"`` -> ``"1"``, ``"2A"`` -> ``"2a"``."""
    m = _KEY.fullmatch(label_number.strip())
    if m is None:
        raise ValueError(f"not a prompt number: {label_number!r} (expected digits and an optional letter)")
    return str(int(m["num"])) + m["part"].lower()


def prompt_label(key: str, style: str) -> str:
    """The label a prompt carries: ``("1", "Q")`` -> ``"Q1"``; topic and meeting styles use ``T``."""
    letter = "Q" if _style(style) == "Q" else "T"
    return letter + normalize_key(key)


def _is_tag_char(c: str) -> bool:
    return c == "_" or c.isalnum() or c in "\u200c\u200d" or unicodedata.category(c).startswith("M")


def _tag_end(text: str, start: int) -> int:
    """Where the run of tag characters from ``start`` ends (``_TAG_RUN`` takes the common ones at
    C speed; combining marks, which it leaves out, are stepped over one by one)."""
    n, end = len(text), start
    while True:
        run = _TAG_RUN.match(text, end)
        if run is not None:
            end = run.end()
        if end < n and _is_tag_char(text[end]):
            end += 1
            continue
        return end


def _hashtag_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if "#" not in text:
        return spans
    for m in _HASH_START.finditer(text):
        start = m.end()
        end = _tag_end(text, start)
        # X's rule: a tag needs something besides digits ("#3" is a number; "&#39;" an entity).
        if end > start and not text[start:end].isdigit():
            spans.append((m.start(), end))
    return spans


def hashtags(text: str) -> list[str]:
    """Hashtags as written, in order (``#café`` counts; ``&#39;`` and ``#3`` do not)."""
    return [text[a:b] for a, b in _hashtag_spans(text)]


@functools.lru_cache(maxsize=4096)
def _tag_key(tag: str) -> str:
    return unicodedata.normalize("NFC", tag.strip().lstrip("#")).casefold()


def has_hashtag(text: str, tag: str) -> bool:
    """Whether ``text`` carries ``tag`` as a whole hashtag, ignoring case (``#ask`` != ``#asking``)."""
    key = _tag_key(tag)
    return bool(key) and any(_tag_key(text[a:b]) == key for a, b in _hashtag_spans(text))


def _tidy(text: str) -> str:
    return " ".join(text.split()).lstrip(":：-–—,; ")


def _remove_tag(text: str, key: str) -> tuple[str, bool]:
    """``text`` without every ``#tag`` matching ``key`` (and the one space before each)."""
    out: list[str] = []
    last = 0
    found = False
    for a, b in _hashtag_spans(text):
        if _tag_key(text[a:b]) != key:
            continue
        found = True
        cut = a - 1 if a > last and text[a - 1] in _HSPACE else a
        out.append(text[last:cut])
        last = b
    out.append(text[last:])
    return "".join(out), found


def _norm_handle(handle: str) -> str:
    h = handle.strip()
    m = re.fullmatch(r"<@[!&]?([0-9]+)>", h)
    if m:
        return m[1]
    return h.lstrip(".@").rstrip(".-").casefold()


@functools.lru_cache(maxsize=64)
def _bot_keys(bot_handles: tuple[str, ...]) -> frozenset[str]:
    """The bots' handles as mentions name them (the same few, message after message)."""
    return frozenset(_norm_handle(h) for h in bot_handles if h.strip())


def _is_bot(handle: str, bots: frozenset[str]) -> bool:
    return handle in bots or handle.split("@", 1)[0] in bots


# --- labels -------------------------------------------------------------------------------------


def _label_at(s: str, pos: int, letter: str, marker: str) -> _Label | None:
    """A label (``Q1``, ``A 2``, ``T2a``) starting exactly at ``pos`` whose letter is ``letter``."""
    m = _LABEL_HEAD.match(s, pos)
    if m is None or m["letter"].upper() != letter:
        return None
    end = m.end()
    part = ""
    if end < len(s) and s[end].isascii() and s[end].isalpha():
        if end + 1 < len(s) and _is_tag_char(s[end + 1]):
            return None  # "Q1st", "A1Cs": a word, not a label
        part = s[end].lower()
        end += 1
    elif end < len(s) and _is_tag_char(s[end]):
        return None
    if marker and s.startswith(marker, end):
        end += len(marker)
    # Topic parts (T2a) are the T style's own numbering, so "T2a I think" is a label; elsewhere a
    # letter glued to the number needs a separator ("Q1s are fun", "A1C levels" are prose).
    loose = letter == "T" and part not in {"", "s"}
    return _Label(str(int(m["num"])) + part, end, bool(m["space"]), bool(part), loose)


def _terminator(s: str, label: _Label, marker: str) -> int | None:
    """Where the body starts after ``label``, or None when what follows makes it no label.

    A label ends at the end of the text, at a separator (``: . ) / - – — ,``, optionally after a
    few spaces), or, for a plain ``Q1``/``A1`` or a topic part ``T2a``, at whitespace. ``A1a`` and
    ``Q2a`` need a separator and
    ``A 1`` needs ``:``, ``)`` or a spaced dash, so that ``Q1s are fun`` and ``a 24-hour day`` stay
    sentences. ``.``, ``/``, ``-`` and ``,`` followed by a digit are numbers (``A1.5``), not separators.
    """
    n = len(s)
    pos = label.end
    if pos >= n:
        return pos
    j = pos
    while j < n and j - pos < 4 and s[j] in _HSPACE:
        j += 1
    if j < n and s[j] in _SEPARATORS:
        c = s[j]
        follows_digit = j + 1 < n and s[j + 1] in _DIGITS
        # "A 1" is close to prose ("a 24-hour day", "a 5. Then"): only ":", ")" or a spaced dash.
        spaced_ok = c in ":：)" or (c in "-–—" and j > pos)
        if not (follows_digit and c in "./-–,") and (spaced_ok or not label.spaced):
            k = j + 1
            while k < n and s[k] in _SEPARATORS:
                k += 1
            if marker and s.startswith(marker, k):
                k += len(marker)
            return k
    if j >= n:
        return j
    if not label.spaced and (not label.part or label.part_then_space) and s[pos].isspace():
        return pos
    return None


def _answer_list(s: str, pos: int, marker: str) -> tuple[tuple[str, ...], int] | None:
    """``A1``, ``A1 & A2``, ``A1, A2 and A3``, ``A1/A2``, ``A1-A3`` at ``pos``: keys and body start."""
    first = _label_at(s, pos, "A", marker)
    if first is None:
        return None
    keys: list[str] = [first.key]
    candidates: list[tuple[_Label, int]] = [(first, 1)]
    label = first
    while len(candidates) < MAX_ANSWER_LABELS:
        at = label.end
        r = _RANGE.match(s, at) if not (label.part or label.spaced) else None
        if r is not None:
            lo, hi = int(label.key), int(r["num"])
            if 0 < hi - lo <= MAX_RANGE:
                keys.extend(str(i) for i in range(lo + 1, hi + 1))
            else:
                keys.append(str(hi))  # "A3-A1", "A1-A99": just the two ends
            label = _Label(str(hi), r.end(), False, False)
            candidates.append((label, len(keys)))
            continue
        j = _JOINER.match(s, at)
        nxt = _label_at(s, j.end(), "A", marker) if j is not None else None
        if nxt is None:
            break
        keys.append(nxt.key)
        label = nxt
        candidates.append((label, len(keys)))
    # The longest list whose last label is properly terminated wins ("A1 and a 2-day..." -> A1).
    for label, count in reversed(candidates):
        body = _terminator(s, label, marker)
        if body is not None:
            return tuple(dict.fromkeys(keys[:count])), body
    return None


# --- commands -----------------------------------------------------------------------------------


def _id_arg(token: str) -> str:
    return token.strip(",.;:!?").lstrip("#")


def _shape(name: str) -> tuple[ArgKind, ...]:
    """The kinds of a command's arguments, as the table has them: the parser reads each shape."""
    spec = commands.find(name)
    return tuple(a.kind for a in spec.args) if spec else ()


_ONE_ID = (ArgKind.QUESTION,)
_TWO_IDS = (ArgKind.QUESTION, ArgKind.QUESTION)
_ID_TEAM = (ArgKind.QUESTION, ArgKind.TEAM)


def _command_args(name: str, rest: str, question_key: str) -> tuple[str, ...]:
    tokens = rest.split()
    shape = _shape(name)
    if shape == (ArgKind.MINUTES,):
        m = _EXTEND_ARG.fullmatch(rest)
        if m is None:
            return tuple(tokens)
        hours = (m["unit"] or "m").lower().startswith("h")
        return (str(int(m["n"]) * (60 if hours else 1)),)
    if shape and all(k is ArgKind.QUESTION for k in shape):
        ids = (_id_arg(t) for t in tokens if t.lower() not in _ARG_FILLERS)
        return tuple(t for t in ids if t)
    if shape == _ID_TEAM:
        if not tokens:
            return ()
        team = tokens[1:]
        if team and team[0].lower() == "to":
            team = team[1:]
        return (_id_arg(tokens[0]), " ".join(team)) if team else (_id_arg(tokens[0]),)
    if shape == (ArgKind.TEXT,):
        question = _tidy(_remove_tag(rest, question_key)[0]) if question_key else _tidy(rest)
        return (question,) if question else ()
    return tuple(tokens)


def _bare_ok(name: str, rest: str) -> bool:
    """A command word after a bot mention, without ``/``, counts only with the arguments it takes,
    so that replies like ``@bot next time, more on budgets`` stay ordinary messages."""
    shape = _shape(name)
    if shape == _ONE_ID:
        return _IDS_ARG.fullmatch(rest) is not None
    if shape == _TWO_IDS:
        return _MERGE_ARG.fullmatch(rest) is not None
    if shape == _ID_TEAM:
        return _ROUTE_ARG.fullmatch(rest) is not None
    if shape == (ArgKind.MINUTES,):
        return _EXTEND_ARG.fullmatch(rest) is not None
    if shape == (ArgKind.TEXT,):
        return True
    if shape == (ArgKind.COMMAND,):
        return len(rest.split()) <= 1
    return name in _NO_ARGS and _NOISE_ARG.fullmatch(rest) is not None


def _command_at(s: str, pos: int, bare: bool, question_key: str) -> Command | None:
    start = pos if bare else pos + 1
    m = _COMMAND_WORD.match(s, start)
    if m is None:
        return None
    word = m["name"]
    end = m.end()
    name = _ALIASES.get(word.lower())
    if name == "next":
        after = _skip_lead(s, end)
        q = _QUESTION_WORD.match(s, after)
        if q is not None and after > end:
            name, end = "next_question", q.end()
    rest = s[end:].lstrip(".!?:,;").strip()
    if name is None:
        if bare:
            return None
        return Command("unknown", (word, *rest.split()), s)
    if bare and not _bare_ok(name, rest):
        return None
    if bare and name in _NO_ARGS:
        return Command(name, (), s)  # "@bot next please": the politeness is not an argument
    return Command(name, _command_args(name, rest, question_key), s)


def looks_like_prompt(text: str, style: str) -> bool:
    """False when ``parse(text, style=style)`` cannot find a prompt: a cheap test that lets a
    pass over a whole archive (finding its hosts) parse only the few messages that might be one."""
    hint = _PROMPT_HINT.get(_style(style))
    return hint is not None and hint.search(text) is not None


# --- parse --------------------------------------------------------------------------------------


def parse(
    text: str, *, style: str = "Q", question_tag: str = "#ask", bot_handles: tuple[str, ...] = ()
) -> Parsed:
    """Read one message's text under a session's conventions. Never raises on any text."""
    style = _style(style)
    question_key = _tag_key(question_tag)
    s = text[_skip_lead(text, 0) :].rstrip().rstrip(_INVISIBLE)
    if not s:
        return Parsed()

    repost = _REPOST.match(s)
    if repost is not None:
        return Parsed(is_repost=True, body=s[repost.end() :].strip())

    bots = _bot_keys(tuple(bot_handles))
    pos = 0
    mentions: list[str] = []
    while (m := _MENTION.match(s, pos)) is not None and m.end() > pos:
        mentions.append(_norm_handle(m["id"] or m["h"]))
        pos = m.end()
    rest = s[pos:]
    if not rest:
        return Parsed()

    addressed_bot = any(_is_bot(h, bots) for h in mentions)
    command: Command | None = None
    if rest[0] in "/!" and (not mentions or addressed_bot):
        command = _command_at(s, pos, False, question_key)
    elif addressed_bot:
        command = _command_at(s, pos, True, question_key)
    if command is not None:
        asked = command.args[0] if command.name == "ask" and command.args else None
        return Parsed(command=command, question=asked, body=s)

    if style == "meeting":
        t = _TOPIC.match(s, pos)
        if t is not None and (topic := _tidy(s[t.end() :])):
            return Parsed(topic=topic, body=topic)

    marker = next((mk for mk in _MARKDOWN if s.startswith(mk, pos)), "")
    at = pos + len(marker)
    prompt: tuple[str, str] | None = None
    answers: tuple[str, ...] = ()
    body = rest.strip()
    if style != "meeting":
        label = _label_at(s, at, style, marker)
        start = _terminator(s, label, marker) if label is not None else None
        if label is not None and start is not None:
            body = s[start:].strip()
            prompt = (label.key, body)
    if prompt is None:
        found = _answer_list(s, at, marker)
        if found is not None:
            answers, start = found
            body = s[start:].strip()

    question: str | None = None
    if question_key:
        without, tagged = _remove_tag(body, question_key)
        if tagged:
            question = _tidy(without) or None
            if question is None and prompt is None and not answers:
                command = Command("ask", (), s)
    return Parsed(
        prompt=prompt,
        answers=answers,
        bare_label=prompt[0] if prompt else None,
        question=question,
        command=command,
        body=body,
    )
