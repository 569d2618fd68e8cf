"""What the validation checks share: which lines count, French wording of numbers and dates,
the patient's other doses that may be compared with this prescription, the current BSA.

Pure: pydantic, the standard library and chemo_fallback.dosing only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from chemo_fallback.dosing import DoseInputError, bsa_dubois, bsa_mosteller
from chemo_fallback.french import day as day_fr
from chemo_fallback.french import format_dose_fr, format_number_fr
from chemo_fallback.modules.prescription.models import Line, Prescription
from chemo_fallback.modules.validation.models import GivenDose, ValidationContext

# A computed ratio is compared with its threshold after rounding, so that 105 mg for 100 mg
# against a 5 % tolerance is "5 %", not 5.000000000000004 %.
DECIMALS = 6
BSA_FUNCTIONS = {"mosteller": bsa_mosteller, "dubois": bsa_dubois}
# A superseded version was replaced by a corrected one that is also in the list: counting both
# would count the same doses twice.
IGNORED_STATUSES = frozenset({"superseded", "cancelled"})


def fr(value: float, decimals: int = 2) -> str:
    return format_number_fr(value, decimals)


def dose_fr(value: float) -> str:
    return format_dose_fr(value)


def where(line: Line) -> str:
    """How a message names a line: drug, day of the cycle and date."""
    title = line.title
    return f"{title[:1].upper()}{title[1:]} J{line.day_no} ({day_fr(line.planned_date)})"


def line_unit(line: Line) -> str:
    if line.dose_unit:
        return line.dose_unit
    return line.derivation.unit if line.derivation else "mg"


def pct_change(new: float, old: float) -> float:
    return round((new - old) / old * 100.0, DECIMALS)


def dosed_lines(rx: Prescription) -> Iterable[Line]:
    return (line for line in rx.lines if line.final_dose is not None)


def chemo_lines(rx: Prescription) -> Iterable[Line]:
    """Every line with a drug and a dose, whatever its kind: the ones the drug-specific checks
    (concentration, cumulative dose, previous cycle, clearance, creatinine age) look at. Not
    only the lines typed "chemotherapy": a doxorubicin typed premedication is doxorubicin, and
    a check that trusted the kind would let it escape. A premedication of a drug without such
    limits (ondansetron) finds nothing to compare and stays silent."""
    return (line for line in rx.lines if line.final_dose is not None and line.drug_id)


def is_cytotoxic(ctx: ValidationContext, line: Line) -> bool:
    """Whether a dosed line calls for the blood-count thresholds (PNN, platelets): typed
    chemotherapy, or of a drug the thesaurus uses as chemotherapy (some protocol line of the
    active snapshot gives it as such), or of a drug that carries a lifetime cumulative limit
    or a final concentration range (a cytotoxic's marks in the snapshot's `drugs`), or of a
    drug absent from the snapshot (nothing says it is harmless). Fail closed: only a drug
    known, never given as chemotherapy by any protocol and without such limits (ondansetron,
    dexamethasone) is left out, whatever kind the line is typed."""
    if line.final_dose is None or not line.drug_id:
        return False
    if line.line_kind == "chemotherapy" or line.drug_id in ctx.chemotherapy_drugs:
        return True
    limits = ctx.drugs.get(line.drug_id)
    if limits is None:
        return True
    return any(
        value is not None
        for value in (limits.cumulative_limit, limits.final_conc_min, limits.final_conc_max)
    )


def cytotoxic_lines(ctx: ValidationContext) -> list[Line]:
    return [line for line in ctx.prescription.lines if is_cytotoxic(ctx, line)]


def first_planned_date(rx: Prescription) -> date:
    return min((line.planned_date for line in rx.lines), default=rx.cycle_start_date)


def administration_day(rx: Prescription, today: date) -> date:
    """The day of administration still to come, that the age of a lab result or a weight is
    measured against: the earliest planned date on or after today, else (every day is past)
    the last planned date. Not the first day: a take-over whose J1 is past and J15 on 26/11
    is given on 26/11, with labs that must be recent on 26/11."""
    days = sorted({line.planned_date for line in rx.lines}) or [rx.cycle_start_date]
    return next((day for day in days if day >= today), days[-1])


def comparable_doses(ctx: ValidationContext) -> list[GivenDose]:
    """The patient's doses in other prescriptions: not this one, not the version it corrects,
    not a superseded version (its correction is in the list too)."""
    rx = ctx.prescription
    own = {rx.prescription_id, rx.supersedes_id}
    return [
        dose
        for dose in ctx.other_doses
        if dose.prescription_id not in own and dose.status not in IGNORED_STATUSES
    ]


def derivation_bsa(rx: Prescription) -> float | None:
    """The BSA this prescription's doses used (None: no dose per m²)."""
    for line in rx.lines:
        if line.derivation is not None and line.derivation.bsa_m2:
            return line.derivation.bsa_m2
    return None


def current_bsa(ctx: ValidationContext) -> float | None:
    """The BSA this prescription's doses used, else one computed from its height and weight
    with its formula and cap (a prescription of flat doses only), else None."""
    rx = ctx.prescription
    used = derivation_bsa(rx)
    if used is not None:
        return used
    height, weight = rx.dosing.height, rx.dosing.weight
    if height is None or weight is None:
        return None
    formula = BSA_FUNCTIONS.get(rx.dosing.bsa_formula, bsa_mosteller)
    try:
        computed = formula(height.value, weight.value)
    except DoseInputError:
        return None
    # Rounded half-up to 0,01 m² like the dose engine, so the figure matches a printed one.
    bsa = float(Decimal(repr(computed)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    cap = rx.dosing.bsa_cap_m2
    return min(bsa, cap) if cap is not None else bsa


def fr_beside(value: float, threshold: float, decimals: int = 2) -> str:
    """`value` in French with enough decimals (up to 6) that a value on one side of the
    threshold never prints as the threshold itself: 1,499 G/L against 1,5 G/L is "1,499",
    not "1,5"."""
    text = fr(value, decimals)
    while value != threshold and text == fr(threshold, decimals) and decimals < 6:
        decimals += 1
        text = fr(value, decimals)
    return text


def round_beside(value: float, threshold: float, decimals: int = 1) -> float:
    """`value` rounded for a finding's values, as `fr_beside` prints it."""
    while value != threshold and round(value, decimals) == threshold and decimals < 6:
        decimals += 1
    return round(value, decimals)
