"""Full-text search over every session's messages, fast whatever the archive's size.

What a reader types is never FTS5 syntax: words are matched as words, ``"quoted words"`` as a
phrase, ``word*`` as a prefix; anything else (operators, brackets, stray quotes) is taken as text
(``fts_query``). What is found: messages of a session, not deleted on the platform, not hidden by
a host, not by someone removed from the recap (redacted or opted out), and, unless asked, neither
the bots' lines nor commands.

A common word matches a good part of a million messages; ranking every match would cost hundreds
of milliseconds. So the newest ``window`` matches that pass the filters are the candidates (FTS5
walks its index newest first and stops there), bm25 ranks them (a prefix: newest first), and pages
are cut from that ranking; the total is exact up to the window and said to be more beyond it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from chatbot.core.engine import handle_key

#: How many of the newest matches are ranked (and paged through) at most.
WINDOW = 1000
#: What a match is read with: a snippet's hit markers (the web page turns them into <mark>).
HIT_OPEN, HIT_CLOSE = "\x02", "\x03"
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORDY = re.compile(r"\w")
_SIMPLE = re.compile(r"[A-Za-z0-9]+")  # a word the index holds as it is, in lower case
#: A prefix standing for more indexed words than this is looked up as a prefix.
EXPAND = 200
_CONTROL = re.compile("[\x00-\x1f\x7f]")  # a NUL would end FTS5's reading of the query


def fts_query(text: str, expand: Callable[[str], list[str] | None] | None = None) -> str | None:
    """The FTS5 query for what a reader typed, or None when it holds no word to look for.

    ``budget meeting`` finds both words anywhere in a message, ``"budget meeting"`` them side by
    side, ``budg*`` any word starting so; every term is quoted, so no input is ever FTS5 syntax
    (``OR``, ``NEAR(``, ``-``, ``:`` and unbalanced quotes are only text). ``expand(prefix)``, when
    given, names the indexed words a prefix stands for (None: too many to name), which are then
    looked for instead of the prefix."""
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(_CONTROL.sub(" ", text)):
        raw = phrase if phrase else word
        prefix = not phrase and raw.endswith("*")
        raw = raw.rstrip("*") if prefix else raw
        if not _WORDY.search(raw):
            continue  # punctuation only: the tokenizer would find nothing to look for
        quoted = '"' + raw.replace('"', '""') + '"'
        if prefix and expand is not None and _SIMPLE.fullmatch(raw):
            words = expand(raw.lower())
            if words is not None:
                terms.append("(" + " OR ".join(f'"{w}"' for w in words) + ")" if words else '"\x01"')
                continue
        terms.append(quoted + "*" if prefix else quoted)
    return " ".join(terms) if terms else None


def _prefixed(text: str) -> bool:
    return any(not phrase and word.endswith("*") for phrase, word in _TOKEN.findall(text))


@dataclass(frozen=True)
class SearchPage:
    """One page of hits, best first: ``total`` found (at least, when ``more``: beyond the window)."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    more: bool = False
    offset: int = 0
    limit: int = 20


class Search:
    """The search side of ``Store`` (which supplies ``db``)."""

    db: sqlite_utils.Database

    def search_page(
        self,
        query: str,
        *,
        offset: int = 0,
        limit: int = 20,
        include_bots: bool = False,
        window: int = WINDOW,
    ) -> SearchPage:
        """Hits ``offset`` to ``offset + limit`` of ``query`` (see the module's docstring), each with
        its message's uid, id, session, time (UTC, as stored), handle, name, text, kind and a
        ``snippet`` whose hits are marked with ``HIT_OPEN`` and ``HIT_CLOSE``."""
        match = fts_query(query, self._words_from)
        offset, limit = max(offset, 0), max(limit, 0)
        if match is None:
            return SearchPage(offset=offset, limit=limit)
        hidden_people = [
            handle_key(t)
            for (t,) in self.db.execute("select target from redactions where target_kind = 'participant'")
        ]
        self.db.conn.create_function("handle_key", 1, handle_key, deterministic=True)
        bots = "" if include_bots else " and coalesce(m.kind, '') not in ('bot', 'command') and m.is_bot = 0"
        marks = ", ".join("?" * len(hidden_people))
        people = f" and handle_key(m.handle) not in ({marks})" if hidden_people else ""
        # bm25 needs each term's count of matches: cheap for words, not for a prefix standing for
        # hundreds of them; prefixed queries are ranked newest first.
        score = "0" if _prefixed(query) else "bm25(messages_fts)"
        candidates = self.db.execute(
            f"select f.rowid, {score} from messages_fts f join messages m on m.rowid = f.rowid "
            "where messages_fts match ? and m.session_id is not null and m.deleted_at is null "
            f"and coalesce(m.hidden, 0) = 0{bots}{people} "
            "and m.uid not in (select target from redactions where target_kind = 'message') "
            "and not exists (select 1 from participants p where p.session_id = m.session_id "
            "and p.key = m.platform || ':' || m.author_id and p.opted_out = 1) "
            "order by f.rowid desc limit ?",
            [match, *hidden_people, window + 1],
        ).fetchall()
        more = len(candidates) > window
        ranked = sorted(candidates[:window], key=lambda c: (c[1], -c[0]))  # bm25: lower is better
        page = [rowid for rowid, _ in ranked[offset : offset + limit]]
        return SearchPage(self._hits(query, page), min(len(candidates), window), more, offset, limit)

    def search(self, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The best ``limit`` hits of ``query`` (``search_page``'s first page)."""
        return self.search_page(query, limit=limit).hits

    def _words_from(self, prefix: str) -> list[str] | None:
        """The indexed words starting with ``prefix`` (lower case ASCII), None when more than
        ``EXPAND``: ``budg*`` read as ``budget OR budgets``, which FTS5 reads newest first and stops,
        where a prefix query gathers every match of every such word before the first is read."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self.db.execute(
            "select term from messages_vocab where term >= ? and term < ? limit ?", [prefix, end, EXPAND + 1]
        ).fetchall()
        return None if len(rows) > EXPAND else [term for (term,) in rows]

    def _hits(self, query: str, rowids: list[int]) -> list[dict[str, Any]]:
        """The rows of these messages, in this order, each with its snippet."""
        if not rowids:
            return []
        marks = ", ".join("?" * len(rowids))
        rows = self.db.query(
            "select rowid, uid, id, session_id, ts, handle, name, text, kind, hidden from messages "
            f"where rowid in ({marks})",
            rowids,
        )
        by_rowid = {r.pop("rowid"): r for r in rows}
        wanted = _wanted(query)
        hits = [by_rowid[r] for r in rowids if r in by_rowid]
        for hit in hits:
            hit["snippet"] = snippet(hit["text"], wanted)
        return hits


# -- snippets: the words found, marked, in a few lines of the message ------------------------------

_WORD = re.compile(r"\w+")
SNIPPET = 160  # characters of a long message shown around its first hit


def _fold(word: str) -> str:
    """A word as the index compares it (unicode61: any case, accents removed)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).casefold()


def _wanted(text: str) -> list[tuple[list[str], bool]]:
    """What the reader looked for, folded: each term's words (a phrase has several), prefix or not."""
    out = []
    for phrase, word in _TOKEN.findall(_CONTROL.sub(" ", text)):
        prefix = not phrase and word.endswith("*")
        words = [_fold(w) for w in _WORD.findall(phrase or word)]
        if words:
            out.append((words, prefix))
    return out


def snippet(text: str, wanted: list[tuple[list[str], bool]]) -> str:
    """``text`` (cut around the first hit when long), each hit between ``HIT_OPEN`` and ``HIT_CLOSE``."""
    tokens = [(m.start(), m.end(), _fold(m.group())) for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    for words, prefix in wanted:
        n = len(words)
        for i in range(len(tokens) - n + 1):
            got = [t[2] for t in tokens[i : i + n]]
            if got[:-1] == words[:-1] and (got[-1].startswith(words[-1]) if prefix else got[-1] == words[-1]):
                spans.append((tokens[i][0], tokens[i + n - 1][1]))
    spans = sorted(set(spans))
    start, end = 0, len(text)
    if len(text) > SNIPPET and spans:
        start = max(0, spans[0][0] - SNIPPET // 3)
        end = min(len(text), start + SNIPPET)
    out, at = [], start
    for a, b in spans:
        if a < at or b > end:
            continue
        out += [text[at:a], HIT_OPEN, text[a:b], HIT_CLOSE]
        at = b
    out.append(text[at:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
