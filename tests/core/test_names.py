"""Look-alike display names: the UTS #39 skeleton catches other scripts' letters, fullwidth forms
and case, and leaves names that really differ apart."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.core.confusables import DATA, VERSION
from chatbot.core.names import likenesses, looks_like, parse_table, skeleton, table_lines


@pytest.mark.parametrize(
    "spoof",
    [
        "\u04bbost",  # Cyrillic small shha for h
        "h\u03bfst",  # Greek small omicron for o
        "\u041dost",  # Cyrillic capital en for H
        "\u0397\u039f\u0405\u03a4",  # Greek capitals eta, omicron, tau; Cyrillic capital dze
        "\uff48\uff4f\uff53\uff54",  # fullwidth
        "HoSt",  # case
        "h o s t",  # spacing
        "h\u200bost",  # a zero-width space inside
        "\U0001d421ost",  # mathematical bold h
    ],
)
def test_look_alikes_of_a_name_are_caught(spoof: str) -> None:
    assert looks_like(spoof, "host")
    assert "host" in likenesses(spoof)


def test_the_hosts_hashtag_name_with_other_scripts_letters() -> None:
    assert looks_like("LocalG\u03bfvChat", "LocalGovChat")  # Greek omicron
    assert looks_like("L0calGovChat", "LocalGovChat")  # a zero for the o
    assert looks_like("1ocalGovChat", "LocalGovChat")  # a one for the l
    assert looks_like("\u0421hatbot", "chatbot")  # Cyrillic capital es for C
    assert looks_like("rnary", "mary")  # r and n side by side look like m
    assert looks_like("Ian", "ian") and looks_like("Ian", "lan")  # a capital I looks like l


@pytest.mark.parametrize(("a", "b"), [("Jane", "Jake"), ("Ann", "Anne"), ("Sam", "Pam"), ("Q1", "Q2")])
def test_names_that_really_differ_stay_apart(a: str, b: str) -> None:
    assert not looks_like(a, b)


def test_a_name_without_letters_or_digits_looks_like_nothing() -> None:
    assert likenesses("... !!! ()") == frozenset()
    assert not looks_like("...", "!!!")


def test_skeleton_is_the_uts39_one() -> None:
    assert skeleton("paypal") == skeleton("p\u0430yp\u0430l")  # Cyrillic a
    assert skeleton("\u0131") == "i"  # dotless i
    assert unicodedata.is_normalized("NFD", skeleton("Jos\u00e9"))


@given(st.text(max_size=30))
def test_spacing_and_invisible_characters_change_nothing(name: str) -> None:
    padded = "\u200b ".join(name) + "  \ufeff"
    assert likenesses(padded) == likenesses(name)


@given(st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=1, max_size=30))
def test_any_case_of_a_name_is_the_same_name(name: str) -> None:
    assert looks_like(name.upper(), name.lower()) or not likenesses(name)
    assert looks_like(name, name.swapcase()) or not likenesses(name)


def test_the_table_is_confusables_txt() -> None:
    """The generator reads Unicode's file format; the shipped table parses to every mapping."""
    excerpt = (
        "# confusables.txt\n"
        "04BB ;\t0068 ;\tMA\t# ( \u04bb \u2192 h ) CYRILLIC SMALL LETTER SHHA \u2192 LATIN SMALL LETTER H\n"
        "03BF ;\t006F ;\tMA\t# ( \u03bf \u2192 o )\n"
        "2034 ;\t0027 0027 0027 ;\tMA\t# triple prime\n"
        "0570 ;\t0068 ;\tMA\t# ( \u0570 \u2192 h ) ARMENIAN SMALL LETTER HO\n"
    )
    lines = list(table_lines(excerpt))
    assert lines == ["0027+0027+0027=2034", "0068=04BB 0570", "006F=03BF"]
    assert parse_table("\n".join(lines)) == {"\u2034": "'''", "\u04bb": "h", "\u0570": "h", "\u03bf": "o"}
    table = parse_table(DATA)
    assert VERSION == "13.0.0" and len(table) == 6311
    assert table["\u04bb"] == "h" and table["\u03bf"] == "o" and table["\u0131"] == "i"
