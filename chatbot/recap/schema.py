"""The recap JSON export's JSON Schema (draft 2020-12), made from its types (``chatbot.recap.types``)
so the two never disagree. ``docs/api.md`` carries it; ``python -m chatbot.recap.schema`` prints it.

Objects list their keys (``required``: those the types require) and allow no others: a key added
to the export is added to its type first. Readers should still tolerate keys they do not know
(the export only ever adds keys), which is why the schema is versioned with the export's
``schema`` number.
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from chatbot.recap.types import Export

_SCALARS: dict[object, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _schema(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if hint is type(None):
        return {"type": "null"}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    origin = get_origin(hint)
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if origin is list:
        return {"type": "array", "items": _schema(get_args(hint)[0], defs)}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema(arm, defs) for arm in get_args(hint)]}
    if is_typeddict(hint):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # taken before its fields, for types that refer to themselves
            fields = get_type_hints(hint)
            defs[name] = {
                "type": "object",
                **({"description": _doc(hint)} if _doc(hint) else {}),
                "properties": {k: _schema(v, defs) for k, v in fields.items()},
                "required": sorted(hint.__required_keys__),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _doc(hint: Any) -> str:
    doc = hint.__doc__ or ""
    return "" if doc.startswith(hint.__name__ + "(") else " ".join(doc.split())


def export_schema() -> dict[str, Any]:
    """The JSON Schema of ``Export``."""
    defs: dict[str, Any] = {}
    root = _schema(Export, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://chatbot.invalid/schema/recap-export-1.json",
        "title": "Recap JSON export",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """The schema as ``docs/api.md`` shows it."""
    return json.dumps(export_schema(), indent=2, ensure_ascii=False)


if __name__ == "__main__":  # pragma: no cover
    print(schema_text())
