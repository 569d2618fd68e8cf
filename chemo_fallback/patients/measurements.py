"""Height, weight and serum creatinine: recorded during the outage, and the latest value of
each across the fallback's records and the snapshot (what dose calculations use).

Recorded measurements are never edited: a wrong one is corrected by a new one that points at
it (`replaces_id`, with a reason); the wrong one stays visible, marked as replaced, and no
longer counts as the latest value.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.patients.identity import find_identity, has_snapshot, reading
from chemo_fallback.patients.models import (
    InvalidEntry,
    LatestMeasurements,
    MeasuredValue,
    PatientNotFound,
    RecordedMeasurement,
)
from chemo_fallback.patients.rules import KINDS, MAX_TEXT_CHARS, clean_text, measurement_problems
from chemo_fallback.store import Store

RECORDED_SQL = """SELECT m.measurement_id, m.patient_id, m.kind, m.value, m.unit, m.measured_on,
       m.recorded_at, m.recorded_by, m.recorded_by_name, m.comment, m.replaces_id,
       m.replace_reason,
       (SELECT min(r.measurement_id) FROM patient_measurements r
        WHERE r.replaces_id = m.measurement_id) AS replaced_by
FROM patient_measurements m"""
FIELDS = tuple(RecordedMeasurement.model_fields)

PATIENT_FILE_SQL = """SELECT height_cm, weight_kg, measured_on FROM ref.patients
WHERE patient_id = ? AND measured_on IS NOT NULL"""
PRESCRIPTIONS_SQL = """SELECT prescription_id, height_cm, weight_kg,
       coalesce(CAST(prescribed_at AS DATE), cycle_start_date) AS day
FROM ref.prescriptions WHERE patient_id = ?"""
# A few, in case the latest is in a unit that cannot be converted.
CREATININE_SQL = """SELECT lab_id, value, unit, sampled_at FROM ref.lab_results
WHERE patient_id = ? AND test_code = 'CREAT'
ORDER BY sampled_at DESC, lab_id LIMIT 5"""

# Serum creatinine to µmol/L (molar mass 113.12 g/mol); any other unit is not used.
CREATININE_TO_UMOL_L = {"µmol/l": 1.0, "umol/l": 1.0, "μmol/l": 1.0, "mg/l": 8.84, "mg/dl": 88.4}
# On the same date the fallback's own record wins, then the patient file, the lab, and last
# the prescription (whose date is only the day it was written).
PRECEDENCE = {"fallback": 3, "snapshot_patient": 2, "snapshot_lab": 2, "snapshot_prescription": 1}


def recorded_measurements(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str
) -> list[RecordedMeasurement]:
    """Every measurement recorded for the patient, replaced ones included, most recent first."""
    with reading(cur_or_store) as cur:
        rows = cur.execute(
            f"{RECORDED_SQL} WHERE m.patient_id = ? "
            "ORDER BY m.measured_on DESC, m.measurement_id DESC",
            [patient_id],
        ).fetchall()
    return [RecordedMeasurement(**dict(zip(FIELDS, row, strict=True))) for row in rows]


def _recorded(cur: duckdb.DuckDBPyConnection, measurement_id: int) -> RecordedMeasurement | None:
    row = cur.execute(f"{RECORDED_SQL} WHERE m.measurement_id = ?", [measurement_id]).fetchone()
    return RecordedMeasurement(**dict(zip(FIELDS, row, strict=True))) if row else None


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _snapshot_values(cur: duckdb.DuckDBPyConnection, patient_id: str) -> list[tuple]:
    """(kind, MeasuredValue) found in the snapshot for this patient."""
    found = []
    for height, weight, day in cur.execute(PATIENT_FILE_SQL, [patient_id]).fetchall():
        for kind, value in (("height", height), ("weight", weight)):
            if value is not None:
                found.append(
                    (
                        kind,
                        MeasuredValue(
                            value=value,
                            unit=KINDS[kind].unit,
                            measured_on=day,
                            source="snapshot_patient",
                            label_fr="dossier patient (instantané)",
                        ),
                    )
                )
    for rx_id, height, weight, day in cur.execute(PRESCRIPTIONS_SQL, [patient_id]).fetchall():
        for kind, value in (("height", height), ("weight", weight)):
            if value is not None and day is not None:
                found.append(
                    (
                        kind,
                        MeasuredValue(
                            value=value,
                            unit=KINDS[kind].unit,
                            measured_on=day,
                            source="snapshot_prescription",
                            reference=rx_id,
                            label_fr=f"prescription {rx_id} du {_day(day)} (instantané)",
                        ),
                    )
                )
    for lab_id, value, unit, sampled_at in cur.execute(CREATININE_SQL, [patient_id]).fetchall():
        factor = CREATININE_TO_UMOL_L.get((unit or "").strip().lower())
        if factor is None:
            continue
        label = f"biologie, prélèvement du {sampled_at:%d/%m/%Y %H:%M} (instantané)"
        if factor != 1.0:
            label += f", converti de {value:g} {unit}".replace(".", ",")
        found.append(
            (
                "creatinine",
                MeasuredValue(
                    value=round(value * factor, 1),
                    unit="µmol/L",
                    measured_on=sampled_at.date(),
                    source="snapshot_lab",
                    reference=lab_id,
                    label_fr=label,
                ),
            )
        )
        break
    return found


def latest_measurements(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str
) -> LatestMeasurements:
    """The latest dated height, weight and creatinine, each from wherever it is newest: the
    fallback's measurements (not replaced), the snapshot's patient file, its prescriptions and,
    for creatinine, its lab results. Undated snapshot values are not used."""
    with reading(cur_or_store) as cur:
        candidates = [
            (
                m.kind,
                MeasuredValue(
                    value=m.value,
                    unit=m.unit,
                    measured_on=m.measured_on,
                    source="fallback",
                    reference=str(m.measurement_id),
                    label_fr=f"saisie pendant la panne (mesure n° {m.measurement_id}, par "
                    f"{m.recorded_by_name})",
                ),
                m.measurement_id,
            )
            for m in recorded_measurements(cur, patient_id)
            if not m.replaced
        ]
        if has_snapshot(cur):
            candidates += [(kind, value, 0) for kind, value in _snapshot_values(cur, patient_id)]
    latest: dict[str, MeasuredValue] = {}
    best: dict[str, tuple] = {}
    for kind, value, order in candidates:
        key = (value.measured_on, PRECEDENCE[value.source], order)
        if kind not in best or key > best[kind]:
            best[kind], latest[kind] = key, value
    return LatestMeasurements(**latest)


def _summary(m: RecordedMeasurement) -> dict:
    keys = (
        "measurement_id",
        "patient_id",
        "kind",
        "value",
        "unit",
        "measured_on",
        "comment",
        "replaces_id",
    )
    return {k: getattr(m, k) for k in keys}


def _text_problems(comment: str | None, reason: str | None) -> list[str]:
    return [
        f"{label} trop long : {MAX_TEXT_CHARS} caractères au plus."
        for label, text in (("Commentaire", comment), ("Motif", reason))
        if text and len(text) > MAX_TEXT_CHARS
    ]


def _correction_problems(
    cur: duckdb.DuckDBPyConnection,
    patient_id: str,
    kind: str,
    replaces_id: int | None,
    reason: str | None,
) -> tuple[list[str], RecordedMeasurement | None]:
    if replaces_id is None:
        if reason:
            return [
                "Motif de correction sans mesure corrigée : choisissez la mesure à corriger "
                "ou laissez le motif vide."
            ], None
        return [], None
    problems = []
    old = _recorded(cur, replaces_id)
    if old is None or old.patient_id != patient_id:
        problems.append(
            f"Mesure à corriger introuvable : la mesure n° {replaces_id} n'est pas "
            "une mesure de ce patient."
        )
    elif old.kind != kind:
        problems.append(
            f"La mesure n° {replaces_id} est de type « {KINDS[old.kind].label} » : "
            "corrigez-la par une mesure du même type."
        )
    elif old.replaced:
        problems.append(
            f"La mesure n° {replaces_id} a déjà été corrigée par la mesure n° "
            f"{old.replaced_by} : corrigez plutôt cette dernière."
        )
    if not reason:
        problems.append(
            f"Motif de la correction manquant : indiquez pourquoi la mesure n° "
            f"{replaces_id} est fausse."
        )
    return problems, old


def record_measurement(
    store: Store,
    user: User,
    patient_id: str,
    kind: str,
    value: float | None,
    measured_on: date | None,
    *,
    comment: str | None = None,
    replaces_id: int | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> RecordedMeasurement:
    """The use case: record one height (cm), weight (kg) or creatinine (µmol/L), optionally
    correcting an earlier one. Raises InvalidEntry with every problem, PatientNotFound or
    PermissionDenied; writes the measurement and its audit record in one transaction."""
    require(user.role, Permission.MEASUREMENT_RECORD)
    today = today or date.today()
    comment, reason = clean_text(comment) or None, clean_text(reason) or None
    value = None if value is None else float(value)
    with store.transaction() as cur:
        identity = find_identity(cur, patient_id, today)
        if identity is None:
            raise PatientNotFound(f"Patient inconnu : aucun patient n'a l'IPP « {patient_id} ».")
        problems = measurement_problems(kind, value, measured_on, today, identity.birth_date)
        more, old = _correction_problems(cur, patient_id, kind, replaces_id, reason)
        problems += more + _text_problems(comment, reason)
        if problems:
            raise InvalidEntry(problems)
        measurement_id, recorded_at = cur.execute(
            """INSERT INTO patient_measurements (patient_id, kind, value, unit, measured_on,
                   recorded_at, recorded_by, recorded_by_name, comment, replaces_id,
                   replace_reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING measurement_id, recorded_at""",
            [
                patient_id,
                kind,
                value,
                KINDS[kind].unit,
                measured_on,
                datetime.now(),
                user.username,
                user.display_name,
                comment,
                replaces_id,
                reason,
            ],
        ).fetchone()
        recorded = RecordedMeasurement(
            measurement_id=measurement_id,
            patient_id=patient_id,
            kind=kind,
            value=value,
            unit=KINDS[kind].unit,
            measured_on=measured_on,
            recorded_at=recorded_at,
            recorded_by=user.username,
            recorded_by_name=user.display_name,
            comment=comment,
            replaces_id=replaces_id,
            replace_reason=reason,
        )
        audit.record(
            cur,
            user.actor,
            "measurement.corrected" if old else "measurement.recorded",
            "patient_measurement",
            measurement_id,
            before=_summary(old) if old else None,
            after=_summary(recorded),
            reason=reason,
        )
    return recorded
