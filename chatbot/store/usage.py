"""What hosting a session cost, per platform and endpoint: written by an adapter as it spends
(every request counted at once, so a restart keeps counting against the same budget), read by
the recap's footer and the logs. Only platforms whose reads are paid (X) write here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

import sqlite_utils

from chatbot.store.rows import iso


class UsageRow(TypedDict):
    """One endpoint's use in one session on one platform."""

    platform: str
    endpoint: str
    unit: str  # what one unit is: "post read", "post created", "user read"
    requests: int
    units: int  # how many units the requests returned or made
    cost: float  # estimated, in US dollars, at the prices the host configured


class Usage:
    """Mixed into ``Store``."""

    db: sqlite_utils.Database

    def add_usage(
        self,
        session_id: str,
        platform: str,
        endpoint: str,
        *,
        unit: str,
        requests: int,
        units: int,
        cost: float,
    ) -> None:
        """Add one step of spending (committed at once)."""
        with self.db.atomic():
            self.db.execute(
                "insert into platform_usage "
                "(session_id, platform, endpoint, unit, requests, units, cost, updated_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(session_id, platform, endpoint) do update set "
                "requests = requests + excluded.requests, units = units + excluded.units, "
                "cost = cost + excluded.cost, unit = excluded.unit, updated_at = excluded.updated_at",
                [session_id, platform, endpoint, unit, requests, units, cost, iso(datetime.now(UTC))],
            )

    def usage(self, session_id: str, platform: str | None = None) -> list[UsageRow]:
        """The session's use per platform and endpoint (only ``platform``'s when given)."""
        columns = "platform, endpoint, unit, requests, units, cost"
        sql = f"select {columns} from platform_usage where session_id = ?"
        args: list[str] = [session_id]
        if platform is not None:
            sql += " and platform = ?"
            args.append(platform)
        rows = self.db.execute(sql + " order by platform, endpoint", args).fetchall()
        return [
            {"platform": p, "endpoint": e, "unit": k, "requests": r, "units": u, "cost": c}
            for p, e, k, r, u, c in rows
        ]
