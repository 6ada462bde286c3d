"""The chat engine: applies a session's conventions to each message and says what follows.

``SessionEngine.ingest(message)`` is deterministic: feeding the same messages in the same
order always gives the same outcomes, so a session's whole state can be rebuilt after a
restart by replaying its stored messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatbot.core import commands, meeting
from chatbot.core import conventions as conv
from chatbot.core.commands import Args, CommandRefused, CommandSpec
from chatbot.core.model import Author, Kind, Message, SessionSpec
from chatbot.core.queue import QuestionQueue, QueueRefused

#: The flag of the bot's message that answered one person in public (a confirmation, a refusal):
#: it stays in the record, but transcripts, recaps and counts leave it out with the commands.
ACK = "ack"


#: How long after a host's plain question a reply mentioning a host still answers it.
INFERRED_WINDOW = timedelta(minutes=20)


def _plain_question(m: Message) -> bool:
    """A post of its own (no reply, not addressed to someone) that asks something."""
    text = m.text.strip()
    return not m.reply_to and not text.startswith(("@", "RT @")) and "?" in text


def handle_key(handle: str) -> str:
    """Handles compare without case and without the leading ``@``."""
    return handle.strip().lstrip("@").casefold()


@dataclass(frozen=True)
class Reply:
    """The bot should answer ``reply_to`` with ``text`` (a confirmation or a polite refusal).
    ``to`` is the person answered and ``alone`` the text as they alone see it (no name in front):
    where the platform can show a message to one person only, the answer goes to them alone."""

    text: str
    reply_to: str
    to: Author | None = field(default=None, compare=False)
    alone: str = field(default="", compare=False)


def _reply(m: Message, text: str) -> Reply:
    """The answer to ``m``'s author: in public with their name in front, or to them alone."""
    return Reply(f"{m.author.handle}: {text}", m.id, m.author, text)


@dataclass(frozen=True)
class Control:
    """A session control a host asked for; the runner carries it out on the timeline (or, for
    ``next_question``, posts from the queue). ``message_id`` is the message the command came in,
    or the command's own reference when it came another way (the dashboard)."""

    name: str  # a timeline or post command of chatbot.core.commands
    args: tuple[str, ...]
    by: str
    message_id: str


@dataclass(frozen=True)
class CommandOutcome:
    """What a command did: ``text`` is its confirmation, or the reason it changed nothing
    (then ``ok`` is False and ``flags`` has ``refused``); ``controls`` are for the runner."""

    name: str  # the table's name ("" for a command the table does not know)
    ok: bool
    text: str
    flags: tuple[str, ...] = ()
    controls: tuple[Control, ...] = ()
    question: int | None = None  # the question it asked


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


@dataclass(frozen=True)
class _Call:
    """One command being carried out by the engine."""

    args: Args
    actor: Author
    at: datetime
    platform: str
    ref: str


@dataclass(frozen=True)
class _Done:
    values: Mapping[str, object]  # fill the table's confirmation
    question: int | None = None


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
    _vouched: set[str] = field(default_factory=set)  # participant keys a platform vouched for as hosts
    _bots: set[str] = field(default_factory=set)
    _optouts: set[str] = field(default_factory=set)
    _chairs: set[str] | None = None  # a meeting's chairs since its #startmeeting (None: not seen)
    _asked: str | None = None  # the latest inferred prompt (a host's plain question)

    def __post_init__(self) -> None:
        self.queue = QuestionQueue(max_open_per_participant=self.spec.max_open_questions_per_participant)
        self._hosts = {handle_key(h) for h in self.spec.hosts}
        self._bots = {handle_key(h) for h in self.bot_handles}
        self._optouts = {handle_key(h) for h in self.spec.optouts}

    # -- roles ---------------------------------------------------------------------------
    def may_host(self, actor: Author, platform: str = "") -> bool:
        """Whether ``actor`` may use host commands: a host of the session (by handle), the bot, or
        someone the platform vouches for (``Author.is_host``: a Discord role; remembered by
        participant key, ``platform:id``, so their replayed messages count as a host's too)."""
        key = handle_key(actor.handle)
        return (
            actor.is_host
            or key in self._hosts
            or key in self._bots
            or f"{platform}:{actor.id}" in self._vouched
        )

    def vouch(self, keys: Iterable[str]) -> None:
        """Participant keys (``platform:id``) of people a platform vouched for as hosts before, as the
        store keeps them (participants with the role host): a restarted runner gives them before
        replaying the messages, which no longer carry the platform's word."""
        self._vouched.update(keys)

    def is_host(self, message: Message) -> bool:
        return self.may_host(message.author, message.platform)

    def people(self) -> list[Participant]:
        """Who took part, as every page counts them: people who said something (hosts too), not
        the bot, and not who only gave commands."""
        return [
            p for p in self.participants.values() if p.messages > 0 and handle_key(p.handle) not in self._bots
        ]

    def is_bot(self, message: Message) -> bool:
        return handle_key(message.author.handle) in self._bots

    def _participant(self, m: Message) -> Participant:
        return self._person(m.author, m.platform, m.ts)

    def _person(self, author: Author, platform: str, at: datetime) -> Participant:
        key = f"{platform}:{author.id}"
        if author.is_host:
            self._vouched.add(key)
        p = self.participants.get(key)
        if p is None:
            role = "host" if self.may_host(author, platform) else "participant"
            p = Participant(key, author.handle, author.name, platform, role, at)
            self.participants[key] = p
        else:  # people rename themselves mid-chat; keep one record, show the newest name
            p.handle, p.name = author.handle or p.handle, author.name or p.name
            if author.is_host:  # given the hosts' role since
                p.role = "host"
        if handle_key(author.handle) in self._optouts:
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
        if self.spec.style == "meeting" and (said := meeting.read(m.text)) is not None:
            return self._meeting_command(m, p, said)
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
        inferred = not bot and parsed.prompt is None and self._infers_prompts()
        if inferred and m.ts >= self.spec.start and _plain_question(m):
            key = str(len(self.prompts) + 1)
            self._post_prompt(m, key, m.text.strip())
            self._asked = key
            return Outcome(m, Kind.PROMPT, p.key, prompt=key, flags=("inferred",))
        if self.spec.style == "meeting" and self._current_topic and not bot:
            return self._answer(m, p, (self._current_topic,))
        return Outcome(m, kind, p.key)

    # -- prompts without numbers (a host's plain questions) ------------------------------------
    def _infers_prompts(self) -> bool:
        """A chat whose hosts ask in plain posts (``extra["prompts"] = "inferred"``, set where
        the record shows no numbered prompt): their questions during the chat are its prompts."""
        return self.spec.extra.get("prompts") == "inferred"

    def _answers_asked(self, m: Message) -> bool:
        """A reply to the latest inferred prompt by mention of a host, soon after it was asked
        (a reply by id is found like any other)."""
        asked = self.prompts[self._asked] if self._asked else None
        if asked is None or not timedelta(0) <= m.ts - asked.posted_at <= INFERRED_WINDOW:
            return False
        named = {handle_key(h) for h in m.mentions} | {
            handle_key(w) for w in m.text.split() if w.startswith("@")
        }
        return bool(named & self._hosts)

    # -- meetings (MeetBot) -------------------------------------------------------------------
    def is_chair(self, m: Message) -> bool:
        """A meeting's chair: who started it and whom a chair named since (the hosts, in a log
        that does not hold its #startmeeting)."""
        if self._chairs is None:
            return self.is_host(m)
        return handle_key(m.author.handle) in self._chairs

    def _meeting_command(self, m: Message, p: Participant, said: meeting.Said) -> Outcome:
        """A MeetBot command: chairs' commands change the meeting, items are kept (flagged
        ``item:<kind>``, under the topic they fall in); a command is never an answer."""
        chair = self.is_chair(m)
        plain = Kind.HOST if self.is_host(m) else Kind.CHAT
        topic = (self._current_topic,) if self._current_topic else ()
        if said.chair_only and not chair:  # MeetBot ignores it: an ordinary line
            ordinary = topic and (said.item or said.verb == "topic")
            return self._answer(m, p, topic) if ordinary else Outcome(m, plain, p.key)
        if said.verb == "startmeeting" and self._chairs is None:
            self._chairs = {handle_key(m.author.handle)}
            p.role = "host"
        elif said.verb in ("chair", "unchair"):
            named = {handle_key(n) for n in meeting.names(said.text)}
            chairs = self._chairs if self._chairs is not None else set(self._hosts)
            self._chairs = chairs | named if said.verb == "chair" else chairs - named
            for other in self.participants.values():
                if said.verb == "chair" and handle_key(other.handle) in named:
                    other.role = "host"
        elif said.verb == "topic" and said.text:
            key = str(len(self.prompts) + 1)
            self._post_prompt(m, key, said.text)
            self._current_topic = key
            return Outcome(m, Kind.PROMPT, p.key, prompt=key)
        elif said.verb == "undo":
            return Outcome(m, plain, p.key, flags=("item:undo",))
        elif said.item is not None:
            flags = (f"item:{said.item}",)
            if topic:
                p.answers += 1
                return Outcome(m, Kind.ANSWER, p.key, answers=topic, flags=flags)
            return Outcome(m, plain, p.key, flags=flags)
        return Outcome(m, plain, p.key)

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
        if not keys and self._asked is not None and self._answers_asked(m):
            keys.append(self._asked)
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
            reply = _reply(m, str(refused))
            if keys:
                out = self._answer(m, p, keys)
                return Outcome(
                    m, out.kind, p.key, out.answers, flags=(*out.flags, "refused"), actions=(reply,)
                )
            return Outcome(m, Kind.CHAT, p.key, flags=("refused",), actions=(reply,))
        p.questions += 1
        thanks = _ASK.confirm.format(n=q.number, place=self.queue.position(q.number))
        confirm = _reply(m, thanks)
        if keys:
            p.answers += 1
            flags = tuple(f"early:{k}" for k in keys if k not in self.prompts)
            return Outcome(
                m, Kind.ANSWER, p.key, answers=keys, question=q.number, flags=flags, actions=(confirm,)
            )
        return Outcome(m, Kind.QUESTION, p.key, question=q.number, actions=(confirm,))

    # -- commands ---------------------------------------------------------------------------------
    def command(
        self,
        name: str,
        args: Sequence[str],
        actor: Author,
        at: datetime,
        platform: str,
        *,
        ref: str = "",
        replayed: bool = False,
    ) -> CommandOutcome:
        """Carry out a command of the table (``chatbot.core.commands``) for ``actor``, however it
        was given: the queue and participant ones here, the timeline ones as ``controls`` for the
        runner. Host commands need a host (``may_host``); a refusal changes nothing. ``ref``
        names where the command came from (its message id, or the command log's ref);
        ``replayed``: a command the log shows was given and applied (its actor was a host then)."""
        spec = commands.find(name)
        if spec is None:
            return _refused("", f"unknown command /{name.lstrip('/')[:40]}; try /help.")
        if spec.host_only and not replayed and not self.may_host(actor, platform):
            return _refused(spec.name, f"sorry, only the hosts can use /{spec.name}.")
        try:
            parsed = commands.parse_args(spec, args)
            if spec.effect in commands.ENGINE_EFFECTS:
                done = _HANDLERS[spec.name](self, _Call(parsed, actor, at, platform, ref))
                controls: tuple[Control, ...] = ()
            else:
                done = _Done({})
                controls = (Control(spec.name, parsed.as_strings(), actor.handle, ref),)
        except (CommandRefused, QueueRefused) as refused:
            return _refused(spec.name, str(refused))
        text = spec.confirm.format(**{**parsed.as_dict(), **done.values})
        return CommandOutcome(spec.name, True, text, spec.flags, controls, done.question)

    def _command(self, m: Message, p: Participant, cmd: conv.Command) -> Outcome:
        """A command typed as chat text: the table's outcome, answered in reply to the message."""
        name, args = cmd.name, cmd.args
        if name == "unknown":
            name, args = (args[0], args[1:]) if args else ("", ())
        out = self.command(name, args, m.author, m.ts, m.platform, ref=m.id)
        p.messages -= 1  # a command is not something its author said: it counts for nobody
        reply = _reply(m, out.text)
        return Outcome(m, Kind.COMMAND, p.key, flags=out.flags, actions=(reply, *out.controls))

    def _do_ask(self, c: _Call) -> _Done:
        p = self._person(c.actor, c.platform, c.at)
        q = self.queue.ask(message_id=c.ref, author=c.actor.handle, text=c.args.text("question"), at=c.at)
        p.questions += 1
        return _Done({"n": q.number, "place": self.queue.position(q.number)}, question=q.number)

    def _do_upvote(self, c: _Call) -> _Done:
        q = self.queue.upvote(c.args.number("n"), voter=c.actor.handle)
        return _Done({"votes": q.upvotes})

    def _do_unvote(self, c: _Call) -> _Done:
        q = self.queue.unvote(c.args.number("n"), voter=c.actor.handle)
        return _Done({"votes": q.upvotes})

    def _do_optout(self, c: _Call) -> _Done:
        self._person(c.actor, c.platform, c.at).opted_out = True
        return _Done({})

    def _do_help(self, c: _Call) -> _Done:
        tag, topic = self.spec.question_tag, c.args.text("command")
        host = self.may_host(c.actor, c.platform)
        return _Done({"text": commands.help_text(host=host, tag=tag, topic=topic)})

    def _do_queue(self, c: _Call) -> _Done:
        waiting = self.queue.pending()
        if not waiting:
            return _Done({"text": "no questions are waiting."})
        lines = [f"{len(waiting)} waiting:"]
        for place, q in enumerate(waiting[:QUEUE_SHOWN], 1):
            text = q.text if len(q.text) <= 120 else q.text[:119] + "\u2026"
            votes = f", {q.upvotes} votes" if q.upvotes else ""
            lines.append(f"{place}. #{q.number} ({q.status.value}{votes}) {q.author}: {text}")
        if len(waiting) > QUEUE_SHOWN:
            lines.append(f"... and {len(waiting) - QUEUE_SHOWN} more")
        return _Done({"text": "\n".join(lines)})

    def _do_approve(self, c: _Call) -> _Done:
        n = self.queue.approve(c.args.number("n"), by=c.actor.handle, at=c.at).number
        return _Done({"place": self.queue.position(n)})

    def _do_reject(self, c: _Call) -> _Done:
        self.queue.reject(c.args.number("n"), by=c.actor.handle, at=c.at)
        return _Done({})

    def _do_answered(self, c: _Call) -> _Done:
        self.queue.answered(c.args.number("n"), by=c.actor.handle, at=c.at)
        return _Done({})

    def _do_route(self, c: _Call) -> _Done:
        self.queue.route(c.args.number("n"), c.args.text("team"), by=c.actor.handle, at=c.at)
        return _Done({})

    def _do_merge(self, c: _Call) -> _Done:
        keep = self.queue.merge(c.args.number("n"), c.args.number("into"), by=c.actor.handle, at=c.at)
        return _Done({"into": keep.number, "askers": len(keep.askers)})


QUEUE_SHOWN = 10  # questions /queue lists


def _refused(name: str, text: str) -> CommandOutcome:
    return CommandOutcome(name, False, text, ("refused",))


_ASK: CommandSpec = commands.get("ask")

#: The engine's half of the command table: every queue, participant and info command.
_HANDLERS: dict[str, Callable[[SessionEngine, _Call], _Done]] = {
    "ask": SessionEngine._do_ask,
    "upvote": SessionEngine._do_upvote,
    "unvote": SessionEngine._do_unvote,
    "optout": SessionEngine._do_optout,
    "help": SessionEngine._do_help,
    "queue": SessionEngine._do_queue,
    "approve": SessionEngine._do_approve,
    "reject": SessionEngine._do_reject,
    "answered": SessionEngine._do_answered,
    "route": SessionEngine._do_route,
    "merge": SessionEngine._do_merge,
}
commands.check_handlers(_HANDLERS, commands.ENGINE_EFFECTS, "chatbot.core.engine")
