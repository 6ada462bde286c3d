"""Run a benchmark: ``python -m benchmarks.run import|import-big|recap|rerender|search|live [--sizes ...]``.

Each writes ``benchmarks/results/<name>.json`` (figures with machine, commit and date) and a chart
``benchmarks/results/<name>.svg`` of cost against size; ``docs/performance.md`` quotes them.
Synthetic chats and archives are built once into ``$CHATBOT_BENCH_DIR`` (default
``/tmp/chatbot-bench``) and reused. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.harness import RESULTS, SCRATCH, chart, fresh, fresh_module, median_run, save


def _chat(size: int, sessions: int = 1) -> Path:
    return synth.write(SCRATCH / f"chat-{size}-{sessions}.jsonl", size, sessions=sessions)


def _archive(size: int, sessions: int = 1) -> Path:
    """An archive holding the synthetic chat, imported once by the current code."""
    db = SCRATCH / f"archive-{size}-{sessions}.db"
    if not db.is_file():
        tmp = SCRATCH / f"building-{size}-{sessions}.db"
        fresh("import", _chat(size, sessions), tmp)
        tmp.replace(db)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
    return db


def bench_import(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for size in sizes:
        source = _chat(size)
        floor = median_run("floor-insert", source, SCRATCH / "floor.db", repeat=repeat)
        ours = median_run("import", source, SCRATCH / "import.db", repeat=repeat)
        figures[str(size)] = {
            "seconds": round(ours["seconds"], 4),
            "cpu_seconds": round(ours["cpu_seconds"], 4),
            "messages_per_s": round(size / ours["seconds"]),
            "peak_mb": ours["peak_mb"],
            "floor_seconds": round(floor["seconds"], 4),
            "floor_cpu_seconds": round(floor["cpu_seconds"], 4),
            "percent_of_floor_rate": round(100 * floor["seconds"] / ours["seconds"], 2),
            "percent_of_floor_rate_cpu": round(100 * floor["cpu_seconds"] / ours["cpu_seconds"], 2),
            "runs": [round(r["seconds"], 4) for r in ours["runs"]],
        }
        got = figures[str(size)]
        print(
            f"import {size:>9,}: {ours['seconds']:.3f} s ({got['messages_per_s']:,}/s; CPU "
            f"{ours['cpu_seconds']:.3f} s), peak {ours['peak_mb']} MB; floor {floor['seconds']:.4f} s "
            f"(CPU {floor['cpu_seconds']:.4f} s): {got['percent_of_floor_rate']}% of its rate "
            f"({got['percent_of_floor_rate_cpu']}% by CPU)"
        )
    return figures


#: Bytes a message of each shape takes in the file (measured on 10,000), to aim at a file size.
BYTES_A_MESSAGE = {"chat": 259, "quiet": 259}


def bench_import_big(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    """Import JSON Lines files of ``sizes`` megabytes (one fresh process each, peak memory):
    weekly chats (100 of them) and a quiet channel over years (a burst a message)."""
    figures: dict[str, Any] = {}
    for mb in sizes:
        for shape, sessions in (("chat", 100), ("quiet", 1)):
            n = mb * 1_000_000 // BYTES_A_MESSAGE[shape]
            source = synth.write(SCRATCH / f"{shape}-{mb}mb.jsonl", n, sessions=sessions, shape=shape)
            ours = median_run("import", source, SCRATCH / "import-big.db", repeat=repeat)
            figures[f"{mb}mb_{shape}"] = {
                "file_mb": round(source.stat().st_size / 1e6, 1),
                "messages": ours["messages"],
                "sessions": ours["sessions"],
                "seconds": round(ours["seconds"], 2),
                "cpu_seconds": round(ours["cpu_seconds"], 2),
                "messages_per_s": round(ours["messages"] / ours["seconds"]),
                "peak_mb": ours["peak_mb"],
            }
            print(
                f"import {figures[f'{mb}mb_{shape}']['file_mb']} MB ({shape}, {ours['messages']:,} messages, "
                f"{ours['sessions']} sessions): {ours['seconds']:.1f} s (CPU {ours['cpu_seconds']:.1f} s), "
                f"peak {ours['peak_mb']} MB"
            )
    return figures


def bench_recap(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for size in sizes:
        db = _archive(size)
        floor = median_run("floor-render", db, SCRATCH / "floor.html", repeat=repeat)
        ours = median_run("recap", db, SCRATCH / "recap-out", repeat=repeat)
        figures[str(size)] = {
            "seconds": round(ours["seconds"], 4),
            "cpu_seconds": round(ours["cpu_seconds"], 4),
            "peak_mb": ours["peak_mb"],
            "html_bytes_per_message": ours["bytes_per_message"],
            "floor_seconds": round(floor["seconds"], 4),
            "floor_cpu_seconds": round(floor["cpu_seconds"], 4),
            "times_floor": round(ours["seconds"] / floor["seconds"], 2),
            "times_floor_cpu": round(ours["cpu_seconds"] / floor["cpu_seconds"], 2),
            "runs": [round(r["seconds"], 4) for r in ours["runs"]],
            "floor_runs": [round(r["seconds"], 4) for r in floor["runs"]],
        }
        got = figures[str(size)]
        print(
            f"recap {size:>9,}: {ours['seconds']:.3f} s (CPU {ours['cpu_seconds']:.3f} s), peak "
            f"{ours['peak_mb']} MB, {ours['bytes_per_message']} B/message; floor {floor['seconds']:.4f} s "
            f"(CPU {floor['cpu_seconds']:.4f} s): {got['times_floor']}x ({got['times_floor_cpu']}x by CPU)"
        )
    return figures


def bench_rerender(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    """An archive of 100 chats (``sizes``: messages in all), rendered; one message more in one."""
    figures: dict[str, Any] = {}
    for size in sizes:
        db = _archive(size, sessions=100)
        rendered = SCRATCH / f"rendered-{size}-100"
        if not rendered.is_dir():
            every = fresh("render-every", db, SCRATCH / "rendering")
            (SCRATCH / "rendering").rename(rendered)
            figures["render_every_seconds"] = round(every["seconds"], 3)
        ours = median_run("rerender", db, rendered, SCRATCH / "rerender-work", repeat=repeat)
        figures[str(size)] = {
            "seconds": round(ours["seconds"], 4),
            "peak_mb": ours["peak_mb"],
            "files_written": ours["files_written"],
            "bytes_written": ours["bytes_written"],
            "search_index_bytes": ours["search_index_bytes"],
            "runs": [round(r["seconds"], 4) for r in ours["runs"]],
        }
        print(
            f"re-render {size:>9,} in 100 chats: {ours['seconds']:.3f} s, peak {ours['peak_mb']} MB, "
            f"{ours['files_written']} files ({ours['bytes_written']:,} bytes) written"
        )
    return figures


def bench_search(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    """Search latency over archives of ``sizes`` messages (100 weekly chats each)."""
    figures: dict[str, Any] = {}
    for size in sizes:
        db = _archive(size, sessions=100)
        result = fresh("search", db, 30)
        figures[str(size)] = {k: v for k, v in result.items() if k not in ("seconds",)}
        common, rare, before = result["common"], result["rare"], result["before_common_ranked_all"]
        print(
            f"search {size:>9,}: common p50 {common['p50']} ms p99 {common['p99']} ms "
            f"(CPU p99 {common['cpu_ms']['p99']}); rare p50 {rare['p50']} ms p99 {rare['p99']} ms "
            f"(CPU p99 {rare['cpu_ms']['p99']}); "
            f"before (every match ranked) p50 {before['p50']} p99 {before['p99']} ms"
        )
    return figures


def bench_live(sizes: Sequence[int], repeat: int) -> dict[str, Any]:
    """The live path: ingest rate one message at a time (``sizes``: messages said), resident memory
    of one 100k-message chat and of 20 chats at once, web-room fan-out to 200 and 1,000 clients."""
    figures: dict[str, Any] = {}
    for size in sizes:
        for per_tick in (1, 10):
            runs = [
                fresh_module("benchmarks.live", "ingest", "--messages", size, "--per-tick", per_tick)
                for _ in range(repeat)
            ]
            rates = sorted(r["messages_per_s"] for r in runs)
            figures[f"ingest_{size}_per_tick_{per_tick}"] = {
                "messages_per_s": rates[len(rates) // 2],
                "runs": rates,
                "peak_mb": runs[0]["peak_mb"],
            }
            print(
                f"ingest {size:,} said {per_tick} a loop turn: {rates[len(rates) // 2]:,} messages/s {rates}"
            )
    for sessions in (1, 20):
        mem = fresh_module("benchmarks.live", "memory", "--messages", 100_000, "--sessions", sessions)
        figures[f"memory_{sessions}_sessions"] = mem
        print(
            f"memory, {sessions} session(s), {mem['messages']:,} messages: {mem['rss_mb_hosting_loaded']} MB"
        )
    for clients in (200, 1000):
        fan = fresh_module("benchmarks.fanout", "--clients", clients, "--posts", 20)
        figures[f"fanout_{clients}"] = fan
        print(f"fan-out to {clients} clients: p50 {fan['ms']['p50']} ms, p99 {fan['ms']['p99']} ms")
    return figures


TITLES = {"import": "Import into a fresh archive", "recap": "HTML + JSON recap of one session"}


def draw(bench: str, name: str, figures: dict[str, Any]) -> Path:
    """``results/<name>.svg``: seconds against messages, now, before (the ``baseline-<bench>``
    results, when kept) and the bare floor."""
    series = {"chatbot": [(float(k), v["seconds"]) for k, v in figures.items()]}
    before = RESULTS / f"baseline-{bench}.json"
    if before.is_file() and name != f"baseline-{bench}":
        old = json.loads(before.read_text())
        series[f"before ({old['commit'].split('+')[0]})"] = [
            (float(k), v["seconds"]) for k, v in old["figures"].items()
        ]
    series["bare floor"] = [(float(k), v["floor_seconds"]) for k, v in figures.items()]
    return chart(RESULTS / f"{name}.svg", TITLES[bench], series)


BENCHES: dict[str, Callable[[Sequence[int], int], dict[str, Any]]] = {
    "import": bench_import,
    "import-big": bench_import_big,
    "recap": bench_recap,
    "rerender": bench_rerender,
    "search": bench_search,
    "live": bench_live,
}
DEFAULT_SIZES = {
    "import": "1000,10000,100000",
    "import-big": "200",
    "recap": "1000,10000,100000",
    "rerender": "100000",
    "search": "100000,1000000",
    "live": "50000",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench", choices=sorted(BENCHES))
    ap.add_argument("--sizes", help="messages, comma-separated (default depends on the benchmark)")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (median taken)")
    ap.add_argument("--name", help="results file name (default: the benchmark's)")
    ap.add_argument("--clean", action="store_true", help="rebuild cached chats and archives first")
    args = ap.parse_args()
    if args.clean:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in (args.sizes or DEFAULT_SIZES[args.bench]).split(",")]
    figures = BENCHES[args.bench](sizes, args.repeat)
    name = args.name or args.bench
    path = save(name, {"sizes": sizes, "repeat": args.repeat}, figures)
    if args.bench in TITLES:
        draw(args.bench, name, figures)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
