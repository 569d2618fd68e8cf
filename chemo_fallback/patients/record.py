"""The patient record: identity, height, weight and creatinine (the snapshot's and those
recorded during the outage), cycles ongoing or to come, past cycles with their lines and
preparations, and lab results. A patient created during the outage has no history."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.dosing import DoseInputError
from chemo_fallback.dosing.line_dose import bsa_shown_m2
from chemo_fallback.errors import StoreError
from chemo_fallback.patients.identity import age_years, find_identity
from chemo_fallback.patients.lab_records import recorded_labs
from chemo_fallback.patients.measurements import latest_measurements, recorded_measurements
from chemo_fallback.patients.models import (
    NO_SNAPSHOT,
    LabResult,
    Measurement,
    NoActiveSnapshot,
    PatientNotFound,
    PatientRecord,
    PreparationRef,
    PrescriptionLineView,
    PrescriptionView,
    RecordedLab,
    RejectedLabResult,
)
from chemo_fallback.store import Store

LAB_HISTORY_LIMIT = 60
LAB_ORDER = ("PNN", "PLQ", "HB", "LEUCO", "CREAT", "CLCR", "BILI", "ASAT", "ALAT")

PATIENT_FILE_SQL = """SELECT height_cm, weight_kg, measured_on FROM ref.patients
WHERE patient_id = ?"""

PRESCRIPTIONS_SQL = """SELECT rx.prescription_id, rx.protocol_id, pr.name, rx.cycle_no,
       rx.cycle_start_date, pr.cycle_length_days, rx.status,
       nullif(concat_ws(' ', upper(s.last_name), s.first_name), ''),
       rx.height_cm, rx.weight_kg, rx.bsa_m2, rx.prescribed_at
FROM ref.prescriptions rx
LEFT JOIN ref.protocols pr ON pr.protocol_id = rx.protocol_id
LEFT JOIN ref.staff s ON s.staff_id = rx.prescriber_id
WHERE rx.patient_id = ?
ORDER BY rx.cycle_start_date DESC, rx.cycle_no DESC, rx.prescription_id"""

# Lines and preparations are found through the patient's ids (list parameters): their
# tables are large and not ordered by patient.
LINES_SQL = """SELECT l.prescription_id, l.line_id, l.day_no, l.planned_date, l.drug_id, d.inn,
       l.dose, l.dose_unit, l.route, l.modification_pct, l.status
FROM ref.prescription_lines l LEFT JOIN ref.drugs d ON d.drug_id = l.drug_id
WHERE list_contains(?, l.prescription_id)
ORDER BY l.planned_date, l.protocol_line_no, l.line_id"""

PREPARATIONS_SQL = """SELECT line_id, register_no, status, prepared_at
FROM ref.preparations WHERE list_contains(?, line_id)
ORDER BY prepared_at, register_no"""

LABS_SQL = """SELECT test_code, value, unit, sampled_at
FROM ref.lab_results WHERE patient_id = ?
ORDER BY sampled_at DESC, test_code
LIMIT ?"""

# Written by the activation (snapshot/tables.py); absent from a reference database activated
# by an older version.
REJECTED_LABS_SQL = """SELECT lab_id, upper(trim(test_code)), value, unit, sampled_at_parsed,
       sampled_at, reason
FROM ref.lab_result_rejects WHERE trim(patient_id) = ?
ORDER BY sampled_at_parsed DESC NULLS FIRST, lab_id
LIMIT ?"""


def _rejected_labs(cur: duckdb.DuckDBPyConnection, patient_id: str) -> list[RejectedLabResult]:
    present = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'ref' "
        "AND table_name = 'lab_result_rejects'"
    ).fetchone()[0]
    if not present:
        return []
    fields = ("lab_id", "test_code", "value", "unit", "sampled_at", "sampled_at_text", "reason")
    return [
        RejectedLabResult(**dict(zip(fields, row, strict=True)))
        for row in cur.execute(REJECTED_LABS_SQL, [patient_id, LAB_HISTORY_LIMIT]).fetchall()
    ]


def mosteller_bsa_m2(height_cm: float | None, weight_kg: float | None) -> float | None:
    """Body surface area, Mosteller, rounded as the dose engine rounds it (so the record and
    the prescription never show different BSAs); None when it cannot be computed."""
    if not height_cm or not weight_kg:
        return None
    try:
        return bsa_shown_m2("mosteller", height_cm, weight_kg)
    except DoseInputError:  # out of the engine's physiological range
        return None


__all__ = ["age_years", "load_patient_record", "mosteller_bsa_m2"]


def cycle_end(start: date, cycle_length_days: int | None) -> date | None:
    return start + timedelta(days=cycle_length_days - 1) if cycle_length_days else None


def is_current(prescription: PrescriptionView, today: date) -> bool:
    """A cycle still ongoing today or still to come, and not cancelled."""
    if prescription.status == "cancelled":
        return False
    last_day = prescription.cycle_end_date or prescription.cycle_start_date
    return last_day >= today


def _measurement(height_cm, weight_kg, bsa_m2, **where) -> Measurement | None:
    if height_cm is None and weight_kg is None and bsa_m2 is None:
        return None
    computed = bsa_m2 is None and mosteller_bsa_m2(height_cm, weight_kg) is not None
    return Measurement(
        height_cm=height_cm,
        weight_kg=weight_kg,
        bsa_m2=mosteller_bsa_m2(height_cm, weight_kg) if computed else bsa_m2,
        bsa_computed=computed,
        **where,
    )


def measurements(patient_row: tuple, prescriptions: list[PrescriptionView]) -> list[Measurement]:
    """The patient file's measure and every prescription's, most recent first (undated last)."""
    height_cm, weight_kg, measured_on = patient_row
    found = [_measurement(height_cm, weight_kg, None, measured_on=measured_on, source="patient")]
    for rx in prescriptions:
        day = rx.prescribed_at.date() if rx.prescribed_at else rx.cycle_start_date
        found.append(
            _measurement(
                rx.height_cm,
                rx.weight_kg,
                rx.bsa_m2,
                measured_on=day,
                source="prescription",
                prescription_id=rx.prescription_id,
                protocol_name=rx.protocol_name or rx.protocol_id,
                cycle_no=rx.cycle_no,
            )
        )
    kept = [m for m in found if m is not None]
    return sorted(
        kept, key=lambda m: (m.measured_on is not None, m.measured_on or date.min), reverse=True
    )


def latest_by_test(labs: list[LabResult]) -> list[LabResult]:
    """The latest result of each test (labs come most recent first), in the clinical order."""
    latest: dict[str, LabResult] = {}
    for lab in labs:
        latest.setdefault(lab.test_code, lab)
    rank = {code: i for i, code in enumerate(LAB_ORDER)}
    return sorted(latest.values(), key=lambda lab: (rank.get(lab.test_code, 99), lab.test_code))


def fallback_lab_results(recorded: list[RecordedLab]) -> list[LabResult]:
    """The lab results entered in the fallback and still in force, as typed."""
    return [
        LabResult(
            test_code=lab.test_code,
            value=lab.value,
            unit=lab.unit,
            sampled_at=lab.sampled_at,
            source="fallback",
            reference=str(lab.lab_record_id),
        )
        for lab in recorded
        if not lab.replaced
    ]


def _prescriptions(cur: duckdb.DuckDBPyConnection, patient_id: str) -> list[PrescriptionView]:
    views = []
    for row in cur.execute(PRESCRIPTIONS_SQL, [patient_id]).fetchall():
        (
            rx_id,
            protocol_id,
            name,
            cycle_no,
            start,
            length,
            status,
            prescriber,
            height_cm,
            weight_kg,
            bsa_m2,
            prescribed_at,
        ) = row
        views.append(
            PrescriptionView(
                prescription_id=rx_id,
                protocol_id=protocol_id,
                protocol_name=name,
                cycle_no=cycle_no,
                cycle_start_date=start,
                cycle_end_date=cycle_end(start, length),
                status=status,
                prescriber_name=prescriber,
                height_cm=height_cm,
                weight_kg=weight_kg,
                bsa_m2=bsa_m2,
                prescribed_at=prescribed_at,
            )
        )
    if not views:
        return views
    by_id = {v.prescription_id: v for v in views}
    lines: dict[str, PrescriptionLineView] = {}
    for rx_id, *values in cur.execute(LINES_SQL, [list(by_id)]).fetchall():
        fields = (
            "line_id",
            "day_no",
            "planned_date",
            "drug_id",
            "drug_inn",
            "dose",
            "dose_unit",
            "route",
            "modification_pct",
            "status",
        )
        line = PrescriptionLineView(**dict(zip(fields, values, strict=True)))
        by_id[rx_id].lines.append(line)
        lines[line.line_id] = line
    if lines:
        for line_id, register_no, status, prepared_at in cur.execute(
            PREPARATIONS_SQL, [list(lines)]
        ).fetchall():
            lines[line_id].preparations.append(
                PreparationRef(register_no=register_no, status=status, prepared_at=prepared_at)
            )
    return views


def load_patient_record(
    store: Store, role: str, patient_id: str, *, today: date | None = None
) -> PatientRecord:
    """The use case: read one patient's record. Raises PatientNotFound or NoActiveSnapshot
    (French messages) rather than returning half a record."""
    require(role, Permission.PATIENT_READ)
    today = today or date.today()
    snapshot = store.active_snapshot() is not None
    cur = store.cursor()
    try:
        identity = find_identity(cur, patient_id, today)
        if identity is None and not snapshot:
            raise NoActiveSnapshot(NO_SNAPSHOT)
        if identity is None:
            raise PatientNotFound(
                f"Patient inconnu : aucun patient n'a l'IPP « {patient_id} » dans l'instantané "
                "actif ni parmi les patients créés pendant la panne. Recherchez-le par son nom "
                "et sa date de naissance."
            )
        latest = latest_measurements(cur, patient_id)
        recorded = recorded_measurements(cur, patient_id)
        entered_labs = recorded_labs(cur, patient_id)
        prescriptions, labs, patient_file, rejected = [], [], None, []
        if identity.source == "snapshot":
            patient_file = cur.execute(PATIENT_FILE_SQL, [patient_id]).fetchone()
            prescriptions = _prescriptions(cur, patient_id)
            labs = [
                LabResult(test_code=t, value=v, unit=u, sampled_at=s)
                for t, v, u, s in cur.execute(LABS_SQL, [patient_id, LAB_HISTORY_LIMIT]).fetchall()
            ]
            rejected = _rejected_labs(cur, patient_id)
    except duckdb.Error as exc:  # e.g. an activation swapping the snapshot at this moment
        raise StoreError(
            f"Lecture du dossier impossible ({exc.__class__.__name__}) : réessayez dans un instant."
        ) from exc
    finally:
        cur.close()
    labs = sorted(
        fallback_lab_results(entered_labs) + labs, key=lambda lab: lab.sampled_at, reverse=True
    )[:LAB_HISTORY_LIMIT]
    current = [rx for rx in prescriptions if is_current(rx, today)]
    current.reverse()  # soonest first
    return PatientRecord(
        as_of=today,
        identity=identity,
        latest=latest,
        recorded=recorded,
        recorded_labs=entered_labs,
        measurements=measurements(patient_file, prescriptions) if patient_file else [],
        current=current,
        history=[rx for rx in prescriptions if not is_current(rx, today)],
        latest_labs=latest_by_test(labs),
        lab_history=labs,
        rejected_labs=rejected,
    )
