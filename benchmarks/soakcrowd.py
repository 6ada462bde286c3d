"""The soak's seeded crowd: who says what, on which platform, after which prompt; and the people
themselves: browsers on the web room's websocket (each from its own loopback address, reconnecting
when the bot restarts and sending again what it never saw taken, with the same idempotency key, as
a browser does), and posters on the fake X and fake Discord (through the fakes' own injection:
``XFake.tweet``/``like``, ``FakeDiscord.say``/``react``).

Every participant keeps its own log: what it sent, what the platform accepted (X and Discord accept
at once; the web room when the sender sees its message come back), what it saw of the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

WORDS = [
    "permits",
    "parking",
    "bins",
    "housing",
    "planning",
    "library",
    "council",
    "budget",
    "roads",
    "trees",
    "schools",
    "buses",
    "housing",
    "desk",
    "residents",
    "queue",
    "letters",
    "phone",
    "email",
    "waiting",
    "fair",
    "clear",
    "answer",
    "week",
    "hour",
]
PLATFORMS = ("web", "x", "discord")
VOTE = "\N{THUMBS UP SIGN}"


@dataclass(frozen=True)
class Act:
    """One thing one participant does: after prompt ``after`` is seen, ``delay`` seconds later."""

    who: int
    platform: str
    after: int  # prompt number (1..n) that must be seen first; 0: the welcome; -1: the clock
    delay: float  # after that; with after=-1, seconds before the chat's planned end
    kind: str  # answer | question | chat | vote
    text: str  # for a vote: the text of the question voted for


def script(seed: int, participants: int, prompts: int, gap: float, tail: float = 0.0) -> list[Act]:
    """The seeded crowd: each person answers most prompts, some ask, some chat, some vote (on the
    same platform as the question), and some say thanks in the chat's last seconds (``tail``: from
    the last prompt to the end). Texts are unique: they name their author and act."""
    rnd = random.Random(seed)
    acts: list[Act] = []
    asked: dict[str, list[tuple[int, str, int]]] = {p: [] for p in PLATFORMS}
    for who in range(participants):
        platform = platform_of(who, participants)
        for k in range(1, prompts + 1):
            if rnd.random() < 0.75:
                words = " ".join(rnd.choices(WORDS, k=rnd.randint(3, 9)))
                acts.append(
                    Act(
                        who, platform, k, rnd.uniform(0.2, gap * 0.5), "answer", f"A{k}: {words} (p{who}.{k})"
                    )
                )
        if rnd.random() < 0.2:
            k = rnd.randint(1, prompts)
            words = " ".join(rnd.choices(WORDS, k=rnd.randint(3, 7)))
            text = f"#ask why {words}? (p{who}.q)"
            acts.append(Act(who, platform, k, rnd.uniform(0.2, gap * 0.3), "question", text))
            asked[platform].append((who, text, k))
        if rnd.random() < 0.3:
            words = " ".join(rnd.choices(WORDS, k=4))
            acts.append(
                Act(who, platform, 0, rnd.uniform(0.2, gap * 0.5), "chat", f"hello from {words} (p{who}.c)")
            )
        if tail > 10 and rnd.random() < 0.1:  # in the chat's last seconds, by the clock
            thanks = f"thanks all, see you next week (p{who}.t)"
            acts.append(Act(who, platform, -1, rnd.uniform(2, 10), "chat", thanks))
    for who in range(participants):
        platform = platform_of(who, participants)
        choices = [q for q in asked[platform] if q[0] != who]
        if choices and rnd.random() < 0.35:
            _, text, k = rnd.choice(choices)
            acts.append(Act(who, platform, k, gap * 0.6 + rnd.uniform(0, gap * 0.2), "vote", text))
    return acts


def platform_of(who: int, participants: int) -> str:
    """Every third person on each platform; the web room takes at most 150 (its connection cap
    is 200 and the hosts' browsers need room too)."""
    web_cap = min(150, participants // 3 + 1)
    if who % 3 == 0 and who // 3 < web_cap:
        return "web"
    return "x" if who % 2 else "discord"


def hashtag_text(platform: str, text: str, hashtag: str) -> str:
    """On X a post carries the hashtag to be heard; elsewhere the room is the chat."""
    return f"{text} {hashtag}" if platform == "x" else text


@dataclass
class Ledger:
    """What one participant did and saw (its own log)."""

    sent: list[str] = field(default_factory=list)  # texts it tried to say
    accepted: list[str] = field(default_factory=list)  # texts the platform took (web: seen echoed)
    bot_seen: dict[str, str] = field(default_factory=dict)  # web: bot message id -> text
    resent: int = 0
    refused: list[str] = field(default_factory=list)
    seen_at: dict[str, datetime] = field(default_factory=dict)  # own text -> when first seen taken
    seen_how: dict[str, str] = field(default_factory=dict)  # own text -> "live", "on joining" or "sent again"


class WebPerson:
    """A browser in the room: one address, one cookie, one name, reconnecting across restarts."""

    def __init__(self, who: int, base: str, address: str, room: str, session_id: str = "") -> None:
        self.who, self.base, self.room, self.session_id = who, base, room, session_id
        self.name = f"Web person {who}"
        self.log = Ledger()
        self.http = aiohttp.ClientSession(
            base_url=base,
            connector=aiohttp.TCPConnector(local_addr=(address, 0)),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.me = ""
        self.pending: dict[str, str] = {}  # text -> its idempotency key, until seen taken
        self.connected = asyncio.Event()
        self.done = False
        self.task: asyncio.Task[None] | None = None
        self.reconnects = 0

    async def run(self, prompts_seen: dict[int, asyncio.Event]) -> None:
        """Stay in the room until told to leave, reconnecting whenever the socket goes."""
        while not self.done:
            with contextlib.suppress(TimeoutError, aiohttp.ClientError, OSError, ConnectionError):
                await self._session(prompts_seen)
            self.connected.clear()
            self.ws = None
            if not self.done:
                self.reconnects += 1
                await asyncio.sleep(0.3)

    async def _session(self, prompts_seen: dict[int, asyncio.Event]) -> None:
        page = await self.http.get(f"/chat/{self.room}", timeout=aiohttp.ClientTimeout(total=10))
        await page.read()
        if page.status != 200:
            return
        ws = await self.http.ws_connect(f"/chat/{self.room}/ws", heartbeat=None)
        self.ws = ws
        await ws.send_json({"type": "join", "name": self.name})
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            kind = frame.get("type")
            if kind == "welcome":
                for m in frame.get("messages", []):
                    self._saw(m, prompts_seen, how="on joining")
            elif kind == "joined":
                self.me = frame["you"]["id"]
                self.connected.set()
                for text in list(self.pending):  # never seen taken: sent again, same key, as a browser does
                    self.log.resent += 1
                    await self._send(text)
            elif kind == "message":
                self._saw(frame["message"], prompts_seen)
            elif kind == "sent":  # a resend of one stored already: no second message, only "sent"
                text = next((t for t, k in self.pending.items() if k == frame.get("ref")), None)
                if text is not None:
                    self._taken(text, "sent again")
            elif kind == "error" and "closed" in frame.get("error", ""):
                self.log.refused.append(frame["error"])

    def _saw(self, m: dict[str, Any], prompts_seen: dict[int, asyncio.Event], how: str = "live") -> None:
        author = m.get("author", {})
        text = m.get("text", "")
        if author.get("bot"):
            self.log.bot_seen[m["id"]] = text
            for k, ev in prompts_seen.items():
                if text.startswith(f"Q{k}"):
                    ev.set()
            if text.startswith("Welcome"):
                prompts_seen[0].set()
        elif author.get("name") == self.name and text in self.pending:
            self._taken(text, how)

    def _taken(self, text: str, how: str) -> None:
        del self.pending[text]
        self.log.accepted.append(text)
        self.log.seen_at[text] = datetime.now(UTC)
        self.log.seen_how[text] = how

    async def _send(self, text: str) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                key = self.pending[text]
                await self.ws.send_json({"type": "post", "text": text, "ref": key, "key": key})

    async def say(self, text: str) -> None:
        self.log.sent.append(text)
        self.pending[text] = secrets.token_hex(16)
        await self._send(text)

    async def vote(self, question_text: str, session_id: str) -> None:
        """Find the question's number in the public queue (as a person reads it) and upvote it."""
        tag = question_text.rsplit(" ", 1)[-1]  # "(p12.q)": every question names its asker
        for _ in range(20):
            with contextlib.suppress(
                aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError, KeyError
            ):
                q = await (await self.http.get(f"/api/sessions/{session_id}/queue")).json()
                number = next((x["number"] for x in q.get("queue", []) if tag in x.get("text", "")), None)
                if number is not None and self.ws is not None and not self.ws.closed:
                    self.log.sent.append(f"vote:{question_text}")
                    await self.ws.send_json({"type": "command", "name": "upvote", "args": [str(number)]})
                    return
            await asyncio.sleep(0.5)

    async def leave(self) -> None:
        self.done = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        await self.http.close()
