"""The host dashboard: login, cookies, CSRF, origin checks, and that refused requests change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from multidict import MultiDict

from chatbot.web.host import command_text
from chatbot.web.security import HostAuth, TokenBucket
from tests.web.conftest import TOKEN, login
from tests.web.fakes import FakeLive

SID = "localgovchat-2026-11-24"
ACTION = f"/host/{SID}/action"


async def ask(live: FakeLive, text: str = "/ask Is social media fair?") -> None:
    from chatbot.core.model import Author, Message
    from tests.web.fakes import START

    await live.submit(
        Message(
            id=f"q{len(live.submitted)}", platform="web", ts=START, author=Author("w1", "Jane"), text=text
        )
    )


async def test_dashboard_asks_for_login(client: TestClient[Any, Any]) -> None:
    r = await client.get(f"/host/{SID}")
    assert r.status == 200
    page = await r.text()
    assert 'action="/login"' in page and "data-csrf" not in page
    assert r.headers["Cache-Control"] == "no-store"
    assert (await client.get("/host/nosuchsession")).status == 404


async def test_login_sets_a_strict_session_cookie(client: TestClient[Any, Any]) -> None:
    bad = await client.post("/login", data={"token": "wrong", "next": f"/host/{SID}"}, allow_redirects=False)
    assert bad.status == 403 and "chatbot_host" not in bad.cookies
    r = await client.post("/login", data={"token": TOKEN, "next": f"/host/{SID}"}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/host/{SID}"
    cookie = r.cookies["chatbot_host"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 12 * 3600
    assert cookie.value != TOKEN and len(cookie.value) >= 40
    page = await (await client.get(f"/host/{SID}")).text()
    assert "data-csrf" in page and "Question queue" in page


async def test_login_redirect_stays_on_site(client: TestClient[Any, Any]) -> None:
    for target in ("https://evil.example/", "//evil.example/host/x", "/host/\\evil"):
        r = await client.post("/login", data={"token": TOKEN, "next": target}, allow_redirects=False)
        assert r.headers["Location"] == "/"


async def test_login_from_another_site_is_refused(client: TestClient[Any, Any]) -> None:
    r = await client.post("/login", data={"token": TOKEN}, headers={"Origin": "https://evil.example"})
    assert r.status == 403


async def test_login_attempts_are_limited(client: TestClient[Any, Any]) -> None:
    statuses = [(await client.post("/login", data={"token": "guess"})).status for _ in range(11)]
    assert statuses[:10] == [403] * 10 and statuses[10] == 429


async def test_readers_and_participants_get_403(client: TestClient[Any, Any], live: FakeLive) -> None:
    await ask(live)
    await client.get("/chat/localgovchat")  # a participant cookie is no host login
    for data in ({"action": "approve", "n": "1"}, {"action": "end", "csrf": "x"}):
        r = await client.post(ACTION, data=data)
        assert r.status == 403
    assert (await client.get(f"/host/{SID}/events")).status == 403
    assert len(live.submitted) == 1 and live.engine.queue.get(1).status.value == "open"
    assert live.status == "scheduled"


async def test_csrf_and_origin_are_checked(client: TestClient[Any, Any], live: FakeLive) -> None:
    await ask(live)
    csrf = await login(client)
    assert (await client.post(ACTION, data={"action": "approve", "n": "1"})).status == 403
    assert (
        await client.post(ACTION, data={"action": "approve", "n": "1", "csrf": csrf[:-1] + "x"})
    ).status == 403
    cross = await client.post(
        ACTION, data={"action": "approve", "n": "1", "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status == 403
    referer = await client.post(
        ACTION,
        data={"action": "approve", "n": "1", "csrf": csrf},
        headers={"Referer": "https://evil.example/x"},
    )
    assert referer.status == 403
    assert live.engine.queue.get(1).status.value == "open" and len(live.submitted) == 1


async def test_action_becomes_a_host_message(client: TestClient[Any, Any], live: FakeLive) -> None:
    await ask(live)
    csrf = await login(client)
    host = f"http://{client.host}:{client.port}"
    r = await client.post(
        ACTION,
        data={"action": "approve", "n": "1", "csrf": csrf},
        headers={"Accept": "application/json", "Origin": host},
    )
    assert r.status == 200
    assert await r.json() == {"ok": True, "replies": ["LocalGovChat: question #1 approved (place 1)."]}
    message = live.submitted[-1]
    assert (message.platform, message.author.handle, message.text) == ("web", "LocalGovChat", "/approve 1")
    assert live.engine.queue.get(1).status.value == "approved"
    # without JS: a redirect and the reply shown once on the dashboard
    r = await client.post(ACTION, data={"action": "answered", "n": "1", "csrf": csrf}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/host/{SID}"
    page = await (await client.get(f"/host/{SID}")).text()
    assert "question #1 marked answered" in page
    assert "question #1 marked answered" not in await (await client.get(f"/host/{SID}")).text()
    # refused by the engine: ok false, nothing changes
    r = await client.post(
        ACTION, data={"action": "reject", "n": "9", "csrf": csrf}, headers={"Accept": "application/json"}
    )
    assert (await r.json())["ok"] is False


async def test_header_csrf_works_too(client: TestClient[Any, Any], live: FakeLive) -> None:
    csrf = await login(client)
    r = await client.post(
        ACTION, data={"action": "start"}, headers={"X-CSRF-Token": csrf, "Accept": "application/json"}
    )
    assert r.status == 200 and live.status == "live"


async def test_bad_actions_are_400(client: TestClient[Any, Any], live: FakeLive) -> None:
    csrf = await login(client)
    for data in (
        {"action": "drop_table"},
        {"action": "approve", "n": "x"},
        {"action": "extend", "minutes": "999"},
    ):
        assert (await client.post(ACTION, data={**data, "csrf": csrf})).status == 400
    assert live.submitted == []


async def test_host_events_stream_full_state(client: TestClient[Any, Any], live: FakeLive) -> None:
    await ask(live)
    await ask(live, "/ask second one")
    await login(client)
    r = await client.get(f"/host/{SID}/events")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    first = (await r.content.readuntil(b"\n\n")).decode()
    assert first.startswith("event: state\ndata: ") and '"number":2' in first
    r.close()


async def test_logout(client: TestClient[Any, Any]) -> None:
    csrf = await login(client)
    assert (await client.post("/logout", data={})).status == 403
    r = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 303
    assert "data-csrf" not in await (await client.get(f"/host/{SID}")).text()


def test_sessions_expire() -> None:
    now = [1000.0]
    auth = HostAuth(TOKEN, hours=12, clock=lambda: now[0])
    session = auth.login()
    request = make_mocked_request("GET", "/", headers={"Cookie": f"chatbot_host={session.sid}"})
    assert auth.session(request) is session
    now[0] += 12 * 3600
    assert auth.session(request) is None
    assert auth.check_token(TOKEN) and not auth.check_token(TOKEN + "x") and not auth.check_token("")


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"action": "start"}, "/start"),
        ({"action": "next_question"}, "/next_question"),
        ({"action": "approve", "n": "#3"}, "/approve 3"),
        ({"action": "merge", "n": "4", "into": "2"}, "/merge 4 2"),
        ({"action": "route", "n": "5", "team": "  Parks \n and   Rec "}, "/route 5 Parks and Rec"),
        ({"action": "extend", "minutes": "10"}, "/extend 10"),
    ],
)
def test_command_text(form: dict[str, str], text: str) -> None:
    assert command_text(MultiDict(form)) == text


@pytest.mark.parametrize(
    "form",
    [
        {"action": "route", "n": "5", "team": " "},
        {"action": "merge", "n": "4"},
        {"action": "approve", "n": "0"},
    ],
)
def test_command_text_refuses(form: dict[str, str]) -> None:
    with pytest.raises(web.HTTPBadRequest):
        command_text(MultiDict(form))


def test_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(5, 5.0, clock=lambda: now[0])
    assert all(bucket.take() for _ in range(5)) and not bucket.take()
    assert bucket.wait() == pytest.approx(1.0)
    now[0] += 1.0
    assert bucket.take() and not bucket.take()
