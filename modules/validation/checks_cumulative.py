"""Lifetime cumulative dose of the drugs with a limit (doxorubicin 450 mg/m², bleomycin
400 000 UI…): earlier prescriptions plus this one. Codes are listed in rules.py.

Every past dose is converted to the limit's unit before it is added:
- between mg and UI through the drug's `ui_per_mg` (snapshot `drugs` table; bleomycin 1 mg =
  1 000 UI), so a history in mg reaches a limit in UI;
- for a limit per m², each dose divided by the BSA it was computed with (its prescription's),
  never by today's.
A dose that cannot be converted (a unit the drug gives no conversion for, or no BSA for a limit
per m²) is not silently left out: it is listed in a blocking finding (cumulative_dose_incomplete)
and the cumulative dose of the others is still compared with the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback.french import unit_label
from chemo_fallback.modules.prescription.models import Line
from chemo_fallback.modules.validation.checks_common import (
    DECIMALS,
    chemo_lines,
    comparable_doses,
    current_bsa,
    day_fr,
    dose_fr,
    fr,
)
from chemo_fallback.modules.validation.models import (
    DrugLimits,
    Finding,
    GivenDose,
    Severity,
    ValidationContext,
)

UNIT_SPELLINGS = {"mg": "mg", "ui": "UI", "iu": "UI", "u": "UI"}


@dataclass(frozen=True)
class Counted:
    amount: float  # in the limit's unit
    uncounted: list[str]  # French: each dose left out and why


def base_unit(unit: str | None) -> str | None:
    """ "mg" or "UI" (from mg, UI, IU, mg/m2, UI/m2…), None for anything else."""
    return UNIT_SPELLINGS.get((unit or "").split("/")[0].strip().lower())


def convert(dose: float, unit: str | None, to: str, ui_per_mg: float | None) -> float | None:
    """The dose in `to` (mg or UI), or None when the drug gives no way to convert it."""
    source = base_unit(unit)
    if source is None:
        return None
    if source == to:
        return dose
    if not ui_per_mg:
        return None
    return dose * ui_per_mg if to == "UI" else dose / ui_per_mg


def _count(limits: DrugLimits, doses: list[tuple[float, str | None, float | None, str]]) -> Counted:
    """Adds (dose, unit, BSA, description) in the limit's unit; lists what cannot be."""
    to = base_unit(limits.cumulative_limit_unit) or "mg"
    per_m2 = (limits.cumulative_limit_unit or "").endswith("/m2")
    total, uncounted = 0.0, []
    for dose, unit, bsa, what in doses:
        amount = convert(dose, unit, to, limits.ui_per_mg)
        if amount is None:
            uncounted.append(
                f"{what} : unité incompatible ({unit or 'sans unité'} ; aucune conversion en "
                f"{to} pour ce produit)"
            )
        elif per_m2 and not bsa:
            uncounted.append(f"{what} : surface corporelle inconnue")
        else:
            total += amount / bsa if per_m2 and bsa else amount
    return Counted(total, uncounted)


def _past(dose: GivenDose) -> tuple[float, str | None, float | None, str]:
    what = (
        f"{dose_fr(dose.dose)} {dose.dose_unit} le {day_fr(dose.planned_date)} "
        f"(prescription {dose.prescription_id}, {dose.source})"
    )
    return dose.dose, dose.dose_unit, dose.bsa_m2, what


def _own(line: Line, bsa_now: float | None) -> tuple[float, str | None, float | None, str]:
    # This prescription's BSA is known from its own inputs, even for a flat dose.
    bsa = line.derivation.bsa_m2 if line.derivation and line.derivation.bsa_m2 else bsa_now
    final = float(line.final_dose or 0.0)
    unit = line.dose_unit or (line.derivation.unit if line.derivation else None)
    return (
        final,
        unit,
        bsa,
        f"{dose_fr(final)} {unit} le {day_fr(line.planned_date)} (cette prescription)",
    )


def check_cumulative_dose(ctx: ValidationContext) -> list[Finding]:
    """Lifetime dose of each drug with a cumulative limit: earlier prescriptions plus this one;
    and the doses that could not be counted."""
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
        limits = ctx.drugs[drug]
        before = _count(limits, [_past(d) for d in earlier[drug]])
        this = _count(limits, [_own(line, bsa_now) for line in lines])
        uncounted = before.uncounted + this.uncounted
        finding = _cumulative(ctx, limits, lines, before.amount, this.amount, bool(uncounted))
        if finding is not None:
            findings.append(finding)
        if uncounted:
            findings.append(_incomplete(limits, lines, uncounted))
    return findings


def _cumulative(
    ctx: ValidationContext,
    limits: DrugLimits,
    lines: list[Line],
    before: float,
    this: float,
    incomplete: bool,
) -> Finding | None:
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
            f"{fr(share, 1)} % de {of_limit}, au-delà du seuil d'alerte du site ({fr(warn_pct)} %)"
        )
    else:
        return None
    note = (
        " Des doses n'ont pas pu être comptées : le cumul réel est plus élevé."
        if incomplete
        else ""
    )
    name = limits.inn or limits.drug_id
    return Finding(
        code="cumulative_dose",
        severity=severity,
        message=(
            f"{name} : dose cumulée sur la vie {fr(before, 1)} {unit} avant cette prescription, "
            f"{fr(this, 1)} {unit} sur cette prescription, soit {fr(after, 1)} {unit} après : "
            f"{verdict}.{note} Vérifiez l'historique du patient et demandez l'avis du "
            "prescripteur avant de préparer."
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


def _incomplete(limits: DrugLimits, lines: list[Line], uncounted: list[str]) -> Finding:
    name = limits.inn or limits.drug_id
    unit = unit_label(limits.cumulative_limit_unit)
    limit = float(limits.cumulative_limit or 0.0)
    return Finding(
        code="cumulative_dose_incomplete",
        severity=Severity.BLOCKING,
        message=(
            f"{name} : cumul sur la vie incomplet (limite {fr(limit, 1)} "
            f"{unit}), {len(uncounted)} dose(s) non comptée(s) : {' ; '.join(uncounted)}. "
            "Reprenez ces doses dans le dossier (unité, taille et poids du jour) et faites le "
            "cumul à la main avant de valider."
        ),
        line_id=lines[0].line_id,
        values={"médicament": name, "doses non comptées": len(uncounted), "unité": unit},
        threshold_source="produit",
    )
