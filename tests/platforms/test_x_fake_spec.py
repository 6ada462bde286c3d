"""The fake X API answers in the shapes X's own OpenAPI spec declares, and the adapter asks only for
what the spec knows. Names the spec moved from "tweet" to "post" and "retweet" to "repost"
(``edit_history_tweet_ids``, ``referenced_tweets``, ``retweet_count``, ``tweet.fields``: the live
API and tweepy still say "tweet"; PLATFORMS.md) and problem types under api.twitter.com count as
the spec's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chatbot.clock import VirtualClock
from tests.platforms import xkit
from tests.platforms.xfake import XFake, serve

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SEARCH = "/2/tweets/search/recent"


class Spec:
    def __init__(self, path: Path) -> None:
        self.doc = json.loads(path.read_text(encoding="utf-8"))

    def schema(self, ref: str) -> dict[str, Any]:
        node: Any = self.doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return dict(node)

    def response(self, method: str, path: str, status: str) -> dict[str, Any]:
        content = self.doc["paths"][path][method.lower()]["responses"][status]["content"]
        return dict(content["application/json"]["schema"])

    def parameters(self, method: str, path: str) -> set[str]:
        names = set()
        for p in self.doc["paths"][path][method.lower()]["parameters"]:
            names.add(self.schema(p["$ref"])["name"] if "$ref" in p else p["name"])
        return names

    def problems(self, where: str, value: Any, node: dict[str, Any]) -> list[str]:
        """What in ``value`` the schema ``node`` does not allow (a subset of JSON Schema: enough
        for X's responses)."""
        if "$ref" in node:
            return self.problems(where, value, self.schema(node["$ref"]))
        for key in ("oneOf", "anyOf"):
            if key in node:
                tried = [self.problems(where, value, option) for option in node[key]]
                return [] if any(not t for t in tried) else min(tried, key=len)
        if "allOf" in node:
            return [p for part in node["allOf"] for p in self.problems(where, value, part)]
        kind = node.get("type")
        kinds = {
            "object": dict,
            "array": list,
            "string": str,
            "integer": int,
            "boolean": bool,
            "number": (int, float),
        }
        if kind in kinds and not isinstance(value, kinds[kind]):
            return [f"{where}: {value!r} is not {kind}"]
        if "enum" in node and _alias_value(value) not in node["enum"] and value not in node["enum"]:
            return [f"{where}: {value!r} not in {node['enum']}"]
        if "pattern" in node and isinstance(value, str) and not re.search(node["pattern"], value):
            return [f"{where}: {value!r} does not match {node['pattern']}"]
        out: list[str] = []
        if isinstance(value, dict):
            props = node.get("properties", {})
            present = {*value, *map(_alias, value)}
            out += [f"{where}.{k}: required" for k in node.get("required", []) if k not in present]
            for k, v in value.items():
                declared = k if k in props else _alias(k)
                if declared not in props:
                    out.append(f"{where}.{k}: not declared")
                else:
                    out += self.problems(f"{where}.{k}", v, props[declared])
        if isinstance(value, list) and "items" in node:
            for i, item in enumerate(value):
                out += self.problems(f"{where}[{i}]", item, node["items"])
        return out


def _alias(name: str) -> str:
    return name.replace("retweet", "repost").replace("tweet", "post")


def _alias_value(value: Any) -> Any:
    return value.replace("api.twitter.com", "api.x.com") if isinstance(value, str) else value


@pytest.fixture
def spec(shared_data: Path) -> Spec:
    return Spec(shared_data / "api-specs" / "xdevplatform-xdk" / "openapi.json")


async def test_the_fakes_answers_have_the_specs_shapes(spec: Spec) -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    ann = fake.user("ann", "Ann")
    first = fake.tweet(ann, "#ask what about https://example.org/plan & the bins? @chatbot #localgovchat")
    fake.tweet(fake.bot, "Q1: permits? #localgovchat", reply_to=int(first))
    fields = (
        "created_at,author_id,conversation_id,referenced_tweets,entities,public_metrics,in_reply_to_user_id"
    )
    bearer = {"Authorization": f"Bearer {fake.creds.app_bearer}"}
    user = {"Authorization": f"Bearer {fake.creds.user_token}"}
    async with serve(fake) as url, aiohttp.ClientSession(url) as http:

        async def get(path: str, headers: dict[str, str], **query: str) -> tuple[int, Any]:
            async with http.get(path, params=query, headers=headers) as r:
                return r.status, await r.json(content_type=None)

        checks = [
            (
                200,
                SEARCH,
                await get(
                    SEARCH,
                    bearer,
                    query="#localgovchat",
                    **{"tweet.fields": fields, "expansions": "author_id", "max_results": "10"},
                ),
            ),
            (200, SEARCH, await get(SEARCH, bearer, query="#nothing", max_results="10")),
            (
                200,
                "/2/tweets",
                await get("/2/tweets", bearer, ids=f"{first},1", **{"tweet.fields": "public_metrics"}),
            ),
            (200, "/2/users/me", await get("/2/users/me", user)),
            (200, "/2/users/by", await get("/2/users/by", bearer, usernames="ann,nobody")),
        ]
        async with http.post("/2/tweets", json={"text": "Welcome! #localgovchat"}, headers=user) as r:
            created = (r.status, await r.json())
    for status, path, (got, body) in checks:
        assert got == status
        assert spec.problems(path, body, spec.response("GET", path, str(status))) == []
    assert created[0] == 201
    assert spec.problems("create", created[1], spec.response("POST", "/2/tweets", "201")) == []
    assert checks[1][2][1] == {"meta": {"result_count": 0}}  # no data key when nothing matched


async def test_errors_are_problem_json_with_the_specs_fields(spec: Spec) -> None:
    fake = XFake(VirtualClock(T0))
    async with serve(fake) as url, aiohttp.ClientSession(url) as http:
        bearer = {"Authorization": f"Bearer {fake.creds.app_bearer}"}
        async with http.get(SEARCH, params={"query": "#x", "max_results": "5"}, headers=bearer) as r:
            invalid = (r.status, r.content_type, await r.json())
        async with http.get(SEARCH, params={"query": "#x"}, headers={"Authorization": "Bearer wrong"}) as r:
            refused = (r.status, r.content_type, await r.json(content_type=None))
    assert invalid[:2] == (400, "application/json")
    problem = spec.schema("#/components/schemas/InvalidRequestProblem")
    assert spec.problems("400", {k: v for k, v in invalid[2].items() if k != "errors"}, problem) == []
    assert refused[:2] == (401, "application/problem+json")
    assert set(refused[2]) == {"title", "detail", "type", "status"} and refused[2]["status"] == 401


async def test_the_adapter_asks_only_for_parameters_and_fields_the_spec_knows(spec: Spec) -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    async with serve(fake) as url:
        p = xkit.platform(url, clock, hosts=("@govhost",))
        await p.start()
        fake.tweet("ann", "#ask one? #localgovchat")
        await p.history()
        p.watch_votes([str(fake.timeline.posts[-1].id)])
        await p.post("Welcome #localgovchat")
        await p.stop()
    paths = {"search": SEARCH, "lookup": "/2/tweets", "me": "/2/users/me", "users": "/2/users/by"}
    post_fields = set(spec.schema("#/components/schemas/Post")["properties"])
    for request in fake.log:
        if request.endpoint in paths:
            known = spec.parameters("GET", paths[request.endpoint])
            assert {_alias(k) if k not in known else k for k in request.params} <= known, request
            asked = request.params.get("tweet.fields", "")
            assert {_alias(f) if f not in post_fields else f for f in asked.split(",") if f} <= post_fields
