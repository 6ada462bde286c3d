"""The soak's verdict, from the records of everyone but the bot: the fakes' own (what X and Discord
accepted, what the bot posted there), the participants' own logs (what each saw echoed in the web
room), against the archive the bot kept and the recap it wrote.

- every accepted message stored exactly once (lost: stored 0 times; duplicated: more than once);
- every scheduled post made exactly once per platform, in the order of an uninterrupted run;
- the recap equal to an uninterrupted run's apart from timing (times, ids, durations).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from chatbot.store import Store

_TCO = re.compile(r"https://t\.co/\S+")
#: How the timeline's posts begin (chatbot.core.schedule's default templates): welcome, intro,
#: prompts, reminders, question slots, last call, closing.
SCHEDULED = (
    "Welcome",
    "Before we start",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "Reminder",
    "Question from",
    "Last call",
    "That's a wrap",
)


def stored_texts(db: Path, session_id: str) -> tuple[Counter[tuple[str, str]], list[dict[str, Any]]]:
    """How often each (platform, text) of a person is in the archive; and the ledger rows."""
    if not db.is_file():
        return Counter(), []
    store = Store(db)
    try:
        rows = store.message_rows(session_id)
        ledger = [dict(r) for r in store.ledger(session_id)]
    finally:
        store.close()
    people = Counter(
        (r["platform"], r["text"])
        for r in rows
        if r.get("kind") not in ("bot",) and r["handle"] != "@chatbot"
    )
    return people, ledger


def delivery(
    accepted: dict[str, list[str]],
    unconfirmed: dict[str, list[str]],
    stored: Counter[tuple[str, str]],
    before_end: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Per platform: accepted, lost (stored never), duplicated (stored more than once); and the
    texts sent but never confirmed (the web room never showed them back): stored at most once.
    ``before_end``: when each was accepted (seconds before the chat's end), to tell losses in the
    chat's last seconds from the rest."""
    before_end = before_end or {}
    out: dict[str, Any] = {}
    for platform, texts in accepted.items():
        counts = [stored[(platform, t)] for t in texts]
        maybe = [stored[(platform, t)] for t in unconfirmed.get(platform, [])]
        out[platform] = {
            "accepted": len(texts),
            "lost": sum(1 for n in counts if n == 0),
            "duplicated": sum(1 for n in counts + maybe if n > 1),
            "unconfirmed": len(maybe),
            "unconfirmed_stored": sum(1 for n in maybe if n == 1),
            "lost_in_last_20s": sum(
                1 for t, n in zip(texts, counts, strict=True) if n == 0 and before_end.get(t, 99) < 20
            ),
            "lost_examples": [
                f"{t} ({before_end[t]:g} s before the end)" if t in before_end else t
                for t, n in zip(texts, counts, strict=True)
                if n == 0
            ][:5],
        }
    return out


def scheduled(posts: list[str]) -> list[str]:
    """The bot's scheduled posts among all it said (replies to askers are not scheduled), links
    as X's shortener gives them left out (a new t.co address for every post)."""
    return [_TCO.sub("https://t.co/...", p) for p in posts if p.startswith(SCHEDULED) or "Last call" in p]


def posting(bot_posts: dict[str, list[str]], reference: dict[str, list[str]] | None) -> dict[str, Any]:
    """Per platform: the scheduled posts made, how many more times one was made than in the
    uninterrupted run (a reminder's text repeats: counted against the reference, not against 1),
    and whether they came in the same order."""
    out: dict[str, Any] = {}
    for platform, posts in bot_posts.items():
        mine = scheduled(posts)
        ref = scheduled(reference.get(platform, [])) if reference is not None else list(dict.fromkeys(mine))
        made, wanted = Counter(mine), Counter(ref)
        extra = {t: made[t] - wanted[t] for t in made if made[t] > wanted[t]}
        entry: dict[str, Any] = {
            "scheduled_posts": len(mine),
            "duplicated": sum(made[t] - max(wanted[t], 1) for t in made if made[t] > max(wanted[t], 1)),
            "duplicated_examples": [t[:60] for t in extra][:3],
        }
        if reference is not None:
            entry["same_as_uninterrupted"] = mine == ref
            entry["missing"] = [t[:60] for t in wanted if made[t] < wanted[t]][:5]
            entry["extra"] = [t[:60] for t in extra][:5]
        out[platform] = entry
    return out


def recap_of(out: Path) -> dict[str, Any] | None:
    """The session's recap export among the JSON files of ``out`` (the index has its own)."""
    for f in sorted(out.glob("*.json")):
        export = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(export, dict) and "messages" in export and "session" in export:
            return export
    return None


def normalized(export: dict[str, Any]) -> dict[str, Any]:
    """What a reader compares across two runs: who said what, answering what, asked what with how
    many votes, and the counts; not when, nor the platforms' ids."""

    def author(a: Any) -> str:
        return str(a.get("handle", a)) if isinstance(a, dict) else str(a)

    stats = {k: v for k, v in export.get("stats", {}).items() if "minute" not in k and "time" not in k}
    return {
        "stats": stats,
        "prompts": sorted(
            (p["label"], p["text"], sorted((author(a["author"]), a["text"]) for a in p.get("answers", [])))
            for p in export.get("prompts", [])
        ),
        "questions": sorted(
            (author(q["author"]), q["text"], q["status"], q.get("upvotes", 0))
            for q in export.get("questions", [])
        ),
        "participants": sorted(
            (p["handle"], p.get("platform", ""), p["role"], p["messages"], p["answers"], p["questions"])
            for p in export.get("participants", [])
        ),
        "messages": sorted(
            (author(m["author"]), m["text"], m["kind"], sorted(m.get("answers_prompts", [])))
            for m in export.get("messages", [])
        ),
    }


def recap_difference(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    """What differs between two recaps apart from timing (empty: equal)."""
    if a is None or b is None:
        return ["a recap is missing"]
    na, nb = normalized(a), normalized(b)
    if not na["messages"]:
        return ["the recap holds no messages"]
    out = []
    for key in na:
        if na[key] != nb[key]:
            if isinstance(na[key], list):
                only_a = [x for x in na[key] if x not in nb[key]][:2]
                only_b = [x for x in nb[key] if x not in na[key]][:2]
                out.append(
                    f"{key}: {len(na[key])} vs {len(nb[key])}; "
                    f"only faulted {only_a!r:.300}; only uninterrupted {only_b!r:.300}"
                )
            else:
                out.append(f"{key}: {na[key]!r:.300} vs {nb[key]!r:.300}")
    return out
