"""The maxima of a line dose (applied before and after the modification), then rounding or
dose banding.

The smaller of "max per dose" and "what is left of the max per cycle" is the one limit; rounding
and banding are told that limit and never go above it (rounding up past it rounds down to the
step below instead). A production software once got exactly this combination wrong. Rounding
also never moves the dose by more than the site's dose tolerance: a finer step is used instead.

Arithmetic is done in Decimal on the shortest repr of each float, so that 0,1 mg steps land on
exact multiples and a result can be compared with the limit without floating-point surprises.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from chemo_fallback.dosing.formulas import DoseInputError
from chemo_fallback.dosing.models import DoseStep
from chemo_fallback.french import dose_decimals, format_dose_fr, format_number_fr


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def apply_maxima(
    dose: float,
    unit: str,
    max_per_dose: float | None,
    max_per_cycle: float | None,
    already_given: float,
    *,
    again: bool = False,
) -> tuple[float, float | None, str | None, list[DoseStep]]:
    """(dose, limit, rule of the limit, steps): the dose capped at the smaller maximum.
    `again`: the maxima applied a second time, to the modified dose (an increase)."""
    limits: list[tuple[Decimal, str]] = []
    if max_per_dose is not None:
        limits.append((_dec(max_per_dose), "max_per_dose"))
    if max_per_cycle is not None:
        remaining = _dec(max_per_cycle) - _dec(already_given)
        if remaining <= 0:
            raise DoseInputError(
                f"La dose maximale par cycle ({format_dose_fr(max_per_cycle)} {unit}) est déjà "
                f"atteinte : {format_dose_fr(already_given)} {unit} déjà administrés sur ce "
                "cycle. Aucune dose ne peut être préparée : voyez avec le prescripteur.",
                code="dose_cycle_max_reached",
            )
        limits.append((remaining, "max_per_cycle"))
    if not limits:
        return dose, None, None, []
    # The smaller wins; on a tie, the per-dose maximum is named (it is the simpler to read).
    limit_dec, rule = min(limits, key=lambda item: (item[0], item[1] != "max_per_dose"))
    limit = float(limit_dec)
    if _dec(dose) <= limit_dec:
        return dose, limit, rule, []
    what = "Dose modifiée plafonnée de nouveau" if again else "Dose plafonnée"
    if rule == "max_per_dose":
        text = (
            f"{what} à la dose maximale par administration "
            f"({format_dose_fr(limit)} {unit}) : {format_dose_fr(limit)} {unit}"
        )
    else:
        text = (
            f"{what} à la dose maximale par cycle ({format_dose_fr(max_per_cycle or 0)} "
            f"{unit}, dont {format_dose_fr(already_given)} {unit} déjà administrés : reste "
            f"{format_dose_fr(limit)} {unit}) : {format_dose_fr(limit)} {unit}"
        )
    return limit, limit, rule, [DoseStep(rule=rule, value=limit, unit=unit, description=text)]


MAX_REFINEMENTS = 4  # step, step/10, …, step/10 000; then the precision the dose is printed to


def _printed_quantum(value: Decimal) -> Decimal:
    """The last decimal a dose of this size is printed with (0,1 / 0,01 / 0,001)."""
    return Decimal(1).scaleb(-dose_decimals(float(value)))


def _printable(value: Decimal) -> bool:
    """True when the dose prints exactly as recorded (no hidden decimal)."""
    return value == value.quantize(_printed_quantum(value))


def _nearest(dose: Decimal, step: Decimal, limit: Decimal | None) -> tuple[Decimal, bool]:
    """(multiple of `step` nearest `dose` half up, or the one below when that passes `limit`;
    True when it had to go down)."""
    nearest = (dose / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    if limit is not None and nearest > limit:
        return (dose / step).to_integral_value(rounding=ROUND_FLOOR) * step, True
    return nearest, False


def _gap_pct(value: Decimal, dose: Decimal) -> Decimal:
    return (value - dose) / dose * 100


def round_to_step(
    dose: float, unit: str, step: float, limit: float | None, tolerance_pct: float | None = None
) -> DoseStep:
    """The nearest multiple of `step` (half up), or the one below when that would pass `limit`.

    With `tolerance_pct`, rounding never moves the dose by more than that: when `step` would
    (0,25 mg at 0,1 mg gives 0,3 mg, +20 %), step/10 is tried, then step/100… up to
    step/10 000, then the precision the dose is printed with (format_dose_fr: 0,001 mg below
    10 mg), and the step says so. A result is never kept with more decimals than it prints (the
    sheet would show another dose than the one recorded); when not even the printed precision
    keeps within the tolerance the dose is refused (code dose_rounding_out_of_tolerance), never
    kept unrounded."""
    dose_dec, step_dec = _dec(dose), _dec(step)
    limit_dec = _dec(limit) if limit is not None else None
    tolerance = _dec(tolerance_pct) if tolerance_pct is not None else None
    first, _ = _nearest(dose_dec, step_dec, limit_dec)
    if tolerance is None and first <= 0:
        raise DoseInputError(
            f"Le pas d'arrondi ({format_number_fr(step, 4)} {unit}) est trop grand pour cette "
            f"dose ({format_dose_fr(dose)} {unit}) : l'arrondi donnerait 0 {unit}. Choisissez "
            "un pas plus fin."
        )
    quantum = _printed_quantum(dose_dec)
    tried = [step_dec.scaleb(-refinement) for refinement in range(MAX_REFINEMENTS + 1)]
    for used in [*tried, quantum]:
        value, down = _nearest(dose_dec, used, limit_dec)
        fits = tolerance is None or abs(_gap_pct(value, dose_dec)) <= tolerance
        if value > 0 and fits and _printable(value):
            break
    else:
        _refuse_out_of_tolerance(dose, unit, quantum, value, dose_dec, tolerance_pct or 0.0)
    text = f"Arrondi au pas de {format_number_fr(float(used), 6)} {unit}"
    if used != step_dec:
        gap = _gap_pct(first, dose_dec)
        text += (
            f" au lieu de {format_number_fr(step, 4)} {unit} (ce pas aurait donné "
            f"{format_dose_fr(float(first))} {unit}, soit {'+' if gap > 0 else ''}"
            f"{format_number_fr(float(gap), 1)} %, au-delà de la tolérance de "
            f"{format_number_fr(tolerance_pct or 0.0, 2)} %)"
        )
    if down:
        text += (
            f", vers le bas pour ne pas dépasser la dose maximale ({format_dose_fr(limit or 0)} "
            f"{unit})"
        )
    result = float(value)
    return DoseStep(
        rule="rounding",
        value=result,
        unit=unit,
        description=f"{text} : {format_dose_fr(result)} {unit}",
    )


def _refuse_out_of_tolerance(
    dose: float, unit: str, quantum: Decimal, best: Decimal, dose_dec: Decimal,
    tolerance_pct: float,
) -> None:
    """Not even the precision the dose is printed to keeps within the tolerance: refused, never
    kept with decimals the sheet would not show."""
    gap = _gap_pct(best, dose_dec)
    raise DoseInputError(
        f"Dose calculée de {format_number_fr(dose, 6)} {unit} : écrite à "
        f"{format_number_fr(float(quantum), 3)} {unit} près (la précision de la dose imprimée), "
        f"elle deviendrait {format_dose_fr(float(best))} {unit}, soit {'+' if gap > 0 else ''}"
        f"{format_number_fr(float(gap), 1)} %, au-delà de la tolérance de "
        f"{format_number_fr(tolerance_pct, 2)} %. Vérifiez la dose prescrite et son unité, ou "
        "faites relever la tolérance du site (dose_tolerance_pct).",
        code="dose_rounding_out_of_tolerance",
    )


def pick_band(
    dose: float, unit: str, bands: tuple[float, ...], tolerance_pct: float, limit: float | None
) -> DoseStep:
    """The nearest allowed dose not above `limit` (the lower one on a tie), within tolerance."""
    candidates = sorted({_dec(band) for band in bands})
    if limit is not None:
        candidates = [band for band in candidates if band <= _dec(limit)]
        if not candidates:
            raise DoseInputError(
                f"Aucune dose standardisée ne respecte la dose maximale "
                f"({format_dose_fr(limit)} {unit}) : préparez la dose calculée avec un arrondi, "
                "ou complétez la liste des doses standardisées.",
                code="dose_band_above_max",
            )
    dose_dec = _dec(dose)
    band = min(candidates, key=lambda candidate: (abs(candidate - dose_dec), candidate))
    gap_pct = float((band - dose_dec) / dose_dec * 100)
    if abs(gap_pct) > tolerance_pct:
        raise DoseInputError(
            f"La dose standardisée la plus proche ({format_dose_fr(float(band))} {unit}) "
            f"s'écarte de {format_number_fr(abs(gap_pct), 1)} % de la dose calculée "
            f"({format_dose_fr(dose)} {unit}), au-delà de la tolérance de "
            f"{format_number_fr(tolerance_pct, 2)} % : préparez la dose calculée avec un "
            "arrondi, ou complétez la liste des doses standardisées.",
            code="dose_band_out_of_tolerance",
        )
    value = float(band)
    sign = "+" if gap_pct > 0 else ""
    return DoseStep(
        rule="banding",
        value=value,
        unit=unit,
        description=(
            f"Dose standardisée la plus proche (écart {sign}{format_number_fr(gap_pct, 1)} %, "
            f"tolérance {format_number_fr(tolerance_pct, 2)} %) : {format_dose_fr(value)} {unit}"
        ),
    )
