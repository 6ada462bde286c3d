"""``[platforms.discord]``: the bot's token, where each session happens, who hosts, how it posts.

```toml
[platforms.discord]
token_env = "DISCORD_TOKEN"     # the variable holding the bot token (or token = "...", not advised)
guild = "1100000000000000001"   # where sessions happen unless a [[platforms.discord.chat]] says otherwise
channel = "1200000000000000001"
thread = true                   # open a thread ("#localgovchat 2026-11-24") in the channel at the start
host_roles = ["Chat hosts"]     # members with one of these roles (names or ids) host; so does Manage Events
vote_emoji = "👍"               # the reaction that counts as a vote for a question
embeds = false                  # prompts as embeds
scheduled_events = true         # each session is also a scheduled event in its guild
message_content = true          # ask for the Message Content intent (A1: and #ask in plain messages)
history_budget = 1000           # messages read from history per catch-up at most

[[platforms.discord.chat]]      # a session elsewhere: by its hashtag
hashtag = "#civictech"
guild = "1100000000000000002"
channel = "1200000000000000002"
thread = false
```

Ids are Discord snowflakes, as strings or integers. Every error names the key. The sessions'
adapters share one bot connection per token: ``Hub`` holds it, one per loaded config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chatbot.platforms.settings import Section

if TYPE_CHECKING:
    from chatbot.platforms.discord_.bot import SharedBot

KEYS = frozenset(
    {
        "token",
        "token_env",
        "guild",
        "channel",
        "thread",
        "host_roles",
        "vote_emoji",
        "embeds",
        "scheduled_events",
        "message_content",
        "history_budget",
        "connect_timeout",
        "chat",
    }
)
CHAT_KEYS = frozenset({"hashtag", "guild", "channel", "thread"})
THUMBS_UP = "\N{THUMBS UP SIGN}"


@dataclass(frozen=True)
class Place:
    """Where one session happens: a text channel of a guild, or a thread opened in it."""

    guild: int
    channel: int
    thread: bool = False


class Hub:
    """The bot connections of one config, one per token, shared by its sessions' adapters."""

    def __init__(self) -> None:
        self._bots: dict[str, SharedBot] = {}

    def bot(self, settings: DiscordSettings, token: str) -> SharedBot:
        from chatbot.platforms.discord_.bot import SharedBot  # discord.py loads only when hosting

        if token not in self._bots:
            self._bots[token] = SharedBot(settings, token)
        return self._bots[token]


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None  # from DISCORD_TOKEN (or token_env) unless the config gives it
    default: Place | None = None  # guild and channel at the table's top
    chats: Mapping[str, Place] = field(default_factory=dict)  # by hashtag, case-folded
    host_roles: tuple[str, ...] = ()
    vote_emoji: str = THUMBS_UP
    embeds: bool = False
    scheduled_events: bool = True
    message_content: bool = True
    history_budget: int = 1000
    connect_timeout: float = 60.0  # seconds to wait for the gateway and the guilds at start
    hub: Hub = field(default_factory=Hub, compare=False, repr=False)

    def place_for(self, hashtag: str) -> Place | None:
        """Where the session with ``hashtag`` happens (None: the config does not say)."""
        return self.chats.get(hashtag.casefold(), self.default)

    @property
    def guilds(self) -> tuple[int, ...]:
        """Every guild a session may happen in: slash commands are registered there."""
        places = [*([self.default] if self.default else []), *self.chats.values()]
        return tuple(dict.fromkeys(p.guild for p in places))


def snowflake(section: Section, key: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    section.fail(key, f"must be a Discord id (digits, as Developer Mode's 'Copy ID' gives), not {value!r}")


def place(section: Section, *, required: bool) -> Place | None:
    guild, channel = section.table.get("guild"), section.table.get("channel")
    if guild is None and channel is None and not required:
        section.get("thread", bool, False)
        return None
    if guild is None or channel is None:
        section.fail(
            "channel" if guild is not None else "guild", "is required with the other (guild and channel)"
        )
    thread = section.get("thread", bool, False)
    return Place(snowflake(section, "guild", guild), snowflake(section, "channel", channel), thread)


def load_settings(section: Section, env: Mapping[str, str]) -> DiscordSettings:
    token_env = section.get("token_env", str, "DISCORD_TOKEN")
    token = env.get(token_env) or section.get("token", str, None) or None
    budget = section.get("history_budget", int, 1000)
    if budget < 1:
        section.fail("history_budget", f"must be at least 1, not {budget}")
    timeout = section.get("connect_timeout", float, 60.0)
    if not timeout > 0:
        section.fail("connect_timeout", f"must be a number of seconds above 0, not {timeout}")
    emoji = section.get("vote_emoji", str, THUMBS_UP).strip()
    if not emoji:
        section.fail("vote_emoji", "must be an emoji, like 👍")
    chats: dict[str, Place] = {}
    raw_chats = section.get("chat", list, [])
    for i, raw in enumerate(raw_chats):
        where = f"{section.where}.chat[{i}]"
        if not isinstance(raw, dict):
            section.fail(f"chat[{i}]", "must be a table ([[platforms.discord.chat]])")
        sub = Section(where, raw, CHAT_KEYS)
        hashtag = sub.get("hashtag", str, required=True).strip()
        if not hashtag.startswith("#"):
            sub.fail("hashtag", f"must look like #localgovchat, not {hashtag!r}")
        found = place(sub, required=True)
        assert found is not None
        if hashtag.casefold() in chats:
            sub.fail("hashtag", f"{hashtag} is given twice")
        chats[hashtag.casefold()] = found
    return DiscordSettings(
        token=token,
        default=place(section, required=False),
        chats=chats,
        host_roles=section.strings("host_roles"),
        vote_emoji=emoji,
        embeds=section.get("embeds", bool, False),
        scheduled_events=section.get("scheduled_events", bool, True),
        message_content=section.get("message_content", bool, True),
        history_budget=budget,
        connect_timeout=timeout,
    )
