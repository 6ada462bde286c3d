"""Checking plain data against a ``TypedDict`` at run time, recursively (no tests here)."""

from __future__ import annotations

import collections.abc
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict


def mismatches(value: object, hint: Any, path: str) -> list[str]:
    """Where ``value`` differs from the type ``hint``: keys missing or undeclared, values of
    another type, literals out of range (an int passes for a float, as in JSON); ``path`` names
    ``value`` in what is reported."""
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        declared = hint.__required_keys__ | hint.__optional_keys__
        problems = [f"{path}.{k}: missing" for k in sorted(hint.__required_keys__ - value.keys())]
        problems += [f"{path}.{k}: not declared in {hint.__name__}" for k in sorted(value.keys() - declared)]
        fields = get_type_hints(hint)
        for key in sorted(value.keys() & declared):
            problems += mismatches(value[key], fields[key], f"{path}.{key}")
        return problems
    origin = get_origin(hint)
    if hint is Any:
        return []
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        key_hint, value_hint = get_args(hint)
        return [
            p
            for k, v in value.items()
            for p in [*mismatches(k, key_hint, f"{path} key"), *mismatches(v, value_hint, f"{path}.{k}")]
        ]
    if origin is list or (origin is collections.abc.Iterable and isinstance(value, list)):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        item_hint = get_args(hint)[0]
        return [p for i, item in enumerate(value) for p in mismatches(item, item_hint, f"{path}[{i}]")]
    if origin is collections.abc.Iterable:  # a stream: its items are checked where it is made
        return [] if isinstance(value, collections.abc.Iterable) else [f"{path}: {value!r}, not iterable"]
    if origin in (Union, types.UnionType):
        arms = [mismatches(value, arm, path) for arm in get_args(hint)]
        return [] if any(not a for a in arms) else [f"{path}: {value!r} is none of {hint}"]
    if origin is Literal:
        return [] if value in get_args(hint) else [f"{path}: {value!r} not one of {get_args(hint)}"]
    if hint is type(None):
        return [] if value is None else [f"{path}: {value!r}, not null"]
    if origin is tuple:
        arms = get_args(hint)
        if not isinstance(value, tuple) or len(value) != len(arms):
            return [f"{path}: {value!r}, not a tuple of {len(arms)}"]
        pairs = enumerate(zip(value, arms, strict=True))
        return [p for i, (v, arm) in pairs for p in mismatches(v, arm, f"{path}[{i}]")]
    allowed = {float: (int, float), int: (int,), str: (str,), bool: (bool,)}.get(hint, (hint,))
    ok = isinstance(value, allowed) and (hint is bool or not isinstance(value, bool))
    return [] if ok else [f"{path}: {value!r}, not {hint.__name__}"]
