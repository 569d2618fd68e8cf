"""Synthetic, deterministic snapshots for the demo, the tests and the benchmarks.

`generate_snapshot(folder, patients, seed)` writes one file per table of `TABLES` and a
manifest, as a Chimio export would. The same arguments always give byte-identical files; every
date is relative to `exported_at`, so a snapshot made for "today" looks like today's activity.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from chemo_fallback.snapshot.generator import catalogue, protocols, stock
from chemo_fallback.snapshot.generator.history import make_history
from chemo_fallback.snapshot.generator.labs import make_labs
from chemo_fallback.snapshot.generator.people import make_cohort, make_staff, patients_frame
from chemo_fallback.snapshot.generator.writer import DIALECTS, Dialect, write_table
from chemo_fallback.snapshot.manifest import Manifest, Site, Source, write_manifest
from chemo_fallback.snapshot.tables import TABLES

__all__ = ["DEFAULT_EXPORTED_AT", "DIALECTS", "generate_snapshot"]

DEFAULT_EXPORTED_AT = datetime(2026, 11, 23, 2, 0, 0)  # fixed, so the default is reproducible
SOURCE = Source(system="Chimio (synthétique)", version="5.9")
SITE = Site(name="CHU de démonstration — UPAC")


def generate_snapshot(
    out_dir: Path,
    patients: int,
    seed: int,
    *,
    exported_at: datetime | None = None,
    dialect: Dialect = "csv",
    progress: Callable[[str], None] | None = None,
) -> Manifest:
    """Write a synthetic snapshot of `patients` patients into `out_dir`; return its manifest."""
    if patients < 1:
        raise ValueError("patients must be at least 1")
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}, expected one of {DIALECTS}")
    exported_at = (exported_at or DEFAULT_EXPORTED_AT).replace(tzinfo=None, microsecond=0)
    tell = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    day0 = np.datetime64(exported_at.date(), "D")
    rng = np.random.default_rng(seed)

    tell(f"Génération de {patients} patients (graine {seed})…")
    staff = make_staff(rng, patients)
    cohort = make_cohort(rng, patients, staff)
    lots = stock.make_lot_pool(rng)
    tell("Génération des prescriptions et des préparations…")
    history = make_history(rng, cohort, staff, lots.code, day0)
    tell("Génération des résultats de biologie et du stock…")
    labs = make_labs(rng, cohort, history, day0)
    frames = {
        "wards": catalogue.wards_frame(),
        "staff": staff.frame,
        "patients": patients_frame(cohort, day0, history.measured_day),
        "drugs": catalogue.drugs_frame(),
        "products": catalogue.products_frame(),
        "protocols": protocols.protocols_frame(),
        "protocol_lines": protocols.protocol_lines_frame(),
        "prescriptions": history.prescriptions,
        "prescription_lines": history.lines,
        "preparations": history.preparations.frame,
        "lab_results": labs,
        "stock_lots": stock.stock_lots_frame(rng, lots, history.preparations, day0),
        "suppliers": catalogue.suppliers_frame(),
        "supplier_products": stock.supplier_products_frame(),
    }
    del history, labs

    entries = {}
    with duckdb.connect() as con:
        for table in TABLES:
            entries[table.name] = write_table(
                con, table, frames.pop(table.name), out_dir, dialect, exported_at
            )
            tell(f"{entries[table.name].file} : {entries[table.name].rows} lignes")
    manifest = Manifest(
        source=SOURCE, site=SITE, exported_at=exported_at, tables=entries, demo=True
    )
    write_manifest(out_dir, manifest)
    return manifest
