"""What every benchmark shares: fresh processes, medians, the machine, results as JSON, a chart.

Each figure is measured in a fresh Python process (``python -m benchmarks.worker TASK ...``) so that
no cache, heap or import of one run helps the next; a figure is the median of ``repeat`` such runs.
The bare floors run in the same session on the same rows, so the ratios hold on any machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SCRATCH = Path(os.environ.get("CHATBOT_BENCH_DIR", "/tmp/chatbot-bench"))


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    import sqlite3

    return {
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
    }


def commit() -> str:
    """The commit measured (``+dirty`` when the working tree had changes); with
    ``$CHATBOT_BENCH_CODE``, what ``$CHATBOT_BENCH_LABEL`` says that checkout is."""
    if os.environ.get("CHATBOT_BENCH_CODE"):
        return os.environ.get("CHATBOT_BENCH_LABEL") or f"code in {os.environ['CHATBOT_BENCH_CODE']}"
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "chatbot"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def fresh_module(module: str, *args: object, timeout: float = 3600) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh interpreter; its JSON answer (its last line).

    ``$CHATBOT_BENCH_CODE`` names another checkout whose ``chatbot`` package is measured instead
    (an earlier commit, for the figures before a change): the module runs there."""
    cmd = [sys.executable, "-m", module, *map(str, args)]
    code = os.environ.get("CHATBOT_BENCH_CODE")  # another checkout measured instead (see ``fresh``)
    env = {**os.environ, "PYTHONPATH": str(ROOT)} if code else None
    done = subprocess.run(cmd, cwd=code or ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def fresh(task: str, *args: object, timeout: float = 3600) -> dict[str, Any]:
    """Run one worker task (``benchmarks.worker``) in a fresh interpreter; its JSON answer."""
    return fresh_module("benchmarks.worker", task, *args, timeout=timeout)


def median_run(task: str, *args: object, repeat: int = 3) -> dict[str, Any]:
    """The median of ``repeat`` fresh runs, figure by figure (every run kept under ``runs``)."""
    runs = [fresh(task, *args) for _ in range(repeat)]
    out: dict[str, Any] = {"runs": runs}
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = statistics.median(r[key] for r in runs)
        else:
            out[key] = value
    return out


def save(name: str, settings: Mapping[str, Any], figures: Mapping[str, Any]) -> Path:
    """Write ``results/<name>.json``: the figures with the machine, commit and date they belong to."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "settings": dict(settings),
        "figures": dict(figures),
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def roomy_rooms(clients: int) -> Any:
    """A ``platforms_factory`` for ``started()``: web rooms that let ``clients`` browsers from one
    address (the load generator's 127.0.0.1) in. Imports lazily, so ``CHATBOT_BENCH_CODE`` can
    point the benchmark at another checkout's package."""
    from chatbot.platforms.web import RoomLimits, WebRoom

    limits = RoomLimits(max_connections=clients + 50, max_per_address=clients + 50)

    def rooms(config: Any, sc: Any) -> list[Any]:
        room = WebRoom.for_session(config, sc)
        return [WebRoom(room.hashtag, bot=room.bot, reserved=sc.spec.hosts, limits=limits)]

    return rooms


def pct(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def spread(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3) if values else float("nan"),
    }


# -- a small chart: cost against size, log-log, one line per series --------------------------------

_COLOURS = ("#0a5cc2", "#c2410c", "#15803d", "#7c3aed", "#6b7280")


def chart(
    path: Path,
    title: str,
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    unit: str = "s",
    xlabel: str = "messages",
) -> Path:
    """An SVG line chart of ``series`` (label -> [(size, cost)]) on log scales, for the docs."""
    import math

    width, height, left, right, top, bottom = 560, 300, 64, 150, 34, 40
    points = [(x, y) for pts in series.values() for x, y in pts if x > 0 and y > 0]
    if not points:
        raise ValueError("nothing to chart")
    lx0, lx1 = (
        math.floor(math.log10(min(p[0] for p in points))),
        math.ceil(math.log10(max(p[0] for p in points))),
    )
    ly0, ly1 = (
        math.floor(math.log10(min(p[1] for p in points))),
        math.ceil(math.log10(max(p[1] for p in points))),
    )
    lx1, ly1 = max(lx1, lx0 + 1), max(ly1, ly0 + 1)

    def sx(x: float) -> float:
        return left + (math.log10(x) - lx0) / (lx1 - lx0) * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - (math.log10(y) - ly0) / (ly1 - ly0) * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="sans-serif" font-size="11" role="img" aria-label="{title}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13" font-weight="bold">{title}</text>',
    ]
    for e in range(lx0, lx1 + 1):
        x = sx(10**e)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle">{_si(10**e)}</text>')
    for e in range(ly0, ly1 + 1):
        y = sy(10**e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        label = _si(10**e) if unit != "s" else _seconds(10**e)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">{xlabel} (log)</text>'
    )
    for i, (label, pts) in enumerate(series.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        good = sorted((x, y) for x, y in pts if x > 0 and y > 0)
        if not good:
            continue
        line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in good)
        dash = ' stroke-dasharray="5 4"' if "floor" in label else ""
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y in good:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 + 18 * i
        out.append(
            f'<line x1="{width - right + 10}" y1="{ly - 4}" x2="{width - right + 30}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{width - right + 36}" y="{ly}">{label}</text>')
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
    return path


def _si(v: float) -> str:
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _seconds(v: float) -> str:
    if v < 1e-3:
        return f"{v * 1e6:g} µs"
    if v < 1:
        return f"{v * 1e3:g} ms"
    return f"{v:g} s"
