"""What the store raises, by name, so callers catch what they mean (sqlite-utils' ``NotFoundError``)."""

from __future__ import annotations


class StoreError(Exception):
    """The store refuses: the database cannot be used (not ours, newer schema, corrupt), or a
    named thing is not in it (``NotFound``)."""


class NotFound(StoreError):
    """Something asked for by id is not in the archive."""


class SessionNotFound(NotFound, KeyError):
    """No session with that id or slug (a ``KeyError`` too, as callers caught before)."""

    def __str__(self) -> str:
        return f"no session {self.args[0]!r}" if self.args else "no such session"


class MessageNotFound(NotFound, KeyError):
    """No message with that uid (``platform:id``); a ``KeyError`` too."""

    def __str__(self) -> str:
        return f"no message {self.args[0]!r}" if self.args else "no such message"
