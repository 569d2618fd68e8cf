"""Checks of the doses themselves: deviation from the protocol, maximum per dose, final
concentration (the lifetime cumulative dose is in checks_cumulative.py). Codes and severities
are listed in rules.py."""

from __future__ import annotations

from chemo_fallback.dosing import LineDose
from chemo_fallback.modules.prescription.models import Line
from chemo_fallback.modules.validation.checks_common import (
    DECIMALS,
    chemo_lines,
    day_fr,
    dose_fr,
    dosed_lines,
    fr,
    line_unit,
    pct_change,
    where,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    Severity,
    ValidationContext,
)

# Bag volumes a concentration problem is most simply fixed with (mL).
STANDARD_VOLUMES_ML = (50.0, 100.0, 250.0, 500.0, 1000.0)


def _capped(dose: float, limit: float | None) -> float:
    return min(dose, limit) if limit is not None else dose


def _beyond(final: float, reference: float, tolerance_pct: float) -> bool:
    """True when `final` is off `reference` by more than the site's tolerance. Rounding is no
    excuse: the engine never rounds by more than the tolerance (it keeps a finer step), so
    0,3 mg for 0,25 mg (+20 %) is a deviation, not rounding."""
    return abs(pct_change(final, reference)) > tolerance_pct


def modified_reference(theoretical: float, limit: float | None, pct: float) -> float:
    """The dose a modification means, in the engine's order: the theoretical dose capped by
    the maximum, then the %, then the maximum again (vincristine 2,9 mg capped at 2 mg, −50 %:
    1 mg)."""
    return _capped(_capped(theoretical, limit) * (1 + pct / 100), limit)


def check_dose_deviation(ctx: ValidationContext) -> list[Finding]:
    """Final dose vs the theoretical dose (capped by the protocol's maximum, which is no
    deviation), beyond the site's tolerance: blocking without a written reason, else info
    when the written modification explains it (applied after the maximum, as the engine
    does)."""
    tolerance = ctx.settings.dose_tolerance_pct
    findings = []
    for line in dosed_lines(ctx.prescription):
        d = line.derivation
        if d is None or d.theoretical_dose <= 0:
            continue  # no derivation (a line from the snapshot): nothing to compare with
        limit = d.dose_limit if d.dose_limit is not None else line.max_dose
        reference = _capped(d.theoretical_dose, limit)
        if reference <= 0:
            continue
        final = float(line.final_dose or 0.0)
        if not _beyond(final, reference, tolerance):
            continue
        findings.append(_deviation(line, d, final, reference, limit, tolerance))
    return findings


def _deviation(
    line: Line,
    d: LineDose,
    final: float,
    reference: float,
    limit: float | None,
    tolerance: float,
) -> Finding:
    unit = line_unit(line)
    deviation = pct_change(final, reference)
    theoretical = f"{dose_fr(d.theoretical_dose)} {unit}"
    if reference < d.theoretical_dose:
        theoretical += f", plafonnée à {dose_fr(reference)} {unit} par le protocole"
    compared = (
        f"dose prescrite {dose_fr(final)} {unit}, dose théorique {theoretical} (écart "
        f"{'+' if deviation > 0 else ''}{fr(deviation, 1)} %, tolérance du site {fr(tolerance)} %)"
    )
    modification = line.modification_pct or d.modification_pct
    reason = (line.modification_reason or d.modification_reason or "").strip()
    values: dict[str, float | str | None] = {
        "dose prescrite": final,
        "dose théorique": d.theoretical_dose,
        "dose maximale": limit,
        "écart %": round(deviation, 1),
        "seuil": tolerance,
        "modification %": modification,
    }
    explained = bool(reason) and (
        not modification
        or not _beyond(final, modified_reference(d.theoretical_dose, limit, modification),
                       tolerance)
    )
    if explained:
        shown = modification if modification else deviation
        word = "réduite" if shown < 0 else "augmentée"
        message = (
            f"{where(line)} : dose {word} de {fr(abs(shown), 1)} % par le prescripteur : "
            f"{reason}. {compared[0].upper()}{compared[1:]}."
        )
        severity = Severity.INFO
    elif reason:
        message = (
            f"{where(line)} : {compared}, alors que la modification motivée est de "
            f"{fr(modification or 0, 1)} % (motif : {reason}). La dose ne correspond pas à la "
            "modification : faites corriger la dose ou la modification par le prescripteur."
        )
        severity = Severity.BLOCKING
    else:
        message = (
            f"{where(line)} : {compared}, sans motif écrit. Demandez au prescripteur le motif "
            "de la modification ou faites corriger la dose."
        )
        severity = Severity.BLOCKING
    return Finding(
        code="dose_deviation",
        severity=severity,
        message=message,
        line_id=line.line_id,
        values=values,
        threshold_source="site",
    )


def check_max_dose(ctx: ValidationContext) -> list[Finding]:
    """A dose above the protocol line's maximum per administration: never acceptable as is."""
    findings = []
    for line in dosed_lines(ctx.prescription):
        final = float(line.final_dose or 0.0)
        if line.max_dose is None or round(final - line.max_dose, DECIMALS) <= 0:
            continue
        unit = line_unit(line)
        findings.append(
            Finding(
                code="max_dose",
                severity=Severity.BLOCKING,
                message=(
                    f"{where(line)} : dose prescrite {dose_fr(final)} {unit}, au-dessus de la "
                    f"dose maximale par administration du protocole ({dose_fr(line.max_dose)} "
                    f"{unit}). Faites ramener la dose à {dose_fr(line.max_dose)} {unit} au plus."
                ),
                line_id=line.line_id,
                values={"dose prescrite": final, "dose maximale": line.max_dose},
                threshold_source="protocole (ligne)",
            )
        )
    return findings


def _conc_fr(value: float) -> str:
    return fr(value, 2 if value >= 10 else 3 if value >= 0.1 else 4)


def check_concentration(ctx: ValidationContext) -> list[Finding]:
    """Final concentration (dose / volume) outside the product's stability range."""
    findings = []
    for line in chemo_lines(ctx.prescription):
        limits = ctx.drugs.get(line.drug_id or "")
        if not line.volume_ml or line.volume_ml <= 0 or limits is None:
            continue
        low, high = limits.final_conc_min, limits.final_conc_max
        final = float(line.final_dose or 0.0)
        conc = round(final / line.volume_ml, DECIMALS)
        if (high is None or conc <= high) and (low is None or conc >= low):
            continue
        findings.append(_concentration(line, final, conc, low, high))
    return findings


def _concentration(
    line: Line, final: float, conc: float, low: float | None, high: float | None
) -> Finding:
    unit = line_unit(line)
    per_ml = f"{unit}/mL"
    volume = line.volume_ml or 0.0
    if low is not None and high is not None:
        allowed = f"{_conc_fr(low)} à {_conc_fr(high)} {per_ml}"
    elif low is not None:
        allowed = f"au moins {_conc_fr(low)} {per_ml}"
    else:
        allowed = f"au plus {_conc_fr(high or 0.0)} {per_ml}"
    v_min = final / high if high else 0.0
    v_max = final / low if low else float("inf")
    fitting = [v for v in STANDARD_VOLUMES_ML if v_min <= v <= v_max]
    proposed = min(fitting, key=lambda v: abs(v - volume)) if fitting else None
    if v_max == float("inf"):
        span = f"au moins {fr(v_min, 0)} mL"
    elif v_min == 0:
        span = f"au plus {fr(v_max, 0)} mL"
    else:
        span = f"entre {fr(v_min, 0)} et {fr(v_max, 0)} mL"
    advice = (
        f"Un volume de {fr(proposed, 0)} mL conviendrait (volume possible : {span})."
        if proposed is not None
        else f"Volume possible : {span}."
    )
    return Finding(
        code="concentration",
        severity=Severity.BLOCKING,
        message=(
            f"{where(line)} : concentration finale {_conc_fr(conc)} {per_ml} ({dose_fr(final)} "
            f"{unit} dans {fr(volume, 0)} mL), hors de la plage de stabilité du produit "
            f"({allowed}). {advice} Faites adapter le volume de dilution."
        ),
        line_id=line.line_id,
        values={
            "concentration": round(conc, 4),
            "concentration min": low,
            "concentration max": high,
            "dose prescrite": final,
            "volume (mL)": volume,
            "volume proposé (mL)": proposed,
        },
        threshold_source="produit",
    )


def check_dose_creatinine_too_old(ctx: ValidationContext) -> list[Finding]:
    """An AUC line dosed by Cockcroft-Gault whose creatinine (the one the dose used) is older
    than the site's creatinine_max_age_days on the line's planned day: the dose engine refuses
    such a dose, so one recorded anyway (a day moved outside the services, a snapshot or a
    setting changed since) is blocking and never lifted: a new creatinine and a recomputed
    dose are needed. A dose from a GFR given as such has no creatinine: labs_too_old covers
    its age."""
    creat = ctx.prescription.dosing.creatinine
    limit = ctx.settings.creatinine_max_age_days
    findings = []
    for line in chemo_lines(ctx.prescription):
        d = line.derivation
        if d is None or d.basis != "AUC" or d.gfr_source == "given":
            continue
        if creat is None:
            text = "la créatininémie utilisée pour la dose n'est pas datée"
            age = None
        else:
            age = (line.planned_date - creat.measured_on).days
            if age <= limit:
                continue
            text = (
                f"la créatininémie du {day_fr(creat.measured_on)} utilisée pour la dose aura "
                f"{age} jours le jour d'administration"
            )
        findings.append(
            Finding(
                code="dose_creatinine_too_old",
                severity=Severity.BLOCKING,
                message=(
                    f"{where(line)}, dose en ASC (Calvert) : {text}, au-delà "
                    f"de la limite du site ({limit} jours). Aucune dose n'est calculée sur une "
                    "créatininémie ancienne : faites doser la créatinine, saisissez le résultat "
                    "et faites recalculer les doses (demandez une modification)."
                ),
                line_id=line.line_id,
                values={
                    "date de la créatininémie": day_fr(creat.measured_on) if creat else None,
                    "jour d'administration": day_fr(line.planned_date),
                    "âge (jours)": age,
                    "seuil": limit,
                },
                threshold_source="site",
                liftable=False,
            )
        )
    return findings
