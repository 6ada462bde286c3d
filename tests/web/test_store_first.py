"""Store first, as browsers see it: a message reaches the other browsers, and its sender's "sent",
only once it is durable (in the archive, or in the journal while another process holds the
archive locked); the host's dashboard says the archive is not writable and stops saying so by
itself. The app served over loopback, the real runner, another process holding the lock."""

from __future__ import annotations

import re

from chatbot.store.journal import journal_for
from tests.hosting.storagekit import Locked
from tests.web.conftest import NewClient, login
from tests.web.kit import SID, Served, until
from tests.web.test_room import joined, receive

ALERT = re.compile(
    r"The archive is not writable since \d\d:\d\d \(database locked\); 1 message waiting; nothing is lost\."
)


async def test_a_message_is_shown_only_once_durable_and_the_dashboard_says_why_it_waits(
    new_client: NewClient, served: Served
) -> None:
    served.runner.store.set_busy_timeout(0.1)  # a write gives up on the lock after 0.1 s, not 5
    jane, sam = await joined(new_client(), "Jane"), await joined(new_client(), "Sam")
    host = new_client()
    await login(host)

    await jane.send_json({"type": "post", "text": "A1: stored before anyone sees it", "ref": "r1"})
    seen = await receive(sam, "message")
    assert seen["message"]["text"] in [m.text for m in served.stored()]  # already in the archive
    assert (await receive(jane, "sent"))["ref"] == "r1"

    journal = journal_for(served.runner.store.path, SID)
    assert journal is not None
    lock = Locked(served.runner.store.path)
    try:
        await jane.send_json({"type": "post", "text": "A1: said while the archive is locked", "ref": "r2"})
        seen = await receive(sam, "message")
        said = seen["message"]["text"]
        assert said in [r["text"] for r in journal.read()]  # in the journal before anyone saw it
        assert said not in [m.text for m in served.stored()]
        assert (await receive(jane, "sent"))["ref"] == "r2"
        page = await (await host.get(f"/host/{SID}")).text()
        assert ALERT.search(page), "the dashboard says the archive is not writable"
    finally:
        lock.release()

    await until(lambda: served.state()["archive"]["writable"], "the archive takes writes again", 10)
    assert [m.text for m in served.stored()] == [
        "A1: stored before anyone sees it",
        "A1: said while the archive is locked",
    ]
    assert not journal.path.exists()
    page = await (await host.get(f"/host/{SID}")).text()
    assert "The archive is not writable" not in page and 'id="archive" role="alert" hidden' in page
