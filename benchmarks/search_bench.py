"""`search`: patient search on the large snapshot (200 000 patients), target p95 ≤ 50 ms.

The cached snapshot of import_bench is activated once into a temporary data directory (not
timed). The first search builds the in-memory lookup table (timed apart, as
`patient_search_index_build_ms`); then realistic queries drawn deterministically from the data
(IPP prefixes and whole IPPs, last names with and without accents or capitals, first and last
names, birth dates in both accepted formats, name with birth date) go through the same service
as the page.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.import_bench import snapshot_folder
from chemo_fallback.patients.query import normalize
from chemo_fallback.patients.search import search_patients
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

QUERIES = 300
SEED = 7
ROLE = "pharmacist"


def realistic_queries(store: Store, count: int = QUERIES, seed: int = SEED) -> list[str]:
    """What staff type at the counter, drawn from real rows of the snapshot."""
    rows = (
        store.cursor()
        .execute(
            "SELECT patient_id, last_name, first_name, birth_name, birth_date "
            "FROM ref.patients ORDER BY patient_id"
        )
        .fetchall()
    )
    rng = random.Random(seed)
    kinds = [
        lambda ipp, last, first, birth_name, born: ipp[: rng.randint(6, len(ipp) - 1)],
        lambda ipp, last, first, birth_name, born: ipp.lower(),
        lambda ipp, last, first, birth_name, born: last.upper(),  # "BEZIER" for Bézier
        lambda ipp, last, first, birth_name, born: normalize(last),
        lambda ipp, last, first, birth_name, born: last,  # as written, with accents
        lambda ipp, last, first, birth_name, born: normalize(last)[:4],
        lambda ipp, last, first, birth_name, born: f"{normalize(first)} {normalize(last)}",
        lambda ipp, last, first, birth_name, born: f"{last} {first[:3]}",
        lambda ipp, last, first, birth_name, born: (birth_name or last).lower(),
        lambda ipp, last, first, birth_name, born: f"{born:%d/%m/%Y}",
        lambda ipp, last, first, birth_name, born: f"{born:%Y-%m-%d}",
        lambda ipp, last, first, birth_name, born: f"{normalize(last)} {born:%d/%m/%Y}",
    ]
    return [kinds[i % len(kinds)](*rng.choice(rows)) for i in range(count)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run() -> dict:
    folder = snapshot_folder()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as work:
        store = Store.open(Path(work) / "data")
        try:
            print("activating the large snapshot (not timed)…", file=sys.stderr, flush=True)
            report = activate_snapshot(store, folder)
            assert report.status == "activated", report.errors
            queries = realistic_queries(store)
            started = time.perf_counter()
            first = search_patients(store, ROLE, queries[0])
            build_ms = (time.perf_counter() - started) * 1000
            timings, found = [], 0
            for text in queries:
                started = time.perf_counter()
                outcome = search_patients(store, ROLE, text)
                timings.append((time.perf_counter() - started) * 1000)
                assert outcome.kind != "invalid", (text, outcome.message)
                found += bool(outcome.hits)
        finally:
            store.close()
    assert first.hits and found == len(queries), "every query is drawn from a real patient"
    return {
        "patient_search_p95_ms": round(percentile(timings, 0.95), 2),
        "patient_search_p50_ms": round(statistics.median(timings), 2),
        "patient_search_max_ms": round(max(timings), 2),
        "patient_search_queries": len(timings),
        "patient_search_index_build_ms": round(build_ms),
    }
