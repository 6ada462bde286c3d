"""The fake Discord answers as Discord does: every JSON answer a hosting session gets from it
matches the response schema of Discord's OpenAPI spec for that route and status, with exactly
``Content-Type: application/json``; and its gateway speaks the protocol discord.py expects
(heartbeats acknowledged, a resume replays what was missed)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import SystemClock
from chatbot.core.model import Author
from chatbot.platforms.discord_.settings import Place
from tests.platforms.discordfake.kit import chat, fast_clock, until, world
from tests.platforms.discordfake.world import Channel

SPEC = Path("api-specs") / "discord-api-spec" / "openapi.json"
TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


class Schema:
    """Just enough JSON Schema to hold a payload against the spec: $ref, oneOf/anyOf/allOf, type,
    enum, required, properties, items."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def errors(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        schema = self.resolve(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                tried = [self.errors(value, s, where) for s in schema[key]]
                if not any(not e for e in tried):
                    return min(tried, key=len)
        problems = [e for s in schema.get("allOf", []) for e in self.errors(value, s, where)]
        kinds = schema.get("type")
        if kinds is not None:
            allowed = tuple(TYPES[k] for k in ([kinds] if isinstance(kinds, str) else kinds))
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
                return [f"{where}: {value!r} is not {kinds}"]
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} not in {schema['enum']}")
        if isinstance(value, dict):
            problems += [f"{where}.{k}: missing" for k in schema.get("required", []) if k not in value]
            for k, sub in schema.get("properties", {}).items():
                if k in value:
                    problems += self.errors(value[k], sub, f"{where}.{k}")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                problems += self.errors(item, schema["items"], f"{where}[{i}]")
        return problems

    def response(self, method: str, route: str, status: int) -> dict[str, Any]:
        pattern = re.sub(r"\\\{\w+\\\}", r"\\{\\w+\\}", re.escape(route))
        (path,) = [p for p in self.spec["paths"] if re.fullmatch(pattern, p)]
        answer = self.resolve(self.spec["paths"][path][method.lower()]["responses"][str(status)])
        return dict(answer["content"]["application/json"]["schema"])


async def test_every_answer_of_a_hosted_session_matches_the_openapi_spec(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    schema = Schema(json.loads((shared_data / SPEC).read_text(encoding="utf-8")))
    clock = fast_clock(3)
    async with world(clock, monkeypatch) as w:
        session = chat()
        p = w.adapter(session, clock, default=Place(int(w.guild.id), int(w.channel.id), thread=True))
        await p.start()
        clock.release()
        try:
            p.follow_session("scheduled", session.spec.start, session.spec.start)
            first = await p.post("Join us soon for #localgovchat")  # before the start: the event's link
            await until(clock, 0.1)
            p.follow_session("live", session.spec.start, session.spec.start)
            await p.post("Welcome! #localgovchat")  # opens the thread
            await p.post("Q1: What do residents ask first?", reply_to=first)
            thread: Channel = next(c for c in w.fake.channels.values() if c.is_thread)
            said = w.fake.say(w.ann, thread, "A1: permits")
            await p.history(after=first)
            interaction = w.fake.slash(w.ann, thread, "ask", question="Who decides?")
            await asyncio.sleep(0.05)
            ann = w.ann.user
            await p.post("thanks", to=Author(ann.id, ann.username), reply_to=interaction.id)
            await p.post("a word for you alone", to=Author(ann.id, ann.username))
            await w.fake.answer_of(interaction)
            p.follow_session("ended", session.spec.start, session.spec.start)
            assert said
        finally:
            await p.stop()
    checked = set()
    for method, route, status, body in w.fake.responses:
        if status >= 400:
            continue
        problems = schema.errors(body, schema.response(method, route, status), f"{method} {route}")
        assert problems == [], problems[:5]
        checked.add(f"{method} {route}")
    assert w.fake.content_types == {"application/json"}
    assert {
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "PUT /applications/{app}/guilds/{gid}/commands",
        "POST /channels/{cid}/messages",
        "GET /channels/{cid}/messages",
        "POST /channels/{cid}/messages/{mid}/threads",
        "GET /guilds/{gid}/scheduled-events",
        "POST /guilds/{gid}/scheduled-events",
        "PATCH /guilds/{gid}/scheduled-events/{eid}",
        "POST /interactions/{iid}/{token}/callback",
        "POST /webhooks/{app}/{token}",
        "POST /users/@me/channels",
    } <= checked


async def test_errors_are_discords_json_and_heartbeats_are_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with world(SystemClock(), monkeypatch) as w:
        p = w.adapter(chat())
        await p.start()
        try:
            assert w.fake.gateway.heartbeats >= 1  # discord.py beats at once after HELLO; each got op 11
            w.fake.gateway.ask_reconnect()  # op 7: it comes back with RESUME
            w.fake.say(w.ann, w.channel, "said while it reconnected")
            for _ in range(100):
                if w.fake.gateway.resumed:
                    break
                await asyncio.sleep(0.01)
            assert w.fake.gateway.resumed == 1 and w.fake.gateway.identified == 1
            history = await p.history()
            assert [m.text for m in history] == ["said while it reconnected"]
        finally:
            await p.stop()
        errors = [(m, r, s, b) for m, r, s, b in w.fake.responses if s >= 400]
        assert all(set(b) >= {"message", "code"} for *_, b in errors)
