"""What the fake Discord keeps: guilds, channels, threads, members, messages, reactions, scheduled
events, application commands and interactions, with the exact JSON payloads Discord sends.

Payload shapes follow the API docs and the OpenAPI spec (``../shared/data/api-specs``); the
gateway adds ``guild_id`` and ``member`` to messages in a guild. Ids are snowflakes made from the
fake's clock, so discord.py's ``created_at`` (read from the id) agrees with ``timestamp``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatbot.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 64

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents)
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Permission bits
ADMINISTRATOR = 1 << 3
MANAGE_EVENTS = 1 << 33
EVERYONE_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 16) | (1 << 6) | (1 << 38)
)  # view, send, history, react, threads


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class User:
    id: str
    username: str
    global_name: str | None = None
    bot: bool = False

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }
        if self.bot:
            out["bot"] = True
        return out


@dataclass
class Member:
    user: User
    guild_id: str
    roles: list[str] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00.000000+00:00"

    def json(self, *, with_user: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "roles": list(self.roles),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            out["user"] = self.user.json()
        return out


@dataclass
class Role:
    id: str
    name: str
    permissions: int = 0
    position: int = 1

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Channel:
    id: str
    type: int  # 0 text, 1 DM, 11 public thread
    name: str = ""
    guild_id: str | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    position: int = 0
    recipient: User | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    archived: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def json(self) -> dict[str, Any]:
        if self.type == 1:
            assert self.recipient is not None
            return {
                "id": self.id,
                "type": 1,
                "last_message_id": self.messages[-1]["id"] if self.messages else None,
                "flags": 0,
                "recipients": [self.recipient.json()],
            }
        if self.is_thread:
            return {
                "id": self.id,
                "type": self.type,
                "guild_id": self.guild_id,
                "parent_id": self.parent_id,
                "owner_id": self.owner_id,
                "name": self.name,
                "flags": 0,
                "last_message_id": self.messages[-1]["id"] if self.messages else None,
                "rate_limit_per_user": 0,
                "message_count": len(self.messages),
                "member_count": 1,
                "total_message_sent": len(self.messages),
                "thread_metadata": {
                    "archived": self.archived,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2026-01-01T00:00:00.000000+00:00",
                    "locked": False,
                },
            }
        return {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": self.position,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "flags": 0,
            "last_message_id": self.messages[-1]["id"] if self.messages else None,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
        }


@dataclass
class Guild:
    id: str
    name: str
    roles: dict[str, Role] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)

    def create_json(self, threads: list[Channel]) -> dict[str, Any]:
        """GUILD_CREATE: the guild with its channels, roles, members and active threads."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": next(iter(self.members), self.id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "features": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "roles": [r.json() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.json() for c in self.channels.values() if not c.is_thread],
            "threads": [t.json() for t in threads],
            "members": [m.json() for m in self.members.values()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": list(self.events.values()),
            "soundboard_sounds": [],
        }


class Snowflakes:
    """Increasing ids whose timestamp is the clock's (what discord.py reads ``created_at`` from)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._last = 0
        self._worker = itertools.count()

    def next(self) -> str:
        ms = int(self.clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        made = (ms << 22) | (next(self._worker) & 0x3FFFFF)
        self._last = max(made, self._last + 1)
        return str(self._last)


def message_json(
    *,
    id: str,
    channel: Channel,
    author: User,
    content: str,
    at: datetime,
    reference: dict[str, Any] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    flags: int = 0,
    type: int = 0,
    interaction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message as REST returns it (the gateway adds ``guild_id`` and ``member``)."""
    out: dict[str, Any] = {
        "id": id,
        "channel_id": channel.id,
        "type": type,
        "content": content,
        "author": author.json(),
        "timestamp": iso(at),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [_embed(e) for e in embeds or []],
        "pinned": False,
        "flags": flags,
        "components": [],
        "reactions": [],
    }
    if reference is not None:
        out["type"] = 19  # a reply
        out["message_reference"] = {"type": 0, "channel_id": channel.id, **reference}
    if interaction is not None:
        out["interaction_metadata"] = interaction
    return out


def _embed(raw: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rich", **{k: v for k, v in raw.items() if k != "type"}}


def scheduled_event_json(
    *,
    id: str,
    guild_id: str,
    creator: User,
    body: dict[str, Any],
) -> dict[str, Any]:
    """An external scheduled event as Discord returns it, from a create request's fields."""
    return {
        "id": id,
        "guild_id": guild_id,
        "name": body["name"],
        "description": body.get("description"),
        "channel_id": None,
        "creator_id": creator.id,
        "creator": creator.json(),
        "image": None,
        "scheduled_start_time": body["scheduled_start_time"],
        "scheduled_end_time": body.get("scheduled_end_time"),
        "status": 1,
        "entity_type": body["entity_type"],
        "entity_id": None,
        "entity_metadata": body.get("entity_metadata") or {"location": ""},
        "recurrence_rule": None,
        "privacy_level": body.get("privacy_level", 2),
        "user_count": 0,
        "guild_scheduled_event_exceptions": [],
    }
