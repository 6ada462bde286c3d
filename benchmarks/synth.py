"""A synthetic hashtag chat, the same for every program measured: our JSON Lines, deterministic.

Each session is a weekly one-hour chat on X with 10 prompts from ``@host`` (``Q1`` ... ``Q10``, five
minutes apart) and ``n`` messages from up to 2,000 people: answers (``A3: ...``), chat, questions
(``#ask``), retweets of the prompts, replies, links and mentions, in the proportions of the real
chats in ``../shared/data``. ``python -m benchmarks.synth 10000 chat.jsonl`` writes one.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HASHTAG = "#benchchat"
ZONE = timezone(timedelta(hours=-5))
FIRST = datetime(2026, 1, 6, 21, 0, tzinfo=ZONE)
PROMPTS = 10
PEOPLE = 2000
WORDS = (
    "budget",
    "residents",
    "council",
    "permits",
    "parking",
    "trust",
    "staff",
    "training",
    "library",
    "roads",
    "outreach",
    "survey",
    "feedback",
    "transparency",
    "meeting",
    "agenda",
    "video",
    "thread",
    "reply",
    "privacy",
    "tone",
    "policy",
    "answer",
    "town",
    "power",
    "plan",
    "data",
    "open",
    "service",
    "digital",
    "community",
    "teams",
    "voice",
    "public",
    "local",
    "news",
    "story",
    "share",
    "help",
)


def _words(rng: random.Random, low: int = 6, high: int = 22) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(low, high)))


def session_messages(n: int, week: int, rng: random.Random, first_id: int) -> Iterator[dict[str, Any]]:
    """One chat's ``n`` messages (at least the welcome and the prompts), in time order."""
    start = FIRST + timedelta(weeks=week)
    host = {"id": "1", "handle": "@host", "name": "The Host"}
    next_id = first_id
    prompt_ids: list[str] = []
    said: list[str] = []
    timeline: list[tuple[float, dict[str, Any]]] = [
        (-60.0, {"author": host, "text": f"Welcome to {HASHTAG}! Say hi and where you work."})
    ]
    for i in range(1, PROMPTS + 1):
        text = f"Q{i}: What would you change about {rng.choice(WORDS)} and {rng.choice(WORDS)}? {HASHTAG}"
        timeline.append((300.0 * (i - 1), {"author": host, "text": text, "prompt": i}))
    rest = max(n - len(timeline), 0)
    for k in range(rest):
        at = 3600.0 * (k + rng.random()) / max(rest, 1)
        timeline.append((at, {"at": at}))
    timeline.sort(key=lambda t: t[0])
    for at, spec in timeline:
        msg_id = str(next_id)
        next_id += 1
        ts = start + timedelta(seconds=at)
        record: dict[str, Any] = {"id": msg_id, "platform": "x", "ts": ts.isoformat(timespec="milliseconds")}
        if "author" in spec:
            record["author"], record["text"] = spec["author"], spec["text"]
            if "prompt" in spec:
                prompt_ids.append(msg_id)
        else:
            who = rng.randrange(2, PEOPLE + 2)
            record["author"] = {"id": str(who), "handle": f"@p{who}", "name": f"Person {who}"}
            current = max(1, min(PROMPTS, int(at // 300) + 1))
            roll = rng.random()
            if roll < 0.62:
                text = f"A{current}: {_words(rng)} {HASHTAG}"
            elif roll < 0.78:
                text = f"{_words(rng)} {HASHTAG}"
            elif roll < 0.81:
                text = f"{_words(rng, 4, 12)}? #ask {HASHTAG}"
            elif roll < 0.86 and prompt_ids:
                text = f"RT @host: Q{current}: {_words(rng, 3, 8)} {HASHTAG}"
                record["is_repost"] = True
            elif roll < 0.93 and said:
                text = f"@p{rng.randrange(2, PEOPLE + 2)} {_words(rng)} {HASHTAG}"
                record["reply_to"] = rng.choice(said[-50:])
            elif roll < 0.96:
                text = f"A{current}: {_words(rng, 3, 10)} https://example.org/{rng.choice(WORDS)} {HASHTAG}"
            else:
                text = f"{_words(rng, 4, 14)} {HASHTAG}"
                record["likes"] = rng.randrange(0, 30)
            record["text"] = text
            said.append(msg_id)
        yield record


def chat(n: int, *, sessions: int = 1, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` messages over ``sessions`` weekly chats (as even as it divides)."""
    rng = random.Random(seed)
    next_id = 1_000_000
    for week in range(sessions):
        size = n // sessions + (1 if week < n % sessions else 0)
        for record in session_messages(size, week, rng, next_id):
            next_id += 1
            yield record


def quiet_channel(n: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """A Discord channel read over decades: ``n`` messages from 300 people, a few at a time (one
    to five, a minute apart) with 1.5 to 5 hours of silence between (a burst each), and no
    hosted chat."""
    rng = random.Random(seed)
    at = FIRST
    left = 0
    for i in range(n):
        if left == 0:
            at += timedelta(minutes=rng.uniform(91, 300))
            left = rng.randrange(1, 6)
        else:
            at += timedelta(seconds=rng.uniform(10, 60))
        left -= 1
        who = rng.randrange(300)
        yield {
            "id": str(2_000_000_000 + i),
            "platform": "discord",
            "ts": at.isoformat(timespec="milliseconds"),
            "author": {"id": str(9000 + who), "handle": f"member{who}", "name": f"Member {who}"},
            "text": _words(rng),
        }


def write(path: Path, n: int, *, sessions: int = 1, seed: int = 7, shape: str = "chat") -> Path:
    """Write the chat (``shape`` "chat") or a quiet channel ("quiet") as JSON Lines (once: an
    existing file of the same name is reused)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file():
        return path
    records = quiet_channel(n, seed=seed) if shape == "quiet" else chat(n, sessions=sessions, seed=seed)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("messages", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--sessions", type=int, default=1)
    args = ap.parse_args()
    write(args.out, args.messages, sessions=args.sessions)
    print(args.out)


if __name__ == "__main__":
    main()
