"""Row seals (issue 11): what sealing costs a write, beside a large business table.

A store holds 50 000 notes (about a month of an outage's records in one table); each timed write
adds one note and its audit record, so the commit seals one row. Also: opening the store, which
checks every row against the trail. Figures in ms / s; median of the runs."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from chemo_fallback import audit
from chemo_fallback.store import Store

ROWS = 50_000
WRITES = 30


def run() -> dict:
    actor = audit.command_line_actor()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        store = Store.open(data)
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO notes SELECT nextval('note_seq'), 'IPP' || range, NULL, "
                "'note de suivi du patient, texte de longueur ordinaire', now(), 'u', 'U', "
                f"'pharmacist' FROM range({ROWS})"
            )
            audit.record(cur, actor, "note.added", "note", "bulk")
        times = []
        for n in range(WRITES):
            start = time.perf_counter()
            with store.transaction() as cur:
                cur.execute(
                    "INSERT INTO notes VALUES (nextval('note_seq'), 'IPPX', NULL, 'x', now(), "
                    "'u', 'U', 'pharmacist')"
                )
                audit.record(cur, actor, "note.added", "note", str(n))
            times.append(time.perf_counter() - start)
        store.close()
        start = time.perf_counter()
        store = Store.open(data)
        opened = time.perf_counter() - start
        assert store.rows_check.ok
        store.close()
    return {
        "seal_rows_in_table": ROWS,
        "seal_write_ms_median": round(statistics.median(times) * 1000, 1),
        "seal_write_ms_max": round(max(times) * 1000, 1),
        "seal_open_seconds": round(opened, 2),
    }
