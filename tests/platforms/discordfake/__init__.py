"""A protocol-faithful fake Discord for the adapter's tests (``FakeDiscord``): the real discord.py
talks to it over loopback HTTP and a websocket, as it would to discord.com."""

from tests.platforms.discordfake.server import FakeDiscord, Interaction

__all__ = ["FakeDiscord", "Interaction"]
