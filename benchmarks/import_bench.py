"""`import`: full activation of a large snapshot, against DuckDB's plain read_csv of the same
files. Each side runs in its own child process, so its peak memory is its own.

Figures are medians of interleaved runs (BENCH_IMPORT_RUNS, default 3). The snapshot
(200 000 patients, about 2 000 000 prescription lines, lab results and preparations of
similar size) is generated once and cached in .benchmarks-cache/ (not timed).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PATIENTS = int(os.environ.get("BENCH_IMPORT_PATIENTS", "200000"))
SEED = 1
CACHE = Path(__file__).resolve().parent.parent / ".benchmarks-cache"

# Peak resident memory of this process only: VmHWM belongs to the address space, which exec
# renews (ru_maxrss would carry over the parent's peak, e.g. from generating the snapshot).
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

ACTIVATE = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store
store = Store.open(Path(sys.argv[2]))
started = time.perf_counter()
report = activate_snapshot(store, Path(sys.argv[1]))
elapsed = time.perf_counter() - started
store.close()
assert report.status == "activated", report.errors
print(json.dumps({"seconds": elapsed, "rows": sum(t.rows_loaded for t in report.tables),
                  "rejected": report.rows_rejected,
                  "peak_kib": PEAK()}))
"""
)

# The same activation as the app runs it: the reading in a spawned child (snapshot.isolated).
ACTIVATE_ISOLATED = ACTIVATE.replace(
    "from chemo_fallback.snapshot.activation import activate_snapshot",
    "from chemo_fallback.snapshot.isolated import activate_isolated as activate_snapshot",
)

RAW_READ = (
    PEAK
    + """
import json, sys, time
import duckdb
from pathlib import Path
manifest = json.loads((Path(sys.argv[1]) / "manifest.json").read_text())
con = duckdb.connect(sys.argv[2] + "/raw.duckdb")
started = time.perf_counter()
rows = 0
for name, entry in manifest["tables"].items():
    path = str(Path(sys.argv[1]) / entry["file"])
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv(?)", [path])
    rows += con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
con.execute("CHECKPOINT")
con.close()
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_kib": PEAK()}))
"""
)


def _stale(folder: Path) -> bool:
    """A cached snapshot written before a column was added to the format is regenerated (the
    activation would refuse it)."""
    from chemo_fallback.snapshot.tables import TABLES

    if not (folder / "manifest.json").is_file():
        return True
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
        if header != [c.name for c in table.columns]:
            return True
    return False


def snapshot_folder() -> Path:
    folder = CACHE / f"import-{PATIENTS}-seed{SEED}"
    if _stale(folder):
        shutil.rmtree(folder, ignore_errors=True)
        from chemo_fallback.snapshot.generator import generate_snapshot

        print(f"generating {folder} (cached for later runs)…", file=sys.stderr, flush=True)
        generate_snapshot(folder, PATIENTS, SEED, dialect="csv")
    return folder


def _child(script: str, folder: Path) -> dict:
    """Run a script in a child process; it reports its own time and peak resident memory."""
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        out = subprocess.run(
            [sys.executable, "-c", script, str(folder), work],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))


def run() -> dict:
    """Raw read and activation alternate RUNS times (the machine is shared and noisy); the
    figures are the medians, every run's time is reported too."""
    folder = snapshot_folder()
    manifest = json.loads((folder / "manifest.json").read_text())
    size = sum((folder / t["file"]).stat().st_size for t in manifest["tables"].values())
    for entry in manifest["tables"].values():  # same warm page cache for both sides
        (folder / entry["file"]).read_bytes()
    raws, imports, isolated = [], [], []
    for _ in range(RUNS):
        raws.append(_child(RAW_READ, folder))
        imports.append(_child(ACTIVATE, folder))
        isolated.append(_child(ACTIVATE_ISOLATED, folder))
    raw_seconds = statistics.median(r["seconds"] for r in raws)
    import_seconds = statistics.median(r["seconds"] for r in imports)
    isolated_seconds = statistics.median(r["seconds"] for r in isolated)
    return {
        "import_patients": PATIENTS,
        "import_rows": imports[0]["rows"],
        "import_rows_per_table": {k: v["rows"] for k, v in manifest["tables"].items()},
        "import_bytes": size,
        "import_seconds": round(import_seconds, 2),
        "raw_read_seconds": round(raw_seconds, 2),
        "import_ratio": round(import_seconds / raw_seconds, 2),
        "import_runs_seconds": [round(r["seconds"], 2) for r in imports],
        # from the app: the reading in a child process (target: at most 10 % slower)
        "import_isolated_seconds": round(isolated_seconds, 2),
        "import_isolated_overhead_pct": round(100 * (isolated_seconds / import_seconds - 1), 1),
        "import_isolated_runs_seconds": [round(r["seconds"], 2) for r in isolated],
        "raw_read_runs_seconds": [round(r["seconds"], 2) for r in raws],
        "import_peak_rss_mib": round(max(r["peak_kib"] for r in imports) / 1024),
        "raw_read_peak_rss_mib": round(max(r["peak_kib"] for r in raws) / 1024),
    }
