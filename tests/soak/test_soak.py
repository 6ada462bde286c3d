"""The crash-and-fault soak, quick and seeded (the long one: ``python -m benchmarks.soak``):
``python run_bot.py run CONFIG`` as a real process hosting one chat on the web room, the fake X and
the fake Discord at once, SIGKILLed at seeded moments and restarted, the database held by another
process longer than the busy timeout, the platforms failing (429s, 5xx, slow answers, resets, a
gateway drop); beside it the same seeded script uninterrupted. What a participant and a host would
notice: every message the platform accepted (and every one a participant saw echoed) stored
exactly once, every scheduled post made once per platform and in order, the same recap."""

from __future__ import annotations

from pathlib import Path

from benchmarks.soak import QUICK_FAULTS, Params, soak


async def test_a_seeded_crowd_through_kills_locks_and_platform_faults_loses_nothing(tmp_path: Path) -> None:
    p = Params(
        seed=3,
        kills=3,
        participants=24,
        minutes=0.5,
        locks=1,
        platform_faults=5,
        fault_kinds=QUICK_FAULTS,
        disk_full=False,
        lead_seconds=5,
    )
    f = await soak(p, tmp_path)
    log = (tmp_path / "faulted" / "bot.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    assert f["exit_code"] == 0, f"the faulted run did not end cleanly: {f['unexpected_exits']}\n{log}"
    assert f["kills"] == 3 and f["restarts"] == 3
    assert f["faults"].get("database_lock") == 1 and len(f["faults"]) == 6
    accepted = {name: v["accepted"] for name, v in f["messages"].items()}
    assert all(n > 0 for n in accepted.values()), accepted
    assert f["messages_lost"] == 0, f["messages"]
    assert f["messages_duplicated"] == 0, f["messages"]
    assert f["posts_duplicated"] == 0, f["posts"]
    assert f["posts_in_order"], f["posts"]
    assert all(v["scheduled_posts"] >= 5 for v in f["posts"].values()), f["posts"]
    assert f["recap_equal"], f["recap_differences"]
