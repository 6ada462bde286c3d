"""Finding the chats in a recorded file with no schedule, from small hand-made chats.

What a host notices after ``import``: one session per weekly chat, starting when the chat began
(not at the morning's announcement), dated by the chat's own local day, with the right hashtag,
hosts and prompts, and file names that stay the same from one import to the next.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chatbot.core.engine import SessionEngine
from chatbot.core.model import Author, Message, SessionSpec
from chatbot.core.sessions import Guess, Inferred, infer_sessions, slug_for, slugify

NY = ZoneInfo("America/New_York")
HOST = Author("1", "@LocalGovChat", "LocalGov Chat")
COHOST = Author("2", "@CityClerkSam", "Sam")
PEOPLE = tuple(Author(str(10 + i), f"@p{i}", f"Person {i}") for i in range(6))
TUE_10, TUE_17, TUE_24 = date(2026, 11, 10), date(2026, 11, 17), date(2026, 11, 24)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=NY)


class Recording:
    """A recorded file being written by hand: messages in the order they happened."""

    def __init__(self, platform: str = "x") -> None:
        self.platform = platform
        self.messages: list[Message] = []

    def say(self, ts: datetime, who: Author, text: str, *, is_repost: bool = False) -> Message:
        m = Message(f"m{len(self.messages) + 1}", self.platform, ts, who, text, is_repost=is_repost)
        self.messages.append(m)
        return m

    def weekly_chat(self, day: date, hh: int = 21, mm: int = 0, *, label: str = "Q") -> None:
        """A 55-minute chat: welcome, three prompts answered by three people each, thanks (17 messages)."""
        t, tag = local(day, hh, mm), "#LocalGovChat"
        self.say(t, HOST, f"Welcome to {tag}! Say hi and where you're from.")
        for i, p in enumerate(PEOPLE[:3]):
            self.say(t + timedelta(minutes=1 + i), p, f"Hi from town {i} {tag}")
        for n, minute in ((1, 5), (2, 20), (3, 35)):
            self.say(t + timedelta(minutes=minute), HOST, f"{label}{n}: What about topic {n}? {tag}")
            for i, p in enumerate(PEOPLE[:3]):
                self.say(t + timedelta(minutes=minute + 2 + i), p, f"A{n}: my answer {i} {tag}")
        self.say(t + timedelta(minutes=55), HOST, f"Thanks all, see you next week! {tag}")


def ids(found: list[Inferred]) -> list[str]:
    return [s.spec.id for s in found]


def prompts_of(session: Inferred) -> list[tuple[str, str, datetime]]:
    """The prompts a recap would show: the inferred session's messages run through the engine."""
    engine = SessionEngine(session.spec)
    for m in session.messages:
        engine.ingest(m)
    return [(p.label, p.author, p.posted_at) for p in engine.prompts.values()]


def test_each_weekly_chat_is_one_session_and_chatter_between_stays_outside() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_10)
    between = rec.say(local(date(2026, 11, 13), 14), PEOPLE[4], "Loved Tuesday's #LocalGovChat")
    rec.weekly_chat(TUE_17)
    rec.weekly_chat(TUE_24)

    found, stray = infer_sessions(rec.messages, NY)

    assert ids(found) == ["localgovchat-2026-11-10", "localgovchat-2026-11-17", "localgovchat-2026-11-24"]
    assert [s.spec.start for s in found] == [local(d, 21) for d in (TUE_10, TUE_17, TUE_24)]
    assert [s.spec.duration_minutes for s in found] == [55, 55, 55]
    assert [len(s.messages) for s in found] == [17, 17, 17]
    assert all(m.ts.astimezone(NY).date() == TUE_17 for m in found[1].messages)
    assert stray == [between]
    spec = found[0].spec
    assert (spec.hashtag, spec.title, spec.timezone, spec.platforms) == (
        "#LocalGovChat",
        "Welcome to #LocalGovChat! Say hi and where you're from.",  # the host's opening post
        "America/New_York",
        ("x",),
    )


def test_a_chat_running_past_midnight_is_one_session_unless_the_silence_exceeds_the_gap() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_10 - timedelta(days=1), 23)
    rec.weekly_chat(TUE_10, 0, 20)  # goes on 25 minutes after the first hour ended

    (session,), _ = infer_sessions(rec.messages, NY)
    split, _ = infer_sessions(rec.messages, NY, gap_minutes=20)

    assert session.spec.id == "localgovchat-2026-11-09"
    assert (session.spec.start, session.spec.duration_minutes) == (local(TUE_10, 23) - timedelta(days=1), 135)
    assert ids(split) == ["localgovchat-2026-11-09", "localgovchat-2026-11-10"]


def test_a_second_burst_the_same_day_joins_the_chat() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_10, 9)
    rec.weekly_chat(TUE_10, 14)  # after a long lunch break

    (session,), stray = infer_sessions(rec.messages, NY)

    assert session.spec.id == "localgovchat-2026-11-10"
    assert len(session.messages) == 34
    assert (session.spec.start, session.spec.duration_minutes, stray) == (local(TUE_10, 9), 355, [])


def test_the_hosts_prompts_are_found_and_a_participant_saying_q1_is_not_a_host() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24)
    rec.say(local(TUE_24, 21, 50), PEOPLE[5], "Q1: still thinking about that one #LocalGovChat")

    (session,), _ = infer_sessions(rec.messages, NY)

    assert session.spec.hosts == ("@LocalGovChat",)
    assert session.spec.style == "Q"
    assert prompts_of(session) == [
        ("Q1", "@LocalGovChat", local(TUE_24, 21, 5)),
        ("Q2", "@LocalGovChat", local(TUE_24, 21, 20)),
        ("Q3", "@LocalGovChat", local(TUE_24, 21, 35)),
    ]


def test_topic_style_chats_are_recognised() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24, label="T")

    (session,), _ = infer_sessions(rec.messages, NY)

    assert (session.spec.style, session.spec.hosts) == ("T", ("@LocalGovChat",))
    assert [label for label, _, _ in prompts_of(session)] == ["T1", "T2", "T3"]


def test_co_hosts_who_post_prompts_are_hosts_too() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_17)
    t = local(TUE_17, 22, 10)
    for n in range(4, 7):
        rec.say(t + timedelta(minutes=n), COHOST, f"Q{n}: bonus round {n} #LocalGovChat")

    (session,), _ = infer_sessions(rec.messages, NY)

    assert session.spec.hosts == ("@LocalGovChat", "@CityClerkSam")
    assert [label for label, _, _ in prompts_of(session)] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]


def test_without_prompts_the_most_active_person_hosts() -> None:
    rec = Recording(platform="discord")
    t, bot = local(TUE_10, 19), Author("99", "helperbot", is_bot=True)
    for i in range(12):
        rec.say(t + timedelta(minutes=i), PEOPLE[0] if i % 3 else PEOPLE[1], f"message {i}")
        rec.say(t + timedelta(minutes=i, seconds=30), bot, "beep")  # busiest, but a bot

    (session,), _ = infer_sessions(rec.messages, NY)

    assert session.spec.hosts == (PEOPLE[0].handle,)
    assert session.spec.platforms == ("discord",)


def test_hashtag_is_the_most_used_tag_in_its_most_used_spelling_reposts_aside() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24)
    t = local(TUE_24, 21, 30)
    for i in range(3):
        rec.say(t + timedelta(seconds=i), PEOPLE[3], "A1: small towns rule #localgovchat #Ohio")
    for i in range(30):  # retweets flood a campaign tag; they say nothing new
        rec.say(t + timedelta(seconds=10 + i), PEOPLE[4], "RT @someone: vote! #Election2026", is_repost=True)

    (session,), _ = infer_sessions(rec.messages, NY)

    assert session.spec.hashtag == "#LocalGovChat"
    assert session.spec.id == "localgovchat-2026-11-24"


def test_hashtag_falls_back_to_the_channel_or_the_meeting_title() -> None:
    rec = Recording(platform="discord")
    for i in range(12):
        rec.say(local(TUE_10, 18, i), PEOPLE[i % 2], f"no tags here {i}")

    (by_channel,), _ = infer_sessions(rec.messages, NY, Guess(channel="town-hall"))
    (meeting,), _ = infer_sessions(rec.messages, NY, Guess(style="meeting", title="Fedora QA 2026-11-10"))
    (nothing,), _ = infer_sessions(rec.messages, NY)

    assert by_channel.spec.hashtag == "#townhall"
    assert meeting.spec.hashtag == "#fedora_qa"
    assert meeting.spec.id == "fedora-qa-2026-11-10"
    assert nothing.spec.hashtag == "#chat"


def test_the_days_announcements_belong_to_the_chat_but_do_not_start_it_early() -> None:
    rec = Recording()
    day_before = rec.say(local(TUE_24, 9) - timedelta(days=1), HOST, "Tomorrow: #LocalGovChat on budgets")
    morning = rec.say(local(TUE_24, 9), HOST, "Tonight at 9pm ET: #LocalGovChat on budgets!")
    noon = rec.say(local(TUE_24, 12), PEOPLE[4], "Can't wait for #LocalGovChat tonight")
    hour_before = rec.say(local(TUE_24, 20), HOST, "One hour to go! #LocalGovChat")
    rec.weekly_chat(TUE_24)

    (session,), stray = infer_sessions(rec.messages, NY)

    assert session.spec.start == local(TUE_24, 21)
    assert session.spec.duration_minutes == 55
    assert session.messages[:2] == [morning, hour_before]
    assert len(session.messages) == 19
    # Yesterday's teaser and a participant's message hours before are kept, outside the session.
    assert stray == [day_before, noon]


def test_a_chat_is_dated_by_its_own_time_zone() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24)  # 21:00 in New York is 02:00 the next day in UTC
    utc_file = [
        Message(m.id, m.platform, m.ts.astimezone(UTC), m.author, m.text) for m in rec.messages
    ]  # as an X export records them

    (session,), _ = infer_sessions(utc_file, NY)
    (in_utc,), _ = infer_sessions(utc_file, ZoneInfo("UTC"))

    assert session.spec.id == "localgovchat-2026-11-24"
    assert session.spec.start == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert (session.spec.start.hour, session.spec.start.tzinfo) == (21, NY)
    assert slug_for(session.spec) == "2026-11-24-localgovchat"
    assert in_utc.spec.id == "localgovchat-2026-11-25"


def test_an_afternoon_burst_and_the_evening_chat_are_one_local_day() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24, 15)  # 20:00 UTC on the 24th
    rec.weekly_chat(TUE_24, 21)  # 02:00 UTC on the 25th

    assert ids(infer_sessions(rec.messages, NY)[0]) == ["localgovchat-2026-11-24"]
    assert ids(infer_sessions(rec.messages, ZoneInfo("UTC"))[0]) == [
        "localgovchat-2026-11-24",
        "localgovchat-2026-11-25",
    ]


def test_a_small_file_is_still_one_chat() -> None:
    rec = Recording()
    for i in range(4):
        rec.say(local(TUE_10, 21, i), PEOPLE[i % 2], f"hello {i} #tinychat")
    rec.say(local(TUE_17, 21), PEOPLE[0], "anyone? #tinychat")

    found, stray = infer_sessions(rec.messages, NY)

    assert ids(found) == ["tinychat-2026-11-10"]
    assert len(found[0].messages) == 4
    assert stray == rec.messages[4:]
    assert found[0].spec.duration_minutes == 3


def test_a_chat_of_one_message_lasts_a_minute() -> None:
    rec = Recording()
    rec.say(local(TUE_10, 21), PEOPLE[0], "hello #solo")

    (session,), stray = infer_sessions(rec.messages, NY)

    assert (session.spec.start, session.spec.duration_minutes, stray) == (local(TUE_10, 21), 1.0, [])


def test_no_messages_no_sessions() -> None:
    assert infer_sessions([], NY) == ([], [])
    assert infer_sessions([], NY, Guess(hashtag="#x", hosts=("@a",))) == ([], [])


def test_hints_from_the_file_override_what_would_be_inferred() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_24)
    morning_note = rec.say(local(TUE_24, 9), COHOST, "Guest hosting tonight! #LocalGovChat")
    guess = Guess(hashtag="#BudgetNight", title="Budget night", hosts=("@CityClerkSam",), style="T")

    (session,), stray = infer_sessions(rec.messages, NY, guess)

    spec = session.spec
    assert (spec.hashtag, spec.title, spec.hosts, spec.style) == (
        "#BudgetNight",
        "Budget night",
        ("@CityClerkSam",),
        "T",
    )
    assert spec.id == "budgetnight-2026-11-24"
    # The hinted host's morning note is an announcement of tonight's chat; the inferred host's
    # welcome is just the first message of it.
    assert session.messages[0] == morning_note
    assert spec.start == local(TUE_24, 21)
    assert stray == []
    assert prompts_of(session) == []  # the hinted host posted none


def test_messages_arrive_in_any_order() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_10)
    rec.weekly_chat(TUE_17)

    forward, _ = infer_sessions(rec.messages, NY)
    backward, _ = infer_sessions(rec.messages[::-1], NY)

    assert [s.spec for s in backward] == [s.spec for s in forward]
    assert [s.messages for s in backward] == [s.messages for s in forward]


def spec_on(start: datetime, id: str, hashtag: str = "#LocalGovChat") -> SessionSpec:
    return SessionSpec(id=id, hashtag=hashtag, title="t", start=start, timezone="America/New_York")


def test_slug_for_names_files_by_local_date_then_hashtag() -> None:
    evening = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 on the 24th in New York

    assert slug_for(spec_on(evening, "localgovchat-2026-11-24")) == "2026-11-24-localgovchat"
    assert slug_for(spec_on(evening, "localgovchat-2026-11-24-2100")) == "2026-11-24-localgovchat-2100"
    assert slug_for(spec_on(evening, "budget-night")) == "2026-11-24-localgovchat-budget-night"
    # The same session always gets the same name, whatever zone its start was written in.
    assert slug_for(spec_on(evening.astimezone(NY), "localgovchat-2026-11-24")) == "2026-11-24-localgovchat"


def test_inferred_sessions_get_stable_slugs() -> None:
    rec = Recording()
    rec.weekly_chat(TUE_10)
    rec.weekly_chat(TUE_17)

    first = [slug_for(s.spec) for s in infer_sessions(rec.messages, NY)[0]]
    again = [slug_for(s.spec) for s in infer_sessions(list(rec.messages), NY)[0]]

    assert first == again == ["2026-11-10-localgovchat", "2026-11-17-localgovchat"]


def test_slugify_keeps_letters_and_digits_only() -> None:
    assert slugify("#LocalGovChat") == "localgovchat"
    assert slugify("  Budget Night: 2026!  ") == "budget-night-2026"
    assert slugify("#café_chat") == "caf-chat"
    assert slugify("###") == "chat"
    assert slugify("") == "chat"
