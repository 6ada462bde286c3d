"""The one table of chat commands: what each is called, takes, who may use it, what it does.

Every surface gives commands through this table with the actor: chat text (``/approve 3``),
the host dashboard and platform interfaces such as Discord slash commands. The parser's names
and aliases (``chatbot.core.conventions``), the ``/help`` text and the dashboard's "are you
sure?" step are all read from it, and the engine and the live runner check at import that they
carry out exactly the commands the table lists, so no command can be parsed but undocumented,
or documented but not carried out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "COMMANDS",
    "ENGINE_EFFECTS",
    "MAX_MINUTES",
    "Arg",
    "ArgKind",
    "Args",
    "CommandRefused",
    "CommandSpec",
    "Effect",
    "aliases",
    "check_handlers",
    "find",
    "get",
    "help_line",
    "help_text",
    "names",
    "parse_args",
]

MAX_MINUTES = 240  # the most one /extend may add
MAX_QUESTION = 999_999_999
MAX_TEAM = 100


class CommandRefused(Exception):
    """A command that cannot apply; ``str()`` is the reason, written for the actor."""


class ArgKind(StrEnum):
    """What an argument is; the value is how a refusal names it (``needs a question number``)."""

    QUESTION = "question number"
    MINUTES = "number of minutes"
    TEAM = "team"
    TEXT = "question"
    COMMAND = "command name"


class Effect(StrEnum):
    """What a command changes, and so who carries it out."""

    QUEUE = "queue"  # the question queue (the engine)
    PARTICIPANT = "participant"  # the actor's own record (the engine)
    INFO = "info"  # nothing: an answer only (the engine)
    TIMELINE = "timeline"  # the session's timeline (the live runner)
    POST = "post"  # a post from the queue now (the live runner)


ENGINE_EFFECTS = frozenset({Effect.QUEUE, Effect.PARTICIPANT, Effect.INFO})


@dataclass(frozen=True)
class Arg:
    """One argument: its name (the dashboard's form field too), its kind, whether it may be left out."""

    name: str
    kind: ArgKind
    optional: bool = False

    @property
    def usage(self) -> str:
        word = "N" if self.name == "n" else self.name.upper()
        return f"[{word}]" if self.optional else word


@dataclass(frozen=True)
class CommandSpec:
    """One command. ``confirm`` is formatted with the values its handler returns (and its args);
    ``caution``, when set, is the question a surface that can ask "are you sure?" asks first."""

    name: str
    help: str
    effect: Effect
    host_only: bool
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()
    confirm: str = "done."
    caution: str = ""
    flags: tuple[str, ...] = ()  # added to the outcome when it applies

    @property
    def destructive(self) -> bool:
        return bool(self.caution)

    @property
    def usage(self) -> str:
        return " ".join(("/" + self.name, *(a.usage for a in self.args)))


N = Arg("n", ArgKind.QUESTION)

COMMANDS: tuple[CommandSpec, ...] = (
    # -- anyone ------------------------------------------------------------------------------
    CommandSpec(
        "ask",
        "ask the hosts a question (or put {tag} in a message)",
        Effect.QUEUE,
        False,
        (Arg("question", ArgKind.TEXT),),
        confirm="thanks, your question is #{n} (place {place} in the queue)",
    ),
    CommandSpec(
        "upvote",
        "vote for question N",
        Effect.QUEUE,
        False,
        (N,),
        aliases=("up", "+1"),
        confirm="upvoted question #{n} ({votes} votes).",
    ),
    CommandSpec(
        "unvote",
        "take back your vote for question N",
        Effect.QUEUE,
        False,
        (N,),
        aliases=("unupvote",),
        confirm="took back your vote for question #{n} ({votes} votes).",
    ),
    CommandSpec(
        "optout",
        "leave your messages out of the recap",
        Effect.PARTICIPANT,
        False,
        aliases=("opt-out", "opt_out"),
        confirm="done: your messages will be left out of the recap.",
        flags=("optout",),
    ),
    CommandSpec(
        "queue",
        "see the questions waiting for an answer",
        Effect.INFO,
        False,
        confirm="{text}",
    ),
    CommandSpec(
        "help",
        "see this help, or one command's",
        Effect.INFO,
        False,
        (Arg("command", ArgKind.COMMAND, optional=True),),
        confirm="{text}",
    ),
    # -- hosts: the timeline ---------------------------------------------------------------------
    CommandSpec(
        "start", "start the chat now, or resume it", Effect.TIMELINE, True, confirm="starting the chat."
    ),
    CommandSpec("pause", "hold the timeline until /resume", Effect.TIMELINE, True, confirm="paused."),
    CommandSpec("resume", "go on after /pause", Effect.TIMELINE, True, confirm="resumed."),
    CommandSpec(
        "next", "post the next prompt now", Effect.TIMELINE, True, confirm="posting the next prompt now."
    ),
    CommandSpec("skip", "drop the next prompt", Effect.TIMELINE, True, confirm="skipping the next prompt."),
    CommandSpec(
        "extend",
        f"make the chat longer by 1 to {MAX_MINUTES} minutes",
        Effect.TIMELINE,
        True,
        (Arg("minutes", ArgKind.MINUTES),),
        confirm="extending the chat by {minutes} minutes.",
    ),
    CommandSpec(
        "end",
        "end the chat now: the closing goes out at once",
        Effect.TIMELINE,
        True,
        aliases=("stop",),
        confirm="ending the chat.",
        caution="End the chat now? The closing message goes out at once.",
    ),
    # -- hosts: the question queue ------------------------------------------------------------------
    CommandSpec(
        "approve",
        "approve question N",
        Effect.QUEUE,
        True,
        (N,),
        confirm="question #{n} approved (place {place}).",
    ),
    CommandSpec(
        "reject",
        "reject question N",
        Effect.QUEUE,
        True,
        (N,),
        confirm="question #{n} rejected.",
        caution="Reject question #{n}? It leaves the queue for good.",
    ),
    CommandSpec(
        "merge",
        "fold duplicate question N into question INTO",
        Effect.QUEUE,
        True,
        (N, Arg("into", ArgKind.QUESTION)),
        confirm="question #{n} merged into #{into} ({askers} askers).",
    ),
    CommandSpec(
        "answered",
        "mark question N answered",
        Effect.QUEUE,
        True,
        (N,),
        aliases=("answer",),
        confirm="question #{n} marked answered.",
    ),
    CommandSpec(
        "route",
        "hand question N to a team",
        Effect.QUEUE,
        True,
        (N, Arg("team", ArgKind.TEAM)),
        confirm="question #{n} routed to {team}.",
    ),
    CommandSpec(
        "next_question",
        "post the next approved question now",
        Effect.POST,
        True,
        aliases=("nextq", "next-question", "nextquestion"),
        confirm="posting the next question.",
    ),
)

_BY_NAME: Mapping[str, CommandSpec] = {c.name: c for c in COMMANDS}
_BY_ALIAS: Mapping[str, CommandSpec] = {a: c for c in COMMANDS for a in (c.name, *c.aliases)}


def find(name: str) -> CommandSpec | None:
    """The command a name or alias stands for (any case, an optional leading ``/``)."""
    return _BY_ALIAS.get(name.strip().lstrip("/").casefold())


def get(name: str) -> CommandSpec:
    """The command named ``name`` (a name, not an alias); KeyError for a name not in the table."""
    return _BY_NAME[name]


def names(*, host_only: bool | None = None, effects: Iterable[Effect] | None = None) -> frozenset[str]:
    """Command names, optionally only the hosts' (or only anyone's) and only with these effects."""
    wanted = set(effects) if effects is not None else set(Effect)
    return frozenset(
        c.name for c in COMMANDS if c.effect in wanted and (host_only is None or c.host_only == host_only)
    )


def aliases() -> dict[str, str]:
    """Every accepted word, lower case, to its command's name (names map to themselves)."""
    return {alias: c.name for alias, c in _BY_ALIAS.items()}


def check_handlers(handled: Iterable[str], effects: Iterable[Effect], where: str) -> None:
    """Raise at import when ``where`` carries out other commands than the table's with ``effects``."""
    have, want = set(handled), names(effects=effects)
    if have != want:
        raise RuntimeError(
            f"{where}: handlers {sorted(have - want)} are not in the command table, "
            f"and table commands {sorted(want - have)} have no handler"
        )


# -- arguments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Args:
    """A command's arguments, typed: question numbers and minutes as ints, text as text."""

    values: tuple[tuple[str, int | str], ...] = ()

    def number(self, name: str) -> int:
        value = dict(self.values)[name]
        assert isinstance(value, int)
        return value

    def text(self, name: str) -> str:
        value = dict(self.values).get(name, "")
        return str(value)

    def as_strings(self) -> tuple[str, ...]:
        """The arguments as a command line has them (what the log and ``Control.args`` keep)."""
        return tuple(str(v) for _, v in self.values)

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.values)


def _whole(raw: str, lo: int, hi: int) -> int | None:
    text = raw.strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    n = int(text)
    return n if lo <= n <= hi else None


def _needs(spec: CommandSpec, arg: Arg) -> str:
    if arg.kind is ArgKind.MINUTES:
        return f"/{spec.name} needs a {arg.kind} from 1 to {MAX_MINUTES}"
    return f"/{spec.name} needs a {arg.kind}: {spec.usage}"


def parse_args(spec: CommandSpec, raw: Sequence[str]) -> Args:
    """Typed arguments from their text; CommandRefused naming what is missing or wrong.
    A trailing text argument takes the rest of the words; extra numbers are ignored."""
    values: list[tuple[str, int | str]] = []
    words = [w for w in raw if w.strip()]
    for i, arg in enumerate(spec.args):
        last = i == len(spec.args) - 1
        if i >= len(words):
            if arg.optional:
                break
            raise CommandRefused(_needs(spec, arg))
        word = words[i]
        if arg.kind is ArgKind.QUESTION:
            n = _whole(word, 1, MAX_QUESTION)
            if n is None:
                raise CommandRefused(f"/{spec.name} needs a {arg.kind}, not {word[:20]!r}: {spec.usage}")
            values.append((arg.name, n))
        elif arg.kind is ArgKind.MINUTES:
            n = _whole(word, 1, MAX_MINUTES)
            if n is None:
                raise CommandRefused(_needs(spec, arg))
            values.append((arg.name, n))
        else:
            text = " ".join(" ".join(words[i:] if last else [word]).split())
            if arg.kind is ArgKind.TEAM and len(text) > MAX_TEAM:
                raise CommandRefused(f"the team name is too long ({MAX_TEAM} characters at most)")
            values.append((arg.name, text))
    return Args(tuple(values))


# -- help --------------------------------------------------------------------------------------


def help_line(spec: CommandSpec, *, tag: str = "#ask") -> str:
    """``/extend MINUTES: make the chat longer by 1 to 240 minutes (hosts only)``."""
    notes = ["hosts only"] if spec.host_only else []
    if spec.aliases:
        notes.append("also /" + ", /".join(spec.aliases))
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{spec.usage}: {spec.help.format(tag=tag)}{extra}"


def help_text(*, host: bool, tag: str = "#ask", topic: str = "") -> str:
    """What ``/help`` answers: how to take part and the participants' commands; hosts also get
    their commands' names. ``/help NAME`` answers with that command's help line."""
    if topic:
        spec = find(topic)
        return help_line(spec, tag=tag) if spec else f"there is no command /{topic.lstrip('/')}; try /help."
    mine = "; ".join(f"{c.usage} to {c.help.format(tag=tag)}" for c in COMMANDS if not c.host_only)
    text = f"Answer a prompt with A1:, A2: ... Use {mine}."
    if host:
        text += (
            " Hosts: " + " ".join("/" + c.name for c in COMMANDS if c.host_only) + " (/help NAME for one)."
        )
    return text
