"""The README's X section says what the code does: the one table of limits and prices, every
``[platforms.x]`` key, every credential."""

from __future__ import annotations

import re

from chatbot.platforms.x.limits import ENDPOINTS
from chatbot.platforms.x.settings import BEARER, KEYS, OAUTH1, USER_TOKEN
from tests.conftest import REPO


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("## Hosting on X\n", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_table_of_limits_and_prices_is_the_codes() -> None:
    rows = re.findall(
        r"^\| `(\w+)` \| `(\w+) (\S+)` \| (\d+) \| \$([\d.]+) per ([\w ]+) \| (.+) \|$", section(), re.M
    )
    assert rows == [
        (e.key, e.method, e.path, str(e.limit), f"{e.price:.3f}", e.unit, e.what) for e in ENDPOINTS.values()
    ]


def test_every_setting_and_credential_is_in_the_readme() -> None:
    text = section()
    assert [k for k in sorted(KEYS) if not re.search(rf"^#? ?(\[platforms\.x\.)?{k}\b", text, re.M)] == []
    assert [v for v in (*OAUTH1, USER_TOKEN, BEARER) if v not in text] == []
