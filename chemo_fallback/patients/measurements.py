"""Height and weight recorded during the outage, and the latest height, weight and serum
creatinine across the fallback's records and the snapshot (what dose calculations use).

Recorded measurements are never edited: a wrong one is corrected by a new one that points at
it (`replaces_id`, with a reason); the wrong one stays visible, marked as replaced, and no
longer counts as the latest value.

Creatinine is entered as a lab result (CREAT, with its unit: labs.py). Creatinine rows recorded
here before that are still read (nothing recorded is lost), and corrected by a lab result.
A height or weight is checked with the patient's other latest measurement: an impossible BMI
is refused, an unusual one (or a likely swap) is recorded only when confirmed with a reason.
"""

from __future__ import annotations

from datetime import date, datetime, time

import duckdb

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.patients.identity import find_identity, has_snapshot, reading
from chemo_fallback.patients.lab_records import recorded_labs_of
from chemo_fallback.patients.lab_rules import bmi_review, old_date_question
from chemo_fallback.patients.lab_units import normalise
from chemo_fallback.patients.models import (
    InvalidEntry,
    LatestMeasurements,
    MeasuredValue,
    NeedsConfirmation,
    PatientNotFound,
    RecordedLab,
    RecordedMeasurement,
)
from chemo_fallback.patients.rules import (
    KINDS,
    MAX_TEXT_CHARS,
    clean_text,
    fr,
    measurement_problems,
)
from chemo_fallback.store import Store

# Request-key action (chemo_fallback.request_keys) and the question of an old date
RECORD_ACTION = "measurement.record"
MEASURED_LONG_AGO = "measurement_date_old"

RECORDED_SQL = """SELECT m.measurement_id, m.patient_id, m.kind, m.value, m.unit, m.measured_on,
       m.recorded_at, m.recorded_by, m.recorded_by_name, m.comment, m.replaces_id,
       m.replace_reason, m.confirm_codes, m.confirm_reason,
       (SELECT min(r.measurement_id) FROM patient_measurements r
        WHERE r.replaces_id = m.measurement_id) AS replaced_by,
       (SELECT min(l.lab_record_id) FROM patient_lab_results l
        WHERE l.replaces_measurement_id = m.measurement_id) AS replaced_by_lab
FROM patient_measurements m"""
FIELDS = tuple(RecordedMeasurement.model_fields)

# Read for many patients at once (a validation worklist is hundreds): one scan per table.
PATIENTS_IN = "patient_id IN (SELECT unnest(?::VARCHAR[]))"
PATIENT_FILE_SQL = f"""SELECT patient_id, height_cm, weight_kg, measured_on FROM ref.patients
WHERE {PATIENTS_IN} AND measured_on IS NOT NULL"""
PRESCRIPTIONS_SQL = f"""SELECT patient_id, prescription_id, height_cm, weight_kg,
       coalesce(CAST(prescribed_at AS DATE), cycle_start_date) AS day
FROM ref.prescriptions WHERE {PATIENTS_IN}"""
# A few, in case the latest is in a unit that cannot be converted.
CREATININE_SQL = f"""SELECT patient_id, lab_id, value, unit, sampled_at FROM ref.lab_results
WHERE {PATIENTS_IN} AND test_code = 'CREAT'
QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY sampled_at DESC, lab_id) <= 5
ORDER BY patient_id, sampled_at DESC, lab_id"""

# On the same date (creatinine: the same minute of sampling, see _when) the fallback's own
# record wins, then the patient file, the lab, and last the prescription (whose date is only
# the day it was written); then the later sample.
PRECEDENCE = {
    "fallback": 3,
    "fallback_lab": 3,
    "snapshot_patient": 2,
    "snapshot_lab": 2,
    "snapshot_prescription": 1,
}


def recorded_measurements(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str
) -> list[RecordedMeasurement]:
    """Every measurement recorded for the patient, replaced ones included, most recent first."""
    return recorded_measurements_of(cur_or_store, [patient_id])[patient_id]


def recorded_measurements_of(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_ids: list[str]
) -> dict[str, list[RecordedMeasurement]]:
    """`recorded_measurements` for many patients in one query."""
    found: dict[str, list[RecordedMeasurement]] = {p: [] for p in patient_ids}
    with reading(cur_or_store) as cur:
        rows = cur.execute(
            f"{RECORDED_SQL} WHERE m.patient_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY m.measured_on DESC, m.measurement_id DESC",
            [patient_ids],
        ).fetchall()
    for row in rows:
        measurement = RecordedMeasurement(**dict(zip(FIELDS, row, strict=True)))
        found[measurement.patient_id].append(measurement)
    return found


def recorded_measurement(
    cur: duckdb.DuckDBPyConnection, measurement_id: int
) -> RecordedMeasurement | None:
    row = cur.execute(f"{RECORDED_SQL} WHERE m.measurement_id = ?", [measurement_id]).fetchone()
    return RecordedMeasurement(**dict(zip(FIELDS, row, strict=True))) if row else None


def _day(value: date) -> str:
    return french.day(value)


def _by_patient(cur: duckdb.DuckDBPyConnection, sql: str, patient_ids: list[str]) -> dict:
    """The rows of `sql` (patient_id first) for these patients, grouped, order kept."""
    found: dict[str, list[tuple]] = {p: [] for p in patient_ids}
    for patient_id, *row in cur.execute(sql, [patient_ids]).fetchall():
        found[patient_id].append(tuple(row))
    return found


def _snapshot_rows(cur: duckdb.DuckDBPyConnection, patient_ids: list[str]) -> dict:
    """patient → (patient file rows, prescription rows, creatinine rows) of the snapshot."""
    files = _by_patient(cur, PATIENT_FILE_SQL, patient_ids)
    prescriptions = _by_patient(cur, PRESCRIPTIONS_SQL, patient_ids)
    creatinine = _by_patient(cur, CREATININE_SQL, patient_ids)
    return {p: (files[p], prescriptions[p], creatinine[p]) for p in patient_ids}


def _snapshot_values(file_rows: list[tuple], rx_rows: list[tuple]) -> list[tuple]:
    """(kind, MeasuredValue) found in the snapshot for this patient."""
    found = []
    for height, weight, day in file_rows:
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
    for rx_id, height, weight, day in rx_rows:
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
    return found


def _snapshot_creatinine(rows: list[tuple], notes: list[tuple[datetime, str]]) -> list[tuple]:
    """The snapshot's latest creatinine in a known unit (normalised to µmol/L), with the time
    it was sampled; a more recent one in an unknown unit is left aside and said in `notes`."""
    for lab_id, value, unit, sampled_at in rows:
        normalised = normalise("CREAT", value, unit)
        if normalised is None:
            notes.append(
                (
                    sampled_at,
                    f"Créatininémie du {french.moment(sampled_at)} (instantané, {fr(value)} "
                    f"« {unit} ») non utilisée : unité inconnue. Saisissez le résultat avec son "
                    "unité (biologie) pour qu'il soit pris en compte.",
                )
            )
            continue
        label = f"biologie, prélèvement du {french.moment(sampled_at)} (instantané)"
        if normalised.converted:
            label += f", converti de {fr(value)} {unit}"
        measured = MeasuredValue(
            value=round(normalised.value, 1),
            unit="µmol/L",
            measured_on=sampled_at.date(),
            source="snapshot_lab",
            reference=lab_id,
            label_fr=label,
        )
        return [("creatinine", measured, sampled_at.time(), 0)]
    return []


def _fallback_creatinine(labs: list[RecordedLab]) -> list[tuple]:
    """Creatinine results entered in the fallback (lab results CREAT), not replaced."""
    found = []
    for lab in labs:
        if lab.test_code != "CREAT" or lab.replaced:
            continue
        label = (
            f"biologie saisie pendant la panne (résultat n° {lab.lab_record_id}, prélèvement du "
            f"{french.moment(lab.sampled_at)}, par {lab.recorded_by_name})"
        )
        if lab.unit != lab.unit_normalised:
            label += f", converti de {fr(lab.value)} {lab.unit}"
        measured = MeasuredValue(
            value=round(lab.value_normalised, 1),
            unit=lab.unit_normalised,
            measured_on=lab.sampled_at.date(),
            source="fallback_lab",
            reference=str(lab.lab_record_id),
            label_fr=label,
        )
        found.append(("creatinine", measured, lab.sampled_at.time(), lab.lab_record_id))
    return found


def _when(kind: str, day: date, at: time) -> date | datetime:
    """What "latest" compares. A height or weight has only a date: on the same date the
    precedence decides. A creatinine has its sampling time: the latest sample wins (a
    snapshot result sampled at 10:29 over one entered for 07:00 the same day), and the
    precedence only within the same minute (the entry form takes HH:MM, the snapshot has
    seconds: 07:04 typed and 07:04:19 exported are the same sample). A creatinine recorded as a
    measurement (no time) counts from midnight."""
    if kind != "creatinine":
        return datetime.combine(day, time.min)
    return datetime.combine(day, at).replace(second=0, microsecond=0)


def latest_measurements(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str
) -> LatestMeasurements:
    """The latest dated height, weight and creatinine, each from wherever it is newest: the
    fallback's measurements and lab results (not replaced), the snapshot's patient file, its
    prescriptions and, for creatinine, its lab results (normalised to µmol/L; one in an unknown
    unit is not used, and `notes` says so). Undated snapshot values are not used. The
    creatinine is the latest by sampling date-time (see _when)."""
    return latest_measurements_of(cur_or_store, [patient_id])[patient_id]


def latest_measurements_of(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_ids: list[str]
) -> dict[str, LatestMeasurements]:
    """`latest_measurements` for many patients, the snapshot read once for all of them."""
    with reading(cur_or_store) as cur:
        snapshot = _snapshot_rows(cur, patient_ids) if has_snapshot(cur) else None
        measured = recorded_measurements_of(cur, patient_ids)
        labs = recorded_labs_of(cur, patient_ids)
    return {
        p: _latest(measured[p], labs[p], snapshot[p] if snapshot else None) for p in patient_ids
    }


def _latest(
    measured: list[RecordedMeasurement], labs: list[RecordedLab], snapshot: tuple | None
) -> LatestMeasurements:
    notes: list[tuple[datetime, str]] = []
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
            time.min,
            m.measurement_id,
        )
        for m in measured
        if not m.replaced
    ]
    candidates += _fallback_creatinine(labs)
    if snapshot is not None:
        file_rows, rx_rows, creatinine_rows = snapshot
        candidates += [
            (kind, value, time.min, 0) for kind, value in _snapshot_values(file_rows, rx_rows)
        ]
        candidates += _snapshot_creatinine(creatinine_rows, notes)
    latest: dict[str, MeasuredValue] = {}
    best: dict[str, tuple] = {}
    for kind, value, at, order in candidates:
        key = (_when(kind, value.measured_on, at), PRECEDENCE[value.source], at, order)
        if kind not in best or key > best[kind]:
            best[kind], latest[kind] = key, value
    creatinine = latest.get("creatinine")
    # Only what was left aside for a value newer than the one used is worth saying.
    kept = [text for at, text in notes if creatinine is None or at.date() >= creatinine.measured_on]
    return LatestMeasurements(**latest, notes=kept)


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
    summary = {k: getattr(m, k) for k in keys}
    if m.confirm_codes:
        summary |= {"confirm_codes": m.confirm_codes, "confirm_reason": m.confirm_reason}
    return summary


def bmi_questions(
    cur: duckdb.DuckDBPyConnection, patient_id: str, kind: str, value: float
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """The BMI of this height or weight with the patient's other latest measurement: the
    refusals (messages, codes) and the questions to confirm; nothing when the other one is
    unknown."""
    other_kind = "weight" if kind == "height" else "height"
    other = getattr(latest_measurements(cur, patient_id), other_kind)
    if other is None:
        return [], [], []
    height, weight = (value, other.value) if kind == "height" else (other.value, value)
    when = (
        f"avec {KINDS[other_kind].the} de {fr(other.value)} {other.unit} du "
        f"{french.day(other.measured_on)}"
    )
    refusals, questions = bmi_review(height, weight, when)
    return (
        [p.message for p in refusals],
        [p.code for p in refusals],
        [(q.code, q.message) for q in questions],
    )


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
    old = recorded_measurement(cur, replaces_id)
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
    confirm_reason: str | None = None,
    today: date | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> RecordedMeasurement:
    """The use case: record one height (cm) or weight (kg), optionally correcting an earlier
    one. Raises InvalidEntry with every problem (an impossible BMI included), NeedsConfirmation
    when the BMI is unusual, the pair looks swapped or the date is more than a year old
    (lab_rules.OLD_ENTRY_DAYS) and no `confirm_reason` is given, PatientNotFound or
    PermissionDenied; writes the measurement and its audit record in one transaction. The same
    `request_key` again (a double click, a reload) returns the first request's measurement and
    writes nothing."""
    require(user.role, Permission.MEASUREMENT_RECORD)
    today = today or (now.date() if now else date.today())
    comment, reason = clean_text(comment) or None, clean_text(reason) or None
    confirm_reason = clean_text(confirm_reason) or None
    value = None if value is None else float(value)
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, RECORD_ACTION, user.username)
        if first is not None:
            earlier = recorded_measurement(cur, int(first))
            assert earlier is not None  # remembered in the transaction that wrote it
            return earlier
        identity = find_identity(cur, patient_id, today)
        if identity is None:
            raise PatientNotFound(f"Patient inconnu : aucun patient n'a l'IPP « {patient_id} ».")
        problems = measurement_problems(kind, value, measured_on, today, identity.birth_date)
        more, old = _correction_problems(cur, patient_id, kind, replaces_id, reason)
        problems += more + _text_problems(comment, reason) + _text_problems(None, confirm_reason)
        codes: list[str] = []
        questions: list[tuple[str, str]] = []
        if not problems:
            problems, codes, questions = bmi_questions(cur, patient_id, kind, value)
            assert measured_on is not None  # measurement_problems refuses a missing date
            long_ago = old_date_question(MEASURED_LONG_AGO, "Date de la mesure", measured_on, today)
            questions += [(long_ago.code, long_ago.message)] if long_ago else []
        if problems:
            raise InvalidEntry(problems, codes)
        if questions and not confirm_reason:
            raise NeedsConfirmation(questions)
        confirmed = ",".join(code for code, _text in questions) or None
        confirm_reason = confirm_reason if confirmed else None
        measurement_id, recorded_at = cur.execute(
            """INSERT INTO patient_measurements (patient_id, kind, value, unit, measured_on,
                   recorded_at, recorded_by, recorded_by_name, comment, replaces_id,
                   replace_reason, confirm_codes, confirm_reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               RETURNING measurement_id, recorded_at""",
            [
                patient_id,
                kind,
                value,
                KINDS[kind].unit,
                measured_on,
                now or datetime.now(),
                user.username,
                user.display_name,
                comment,
                replaces_id,
                reason,
                confirmed,
                confirm_reason,
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
            confirm_codes=confirmed,
            confirm_reason=confirm_reason,
        )
        audit.record(
            cur,
            user.actor,
            "measurement.corrected" if old else "measurement.recorded",
            "patient_measurement",
            measurement_id,
            before=_summary(old) if old else None,
            after=_summary(recorded),
            reason="; ".join(r for r in (reason, confirm_reason) if r) or None,
        )
        request_keys.remember(cur, request_key, RECORD_ACTION, user.username, measurement_id)
    return recorded
