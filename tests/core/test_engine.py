from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatbot.core.engine import Control, Reply, SessionEngine
from chatbot.core.model import Author, Kind, Message, QuestionStatus, SessionSpec

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
HOST = Author("1", "@localgovchat", "LocalGov Chat")
ANN = Author("2", "@ann", "Ann")
BOB = Author("3", "@bob", "Bob")
BOT = Author("9", "@chatbot", "the bot", is_bot=True)


def spec(**kw: object) -> SessionSpec:
    base: dict[str, object] = dict(
        id="s",
        hashtag="#localgovchat",
        title="t",
        start=T0,
        timezone="America/New_York",
        hosts=("@LocalGovChat",),
    )
    base.update(kw)
    return SessionSpec(**base)  # type: ignore[arg-type]


class Chat:
    def __init__(self, **kw: object) -> None:
        self.engine = SessionEngine(spec(**kw), bot_handles=("@chatbot",))
        self.n = 0

    def say(self, who: Author, text: str, **kw: object):  # type: ignore[no-untyped-def]
        self.n += 1
        m = Message(
            id=str(self.n), platform="x", ts=T0 + timedelta(minutes=self.n), author=who, text=text, **kw
        )  # type: ignore[arg-type]
        return self.engine.ingest(m)


def test_a_whole_small_chat() -> None:
    c = Chat()
    assert c.say(HOST, "Welcome to #localgovchat!").kind is Kind.HOST
    q1 = c.say(HOST, "Q1: Should frontline staff tweet answers? #localgovchat")
    assert (q1.kind, q1.prompt) == (Kind.PROMPT, "1")
    assert c.engine.prompts["1"].text.startswith("Should frontline")
    a = c.say(ANN, "A1: Yes, with training #localgovchat")
    assert (a.kind, a.answers, a.flags) == (Kind.ANSWER, ("1",), ())
    reply = c.say(BOB, "Only with a policy behind them", reply_to="2")
    assert reply.answers == ("1",)
    quote = c.say(BOB, "This is the key question", quote_of="2")
    assert quote.answers == ("1",)
    chat = c.say(BOB, "Hello everyone from Leeds")
    assert chat.kind is Kind.CHAT
    ann = c.engine.participants["x:2"]
    assert (ann.messages, ann.answers, ann.role) == (1, 1, "participant")
    assert c.engine.participants["x:1"].role == "host"


@pytest.mark.parametrize(
    ("who", "text", "kw", "kind", "answers", "flags"),
    [
        (ANN, "A1 - yes", {}, Kind.ANSWER, ("1",), ()),
        (ANN, "a1) yes", {}, Kind.ANSWER, ("1",), ()),
        (ANN, "@localgovchat @bob A1: yes", {}, Kind.ANSWER, ("1",), ()),
        (ANN, "A1 & A2: both", {}, Kind.ANSWER, ("1", "2"), ("early:2",)),
        (ANN, "Q1 strip till and no till", {}, Kind.ANSWER, ("1",), ()),
        (ANN, "A3: before its time", {}, Kind.ANSWER, ("3",), ("early:3",)),
        (ANN, "RT @localgovchat: Q1: Should frontline staff tweet?", {}, Kind.REPOST, (), ()),
        (ANN, "Q1: retweeted", {"is_repost": True}, Kind.REPOST, (), ()),
        (ANN, "no label, reply to the prompt", {"reply_to": "1"}, Kind.ANSWER, ("1",), ()),
        (ANN, "no label, reply to chatter", {"reply_to": "999"}, Kind.CHAT, (), ()),
        (HOST, "A1: hosts answer too", {}, Kind.ANSWER, ("1",), ()),
        (HOST, "Q1: posted again", {}, Kind.HOST, (), ()),
    ],
)
def test_answer_conventions(
    who: Author,
    text: str,
    kw: dict[str, object],
    kind: Kind,
    answers: tuple[str, ...],
    flags: tuple[str, ...],
) -> None:
    c = Chat()
    c.say(HOST, "Q1: the first prompt")
    out = c.say(who, text, **kw)
    assert (out.kind, out.answers, out.flags) == (kind, answers, flags)


def test_reposts_are_kept_apart() -> None:
    c = Chat()
    c.say(HOST, "Q1: the first prompt")
    c.say(ANN, "RT @localgovchat: Q1: the first prompt")
    p = c.engine.participants["x:2"]
    assert (p.messages, p.reposts, p.answers) == (0, 1, 0)


def test_questions_by_tag_and_by_ask_with_positions() -> None:
    c = Chat()
    first = c.say(ANN, "How do you handle abuse? #ask")
    assert first.kind is Kind.QUESTION and first.question == 1
    assert first.actions == (Reply("@ann: thanks, your question is #1 (place 1 in the queue)", "1"),)
    second = c.say(BOB, "/ask Who signs off replies?")
    assert second.question == 2
    assert c.engine.queue.get(2).text == "Who signs off replies?"
    both = c.say(BOB, "A1: training matters. #ASK what training do you use?")
    assert both.kind is Kind.ANSWER and both.question == 3 and both.answers == ("1",)
    assert [q.author for q in c.engine.queue.pending()] == ["@ann", "@bob", "@bob"]


def test_flooding_the_queue_is_refused_politely() -> None:
    c = Chat(max_open_questions_per_participant=1)
    c.say(ANN, "first? #ask")
    out = c.say(ANN, "second? #ask")
    assert out.question is None and "refused" in out.flags
    assert "questions waiting" in out.actions[0].text  # type: ignore[union-attr]
    assert len(c.engine.queue) == 1


@pytest.mark.parametrize(
    ("text", "control"),
    [
        ("/pause", ("pause", ())),
        ("/resume", ("resume", ())),
        ("/next", ("next", ())),
        ("/skip", ("skip", ())),
        ("/extend 10", ("extend", ("10",))),
        ("/end", ("end", ())),
        ("/start", ("start", ())),
        ("@chatbot next", ("next", ())),
    ],
)
def test_session_commands_from_a_host_become_controls(
    text: str, control: tuple[str, tuple[str, ...]]
) -> None:
    c = Chat()
    out = c.say(HOST, text)
    assert out.kind is Kind.COMMAND
    (reply, ctl) = out.actions
    assert isinstance(reply, Reply) and reply.reply_to == "1"
    assert isinstance(ctl, Control) and (ctl.name, ctl.args) == control and ctl.by == "@localgovchat"


@pytest.mark.parametrize(
    "text",
    [
        "/pause",
        "/end",
        "/approve 1",
        "/reject 1",
        "/answered 1",
        "/merge 1 2",
        "/route 1 planning",
        "/extend 5",
        "/next",
    ],
)
def test_host_commands_from_others_are_refused_and_change_nothing(text: str) -> None:
    c = Chat()
    c.say(ANN, "one? #ask")
    c.say(BOB, "two? #ask")
    out = c.say(BOB, text)
    assert "refused" in out.flags
    assert all(isinstance(a, Reply) for a in out.actions)
    assert "only the hosts" in out.actions[0].text  # type: ignore[union-attr]
    assert [q.status for q in c.engine.queue] == [QuestionStatus.OPEN, QuestionStatus.OPEN]


def test_queue_commands_from_a_host() -> None:
    c = Chat()
    for who, text in ((ANN, "one? #ask"), (BOB, "two? #ask"), (ANN, "three? #ask"), (BOB, "four? #ask")):
        c.say(who, text)
    c.say(HOST, "/approve 1")
    c.say(HOST, "/reject #2")
    c.say(HOST, "/merge 4 into 3")
    c.say(HOST, "/route 3 planning team")
    done = c.say(HOST, "/answered 1")
    assert done.actions[0].text == "@localgovchat: question #1 marked answered."  # type: ignore[union-attr]
    statuses = [q.status.value for q in c.engine.queue]
    assert statuses == ["answered", "rejected", "routed", "merged"]
    assert c.engine.queue.get(3).route == "planning team"
    assert c.engine.queue.get(3).askers == ["@ann", "@bob"]
    bad = c.say(HOST, "/approve 99")
    assert "refused" in bad.flags and "no question 99" in bad.actions[0].text  # type: ignore[union-attr]
    bad = c.say(HOST, "/extend soon")
    assert "/extend needs a number of minutes from 1 to 240" in bad.actions[0].text  # type: ignore[union-attr]


def test_participant_commands() -> None:
    c = Chat()
    c.say(ANN, "one? #ask")
    up = c.say(BOB, "/upvote 1")
    assert "upvoted question #1 (1 votes)" in up.actions[0].text  # type: ignore[union-attr]
    again = c.say(BOB, "/upvote 1")
    assert "already upvoted" in again.actions[0].text  # type: ignore[union-attr]
    out = c.say(BOB, "/optout")
    assert c.engine.participants["x:3"].opted_out and "optout" in out.flags
    unknown = c.say(BOB, "/frobnicate")
    assert "unknown command /frobnicate" in unknown.actions[0].text  # type: ignore[union-attr]
    assert "A1:" in c.say(BOB, "/help").actions[0].text  # type: ignore[union-attr]


def test_bot_posts_count_as_the_hosts() -> None:
    c = Chat()
    out = c.say(BOT, "Q1: Should frontline staff tweet answers? #localgovchat")
    assert out.kind is Kind.PROMPT
    assert c.engine.participants["x:9"].role == "host"
    assert c.say(BOT, "Welcome!").kind is Kind.BOT


def test_topic_style_and_meeting_style() -> None:
    t = Chat(style="T")
    assert t.say(HOST, "T2a: part a of topic 2").prompt == "2a"
    assert t.say(ANN, "T2a I think so").answers == ("2a",)
    m = Chat(style="meeting")
    assert m.say(HOST, "#topic roll call").prompt == "1"
    assert m.say(ANN, "here").answers == ("1",)
    assert m.say(HOST, "#topic budget").prompt == "2"
    assert m.say(BOB, "we need more").answers == ("2",)
    zodbot = Author("8", "zodbot", "", is_bot=True)
    assert m.say(zodbot, "Current chairs: host ann").kind is Kind.BOT  # a platform's bot answers nothing


def test_name_changes_keep_one_participant() -> None:
    c = Chat()
    c.say(Author("2", "@ann", "Ann"), "hi")
    c.say(Author("2", "@ann_new", "Ann B."), "renamed")
    assert len(c.engine.participants) == 1
    p = c.engine.participants["x:2"]
    assert (p.handle, p.name, p.messages) == ("@ann_new", "Ann B.", 2)


def test_hostile_text_is_just_text() -> None:
    c = Chat()
    c.say(HOST, "Q1: go")
    out = c.say(ANN, "A1: <script>alert(1)</script> \x00 🎉 مرحبا " + "x" * 100_000)
    assert out.kind is Kind.ANSWER
