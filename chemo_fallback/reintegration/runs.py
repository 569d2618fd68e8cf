"""The export runs (exp_runs, migration 0019), and the facts a package states about the store:
the active snapshot, and the audit trail with its anchor as of the period's end."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from chemo_fallback import audit, audit_anchor
from chemo_fallback.store import Store

ACTION = "reintegration.exported"
RECORD_TYPE = "reintegration_export"


def last_run(cur: duckdb.DuckDBPyConnection) -> dict | None:
    cur.execute("SELECT * FROM exp_runs ORDER BY run_id DESC LIMIT 1")
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def runs(store: Store, limit: int = 20) -> list[dict]:
    cur = store.cursor()
    cur.execute("SELECT * FROM exp_runs ORDER BY run_id DESC LIMIT ?", [limit])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def record_run(store: Store, actor: audit.Actor, out_dir: Path, since: datetime | None,
               until: datetime, since_last: bool, encoding: str, separator: str,
               counts: dict[str, int], manifest_sha: str) -> int:
    """The export made, with its audit record (the only write of an export)."""
    values = {
        "exported_at": datetime.now(), "exported_by": actor.username,
        "exported_by_name": actor.display_name or actor.username, "since_at": since,
        "until_at": until, "since_last": since_last, "out_path": str(out_dir),
        "encoding": encoding, "separator": separator,
        "counts_json": json.dumps(counts, sort_keys=True), "manifest_sha256": manifest_sha,
    }
    with store.transaction() as cur:
        run_id = cur.execute(
            f"INSERT INTO exp_runs ({', '.join(values)}) VALUES "
            f"({', '.join('?' for _ in values)}) RETURNING run_id", list(values.values()),
        ).fetchone()[0]
        audit.record(
            cur, actor, "reintegration.exported", RECORD_TYPE, str(run_id),
            after={"since": since, "until": until, "since_last": since_last,
                   "out_path": str(out_dir), "encoding": encoding, "separator": separator,
                   "rows": sum(counts.values()), "manifest_sha256": manifest_sha})
    return run_id


def snapshot_facts(cur: duckdb.DuckDBPyConnection) -> dict:
    row = cur.execute(
        "SELECT snapshot_id, site, source_system, exported_at, demo FROM snapshot_activations "
        "WHERE status = 'active'").fetchone()
    if row is None:
        return {}
    return {"snapshot_id": row[0], "site": row[1], "source_system": row[2],
            "exported_at": row[3].isoformat() if row[3] else None, "demo": bool(row[4])}


def audit_as_of(cur: duckdb.DuckDBPyConnection, until: datetime, anchor_file: Path) -> dict:
    """The trail up to `until`: its record count (ids run 1, 2, 3… without gaps), its last
    hash, and the anchor's last head at or before it (and whether the store agrees)."""
    row = cur.execute(
        "SELECT audit_id, hash FROM audit_log WHERE audit_id = (SELECT max(audit_id) FROM "
        "audit_log WHERE occurred_at <= ?)", [until]).fetchone()
    last_id, last_hash = row if row else (0, None)
    heads = [h for h in audit_anchor.read(anchor_file) if h[0] <= last_id]
    anchor = None
    if heads:
        anchored_id, anchored_hash = heads[-1]
        stored = cur.execute("SELECT hash FROM audit_log WHERE audit_id = ?",
                             [anchored_id]).fetchone()
        anchor = {"anchored_id": anchored_id, "anchored_hash": anchored_hash,
                  "agrees": bool(stored and stored[0] == anchored_hash)}
    return {"records": last_id, "last_id": last_id, "last_hash": last_hash, "anchor": anchor}
