"""Checks of the doses themselves: deviation from the protocol, maximum per dose, final
concentration, lifetime cumulative dose. Codes and severities are listed in rules.py."""

from __future__ import annotations

from chemo_fallback.dosing import LineDose
from chemo_fallback.modules.prescription.models import Line
from chemo_fallback.modules.validation.checks_common import (
    DECIMALS,
    chemo_lines,
    comparable_doses,
    current_bsa,
    dose_fr,
    dosed_lines,
    fr,
    line_unit,
    pct_change,
    unit_label,
    where,
)
from chemo_fallback.modules.validation.models import (
    DrugLimits,
    Finding,
    GivenDose,
    Severity,
    ValidationContext,
)

# Bag volumes a concentration problem is most simply fixed with (mL).
STANDARD_VOLUMES_ML = (50.0, 100.0, 250.0, 500.0, 1000.0)


def _capped(dose: float, limit: float | None) -> float:
    return min(dose, limit) if limit is not None else dose


def _beyond(final: float, reference: float, tolerance_pct: float, slack: float) -> bool:
    """True when `final` is off `reference` by more than the tolerance and more than what the
    site's rounding step can explain (half a step: 0,2 mg for 0,15 mg is rounding)."""
    if abs(pct_change(final, reference)) <= tolerance_pct:
        return False
    return round(abs(final - reference), DECIMALS) > slack


def check_dose_deviation(ctx: ValidationContext) -> list[Finding]:
    """Final dose vs the theoretical dose (capped by the protocol's maximum, which is no
    deviation), beyond the site's tolerance: blocking without a written reason, else info."""
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
        slack = (ctx.settings.rounding_step_for(reference) or 0.0) / 2
        if not _beyond(final, reference, tolerance, slack):
            continue
        findings.append(_deviation(line, d, final, reference, limit, tolerance, slack))
    return findings


def _deviation(
    line: Line,
    d: LineDose,
    final: float,
    reference: float,
    limit: float | None,
    tolerance: float,
    slack: float,
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
        or not _beyond(final, _capped(d.theoretical_dose * (1 + modification / 100), limit),
                       tolerance, slack)
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


def check_cumulative_dose(ctx: ValidationContext) -> list[Finding]:
    """Lifetime dose of each drug with a cumulative limit: earlier prescriptions plus this one."""
    mine: dict[str, list[Line]] = {}
    for line in chemo_lines(ctx.prescription):
        limits = ctx.drugs.get(line.drug_id or "")
        if limits is not None and limits.cumulative_limit:
            mine.setdefault(line.drug_id or "", []).append(line)
    if not mine:
        return []
    earlier: dict[str, list[GivenDose]] = {drug: [] for drug in mine}
    for dose in comparable_doses(ctx):
        if dose.drug_id in earlier:
            earlier[dose.drug_id].append(dose)
    bsa_now = current_bsa(ctx)
    findings = []
    for drug, lines in mine.items():
        finding = _cumulative(ctx, ctx.drugs[drug], lines, earlier[drug], bsa_now)
        if finding is not None:
            findings.append(finding)
    return findings


def _cumulative(
    ctx: ValidationContext,
    limits: DrugLimits,
    lines: list[Line],
    earlier: list[GivenDose],
    bsa_now: float | None,
) -> Finding | None:
    per_m2 = (limits.cumulative_limit_unit or "").endswith("/m2")
    guessed = uncounted = 0

    def amount(dose: float, bsa: float | None) -> float:
        nonlocal guessed, uncounted
        if not per_m2:
            return dose
        if bsa:
            return dose / bsa
        if bsa_now:
            guessed += 1
            return dose / bsa_now
        uncounted += 1
        return 0.0

    before = sum(amount(d.dose, d.bsa_m2) for d in earlier)
    this = sum(
        amount(float(line.final_dose or 0.0), line.derivation.bsa_m2 if line.derivation else None)
        for line in lines
    )
    after = before + this
    limit = float(limits.cumulative_limit or 0.0)
    warn_pct = ctx.settings.cumulative_warning_pct
    share = round(after / limit * 100, 1)
    unit = unit_label(limits.cumulative_limit_unit)
    of_limit = f"la limite du produit ({fr(limit, 1)} {unit})"
    if round(after - limit, DECIMALS) > 0:
        severity, verdict = Severity.BLOCKING, f"au-delà de {of_limit}"
    elif round(after - limit * warn_pct / 100, DECIMALS) > 0:
        severity = Severity.WARNING
        verdict = (
            f"{fr(share, 1)} % de {of_limit}, au-delà du seuil d'alerte du site "
            f"({fr(warn_pct)} %)"
        )
    elif uncounted:
        severity, verdict = Severity.WARNING, f"sous {of_limit}, mais le cumul est incomplet"
    else:
        return None
    notes = ""
    if guessed:
        notes += (
            f" {guessed} dose(s) sans surface corporelle connue comptée(s) avec la surface "
            f"actuelle ({fr(bsa_now or 0.0)} m²) : vérifiez-les dans l'historique."
        )
    if uncounted:
        notes += (
            f" {uncounted} dose(s) non comptée(s) faute de surface corporelle (taille ou poids "
            "manquant) : complétez-les pour un cumul exact."
        )
    name = limits.inn or limits.drug_id
    return Finding(
        code="cumulative_dose",
        severity=severity,
        message=(
            f"{name} : dose cumulée sur la vie {fr(before, 1)} {unit} avant cette prescription, "
            f"{fr(this, 1)} {unit} sur cette prescription, soit {fr(after, 1)} {unit} après : "
            f"{verdict}.{notes} Vérifiez l'historique du "
            "patient et demandez l'avis du prescripteur avant de préparer."
        ),
        line_id=lines[0].line_id,
        values={
            "médicament": name,
            "dose cumulée avant": round(before, 2),
            "cette prescription": round(this, 2),
            "dose cumulée après": round(after, 2),
            "limite": limit,
            "% de la limite": share,
            "seuil d'alerte %": warn_pct,
            "unité": unit,
        },
        threshold_source="produit",
    )
