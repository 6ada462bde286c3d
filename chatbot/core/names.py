"""Display names that look alike: the UTS #39 confusable skeleton, so that ``LocalGοvChat`` (a
Greek omicron), ``Ηost`` (a Greek capital eta), ``һost`` (a Cyrillic shha), ``ＨＯＳＴ`` (fullwidth)
and ``HOST`` all count as the same name as ``host``.

``skeleton`` is the one UTS #39 defines (NFD, each character replaced by its prototype from
``confusables.txt``, NFD again). ``likenesses`` are what two names must not share to be told apart
in a room: skeletons of the NFKC form with case folded before (so ``Ian`` meets ``ian``, although
a capital ``I`` looks like ``l``) and after (so an upper-case look-alike such as Cyrillic ``Н``
meets ``h``), letters and digits only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache

from chatbot.core.confusables import DATA


def table_lines(confusables_txt: str) -> Iterator[str]:
    """The lines of ``chatbot.core.confusables.DATA`` made from a ``confusables.txt``'s text, to
    regenerate the table when Unicode publishes a new one::

        python -c "import sys; from chatbot.core.names import table_lines; \\
            print('\\n'.join(table_lines(open(sys.argv[1], encoding='utf-8-sig').read())))" \\
            confusables.txt

    (then wrap lines longer than 100 characters, each continuation starting with a space)."""
    by_target: dict[str, list[str]] = {}
    for raw in confusables_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        source, target, _kind = (part.strip() for part in line.split(";"))
        by_target.setdefault("+".join(target.split()), []).append(source)
    for target in sorted(by_target, key=lambda t: [int(h, 16) for h in t.split("+")]):
        yield f"{target}={' '.join(sorted(by_target[target], key=lambda h: int(h, 16)))}"


def parse_table(data: str) -> dict[str, str]:
    """``DATA`` (or ``table_lines``' output) as a map from each confusable character to its
    prototype."""
    table: dict[str, str] = {}
    for line in _joined(data.splitlines()):
        target, _, sources = line.partition("=")
        prototype = "".join(chr(int(h, 16)) for h in target.split("+"))
        for source in sources.split():
            table[chr(int(source, 16))] = prototype
    return table


def _joined(lines: Iterable[str]) -> Iterator[str]:
    """Lines with their continuations (lines starting with a space) put back."""
    current = ""
    for line in lines:
        if line.startswith(" "):
            current += line
            continue
        if current:
            yield current
        current = line.strip()
    if current:
        yield current


@cache
def _prototypes() -> dict[str, str]:
    return parse_table(DATA)


def skeleton(text: str) -> str:
    """UTS #39's skeleton: two strings that look alike have the same one (``paypal`` and
    ``pаypаl`` with Cyrillic ``а``)."""
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in decomposed))


def likenesses(name: str) -> frozenset[str]:
    """A display name's look-alike keys (case, width, spacing, punctuation, accents and look-alike
    letters from other scripts set aside): two names that share one are taken for each other.
    Empty for a name with no letter or digit."""
    plain = unicodedata.normalize("NFKC", name)
    keys = (_alnum(_fold(plain.casefold())), _alnum(_fold(plain)))
    return frozenset(k for k in keys if k)


def likeness(name: str) -> str:
    """A name's main look-alike key (case folded first): ``HΟST`` and ``һost`` give ``host``."""
    return _alnum(_fold(unicodedata.normalize("NFKC", name).casefold()))


def looks_like(a: str, b: str) -> bool:
    """Whether names ``a`` and ``b`` would be taken for each other."""
    return bool(likenesses(a) & likenesses(b))


def _fold(text: str) -> str:
    return skeleton(skeleton(text).casefold())


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())
