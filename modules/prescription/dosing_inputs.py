"""What a prescription's doses are computed from: the patient (age on the cycle's first day,
sex), the latest height, weight and creatinine (snapshot or fallback, the most recent wins), and
the BSA, GFR, Cockcroft-Gault weight and creatinine-age settings of the protocol or the site,
each with where it came from, so screens, sheets and validation say the same."""

from __future__ import annotations

from datetime import date

from chemo_fallback.modules.prescription import rules
from chemo_fallback.modules.prescription.models import (
    DosingInputs,
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


def current_inputs(
    cur,
    identity: PatientIdentity,
    protocol: Protocol,
    settings: SiteSettings,
    today: date,
    *,
    cycle_start: date,
) -> DosingInputs:
    """The inputs for today, or a PrescriptionError listing every missing or stale one.

    The age is the patient's age on the cycle's first day (`cycle_start`), not today's: a
    cycle prescribed the week before a birthday is dosed for the age the patient will have.
    Required (keyword) so that no caller silently takes today's age."""
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
        age_years=age_years(identity.birth_date, cycle_start),
        age_on=cycle_start,
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


def same_measurements(a: DosingInputs, b: DosingInputs) -> bool:
    """True when two computations used the same height, weight and creatinine and settings
    (the day they were computed on aside)."""
    keys = {"computed_on"}
    return a.model_dump(exclude=keys) == b.model_dump(exclude=keys)
