"""Every platform the bot knows, found by name: the one place that lists them.

Two kinds of entries: *adapters* (a platform the bot can host on: description, settings,
factory; declared by the adapter's own module) and *descriptions* only (a platform whose chats
can be imported and recapped but not yet hosted: a title and post limits). Everything else asks
the registry: the config (which names a session may use, each adapter's ``[platforms.<name>]``
settings), the host (``make`` a session's adapters), the ledger (limits come with each adapter),
the recaps (``titles``). Adding Bluesky later: one module declaring ``ADAPTER`` and one line in
``ADAPTERS`` below. A registry never changes: ``with_adapter`` returns a new one (tests register
their own adapters that way, and hand the registry to ``load_config``).

The config loader and the recaps import this module, so an adapter module imports its SDK
(tweepy, discord.py) where it connects, not at the top: reading an archive loads no SDK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from chatbot.core.textfit import Limits, utf8_length
from chatbot.platforms import discord_, web, x
from chatbot.platforms.base import Adapter, Description, Platform, PlatformError
from chatbot.platforms.settings import Section

if TYPE_CHECKING:
    from chatbot.clock import Clock
    from chatbot.config import Config, SessionConfig


class UnknownPlatform(PlatformError):
    """A name no platform has."""


class PlatformUnavailable(PlatformError):
    """A platform known to the archive that this version cannot host on yet."""


class Registry:
    """Platforms by name, in the order given: adapters first, then description-only entries."""

    def __init__(
        self, adapters: Iterable[Adapter[Any]] = (), descriptions: Iterable[Description] = ()
    ) -> None:
        self._adapters: dict[str, Adapter[Any]] = {}
        self._descriptions: dict[str, Description] = {}
        for a in adapters:
            if a.name in self._adapters:
                raise ValueError(f"two adapters named {a.name!r}")
            self._adapters[a.name] = a
            self._descriptions[a.name] = a.description
        for d in descriptions:
            if d.name not in self._descriptions:  # an adapter's own description wins
                self._descriptions[d.name] = d

    def with_adapter(self, adapter: Adapter[Any]) -> Registry:
        """This registry plus ``adapter`` (replacing a description-only entry of its name)."""
        if adapter.name in self._adapters:
            raise ValueError(f"an adapter named {adapter.name!r} is registered already")
        return Registry([*self._adapters.values(), adapter], self._descriptions.values())

    # -- reading --------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Every platform known, hosted or only archived."""
        return tuple(self._descriptions)

    @property
    def hostable(self) -> tuple[str, ...]:
        """The platforms the bot can host on."""
        return tuple(self._adapters)

    def __contains__(self, name: object) -> bool:
        return name in self._descriptions

    def describe(self, name: str) -> Description:
        try:
            return self._descriptions[name]
        except KeyError:
            raise UnknownPlatform(f"unknown platform {name!r} (known: {', '.join(self.names)})") from None

    def titles(self) -> dict[str, str]:
        """Platform name -> the title readers see (``{"x": "X", "web": "the web room", ...}``)."""
        return {name: d.title for name, d in self._descriptions.items()}

    def adapter(self, name: str) -> Adapter[Any]:
        """The adapter for ``name``: UnknownPlatform, or PlatformUnavailable when only described."""
        self.describe(name)
        if name not in self._adapters:
            hostable = ", ".join(f'"{n}"' for n in self.hostable)
            raise PlatformUnavailable(
                f"platform {name!r} is not yet available in this version (use platforms = [{hostable}])"
            )
        return self._adapters[name]

    # -- settings and adapters -------------------------------------------------------------------
    def settings(
        self, name: str, table: Mapping[str, Any], env: Mapping[str, str], *, where: str = ""
    ) -> Any:
        """``name``'s settings from its config table (SettingsError names the key)."""
        a = self.adapter(name)
        return a.load(Section(where or f"platforms.{name}", table, a.keys), env)

    def make(
        self, name: str, config: Config, session: SessionConfig, *, clock: Clock | None = None
    ) -> Platform:
        """A new adapter for one session on platform ``name``, with the config's settings for it
        (the defaults when the config has none)."""
        a = self.adapter(name)
        settings = config.platform_settings.get(name)
        if settings is None:
            settings = self.settings(name, {}, {})
        return a.make(settings, config, session, clock=clock)


ADAPTERS: tuple[Adapter[Any], ...] = (web.ADAPTER, x.ADAPTER, discord_.ADAPTER)
"""The platforms the bot hosts on; a new adapter module adds its ``ADAPTER`` here."""

DESCRIPTIONS = (Description("irc", "IRC", Limits(400, utf8_length)),)
"""Platforms only imported and recapped (an adapter of the same name replaces its entry)."""

REGISTRY = Registry(ADAPTERS, DESCRIPTIONS)
"""The registry the program uses."""

PLATFORMS = REGISTRY.names
"""Every platform name known (what ``chatbot.core.model.PLATFORMS`` used to list by hand)."""
