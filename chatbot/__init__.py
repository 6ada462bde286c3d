"""chatbot: hosts live hashtag chats and archives them."""

from __future__ import annotations

__version__ = "0.1.0"
