"""Chat conventions, table-driven: every variant a host or participant writes, and its near misses."""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chatbot.core.conventions as conventions
from chatbot.core.conventions import (
    HOST_COMMANDS,
    PARTICIPANT_COMMANDS,
    Command,
    Parsed,
    has_hashtag,
    hashtags,
    normalize_key,
    parse,
    prompt_label,
)

BOTS = ("@chatbot",)
NOTHING = Parsed()


def row(text: str, id: str, *, opts: dict[str, Any] | None = None, **expect: Any) -> Any:
    """One table row: ``expect`` names the fields that differ from an empty ``Parsed``.

    ``cmd=(name, args)`` stands for a Command (its ``raw`` is checked separately); ``body`` is
    only checked when given.
    """
    return pytest.param(text, opts or {}, expect, id=id)


def check(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> Parsed:
    got = parse(text, **opts)
    want = dict(expect)
    body = want.pop("body", None)
    cmd = want.pop("cmd", None)
    assert set(want) <= {f.name for f in dataclasses.fields(Parsed)}, f"bad row keys: {sorted(want)}"
    for field in dataclasses.fields(Parsed):
        if field.name in {"body", "command"}:
            continue
        assert getattr(got, field.name) == want.get(field.name, getattr(NOTHING, field.name)), field.name
    if cmd is None:
        assert got.command is None
    else:
        assert got.command is not None
        assert (got.command.name, got.command.args) == cmd
    if body is not None:
        assert got.body == body
    return got


# --- prompts ------------------------------------------------------------------------------------

Q = {"style": "Q"}
T = {"style": "T"}
MEETING = {"style": "meeting"}


def prompt(key: str, text: str) -> dict[str, Any]:
    """A prompt label parses as prompt and bare label alike; the engine decides by role."""
    return {"prompt": (key, text), "bare_label": key, "body": text}


PROMPT_ROWS = [
    row("Q1 What is your name?", "q-space", **prompt("1", "What is your name?")),
    row("Q1: What?", "q-colon", **prompt("1", "What?")),
    row("Q1. What?", "q-dot", **prompt("1", "What?")),
    row("Q1 - What?", "q-spaced-hyphen", **prompt("1", "What?")),
    row("Q1-What?", "q-glued-hyphen", **prompt("1", "What?")),
    row("Q1 – What?", "q-en-dash", **prompt("1", "What?")),
    row("Q1 — What?", "q-em-dash", **prompt("1", "What?")),
    row("Q1) What?", "q-paren", **prompt("1", "What?")),
    row("Q1/ What?", "q-slash", **prompt("1", "What?")),
    row("Q1, what?", "q-comma", **prompt("1", "what?")),
    row("Q1:What?", "q-colon-no-space", **prompt("1", "What?")),
    row("Q1 : What?", "q-space-before-colon", **prompt("1", "What?")),
    row("Q1... What?", "q-ellipsis", **prompt("1", "What?")),
    row("q1: what?", "q-lowercase", **prompt("1", "what?")),
    row("Q12: Twelve?", "q-two-digits", **prompt("12", "Twelve?")),
    row("Q10: Ten?", "q-ten-not-one", **prompt("10", "Ten?")),
    row("Q01: One?", "q-leading-zero", **prompt("1", "One?")),
    row("Q 1: What?", "q-spaced-number", **prompt("1", "What?")),
    row("   \n\tQ1: What?", "q-leading-whitespace", **prompt("1", "What?")),
    row("\ufeff\u200bQ1: What?", "q-leading-invisible", **prompt("1", "What?")),
    row("@host Q2: I think", "q-after-mention", **prompt("2", "I think")),
    row("Q2 strip till and no till", "q-bare-label-prose", **prompt("2", "strip till and no till")),
    row("Q1", "q-alone", **prompt("1", "")),
    row("Q1:", "q-alone-colon", **prompt("1", "")),
    row("Q1\nWhat next?", "q-newline", **prompt("1", "What next?")),
    row("**Q1:** What?", "q-markdown-bold-outside", **prompt("1", "What?")),
    row("**Q1**: What?", "q-markdown-bold-inside", **prompt("1", "What?")),
    row("*Q1*: What?", "q-markdown-italic", **prompt("1", "What?")),
    row("Q2a: Part a?", "q-part", **prompt("2a", "Part a?")),
    row(
        "Q3: Any questions? Use #ask",
        "q-with-tag",
        question="Any questions? Use",
        **prompt("3", "Any questions? Use #ask"),
    ),
    # near misses
    row("Q1s are fun", "q-plural-word", body="Q1s are fun"),
    row("Q1st place", "q-ordinal-word"),
    row("Q1a great", "q-part-needs-separator"),
    row("T2a great", "q-style-ignores-t-part"),
    row("Q 1 what", "q-spaced-needs-punctuation"),
    row("Q1000: big", "q-four-digits"),
    row("Q1.5 million", "q-decimal"),
    row("Q1,000 people", "q-thousands"),
    row("Q1/2 of us", "q-fraction"),
    row("Q1_x", "q-underscore"),
    row("Q: what?", "q-no-number"),
    row("Q&A tonight", "q-and-a"),
    row("FAQ1: x", "q-inside-word"),
    row("Great chat Q1: x", "q-not-at-start"),
    row("🎉 Q1: x", "q-after-emoji"),
    row("(Q1) x", "q-in-parens"),
    row("Q١: x", "q-arabic-indic-digit"),
    row("T1: not a prompt in Q style", "q-style-ignores-t"),
    # topic style
    row("T1: Budgets", "t-colon", opts=T, **prompt("1", "Budgets")),
    row("T2 Roads", "t-space", opts=T, **prompt("2", "Roads")),
    row("T2a - Potholes", "t-part-dash", opts=T, **prompt("2a", "Potholes")),
    row("t2A: Potholes", "t-part-uppercase", opts=T, **prompt("2a", "Potholes")),
    row("T2a) Potholes", "t-part-paren", opts=T, **prompt("2a", "Potholes")),
    row("T2a", "t-part-alone", opts=T, **prompt("2a", "")),
    row("T2a Potholes", "t-part-then-space", opts=T, **prompt("2a", "Potholes")),
    row("T2a I think so", "t-part-bare-label", opts=T, **prompt("2a", "I think so")),
    row("T1s are fun", "t-plural-word", opts=T),
    row("T2ab: x", "t-two-letter-part", opts=T),
    row("Q2a great", "q-part-still-needs-separator", opts=T),
    row("Q1: not a prompt in T style", "t-style-ignores-q", opts=T),
    row(
        "A1: answers work in T style",
        "t-answer-label",
        opts=T,
        answers=("1",),
        body="answers work in T style",
    ),
    row("@host T1: I agree", "t-bare-label", opts=T, **prompt("1", "I agree")),
    # meeting style
    row("#topic Budget review", "meeting-topic", opts=MEETING, topic="Budget review", body="Budget review"),
    row("#TOPIC Budget review", "meeting-topic-upper", opts=MEETING, topic="Budget review"),
    row("#topic: Agenda", "meeting-topic-colon", opts=MEETING, topic="Agenda"),
    row("  #topic   Roll   call  ", "meeting-topic-tidied", opts=MEETING, topic="Roll call"),
    row("#topic", "meeting-topic-empty", opts=MEETING, body="#topic"),
    row("#topics are many", "meeting-topic-whole-tag", opts=MEETING),
    row("Useful Commands: #action #agreed #topic.", "meeting-topic-not-at-start", opts=MEETING),
    row("Q1: no prompts in meetings", "meeting-no-q-prompt", opts=MEETING),
    row("T1: no prompts in meetings", "meeting-no-t-prompt", opts=MEETING),
    row("A1: still an answer", "meeting-answer-label", opts=MEETING, answers=("1",)),
    row("#topic Budget review", "q-style-ignores-topic", opts=Q, body="#topic Budget review"),
]


@pytest.mark.parametrize(("text", "opts", "expect"), PROMPT_ROWS)
def test_prompts_topics_and_bare_labels(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


# --- answers ------------------------------------------------------------------------------------


def answer(*keys: str, body: str = "x") -> dict[str, Any]:
    return {"answers": keys, "body": body}


ANSWER_ROWS = [
    row("A1: x", "a-colon", **answer("1")),
    row("A1 - x", "a-spaced-hyphen", **answer("1")),
    row("A1 – x", "a-en-dash", **answer("1")),
    row("A1. x", "a-dot", **answer("1")),
    row("a1) x", "a-lowercase-paren", **answer("1")),
    row("A1/ x", "a-slash", **answer("1")),
    row("A1 x", "a-whitespace", **answer("1")),
    row("A1", "a-alone", **answer("1", body="")),
    row("A 1: x", "a-spaced-colon", **answer("1")),
    row("A 1) x", "a-spaced-paren", **answer("1")),
    row("A 1 - x", "a-spaced-dash", **answer("1")),
    row("A1a: x", "a-part", **answer("1a")),
    row("A1A: x", "a-part-uppercase", **answer("1a")),
    row("A12: x", "a-two-digits", **answer("12")),
    row("A01: x", "a-leading-zero", **answer("1")),
    row("@jane A2: x", "a-after-mention", **answer("2")),
    row("@jane @bob A2: x", "a-after-mentions", **answer("2")),
    row("@jane, @bob: A2: x", "a-after-mentions-punctuated", **answer("2")),
    row(".@jane A2: x", "a-after-dot-mention", **answer("2")),
    row("<@123456> A2: x", "a-after-discord-mention", **answer("2")),
    row("@jane@mastodon.social A2: x", "a-after-fediverse-mention", **answer("2")),
    row("**A1:** x", "a-markdown", **answer("1")),
    row("A1 & A2: x", "a-ampersand", **answer("1", "2")),
    row("A1&A2: x", "a-ampersand-glued", **answer("1", "2")),
    row("A1 &amp; A2: x", "a-ampersand-entity", **answer("1", "2")),
    row("A1 and A2: x", "a-and", **answer("1", "2")),
    row("A1/A2: x", "a-slash-list", **answer("1", "2")),
    row("A1, A2: x", "a-comma-list", **answer("1", "2")),
    row("A1,A2: x", "a-comma-glued", **answer("1", "2")),
    row("A1 + A2: x", "a-plus", **answer("1", "2")),
    row("A1, A2 & A3: x", "a-mixed-list", **answer("1", "2", "3")),
    row("A1, A2, and A3: x", "a-oxford-comma", **answer("1", "2", "3")),
    row("a1 & a2 x", "a-list-whitespace-end", **answer("1", "2")),
    row("A1a & A1b: x", "a-part-list", **answer("1a", "1b")),
    row("A1 & A1: x", "a-list-deduplicated", **answer("1")),
    row("A1-A3: x", "a-range", **answer("1", "2", "3")),
    row("A1–A3: x", "a-range-en-dash", **answer("1", "2", "3")),
    row("A1-A3 x", "a-range-whitespace-end", **answer("1", "2", "3")),
    row("A3-A1: x", "a-range-backwards-is-two-labels", **answer("3", "1")),
    row("A1-A30: x", "a-range-too-wide-is-two-labels", **answer("1", "30")),
    row("A1 - A3: x", "a-spaced-dash-is-separator", **answer("1", body="A3: x")),
    row("A1 and a 2-day retreat", "a-list-backs-off", **answer("1", body="and a 2-day retreat")),
    row("A1 & A2 & A3 & A4 & A5: x", "a-long-list", **answer("1", "2", "3", "4", "5")),
    row("@chatbot A1: x", "a-to-bot-is-not-command", opts={"bot_handles": BOTS}, **answer("1")),
    # near misses
    row("A1C levels matter", "a-medical-word"),
    row("A1c levels matter", "a-part-needs-separator"),
    row("A1s everywhere", "a-plural"),
    row("a 24-hour day", "a-article-hyphen"),
    row("a 2 day retreat", "a-article-number"),
    row("a 5. Then", "a-spaced-dot"),
    row("A1.5 GPA", "a-decimal"),
    row("A1,000 people", "a-thousands"),
    row("A1-3 x", "a-range-without-second-a"),
    row("A: yes", "a-no-number"),
    row("AA1: x", "a-double-letter"),
    row("Answer 1: x", "a-word"),
    row("I think A1: x", "a-not-at-start"),
    row("🎉 A1: x", "a-after-emoji"),
    row("A1000: x", "a-four-digits"),
    row("@jane great A1", "a-after-mention-and-word"),
]


@pytest.mark.parametrize(("text", "opts", "expect"), ANSWER_ROWS)
def test_answers(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


# --- questions ----------------------------------------------------------------------------------

ASK_EMPTY = ("ask", ())

QUESTION_ROWS = [
    row("How do I start? #ask", "tag-at-end", question="How do I start?", body="How do I start? #ask"),
    row("#ask How do I start?", "tag-at-start", question="How do I start?"),
    row("How do I #ask start?", "tag-in-middle", question="How do I start?"),
    row("How do I start #ask?", "tag-before-punctuation", question="How do I start?"),
    row("#Ask how?", "tag-capitalized", question="how?"),
    row("#ASK how?", "tag-upper", question="how?"),
    row("#ask: how?", "tag-colon", question="how?"),
    row("multi   space\n#ask\ttext", "tidied", question="multi space text"),
    row("#ask how? #ask", "tag-twice", question="how?"),
    row("@host #ask how?", "after-mention", question="how?", body="#ask how?"),
    row("#localgovchat #ask how?", "other-tags-kept", question="#localgovchat how?"),
    row(
        "A2: we use X. #ask anyone tried Y?",
        "answer-and-question",
        answers=("2",),
        question="we use X. anyone tried Y?",
    ),
    row("#q why?", "custom-tag", opts={"question_tag": "#q"}, question="why?"),
    row("#Q why?", "custom-tag-case", opts={"question_tag": "#q"}, question="why?"),
    row("#q why?", "custom-tag-without-hash", opts={"question_tag": "q"}, question="why?"),
    row("#ask why?", "default-tag-off-when-custom", opts={"question_tag": "#q"}),
    row("#ask why?", "empty-tag-disables", opts={"question_tag": ""}),
    row("#asking for a friend", "whole-tag-only"),
    row("mail#ask why", "tag-inside-word"),
    row("see x.com/#ask", "tag-in-url"),
    row("don&#ask;t", "tag-after-ampersand"),
    row("#ask", "tag-alone", cmd=ASK_EMPTY),
    row("  #ask  #ASK ", "tag-only-twice", cmd=ASK_EMPTY),
    row("@chatbot #ask", "tag-alone-after-bot", opts={"bot_handles": BOTS}, cmd=ASK_EMPTY),
    row("A1: #ask", "tag-alone-after-label", answers=("1",)),
    row("/ask How do I?", "slash-ask", question="How do I?", cmd=("ask", ("How do I?",))),
    row("!ask How do I?", "bang-ask", question="How do I?", cmd=("ask", ("How do I?",))),
    row("/ASK How do I?", "slash-ask-upper", question="How do I?", cmd=("ask", ("How do I?",))),
    row("/ask  How   do\nI? #ask", "slash-ask-tidied", question="How do I?", cmd=("ask", ("How do I?",))),
    row("/ask", "slash-ask-empty", cmd=ASK_EMPTY),
    row("/ask #ask", "slash-ask-only-tag", cmd=ASK_EMPTY),
    row(
        "@chatbot ask: how do I join?",
        "bot-ask",
        opts={"bot_handles": BOTS},
        question="how do I join?",
        cmd=("ask", ("how do I join?",)),
    ),
]


@pytest.mark.parametrize(("text", "opts", "expect"), QUESTION_ROWS)
def test_questions(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


# --- commands -----------------------------------------------------------------------------------

B = {"bot_handles": BOTS}


def cmd(name: str, *args: str) -> dict[str, Any]:
    return {"cmd": (name, args)}


COMMAND_ROWS = [
    row("/start", "start", **cmd("start")),
    row("!start", "start-bang", **cmd("start")),
    row("/START", "start-upper", **cmd("start")),
    row("  /start  ", "start-padded", **cmd("start")),
    row("/pause", "pause", **cmd("pause")),
    row("/resume", "resume", **cmd("resume")),
    row("/next", "next", **cmd("next")),
    row("/next.", "next-dot", **cmd("next")),
    row("/skip", "skip", **cmd("skip")),
    row("/extend 10", "extend", **cmd("extend", "10")),
    row("/extend 10m", "extend-m", **cmd("extend", "10")),
    row("/extend 10 min", "extend-min", **cmd("extend", "10")),
    row("/extend 10 minutes", "extend-minutes", **cmd("extend", "10")),
    row("/extend +5", "extend-plus", **cmd("extend", "5")),
    row("/extend by 5 more minutes", "extend-by-more", **cmd("extend", "5")),
    row("/extend 1h", "extend-hours", **cmd("extend", "60")),
    row("/extend ten", "extend-invalid-passed-on", **cmd("extend", "ten")),
    row("/extend", "extend-missing", **cmd("extend")),
    row("/end", "end", **cmd("end")),
    row("/stop", "end-alias-stop", **cmd("end")),
    row("/approve 3", "approve", **cmd("approve", "3")),
    row("/approve #3", "approve-hash", **cmd("approve", "3")),
    row("/approve 3, 4 and #5", "approve-several", **cmd("approve", "3", "4", "5")),
    row("/reject 3", "reject", **cmd("reject", "3")),
    row("/merge 4 2", "merge", **cmd("merge", "4", "2")),
    row("/merge 4 into 2", "merge-into", **cmd("merge", "4", "2")),
    row("/merge #4 #2", "merge-hash", **cmd("merge", "4", "2")),
    row("/merge 4, 2", "merge-comma", **cmd("merge", "4", "2")),
    row("/merge 4 -> 2", "merge-arrow", **cmd("merge", "4", "2")),
    row("/answered 3", "answered", **cmd("answered", "3")),
    row("/answer #3", "answered-alias", **cmd("answered", "3")),
    row("/route 7 planning", "route", **cmd("route", "7", "planning")),
    row("/route #7 to planning", "route-to", **cmd("route", "7", "planning")),
    row("/route 7 Public Works", "route-team-words", **cmd("route", "7", "Public Works")),
    row("/route 7", "route-no-team", **cmd("route", "7")),
    row("/next question", "next-question-words", **cmd("next_question")),
    row("/nextq", "next-question-nextq", **cmd("next_question")),
    row("/next_question", "next-question-underscore", **cmd("next_question")),
    row("/next-question", "next-question-hyphen", **cmd("next_question")),
    row("/upvote 3", "upvote", **cmd("upvote", "3")),
    row("/up #3", "upvote-up", **cmd("upvote", "3")),
    row("/+1 3", "upvote-plus-one", **cmd("upvote", "3")),
    row("/optout", "optout", **cmd("optout")),
    row("/opt-out", "optout-hyphen", **cmd("optout")),
    row("/opt_out", "optout-underscore", **cmd("optout")),
    row("/help", "help", **cmd("help")),
    row("/help extend", "help-topic", **cmd("help", "extend")),
    row("/foo", "unknown", **cmd("unknown", "foo")),
    row("!Foo bar baz", "unknown-with-args", **cmd("unknown", "Foo", "bar", "baz")),
    row("/next", "slash-without-bot-handles", opts={}, **cmd("next")),
    row("@chatbot /next", "slash-after-bot", opts=B, **cmd("next")),
    row("@jane @chatbot /next", "slash-after-bot-among-mentions", opts=B, **cmd("next")),
    row("@chatbot next", "bare-next", opts=B, **cmd("next")),
    row("@CHATBOT Next!", "bare-case", opts=B, **cmd("next")),
    row("@chatbot next please", "bare-please", opts=B, **cmd("next")),
    row("@chatbot next question", "bare-next-question", opts=B, **cmd("next_question")),
    row("@chatbot stop", "bare-stop", opts=B, **cmd("end")),
    row("@chatbot extend 10 min", "bare-extend", opts=B, **cmd("extend", "10")),
    row("@chatbot approve #3", "bare-approve", opts=B, **cmd("approve", "3")),
    row("@chatbot approve 3 & 4", "bare-approve-several", opts=B, **cmd("approve", "3", "4")),
    row("@chatbot merge 4 into 2", "bare-merge", opts=B, **cmd("merge", "4", "2")),
    row("@chatbot route 7 planning", "bare-route", opts=B, **cmd("route", "7", "planning")),
    row("@chatbot help", "bare-help", opts=B, **cmd("help")),
    row("@chatbot upvote 3", "bare-upvote", opts=B, **cmd("upvote", "3")),
    row("@chatbot opt-out", "bare-optout", opts=B, **cmd("optout")),
    row("<@42> next", "bare-discord-mention", opts={"bot_handles": ("<@42>",)}, **cmd("next")),
    row("<@!42> next", "bare-discord-nick-mention", opts={"bot_handles": ("<@42>",)}, **cmd("next")),
    row("@chatbot next", "bare-handle-without-at", opts={"bot_handles": ("chatbot",)}, **cmd("next")),
    # near misses: prose that merely starts like a command
    row("@jane /next", "slash-after-other-mention", opts=B, body="/next"),
    row("@chatbot next time we should cover roads", "bare-prose-next", opts=B),
    row("@chatbot end of the hour already?", "bare-prose-end", opts=B),
    row("@chatbot approve the plan", "bare-approve-without-number", opts=B),
    row("@chatbot extend it a lot", "bare-extend-without-minutes", opts=B),
    row("@chatbot help me with my homework please", "bare-help-long", opts=B),
    row("@chatbot thanks for hosting!", "bare-unknown-word", opts=B),
    row("@jane next", "bare-to-other", opts=B),
    row("@chatbot next", "bare-without-bot-handles", opts={}),
    row("next", "bare-without-mention", opts=B),
    row("/r/python is great", "url-path-at-start"),
    row("check /r/python and /next", "slash-mid-text"),
    row("/ next", "slash-space"),
    row("!!!", "bangs"),
    row("!1 this", "bang-digit"),
    row("Q1: do /next", "prompt-mentions-command", **prompt("1", "do /next")),
]


@pytest.mark.parametrize(("text", "opts", "expect"), COMMAND_ROWS)
def test_commands(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


def test_command_raw_and_body_are_the_whole_text() -> None:
    got = parse("  @chatbot extend 10 min \n", bot_handles=BOTS)
    assert got.command == Command("extend", ("10",), "@chatbot extend 10 min")
    assert got.body == "@chatbot extend 10 min"


def test_command_sets() -> None:
    host = "start pause resume next skip extend end approve reject merge answered route next_question"
    assert sorted(HOST_COMMANDS) == sorted(host.split())
    assert sorted(PARTICIPANT_COMMANDS) == ["ask", "help", "optout", "queue", "unvote", "upvote"]
    assert not HOST_COMMANDS & PARTICIPANT_COMMANDS


# --- reposts ------------------------------------------------------------------------------------

REPOST_ROWS = [
    row("RT @host: Q1 What is your name?", "rt-prompt", is_repost=True, body="Q1 What is your name?"),
    row("RT @jane: A1: x #ask why?", "rt-answer-and-question", is_repost=True, body="A1: x #ask why?"),
    row("RT @host: /next", "rt-command", opts=B, is_repost=True),
    row("rt @host: Q1 x", "rt-lowercase", is_repost=True),
    row("  RT @host_1 : x", "rt-padded", is_repost=True, body="x"),
    row("RT @host Q1 x", "rt-needs-colon", body="RT @host Q1 x"),
    row("Great point RT @host: Q1 x", "rt-not-at-start"),
    row("@jane RT @host: Q1 x", "rt-after-mention", body="RT @host: Q1 x"),
    row("RTs are @ the top: Q1", "rt-word"),
]


@pytest.mark.parametrize(("text", "opts", "expect"), REPOST_ROWS)
def test_reposts(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


# --- body ---------------------------------------------------------------------------------------

BODY_ROWS = [
    row("@jane @bob just chatting", "mentions-stripped", body="just chatting"),
    row("  hello  \n", "whitespace-stripped", body="hello"),
    row("@jane @bob", "mentions-only", body=""),
    row("@jane\n\nline one\nline two", "inner-newlines-kept", body="line one\nline two"),
    row("@jane: A2 - x", "mention-colon-label", answers=("2",), body="x"),
    row("hi @jane A2: x", "mid-text-mention-kept", body="hi @jane A2: x"),
]


@pytest.mark.parametrize(("text", "opts", "expect"), BODY_ROWS)
def test_body(text: str, opts: dict[str, Any], expect: dict[str, Any]) -> None:
    check(text, opts, expect)


# --- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        pytest.param(
            "Join #LocalGovChat tonight #localgovchat", ["#LocalGovChat", "#localgovchat"], id="as-written"
        ),
        pytest.param("#LocalGovChat's host", ["#LocalGovChat"], id="ends-at-apostrophe"),
        pytest.param("(#ask) #ask? #ask.", ["#ask", "#ask", "#ask"], id="ends-at-punctuation"),
        pytest.param("#local_gov_2024", ["#local_gov_2024"], id="underscore-and-digits"),
        pytest.param("#café #日本語 #हिंदी", ["#café", "#日本語", "#हिंदी"], id="unicode-letters-and-marks"),
        pytest.param("#cafe\u0301", ["#cafe\u0301"], id="combining-accent"),
        pytest.param("don&#39;t &#x27;", [], id="html-entities"),
        pytest.param("approve #3 and #42", [], id="digits-only"),
        pytest.param("x.com/page#frag x.com/#frag", [], id="url-fragments"),
        pytest.param("a#b ##c # d", [], id="not-after-word-or-hash"),
        pytest.param("", [], id="empty"),
    ],
)
def test_hashtags(text: str, tags: list[str]) -> None:
    assert hashtags(text) == tags


@pytest.mark.parametrize(
    ("text", "tag", "expected"),
    [
        pytest.param("Tonight on #LocalGovChat", "#localgovchat", True, id="case-insensitive"),
        pytest.param("Tonight on #localgovchat", "LocalGovChat", True, id="tag-without-hash"),
        pytest.param("#asking for a friend", "#ask", False, id="whole-tag"),
        pytest.param("#ask", "#asking", False, id="whole-tag-reverse"),
        pytest.param("#café", "#cafe\u0301", True, id="unicode-normalized"),
        pytest.param("don&#39;t", "#39", False, id="html-entity"),
        pytest.param("#ask", "", False, id="empty-tag"),
        pytest.param("#ask", "#", False, id="hash-only-tag"),
    ],
)
def test_has_hashtag(text: str, tag: str, expected: bool) -> None:
    assert has_hashtag(text, tag) is expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [("1", "1"), ("01", "1"), ("10", "10"), ("2A", "2a"), ("2a", "2a"), (" 3 ", "3"), ("0", "0")],
    ids=["plain", "leading-zero", "ten", "upper-part", "part", "padded", "zero"],
)
def test_normalize_key(raw: str, key: str) -> None:
    assert normalize_key(raw) == key


@pytest.mark.parametrize("raw", ["", "Q1", "a", "1ab", "#3", "1.5", "١"], ids=repr)
def test_normalize_key_refuses_non_keys(raw: str) -> None:
    with pytest.raises(ValueError, match="not a prompt number"):
        normalize_key(raw)


@pytest.mark.parametrize(
    ("key", "style", "label"),
    [
        ("1", "Q", "Q1"),
        ("01", "Q", "Q1"),
        ("2a", "T", "T2a"),
        ("2A", "T", "T2a"),
        ("1", "meeting", "T1"),
        ("3", "q", "Q3"),
        ("3", "Meeting", "T3"),
    ],
    ids=["q", "q-normalized", "t-part", "t-part-normalized", "meeting", "style-case", "meeting-case"],
)
def test_prompt_label(key: str, style: str, label: str) -> None:
    assert prompt_label(key, style) == label


def test_label_round_trips_through_parse() -> None:
    for style in ("Q", "T"):
        for key in ("1", "9", "12", "2a"):
            assert parse(f"{prompt_label(key, style)}: text", style=style).prompt == (key, "text")


def test_unknown_style_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown chat style"):
        parse("Q1: x", style="X")
    with pytest.raises(ValueError, match="unknown chat style"):
        prompt_label("1", "topics")


def test_results_are_frozen() -> None:
    got = parse("A1: x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.body = "y"  # type: ignore[misc]


# --- hostile input ------------------------------------------------------------------------------

HOSTILE = [
    pytest.param("", id="empty"),
    pytest.param("   \n\t ", id="whitespace"),
    pytest.param("\u200b\ufeff", id="invisible-only"),
    pytest.param("\x00", id="nul"),
    pytest.param("A1:\x00x\x00#ask\x00", id="nul-inside"),
    pytest.param("🎉🎉🎉 #ask 🤔", id="emoji"),
    pytest.param("שלום #ask מה שלומך?", id="rtl"),
    pytest.param("\u202eQ1: reversed", id="rtl-override"),
    pytest.param("<script>alert(1)</script> #ask", id="html"),
    pytest.param("\ud800#ask \udfff A1:", id="lone-surrogates"),
    pytest.param("@", id="at-only"),
    pytest.param("/", id="slash-only"),
    pytest.param("#", id="hash-only"),
    pytest.param("A", id="letter-only"),
    pytest.param("RT @", id="rt-truncated"),
    pytest.param("<@", id="discord-truncated"),
    pytest.param("x" * 100_000, id="100k-letters"),
    pytest.param("A1 & A2 & " * 20_000, id="200k-answer-list"),
    pytest.param("@a " * 40_000 + "A1: x", id="many-mentions"),
    pytest.param("@" + "a." * 50_000 + "%", id="long-dotted-handle"),
    pytest.param("#ask " * 20_000, id="many-tags"),
    pytest.param("#" * 100_000, id="many-hashes"),
    pytest.param("&#39;" * 20_000, id="many-entities"),
    pytest.param("Q" + "1" * 100_000, id="long-number"),
    pytest.param("/" + "a" * 100_000, id="long-command"),
    pytest.param("A1" + " " * 100_000 + ":", id="long-gap"),
    pytest.param("A1" + " ," * 50_000, id="many-joiners"),
    pytest.param("Q1" + ":" * 100_000, id="many-separators"),
    pytest.param("**" * 50_000, id="many-markers"),
    pytest.param("@chatbot approve " + "1 " * 50_000 + "x", id="long-bare-args"),
    pytest.param("@chatbot next " + "!" * 100_000 + "x", id="long-bare-noise"),
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("style", ["Q", "T", "meeting"])
def test_hostile_input_never_raises(text: str, style: str) -> None:
    got = parse(text, style=style, bot_handles=BOTS)
    assert isinstance(got, Parsed)
    hashtags(text)
    has_hashtag(text, "#ask")


def test_adversarial_answer_list_completes_and_is_capped() -> None:
    got = parse("A1 & A2 & " * 20_000)
    assert got.answers == ("1", "2")
    assert got.body.startswith("& A1 & A2")


def test_html_is_just_text() -> None:
    got = parse("<script>alert(1)</script> #ask")
    assert got.question == "<script>alert(1)</script>"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["Q", "T", "meeting"]))
def test_parse_never_raises(text: str, style: str) -> None:
    got = parse(text, style=style, bot_handles=BOTS)
    assert isinstance(got.body, str)
    assert got.bare_label == (got.prompt[0] if got.prompt else None)
    if got.is_repost:
        assert (got.prompt, got.answers, got.question, got.command) == (None, (), None, None)


LABELISH = st.text(alphabet="AaQqTt0123456789 :.-–)/,&+#@ask\n", max_size=40)


@settings(max_examples=500, deadline=None)
@given(LABELISH)
def test_keys_are_normalized(text: str) -> None:
    got = parse(text)
    for key in got.answers + ((got.prompt[0],) if got.prompt else ()):
        assert normalize_key(key) == key


# --- the core's rule: standard library only -------------------------------------------------------


def test_imports_the_standard_library_and_the_core_only() -> None:
    tree = ast.parse(Path(conventions.__file__).read_text(encoding="utf-8"))
    modules = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    outside = {m for m in modules if not m.startswith("chatbot.core.") and m != "chatbot.core"}
    assert {m.split(".")[0] for m in outside} <= set(sys.stdlib_module_names) | {"__future__"}, modules
