"""`validation`: every finding of a day's worklist, target ≤ 2 s in total (`validation_seconds`).

Setup (not timed): the cached 200 000-patient snapshot of import_bench is activated into a
temporary data directory, and 300 patients with history and labs get a signed prescription of
their own protocol for the day (a weight recorded today, a draft computed by the dose engine,
signed). Timed: the validation worklist service, which reads the 300 prescriptions, gathers each
patient's history, lifetime doses and labs from the snapshot and the fallback in batch queries,
and runs every check; median of 3 runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.import_bench import snapshot_folder
from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

PRESCRIPTIONS = 300
RUNS = 3
PASSWORD = "Benchmark-2026!"


def _patients(store: Store, count: int) -> list[tuple[str, str, int, float]]:
    """Patients with a cycle in the snapshot and labs: (IPP, protocol, next cycle, weight)."""
    return store.cursor().execute(
        """SELECT p.patient_id, any_value(p.protocol_id), max(p.cycle_no) + 1,
                  coalesce(any_value(p.weight_kg), 70)
           FROM ref.prescriptions p
           JOIN ref.protocols pr USING (protocol_id)
           WHERE p.status <> 'cancelled' AND p.height_cm IS NOT NULL
             AND p.patient_id IN (SELECT patient_id FROM ref.lab_results)
           GROUP BY p.patient_id ORDER BY p.patient_id LIMIT ?""",
        [count * 2],
    ).fetchall()


def setup(store: Store, today: date) -> int:
    actor = audit.command_line_actor()
    doctor = accounts.create_user(store, actor, "bench_dr", "Dr Bench", "prescriber", PASSWORD)
    settings = SiteSettings()
    made = 0
    for patient_id, protocol_id, cycle_no, weight in _patients(store, PRESCRIPTIONS):
        if made == PRESCRIPTIONS:
            break
        try:
            record_measurement(store, doctor, patient_id, "weight", weight, today, today=today)
            request = DraftRequest(patient_id=patient_id, protocol_id=protocol_id,
                                   cycle_no=min(cycle_no, 200), cycle_start_date=today)
            rx = drafts.start_draft(store, doctor, request, settings, today)
            for drug_id in sorted({x.drug_id for x in rx.lines if x.liste_en_sus}):
                line_edits.set_indication_code(
                    store, doctor, rx.prescription_id, drug_id, "I000001"
                )
            lifecycle.sign(store, doctor, rx.prescription_id, settings, today)
        except (PrescriptionError, ValueError) as exc:
            print(f"  skipped {patient_id}: {exc}", file=sys.stderr)
            continue
        made += 1
    return made


def run() -> dict:
    today = date.today()
    source = snapshot_folder()
    with tempfile.TemporaryDirectory(prefix="cf-validation-") as tmp:
        store = Store.open(Path(tmp) / "data")
        try:
            activate_snapshot(store, source)
            print("  creating the day's prescriptions (not timed)…", file=sys.stderr)
            made = setup(store, today)
            pharmacist = accounts.create_user(
                store, audit.command_line_actor(), "bench_ph", "Bench Pharma", "pharmacist",
                PASSWORD,
            )
            timings, listed = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                # the default worklist: every signed prescription awaiting validation
                listed = validation.worklist(store, pharmacist, SiteSettings(), today).entries
                timings.append(time.perf_counter() - started)
        finally:
            store.close()
    findings = sum(len(entry.findings) for entry in listed)
    return {
        "validation_seconds": round(statistics.median(timings), 3),
        "validation_runs_seconds": [round(t, 3) for t in timings],
        "validation_prescriptions": len(listed),
        "validation_prescriptions_created": made,
        "validation_findings": findings,
    }
