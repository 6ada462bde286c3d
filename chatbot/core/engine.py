"""The chat engine: applies a session's conventions to each message and says what follows.

``SessionEngine.ingest(message)`` is deterministic: feeding the same messages in the same
order always gives the same outcomes, so a session's whole state can be rebuilt after a
restart by replaying its stored messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chatbot.core import conventions as conv
from chatbot.core.model import Kind, Message, SessionSpec
from chatbot.core.queue import QuestionQueue, QueueRefused


def handle_key(handle: str) -> str:
    """Handles compare without case and without the leading ``@``."""
    return handle.strip().lstrip("@").casefold()


@dataclass(frozen=True)
class Reply:
    """The bot should answer ``reply_to`` with ``text`` (a confirmation or a polite refusal)."""

    text: str
    reply_to: str


@dataclass(frozen=True)
class Control:
    """A session control a host asked for; the runner carries it out on the timeline."""

    name: str  # start pause resume next skip extend end next_question
    args: tuple[str, ...]
    by: str
    message_id: str


Action = Reply | Control


@dataclass
class Participant:
    key: str
    handle: str
    name: str
    platform: str
    role: str
    first_seen: datetime
    messages: int = 0
    reposts: int = 0
    answers: int = 0
    questions: int = 0
    opted_out: bool = False


@dataclass(frozen=True)
class Outcome:
    message: Message
    kind: Kind
    participant: str  # Participant.key
    answers: tuple[str, ...] = ()  # prompt keys this message answers
    prompt: str | None = None  # the prompt key this message posted
    question: int | None = None  # the queue number this message asked (or was merged into)
    flags: tuple[str, ...] = ()  # e.g. "early:3" (label for a prompt not yet posted), "refused"
    actions: tuple[Action, ...] = ()


@dataclass
class PromptState:
    key: str
    label: str
    text: str
    message_id: str
    posted_at: datetime
    author: str
    platform: str

    @property
    def message_uid(self) -> str:
        return f"{self.platform}:{self.message_id}"


HELP = (
    "Answer a prompt with A1:, A2: ... Ask the hosts with {tag} or /ask, upvote with /upvote N, "
    "leave the recap with /optout."
)


@dataclass
class SessionEngine:
    """The state of one session as its messages arrive."""

    spec: SessionSpec
    bot_handles: tuple[str, ...] = ()
    require_approval: bool = False
    prompts: dict[str, PromptState] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    queue: QuestionQueue = field(init=False)
    _prompt_by_message: dict[str, str] = field(default_factory=dict)
    _current_topic: str | None = None
    _hosts: set[str] = field(default_factory=set)
    _bots: set[str] = field(default_factory=set)
    _optouts: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.queue = QuestionQueue(max_open_per_participant=self.spec.max_open_questions_per_participant)
        self._hosts = {handle_key(h) for h in self.spec.hosts}
        self._bots = {handle_key(h) for h in self.bot_handles}
        self._optouts = {handle_key(h) for h in self.spec.optouts}

    # -- roles ---------------------------------------------------------------------------
    def is_host(self, message: Message) -> bool:
        return handle_key(message.author.handle) in self._hosts or self.is_bot(message)

    def is_bot(self, message: Message) -> bool:
        return handle_key(message.author.handle) in self._bots

    def _participant(self, m: Message) -> Participant:
        key = f"{m.platform}:{m.author.id}"
        p = self.participants.get(key)
        if p is None:
            role = "host" if self.is_host(m) else "participant"
            p = Participant(key, m.author.handle, m.author.name, m.platform, role, m.ts)
            self.participants[key] = p
        else:  # people rename themselves mid-chat; keep one record, show the newest name
            p.handle, p.name = m.author.handle or p.handle, m.author.name or p.name
        if handle_key(m.author.handle) in self._optouts:
            p.opted_out = True
        return p

    # -- the one entry point ---------------------------------------------------------------
    def ingest(self, m: Message) -> Outcome:
        p = self._participant(m)
        if m.is_repost:
            p.reposts += 1
            return Outcome(m, Kind.REPOST, p.key)
        p.messages += 1
        if m.author.is_bot and not self.is_bot(m):  # another bot (MeetBot, a Discord bot): never an answer
            return Outcome(m, Kind.BOT, p.key)
        if self.is_bot(m):
            return self._host_message(
                m, p, conv.parse(m.text, style=self.spec.style, bot_handles=()), bot=True
            )
        parsed = conv.parse(
            m.text, style=self.spec.style, question_tag=self.spec.question_tag, bot_handles=self.bot_handles
        )
        if parsed.is_repost:
            p.messages -= 1
            p.reposts += 1
            return Outcome(m, Kind.REPOST, p.key)
        if parsed.command is not None and parsed.command.name != "ask":
            return self._command(m, p, parsed.command)
        if self.is_host(m):
            return self._host_message(m, p, parsed, bot=False)
        return self._participant_message(m, p, parsed)

    # -- hosts -------------------------------------------------------------------------------
    def _host_message(self, m: Message, p: Participant, parsed: conv.Parsed, *, bot: bool) -> Outcome:
        kind = Kind.BOT if bot else Kind.HOST
        if self.spec.style == "meeting" and parsed.topic is not None:
            key = str(len(self.prompts) + 1)
            self._post_prompt(m, key, parsed.topic)
            self._current_topic = key
            return Outcome(m, Kind.PROMPT, p.key, prompt=key)
        if self.spec.style != "meeting" and parsed.prompt is not None:
            key, text = parsed.prompt
            if key not in self.prompts:
                self._post_prompt(m, key, text)
                return Outcome(m, Kind.PROMPT, p.key, prompt=key)
        if parsed.answers:  # a host answering a prompt counts like anyone else
            return self._answer(m, p, parsed.answers)
        if self.spec.style == "meeting" and self._current_topic and not bot:
            return self._answer(m, p, (self._current_topic,))
        return Outcome(m, kind, p.key)

    def _post_prompt(self, m: Message, key: str, text: str) -> None:
        label = conv.prompt_label(key, self.spec.style)
        self.prompts[key] = PromptState(key, label, text, m.id, m.ts, m.author.handle, m.platform)
        self._prompt_by_message[m.id] = key

    # -- participants -------------------------------------------------------------------------
    def _participant_message(self, m: Message, p: Participant, parsed: conv.Parsed) -> Outcome:
        keys = list(parsed.answers)
        if parsed.bare_label and parsed.bare_label not in keys:
            keys.append(parsed.bare_label)
        if not keys:
            for ref in (m.reply_to, m.quote_of):
                if ref and ref in self._prompt_by_message:
                    keys.append(self._prompt_by_message[ref])
                    break
        if not keys and self.spec.style == "meeting" and self._current_topic:
            keys.append(self._current_topic)
        if parsed.question is not None or (parsed.command is not None and parsed.command.name == "ask"):
            return self._ask(m, p, parsed, tuple(keys))
        if keys:
            return self._answer(m, p, tuple(keys))
        return Outcome(m, Kind.CHAT, p.key)

    def _answer(self, m: Message, p: Participant, keys: tuple[str, ...]) -> Outcome:
        flags = tuple(f"early:{k}" for k in keys if k not in self.prompts)
        p.answers += 1
        return Outcome(m, Kind.ANSWER, p.key, answers=keys, flags=flags)

    def _ask(self, m: Message, p: Participant, parsed: conv.Parsed, keys: tuple[str, ...]) -> Outcome:
        try:
            q = self.queue.ask(
                message_id=m.id, author=p.handle, text=parsed.question or "", at=m.ts, likes=m.likes
            )
        except QueueRefused as refused:
            reply = Reply(f"{m.author.handle}: {refused}", m.id)
            if keys:
                out = self._answer(m, p, keys)
                return Outcome(
                    m, out.kind, p.key, out.answers, flags=(*out.flags, "refused"), actions=(reply,)
                )
            return Outcome(m, Kind.CHAT, p.key, flags=("refused",), actions=(reply,))
        p.questions += 1
        position = self.queue.position(q.number)
        confirm = Reply(
            f"{m.author.handle}: thanks, your question is #{q.number} (place {position} in the queue)", m.id
        )
        if keys:
            p.answers += 1
            flags = tuple(f"early:{k}" for k in keys if k not in self.prompts)
            return Outcome(
                m, Kind.ANSWER, p.key, answers=keys, question=q.number, flags=flags, actions=(confirm,)
            )
        return Outcome(m, Kind.QUESTION, p.key, question=q.number, actions=(confirm,))

    # -- commands -------------------------------------------------------------------------------
    def _command(self, m: Message, p: Participant, cmd: conv.Command) -> Outcome:
        who = m.author.handle

        def done(text: str, *actions: Action, flags: tuple[str, ...] = ()) -> Outcome:
            return Outcome(
                m, Kind.COMMAND, p.key, flags=flags, actions=(Reply(f"{who}: {text}", m.id), *actions)
            )

        if cmd.name == "help":
            return done(HELP.format(tag=self.spec.question_tag))
        if cmd.name == "optout":
            p.opted_out = True
            return done("done: your messages will be left out of the recap.", flags=("optout",))
        if cmd.name == "upvote":
            try:
                q = self.queue.upvote(_number(cmd.args, 0), voter=p.handle)
            except QueueRefused as refused:
                return done(str(refused), flags=("refused",))
            return done(f"upvoted question #{q.number} ({q.upvotes} votes).")
        if cmd.name == "unknown":
            name = cmd.args[0] if cmd.args else ""
            return done(f"unknown command /{name}; try /help.", flags=("refused",))
        if cmd.name not in conv.HOST_COMMANDS:
            return done(f"unknown command /{cmd.name}; try /help.", flags=("refused",))
        if not self.is_host(m):
            return done(f"sorry, only the hosts can use /{cmd.name}.", flags=("refused",))
        try:
            return self._host_command(m, cmd, done)
        except QueueRefused as refused:
            return done(str(refused), flags=("refused",))

    def _host_command(self, m: Message, cmd: conv.Command, done: Callable[..., Outcome]) -> Outcome:
        who, at, q = m.author.handle, m.ts, self.queue
        if cmd.name == "approve":
            n = q.approve(_number(cmd.args, 0), by=who, at=at).number
            return done(f"question #{n} approved (place {q.position(n)}).")
        if cmd.name == "reject":
            return done(f"question #{q.reject(_number(cmd.args, 0), by=who, at=at).number} rejected.")
        if cmd.name == "answered":
            return done(
                f"question #{q.answered(_number(cmd.args, 0), by=who, at=at).number} marked answered."
            )
        if cmd.name == "route":
            team = " ".join(cmd.args[1:])
            n = q.route(_number(cmd.args, 0), team, by=who, at=at).number
            return done(f"question #{n} routed to {team}.")
        if cmd.name == "merge":
            dup, into = _number(cmd.args, 0), _number(cmd.args, 1)
            keep = q.merge(dup, into, by=who, at=at)
            return done(f"question #{dup} merged into #{keep.number} ({len(keep.askers)} askers).")
        if cmd.name == "extend":
            minutes = _number(cmd.args, 0, what="minutes")
            if not 0 < minutes <= 240:
                raise QueueRefused("extend takes a number of minutes from 1 to 240")
            return done(
                f"extending the chat by {minutes} minutes.", Control(cmd.name, (str(minutes),), who, m.id)
            )
        confirmations = {
            "start": "starting the chat.",
            "pause": "paused.",
            "resume": "resumed.",
            "next": "posting the next prompt now.",
            "skip": "skipping the next prompt.",
            "end": "ending the chat.",
            "next_question": "posting the next question.",
        }
        return done(confirmations[cmd.name], Control(cmd.name, cmd.args, who, m.id))


def _number(args: tuple[str, ...], i: int, *, what: str = "question number") -> int:
    try:
        return int(args[i].lstrip("#"))
    except (IndexError, ValueError):
        raise QueueRefused(f"that command needs a {what}") from None
