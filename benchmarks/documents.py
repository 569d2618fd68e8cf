"""`documents`: the day's batch of 300 fabrication sheets and 300 labels in one PDF, target
≤ 3 s in total (`documents_seconds`).

Setup (not timed): 300 preparation plans computed by the fabrication rules
(`plan_preparation`) from the demo snapshot's drugs and products, for realistic lines of every
compounded demo drug (bags, pumps, syringes, powders, several vials), each for a patient of the
demo snapshot. Timed: building each sheet's and label's content (formatting, label fitting),
the batch's content, and rendering the batch PDF (600 pages); median of 3 runs, each from cold
caches (label layouts, word widths).
"""

from __future__ import annotations

import csv
import re
import statistics
import time
from datetime import date, datetime, timedelta

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.documents import PrintHeader, renderer_for
from chemo_fallback.modules.fabrication import documents as fab_documents
from chemo_fallback.modules.fabrication.documents_label import fit
from chemo_fallback.modules.fabrication.documents_text import width_of
from chemo_fallback.modules.fabrication.models import (
    DrugPreparationData,
    LineToPrepare,
    PreparationPlan,
    Product,
)
from chemo_fallback.modules.fabrication.rules import plan_preparation
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.site_settings import SiteSettings

PREPARATIONS = 300
RUNS = 3
DAY = datetime(2026, 11, 23, 8, 0)
# drug, dose, route, container, diluent, volume (mL), duration (min): lines of the demo regimens
LINES = (
    ("OXALIPLATINE", 170.0, "IV", "poche", "G5", 250.0, 120.0),
    ("ACIDE_FOLINIQUE", 800.0, "IV", "poche", "NACL09", 250.0, 120.0),
    ("FLUOROURACILE", 800.0, "IV", "seringue", None, None, 5.0),
    ("FLUOROURACILE", 4800.0, "IV", "diffuseur", "NACL09", 230.0, 2760.0),
    ("IRINOTECAN", 360.0, "IV", "poche", "G5", 250.0, 90.0),
    ("PACLITAXEL", 315.0, "IV", "poche", "NACL09", 500.0, 180.0),
    ("CARBOPLATINE", 600.0, "IV", "poche", "G5", 500.0, 60.0),
    ("CISPLATINE", 130.0, "IV", "poche", "NACL09", 500.0, 60.0),
    ("DOXORUBICINE", 90.0, "IV", "poche", "NACL09", 250.0, 30.0),
    ("CYCLOPHOSPHAMIDE", 1200.0, "IV", "poche", "NACL09", 250.0, 60.0),
    ("VINCRISTINE", 2.0, "IV", "poche", "NACL09", 50.0, 10.0),
    ("DOCETAXEL", 140.0, "IV", "poche", "NACL09", 250.0, 60.0),
    ("ETOPOSIDE", 180.0, "IV", "poche", "NACL09", 500.0, 60.0),
    ("GEMCITABINE", 1800.0, "IV", "poche", "NACL09", 250.0, 30.0),
    ("RITUXIMAB", 700.0, "IV", "poche", "NACL09", 250.0, 240.0),
    ("TRASTUZUMAB", 480.0, "IV", "poche", "NACL09", 250.0, 90.0),
    ("PEMBROLIZUMAB", 200.0, "IV", "poche", "NACL09", 100.0, 30.0),
    ("BORTEZOMIB", 2.5, "SC", "seringue", None, None, None),
    ("AZACITIDINE", 130.0, "SC", "seringue", None, None, None),
    ("BLEOMYCINE", 18000.0, "IV", "poche", "NACL09", 100.0, 15.0),
    ("VINBLASTINE", 10.0, "IV", "poche", "NACL09", 50.0, 10.0),
    ("DACARBAZINE", 700.0, "IV", "poche", "NACL09", 250.0, 60.0),
)


def _rows(table: str) -> list[dict[str, str]]:
    with (DEMO_SNAPSHOT / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _patients() -> list[PatientIdentity]:
    wards = {w["ward_id"]: w["name"] for w in _rows("wards")}
    return [
        PatientIdentity(
            patient_id=p["patient_id"], last_name=p["last_name"], first_name=p["first_name"],
            birth_name=p["birth_name"] or None, sex=p["sex"],
            birth_date=date.fromisoformat(p["birth_date"]), age_years=60,
            ward_id=p["ward_id"] or None, ward_name=wards.get(p["ward_id"]),
        )
        for p in _rows("patients")
    ]


def day_of_preparations(count: int = PREPARATIONS) -> list[tuple[dict, PreparationPlan,
                                                                  PatientIdentity, dict]]:
    """`count` printable preparations (preparation, plan, patient, prescription), in queue
    order."""
    drugs = {r["drug_id"]: DrugPreparationData.from_row(r) for r in _rows("drugs")}
    products = [Product.from_row(r) for r in _rows("products")]
    patients = _patients()
    settings = SiteSettings()
    made = []
    for index in range(count):
        drug_id, dose, route, container, diluent, volume, duration = LINES[index % len(LINES)]
        drug = drugs[drug_id]
        line = LineToPrepare(f"L{index}", drug_id, dose, drug.dose_unit, route, container,
                             diluent, volume, duration)
        at = DAY + timedelta(minutes=2 * index)
        plan = plan_preparation(line, drug, products, settings, prepared_at=at)
        if plan.blocking:
            raise RuntimeError(f"{drug_id}: {[f.message for f in plan.blocking_findings]}")
        patient = patients[index % len(patients)]
        register_no = 250445 + index
        preparation = {"preparation_id": f"FAB{register_no}", "register_no": register_no,
                       "created_at": at}
        prescription = {
            "prescription_id": f"RX{index:05d}", "rx_number": f"ORD{index:06d}",
            "version_no": 1, "prescriber_name": "Dr Jean-Claude FRANÇOIS",
            "ward_id": patient.ward_id, "ward_name": patient.ward_name,
            "protocol_name": "mFOLFOX6", "cycle_no": 3, "day_no": 1, "planned_date": DAY.date(),
        }
        made.append((preparation, plan, patient, prescription))
    return made


def batch_pdf(day: list) -> tuple[bytes, int]:
    """What is timed: the contents of every sheet and label, the batch, its PDF."""
    settings = SiteSettings()
    items = []
    for preparation, plan, patient, prescription in day:
        args = {"preparation": preparation, "plan": plan, "patient": patient,
                "prescription": prescription, "settings": settings}
        items.append((fab_documents.sheet_content(**args), fab_documents.label_content(**args)))
    batch = fab_documents.batch_content(items)
    renderer = renderer_for(fab_documents.BATCH_KIND)
    header = PrintHeader(
        document_number="000001", title=renderer.document_title(batch),
        establishment="Centre hospitalier de démonstration", printed_at=DAY,
        printed_by_name="Bench PPH", printed_by_role="préparateur en pharmacie",
        audit_head="n° 1 · 00000000",
    )
    return renderer.render(header, batch), len(items)


def run() -> dict:
    day = day_of_preparations()
    timings, pdf, count = [], b"", 0
    for _ in range(RUNS):
        fit.cache_clear()  # each run fits every label and measures every word again
        width_of.cache_clear()
        started = time.perf_counter()
        pdf, count = batch_pdf(day)
        timings.append(time.perf_counter() - started)
    return {
        "documents_seconds": round(statistics.median(timings), 3),
        "documents_runs_seconds": [round(t, 3) for t in timings],
        "documents_preparations": count,
        "documents_pages": len(re.findall(rb"/Type /Page\b(?!s)", pdf)),
        "documents_pdf_bytes": len(pdf),
    }
