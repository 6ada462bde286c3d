"""The chat-exporter comparison renders the same chat as our recap: the synthetic chat seeded into
the fake Discord and read back by the real discord.py client, as the peer's render gets it."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import synth
from benchmarks.peers import LIKE, SetClock, history, logged_in, no_network, seed
from tests.platforms.discordfake.server import FakeDiscord
from tests.platforms.discordfake.world import GUILD_MEMBERS, MESSAGE_CONTENT


async def test_the_peer_reads_every_message_of_the_synthetic_chat_with_its_author_reply_and_likes(
    tmp_path: Path,
) -> None:
    source = synth.write(tmp_path / "chat.jsonl", 250)
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    fake = FakeDiscord(SetClock(datetime(2026, 1, 1, tzinfo=UTC)), privileged=MESSAGE_CONTENT | GUILD_MEMBERS)
    world = seed(fake, source)
    async with fake.running():
        where = {"base_url": fake.base_url, "gateway_url": fake.gateway_url, "token": fake.token, **world}
        async with logged_in(where) as client:
            channel, messages = await history(client, world["channel_id"])
            requests = client.requests_made

    assert [m.content for m in messages] == [r["text"] for r in rows]  # all 250, oldest first
    assert requests >= 3  # read a page of 100 at a time, over the wire
    by_synth_id = {r["id"]: m for r, m in zip(rows, messages, strict=True)}
    for r, m in zip(rows, messages, strict=True):
        assert m.author.display_name == r["author"]["name"]
        assert m.created_at == datetime.fromisoformat(r["ts"])
        if r.get("reply_to"):
            assert m.reference is not None and m.reference.message_id == by_synth_id[r["reply_to"]].id
        else:
            assert m.reference is None
        assert {str(x.emoji): x.count for x in m.reactions} == ({LIKE: r["likes"]} if r.get("likes") else {})
    assert any(r.get("reply_to") for r in rows) and any(r.get("likes") for r in rows)
    host = next(m.author for m in messages if m.content.startswith("Q1:"))
    assert [role.name for role in host.roles] == ["@everyone", "Chat hosts"]  # a member, from the cache
    assert channel.name == "benchchat"


def test_no_network_refuses_any_host_but_loopback_and_restores_lookups() -> None:
    real = socket.getaddrinfo
    with no_network() as refused:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("cdn.jsdelivr.net", 443)
        assert socket.getaddrinfo("127.0.0.1", 80)
    assert refused == ["cdn.jsdelivr.net"]
    assert socket.getaddrinfo is real
