"""What a prescription's doses are computed from: the patient (age on the cycle's first day of
administration, sex), the latest height, weight and creatinine (snapshot or fallback, the most
recent wins), and the BSA, GFR, Cockcroft-Gault weight and creatinine-age settings of the
protocol or the site, each with where it came from, so screens, sheets and validation say the
same."""

from __future__ import annotations

from datetime import date

from chemo_fallback.modules.prescription import rules
from chemo_fallback.modules.prescription.models import (
    DosingInputs,
    Line,
    MeasureUsed,
    PrescriptionError,
    Protocol,
)
from chemo_fallback.patients.identity import age_years, find_identity
from chemo_fallback.patients.measurements import latest_measurements
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.site_settings import SiteSettings


def patient_identity(cur, patient_id: str, today: date) -> PatientIdentity:
    identity = find_identity(cur, patient_id, today)
    if identity is None:
        raise PrescriptionError(
            f"Patient « {patient_id} » introuvable (ni dans l'instantané, ni créé pendant la "
            "panne) : recherchez-le par son nom et sa date de naissance."
        )
    return identity


def _used(measured) -> MeasureUsed | None:
    if measured is None:
        return None
    return MeasureUsed(
        value=measured.value, measured_on=measured.measured_on, source=measured.label_fr
    )


def first_day(lines: list[Line], cycle_start: date) -> date:
    """The cycle's first day of administration, the day the age is taken on: the earliest
    planned date of the prescription's lines (a J1 moved, a take-over keeping the production's
    dates, a prescription of J8 only), the cycle's start when there is no line. The same day
    everywhere: start_draft, recompute, move_day, the check at signature, and validation
    (checks_common.first_day)."""
    return min((line.planned_date for line in lines), default=cycle_start)


def current_inputs(
    cur,
    identity: PatientIdentity,
    protocol: Protocol,
    settings: SiteSettings,
    today: date,
    *,
    age_on: date,
) -> DosingInputs:
    """The inputs for today, or a PrescriptionError listing every missing or stale one.

    The age is the patient's age on the cycle's first day of administration (`age_on`, see
    `first_day`), not today's: a cycle prescribed the week before a birthday is dosed for the
    age the patient will have. Required (keyword) so that no caller silently takes today's
    age."""
    latest = latest_measurements(cur, identity.patient_id)
    height, weight = _used(latest.height), _used(latest.weight)
    problems = rules.measure_problems(height, weight, today, settings.weight_max_age_days)
    if problems:
        raise PrescriptionError(" ".join(problems), code="measures_missing_or_stale")
    return DosingInputs(
        computed_on=today,
        height=height,
        weight=weight,
        creatinine=_used(latest.creatinine),
        age_years=age_years(identity.birth_date, age_on),
        age_on=age_on,
        sex=identity.sex,
        bsa_formula=protocol.bsa_formula or settings.bsa_formula,
        bsa_formula_source="protocole" if protocol.bsa_formula else "site",
        bsa_cap_m2=protocol.bsa_cap_m2 if protocol.bsa_cap_m2 is not None else settings.bsa_cap_m2,
        bsa_cap_source=(
            "protocole"
            if protocol.bsa_cap_m2 is not None
            else ("site" if settings.bsa_cap_m2 is not None else None)
        ),
        gfr_cap_ml_min=settings.gfr_cap_ml_min,
        weight_max_age_days=settings.weight_max_age_days,
        cockcroft_gault_weight=settings.cockcroft_gault_weight,
        creatinine_max_age_days=settings.creatinine_max_age_days,
    )


MEASUREMENTS = {"height", "weight", "creatinine"}
AGE = {"age_years", "age_on"}


def what_changed(latest: DosingInputs, recorded: DosingInputs) -> set[str]:
    """Which of "measurements", "age" and "settings" differ between two computations (the
    day they were computed on aside): the signature says which one asks for a recomputation."""
    now, then = latest.model_dump(), recorded.model_dump()
    changed = {key for key in now if key != "computed_on" and now[key] != then.get(key)}
    return {
        kind
        for kind, keys in (("measurements", MEASUREMENTS), ("age", AGE))
        if changed & keys
    } | ({"settings"} if changed - MEASUREMENTS - AGE else set())
