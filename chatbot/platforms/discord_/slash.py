"""The slash commands, each one of the core's command table (``chatbot.core.commands``):
``/ask question:``, ``/queue``, ``/upvote n:``, ``/help``, ``/optout`` for everyone;
``/chat start|pause|resume|next|skip|extend|end`` and
``/question approve|reject|merge|answered|route|next`` for hosts (anyone may see them; the core
refuses a non-host, and that refusal is the ephemeral answer). Arguments are checked by the core
too, so a slash command and the same command typed in the chat answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from chatbot.core import commands

Give = Callable[[discord.Interaction, str, tuple[str, ...]], Awaitable[None]]
"""Carries out command ``name`` with ``args`` for the interaction's member."""


def about(name: str) -> str:
    """A command's description as Discord shows it (at most 100 characters)."""
    return commands.get(name).help.format(tag="the question tag")[:100]


def install(tree: app_commands.CommandTree[discord.Client], give: Give) -> None:
    """Add every slash command to ``tree`` (registered per guild by ``tree.sync``)."""

    @tree.command(name="ask", description=about("ask"))
    @app_commands.describe(question="your question for the hosts")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await give(interaction, "ask", (question,))

    @tree.command(name="queue", description=about("queue"))
    async def queue(interaction: discord.Interaction) -> None:
        await give(interaction, "queue", ())

    @tree.command(name="upvote", description=about("upvote"))
    @app_commands.describe(n="the question's number")
    async def upvote(interaction: discord.Interaction, n: int) -> None:
        await give(interaction, "upvote", (str(n),))

    @tree.command(name="help", description=about("help"))
    @app_commands.describe(command="a command's name, for its help alone")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await give(interaction, "help", (command,) if command else ())

    @tree.command(name="optout", description=about("optout"))
    async def optout(interaction: discord.Interaction) -> None:
        await give(interaction, "optout", ())

    tree.add_command(chat_group(give))
    tree.add_command(question_group(give))


def chat_group(give: Give) -> app_commands.Group:
    chat = app_commands.Group(name="chat", description="run the chat (hosts)")

    def simple(name: str) -> None:
        async def run(interaction: discord.Interaction) -> None:
            await give(interaction, name, ())

        chat.add_command(app_commands.Command(name=name, description=about(name), callback=run))

    for name in ("start", "pause", "resume", "next", "skip", "end"):
        simple(name)

    @chat.command(name="extend", description=about("extend"))
    @app_commands.describe(minutes=f"minutes to add (1 to {commands.MAX_MINUTES})")
    async def extend(interaction: discord.Interaction, minutes: int) -> None:
        await give(interaction, "extend", (str(minutes),))

    return chat


def question_group(give: Give) -> app_commands.Group:
    question = app_commands.Group(name="question", description="moderate the question queue (hosts)")

    def numbered(name: str) -> None:
        async def run(interaction: discord.Interaction, n: int) -> None:
            await give(interaction, name, (str(n),))

        described = app_commands.describe(n="the question's number")(run)
        question.add_command(app_commands.Command(name=name, description=about(name), callback=described))

    for name in ("approve", "reject", "answered"):
        numbered(name)

    @question.command(name="merge", description=about("merge"))
    @app_commands.describe(n="the duplicate question's number", into="the question it joins")
    async def merge(interaction: discord.Interaction, n: int, into: int) -> None:
        await give(interaction, "merge", (str(n), str(into)))

    @question.command(name="route", description=about("route"))
    @app_commands.describe(n="the question's number", team="the team that answers it")
    async def route(interaction: discord.Interaction, n: int, team: str) -> None:
        await give(interaction, "route", (str(n), team))

    @question.command(name="next", description=about("next_question"))
    async def next_question(interaction: discord.Interaction) -> None:
        await give(interaction, "next_question", ())

    return question
