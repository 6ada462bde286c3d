"""The fake X API's filtered stream: rules, and the one connection an app may hold.

``GET/POST /2/tweets/search/stream/rules`` keep the app's rules (value and tag; ``add`` and
``delete``; answers with ``meta.summary`` as X's). ``GET /2/tweets/search/stream`` holds one
connection open (a second is refused with 429 ``TooManyConnections``) and writes each new post
matching a rule as one JSON line (``data``, ``includes.users``, ``matching_rules`` with id and
tag), ``\\r\\n`` between them. ``drop()`` closes every connection as X does at times.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.platforms.xfake.model import Post, iso_z, matches, parse_query

if TYPE_CHECKING:
    from tests.platforms.xfake.app import XFake


class FilteredStream:
    def __init__(self, fake: XFake) -> None:
        self.fake = fake
        self.rules: dict[str, tuple[str, str]] = {}  # id -> (value, tag)
        self.opened: list[datetime] = []  # when each connection was opened
        self._listeners: list[asyncio.Queue[Post | None]] = []
        self._seq = 1_600_000_000_000_000_000

    @property
    def connected(self) -> int:
        return len(self._listeners)

    def publish(self, post: Post) -> None:
        for q in self._listeners:
            q.put_nowait(post)

    def drop(self) -> None:
        """Close every open connection (the client sees the stream end)."""
        for q in self._listeners:
            q.put_nowait(None)

    # -- routes --------------------------------------------------------------------------------
    async def get_rules(self, request: web.Request) -> web.StreamResponse:
        data = [{"id": i, "value": v, "tag": t} for i, (v, t) in self.rules.items()]
        body: dict[str, Any] = {"meta": {"sent": iso_z(self.fake.clock.now()), "result_count": len(data)}}
        if data:
            body["data"] = data
        return web.json_response(body)

    async def post_rules(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json()
        meta: dict[str, Any] = {"sent": iso_z(self.fake.clock.now())}
        if "add" in payload:
            added = []
            for rule in payload["add"]:
                self._seq += 1
                rid = str(self._seq)
                self.rules[rid] = (rule["value"], rule.get("tag", ""))
                added.append(
                    {"id": rid, "value": rule["value"], **({"tag": rule["tag"]} if "tag" in rule else {})}
                )
            meta["summary"] = {"created": len(added), "not_created": 0, "valid": len(added), "invalid": 0}
            return web.json_response({"data": added, "meta": meta}, status=201)
        ids = [i for i in payload.get("delete", {}).get("ids", []) if i in self.rules]
        for i in ids:
            del self.rules[i]
        meta["summary"] = {
            "deleted": len(ids),
            "not_deleted": len(payload.get("delete", {}).get("ids", [])) - len(ids),
        }
        return web.json_response({"meta": meta})

    async def connect(self, request: web.Request) -> web.StreamResponse:
        if self._listeners:
            body = {
                "title": "ConnectionException",
                "detail": "This stream is currently at the maximum allowed connection limit.",
                "connection_issue": "TooManyConnections",
                "type": "https://api.twitter.com/2/problems/streaming-connection",
            }
            return web.json_response(body, status=429, content_type="application/problem+json")
        self.opened.append(self.fake.clock.now())
        fields = set((request.query.get("tweet.fields") or "").split(","))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        q: asyncio.Queue[Post | None] = asyncio.Queue()
        self._listeners.append(q)
        try:
            while (post := await q.get()) is not None:
                hits = [(i, t) for i, (v, t) in self.rules.items() if matches(parse_query(v), post)]
                if not hits:
                    continue
                item: dict[str, Any] = {"data": self.fake.render(post, fields)}
                if includes := self.fake.includes([post], request.query):
                    item["includes"] = includes
                item["matching_rules"] = [{"id": i, "tag": t} for i, t in hits]
                await response.write(json.dumps(item).encode() + b"\r\n")
        finally:
            self._listeners.remove(q)
        return response
