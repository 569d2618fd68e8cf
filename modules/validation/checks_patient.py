"""Checks of the patient's data and history: mandatory data, weight age, weight and BSA change
since the previous cycle, interval between cycles, duplicates, off-protocol lines. Codes and
severities are listed in rules.py."""

from __future__ import annotations

from datetime import date, timedelta

from chemo_fallback.modules.prescription.models import STATUS_LABELS, Line
from chemo_fallback.modules.validation.checks_common import (
    comparable_doses,
    day_fr,
    derivation_bsa,
    dose_fr,
    first_planned_date,
    fr,
    pct_change,
    where,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    GivenDose,
    PreviousCycle,
    Severity,
    ValidationContext,
)

# Statuses in French: the snapshot's prescriptions, then the fallback's own.
STATUS_FR = {
    "planned": "prévue",
    "prepared": "préparée",
    "administered": "administrée",
    **{str(status): label for status, label in STATUS_LABELS.items()},
}


def check_missing_data(ctx: ValidationContext) -> list[Finding]:
    """Height, weight and the prescriber's name are mandatory on every prescription."""
    rx = ctx.prescription
    missing = []
    if rx.dosing.height is None:
        missing.append("taille")
    if rx.dosing.weight is None:
        missing.append("poids")
    if not (rx.prescriber.name or "").strip():
        missing.append("nom du prescripteur")
    if not missing:
        return []
    return [
        Finding(
            code="missing_data",
            severity=Severity.BLOCKING,
            message=(
                f"Données obligatoires manquantes : {', '.join(missing)}. Faites compléter la "
                "prescription (taille, poids et prescripteur sont obligatoires sur toute "
                "prescription) et recalculer les doses."
            ),
            values={"manquant": ", ".join(missing)},
        )
    ]


def check_weight_too_old(ctx: ValidationContext) -> list[Finding]:
    """The weight's age on the first day of administration (not today: a cycle prescribed for
    next week is given with a weight one week older), else on today if that is later (a late
    entry is no excuse for a stale weight)."""
    rx = ctx.prescription
    weight = rx.dosing.weight
    limit = ctx.settings.weight_max_age_days
    if weight is None:
        return []
    on = max(first_planned_date(rx), ctx.today)
    age = (on - weight.measured_on).days
    if age <= limit:
        return []
    return [
        Finding(
            code="weight_too_old",
            severity=Severity.BLOCKING,
            message=(
                f"Poids trop ancien : {dose_fr(weight.value)} kg mesuré le "
                f"{day_fr(weight.measured_on)}, {age} jours avant le {day_fr(on)} (premier jour "
                f"d'administration), au-delà de la limite du site ({limit} jours). Faites "
                "peser le patient et recalculer les doses."
            ),
            values={
                "poids": weight.value,
                "date de la pesée": day_fr(weight.measured_on),
                "jour d'administration": day_fr(on),
                "âge (jours)": age,
                "seuil": limit,
            },
            threshold_source="site",
        )
    ]


def _previous(ctx: ValidationContext, field: str, protocol_id: str | None = None):
    """The latest earlier cycle with `field` known (of `protocol_id` when given). Cycles starting
    on or after this one, this prescription and the version it corrects are not earlier."""
    rx = ctx.prescription
    own = {rx.prescription_id, rx.supersedes_id}
    best: PreviousCycle | None = None
    for cycle in ctx.previous_cycles:
        if (
            cycle.prescription_id in own
            or cycle.cycle_start_date >= rx.cycle_start_date
            or getattr(cycle, field) is None
            or (protocol_id is not None and cycle.protocol_id != protocol_id)
        ):
            continue
        if best is None or cycle.cycle_start_date > best.cycle_start_date:
            best = cycle
    return best


def _cycle_fr(cycle: PreviousCycle) -> str:
    return (
        f"cycle {cycle.cycle_no} de {cycle.protocol_id} du {day_fr(cycle.cycle_start_date)} "
        f"({cycle.source})"
    )


def _change(
    ctx: ValidationContext, code: str, what: str, unit: str, now: float, field: str,
    threshold: float, block_threshold: float | None = None,
) -> list[Finding]:
    """A change beyond `threshold` warns; beyond `block_threshold` (when given) it blocks."""
    previous = _previous(ctx, field)
    if previous is None:
        return []
    before = float(getattr(previous, field))
    if before <= 0:
        return []
    change = pct_change(now, before)
    if abs(change) <= threshold:
        return []
    decimals = 2
    blocking = block_threshold is not None and abs(change) > block_threshold
    if blocking:
        beyond = (
            f"au-delà du seuil bloquant du site ({fr(block_threshold)} %). Une telle variation "
            "est le plus souvent une erreur de saisie ou de patient : faites contrôler la "
            "mesure ; si elle est réelle, levez ce point avec le motif (perte de poids "
            "confirmée, …) et vérifiez que les doses suivent la valeur actuelle."
        )
    else:
        beyond = (
            f"au-delà du seuil du site ({fr(threshold)} %). Vérifiez la mesure (erreur de "
            "saisie ?) et que les doses suivent bien la valeur actuelle."
        )
    values: dict[str, float | str | None] = {
        "actuel": now,
        "cycle précédent": before,
        "écart %": round(change, 1),
        "seuil": threshold,
    }
    if block_threshold is not None:
        values["seuil bloquant"] = block_threshold
    return [
        Finding(
            code=code,
            severity=Severity.BLOCKING if blocking else Severity.WARNING,
            message=(
                f"{what} {fr(now, decimals)} {unit} contre {fr(before, decimals)} {unit} au "
                f"{_cycle_fr(previous)} : variation de {'+' if change > 0 else ''}"
                f"{fr(change, 1)} %, {beyond}"
            ),
            values=values,
            threshold_source="site",
        )
    ]


def check_weight_change(ctx: ValidationContext) -> list[Finding]:
    """Beyond weight_change_pct a warning (weight loss is common and the doses follow the
    current weight); beyond weight_change_block_pct blocking (more likely a wrong entry)."""
    weight = ctx.prescription.dosing.weight
    if weight is None:
        return []
    return _change(
        ctx, "weight_change", "Poids", "kg", weight.value, "weight_kg",
        ctx.settings.weight_change_pct, ctx.settings.weight_change_block_pct,
    )


def check_bsa_change(ctx: ValidationContext) -> list[Finding]:
    bsa = derivation_bsa(ctx.prescription)
    if bsa is None:
        return []
    return _change(
        ctx, "bsa_change", "Surface corporelle", "m²", bsa, "bsa_m2",
        ctx.settings.bsa_change_pct,
    )


def check_interval_short(ctx: ValidationContext) -> list[Finding]:
    """This cycle's first day of administration comes too soon after the previous cycle's of
    the same protocol. First days, not cycle start dates: a day moved (D1 postponed or brought
    forward) moves the administration, not the start date written on the prescription."""
    rx = ctx.prescription
    previous = _previous(ctx, "cycle_start_date", rx.protocol_id)
    if previous is None:
        return []
    length = ctx.protocol.cycle_length_days if ctx.protocol else rx.cycle_length_days
    tolerance = ctx.settings.interval_tolerance_days
    first = first_planned_date(rx)
    before = previous.first_day or previous.cycle_start_date
    earliest = before + timedelta(days=length - tolerance)
    if first >= earliest:
        return []
    interval = (first - before).days
    return [
        Finding(
            code="interval_short",
            severity=Severity.BLOCKING,
            message=(
                f"Cycle {rx.cycle_no} administré à partir du {day_fr(first)}, {interval} jours "
                f"après le premier jour ({day_fr(before)}) du {_cycle_fr(previous)} : le cycle "
                f"du protocole dure {length} jours (tolérance du site {tolerance} jours), début "
                f"au plus tôt le {day_fr(earliest)}. Vérifiez les dates ou demandez au "
                "prescripteur la raison de l'avance."
            ),
            values={
                "début du cycle": day_fr(first),
                "début du cycle précédent": day_fr(before),
                "intervalle (jours)": interval,
                "durée du cycle (jours)": length,
                "tolérance (jours)": tolerance,
                "date au plus tôt": day_fr(earliest),
            },
            threshold_source="protocole",
        )
    ]


def _duplicate(line: Line, others: list[GivenDose]) -> Finding:
    seen: dict[str, GivenDose] = {}
    for dose in others:
        seen.setdefault(dose.prescription_id, dose)
    named = ", ".join(
        f"{dose.prescription_id} ({dose.source}, {STATUS_FR.get(dose.status, dose.status)})"
        for dose in seen.values()
    )
    return Finding(
        code="duplicate",
        severity=Severity.BLOCKING,
        message=(
            f"{where(line)} : même médicament le même jour sur une autre prescription du "
            f"patient : {named}. Doublon possible : vérifiez avec le prescripteur qu'il ne "
            "s'agit pas de la même cure prescrite deux fois, et faites annuler l'une des deux."
        ),
        line_id=line.line_id,
        values={
            "médicament": line.title,
            "date prévue": day_fr(line.planned_date),
            "autre prescription": ", ".join(seen),
            "source": ", ".join(dict.fromkeys(dose.source for dose in seen.values())),
        },
    )


def check_duplicate(ctx: ValidationContext) -> list[Finding]:
    """The same drug on the same day in another prescription of the patient, or twice for the
    same protocol line and day in this one (5-FU bolus and pump are two protocol lines)."""
    others: dict[tuple[str, date], list[GivenDose]] = {}
    for dose in comparable_doses(ctx):
        others.setdefault((dose.drug_id, dose.planned_date), []).append(dose)
    findings = []
    own: set[tuple[str, date, int]] = set()
    for line in ctx.prescription.lines:
        if not line.drug_id:
            continue
        same_day = others.get((line.drug_id, line.planned_date))
        if same_day:
            findings.append(_duplicate(line, same_day))
        if line.protocol_line_no is None:
            continue
        key = (line.drug_id, line.planned_date, line.protocol_line_no)
        if key in own:
            findings.append(
                Finding(
                    code="duplicate",
                    severity=Severity.BLOCKING,
                    message=(
                        f"{where(line)} : ligne {line.protocol_line_no} du protocole présente "
                        "deux fois le même jour sur cette prescription. Faites supprimer la "
                        "ligne en double."
                    ),
                    line_id=line.line_id,
                    values={
                        "médicament": line.title,
                        "date prévue": day_fr(line.planned_date),
                        "ligne du protocole": line.protocol_line_no,
                    },
                )
            )
        own.add(key)
    return findings


def check_off_protocol(ctx: ValidationContext) -> list[Finding]:
    findings = []
    for line in ctx.prescription.lines:
        if not line.off_protocol:
            continue
        reason = (line.off_protocol_reason or "").strip()
        findings.append(
            Finding(
                code="off_protocol",
                severity=Severity.WARNING,
                message=(
                    f"{where(line)} : ligne hors protocole, motif : "
                    f"{f'« {reason} »' if reason else 'aucun'}. Vérifiez la dose et "
                    "l'indication avec le prescripteur."
                ),
                line_id=line.line_id,
                values={"motif": reason or None},
            )
        )
    return findings
