"""Recording a lab result from a paper report during the outage: neutrophils, platelets,
haemoglobin, leucocytes, creatinine, clearance, bilirubin, ASAT, ALAT.

The unit is chosen among those the lab reports use for the test (lab_units.ENTRY_UNITS); the
result is stored as typed AND normalised to the test's canonical unit, which is what the doses
(creatinine, through measurements.latest_measurements) and the validation checks use, exactly
as they use the snapshot's lab results. Results are never edited: a wrong one is corrected by a
new one pointing at it (or at an old creatinine measurement), with a reason. A creatinine that
implies a clearance too high for the patient's age is recorded only when confirmed.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.patients.identity import age_years, find_identity
from chemo_fallback.patients.lab_records import recorded_lab
from chemo_fallback.patients.lab_rules import (
    EntryProblem,
    creatinine_question,
    fr,
    lab_problems,
    old_date_question,
)
from chemo_fallback.patients.lab_units import normalise
from chemo_fallback.patients.measurements import latest_measurements, recorded_measurement
from chemo_fallback.patients.models import (
    InvalidEntry,
    NeedsConfirmation,
    PatientNotFound,
    RecordedLab,
)
from chemo_fallback.patients.rules import MAX_TEXT_CHARS, clean_text
from chemo_fallback.store import Store

RECORD_TYPE = "patient_lab_result"
RECORD_ACTION = "lab.record"  # request-key action (chemo_fallback.request_keys)
SAMPLED_LONG_AGO = "lab_sampled_long_ago"
# Like an override's reason at validation (validation.decisions.missing_overrides).
MIN_CORRECTION_REASON_CHARS = 3
SUMMARY_KEYS = (
    "lab_record_id",
    "patient_id",
    "test_code",
    "value",
    "unit",
    "value_normalised",
    "unit_normalised",
    "sampled_at",
    "comment",
    "replaces_id",
    "replaces_measurement_id",
    "confirm_codes",
    "confirm_reason",
)


def _summary(lab: RecordedLab) -> dict:
    return {key: getattr(lab, key) for key in SUMMARY_KEYS}


def _correction_problems(
    cur: duckdb.DuckDBPyConnection,
    patient_id: str,
    test_code: str,
    replaces_id: int | None,
    replaces_measurement_id: int | None,
    reason: str | None,
) -> tuple[list[EntryProblem], dict | None]:
    """What is wrong with the correction asked for, and the summary of what it corrects."""
    code = "lab_correction_invalid"
    if replaces_id is None and replaces_measurement_id is None:
        if reason:
            return [
                EntryProblem(
                    code,
                    "Motif de correction sans résultat corrigé : choisissez le résultat à "
                    "corriger ou laissez le motif vide.",
                )
            ], None
        return [], None
    problems: list[EntryProblem] = []
    before = None
    if replaces_id is not None and replaces_measurement_id is not None:
        problems.append(EntryProblem(code, "Un résultat ne corrige qu'un seul résultat."))
    elif replaces_id is not None:
        old = recorded_lab(cur, replaces_id)
        if old is None or old.patient_id != patient_id:
            problems.append(
                EntryProblem(
                    code,
                    f"Résultat à corriger introuvable : le résultat n° {replaces_id} n'est pas "
                    "un résultat de ce patient.",
                )
            )
        elif old.test_code != test_code:
            problems.append(
                EntryProblem(
                    code,
                    f"Le résultat n° {replaces_id} est un examen « {old.label} » : corrigez-le "
                    "par un résultat du même examen.",
                )
            )
        elif old.replaced:
            problems.append(
                EntryProblem(
                    code,
                    f"Le résultat n° {replaces_id} a déjà été corrigé par le résultat n° "
                    f"{old.replaced_by} : corrigez plutôt ce dernier.",
                )
            )
        else:
            before = _summary(old)
    else:
        old_m = recorded_measurement(cur, replaces_measurement_id)
        if old_m is None or old_m.patient_id != patient_id or old_m.kind != "creatinine":
            problems.append(
                EntryProblem(
                    code,
                    f"Mesure à corriger introuvable : la mesure n° {replaces_measurement_id} "
                    "n'est pas une créatinine de ce patient.",
                )
            )
        elif test_code != "CREAT":
            problems.append(
                EntryProblem(code, "Une créatinine se corrige par un résultat de créatinine.")
            )
        elif old_m.replaced:
            problems.append(
                EntryProblem(code, f"La mesure n° {replaces_measurement_id} a déjà été corrigée.")
            )
        else:
            before = {
                "measurement_id": old_m.measurement_id,
                "kind": old_m.kind,
                "value": old_m.value,
                "unit": old_m.unit,
                "measured_on": old_m.measured_on,
            }
    if not reason:
        problems.append(
            EntryProblem(
                code, "Motif de la correction manquant : indiquez pourquoi le résultat est faux."
            )
        )
    elif len(reason) < MIN_CORRECTION_REASON_CHARS:
        # "x" says nothing to whoever reads the audit trail: as long as an override's reason.
        problems.append(
            EntryProblem(
                code,
                f"Motif de la correction trop court (« {reason} ») : écrivez au moins "
                f"{MIN_CORRECTION_REASON_CHARS} caractères expliquant pourquoi le résultat est "
                "faux (erreur de saisie, mauvais patient, unité…).",
            )
        )
    return problems, before


def _text_problems(*texts: tuple[str, str | None]) -> list[EntryProblem]:
    return [
        EntryProblem("text_too_long", f"{label} trop long : {MAX_TEXT_CHARS} caractères au plus.")
        for label, text in texts
        if text and len(text) > MAX_TEXT_CHARS
    ]


def record_lab_result(
    store: Store,
    user: User,
    patient_id: str,
    test_code: str,
    value: float | None,
    unit: str | None,
    sampled_at: datetime | None,
    *,
    comment: str | None = None,
    replaces_id: int | None = None,
    replaces_measurement_id: int | None = None,
    reason: str | None = None,
    confirm_reason: str | None = None,
    now: datetime | None = None,
    request_key: str | None = None,
) -> RecordedLab:
    """The use case: record one lab result, optionally correcting an earlier one. Raises
    InvalidEntry with every problem (and their codes), NeedsConfirmation when a creatinine
    implies an implausible clearance or the sample is more than a year old
    (lab_rules.OLD_ENTRY_DAYS) and no `confirm_reason` is given, PatientNotFound or
    PermissionDenied; writes the result and its audit record in one transaction. The same
    `request_key` again (a double click, a reload) returns the first request's result and
    writes nothing."""
    require(user.role, Permission.MEASUREMENT_RECORD)
    now = now or datetime.now()
    comment, reason = clean_text(comment) or None, clean_text(reason) or None
    confirm_reason = clean_text(confirm_reason) or None
    value = None if value is None else float(value)
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, RECORD_ACTION, user.username)
        if first is not None:
            earlier = recorded_lab(cur, int(first))
            assert earlier is not None  # remembered in the transaction that wrote it
            return earlier
        identity = find_identity(cur, patient_id, now.date())
        if identity is None:
            raise PatientNotFound(f"Patient inconnu : aucun patient n'a l'IPP « {patient_id} ».")
        problems = lab_problems(test_code, value, unit, sampled_at, now, identity.birth_date)
        more, before = _correction_problems(
            cur, patient_id, test_code, replaces_id, replaces_measurement_id, reason
        )
        problems += more + _text_problems(
            ("Commentaire", comment),
            ("Motif", reason),
            ("Motif de la confirmation", confirm_reason),
        )
        if problems:
            raise InvalidEntry([p.message for p in problems], [p.code for p in problems])
        normalised = normalise(test_code, value, unit)
        assert normalised is not None and sampled_at is not None  # lab_problems checked both
        questions = []
        if test_code == "CREAT":
            weight = latest_measurements(cur, patient_id).weight
            question = creatinine_question(
                normalised.value,
                f"{fr(value)} {unit}",
                age_years(identity.birth_date, sampled_at.date()),
                weight.value if weight else None,
                identity.sex,
            )
            questions = [(question.code, question.message)] if question else []
        long_ago = old_date_question(
            SAMPLED_LONG_AGO, "Date du prélèvement", sampled_at.date(), now.date()
        )
        questions += [(long_ago.code, long_ago.message)] if long_ago else []
        if questions and not confirm_reason:
            raise NeedsConfirmation(questions)
        confirmed = ",".join(code for code, _text in questions) or None
        confirm_reason = confirm_reason if confirmed else None
        row = [
            patient_id,
            test_code,
            value,
            unit,
            normalised.value,
            normalised.unit,
            sampled_at,
            datetime.now(),
            user.username,
            user.display_name,
            comment,
            replaces_id,
            replaces_measurement_id,
            reason,
            confirmed,
            confirm_reason,
        ]
        (lab_record_id,) = cur.execute(
            """INSERT INTO patient_lab_results (patient_id, test_code, value, unit,
                   value_normalised, unit_normalised, sampled_at, recorded_at, recorded_by,
                   recorded_by_name, comment, replaces_id, replaces_measurement_id,
                   replace_reason, confirm_codes, confirm_reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               RETURNING lab_record_id""",
            row,
        ).fetchone()
        recorded = recorded_lab(cur, lab_record_id)
        assert recorded is not None
        audit.record(
            cur,
            user.actor,
            "lab.corrected" if before else "lab.recorded",
            RECORD_TYPE,
            lab_record_id,
            before=before,
            after=_summary(recorded),
            reason="; ".join(r for r in (reason, confirm_reason) if r) or None,
        )
        request_keys.remember(cur, request_key, RECORD_ACTION, user.username, lab_record_id)
    return recorded
