"""The host dashboard on the real runner: login, cookies, CSRF, origin checks, commands given as
the host, and that refused requests change nothing."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import make_mocked_request
from multidict import MultiDict

from chatbot.web.host import action_command
from chatbot.web.security import HostAuth, TokenBucket
from tests.web.conftest import login
from tests.web.kit import SID, TOKEN, Served, until

ACTION = f"/host/{SID}/action"


async def ask(served: Served, text: str = "/ask Is social media fair?") -> None:
    """Jane asks in the room; the runner has queued it (and answered her) when this returns."""
    await served.say("Jane", text)


async def test_dashboard_asks_for_login(client: ClientSession) -> None:
    r = await client.get(f"/host/{SID}")
    assert r.status == 200
    page = await r.text()
    assert 'action="/login"' in page and "data-csrf" not in page
    assert r.headers["Cache-Control"] == "no-store"
    assert (await client.get("/host/nosuchsession")).status == 404


async def test_login_sets_a_strict_session_cookie(client: ClientSession) -> None:
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


async def test_login_redirect_stays_on_site(client: ClientSession) -> None:
    for target in ("https://evil.example/", "//evil.example/host/x", "/host/\\evil"):
        r = await client.post("/login", data={"token": TOKEN, "next": target}, allow_redirects=False)
        assert r.headers["Location"] == "/"


async def test_login_from_another_site_is_refused(client: ClientSession) -> None:
    r = await client.post("/login", data={"token": TOKEN}, headers={"Origin": "https://evil.example"})
    assert r.status == 403


async def test_login_attempts_are_limited(client: ClientSession) -> None:
    statuses = [(await client.post("/login", data={"token": "guess"})).status for _ in range(11)]
    assert statuses[:10] == [403] * 10 and statuses[10] == 429


async def test_readers_and_participants_get_403(client: ClientSession, served: Served) -> None:
    await ask(served)
    await client.get("/chat/localgovchat")  # a participant cookie is no host login
    for data in ({"action": "approve", "n": "1"}, {"action": "end", "csrf": "x"}):
        r = await client.post(ACTION, data=data)
        assert r.status == 403
    assert (await client.get(f"/host/{SID}/events")).status == 403
    assert [m.text for m in served.stored() if m.author.handle == "Jane"] == ["/ask Is social media fair?"]
    state = served.state()
    assert [q["status"] for q in state["queue"]] == ["open"] and state["status"] == "scheduled"
    assert served.commands() == []


async def test_csrf_and_origin_are_checked(client: ClientSession, served: Served) -> None:
    await ask(served)
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
    assert [q["status"] for q in served.state()["queue"]] == ["open"] and served.commands() == []


async def history(served: Served) -> list[str]:
    return [m.text for m in await served.room.history()]


async def test_action_is_a_command_from_the_host_not_a_message(client: ClientSession, served: Served) -> None:
    await ask(served)
    room_before, stored_before = await history(served), served.stored()
    csrf = await login(client)
    r = await client.post(
        ACTION,
        data={"action": "approve", "n": "1", "csrf": csrf},
        headers={"Accept": "application/json", "Origin": served.base},
    )
    assert r.status == 200
    assert await r.json() == {"ok": True, "text": "question #1 approved (place 1).", "command": "approve"}
    logged = served.commands()[-1]
    assert (logged.name, logged.args, logged.actor.handle, logged.via) == (
        "approve",
        ("1",),
        "LocalGovChat",
        "dashboard",
    )
    assert [q["status"] for q in served.state()["queue"]] == ["approved"]
    # without JS: a redirect and the result shown once on the dashboard
    r = await client.post(ACTION, data={"action": "answered", "n": "1", "csrf": csrf}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/host/{SID}"
    page = await (await client.get(f"/host/{SID}")).text()
    assert "question #1 marked answered" in page
    assert "question #1 marked answered" not in await (await client.get(f"/host/{SID}")).text()
    # refused by the engine: ok false, nothing changes
    r = await client.post(
        ACTION, data={"action": "approve", "n": "9", "csrf": csrf}, headers={"Accept": "application/json"}
    )
    assert await r.json() == {"ok": False, "text": "there is no question 9", "command": "approve"}
    # nothing of it reached the room or the stored messages
    await served.settled()
    assert await history(served) == room_before
    assert served.stored() == stored_before
    assert [q["status"] for q in served.state()["queue"]] == ["answered"]
    assert [c.outcome for c in served.commands()] == ["ok", "ok", "refused"]


async def test_destructive_actions_ask_first(client: ClientSession, served: Served) -> None:
    await ask(served)
    csrf = await login(client)
    # without JS: a confirmation page that carries the same fields, and nothing happens yet
    r = await client.post(ACTION, data={"action": "reject", "n": "1", "csrf": csrf})
    page = await r.text()
    assert r.status == 200 and "Reject question #1?" in page
    assert 'name="confirm" value="yes"' in page and 'name="n" value="1"' in page
    assert [q["status"] for q in served.state()["queue"]] == ["open"] and served.commands() == []
    # a script must say confirm=yes too
    r = await client.post(
        ACTION, data={"action": "end", "csrf": csrf}, headers={"Accept": "application/json"}
    )
    assert r.status == 400 and "End the chat now?" in await r.text()
    assert served.state()["status"] == "scheduled"
    # confirmed: done
    r = await client.post(
        ACTION,
        data={"action": "reject", "n": "1", "csrf": csrf, "confirm": "yes"},
        headers={"Accept": "application/json"},
    )
    assert (await r.json())["text"] == "question #1 rejected."
    assert [q["status"] for q in served.state()["queue"]] == ["rejected"]
    r = await client.post(
        ACTION, data={"action": "end", "csrf": csrf, "confirm": "yes"}, allow_redirects=False
    )
    assert r.status == 303
    await until(lambda: served.state()["status"] == "ended", "the chat ends")
    said = await history(served)
    assert said[-1].startswith("That's a wrap")  # the closing, posted at once


async def test_dashboard_marks_destructive_buttons(client: ClientSession, served: Served) -> None:
    await ask(served)
    await login(client)
    page = await (await client.get(f"/host/{SID}")).text()
    assert 'data-action="end" data-confirm="End the chat now?' in page
    assert 'value="reject" data-confirm="Reject question #1?' in page
    assert 'data-action="start">' in page  # no question for harmless ones
    assert 'data-action="pause" disabled>' in page  # nothing to pause before the start


async def test_header_csrf_works_too(client: ClientSession, served: Served) -> None:
    csrf = await login(client)
    r = await client.post(
        ACTION, data={"action": "start"}, headers={"X-CSRF-Token": csrf, "Accept": "application/json"}
    )
    assert r.status == 200 and (await r.json())["ok"]
    await until(lambda: served.state()["status"] == "live", "the chat is live")


async def test_unknown_actions_are_400_and_bad_arguments_are_refused(
    client: ClientSession, served: Served
) -> None:
    csrf = await login(client)
    for data in ({"action": "drop_table"}, {"action": "stop"}, {}):
        assert (await client.post(ACTION, data={**data, "csrf": csrf})).status == 400
    assert served.commands() == []
    json = {"Accept": "application/json"}
    for data, text in (
        ({"action": "approve", "n": "x"}, "/approve needs a question number, not 'x': /approve N"),
        ({"action": "extend", "minutes": "999"}, "/extend needs a number of minutes from 1 to 240"),
        ({"action": "route", "n": "5", "team": " "}, "/route needs a team: /route N TEAM"),
        ({"action": "merge", "n": "4"}, "/merge needs a question number: /merge N INTO"),
    ):
        r = await client.post(ACTION, data={**data, "csrf": csrf}, headers=json)
        assert await r.json() == {"ok": False, "text": text, "command": data["action"]}
    r = await client.post(
        ACTION, data={"action": "extend", "minutes": "0", "csrf": csrf}, allow_redirects=False
    )
    page = await (await client.get(f"/host/{SID}")).text()
    assert "Not done: /extend needs a number of minutes from 1 to 240" in page
    await served.settled()
    assert served.stored() == [] and served.state()["status"] == "scheduled"


async def test_host_events_stream_full_state(client: ClientSession, served: Served) -> None:
    await ask(served)
    await ask(served, "/ask second one")
    await login(client)
    r = await client.get(f"/host/{SID}/events")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    first = (await r.content.readuntil(b"\n\n")).decode()
    assert first.startswith("event: state\ndata: ") and '"number":2' in first
    r.close()


async def test_logout(client: ClientSession) -> None:
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
    ("form", "command"),
    [
        ({"action": "start"}, ("start", [])),
        ({"action": "next_question", "n": "3"}, ("next_question", [])),
        ({"action": "approve", "n": "#3"}, ("approve", ["#3"])),
        ({"action": "merge", "n": "4", "into": "2"}, ("merge", ["4", "2"])),
        ({"action": "route", "n": "5", "team": "  Parks \n and   Rec "}, ("route", ["5", "Parks and Rec"])),
        ({"action": "route", "n": "5"}, ("route", ["5"])),
        ({"action": "extend", "minutes": "10"}, ("extend", ["10"])),
    ],
)
def test_a_form_is_a_command_of_the_table(form: dict[str, str], command: tuple[str, list[str]]) -> None:
    spec, args = action_command(MultiDict(form))
    assert (spec.name, args) == command


@pytest.mark.parametrize("form", [{"action": "frobnicate"}, {"action": "up"}, {"action": ""}])
def test_a_form_for_no_command_is_400(form: dict[str, str]) -> None:
    with pytest.raises(web.HTTPBadRequest):
        action_command(MultiDict(form))


def test_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(5, 5.0, clock=lambda: now[0])
    assert all(bucket.take() for _ in range(5)) and not bucket.take()
    assert bucket.wait() == pytest.approx(1.0)
    now[0] += 1.0
    assert bucket.take() and not bucket.take()


async def test_the_host_says_something_in_the_room_from_the_dashboard(
    client: ClientSession, served: Served
) -> None:
    """No second tab: what the host writes on the dashboard is said in the room under the host's
    name; a command written there is given like a button, and End still asks first."""
    await ask(served)
    csrf = await login(client)
    say = f"/host/{SID}/say"
    json_ = {"Accept": "application/json"}
    r = await client.post(say, data={"csrf": csrf, "text": "Welcome, everyone!"}, headers=json_)
    assert await r.json() == {"ok": True, "text": "said in the room.", "command": "say"}
    await served.settled()
    said = served.stored()[-1]
    assert (said.author.handle, said.text) == ("LocalGovChat", "Welcome, everyone!")
    shown = [f for f in served.room.recent() if f["text"] == "Welcome, everyone!"]
    assert shown and shown[0]["author"]["host"] is True
    r = await client.post(say, data={"csrf": csrf, "text": "/approve 1"}, headers=json_)
    assert await r.json() == {"ok": True, "text": "question #1 approved (place 1).", "command": "approve"}
    assert served.stored()[-1].text == "Welcome, everyone!"  # the command is no message
    r = await client.post(say, data={"csrf": csrf, "text": "/end"}, headers=json_)
    assert r.status == 400 and "End the chat now?" in await r.text()
    page = await (await client.post(say, data={"csrf": csrf, "text": "/stop"})).text()
    assert "Are you sure?" in page and 'name="action" value="end"' in page
    assert served.state()["status"] == "scheduled"
    assert (await client.post(say, data={"text": "hi"})).status == 403  # the CSRF token is needed
