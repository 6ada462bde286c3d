"""Who a browser is, over the real app: identities the server signs (a made-up or altered cookie
gets a fresh one, and only so many per address), names released after the grace period, look-alike
names refused, and whom the app believes behind a reverse proxy (X-Forwarded-For and -Proto)."""

from __future__ import annotations

import logging
import re
import stat
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import ClientSession
from yarl import URL

from chatbot.config import ConfigError, load_config
from chatbot.platforms.web import WebSettings
from chatbot.web.security import PARTICIPANT_COOKIE, SECRET_FILE, load_secret
from tests.web.conftest import NewClient
from tests.web.kit import TOKEN, Served, config, hosted, until
from tests.web.test_abuse_limits import WS, enter, hold_time
from tests.web.test_room import receive

ROOM = "/chat/localgovchat"


async def visitors(new_client: NewClient, count: int) -> list[ClientSession]:
    """``count`` browsers that opened the room page (each with an identity of its own)."""
    made = [new_client() for _ in range(count)]
    for browser in made:
        assert (await browser.get(ROOM)).status == 200
    return made


def cookie(client: ClientSession) -> str:
    return next(c.value for c in client.cookie_jar if c.key == PARTICIPANT_COOKIE)


async def test_a_made_up_or_altered_cookie_is_refused_and_replaced(
    new_client: NewClient, served: Served
) -> None:
    honest = new_client()
    await honest.get(ROOM)
    value = cookie(honest)
    identity, _, signature = value.partition(".")
    assert identity and signature  # issued by the server, signed
    mallory = new_client()
    base = URL(served.base)
    made_up = [
        "x" * 32,  # the old unsigned form: whatever the client sends
        f"{identity}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # altered signature
        f"{identity[:-1]}{'A' if identity[-1] != 'A' else 'B'}.{signature}",  # someone else's id
        f"{identity}.",
    ]
    for forged in made_up:
        mallory.cookie_jar.update_cookies({PARTICIPANT_COOKIE: forged}, base)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await mallory.ws_connect(WS)
        assert refused.value.status == 403
    # the room page replaces it with a fresh identity of its own, which works
    mallory.cookie_jar.update_cookies({PARTICIPANT_COOKIE: made_up[1]}, base)
    await mallory.get(ROOM)
    fresh = cookie(mallory)
    assert fresh not in made_up and fresh.partition(".")[0] != identity
    ws, joined = await enter(mallory, "Mallory")
    honest_ws, honest_joined = await enter(honest, "Honest Abe")
    assert joined["type"] == honest_joined["type"] == "joined"
    assert joined["you"]["id"] != honest_joined["you"]["id"]
    await ws.close()
    await honest_ws.close()


async def test_a_reconnecting_browser_asks_for_the_state_and_gets_a_new_identity(
    client: ClientSession, served: Served
) -> None:
    client.cookie_jar.update_cookies({PARTICIPANT_COOKIE: "y" * 32}, URL(served.base))
    r = await client.get(f"{ROOM}/state")
    assert r.status == 200 and (await r.json())["open"] is True
    ws = await client.ws_connect(WS)  # what room.js does when its socket closed: now it works
    await receive(ws, "welcome")


async def test_one_address_gets_only_so_many_new_identities(new_client: NewClient, served: Served) -> None:
    share = served.ctx.trust.identities.per_address.count
    statuses = []
    for _ in range(share + 2):
        r = await new_client().get(ROOM)
        statuses.append(r.status)
    assert statuses == [200] * share + [429, 429]
    assert "too many new participants from your address" in await (await new_client().get(ROOM)).text()


async def test_a_name_is_released_after_the_grace_period(new_client: NewClient, served: Served) -> None:
    clock = hold_time(served)
    robin, other = await visitors(new_client, 2)
    ws, said = await enter(robin, "Robin")
    assert said["type"] == "joined"
    await ws.close()
    await until(lambda: served.room.online == 0, "the room sees Robin leave")
    ws2, refused = await enter(other, "robin")
    assert refused["type"] == "error" and "already uses the name" in refused["error"]
    ws, said = await enter(robin, "Robin")  # a quick reconnect keeps it
    assert said["type"] == "joined"
    await ws.close()
    await until(lambda: served.room.online == 1, "the room sees Robin leave again")
    clock.advance(timedelta(seconds=served.room.limits.name_grace + 1))
    await ws2.send_json({"type": "join", "name": "Robin", "ref": "again"})
    assert (await receive(ws2, "joined"))["you"]["name"] == "Robin"


async def test_a_name_said_something_under_is_kept(new_client: NewClient, served: Served) -> None:
    clock = hold_time(served)
    kim, other = await visitors(new_client, 2)
    ws, _ = await enter(kim, "Kim")
    await ws.send_json({"type": "post", "text": "hello from Kim", "ref": "k"})
    await receive(ws, "sent")
    await ws.close()
    clock.advance(timedelta(seconds=served.room.limits.name_grace * 10))
    _, refused = await enter(other, "KIM")
    assert refused["type"] == "error" and "already uses the name" in refused["error"]


@pytest.mark.parametrize(
    ("name", "whose"),
    [
        ("LocalG\u03bfvChat", "the host's"),  # Greek omicron
        ("\u04bbost", None),  # Cyrillic shha: not a host here, so allowed
        (
            "\uff2c\uff4f\uff43\uff41\uff4c\uff27\uff4f\uff56\uff23\uff48\uff41\uff54",
            "the host's",
        ),  # fullwidth
        ("localgovCHAT", "the host's"),
        ("L\u043ecal G\u043ev Chat", "the host's"),  # Cyrillic o, spaced
        ("chatb\u03bft", "the bot's"),
    ],
)
async def test_look_alike_names_of_the_hosts_and_the_bot_are_refused(
    client: ClientSession, served: Served, name: str, whose: str | None
) -> None:
    await client.get(ROOM)
    _, said = await enter(client, name)
    if whose is None:
        assert said["type"] == "joined"
        return
    assert said["type"] == "error"
    assert f"looks like {whose} name" in said["error"] and "reserved for the hosts" in said["error"]


async def test_a_look_alike_of_someone_here_is_refused(new_client: NewClient, served: Served) -> None:
    jane, mallory = await visitors(new_client, 2)
    _, said = await enter(jane, "Jane")
    assert said["type"] == "joined"
    _, refused = await enter(mallory, "J\u0430ne")  # Cyrillic a
    assert refused["type"] == "error" and "looks like the name of someone here ('Jane')" in refused["error"]


# -- behind a reverse proxy -------------------------------------------------------------------------
def proxied(tmp: Path, transcripts: Path, proxies: tuple[str, ...]) -> AbstractAsyncContextManager[Served]:
    tmp.mkdir(exist_ok=True)
    cfg = config(tmp / "chatbot.db", transcripts)
    return hosted(replace(cfg, platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN, proxies)}))


Sockets = list[aiohttp.ClientWebSocketResponse]


async def _connections_from(client: ClientSession, forwarded: str, count: int, kept: Sockets) -> list[int]:
    """Statuses of ``count`` sockets opened with ``X-Forwarded-For: forwarded`` (kept open)."""
    statuses = []
    for _ in range(count):
        try:
            kept.append(await client.ws_connect(WS, headers={"X-Forwarded-For": forwarded}))
            statuses.append(101)
        except aiohttp.WSServerHandshakeError as refused:
            statuses.append(refused.status)
    return statuses


async def test_x_forwarded_for_counts_from_a_trusted_proxy_only(tmp_path: Path, transcripts: Path) -> None:
    """Ten sockets per address. Behind a trusted proxy (the test's 127.0.0.1), each forwarded client
    has ten; the right-most address the proxy did not add is the client's, so a spoofed one on the
    left changes nothing. Without the setting the header is ignored: all share 127.0.0.1's ten."""
    kept: Sockets = []
    jar = aiohttp.CookieJar(unsafe=True)
    async with (
        proxied(tmp_path, transcripts, ("127.0.0.1", "10.0.0.0/8")) as served,
        aiohttp.ClientSession(base_url=served.base, cookie_jar=jar) as c,
    ):
        await c.get(ROOM)
        per = served.room.limits.max_per_address
        assert await _connections_from(c, "203.0.113.5", per + 1, kept) == [101] * per + [429]
        # the client spoofs an address on the left; a second proxy (10.1.2.3) forwarded it
        assert await _connections_from(c, "198.51.100.1, 203.0.113.5, 10.1.2.3", 1, kept) == [429]
        assert await _connections_from(c, "203.0.113.6", 1, kept) == [101]
    async with (
        proxied(tmp_path / "b", transcripts, ()) as served,
        aiohttp.ClientSession(base_url=served.base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as c,
    ):
        await c.get(ROOM)
        per = served.room.limits.max_per_address
        spoofed = [await _connections_from(c, f"203.0.113.{n}", 1, kept) for n in range(per + 1)]
        assert spoofed == [[101]] * per + [[429]]


async def test_cookies_are_secure_behind_a_trusted_tls_proxy(tmp_path: Path, transcripts: Path) -> None:
    https = {"X-Forwarded-Proto": "https"}
    async with (
        proxied(tmp_path, transcripts, ("127.0.0.1",)) as served,
        aiohttp.ClientSession(base_url=served.base) as c,
    ):
        room = await c.get(ROOM, headers=https)
        assert room.cookies[PARTICIPANT_COOKIE]["secure"]
        login = await c.post("/login", data={"token": TOKEN}, headers=https, allow_redirects=False)
        assert login.status == 303 and login.cookies["chatbot_host"]["secure"]
        plain = await aiohttp.ClientSession(base_url=served.base).__aenter__()
        try:
            assert not (await plain.get(ROOM)).cookies[PARTICIPANT_COOKIE]["secure"]
        finally:
            await plain.close()
    async with (  # nobody trusted: the header is ignored
        proxied(tmp_path / "b", transcripts, ()) as served,
        aiohttp.ClientSession(base_url=served.base) as c,
    ):
        assert not (await c.get(ROOM, headers=https)).cookies[PARTICIPANT_COOKIE]["secure"]


# -- the server's secret ------------------------------------------------------------------------------
async def test_identities_outlive_a_restart_and_the_secret_is_never_logged(
    tmp_path: Path, transcripts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = config(tmp_path / "chatbot.db", transcripts)
    jar = aiohttp.CookieJar(unsafe=True)
    async with hosted(cfg) as served, aiohttp.ClientSession(base_url=served.base, cookie_jar=jar) as c:
        await c.get(ROOM)
        _, first = await enter(c, "Returning Rita")
    kept = tmp_path / SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    secret = kept.read_text().strip()
    async with hosted(cfg) as served, aiohttp.ClientSession(base_url=served.base, cookie_jar=jar) as c:
        ws = await c.ws_connect(WS)  # the old cookie is still good: no new page needed
        await ws.send_json({"type": "join", "name": "Returning Rita"})
        assert (await receive(ws, "joined"))["you"]["id"] == first["you"]["id"]
    assert secret not in caplog.text and secret not in repr(served.ctx)


def test_web_settings_name_the_key(tmp_path: Path) -> None:
    base = '[[session]]\nhashtag = "#x"\nstart = "2026-11-24 21:00"\ntimezone = "UTC"\nhosts = ["@h"]\n'
    path = tmp_path / "chat.toml"
    path.write_text('[platforms.web]\ntrusted_proxies = ["10.0.0.0/8", "proxy.example"]\n' + base)
    with pytest.raises(ConfigError, match=re.escape("platforms.web.trusted_proxies: 'proxy.example' is not")):
        load_config(path, env={})
    path.write_text(
        '[platforms.web]\ntrusted_proxies = ["10.0.0.0/8", "::1"]\nsecret_env = "ROOM_SECRET"\n' + base
    )
    web = load_config(path, env={"ROOM_SECRET": "s" * 8 + "-long-enough"}).web
    assert web.trusted_proxies == ("10.0.0.0/8", "::1") and web.secret == "ssssssss-long-enough"
    assert "long-enough" not in repr(web)
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_config(path, env={"ROOM_SECRET": "short"})


def test_the_secret_from_the_environment_or_kept_beside_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_secret("a-chosen-secret-of-length", tmp_path) == b"a-chosen-secret-of-length"
    assert not (tmp_path / SECRET_FILE).exists()  # chosen: nothing written
    made = load_secret(None, tmp_path)
    assert load_secret(None, tmp_path) == made  # kept: the same at the next start
    not_a_folder = tmp_path / "chatbot.db"  # where the folder should be: no file can go there
    not_a_folder.write_text("")
    assert len(load_secret(None, not_a_folder)) >= 32  # a secret for this run, and a warning
    assert "secret_not_kept" in caplog.text and made.decode() not in caplog.text
