"""The command table: the parser, the help and the engine all follow it; permission and argument
refusals say why and change nothing."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatbot.core import commands, conventions
from chatbot.core.commands import COMMANDS, CommandSpec, Effect
from chatbot.core.engine import Control, SessionEngine
from chatbot.core.model import Author, Message, SessionSpec

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
HOST = Author("1", "@localgovchat", "LocalGov Chat")
ANN = Author("2", "@ann", "Ann")
BOB = Author("3", "@bob", "Bob")
CAROL = Author("4", "@carol", "Carol")
BOT = Author("9", "@chatbot", "the bot", is_bot=True)

#: One working example per command, given by ``BOB`` or the host on a queue of four questions.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "ask": ("What about trolls?",),
    "upvote": ("1",),
    "unvote": ("1",),
    "optout": (),
    "help": (),
    "queue": (),
    "start": (),
    "pause": (),
    "resume": (),
    "next": (),
    "skip": (),
    "extend": ("10",),
    "end": (),
    "approve": ("1",),
    "reject": ("2",),
    "merge": ("4", "3"),
    "answered": ("1",),
    "route": ("3", "Public", "Works"),
    "next_question": (),
}


def engine() -> SessionEngine:
    spec = SessionSpec("s", "#localgovchat", "t", T0, "America/New_York", hosts=("@LocalGovChat",))
    e = SessionEngine(spec, bot_handles=("@chatbot",))
    for i, (who, text) in enumerate(((ANN, "one?"), (CAROL, "two?"), (ANN, "three?"), (CAROL, "four?")), 1):
        e.ingest(Message(f"m{i}", "x", T0 + timedelta(minutes=i), who, f"{text} #ask"))
    return e


def run(e: SessionEngine, name: str, args: tuple[str, ...], actor: Author = HOST) -> Any:
    return e.command(name, args, actor, T0 + timedelta(minutes=30), "web", ref="cmd:1")


def snapshot(e: SessionEngine) -> Any:
    return copy.deepcopy((list(e.queue), e.participants))


def test_every_command_has_an_example_and_the_examples_name_only_table_commands() -> None:
    assert set(EXAMPLES) == {c.name for c in COMMANDS}


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda c: c.name)
def test_every_command_is_parsed_and_in_the_help(spec: CommandSpec) -> None:
    for word in (spec.name, *spec.aliases):
        text = " ".join(("/" + word, *EXAMPLES[spec.name]))
        parsed = conventions.parse(text)
        assert parsed.command is not None and parsed.command.name == spec.name, text
    hosts_help = commands.help_text(host=True)
    assert ("/" + spec.name) in hosts_help
    assert spec.usage in commands.help_line(spec)
    assert commands.help_text(host=False, topic=spec.name) == commands.help_line(spec)
    assert (spec.name in conventions.HOST_COMMANDS) is spec.host_only
    assert (spec.name in conventions.PARTICIPANT_COMMANDS) is not spec.host_only


def test_the_help_and_the_parser_know_nothing_the_table_does_not() -> None:
    table = {c.name for c in COMMANDS}
    assert table == conventions.HOST_COMMANDS | conventions.PARTICIPANT_COMMANDS
    assert set(conventions._ALIASES.values()) == table
    named = set(re.findall(r"(?<![\w/])/([a-z_]+)", commands.help_text(host=True)))
    assert named - {"resume"} <= table  # "/resume" also appears inside /pause's line
    assert named >= table
    participants = commands.help_text(host=False)
    assert "A1:" in participants and "#ask" in participants
    assert not any(
        f"/{c.name} " in participants or participants.endswith(f"/{c.name}") for c in COMMANDS if c.host_only
    )


def test_engine_and_runner_handlers_must_match_the_table() -> None:
    with pytest.raises(RuntimeError, match=r"\['frobnicate'\].*\['help', 'queue'\]"):
        commands.check_handlers(
            [
                "ask",
                "upvote",
                "unvote",
                "optout",
                "frobnicate",
                *commands.names(host_only=True, effects=[Effect.QUEUE]),
            ],
            commands.ENGINE_EFFECTS,
            "test",
        )


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda c: c.name)
def test_every_command_works_for_a_host(spec: CommandSpec) -> None:
    e = engine()
    actor = BOB if spec.name in ("upvote", "unvote") else HOST
    if spec.name == "unvote":
        run(e, "upvote", ("1",), BOB)
    out = run(e, spec.name, EXAMPLES[spec.name], actor)
    assert out.ok and "refused" not in out.flags, out.text
    assert out.name == spec.name
    engine_made = spec.effect in commands.ENGINE_EFFECTS
    assert bool(out.controls) is not engine_made
    if out.controls:
        (control,) = out.controls
        assert control == Control(spec.name, EXAMPLES[spec.name], HOST.handle, "cmd:1")


CONFIRMATIONS = [
    ("approve", ("1",), "question #1 approved (place 1)."),
    ("reject", ("#2",), "question #2 rejected."),
    ("merge", ("4", "3"), "question #4 merged into #3 (2 askers)."),
    ("answered", ("1",), "question #1 marked answered."),
    ("route", ("3", "Public  Works"), "question #3 routed to Public Works."),
    ("extend", ("10",), "extending the chat by 10 minutes."),
    ("stop", (), "ending the chat."),
    ("ask", ("What", "about", "trolls?"), "thanks, your question is #5 (place 5 in the queue)"),
    ("help", ("extend",), "/extend MINUTES: make the chat longer by 1 to 240 minutes (hosts only)"),
]


@pytest.mark.parametrize(("name", "args", "text"), CONFIRMATIONS)
def test_confirmations(name: str, args: tuple[str, ...], text: str) -> None:
    assert run(engine(), name, args).text == text


@pytest.mark.parametrize("spec", [c for c in COMMANDS if c.host_only], ids=lambda c: c.name)
@pytest.mark.parametrize(
    "actor", [BOB, Author("1", "@localgovchat-fan", "LocalGov Chat")], ids=["other", "lookalike"]
)
def test_host_commands_from_others_are_refused_and_change_nothing(spec: CommandSpec, actor: Author) -> None:
    e = engine()
    before = snapshot(e)
    out = run(e, spec.name, EXAMPLES[spec.name], actor)
    assert (out.ok, out.flags, out.controls) == (False, ("refused",), ())
    assert out.text == f"sorry, only the hosts can use /{spec.name}."
    assert snapshot(e) == before


def test_the_bot_and_any_host_handle_form_may_host() -> None:
    for actor in (BOT, Author("77", "localgovchat"), Author("78", "@LOCALGOVCHAT")):
        assert run(engine(), "approve", ("1",), actor).ok


ARG_ERRORS = [
    ("approve", (), "/approve needs a question number: /approve N"),
    ("approve", ("x",), "/approve needs a question number, not 'x': /approve N"),
    ("reject", ("0",), "/reject needs a question number, not '0': /reject N"),
    ("upvote", ("-3",), "/upvote needs a question number, not '-3': /upvote N"),
    ("merge", ("4",), "/merge needs a question number: /merge N INTO"),
    ("merge", ("4", "4"), "a question cannot be merged into itself"),
    ("route", ("3",), "/route needs a team: /route N TEAM"),
    ("route", ("3", "x" * 101), "the team name is too long (100 characters at most)"),
    ("extend", (), "/extend needs a number of minutes from 1 to 240"),
    ("extend", ("soon",), "/extend needs a number of minutes from 1 to 240"),
    ("extend", ("241",), "/extend needs a number of minutes from 1 to 240"),
    ("extend", ("١٠",), "/extend needs a number of minutes from 1 to 240"),  # Arabic-Indic digits
    ("ask", (), "/ask needs a question: /ask QUESTION"),
    ("approve", ("99",), "there is no question 99"),
    ("frobnicate", (), "unknown command /frobnicate; try /help."),
    ("help", ("frobnicate",), "there is no command /frobnicate; try /help."),
]


@pytest.mark.parametrize(("name", "args", "text"), ARG_ERRORS)
def test_argument_errors_say_what_is_wrong_and_change_nothing(
    name: str, args: tuple[str, ...], text: str
) -> None:
    e = engine()
    before = snapshot(e)
    out = run(e, name, args)
    if name == "help":  # help always answers; about an unknown command it says so
        assert out.ok and out.text == text
        return
    assert (out.ok, out.text, out.flags, out.controls) == (False, text, ("refused",), ())
    assert snapshot(e) == before


def test_participant_commands_act_for_the_actor() -> None:
    e = engine()
    assert run(e, "upvote", ("1",), BOB).text == "upvoted question #1 (1 votes)."
    assert run(e, "upvote", ("1",), BOB).text == "you already upvoted question 1"
    assert run(e, "upvote", ("1",), ANN).text == "you cannot upvote your own question"
    assert run(e, "unvote", ("1",), BOB).text == "took back your vote for question #1 (0 votes)."
    assert run(e, "unvote", ("1",), BOB).text == "you have not upvoted question 1"
    assert run(e, "upvote", ("1",), BOB).text == "upvoted question #1 (1 votes)."  # one vote again
    out = run(e, "optout", (), BOB)
    assert out.flags == ("optout",) and e.participants["web:3"].opted_out
    asked = run(e, "ask", ("Is", "the", "budget", "public?"), BOB)
    q = e.queue.get(asked.question)
    assert (q.author, q.text, q.message_id) == ("@bob", "Is the budget public?", "cmd:1")
    assert e.participants["web:3"].questions == 1


def test_help_lists_host_commands_for_hosts_only() -> None:
    e = engine()
    assert "Hosts:" in run(e, "help", ()).text
    assert "Hosts:" not in run(e, "help", (), BOB).text


def test_chat_text_and_a_direct_command_do_the_same() -> None:
    by_text, direct = engine(), engine()
    texts = ["/approve 1", "/merge 4 into 3", "/route #3 to Public Works", "/reject 2", "/answered 1"]
    for i, text in enumerate(texts):
        out = by_text.ingest(Message(f"h{i}", "web", T0 + timedelta(minutes=30), HOST, text))
        assert out.message.text == text and "refused" not in out.flags
    for name, args in [("approve", ("1",)), ("merge", ("4", "3")), ("route", ("3", "Public Works"))]:
        run(direct, name, args)
    run(direct, "reject", ("2",))
    run(direct, "answered", ("1",))
    assert [(q.status, q.route, q.askers) for q in by_text.queue] == [
        (q.status, q.route, q.askers) for q in direct.queue
    ]


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda c: c.name)
def test_destructive_commands_say_what_they_would_do(spec: CommandSpec) -> None:
    assert spec.destructive is (spec.name in {"end", "reject"})
    if spec.destructive:
        assert spec.caution.endswith(".") and "?" in spec.caution
        assert spec.caution.format(n=3)
