"""axe-core for the page tests: the npm package's ``axe.min.js``, kept under ``tests/web/vendor/``
(fetched with ``npm pack`` the first time, not committed), and a run of it on a Playwright page.

The script goes in through the DevTools protocol (``page.evaluate``), which a page's Content
Security Policy does not govern: the pages are tested with the very policy they are served with.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

VERSION = "4.11.0"
VENDOR = Path(__file__).resolve().parent / "vendor"
SCRIPT = VENDOR / f"axe-core-{VERSION}.min.js"
#: WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, skip links ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_source() -> str:
    """The axe-core script; fetched with npm when missing (the test skips when it cannot be)."""
    if not SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch axe-core for the accessibility checks")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [npm, "pack", f"axe-core@{VERSION}", "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            packed = Path(tmp, f"axe-core-{VERSION}.tgz")
            if done.returncode != 0 or not packed.is_file():
                pytest.skip(f"npm could not fetch axe-core {VERSION}: {done.stderr.strip()[:200]}")
            with tarfile.open(packed) as tar:
                member = tar.extractfile("package/axe.min.js")
                assert member is not None
                VENDOR.mkdir(exist_ok=True)
                partial = SCRIPT.with_suffix(".part")
                partial.write_bytes(member.read())
                partial.replace(SCRIPT)
    return SCRIPT.read_text(encoding="utf-8")


async def violations(page: Any, source: str) -> list[str]:
    """What axe finds on the page as it is now: one line per rule and node."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(source + "\n;0")
    found = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations"
        ".map(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary}`))"
        ".flat()",
        TAGS,
    )
    return [str(line).replace("\n", " ") for line in found]
