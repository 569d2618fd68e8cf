"""Reading the lab results recorded in the fallback (patient_lab_results), for the patient
record, for the creatinine doses use (measurements.latest_measurements) and for the validation
checks. Writing them is labs.record_lab_result."""

from __future__ import annotations

import duckdb

from chemo_fallback.patients.identity import reading
from chemo_fallback.patients.models import RecordedLab
from chemo_fallback.store import Store

RECORDED_LABS_SQL = """SELECT r.lab_record_id, r.patient_id, r.test_code, r.value, r.unit,
       r.value_normalised, r.unit_normalised, r.sampled_at, r.recorded_at, r.recorded_by,
       r.recorded_by_name, r.comment, r.replaces_id, r.replaces_measurement_id,
       r.replace_reason, r.confirm_codes, r.confirm_reason,
       (SELECT min(n.lab_record_id) FROM patient_lab_results n
        WHERE n.replaces_id = r.lab_record_id) AS replaced_by
FROM patient_lab_results r"""
FIELDS = tuple(RecordedLab.model_fields)


def _lab(row: tuple) -> RecordedLab:
    return RecordedLab(**dict(zip(FIELDS, row, strict=True)))


def recorded_labs(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str
) -> list[RecordedLab]:
    """Every lab result recorded for the patient, replaced ones included, newest sample first."""
    return recorded_labs_of(cur_or_store, [patient_id])[patient_id]


def recorded_labs_of(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_ids: list[str]
) -> dict[str, list[RecordedLab]]:
    """`recorded_labs` for many patients in one query (a validation worklist is hundreds)."""
    found: dict[str, list[RecordedLab]] = {p: [] for p in patient_ids}
    with reading(cur_or_store) as cur:
        rows = cur.execute(
            f"{RECORDED_LABS_SQL} WHERE r.patient_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY r.sampled_at DESC, r.lab_record_id DESC",
            [patient_ids],
        ).fetchall()
    for row in rows:
        lab = _lab(row)
        found[lab.patient_id].append(lab)
    return found


def recorded_lab(cur: duckdb.DuckDBPyConnection, lab_record_id: int) -> RecordedLab | None:
    row = cur.execute(f"{RECORDED_LABS_SQL} WHERE r.lab_record_id = ?", [lab_record_id]).fetchone()
    return _lab(row) if row else None
