"""The room's limits and names on their own, with time held still: buckets charged to several keys
at once, forgotten once full again; names held while online, for a grace period, or for good."""

from __future__ import annotations

import pytest

from chatbot.platforms.webguard import Buckets, NameBook, Rate, RoomError


class Now:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_an_action_is_charged_to_every_key_or_to_none() -> None:
    now = Now()
    buckets = Buckets(now)
    person, address = Rate(5, 5.0), Rate(8, 5.0)
    taken = [buckets.take((("id", "a"), person), (("address", "x"), address)) == 0 for _ in range(7)]
    assert taken == [True] * 5 + [False] * 2  # a's own five
    # b, from the same address, gets what is left of the address's eight; a's refusals cost nothing
    taken_b = [buckets.take((("id", "b"), person), (("address", "x"), address)) == 0 for _ in range(5)]
    assert taken_b == [True, True, True, False, False]
    wait = buckets.take((("id", "c"), person), (("address", "x"), address))
    assert wait == pytest.approx(5.0 / 8)  # until the address has a token again
    now.t += 5.0
    assert buckets.take((("id", "c"), person), (("address", "x"), address)) == 0


def test_idle_buckets_are_forgotten() -> None:
    now = Now()
    buckets = Buckets(now)
    for n in range(100):
        for _ in range(5):  # emptied
            buckets.take((("address", f"10.0.0.{n}"), Rate(5, 5.0)))
    assert len(buckets) == 100
    now.t += 4.0
    buckets.prune()
    assert len(buckets) == 100  # not full yet: kept
    now.t += 1.0
    buckets.prune()
    assert len(buckets) == 0


def book(spoken: set[str] | None = None) -> tuple[NameBook, Now]:
    now = Now()
    said = spoken if spoken is not None else set()
    names = NameBook(120.0, now, lambda aid: aid in said)
    names.reserve("LocalGovChat", "host")
    names.reserve("chatbot", "bot")
    return names, now


@pytest.mark.parametrize(
    ("name", "whose"),
    [
        ("LocalG\u03bfvChat", "host's"),
        ("\uff4c\uff4f\uff43\uff41\uff4c\uff47\uff4f\uff56\uff43\uff48\uff41\uff54", "host's"),
        ("LOCAL GOV CHAT", "host's"),
        ("\u0441hatbot", "bot's"),
    ],
)
def test_look_alikes_of_the_hosts_and_the_bot_are_refused(name: str, whose: str) -> None:
    names, _ = book()
    with pytest.raises(RoomError, match=f"looks like the {whose} name"):
        names.take("w1", name)
    names.take("host-x", name, host=True)  # a logged-in host may


def test_a_name_is_held_while_online_then_for_the_grace_period() -> None:
    names, now = book()
    names.take("w1", "Robin")
    with pytest.raises(RoomError, match="already uses the name 'Robin'"):
        names.take("w2", "Robin")
    with pytest.raises(RoomError, match="looks like the name of someone here"):
        names.take("w2", "R\u03bfbin")
    names.left("w1")
    now.t += 119
    with pytest.raises(RoomError):
        names.take("w2", "robin")
    names.take("w1", "Robin")  # a quick reconnect keeps it
    names.left("w1")
    now.t += 121
    names.take("w2", "Robin")  # released
    with pytest.raises(RoomError):
        names.take("w1", "Robin")


def test_a_name_said_something_under_is_kept_for_good() -> None:
    spoken: set[str] = set()
    names, now = book(spoken)
    names.take("w1", "Kim")
    spoken.add("w1")
    names.left("w1")
    now.t += 10_000
    with pytest.raises(RoomError, match="already uses the name"):
        names.take("w2", "Kim")
    with pytest.raises(RoomError, match="you keep the name you first posted with"):
        names.take("w1", "Kimberly")
    names.restore("w3", "Kim")  # what a restart brings back does not take a held name
    names.take("w1", "KIM")
