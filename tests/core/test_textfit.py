"""Weighted length as X counts it, hashtags, and splitting long posts into numbered threads."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.core.textfit import (
    Limits,
    clusters,
    fit,
    has_hashtag,
    plain_length,
    url_spans,
    utf8_length,
    utf16_length,
    weighted_length,
    x_weighted_length,
)
from chatbot.platforms.registry import REGISTRY
from tests.core.twitter_text import load

LIMITS = {name: REGISTRY.describe(name).post_limits for name in ("x", "discord", "web", "irc")}

TAG = "#localgovchat"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"  # thumbs up + medium skin tone
SUFFIX = re.compile(r" \((\d+)/(\d+)\)$")


def words(parts: list[str], *, drop: str | None = None) -> list[str]:
    """The words of a thread with numbering (and optionally a tag) taken out."""
    out = []
    for part in parts:
        for w in SUFFIX.sub("", part).split():
            if drop is None or w.lower() != drop.lower():
                out.append(w)
    return out


# --- x_weighted_length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello world", 11),
        ("A1: we use open data portals #localgovchat", 42),
        ("café", 4),  # Latin-1 weighs 1
        ("cafe\u0301", 4),  # NFC first: e + combining acute becomes one é
        ("\u201cquoted\u201d \u2014 dash", 15),  # curly quotes and em dash are in the light ranges
        ("日本語", 6),  # CJK weighs 2
        ("한국어 ok", 9),  # Hangul syllables are above 4351
        ("\U0001f600", 2),  # one emoji
        ("\u2764\ufe0f", 2),  # heart + VS16 is one emoji
        (FAMILY, 2),  # a ZWJ sequence of 7 code points counts once
        (THUMBS_MEDIUM, 2),  # an emoji with a skin-tone modifier
        ("\U0001f1fa\U0001f1f8", 2),  # a flag (two regional indicators)
        ("1\ufe0f\u20e3", 2),  # keycap
        (FAMILY + THUMBS_MEDIUM + " hi", 7),
    ],
)
def test_weighted_length(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/a/very/long/path/that/goes/on/and/on?query=1&other=2#fragment",
        "https://www.localgov.org/chats/2026-11-03",
        "www.example.org/page",
        "example.com",
        "gov.uk/guidance",
    ],
)
def test_url_counts_23(url: str) -> None:
    assert x_weighted_length(url) == 23
    assert x_weighted_length(f"see {url} now") == 4 + 23 + 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # each checked against twitter-text 3.1.0's parseTweet
        ("https://例え.jp/x", 23),  # an internationalized domain
        ("https://example.com。次", 27),  # CJK punctuation ends a URL
        ("https://example.com#f", 25),  # ... and so does a hashtag right after the domain
        ("example.com?x=1", 27),  # a bare domain takes a path but no query
        ("http://localhost/x", 18),  # no dot, no link
        ("README.md", 23),  # a two-letter TLD
        ("bike.nyc and ok.So", 23 + 5 + 23),
        ("Node.js", 7),
        ("e.g. U.S.A. a.m. Ph.D. etc.", 27),
        ("see gov.uk now", 31),
    ],
)
def test_url_edges_as_twitter_text_counts_them(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_url_trailing_punctuation_is_not_part_of_it() -> None:
    text = "Read this (https://example.com/a_(b)) and https://example.org/x."
    assert [text[a:b] for a, b in url_spans(text)] == ["https://example.com/a_(b)", "https://example.org/x"]
    assert x_weighted_length("https://example.com/x.") == 24


def test_emails_and_plain_words_are_not_urls() -> None:
    assert url_spans("mail jane@example.com, e.g. Node.js or i.e. this") == []
    assert x_weighted_length("jane@example.com") == 16


def test_clusters_keep_emoji_sequences_whole() -> None:
    assert list(clusters(f"a{FAMILY}b{THUMBS_MEDIUM}")) == ["a", FAMILY, "b", THUMBS_MEDIUM]


# --- fit: hashtag ----------------------------------------------------------------------------------


def test_hashtag_appended_once() -> None:
    assert fit("Welcome everyone!", LIMITS["x"], hashtag="localgovchat") == [f"Welcome everyone! {TAG}"]
    assert fit("Welcome everyone!", LIMITS["x"], hashtag=TAG) == [f"Welcome everyone! {TAG}"]


def test_hashtag_present_in_another_case_is_not_appended() -> None:
    assert fit("Welcome to #LocalGovChat, everyone!", LIMITS["x"], hashtag=TAG) == [
        "Welcome to #LocalGovChat, everyone!"
    ]


def test_hashtag_must_be_a_whole_tag() -> None:
    assert not has_hashtag("#localgovchatter is another chat", TAG)
    assert not has_hashtag("x#localgovchat", TAG)
    assert has_hashtag("(#LOCALGOVCHAT)", TAG)
    assert fit("Try #localgovchatter", LIMITS["x"], hashtag=TAG) == [f"Try #localgovchatter {TAG}"]


def test_no_hashtag_and_blank_text() -> None:
    assert fit("  hello  ", LIMITS["discord"], hashtag=None) == ["hello"]
    assert fit("   ", LIMITS["x"], hashtag=None) == []
    assert fit("", LIMITS["x"], hashtag=TAG) == [TAG]


def test_limits_choose_the_counter_not_a_platform_name() -> None:
    bytes_of_50 = Limits(50, utf8_length)
    assert fit("é" * 25, bytes_of_50, hashtag=None) == ["é" * 25]
    assert len(fit("é" * 26, bytes_of_50, hashtag=None)) == 2
    assert fit("é" * 26, Limits(50), hashtag=None) == ["é" * 26]  # code points by default
    with pytest.raises(ValueError, match="no room for text"):
        Limits(5)


# --- fit: limits and splitting -----------------------------------------------------------------------


def test_exactly_280_with_tag_is_one_post() -> None:
    body = "a" * (280 - len(TAG) - 1)
    assert fit(body, LIMITS["x"], hashtag=TAG) == [f"{body} {TAG}"]
    assert x_weighted_length(f"{body} {TAG}") == 280


def test_exactly_280_weighted_with_cjk_and_url_passes() -> None:
    text = "日" * 100 + " https://example.com/" + "x" * 200 + " " + "a" * 55  # 200 + 1 + 23 + 1 + 55
    assert x_weighted_length(text) == 280
    assert fit(text, LIMITS["x"], hashtag=None) == [text]


def test_281_splits() -> None:
    text = " ".join(["word"] * 56) + "ss"  # 56 words of 4, 55 spaces, 2 more letters
    assert x_weighted_length(text) == 281
    parts = fit(text, LIMITS["x"], hashtag=None)
    assert len(parts) == 2
    assert parts[0].endswith(" (1/2)") and parts[1].endswith(" (2/2)")
    assert all(x_weighted_length(p) <= 280 for p in parts)
    assert words(parts) == text.split()


PROMPT = (
    "Q3: Many councils now publish their budgets as open data, but few residents ever look at them. "
    "What has your town done to make the budget readable, from plain-language summaries to "
    "interactive dashboards at https://example.gov/budget/2026/dashboard?view=summary&lang=en, "
    "and how do you know whether anyone used it? Share links, screenshots, or lessons learned! "
    "Bonus: what would you do differently next year, and who would you involve earlier?"
)


def test_long_prompt_on_x_becomes_a_numbered_thread_with_the_tag() -> None:
    parts = fit(PROMPT, LIMITS["x"], hashtag="localgovchat")
    assert len(parts) == 2
    for i, part in enumerate(parts, 1):
        assert x_weighted_length(part) <= 280
        assert part.endswith(f" {TAG} ({i}/2)")
    assert words(parts, drop=TAG) == PROMPT.split()
    # the URL is never cut
    assert sum("https://example.gov/budget/2026/dashboard?view=summary&lang=en," in p for p in parts) == 1


def test_parts_end_at_sentences_when_that_costs_no_extra_part() -> None:
    first = "This is the first sentence of a long prompt, " + "with many words " * 7 + "in it."
    second = "This is the second sentence, " + "again with many words " * 5 + "and an ending!"
    parts = fit(f"{first} {second}", LIMITS["x"], hashtag=TAG)
    assert parts == [f"{first} {TAG} (1/2)", f"{second} {TAG} (2/2)"]
    # where cutting at sentences would need a third part, parts are filled instead
    assert len(fit(PROMPT, LIMITS["x"], hashtag=TAG)) == 2


def test_tag_already_in_text_is_only_added_to_parts_without_it() -> None:
    text = "Welcome to #LocalGovChat! " + " ".join(f"word{i}" for i in range(80))
    parts = fit(text, LIMITS["x"], hashtag=TAG)
    assert len(parts) > 1
    assert TAG not in parts[0].lower().replace("#localgovchat!", "")  # not added twice to the first
    assert all(has_hashtag(p, TAG) for p in parts)


def test_many_parts_numbering_width() -> None:
    text = " ".join(f"w{i:03d}" for i in range(600))  # 3,000 chars: more than 9 parts on X
    parts = fit(text, LIMITS["x"], hashtag=TAG)
    n = len(parts)
    assert n >= 10
    assert [SUFFIX.search(p).groups() for p in parts] == [(str(i), str(n)) for i in range(1, n + 1)]  # type: ignore[union-attr]
    assert all(x_weighted_length(p) <= 280 for p in parts)
    assert words(parts, drop=TAG) == text.split()


def test_a_single_word_longer_than_the_limit_is_cut() -> None:
    word = "a" * 700
    parts = fit(word, LIMITS["x"], hashtag=None)
    assert all(x_weighted_length(p) <= 280 for p in parts)
    assert "".join(SUFFIX.sub("", p) for p in parts) == word


def test_cjk_without_spaces_splits_after_punctuation_and_keeps_emoji_whole() -> None:
    sentence = "地方自治体のオープンデータについて話しましょう。" + FAMILY
    text = sentence * 12
    parts = fit(text, LIMITS["x"], hashtag=None)
    assert len(parts) > 1
    assert all(x_weighted_length(p) <= 280 for p in parts)
    assert "".join(SUFFIX.sub("", p) for p in parts) == text
    for p in parts[:-1]:
        assert SUFFIX.sub("", p).endswith(("。", FAMILY))


def test_newlines_are_kept_inside_parts() -> None:
    text = "Line one.\nLine two.\n\nLine three."
    assert fit(text, LIMITS["discord"], hashtag=None) == [text]


@pytest.mark.parametrize("platform", ["discord", "web", "irc"])
def test_other_platforms_split_on_their_own_limit(platform: str) -> None:
    limits = LIMITS[platform]
    text = " ".join(["émoji-ready café"] * (limits.max_length // 8))
    parts = fit(text, limits, hashtag="localgovchat")
    assert len(parts) > 1
    assert all(limits.fits(p) for p in parts)
    # off X the tag is appended once, to the whole text, so it ends the last part
    assert sum(has_hashtag(p, TAG) for p in parts) == 1
    assert SUFFIX.sub("", parts[-1]).endswith(TAG)
    assert words(parts, drop=TAG) == text.split()


def test_irc_counts_bytes() -> None:
    assert utf8_length("é") == LIMITS["irc"].count("é") == 2
    assert utf16_length("\U0001f600") == LIMITS["discord"].count("\U0001f600") == 2  # UTF-16 units
    assert plain_length("\U0001f600") == LIMITS["web"].count("\U0001f600") == 1
    text = "é" * 201  # 402 bytes
    parts = fit(text, LIMITS["irc"], hashtag=None)
    assert len(parts) == 2 and all(len(p.encode()) <= 400 for p in parts)


_word = st.lists(
    st.sampled_from([*"abcXYZ.,!?日本", "\U0001f600", THUMBS_MEDIUM, FAMILY, "https://t.co/x", "é"]),
    min_size=1,
    max_size=40,
).map("".join)


@settings(deadline=None)
@given(st.lists(_word, min_size=1, max_size=150), st.sampled_from(["x", "discord", "irc"]))
def test_fit_never_loses_text_and_every_part_fits(ws: list[str], platform: str) -> None:
    text = " ".join(ws)
    parts = fit(text, LIMITS[platform], hashtag=None)
    assert all(LIMITS[platform].fits(p) for p in parts)
    stripped = [SUFFIX.sub("", p) for p in parts] if len(parts) > 1 else parts
    rejoined = "".join(stripped)
    assert rejoined.replace(" ", "") == unicodedata.normalize("NFC", text).replace(" ", "")


# -- X's own conformance cases (twitter-text, ../shared/data/twitter-text-conformance) -------------
WEIGHTED = [
    ("WeightedTweetsWithDiscountedEmojiCounterTest", True),  # v3, what X counts today
    ("UnicodeDirectionalMarkerCounterTest", True),
    ("WeightedTweetsCounterTest", False),  # v2: each code point of an emoji by its own weight
]


def conformance(shared_data: Path, name: str) -> dict[str, Any]:
    tests: dict[str, Any] = load(shared_data / "twitter-text-conformance" / name)["tests"]
    return tests


@pytest.mark.parametrize(("group", "emoji"), WEIGHTED)
def test_weighted_length_passes_xs_conformance_cases(shared_data: Path, group: str, emoji: bool) -> None:
    cases = conformance(shared_data, "validate.yml")[group]
    wrong = [
        (c["description"], got, c["expected"]["weightedLength"])
        for c in cases
        if (got := weighted_length(c["text"], emoji=emoji)) != c["expected"]["weightedLength"]
    ]
    assert wrong == [] and cases
    if emoji:  # what a post is measured with
        assert all(x_weighted_length(c["text"]) == c["expected"]["weightedLength"] for c in cases)


@pytest.mark.parametrize(
    "group", ["urls", "urls_with_indices", "urls_with_directional_markers", "tco_urls_with_params"]
)
def test_links_are_found_where_x_finds_them(shared_data: Path, group: str) -> None:
    """A link counts 23 wherever X finds one, and nowhere else."""
    wrong = []
    for c in conformance(shared_data, "extract.yml")[group]:
        text, want = c["text"], c["expected"]
        spans = url_spans(text)
        got: list[Any] = [text[a:b] for a, b in spans]
        if want and isinstance(want[0], dict):
            got = [{"url": text[a:b], "indices": [a, b]} for a, b in spans]
        if got != want:
            wrong.append((c["description"], got, want))
    assert wrong == []


def test_every_top_level_domain_x_knows_makes_a_link(shared_data: Path) -> None:
    tests = conformance(shared_data, "tlds.yml")
    cases = tests["country"] + tests["generic"]
    wrong = [c["text"] for c in cases if [c["text"][a:b] for a, b in url_spans(c["text"])] != c["expected"]]
    assert wrong == [] and len(cases) > 1500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),  # a 64-letter label
        ("see example.com/path and https://t.co/abc?x=1.", 4 + 23 + 5 + 23 + 1),
        ("ELPAÍS.com twitter.みんな", 23 + 1 + 23),
    ],
)
def test_links_that_are_not_links(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected
