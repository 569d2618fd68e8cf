"""Each line compared with the patient's previous cycle of the same drug: a dose reduction
decided on an earlier cycle must not vanish silently (a take-over that drops it, a new
prescription where the prescriber forgot it). Codes and severities are listed in rules.py.

Pure: pydantic, the standard library and chemo_fallback.dosing only.
"""

from __future__ import annotations

from chemo_fallback.dosing.models import BASES
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


def _basis_quantity(basis: str | None, bsa: float | None, weight: float | None,
                    gfr: float | None) -> float | None:
    """What a dose per unit of `basis` is multiplied by: the BSA, the weight, 1 for a flat
    dose, GFR + 25 for an AUC (Calvert); None when it is not known."""
    kind = BASES.get(basis or "", (None, None))[1]
    if kind == "bsa":
        return bsa
    if kind == "weight":
        return weight
    if kind == "flat":
        return 1.0
    if kind == "auc" and gfr is not None:
        return gfr + 25.0
    return None


def line_limit(line: Line) -> float | None:
    d = line.derivation
    return d.dose_limit if d is not None and d.dose_limit is not None else line.max_dose


def previous_modification(line: Line, previous: GivenDose) -> tuple[float, bool]:
    """The previous dose's modification in %, and whether it was computed rather than
    recorded. Recorded (a percentage on its line) wins. Otherwise (a production export that
    recorded 121 mg but not its −20 %) it is computed: its dose against its full dose, its
    protocol dose per unit of its basis × its own BSA (weight, GFR + 25, or 1 for a flat dose),
    capped by this line's maximum as this line's full dose is. When that full dose is unknown
    (an AUC without its GFR, no BSA, no protocol line), 0 % as before."""
    if previous.modification_pct:
        return float(previous.modification_pct), False
    # Its own basis and protocol dose, never this line's: the 5-FU bolus and pump of the
    # same day are one drug at two doses per m².
    basis, protocol_dose = previous.dose_basis, previous.protocol_dose
    d = line.derivation
    quantity = _basis_quantity(basis, previous.bsa_m2, previous.weight_kg, previous.gfr_ml_min)
    unit = BASES.get(basis or "", (None, None))[0]
    if (
        quantity is None or not protocol_dose or protocol_dose <= 0 or quantity <= 0
        or previous.dose_unit != unit or d is None or d.unit != unit
    ):
        return 0.0, False
    full = protocol_dose * quantity
    limit = line_limit(line)
    if limit is not None:
        full = min(full, limit)
    return round((previous.dose / full - 1) * 100, DECIMALS), True


def check_previous_cycle_change(ctx: ValidationContext) -> list[Finding]:
    """Every chemotherapy line against the latest earlier dose of the same drug (snapshot or
    fallback, another prescription).

    What is compared is the *relative* dose, not the milligrams: this line's effective
    modification (final dose / full dose for today's measurements, the full dose being the
    theoretical dose capped by the maximum per dose) against the previous line's modification:
    the one recorded, else the one its dose shows against its own full dose (its protocol dose
    per m², per kg, flat or per AUC, with its own BSA, weight or GFR: `previous_modification`).
    A BSA, weight or clearance change moves the milligrams of both the full dose and the final
    dose alike, so it never fires; a protocol change between cycles neither (each side is
    relative to its own protocol dose). What fires is a reduction (or an increase) that was
    there and is no longer, or the reverse.

    The change is the ratio of the two relative doses (80 % → 100 % is +25 %), compared with
    the site's dose_tolerance_pct. Beyond it, the finding is blocking unless this line's own
    recorded modification (a percentage with its reason) explains the change: taken out of
    this line's relative dose, what remains is within the tolerance of the previous relative
    dose (`unexplained_change`). Then it is information: the prescriber decided this change (a
    reduction decided on this cycle, after a full dose). Any other change is blocking, recorded
    modification or not: a −1 % "ajustement" after a −20 % does not explain +24 %, and a
    re-escalation (−20 % → −10 %) is confirmed with the prescriber and lifted with its reason.
    The message says what was recorded on each side."""
    tolerance = ctx.settings.dose_tolerance_pct
    doses = [d for d in comparable_doses(ctx)]
    findings = []
    for line in chemo_lines(ctx.prescription):
        now_pct = effective_modification(line)
        previous = _previous_dose(line, doses)
        if now_pct is None or previous is None:
            continue
        before_pct, computed = previous_modification(line, previous)
        if before_pct <= -100:
            continue  # nothing was given: no relative dose to compare with
        change = round(((100 + now_pct) / (100 + before_pct) - 1) * 100, DECIMALS)
        if abs(change) <= tolerance:
            continue
        findings.append(
            _finding(line, previous, now_pct, (before_pct, computed), change, tolerance)
        )
    return findings


def recorded_modification(line: Line) -> tuple[float, str] | None:
    """This line's modification as recorded: a percentage with its reason, else None."""
    reason = (line.modification_reason or "").strip()
    if not line.modification_pct or not reason:
        return None
    return float(line.modification_pct), reason


def unexplained_change(now_pct: float, before_pct: float, modification_pct: float) -> float:
    """The change in relative dose (%) this line's recorded modification leaves unexplained:
    this line's relative dose without its modification against the previous one's. −25 %
    decided now after a full dose leaves 0 %; −1 % after a −20 % leaves +25 %."""
    without = (100 + now_pct) / (1 + modification_pct / 100)
    return round((without / (100 + before_pct) - 1) * 100, DECIMALS)


def _pct_fr(value: float, recorded: bool, tolerance: float) -> str:
    """A modification in French. Without one recorded, a gap within the site's tolerance is
    rounding (151 mg for 151,2 mg), not a modification: "dose pleine", never "−0,1 %"."""
    if abs(value) < 0.05 or (not recorded and abs(value) <= tolerance):
        return "aucune (dose pleine)"
    return f"{'+' if value > 0 else ''}{fr(value, 1)} %"


def _signed_pct(value: float) -> str:
    return f"{'+' if value > 0 else ''}{fr(value, 1)} %"


def _recorded_here(line: Line) -> str:
    mine = recorded_modification(line)
    if mine is None:
        return "aucune modification motivée enregistrée"
    return f"modification {_signed_pct(mine[0])} (motif : {mine[1]})"


def _recorded_before(previous: GivenDose, before_pct: float, computed: bool) -> str:
    reason = (previous.modification_reason or "").strip()
    if previous.modification_pct:
        text = f"modification {_signed_pct(previous.modification_pct)}"
        return text + (f" (motif : {reason})" if reason else " (sans motif enregistré)")
    if computed and abs(before_pct) >= 0.05:
        return (
            f"aucune modification enregistrée, {_signed_pct(before_pct)} d'après sa dose"
        )
    return "aucune modification enregistrée"


def _finding(
    line: Line, previous: GivenDose, now_pct: float, before: tuple[float, bool], change: float,
    tolerance: float,
) -> Finding:
    before_pct, computed = before
    mine = recorded_modification(line)
    before_text = _pct_fr(before_pct, not computed and bool(previous.modification_pct),
                          tolerance)
    if computed:
        before_text = f"{before_text} d'après sa dose (non enregistrée comme modification)"
    compared = (
        f"{where(line)} : modification de dose {_pct_fr(now_pct, mine is not None, tolerance)} "
        f"sur cette prescription, contre {before_text} au cycle précédent "
        f"({previous.prescription_id}, {previous.source}, {dose_fr(previous.dose)} "
        f"{previous.dose_unit} le {day_fr(previous.planned_date)}) : la dose relative change de "
        f"{_signed_pct(change)}, au-delà de la tolérance du site ({fr(tolerance)} %). "
        f"Enregistré sur cette ligne : {_recorded_here(line)} ; au cycle précédent : "
        f"{_recorded_before(previous, before_pct, computed)}"
    )
    remaining = None if mine is None else unexplained_change(now_pct, before_pct, mine[0])
    if remaining is not None and abs(remaining) <= tolerance:
        message = (
            f"{compared}. Cet écart est celui de la modification décidée par le prescripteur "
            f"sur cette ligne : {mine[1]}."
        )
        severity = Severity.INFO
    elif remaining is not None:
        message = (
            f"{compared}. La modification enregistrée sur cette ligne n'explique pas cet écart : "
            f"sans elle, la dose relative changerait encore de {_signed_pct(remaining)} par "
            "rapport au cycle précédent. Une réduction décidée à un cycle précédent a peut-être "
            "été perdue : vérifiez avec le prescripteur, faites corriger la dose ou la "
            "modification, ou levez ce point avec le motif du changement."
        )
        severity = Severity.BLOCKING
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
            "écart non expliqué %": None if remaining is None else round(remaining, 1),
            "seuil": tolerance,
            "cycle précédent": previous.prescription_id,
            "modification précédente calculée": "oui" if computed else "non",
        },
        threshold_source="site",
    )
