"""Hosting on Discord through discord.py: the adapter (``adapter``), the shared bot connection and
its slash commands (``bot``, ``slash``), discord.py's objects as plain data (``convert``), the
session's scheduled event (``events``) and the ``[platforms.discord]`` settings (``settings``).

Only ``adapter`` and ``settings`` load without discord.py; the rest is imported where the bot
connects, so knowing the platforms (the registry, the config, the recaps) loads no SDK.
"""

from chatbot.platforms.discord_.adapter import ADAPTER, DESCRIPTION, DiscordPlatform, GatewayGap

__all__ = ["ADAPTER", "DESCRIPTION", "DiscordPlatform", "GatewayGap"]
