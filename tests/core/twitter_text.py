"""X's twitter-text conformance files (../shared/data/twitter-text-conformance) read without a YAML
library: the subset they use (block mappings and sequences by indentation, double- or
single-quoted and plain scalars with YAML escapes, flow sequences of scalars, ints, booleans)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_ESCAPE = re.compile(r"\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " ", "e": "\x1b"}


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    return chr(int(code[1:], 16)) if code[0] in "Uux" and len(code) > 1 else _SIMPLE[code]


def scalar(text: str) -> Any:
    text = text.strip()
    if text.startswith('"'):
        return _ESCAPE.sub(_unescape, text[1 : text.rindex('"')])
    if text.startswith("'"):
        return text[1 : text.rindex("'")].replace("''", "'")
    if text.startswith("["):
        items = re.findall(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|[^,\s\]\[][^,\]]*', text[1:-1])
        return [scalar(i) for i in items]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return {"true": True, "false": False}.get(text, text)


def load(path: Path) -> Any:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            lines.append((len(raw) - len(raw.lstrip(" ")), stripped))
    value, _ = _block(lines, 0)
    return value


def _block(lines: list[tuple[int, str]], i: int) -> tuple[Any, int]:
    indent = lines[i][0]
    if lines[i][1].startswith("- "):
        items: list[Any] = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            rest = lines[i][1][2:]
            if re.match(r"[\w.]+:( |$)", rest):  # a mapping starting on the dash's line
                lines[i] = (indent + 2, rest)
                value, i = _block(lines, i)
            else:
                value, i = scalar(rest), i + 1
            items.append(value)
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        key, _, rest = lines[i][1].partition(":")
        i += 1
        if rest.strip():
            mapping[key] = scalar(rest)
        elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1][:2] == "- ")):
            mapping[key], i = _block(lines, i)
        else:
            mapping[key] = None
    return mapping, i
