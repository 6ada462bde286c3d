"""One measurement in a fresh interpreter: ``python -m benchmarks.worker TASK ARGS...``.

Prints one JSON line: ``seconds`` (the timed part only: no interpreter start, no imports, no
fixture building; the import, the recap and their floors add ``cpu_seconds``, the process's CPU
time over the same part, which the other work of a shared machine does not stretch), ``peak_mb`` (the
process's peak resident memory, everything included) and whatever else the task reports. The
harness (``benchmarks.harness``) runs these and takes medians.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def jsonl_rows(path: Path) -> list[tuple[Any, ...]]:
    """The rows the floors and the import share: one tuple per message of our JSON Lines."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            a = r["author"]
            rows.append(
                (
                    f"{r['platform']}:{r['id']}",
                    r["id"],
                    r["platform"],
                    r["ts"],
                    a["id"],
                    a["handle"],
                    a.get("name", ""),
                    r["text"],
                    r.get("reply_to"),
                    int(r.get("is_repost", False)),
                    r.get("likes", 0),
                )
            )
    return rows


def floor_insert(source: str, db: str) -> dict[str, Any]:
    """The import's floor: the same rows, already in memory, ``executemany`` into a plain table."""
    rows = jsonl_rows(Path(source))
    Path(db).unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    t, cpu = time.perf_counter(), time.process_time()
    conn.execute(
        "create table messages (uid text primary key, id text, platform text, ts text, author_id text, "
        "handle text, name text, text text, reply_to text, is_repost integer, likes integer)"
    )
    conn.executemany("insert into messages values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    conn.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "messages": len(rows)}


FLOOR_TEMPLATE = (
    "<!doctype html><title>{{ title }}</title><ol>{% for m in rows %}"
    '<li id="m-{{ m.id }}"><b>{{ m.name }}</b> {{ m.handle }} <time>{{ m.ts }}</time>'
    "<p>{{ m.text }}</p></li>{% endfor %}</ol>"
)


def floor_render(db: str, out: str) -> dict[str, Any]:
    """The recap's floor: a bare jinja2 loop (autoescaped) over the session's rows, to a file."""
    import jinja2

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "select id, ts, handle, name, text from messages where session_id is not null order by ts, uid"
    ).fetchall()
    env = jinja2.Environment(autoescape=True)
    template = env.from_string(FLOOR_TEMPLATE)
    t, cpu = time.perf_counter(), time.process_time()
    html = template.render(title="floor", rows=rows)
    Path(out).write_text(html, encoding="utf-8")
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "messages": len(rows),
        "bytes": len(html.encode()),
    }


def import_chat(source: str, db: str) -> dict[str, Any]:
    """``chatbot import SOURCE --db DB`` into a fresh archive, timed without the interpreter start."""
    from chatbot.importing import import_files
    from chatbot.store import Store

    Path(db).unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    store = Store(db)
    t, cpu = time.perf_counter(), time.process_time()
    report = import_files(store, [Path(source)])
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    count = store.db.execute("select count(*) from messages").fetchone()[0]
    store.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "messages": count, "sessions": len(report.sessions)}


def recap(db: str, out: str) -> dict[str, Any]:
    """``chatbot recap --format html,json`` of every session into an empty folder."""
    import shutil

    from chatbot.recap.publish import publish
    from chatbot.store import Store

    shutil.rmtree(out, ignore_errors=True)
    store = Store(db)
    ids = [r["id"] for r in store.sessions()]
    t, cpu = time.perf_counter(), time.process_time()
    publish(store, Path(out), ids, formats=("html", "json"))
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    html = sum(p.stat().st_size for p in Path(out).glob("*.html") if p.name != "index.html")
    messages = store.db.execute("select count(*) from messages where session_id is not null").fetchone()[0]
    store.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "html_bytes": html,
        "bytes_per_message": round(html / max(messages, 1), 1),
    }


def render_every(db: str, out: str) -> dict[str, Any]:
    """``chatbot recap`` of every session (HTML and JSON) into an empty folder."""
    result = recap(db, out)
    return {"seconds": result["seconds"]}


def rerender(db: str, rendered: str, work: str) -> dict[str, Any]:
    """One message more in the newest chat of a rendered archive, then its recap published again
    (what the live runner does after a chat ends): only the publishing is timed."""
    import shutil
    from datetime import timedelta

    from chatbot.core.model import Author, Message
    from chatbot.importing import rebuild
    from chatbot.recap.publish import publish
    from chatbot.store import Store

    shutil.rmtree(work, ignore_errors=True)
    Path(work).mkdir(parents=True)
    shutil.copy(db, Path(work) / "archive.db")
    out = Path(work) / "out"
    shutil.copytree(rendered, out)
    store = Store(Path(work) / "archive.db")
    sid = store.sessions()[0]["id"]
    last = store.session_messages(sid)[-1]
    extra = Message(
        "rerender-1", last.platform, last.ts + timedelta(seconds=1), Author("9", "@late"), "A10: late!"
    )
    store.add_messages([extra], session_id=sid)
    rebuild(store, sid)
    began = time.time()
    t = time.perf_counter()
    publish(store, out, [sid], formats=("html", "json"))
    seconds = time.perf_counter() - t
    written = [p for p in out.rglob("*") if p.is_file() and p.stat().st_mtime >= began - 0.01]
    store.close()
    return {
        "seconds": seconds,
        "files_written": len(written),
        "bytes_written": sum(p.stat().st_size for p in written),
        "search_index_bytes": (out / "search-index.js").stat().st_size,
    }


COMMON = ("budget", "benchchat", "meeting agenda", '"budget meeting"', "power*")
RARE = ("welcome", "p1234")
OLD_SQL = (  # the search before: every match ranked
    "select m.uid, snippet(messages_fts, 0, '[', ']', '…', 12) from messages_fts "
    "join messages m on m.rowid = messages_fts.rowid where messages_fts match ? "
    "and m.session_id is not null and m.deleted_at is null order by rank limit 50"
)


def search(db: str, runs: str = "30") -> dict[str, Any]:
    """Search latency over the archive: common words (a quarter of all messages or more), rare
    ones, a later page; and the query the store ran before, for comparison. Milliseconds."""
    from chatbot.store import Store, fts_query

    store = Store(db)
    n = int(runs)
    figures: dict[str, Any] = {"messages": store.db.execute("select count(*) from messages").fetchone()[0]}

    cpu: dict[str, list[float]] = {}

    def timed(fn: Callable[[], object], label: str = "") -> list[float]:
        """Wall milliseconds of ``n`` runs (and their CPU milliseconds under ``cpu[label]``: on a
        shared machine the tail of the wall times is the scheduler's, not the query's)."""
        fn()  # warm: the first query of a fresh process reads the index from disk
        out = []
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            fn()
            out.append((time.perf_counter() - t) * 1000)
            cpu.setdefault(label, []).append((time.process_time() - c) * 1000)
        return out

    from benchmarks.harness import spread

    for label, queries, offset in (
        ("common", COMMON, 0),
        ("rare", RARE, 0),
        ("common_page_5", COMMON[:2], 80),
    ):
        times: list[float] = []
        totals = {}
        for q in queries:
            times += timed(lambda q=q, at=offset: store.search_page(q, offset=at, limit=20), label)
            totals[q] = store.search_page(q).total
        figures[label] = {**spread(times), "cpu_ms": spread(cpu[label]), "totals": totals}
    before: list[float] = []
    for q in COMMON[:2]:
        match = fts_query(q)
        before += timed(lambda m=match: store.db.execute(OLD_SQL, [m]).fetchall())
    figures["before_common_ranked_all"] = spread(before)
    counts = {
        q: store.db.execute(
            "select count(*) from messages_fts where messages_fts match ?", [fts_query(q)]
        ).fetchone()[0]
        for q in COMMON + RARE
    }
    figures["matches"] = counts
    store.close()
    return {"seconds": 0.0, **figures}


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "floor-insert": floor_insert,
    "floor-render": floor_render,
    "import": import_chat,
    "recap": recap,
    "render-every": render_every,
    "rerender": rerender,
    "search": search,
}


def main() -> None:
    task, *args = sys.argv[1:]
    result = TASKS[task](*args)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
