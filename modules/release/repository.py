"""The release's SQL: control sessions (rel_controls) and decisions (rel_decisions), the facts
the release rules read, and the preparations awaiting a decision. Writes happen in the
caller's transaction; rows are inserted, never updated."""

from __future__ import annotations

from datetime import datetime

import duckdb

from chemo_fallback.modules.fabrication import repository as fab_repo
from chemo_fallback.modules.release.models import Control, Decision, ReleaseFacts
from chemo_fallback.store.rows import dicts, insert

Cursor = duckdb.DuckDBPyConnection


def insert_control(cur: Cursor, values: dict) -> int:
    return insert(cur, "rel_controls", values, returning="control_id")


def insert_decision(cur: Cursor, values: dict) -> int:
    return insert(cur, "rel_decisions", values, returning="decision_id")


def controls(cur: Cursor, preparation_ids: list[str]) -> dict[str, list[Control]]:
    """Each preparation's control sessions, first recorded first."""
    found: dict[str, list[Control]] = {p: [] for p in preparation_ids}
    if not preparation_ids:
        return found
    cur.execute(
        "SELECT * FROM rel_controls WHERE preparation_id IN (SELECT unnest(?)) "
        "ORDER BY control_id", [preparation_ids],
    )
    for row in dicts(cur):
        found[row["preparation_id"]].append(Control.from_row(row))
    return found


def decisions(cur: Cursor, preparation_ids: list[str]) -> dict[str, list[Decision]]:
    found: dict[str, list[Decision]] = {p: [] for p in preparation_ids}
    if not preparation_ids:
        return found
    cur.execute(
        "SELECT * FROM rel_decisions WHERE preparation_id IN (SELECT unnest(?)) "
        "ORDER BY decision_id", [preparation_ids],
    )
    for row in dicts(cur):
        found[row["preparation_id"]].append(Decision.from_row(row))
    return found


def facts(cur: Cursor, row: dict) -> ReleaseFacts:
    """What the release rules read of the preparation `row` (fab_preparations)."""
    prep_id = row["preparation_id"]
    found = controls(cur, [prep_id])[prep_id]
    return ReleaseFacts(
        preparation_id=prep_id,
        register_no=row["register_no"],
        fab_status=row["status"],
        prepared_by=row["prepared_by"],
        expires_at=row["expires_at"],
        latest_control=found[-1] if found else None,
        decisions=tuple(decisions(cur, [prep_id])[prep_id]),
    )


def preparation(cur: Cursor, preparation_id: str) -> dict | None:
    return fab_repo.preparation(cur, preparation_id)


def awaiting(cur: Cursor) -> list[dict]:
    """The preparations controlled at the isolator with no release decision yet, the most
    urgent first (planned day, then expiry, then number)."""
    cur.execute(
        """SELECT p.* FROM fab_preparations p
           WHERE p.status = 'controlled'
             AND NOT EXISTS (SELECT 1 FROM rel_decisions d
                             WHERE d.preparation_id = p.preparation_id)
           ORDER BY p.planned_date, p.expires_at NULLS FIRST, p.register_no"""
    )
    return dicts(cur)


def decided_since(cur: Cursor, since: datetime) -> list[dict]:
    """The preparations decided (released or rejected) from `since`, the latest first, with
    their decision."""
    cur.execute(
        """SELECT p.*, d.decision, d.decision_id, d.pharmacist_name, d.decided_at,
                  d.override_reason, d.reason AS decision_reason
           FROM rel_decisions d JOIN fab_preparations p USING (preparation_id)
           WHERE d.decided_at >= ? ORDER BY d.decided_at DESC, d.decision_id DESC""",
        [since],
    )
    return dicts(cur)


def waiting_isolator_count(cur: Cursor) -> int:
    """Preparations made but not yet controlled at the isolator (not releasable yet)."""
    return cur.execute(
        "SELECT count(*) FROM fab_preparations WHERE status = 'prepared'"
    ).fetchone()[0]
