"""Checks of the blood tests before a chemotherapy: neutrophils, platelets, creatinine
clearance for platinum drugs, results missing, too old or in an unknown unit. Codes are listed
in rules.py.

The labs are the snapshot's and those entered in the fallback, together (repository.recent_labs).
Every result is normalised to its test's canonical unit (chemo_fallback.patients.lab_units, the
same code the entry form and the doses use) before any comparison: 1 200 /mm³ neutrophils are
1,2 G/L. A result in a unit that cannot be converted is never skipped: it is a blocking finding
(labs_unit_unknown) naming it.

The latest result of each test is used (a result dated after today is ignored). Results of the
same test sampled within the same minute are the same sample (the entry form takes HH:MM, the
snapshot has seconds): the worst of them is compared (the lowest count, the highest creatinine)
and the finding says that they disagree. A result older than the site's limit before the day
of administration still to come (checks_common.administration_day) is still compared with its
threshold (a low value is never hidden) and is also reported as too old. Values are printed
with enough decimals that one below its threshold never prints as the threshold (1,499 G/L,
not 1,5 G/L), in a list of one sample's results too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import french
from chemo_fallback.dosing import DoseInputError, creatinine_clearance_cockcroft_gault
from chemo_fallback.dosing.body import cockcroft_gault_weight
from chemo_fallback.modules.validation.checks_common import (
    administration_day,
    chemo_lines,
    cytotoxic_lines,
    day_fr,
    fr,
    fr_beside,
    round_beside,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    LabValue,
    Severity,
    ValidationContext,
)
from chemo_fallback.patients.lab_units import normalise

PLATINUM_MARKERS = ("CISPLAT", "CARBOPLAT", "OXALIPLAT")
SEX_WORDS = {"M": "homme", "F": "femme"}


@dataclass(frozen=True)
class Threshold:
    value: float
    source: str  # "protocole" or "site"


@dataclass(frozen=True)
class Clearance:
    value_ml_min: float
    sampled_on: date  # of the creatinine or clearance it comes from
    name: str  # "créatininémie" or "clairance", for the freshness check
    detail: str  # French: where it comes from and how it was obtained


@dataclass(frozen=True)
class ClearanceReview:
    """Every clearance worth comparing, the results in an unknown unit, or why there is none."""

    clearances: list[Clearance]
    unknown_units: list[LabValue]
    missing: str | None  # French, when there is no clearance at all


def _threshold(protocol_value: float | None, site_value: float | None) -> Threshold | None:
    if protocol_value is not None:
        return Threshold(protocol_value, "protocole")
    if site_value is not None:
        return Threshold(site_value, "site")
    return None


def anc_threshold(ctx: ValidationContext) -> Threshold | None:
    """None when no line calls for it (checks_common.is_cytotoxic)."""
    if not cytotoxic_lines(ctx):
        return None
    protocol = ctx.protocol.anc_min_g_l if ctx.protocol else None
    return _threshold(protocol, ctx.settings.anc_min_g_l)


def platelets_threshold(ctx: ValidationContext) -> Threshold | None:
    if not cytotoxic_lines(ctx):
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


# The higher the worse for these tests; the lower the worse for the others (counts, clearance).
HIGHER_IS_WORSE = frozenset({"CREAT"})


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _worst_first(lab: LabValue) -> tuple[int, float]:
    """Sort key putting the worst result of one sample first: one in an unknown unit (its
    check cannot be done: labs_unit_unknown blocks), then the lowest count or the highest
    creatinine."""
    normalised = normalise(lab.test_code, lab.value, lab.unit)
    if normalised is None:
        return (0, 0.0)
    code = lab.test_code.upper()
    return (1, -normalised.value if code in HIGHER_IS_WORSE else normalised.value)


def latest_samples(ctx: ValidationContext) -> dict[str, list[LabValue]]:
    """Per test, the results of its latest sample (dated today or earlier): every result
    sampled within the latest minute, worst first."""
    samples: dict[str, list[LabValue]] = {}
    for lab in ctx.labs:
        if lab.sampled_at.date() > ctx.today:
            continue
        code = lab.test_code.upper()
        known = samples.get(code)
        minute = _minute(lab.sampled_at)
        if known is None or minute > _minute(known[0].sampled_at):
            samples[code] = [lab]
        elif minute == _minute(known[0].sampled_at):
            known.append(lab)
    return {code: sorted(labs, key=_worst_first) for code, labs in samples.items()}


def latest_labs(ctx: ValidationContext) -> dict[str, LabValue]:
    """Per test, the result compared: the worst of its latest sample."""
    return {code: labs[0] for code, labs in latest_samples(ctx).items()}


def disagreement(ctx: ValidationContext, test: str, threshold: float | None = None) -> str:
    """French, when the latest sample of `test` has results that disagree (a value typed from
    the paper report and the snapshot's, the same minute): says which one is compared. Beside
    a threshold, every result listed is printed as `shown` prints the compared one: 1,499 G/L
    never reads "1,5 G/L" against a 1,5 G/L threshold."""
    labs = latest_samples(ctx).get(test, [])
    values = {
        None if n is None else round(n.value, 6)
        for n in (normalise(lab.test_code, lab.value, lab.unit) for lab in labs)
    }
    if len(values) < 2:
        return ""
    listed = ", ".join(f"{shown(lab, threshold)} ({_origin(lab)})" for lab in labs)
    return (
        f" ; {len(labs)} résultats du même prélèvement ({labs[0].sampled_at:%d/%m/%Y %H:%M}) "
        f"ne concordent pas : {listed}, le plus défavorable est retenu : vérifiez le compte "
        "rendu"
    )


def _origin(lab: LabValue) -> str:
    return "saisi pendant la panne" if lab.source.startswith("secours") else "instantané"


def shown(lab: LabValue, threshold: float | None = None) -> str:
    """The result normalised, with what the report said when it was converted; beside a
    threshold, never printed as the threshold unless equal to it."""
    normalised = normalise(lab.test_code, lab.value, lab.unit)
    if normalised is None:
        return f"{fr(lab.value)} « {lab.unit} »"
    value = (
        fr(normalised.value) if threshold is None else fr_beside(normalised.value, threshold)
    )
    text = f"{value} {normalised.unit}"
    if normalised.converted:
        text += f" ({fr(lab.value)} {lab.unit} sur le compte rendu)"
    return text


def _cockcroft_gault(ctx: ValidationContext, umol_l: float) -> tuple[float, str] | str:
    """Clearance from this creatinine with the dose's age, sex and weight (the site's
    Cockcroft-Gault weight, as the dose engine chooses it), or why it cannot be computed."""
    dosing = ctx.prescription.dosing
    if dosing.weight is None:
        return "poids, nécessaire à la clairance de la créatinine (Cockcroft-Gault)"
    height = dosing.height.value if dosing.height else None
    try:
        weight = cockcroft_gault_weight(
            dosing.cockcroft_gault_weight, dosing.weight.value, height, dosing.sex
        )
        value = creatinine_clearance_cockcroft_gault(
            dosing.age_years, weight.weight_kg, umol_l, dosing.sex
        )
    except DoseInputError as exc:
        return f"clairance de la créatinine non calculable ({exc})"
    words = f"{SEX_WORDS.get(dosing.sex, dosing.sex)}, {dosing.age_years} ans, {weight.text}"
    return value, words  # compared unrounded: 59,96 is below 60


def _dose_gfr(ctx: ValidationContext) -> Clearance | None:
    """The GFR an AUC line's dose was computed with (before its cap), as the sheet prints it."""
    for line in chemo_lines(ctx.prescription):
        d = line.derivation
        if d is None or d.gfr_computed_ml_min is None:
            continue
        step = next((s.description for s in d.steps if s.rule == "gfr"), "")
        dosing = ctx.prescription.dosing
        estimated = d.gfr_source != "given" and dosing.creatinine is not None
        on = dosing.creatinine.measured_on if estimated else dosing.computed_on
        return Clearance(
            d.gfr_computed_ml_min,
            on,
            "créatininémie" if estimated else "clairance",
            f"clairance utilisée pour la dose de {line.title}{' : ' + step if step else ''}",
        )
    return None


def clearance_review(ctx: ValidationContext, latest: dict[str, LabValue]) -> ClearanceReview:
    """The clearances to compare with the platinum threshold.

    First the one the doses used: the GFR of an AUC line, else Cockcroft-Gault from the
    creatinine of the prescription's dosing inputs (its value, date and source: fallback or
    snapshot), so validation and dose never read different creatinines. Then, never hiding a
    low value, any result at least as recent as that creatinine: the latest creatinine of the
    labs when it differs, and a measured clearance (CLCR: 24-hour urine or the lab's figure),
    compared as measured. Every one below the threshold is reported.
    """
    found: list[Clearance] = []
    unknown: list[LabValue] = []
    reasons: list[str] = []
    dosing = ctx.prescription.dosing
    creat = dosing.creatinine
    dose_gfr = _dose_gfr(ctx)
    if dose_gfr is not None:
        found.append(dose_gfr)
    elif creat is not None:
        computed = _cockcroft_gault(ctx, creat.value)
        if isinstance(computed, str):
            reasons.append(computed)
        else:
            found.append(
                Clearance(
                    computed[0],
                    creat.measured_on,
                    "créatininémie",
                    f"Cockcroft-Gault : créatininémie {fr(creat.value, 1)} µmol/L du "
                    f"{day_fr(creat.measured_on)} utilisée pour les doses ({creat.source}), "
                    f"{computed[1]}",
                )
            )
    since = creat.measured_on if creat is not None else None
    lab_creat = latest.get("CREAT")
    if lab_creat is not None and (since is None or lab_creat.sampled_at.date() >= since):
        normalised = normalise("CREAT", lab_creat.value, lab_creat.unit)
        if normalised is None:
            unknown.append(lab_creat)
        elif creat is None or round(normalised.value, 1) != round(creat.value, 1):
            computed = _cockcroft_gault(ctx, normalised.value)
            if isinstance(computed, str):
                reasons.append(computed)
            else:
                found.append(
                    Clearance(
                        computed[0],
                        lab_creat.sampled_at.date(),
                        "créatininémie",
                        f"Cockcroft-Gault : créatininémie {shown(lab_creat)} du "
                        f"{day_fr(lab_creat.sampled_at)} ({_origin(lab_creat)}), {computed[1]}"
                        f"{disagreement(ctx, 'CREAT')}",
                    )
                )
    measured = latest.get("CLCR")
    first = lab_creat.sampled_at if lab_creat is not None else None
    if measured is not None and (first is None or measured.sampled_at >= first):
        normalised = normalise("CLCR", measured.value, measured.unit)
        if normalised is None:
            unknown.append(measured)
        else:
            found.append(
                Clearance(
                    normalised.value,
                    measured.sampled_at.date(),
                    "clairance",
                    f"mesurée le {day_fr(measured.sampled_at)} ({_origin(measured)})",
                )
            )
    missing = None
    if not found and not unknown:
        missing = reasons[0] if reasons else "créatininémie (ou clairance de la créatinine)"
    return ClearanceReview(found, unknown, missing)


def _low(
    code: str, text: str, threshold: Threshold, limit: str, values: dict, advice: str
) -> Finding:
    return Finding(
        code=code,
        severity=Severity.BLOCKING,
        message=f"{text}, sous le seuil du {threshold.source} ({limit}). {advice}",
        values={**values, "seuil": threshold.value},
        threshold_source=threshold.source,
    )


def _count_check(
    ctx: ValidationContext, code: str, test: str, threshold: Threshold | None, name: str
) -> list[Finding]:
    lab = latest_labs(ctx).get(test) if threshold is not None else None
    if threshold is None or lab is None:
        return []
    normalised = normalise(test, lab.value, lab.unit)
    if normalised is None or normalised.value >= threshold.value:
        return []  # an unknown unit is reported by check_labs_unit_unknown
    return [
        _low(
            code,
            f"{name} {shown(lab, threshold.value)} le {day_fr(lab.sampled_at)} "
            f"({_origin(lab)}){disagreement(ctx, test, threshold.value)}",
            threshold,
            f"{fr(threshold.value)} {normalised.unit}",
            {
                f"{test} ({normalised.unit})": normalised.value,
                "date du prélèvement": day_fr(lab.sampled_at),
            },
            "Ne préparez pas sans l'accord du prescripteur (report de la cure ou adaptation "
            "de dose).",
        )
    ]


def check_labs_anc_low(ctx: ValidationContext) -> list[Finding]:
    return _count_check(ctx, "labs_anc_low", "PNN", anc_threshold(ctx), "PNN")


def check_labs_platelets_low(ctx: ValidationContext) -> list[Finding]:
    return _count_check(ctx, "labs_platelets_low", "PLQ", platelets_threshold(ctx), "Plaquettes")


def check_labs_clearance_low(ctx: ValidationContext) -> list[Finding]:
    threshold = clearance_threshold(ctx)
    if threshold is None:
        return []
    review = clearance_review(ctx, latest_labs(ctx))
    low = [c for c in review.clearances if c.value_ml_min < threshold.value]
    if not low:
        return []
    lowest = min(low, key=lambda c: c.value_ml_min)
    drugs = ", ".join(platinum_drugs(ctx))
    text = " ; ".join(
        f"{fr_beside(c.value_ml_min, threshold.value, 1)} mL/min ({c.detail})" for c in low
    )
    return [
        _low(
            "labs_clearance_low",
            f"Clairance de la créatinine {text}",
            threshold,
            f"{fr(threshold.value, 1)} mL/min pour les sels de platine : {drugs}",
            {
                "clairance (mL/min)": round_beside(lowest.value_ml_min, threshold.value),
                "date du prélèvement": day_fr(lowest.sampled_on),
            },
            "Demandez l'avis du prescripteur (adaptation de dose, report) avant de préparer.",
        )
    ]


def _used_labs(ctx: ValidationContext, latest: dict[str, LabValue]) -> list[tuple[str, LabValue]]:
    used = []
    if anc_threshold(ctx) is not None and "PNN" in latest:
        used.append(("PNN", latest["PNN"]))
    if platelets_threshold(ctx) is not None and "PLQ" in latest:
        used.append(("plaquettes", latest["PLQ"]))
    return used


def check_labs_unit_unknown(ctx: ValidationContext) -> list[Finding]:
    """A result a threshold needs, in a unit that cannot be converted: the check it feeds
    cannot be done, so it blocks (never skipped) until the result is checked by hand."""
    latest = latest_labs(ctx)
    unknown = [
        lab
        for _name, lab in _used_labs(ctx, latest)
        if normalise(lab.test_code, lab.value, lab.unit) is None
    ]
    if clearance_threshold(ctx) is not None:
        unknown += clearance_review(ctx, latest).unknown_units
    if not unknown:
        return []
    listed = ", ".join(
        f"{lab.test_code} {fr(lab.value)} « {lab.unit} » du {day_fr(lab.sampled_at)} "
        f"({_origin(lab)})"
        for lab in unknown
    )
    return [
        Finding(
            code="labs_unit_unknown",
            severity=Severity.BLOCKING,
            message=(
                f"Résultat de biologie dans une unité inconnue : {listed}. Le contrôle qui "
                "l'utilise n'a pas pu être fait. Vérifiez le compte rendu et saisissez le "
                "résultat avec son unité (dossier patient, biologie), ou faites le contrôle à "
                "la main."
            ),
            values={"unité inconnue": listed},
            threshold_source="—",
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
        review = clearance_review(ctx, latest)
        if review.missing:
            missing.append(f"{review.missing} (pour {', '.join(platinum_drugs(ctx))})")
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
    """The results the thresholds use, sampled too long before the day of administration
    still to come (checks_common.administration_day: a past J1 is no longer the day)."""
    latest = latest_labs(ctx)
    used = [(name, lab.sampled_at.date()) for name, lab in _used_labs(ctx, latest)]
    if clearance_threshold(ctx) is not None:
        for found in clearance_review(ctx, latest).clearances:
            if (found.name, found.sampled_on) not in used:
                used.append((found.name, found.sampled_on))
    day = administration_day(ctx.prescription, ctx.today)
    limit = ctx.settings.lab_max_age_days
    old = []
    for name, sampled_on in used:
        age = (day - sampled_on).days
        if age > limit:
            old.append(f"{name} du {day_fr(sampled_on)} ({french.days(age)})")
    if not old:
        return []
    return [
        Finding(
            code="labs_too_old",
            severity=Severity.WARNING,
            message=(
                f"Biologie trop ancienne par rapport au prochain jour d'administration "
                f"({day_fr(day)}, limite du site : {limit} jours) : {', '.join(old)}. "
                "Demandez un bilan récent avant de préparer."
            ),
            values={
                "trop ancien": ", ".join(old),
                "jour d'administration": day_fr(day),
                "seuil": limit,
            },
            threshold_source="site",
        )
    ]

