"""Typed access to one table of the config file, for the config and for each adapter's section.

An adapter validates its own ``[platforms.<name>]`` table with a ``Section``: every error names
the key path and the problem (``platforms.web.port: must be 1-65535, not 0``); the config loader
adds the file's name in front.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NoReturn


class SettingsError(Exception):
    """A value in the config cannot be used; the text is ``<key path>: <problem>``."""


class Section:
    """One TOML table at ``where`` (a key path such as ``platforms.web``), with only ``known`` keys."""

    def __init__(self, where: str, table: Mapping[str, Any], known: Collection[str]) -> None:
        self.where, self.table = where, dict(table)
        unknown = set(self.table) - set(known)
        if unknown:
            self.fail(sorted(unknown)[0], f"unknown key (expected one of: {', '.join(sorted(known))})")

    def fail(self, key: str, problem: str) -> NoReturn:
        raise SettingsError(f"{self.where}.{key}: {problem}" if self.where else f"{key}: {problem}")

    def get(
        self, key: str, kind: type | tuple[type, ...], default: Any = None, *, required: bool = False
    ) -> Any:
        """The value of ``key`` checked to be a ``kind`` (an int is taken for a float)."""
        if key not in self.table:
            if required:
                self.fail(key, "is required")
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.fail(key, f"must be a {names}, not {type(value).__name__} {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, [])
        if not all(isinstance(v, str) for v in values):
            self.fail(key, "must be a list of strings")
        return tuple(values)
