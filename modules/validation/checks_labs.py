"""Checks of the blood tests before a chemotherapy: neutrophils, platelets, creatinine
clearance for platinum drugs, results missing or too old. Codes are listed in rules.py.

The latest result of each test is used (a result dated after today is ignored). A result older
than the site's limit before the first planned day is still compared with its threshold (a low
value is never hidden) and is also reported as too old.
"""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback.dosing import DoseInputError, creatinine_clearance_cockcroft_gault
from chemo_fallback.modules.validation.checks_common import (
    chemo_lines,
    day_fr,
    first_planned_date,
    fr,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    LabValue,
    Severity,
    ValidationContext,
)

PLATINUM_MARKERS = ("CISPLAT", "CARBOPLAT", "OXALIPLAT")
# Creatinine to µmol/L; a result in an unknown unit is not guessed at.
CREATININE_FACTORS = {"µmol/l": 1.0, "μmol/l": 1.0, "umol/l": 1.0, "mg/l": 8.84, "mg/dl": 88.4}
SEX_WORDS = {"M": "homme", "F": "femme"}


@dataclass(frozen=True)
class Threshold:
    value: float
    source: str  # "protocole" or "site"


@dataclass(frozen=True)
class Clearance:
    value_ml_min: float
    lab: LabValue  # the CLCR or CREAT result it comes from
    detail: str  # French: measured, or how it was estimated


def _threshold(protocol_value: float | None, site_value: float | None) -> Threshold | None:
    if protocol_value is not None:
        return Threshold(protocol_value, "protocole")
    if site_value is not None:
        return Threshold(site_value, "site")
    return None


def anc_threshold(ctx: ValidationContext) -> Threshold | None:
    if not any(chemo_lines(ctx.prescription)):
        return None
    protocol = ctx.protocol.anc_min_g_l if ctx.protocol else None
    return _threshold(protocol, ctx.settings.anc_min_g_l)


def platelets_threshold(ctx: ValidationContext) -> Threshold | None:
    if not any(chemo_lines(ctx.prescription)):
        return None
    protocol = ctx.protocol.platelets_min_g_l if ctx.protocol else None
    return _threshold(protocol, ctx.settings.platelets_min_g_l)


def platinum_drugs(ctx: ValidationContext) -> list[str]:
    names = []
    for line in chemo_lines(ctx.prescription):
        drug = (line.drug_id or "").upper()
        if any(marker in drug for marker in PLATINUM_MARKERS) and line.title not in names:
            names.append(line.title)
    return names


def clearance_threshold(ctx: ValidationContext) -> Threshold | None:
    if not platinum_drugs(ctx):
        return None
    protocol = ctx.protocol.clearance_min_ml_min if ctx.protocol else None
    return _threshold(protocol, ctx.settings.platinum_clearance_min_ml_min)


def latest_labs(ctx: ValidationContext) -> dict[str, LabValue]:
    latest: dict[str, LabValue] = {}
    for lab in ctx.labs:
        if lab.sampled_at.date() > ctx.today:
            continue
        code = lab.test_code.upper()
        known = latest.get(code)
        if known is None or lab.sampled_at > known.sampled_at:
            latest[code] = lab
    return latest


def clearance(ctx: ValidationContext, latest: dict[str, LabValue]) -> Clearance | str:
    """The clearance to compare (a measured CLCR unless a creatinine is more recent, then
    Cockcroft-Gault), or why there is none (French)."""
    measured, creat = latest.get("CLCR"), latest.get("CREAT")
    if measured is not None and (creat is None or measured.sampled_at >= creat.sampled_at):
        return Clearance(measured.value, measured, f"mesurée le {day_fr(measured.sampled_at)}")
    if creat is None:
        return "créatininémie (ou clairance de la créatinine)"
    factor = CREATININE_FACTORS.get(creat.unit.strip().lower())
    dosing = ctx.prescription.dosing
    if factor is None:
        return f"créatininémie dans une unité inconnue (« {creat.unit} »), clairance non calculée"
    if dosing.weight is None:
        return "poids, nécessaire à la clairance de la créatinine (Cockcroft-Gault)"
    umol_l = creat.value * factor
    try:
        value = creatinine_clearance_cockcroft_gault(
            dosing.age_years, dosing.weight.value, umol_l, dosing.sex
        )
    except DoseInputError as exc:
        return f"clairance de la créatinine non calculable ({exc})"
    detail = (
        f"Cockcroft-Gault : créatininémie {fr(umol_l, 1)} µmol/L du {day_fr(creat.sampled_at)}, "
        f"{SEX_WORDS.get(dosing.sex, dosing.sex)}, {dosing.age_years} ans, "
        f"{fr(dosing.weight.value)} kg"
    )
    return Clearance(round(value, 1), creat, detail)


def _low(
    code: str, text: str, threshold: Threshold, shown: str, values: dict, advice: str
) -> Finding:
    return Finding(
        code=code,
        severity=Severity.BLOCKING,
        message=f"{text}, sous le seuil du {threshold.source} ({shown}). {advice}",
        values={**values, "seuil": threshold.value},
        threshold_source=threshold.source,
    )


def _count_check(ctx: ValidationContext, code: str, test: str, threshold: Threshold | None,
                 name: str) -> list[Finding]:
    lab = latest_labs(ctx).get(test) if threshold is not None else None
    if threshold is None or lab is None or lab.value >= threshold.value:
        return []
    return [
        _low(
            code,
            f"{name} {fr(lab.value)} {lab.unit} le {day_fr(lab.sampled_at)}",
            threshold,
            f"{fr(threshold.value)} {lab.unit}",
            {f"{test} ({lab.unit})": lab.value, "date du prélèvement": day_fr(lab.sampled_at)},
            "Ne préparez pas sans l'accord du prescripteur (report de la cure ou adaptation "
            "de dose).",
        )
    ]


def check_labs_anc_low(ctx: ValidationContext) -> list[Finding]:
    return _count_check(ctx, "labs_anc_low", "PNN", anc_threshold(ctx), "PNN")


def check_labs_platelets_low(ctx: ValidationContext) -> list[Finding]:
    return _count_check(
        ctx, "labs_platelets_low", "PLQ", platelets_threshold(ctx), "Plaquettes"
    )


def check_labs_clearance_low(ctx: ValidationContext) -> list[Finding]:
    threshold = clearance_threshold(ctx)
    if threshold is None:
        return []
    found = clearance(ctx, latest_labs(ctx))
    if isinstance(found, str) or found.value_ml_min >= threshold.value:
        return []
    drugs = ", ".join(platinum_drugs(ctx))
    return [
        _low(
            "labs_clearance_low",
            f"Clairance de la créatinine {fr(found.value_ml_min, 1)} mL/min ({found.detail})",
            threshold,
            f"{fr(threshold.value, 1)} mL/min pour les sels de platine : {drugs}",
            {"clairance (mL/min)": found.value_ml_min,
             "date du prélèvement": day_fr(found.lab.sampled_at)},
            "Demandez l'avis du prescripteur (adaptation de dose, report) avant de préparer.",
        )
    ]


def check_labs_missing(ctx: ValidationContext) -> list[Finding]:
    """One finding naming every result a threshold needs and that is nowhere to be found."""
    latest = latest_labs(ctx)
    missing: list[str] = []
    sources: set[str] = set()
    for test, name, threshold in (
        ("PNN", "PNN", anc_threshold(ctx)),
        ("PLQ", "plaquettes", platelets_threshold(ctx)),
    ):
        if threshold is not None and test not in latest:
            missing.append(name)
            sources.add(threshold.source)
    platinum = clearance_threshold(ctx)
    if platinum is not None:
        found = clearance(ctx, latest)
        if isinstance(found, str):
            missing.append(f"{found} (pour {', '.join(platinum_drugs(ctx))})")
            sources.add(platinum.source)
    if not missing:
        return []
    return [
        Finding(
            code="labs_missing",
            severity=Severity.BLOCKING,
            message=(
                f"Biologie manquante avant une chimiothérapie : {' ; '.join(missing)}. Retrouvez "
                "les résultats récents (laboratoire, dossier papier) et saisissez-les, ou faites "
                "prélever le patient."
            ),
            values={"manquant": " ; ".join(missing)},
            threshold_source=", ".join(sorted(sources)),
        )
    ]


def check_labs_too_old(ctx: ValidationContext) -> list[Finding]:
    """The results the thresholds use, sampled too long before the first planned day."""
    latest = latest_labs(ctx)
    used: list[tuple[str, LabValue]] = []
    if anc_threshold(ctx) is not None and "PNN" in latest:
        used.append(("PNN", latest["PNN"]))
    if platelets_threshold(ctx) is not None and "PLQ" in latest:
        used.append(("plaquettes", latest["PLQ"]))
    if clearance_threshold(ctx) is not None:
        found = clearance(ctx, latest)
        if isinstance(found, Clearance):
            name = "clairance" if found.lab.test_code.upper() == "CLCR" else "créatininémie"
            used.append((name, found.lab))
    first_day = first_planned_date(ctx.prescription)
    limit = ctx.settings.lab_max_age_days
    old = []
    for name, lab in used:
        age = (first_day - lab.sampled_at.date()).days
        if age > limit:
            old.append(f"{name} du {day_fr(lab.sampled_at)} ({age} jours)")
    if not old:
        return []
    return [
        Finding(
            code="labs_too_old",
            severity=Severity.WARNING,
            message=(
                f"Biologie trop ancienne par rapport au premier jour prévu "
                f"({day_fr(first_day)}, limite du site : {limit} jours) : {', '.join(old)}. "
                "Demandez un bilan récent avant de préparer."
            ),
            values={"trop ancien": ", ".join(old), "premier jour": day_fr(first_day),
                    "seuil": limit},
            threshold_source="site",
        )
    ]
