"""The core stays pure: the standard library only, no I/O, no clock read behind the caller's back.

Every module under ``chatbot/core/`` is found on disk (a new one is checked without anyone
listing it here) and imported alone in a fresh interpreter, so one module's imports cannot
hide behind another's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import chatbot.core

CORE = Path(chatbot.core.__file__).resolve().parent

# Platform SDKs, the store, templates, and the standard library's own doors to disk and network.
FORBIDDEN = (
    "discord",
    "tweepy",
    "aiohttp",
    "sqlite_utils",
    "jinja2",
    "sqlite3",
    "_sqlite3",
    "socket",
    "_socket",
    "ssl",
    "select",
    "selectors",
    "asyncio",
    "http.client",
    "http.server",
    "urllib.request",
    "requests",
    "httpx",
    "websockets",
    "yarl",
    "multidict",
)

# Reading the clock inside the core: time is passed in (DESIGN.md), never read globally.
CLOCK_READ = re.compile(
    r"\b(?:datetime|date)\.(?:now|utcnow|today)\("
    r"|\btime\.(?:time|monotonic|perf_counter)(?:_ns)?\("
)

# Import one module alone, then name every module loaded and the file it came from.
PROBE = (
    "import importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps({n: getattr(m, '__file__', None) for n, m in list(sys.modules.items())}))\n"
)
SITE_PACKAGES = {Path(p).resolve() for p in (sysconfig.get_path("purelib"), sysconfig.get_path("platlib"))}


# Every source file under chatbot/core, subpackages included: found, never listed by hand.
CORE_FILES = sorted(CORE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(CORE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("chatbot", "core", *parts))


def in_core(module: str) -> bool:
    return module == "chatbot.core" or module.startswith("chatbot.core.")


def loaded_after_import(module: str) -> dict[str, str | None]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, f"importing {module} alone failed:\n{out.stderr}"
    loaded: dict[str, str | None] = json.loads(out.stdout)
    return loaded


def installed_package(file: str | None) -> bool:
    """A module from site-packages: not the standard library, not ours (installed editable)."""
    return file is not None and any(p in SITE_PACKAGES for p in Path(file).resolve().parents)


@pytest.fixture(scope="module")
def at_startup() -> set[str]:
    """What a bare interpreter already holds (site hooks, editable-install finders)."""
    return set(loaded_after_import("sys"))


def test_discovery_finds_the_core() -> None:
    found = [module_name(p) for p in CORE_FILES]
    for known in ("chatbot.core", "chatbot.core.engine", "chatbot.core.model", "chatbot.core.sessions"):
        assert known in found


@pytest.mark.parametrize("module", [module_name(p) for p in CORE_FILES])
def test_core_module_loads_no_io_platform_or_outer_package(module: str, at_startup: set[str]) -> None:
    files = loaded_after_import(module)
    loaded = set(files) - at_startup
    io = [f for f in FORBIDDEN if any(m == f or m.startswith(f + ".") for m in loaded)]
    outer = sorted(m for m in loaded if m.startswith("chatbot.") and not in_core(m))
    third_party = sorted({m.split(".")[0] for m in loaded if installed_package(files[m])})
    problems = {"I/O or platform": io, "outside chatbot.core": outer, "not standard library": third_party}
    found = "; ".join(f"{what}: {', '.join(names)}" for what, names in problems.items() if names)
    assert not found, f"importing {module} loads {found}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_reads_no_clock(path: Path) -> None:
    hits = [
        f"line {n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CLOCK_READ.search(line)
    ]
    assert not hits, f"{path.relative_to(CORE)} reads the clock; take the time as an argument: {hits}"
