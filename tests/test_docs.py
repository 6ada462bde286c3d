"""The architecture page names every module of the packages it maps, so it cannot fall behind."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

ARCHITECTURE = REPO / "docs" / "architecture.md"
MAPPED = ("core", "platforms", "hosting", "store")


@pytest.mark.parametrize("package", MAPPED)
def test_architecture_names_every_module(package: str) -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    modules = sorted(p.name for p in (REPO / "chatbot" / package).glob("*.py") if p.name != "__init__.py")
    assert modules, package
    missing = [m for m in modules if not re.search(rf"(?<![\w/]){re.escape(m)}", text)]
    assert not missing, f"docs/architecture.md does not mention chatbot/{package}/{missing}"


def test_architecture_names_no_module_that_is_gone() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    layout = text.split("```", 2)[1]  # the layout block
    package = ""
    for line in layout.splitlines():
        head = re.match(r"^  (\w+)/", line)
        if head:
            package = head.group(1)
            continue
        for name in re.findall(r"^    ([\w]+\.py)", line):
            assert (REPO / "chatbot" / package / name).is_file(), f"chatbot/{package}/{name} is gone"
