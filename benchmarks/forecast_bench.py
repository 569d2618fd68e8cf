"""`forecast`: the 7-day forecast of what to order on the large snapshot, target ≤ 1 s
(`forecast_seconds`).

Setup (not timed): the cached 200 000-patient snapshot of import_bench (about 2 400 000
prescription lines, 220 000 of them planned in the 7 days) is activated into a temporary data
directory. Timed: `forecast(cur, settings, day, 7)` on the snapshot's export day — the planned
lines read in SQL aggregates, fabrication's vial plan per (drug, dose), the history, the stock,
the open orders, the suggestions per supplier; median of 3 runs, each with the vial-plan cache
emptied first (the cost of a first forecast); the median with the cache warm is reported too.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.import_bench import snapshot_folder
from chemo_fallback.modules.ordering import forecast_rules
from chemo_fallback.modules.ordering.forecast import forecast
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

RUNS = 3
DAYS = 7


def _timed(cur, settings, day, cold: bool):
    if cold:
        forecast_rules._plan.cache_clear()
    started = time.perf_counter()
    result = forecast(cur, settings, day, DAYS)
    return time.perf_counter() - started, result


def run() -> dict:
    source = snapshot_folder()
    day = datetime.fromisoformat(
        json.loads((source / "manifest.json").read_text())["exported_at"]).date()
    settings = SiteSettings()
    with tempfile.TemporaryDirectory(prefix="cf-forecast-") as tmp:
        store = Store.open(Path(tmp) / "data")
        try:
            print("  activating the large snapshot (not timed)…", file=sys.stderr)
            activate_snapshot(store, source)
            cur = store.cursor()
            cold = [_timed(cur, settings, day, True) for _ in range(RUNS)]
            warm = [_timed(cur, settings, day, False) for _ in range(RUNS)]
        finally:
            store.close()
    result = cold[-1][1]
    return {
        "forecast_seconds": round(statistics.median(t for t, _ in cold), 3),
        "forecast_runs_seconds": [round(t, 3) for t, _ in cold],
        "forecast_warm_seconds": round(statistics.median(t for t, _ in warm), 3),
        "forecast_day": day.isoformat(),
        "forecast_horizon_days": DAYS,
        "forecast_planned_lines": result.planned_lines,
        "forecast_lines_not_computed": len(result.uncomputed),
        "forecast_suggestions": len(result.suggestions),
        "forecast_products_to_order": sum(len(g.to_order) for g in result.groups),
    }
