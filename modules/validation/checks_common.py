"""What the validation checks share: which lines count, French wording of numbers and dates,
the patient's other doses that may be compared with this prescription, the current BSA.

Pure: pydantic, the standard library and chemo_fallback.dosing only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from chemo_fallback.dosing import DoseInputError, bsa_dubois, bsa_mosteller
from chemo_fallback.dosing.french import format_dose_fr, format_number_fr
from chemo_fallback.modules.prescription.models import Line, Prescription
from chemo_fallback.modules.validation.models import GivenDose, ValidationContext

# A computed ratio is compared with its threshold after rounding, so that 105 mg for 100 mg
# against a 5 % tolerance is "5 %", not 5.000000000000004 %.
DECIMALS = 6
BSA_FUNCTIONS = {"mosteller": bsa_mosteller, "dubois": bsa_dubois}
UNIT_LABELS = {"mg/m2": "mg/m²", "UI/m2": "UI/m²"}
# A superseded version was replaced by a corrected one that is also in the list: counting both
# would count the same doses twice.
IGNORED_STATUSES = frozenset({"superseded", "cancelled"})


def fr(value: float, decimals: int = 2) -> str:
    return format_number_fr(value, decimals)


def dose_fr(value: float) -> str:
    return format_dose_fr(value)


def day_fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def unit_label(unit: str | None) -> str:
    return UNIT_LABELS.get(unit or "", unit or "")


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
    """Lines with a dose of a chemotherapy: the ones drug-specific checks look at."""
    return (
        line
        for line in rx.lines
        if line.final_dose is not None and line.line_kind == "chemotherapy" and line.drug_id
    )


def first_planned_date(rx: Prescription) -> date:
    return min((line.planned_date for line in rx.lines), default=rx.cycle_start_date)


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
