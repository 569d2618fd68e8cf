"""`export`: the re-integration package of a drilled week on the large snapshot, target ≤ 10 s
(`export_seconds`).

Setup (not in the result's target, timed and reported): the cached 200 000-patient snapshot of
import_bench is activated into a temporary data directory (`export_activation_seconds`), then
a 7-day drill is played on it (`chemo-fallback simulate`'s engine, seed 1:
`export_drill_seconds`). Every cycle due on the large snapshot (some 30 000 lines a day) would
take hours to play through the services; the drill plays at most `BENCH_EXPORT_CYCLES` cycles a
day (default 20; 0 plays every one), and the figures say so (`export_drill_cycles_per_day`).
Timed: `export_package(...)` of everything the fallback recorded (the data directory holds only
the drill's week), as the command line runs it, into a new folder: `export_seconds`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.import_bench import snapshot_folder
from chemo_fallback.audit import command_line_actor
from chemo_fallback.drill import simulate
from chemo_fallback.drill.summary import day_line
from chemo_fallback.reintegration.service import export_package
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

DAYS = 7
SEED = 1
CYCLES = int(os.environ.get("BENCH_EXPORT_CYCLES", "20")) or None


def run() -> dict:
    source = snapshot_folder()
    with tempfile.TemporaryDirectory(prefix="cf-export-") as tmp:
        store = Store.open(Path(tmp) / "data")
        try:
            print("  activating the large snapshot (not timed in the target)…", file=sys.stderr)
            started = time.perf_counter()
            activate_snapshot(store, source, refuse_demo=False)
            activation = time.perf_counter() - started
            shown = "every cycle due" if CYCLES is None else f"at most {CYCLES} cycles a day"
            print(f"  drilling {DAYS} days, {shown} (not timed in the target)…",
                  file=sys.stderr)
            started = time.perf_counter()
            reports = simulate.run(store, DAYS, SEED, snapshot=source, max_cycles_per_day=CYCLES,
                                   on_day=lambda r: print("   ", day_line(r), file=sys.stderr,
                                                          flush=True))
            drill = time.perf_counter() - started
            print("  exporting the week (timed)…", file=sys.stderr)
            started = time.perf_counter()
            result = export_package(store, command_line_actor(), Path(tmp) / "export")
            export = time.perf_counter() - started
            size = sum(f.stat().st_size for f in result.out_dir.rglob("*") if f.is_file())
            bundle = json.loads((result.out_dir / "fhir" / "bundle.json").read_text())
        finally:
            store.close()
    totals: dict[str, int] = {}
    for report in reports:
        for key, value in report.counts.items():
            totals[key] = totals.get(key, 0) + value
    return {
        "export_seconds": round(export, 3),
        "export_rows": sum(result.counts.values()),
        "export_files": len(result.counts),
        "export_fhir_resources": len(bundle.get("entry", [])),
        "export_package_bytes": size,
        "export_activation_seconds": round(activation, 1),
        "export_drill_seconds": round(drill, 1),
        "export_drill_days": DAYS,
        "export_drill_cycles_per_day": CYCLES if CYCLES is not None else "all",
        "export_drill_counts": dict(sorted(totals.items())),
    }
