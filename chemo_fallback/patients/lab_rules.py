"""Checks on a lab result typed from a paper report, and on a height/weight pair. Pure: no
database, no UI.

Two kinds of answer: a refusal (`EntryProblem`, the value cannot be right) and a question
(`Question`, the value is unusual: it is recorded only when the user confirms it with a reason).
Every one has a stable code, listed in docs/clinical-rules.md.

Creatinine plausibility: a creatinine implying a Cockcroft-Gault clearance above
`max_plausible_clearance_ml_min(age)` asks "vérifiez l'unité". The bound is 200 mL/min up to
40 years, then 1 mL/min less per year (160 at 80 years): a measured GFR rarely
exceeds 150 mL/min in young adults, Cockcroft-Gault overestimates it in heavy patients, and the
GFR falls by about 1 mL/min a year after 40. A creatinine typed in mg/L or mg/dL but entered as
µmol/L (9,5 for 84 µmol/L) then implies several hundred mL/min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import french
from chemo_fallback.patients.lab_units import CANONICAL_UNITS, ENTRY_UNITS, normalise

# Tests that can be entered, in the order of a French lab report.
ENTRY_TESTS = ("PNN", "PLQ", "HB", "LEUCO", "CREAT", "CLCR", "BILI", "ASAT", "ALAT")
# What a result can be, in the canonical unit (CREAT 20–2 000 µmol/L: issue 9); outside, it is
# a typing or a unit error.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "PNN": (0.0, 200.0),
    "PLQ": (0.0, 3000.0),
    "LEUCO": (0.0, 1000.0),
    "HB": (2.0, 25.0),
    "CREAT": (20.0, 2000.0),
    "CLCR": (1.0, 300.0),
    "BILI": (0.0, 1000.0),
    "ASAT": (0.0, 20000.0),
    "ALAT": (0.0, 20000.0),
}
CLEARANCE_BOUND_YOUNG_ML_MIN = 200.0
CLEARANCE_BOUND_FROM_AGE = 40
CLEARANCE_LOSS_PER_YEAR = 1.0
# Body-mass index (kg/m²): refused outside 10–120, confirmed outside 13–60.
BMI_IMPOSSIBLE = (10.0, 120.0)
BMI_USUAL = (13.0, 60.0)
# A height, weight or lab result dated more than a year before today asks for a confirmation.
# No dose or check can use a value that old (the site's freshest-allowed ages stop at 365 days
# for a weight, 90 for a creatinine, 60 for a lab result) and a regimen's cycles are weeks
# apart, so such a date is almost always a mistyped year (20/11/1926, 2016 for 2026). A value
# copied from an old paper file is still possible, said so in the reason. A fixed rule, not a
# site setting: what looks like a typing slip does not change from one unit to the next.
OLD_ENTRY_DAYS = 365


@dataclass(frozen=True)
class EntryProblem:
    code: str
    message: str  # French: what is wrong and what to do


@dataclass(frozen=True)
class Question:
    code: str
    message: str  # French: what is unusual and what to check before confirming


def fr(value: float, digits: int = 2) -> str:
    """A number in a French message (chemo_fallback.french.number)."""
    return french.number(value, digits)


def _moment(value: datetime) -> str:
    return french.moment(value)


def _years_ago(day: date, today: date) -> str:
    years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    if years >= 2:
        return f"il y a {years} ans"
    return "il y a plus d'un an"


def old_date_question(code: str, what: str, day: date, today: date) -> Question | None:
    """ "Vérifiez l'année" when `day` (a measurement's or a sample's, `what` names it) is more
    than OLD_ENTRY_DAYS before `today`; None otherwise (a future date or one before birth is a
    refusal, checked elsewhere)."""
    if (today - day).days <= OLD_ENTRY_DAYS:
        return None
    return Question(
        code,
        f"{what} très ancienne : {french.day(day)} ({_years_ago(day, today)}). Vérifiez "
        "l'année : une valeur de plus d'un an n'est utilisée par aucune dose ni aucun contrôle. "
        "Si la date est juste (valeur reprise d'un ancien dossier), confirmez en indiquant "
        "pourquoi.",
    )


def lab_problems(
    test_code: str,
    value: float | None,
    unit: str | None,
    sampled_at: datetime | None,
    now: datetime,
    born: date | None,
) -> list[EntryProblem]:
    """Every problem of one typed lab result (value in `unit`, checked once normalised)."""
    if test_code not in ENTRY_TESTS:
        return [EntryProblem("lab_test_unknown", "Examen inconnu : choisissez-le dans la liste.")]
    problems = []
    allowed = ENTRY_UNITS[test_code]
    normalised = None
    if not unit:
        problems.append(
            EntryProblem(
                "lab_unit_missing",
                f"Unité manquante : choisissez l'unité écrite sur le compte rendu parmi "
                f"{', '.join(allowed)}.",
            )
        )
    elif unit not in allowed:
        problems.append(
            EntryProblem(
                "lab_unit_not_allowed",
                f"Unité « {unit or ''} » non reconnue pour cet examen : choisissez l'unité du "
                f"compte rendu parmi {', '.join(allowed)}.",
            )
        )
    if value is None or not math.isfinite(value):
        problems.append(
            EntryProblem("lab_value_missing", "Valeur manquante : saisissez le résultat.")
        )
    elif unit in allowed:
        normalised = normalise(test_code, value, unit)
    if normalised is not None:
        low, high = PLAUSIBLE[test_code]
        canonical = CANONICAL_UNITS[test_code]
        if not low <= normalised.value <= high:
            shown = f"{fr(value)} {unit}"
            if normalised.converted:
                shown += f", soit {fr(normalised.value)} {canonical}"
            problems.append(
                EntryProblem(
                    "lab_value_implausible",
                    f"Résultat invraisemblable : {shown} (attendu entre {fr(low)} et {fr(high)} "
                    f"{canonical}). Vérifiez la valeur et l'unité du compte rendu.",
                )
            )
    if sampled_at is None:
        problems.append(
            EntryProblem(
                "lab_sampled_missing",
                "Date et heure du prélèvement manquantes : saisissez-les (JJ/MM/AAAA et HH:MM).",
            )
        )
    elif sampled_at > now:
        problems.append(
            EntryProblem(
                "lab_sampled_in_future",
                f"Prélèvement dans le futur ({_moment(sampled_at)}) : saisissez la date et "
                "l'heure du prélèvement indiquées sur le compte rendu.",
            )
        )
    elif born is not None and sampled_at.date() < born:
        problems.append(
            EntryProblem(
                "lab_sampled_before_birth",
                f"Prélèvement du {french.day(sampled_at)} antérieur à la naissance du patient "
                f"({french.day(born)}) : vérifiez la date.",
            )
        )
    return problems


def max_plausible_clearance_ml_min(age_years: int) -> float:
    """The highest Cockcroft-Gault clearance believable at this age (see the module's doc)."""
    years_past = max(0, age_years - CLEARANCE_BOUND_FROM_AGE)
    return CLEARANCE_BOUND_YOUNG_ML_MIN - CLEARANCE_LOSS_PER_YEAR * years_past


def cockcroft_gault_ml_min(age_years: int, weight_kg: float, umol_l: float, sex: str) -> float:
    """(140 − age) × weight × k / creatinine, k = 1,23 (men) or 1,04 (women). Here only to judge
    plausibility: the dose engine's own formula computes the doses."""
    k = 1.23 if sex == "M" else 1.04
    return (140 - age_years) * weight_kg * k / umol_l


def creatinine_question(
    umol_l: float, typed: str, age_years: int, weight_kg: float | None, sex: str
) -> Question | None:
    """ "Vérifiez l'unité" when the creatinine implies a clearance too high for the patient's
    age; None when plausible, or when no weight is known (then only the range applies)."""
    if weight_kg is None or umol_l <= 0 or sex not in ("F", "M"):
        return None
    clearance = cockcroft_gault_ml_min(age_years, weight_kg, umol_l, sex)
    bound = max_plausible_clearance_ml_min(age_years)
    if clearance <= bound:
        return None
    return Question(
        "creatinine_clearance_implausible",
        f"Vérifiez l'unité : une créatininémie de {typed} donnerait une clairance "
        f"(Cockcroft-Gault, {age_years} ans, {fr(weight_kg, 1)} kg) de {fr(clearance, 0)} mL/min, "
        f"au-delà de ce que cet âge permet ({fr(bound, 0)} mL/min au plus). Un résultat en mg/L "
        "ou en mg/dL saisi en µmol/L donne ce chiffre. Si le compte rendu dit bien cela, "
        "confirmez en indiquant pourquoi.",
    )


def bmi(height_cm: float, weight_kg: float) -> float:
    return weight_kg / (height_cm / 100) ** 2


def _swapped(height_cm: float, weight_kg: float) -> bool:
    """A height smaller than the weight whose swap gives a usual BMI: 70 cm and 170 kg."""
    if height_cm >= weight_kg:
        return False
    return BMI_USUAL[0] <= bmi(weight_kg, height_cm) <= BMI_USUAL[1]


def bmi_review(
    height_cm: float, weight_kg: float, when: str
) -> tuple[list[EntryProblem], list[Question]]:
    """Refusals and questions for this height/weight pair; `when` says where the other value
    comes from (French, e.g. "avec le poids de 62,5 kg du 19/11/2026")."""
    value = bmi(height_cm, weight_kg)
    pair = f"{fr(height_cm, 1)} cm et {fr(weight_kg, 1)} kg"
    swap = _swapped(height_cm, weight_kg)
    swap_hint = " Taille et poids semblent inversés." if swap else ""
    low, high = BMI_IMPOSSIBLE
    if not low <= value <= high:
        return [
            EntryProblem(
                "bmi_impossible",
                f"Indice de masse corporelle impossible : {fr(value, 1)} kg/m² ({pair}, {when}), "
                f"hors de {fr(low, 0)} à {fr(high, 0)} kg/m².{swap_hint} Vérifiez la taille (en "
                "cm) et le poids (en kg), ou corrigez l'autre mesure si c'est elle qui est "
                "fausse.",
            )
        ], []
    questions = []
    if not BMI_USUAL[0] <= value <= BMI_USUAL[1]:
        questions.append(
            Question(
                "bmi_unusual",
                f"Indice de masse corporelle inhabituel : {fr(value, 1)} kg/m² ({pair}, {when}), "
                f"hors de {fr(BMI_USUAL[0], 0)} à {fr(BMI_USUAL[1], 0)} kg/m². Vérifiez la "
                "mesure ; si elle est juste, confirmez en indiquant pourquoi.",
            )
        )
    if swap:
        questions.append(
            Question(
                "height_weight_swapped",
                f"Taille et poids peut-être inversés : {pair} ({when}) ; inversés, ils "
                f"donneraient un indice de masse corporelle de {fr(bmi(weight_kg, height_cm), 1)} "
                "kg/m². Vérifiez ; si c'est juste, confirmez en indiquant pourquoi.",
            )
        )
    return [], questions
