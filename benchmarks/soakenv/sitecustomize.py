"""Loaded at start-up by every Python process of the soak (it is on their PYTHONPATH): when
``CHATBOT_SOAK_DISCORD_API`` is set, discord.py talks to the soak's fake Discord on loopback
instead of discord.com, as ``tests.platforms.discordfake.FakeDiscord.point`` does in the tests.
Nothing else of the bot is touched; without the variable this does nothing."""

import os

_api = os.environ.get("CHATBOT_SOAK_DISCORD_API")
if _api:
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = _api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["CHATBOT_SOAK_DISCORD_GATEWAY"])
