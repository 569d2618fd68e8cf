"""Shared by the prescription tests: the demo snapshot pinned to a day, and audit lookups."""

from __future__ import annotations

import json
from datetime import date

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 23)  # the demo snapshot's export day: no date shift
# Demo patients (snapshots/demo): weighed 6 days before TODAY, and 15 days before.
RECENT_PATIENT = "IPP10002366"  # GARNIER Hamid, 185 cm, 85 kg on 17/11/2026, on mFOLFOX6
STALE_PATIENT = "IPP10002014"  # GÉRARD Jeanne, 159 cm, 60,8 kg on 08/11/2026
RITUXIMAB_PROTOCOL = "RCHOP21"  # rituximab is on the "liste en sus"


def activate_demo(store) -> None:
    report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()


def audit_rows(store, action: str) -> list[dict]:
    cur = store.cursor().execute(
        "SELECT actor, role, record_type, record_id, before_json, after_json, reason "
        "FROM audit_log WHERE action = ? ORDER BY audit_id",
        [action],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in rows:
        for key in ("before_json", "after_json"):
            row[key] = json.loads(row[key]) if row[key] else None
    return rows
