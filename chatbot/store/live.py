"""The live runner's writes: one transaction for everything it must not lose, and the ledger.

``write_live`` is the one path by which live messages enter the archive (imports add theirs in
bulk with ``add_messages``); the platform's later edits, deletions and reactions go through
``Writes.edit_message``, ``delete_message`` and ``set_reactions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chatbot.core.engine import Outcome, SessionEngine
from chatbot.store.rows import OUTCOME_COLUMNS, iso, message_row, outcome_columns, participant_row
from chatbot.store.types import LedgerConfirm, LedgerIntent, LedgerRow, LedgerStatus, RunnerState
from chatbot.store.writes import Writes


class LiveWrites(Writes):
    """``Writes`` plus the live runner's transaction and ledger settlement."""

    _staging = False  # the temporary table of a batch's messages exists on this connection

    def busy_timeout(self) -> float:
        """Seconds a write waits for another connection's lock before it fails ("database is
        locked"); 5 unless set."""
        return float(self.db.execute("PRAGMA busy_timeout").fetchone()[0]) / 1000

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another connection's lock (the live runner shortens it
        while the archive is locked, so that its retries do not hold the event loop)."""
        self.db.execute(f"PRAGMA busy_timeout = {max(0, round(seconds * 1000))}")

    def write_live(
        self,
        session_id: str,
        outcomes: Sequence[Outcome] = (),
        engine: SessionEngine | None = None,
        *,
        questions: Iterable[int] | None = None,
        intents: Sequence[LedgerIntent] = (),
        confirm: LedgerConfirm | None = None,
        state: RunnerState | None = None,
    ) -> None:
        """One transaction for what the live runner must not lose: messages with what the engine
        made of them (and the participants, prompts and ``questions`` they changed; by default the
        questions asked, or all of them after a command), new ledger intents (kept when already
        there), one ledger confirmation and the runner state. Plain prepared statements: this runs
        on the event loop for every batch.

        A message stored before keeps what it had (its text, edits, deletion); only its session and
        what the engine made of it are updated."""
        if questions is None:
            asked = {o.question for o in outcomes if o.question}
            command = any(o.kind.value == "command" for o in outcomes)
            questions = [q.number for q in engine.queue] if command and engine else asked
        numbers = sorted(set(questions))
        try:
            self._write_live(session_id, outcomes, engine, numbers, intents, confirm, state)
        except BaseException:
            self._staging = False  # a rolled-back transaction may have taken the staging table along
            raise

    def _write_live(
        self,
        session_id: str,
        outcomes: Sequence[Outcome],
        engine: SessionEngine | None,
        numbers: list[int],
        intents: Sequence[LedgerIntent],
        confirm: LedgerConfirm | None,
        state: RunnerState | None,
    ) -> None:
        with self.db.atomic():
            if outcomes:
                assert engine is not None, "outcomes need the engine that produced them"
                rows = [
                    {**message_row(o.message, session_id=session_id), **outcome_columns(o)} for o in outcomes
                ]
                self._upsert_messages(rows)
                people = [engine.participants[k] for k in dict.fromkeys(o.participant for o in outcomes)]
                self.upsert_rows(
                    "participants", [participant_row(session_id, p) for p in people], ("session_id", "key")
                )
                prompts = [self.prompt_row(session_id, engine, o.prompt) for o in outcomes if o.prompt]
                self.upsert_rows("prompts", prompts, ("session_id", "key"))
            if numbers:
                assert engine is not None, "questions need the engine that holds them"
                self.upsert_rows(
                    "questions",
                    [self.question_row(session_id, engine.queue.get(n)) for n in numbers],
                    ("session_id", "number"),
                )
            if intents:
                cols = ["session_id", "status", *intents[0]]
                planned: list[Mapping[str, object]] = list(intents)
                self.db.conn.executemany(
                    f"insert or ignore into ledger ({', '.join(f'[{c}]' for c in cols)}) "
                    f"values ({', '.join('?' * len(cols))})",
                    [[session_id, "intended", *(r[c] for c in cols[2:])] for r in planned],
                )
            if confirm is not None:
                self.db.execute(
                    "update ledger set status = 'posted', platform_id = ?, posted_at = ? "
                    "where session_id = ? and key = ? and platform = ?",
                    [
                        confirm["platform_id"],
                        confirm["posted_at"],
                        session_id,
                        confirm["key"],
                        confirm["platform"],
                    ],
                )
            if state is not None:
                self.db.execute(
                    "insert into runner_state (session_id, timeline, cursors, recap_at, updated_at) "
                    "values (?, ?, ?, ?, ?) on conflict(session_id) do update set "
                    "timeline = excluded.timeline, cursors = excluded.cursors, "
                    "recap_at = excluded.recap_at, updated_at = excluded.updated_at",
                    [
                        session_id,
                        json.dumps(state["timeline"]),
                        json.dumps(state["cursors"]),
                        state["recap_at"],
                        iso(datetime.now(UTC)),
                    ],
                )

    def _upsert_messages(self, rows: list[dict[str, Any]]) -> None:
        """The messages of a batch, in one statement: each row goes to a temporary table first,
        then all of them into ``messages`` at once. Row by row, each statement would make FTS5
        write its pending index to disk (it does so at every statement's savepoint): 30 us a
        message, where one statement for the batch costs 12. A stored message keeps what it had;
        only its session and what the engine made of it are updated."""
        cols = list(rows[0])
        names = ", ".join(f"[{c}]" for c in cols)
        conn = self.db.conn
        if not self._staging:
            conn.execute(
                f"create temp table if not exists live_batch as select {names} from messages where 0"
            )
            self._staging = True
        conn.execute("delete from temp.live_batch")
        conn.executemany(
            f"insert into temp.live_batch ({names}) values ({', '.join('?' * len(cols))})",
            [[r[c] for c in cols] for r in rows],
        )
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in ("session_id", *OUTCOME_COLUMNS))
        conn.execute(
            f"insert into messages ({names}) select {names} from temp.live_batch where true order by rowid "
            f"on conflict(uid) do update set {updates}"
        )

    def ledger_status(self, session_id: str, key: str, platform: str, status: LedgerStatus) -> None:
        """Settle a ledger row without a platform id (``dropped``: never sent, no longer wanted)."""
        with self.db.atomic():
            self.db.execute(
                "update ledger set status = ? where session_id = ? and key = ? and platform = ?",
                [status, session_id, key, platform],
            )

    def ledger_hold(self, session_id: str, key: str, platform: str, reason: str) -> None:
        """An unconfirmed row the platform's history could not settle: ``held`` for a host, with why."""
        with self.db.atomic():
            self.db.execute(
                "update ledger set status = 'held', held_reason = ? "
                "where session_id = ? and key = ? and platform = ? and status = 'intended'",
                [reason, session_id, key, platform],
            )

    def ledger_resolve(
        self, session_id: str, key: str, platform: str, *, went_out: bool, by: str, at: datetime
    ) -> bool:
        """A host's word on a held row: it went out (``posted``, with neither a platform id nor a
        time known) or it did not (``intended`` again, to be sent). Who said it and when are kept.
        False when the row is not held (any more)."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update ledger set status = ?, resolved_by = ?, resolved_at = ? "
                "where session_id = ? and key = ? and platform = ? and status = 'held'",
                ["posted" if went_out else "intended", by, iso(at), session_id, key, platform],
            )
        return cursor.rowcount > 0

    def ledger_resplit(self, session_id: str, row: LedgerRow, pieces: Sequence[str]) -> list[str]:
        """A part the platform refused as too long becomes ``pieces``: the row keeps the first,
        new rows (keys ``<key>+2``, ``<key>+3``...) carry the rest in its place in the thread
        (the parts after it move down). All in one transaction; the new keys."""
        keys = [f"{row['key']}+{j}" for j in range(2, len(pieces) + 1)]
        with self.db.atomic():
            self.db.execute(
                "update ledger set text = ? where session_id = ? and key = ? and platform = ?",
                [pieces[0], session_id, row["key"], row["platform"]],
            )
            self.db.execute(
                "update ledger set part = part + ? where session_id = ? and post = ? and platform = ? "
                "and part > ?",
                [len(keys), session_id, row["post"], row["platform"], row["part"]],
            )
            for j, (key, text) in enumerate(zip(keys, pieces[1:], strict=True), 1):
                new: LedgerIntent = {
                    "key": key,
                    "post": row["post"],
                    "part": row["part"] + j,
                    "platform": row["platform"],
                    "text": text,
                    "reply_to": None,  # a thread part answers the part before it
                    "after": row["after"],
                    "ref": row["ref"],
                    "kind": row["kind"],
                    "intended_at": row["intended_at"],
                }
                cols = ["session_id", "status", *new]
                self.db.execute(
                    f"insert into ledger ({', '.join(f'[{c}]' for c in cols)}) "
                    f"values ({', '.join('?' * len(cols))})",
                    [session_id, "intended", *new.values()],
                )
        return keys
