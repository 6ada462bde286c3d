"""Numbers in query strings and forms, read one strict way: ASCII digits only, within bounds.

``str.isdigit`` takes ``²`` and ``①`` for digits and ``int`` then fails on them; ``int`` alone
takes ``-1``, `` 7 ``, ``1_000`` and a thousand digits. ``whole_number`` takes none of these: what
it refuses gets a ``BadParameter`` naming the parameter and what it must be, which the app answers
with a 400, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping


class BadParameter(ValueError):
    """A parameter that is not what it must be; the message is the one line a reader is shown."""


def whole_number(params: Mapping[str, str], name: str, *, default: int, lo: int, hi: int) -> int:
    """``params[name]`` as a whole number from ``lo`` to ``hi`` (``default`` when absent)."""
    raw = params.get(name)
    if raw is None:
        return default
    short = len(raw.lstrip("0")) <= len(str(hi))  # no int() of a thousand digits
    if not (raw.isascii() and raw.isdigit() and short) or not lo <= int(raw) <= hi:
        raise BadParameter(f"{name} must be a whole number from {lo} to {hi}")
    return int(raw)
