"""The live runner's rows are what ``chatbot.store.types`` says: after a real session on virtual
time, what the ledger plans is a ``LedgerIntent``, every ledger row a ``LedgerRow`` and the saved
state a ``RunnerState``."""

from __future__ import annotations

from pathlib import Path

from chatbot.hosting.ledger import Target
from chatbot.store import LedgerIntent, LedgerRow, RunnerState, Store
from tests.hosting.kit import Harness, at, make_session
from tests.typeddicts import mismatches


async def test_a_hosted_sessions_ledger_and_state_match_their_types(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(20))
    runner = h.runner(make_session())
    await runner.run()
    with h.archive() as store:
        rows = store.ledger(runner.session_id)
        state = store.runner_state(runner.session_id)
    planned = runner.ledger.plan("extra", "One more thing", [Target("x", reply_to="x1")], kind="chat")
    h.close()
    assert [mismatches(p, LedgerIntent, "planned") for p in planned] == [[]]
    assert {r["status"] for r in rows} == {"posted"}
    assert {r["part"] for r in rows} == {1, 2}  # the long Q2 is a thread
    for i, row in enumerate(rows):
        assert mismatches(row, LedgerRow, f"ledger[{i}]") == []
    assert state is not None
    assert mismatches(state, RunnerState, "state") == []
    assert state["recap_at"] is not None


def test_the_ledger_table_has_the_rows_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    try:
        columns = set(store.db.table("ledger").columns_dict)
    finally:
        store.close()
    assert columns == LedgerRow.__required_keys__
    assert LedgerIntent.__required_keys__ < columns
