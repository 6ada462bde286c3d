"""A recap's files written in one pass over its transcript.

Each message is read from the archive once and made into what every file shows of it: its line of
the JSON export (and its answer's line under each prompt it answers), its view and markup on the
page (its answer's markup too), its search record. What comes before the transcript in a file (the
answers under their prompts) is known only once the transcript is read, so the pieces are set aside
in temporary files (``Spool``) and each file is put together after the pass: the page's template
marks where the answers and the transcript go (``view.answers_mark``, ``view.transcript_mark``)
and their bytes are copied in there. Memory stays flat however long the chat.

A ``Recap`` whose answers are its messages' own (``read_placed``, the archive's) is read once; one
in memory (``Recap.of``) has its answers read apart, as the export gives them.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from chatbot.recap.feed import SearchRecords
from chatbot.recap.fragments import answer_html, body_html, transcript_html
from chatbot.recap.jsonout import encode_line
from chatbot.recap.pages import PAGE_SIZE, utc_key
from chatbot.recap.source import Placed, Recap, answer_of
from chatbot.recap.view import Swept, _Context, answer_message, message_view

_BLOCK = 1 << 20
_HELD = 256  # pieces held before they are written


class Spool:
    """Pieces of text set aside in a temporary file, in groups (a page, a prompt's answers) read
    back in order, each group's pieces joined by ``glue`` after ``first``. Pieces are held a few
    hundred at a time and written joined."""

    def __init__(self, first: bytes = b"", glue: bytes = b"") -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(buffering=1 << 16)  # noqa: SIM115 (closed by close)
        self._size = 0
        self._spans: dict[int, array[int]] = {}  # group -> start, end, start, end...
        self._held: dict[int, list[bytes]] = {}
        self.counts: dict[int, int] = {}  # pieces written, by group
        self._first, self._glue = first, glue

    def add(self, data: bytes, group: int = 0) -> None:
        held = self._held.get(group)
        if held is None:
            held = self._held[group] = []
        held.append(data)
        if len(held) >= _HELD:
            self._put(group, held)

    def _put(self, group: int, held: list[bytes]) -> None:
        n = self.counts.get(group, 0)
        self.counts[group] = n + len(held)
        data = (self._glue if n else self._first) + self._glue.join(held)
        held.clear()
        size = self._size
        spans = self._spans.get(group)
        if spans is None:
            spans = self._spans[group] = array("q", (size, size))
        elif spans[-1] != size:
            spans.extend((size, size))
        self._file.write(data)
        self._size = spans[-1] = size + len(data)

    def count(self, group: int = 0) -> int:
        """How many pieces the group holds."""
        return self.counts.get(group, 0) + len(self._held.get(group, ()))

    def read(self, group: int = 0) -> Iterator[bytes]:
        """The group's bytes, in pieces of up to a megabyte."""
        held = self._held.get(group)
        if held:
            self._put(group, held)
        spans = self._spans.get(group)
        if spans is None:
            return
        self._file.flush()
        for i in range(0, len(spans), 2):
            at, end = spans[i], spans[i + 1]
            while at < end:
                self._file.seek(at)
                data = self._file.read(min(_BLOCK, end - at))
                at += len(data)
                yield data

    def close(self) -> None:
        self._file.close()


@dataclass
class Written:
    """What one pass set aside: the page's view of it (``page``) and the files' pieces."""

    page: Swept
    ctx: _Context  # what the views shared
    transcript: Spool = field(default_factory=Spool)  # by page
    answers_html: Spool = field(default_factory=Spool)  # by prompt
    messages_json: Spool = field(default_factory=lambda: Spool(b"\n    ", b",\n    "))
    answers_json: Spool = field(default_factory=lambda: Spool(b"\n        ", b",\n        "))
    search: Spool = field(default_factory=lambda: Spool(b"", b","))

    def close(self) -> None:
        for spool in (self.transcript, self.answers_html, self.messages_json, self.answers_json, self.search):
            spool.close()


class DayHeadings:
    """A record over more than one day (a channel over weeks, a chat past midnight) names each
    day in its transcript, where the day changes and at the top of every page, as
    DiscordChatExporter does: times alone would not say which day a message is from."""

    def __init__(self, many_days: bool) -> None:
        self.many_days = many_days
        self.last: tuple[object, int] | None = None

    def heading(self, moment: datetime, page: int) -> str | None:
        if not self.many_days:
            return None
        here = (moment.date(), page)
        if here == self.last:
            return None
        self.last = here
        return f'<li class="day"><h3>{moment:%A %-d %B %Y}</h3></li>\n'


def sweep(
    recap: Recap,
    ctx: _Context,
    *,
    html: bool = False,
    json: bool = False,
    search: bool = False,
    keep: bool = False,
) -> Written:
    """One pass over the recap's transcript, setting aside what the files asked for need of it:
    the page's markup (``html``; ``keep``: every view too), the JSON export's lines, the search
    records."""
    prompts = len(recap.head.get("prompts") or ())
    written = Written(Swept(answer_counts=[0] * prompts, answerers=[set() for _ in range(prompts)]), ctx)
    swept = written.page
    if keep:
        swept.answers = [[] for _ in range(prompts)]
    placed: Iterable[Placed] = (
        recap.read_placed() if recap.read_placed is not None else ((m, (), None) for m in recap.messages())
    )
    session, repeats = recap.head["session"], recap.linked.repeats
    records = SearchRecords(session, ctx.page_count > 1, ctx.moment, repeats=repeats) if search else None
    paged = ctx.page_count > 1
    times, starts = swept.times, swept.starts
    transcript, answers = written.transcript, written.answers_html
    lines, answer_lines = written.messages_json, written.answers_json
    text: str | None = None  # the message's text as the page has it (clean), when it has it
    tz, last_time = ctx.tz, ctx.last_time
    span = [ctx.moment(session.get("started_at")), ctx.moment(session.get("ended_at"))]
    days = DayHeadings(span[0] is not None and span[1] is not None and span[0].date() != span[1].date())
    for index, (m, places, moment) in enumerate(placed):
        if moment is not None and moment.tzinfo is tz:  # read already: the page need not read it again
            last_time[:] = [(m["ts"], moment)]
        if json:
            lines.add(encode_line(m))
            for i in places:
                answer_lines.add(encode_line(answer_of(m)), i)
        if html:
            here = index // PAGE_SIZE + 1 if paged else 1
            if paged and index and not index % PAGE_SIZE:
                starts.append(utc_key(str(m.get("ts")), str(m.get("platform")), str(m.get("id"))))
            if (moment := ctx.moment(m.get("ts"))) is not None:
                times.append(moment)
                if (heading := days.heading(moment, here)) is not None:
                    transcript.add(heading.encode(), here)
            view = message_view(m, ctx, here, here)
            text = view["text"]
            body = body_html(view)
            transcript.add(transcript_html(view, body).encode(), here)
            if keep:
                swept.messages.append(view)
            for i in places:
                shown = view if here == 1 else {**view, "href": ctx.href(view["id"], 1, here)}
                answers.add(answer_html(shown, body).encode(), i)
                swept.answer_counts[i] += 1
                swept.answerers[i].add(shown["author"])
                if keep:
                    swept.answers[i].append(shown)
        if records is not None:
            record = records.line(m, index, text)
            if record is not None:
                written.search.add(record)
    if recap.read_placed is None:  # the answers as the export gives them
        for i in range(prompts):
            for answer in recap.answers(i):
                if json:
                    answer_lines.add(encode_line(answer), i)
                if html:
                    shown = message_view(answer_message(answer, ctx), ctx)
                    answers.add(answer_html(shown).encode(), i)
                    swept.answer_counts[i] += 1
                    swept.answerers[i].add(shown["author"])
                    if keep:
                        swept.answers[i].append(shown)
    return written


_MARK = re.compile(r"\x00(answers|page)-(\d+)\x00")


def splice(pieces: Iterable[str], written: Written) -> Iterator[str | bytes]:
    """A page's template output with its marks replaced by the markup they stand for."""
    for piece in pieces:
        if "\x00" not in piece:
            yield piece
            continue
        at = 0
        for mark in _MARK.finditer(piece):
            yield piece[at : mark.start()]
            spool = written.answers_html if mark.group(1) == "answers" else written.transcript
            yield from spool.read(int(mark.group(2)))
            at = mark.end()
        yield piece[at:]


def as_text(pieces: Iterable[str | bytes]) -> Iterator[str]:
    """``splice``'s output as text."""
    decode: Callable[[bytes], str] = codecs.getincrementaldecoder("utf-8")().decode
    for piece in pieces:
        yield piece if isinstance(piece, str) else decode(piece)


def page_markup(pieces: Iterable[str], written: Written) -> Iterator[str]:
    """``splice`` as text, for a page rendered to a string."""
    return as_text(splice(pieces, written))
