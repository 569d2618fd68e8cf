"""Each line compared with the patient's previous cycle of the same drug: a dose reduction
decided on an earlier cycle must not vanish silently (a take-over that drops it, a new
prescription where the prescriber forgot it). Codes and severities are listed in rules.py.

Pure: pydantic, the standard library and chemo_fallback.dosing only.
"""

from __future__ import annotations

from chemo_fallback.modules.prescription.models import Line
from chemo_fallback.modules.validation.checks_common import (
    chemo_lines,
    comparable_doses,
    day_fr,
    dose_fr,
    fr,
    where,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    GivenDose,
    Severity,
    ValidationContext,
)

DECIMALS = 6


def _previous_dose(line: Line, doses: list[GivenDose]) -> GivenDose | None:
    """The latest dose of the same drug in another prescription, before this line's day. On
    that day, the dose of the same protocol line wins (5-FU bolus and pump are two lines of one
    drug); otherwise the one with the largest reduction (the safer to keep in mind)."""
    earlier = [
        d for d in doses if d.drug_id == line.drug_id and d.planned_date < line.planned_date
    ]
    if not earlier:
        return None
    latest = max(d.planned_date for d in earlier)
    same_day = [d for d in earlier if d.planned_date == latest]
    same_line = [d for d in same_day if d.protocol_line_no == line.protocol_line_no]
    return min(same_line or same_day, key=lambda d: d.modification_pct or 0.0)


def effective_modification(line: Line) -> float | None:
    """The line's final dose vs its theoretical dose capped by the maximum per dose, in %
    (−20 for a dose at 80 %): what the patient actually gets relative to the full dose for
    today's measurements. None when there is no derivation to compare with."""
    d = line.derivation
    if d is None or line.final_dose is None or d.theoretical_dose <= 0:
        return None
    limit = d.dose_limit if d.dose_limit is not None else line.max_dose
    full = min(d.theoretical_dose, limit) if limit is not None else d.theoretical_dose
    if full <= 0:
        return None
    return round((float(line.final_dose) / full - 1) * 100, DECIMALS)


def check_previous_cycle_change(ctx: ValidationContext) -> list[Finding]:
    """Every chemotherapy line against the latest earlier dose of the same drug (snapshot or
    fallback, another prescription).

    What is compared is the *relative* dose, not the milligrams: this line's effective
    modification (final dose / full dose for today's measurements, the full dose being the
    theoretical dose capped by the maximum per dose) against the previous line's recorded
    modification (none = 0 %). A BSA, weight or clearance change moves the milligrams of both
    the full dose and the final dose alike, so it never fires; a protocol change between
    cycles neither (each side is relative to its own protocol dose). What fires is a reduction
    (or an increase) that was there and is no longer, or the reverse.

    The change is the ratio of the two relative doses (80 % → 100 % is +25 %), compared with
    the site's dose_tolerance_pct. Without a modification recorded on this line (a percentage
    with its reason) it is blocking: the pharmacist lifts it with a reason once the prescriber
    confirms the return to full dose. With one it is information: the prescriber decided it."""
    tolerance = ctx.settings.dose_tolerance_pct
    doses = [d for d in comparable_doses(ctx)]
    findings = []
    for line in chemo_lines(ctx.prescription):
        now_pct = effective_modification(line)
        previous = _previous_dose(line, doses)
        if now_pct is None or previous is None:
            continue
        before_pct = float(previous.modification_pct or 0.0)
        if before_pct <= -100:
            continue  # nothing was given: no relative dose to compare with
        change = round(((100 + now_pct) / (100 + before_pct) - 1) * 100, DECIMALS)
        if abs(change) <= tolerance:
            continue
        findings.append(_finding(line, previous, now_pct, before_pct, change, tolerance))
    return findings


def _pct_fr(value: float) -> str:
    if abs(value) < 0.05:
        return "aucune (dose pleine)"
    return f"{'+' if value > 0 else ''}{fr(value, 1)} %"


def _finding(
    line: Line, previous: GivenDose, now_pct: float, before_pct: float, change: float,
    tolerance: float,
) -> Finding:
    reason = (line.modification_reason or "").strip()
    recorded = bool(line.modification_pct) and bool(reason)
    compared = (
        f"{where(line)} : modification de dose {_pct_fr(now_pct)} sur cette prescription, "
        f"contre {_pct_fr(before_pct)} au cycle précédent ({previous.prescription_id}, "
        f"{previous.source}, {dose_fr(previous.dose)} {previous.dose_unit} le "
        f"{day_fr(previous.planned_date)}) : la dose relative change de "
        f"{'+' if change > 0 else ''}{fr(change, 1)} %, au-delà de la tolérance du site "
        f"({fr(tolerance)} %)"
    )
    if recorded:
        message = f"{compared}. Modification décidée par le prescripteur : {reason}."
        severity = Severity.INFO
    else:
        message = (
            f"{compared}, sans modification motivée sur cette ligne. Une réduction décidée à "
            "un cycle précédent a peut-être été perdue : vérifiez avec le prescripteur, faites "
            "corriger la dose, ou levez ce point avec le motif du retour à la dose pleine."
        )
        severity = Severity.BLOCKING
    return Finding(
        code="previous_cycle_change",
        severity=severity,
        message=message,
        line_id=line.line_id,
        values={
            "modification actuelle %": round(now_pct, 1),
            "modification au cycle précédent %": round(before_pct, 1),
            "écart %": round(change, 1),
            "seuil": tolerance,
            "cycle précédent": previous.prescription_id,
        },
        threshold_source="site",
    )
