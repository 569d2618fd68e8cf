"""Checks of the patient's data and history: mandatory data, weight age, weight and BSA change
since the previous cycle, interval between cycles, duplicates, off-protocol lines. Codes and
severities are listed in rules.py."""

from __future__ import annotations

from datetime import date, timedelta

from chemo_fallback import french
from chemo_fallback.modules.prescription.models import STATUS_LABELS, Line
from chemo_fallback.modules.validation.checks_common import (
    administration_day,
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
    """The weight's age on the day of administration still to come (not today: a cycle
    prescribed for next week is given with a weight one week older; not a past J1 either: a
    take-over's J15 is given with a weight two weeks older), as labs_too_old measures it
    (checks_common.administration_day)."""
    rx = ctx.prescription
    weight = rx.dosing.weight
    limit = ctx.settings.weight_max_age_days
    if weight is None:
        return []
    on = administration_day(rx, ctx.today)
    age = (on - weight.measured_on).days
    if age <= limit:
        return []
    return [
        Finding(
            code="weight_too_old",
            severity=Severity.BLOCKING,
            message=(
                f"Poids trop ancien : {dose_fr(weight.value)} kg mesuré le "
                f"{day_fr(weight.measured_on)}, {french.days(age)} avant le {day_fr(on)} "
                f"(prochain jour d'administration), au-delà de la limite du site ({limit} jours). "
                "Faites peser le patient et recalculer les doses."
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


def _first_day(cycle: PreviousCycle) -> date:
    """A cycle's first day of administration (a moved D1 counts), else its written start."""
    return cycle.first_day or cycle.cycle_start_date


def _others(ctx: ValidationContext, protocol_id: str | None = None) -> list[PreviousCycle]:
    """The patient's other cycles (of `protocol_id` when given): not this prescription nor
    the version it corrects (contexts() already leaves out its other versions and the
    production prescription it takes over)."""
    rx = ctx.prescription
    own = {rx.prescription_id, rx.supersedes_id}
    return [
        cycle
        for cycle in ctx.previous_cycles
        if cycle.prescription_id not in own
        and (protocol_id is None or cycle.protocol_id == protocol_id)
    ]


def _previous(ctx: ValidationContext, field: str, protocol_id: str | None = None):
    """The latest earlier cycle with `field` known (of `protocol_id` when given): the one
    whose first day of administration is the latest before this prescription's first day.
    First days, not the start dates written on the prescriptions: a D1 moved counts."""
    first = first_planned_date(ctx.prescription)
    best: PreviousCycle | None = None
    for cycle in _others(ctx, protocol_id):
        if _first_day(cycle) >= first or getattr(cycle, field) is None:
            continue
        if best is None or _first_day(cycle) > _first_day(best):
            best = cycle
    return best


def _next(ctx: ValidationContext, protocol_id: str) -> PreviousCycle | None:
    """The earliest cycle of the protocol whose first day comes after this one's (a planned
    production cycle, another fallback prescription)."""
    first = first_planned_date(ctx.prescription)
    later = [c for c in _others(ctx, protocol_id) if _first_day(c) > first]
    return min(later, key=_first_day, default=None)


def _cycle_fr(cycle: PreviousCycle) -> str:
    return (
        f"cycle {cycle.cycle_no} de {cycle.protocol_name or cycle.protocol_id} du "
        f"{day_fr(cycle.cycle_start_date)} "
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
    """This cycle's first day of administration too close to another cycle of the same
    protocol, on either side: too soon after the latest earlier one (interval_short), or too
    soon before the next one already planned (interval_short_next: a production cycle
    planned 26/11 next to this one moved to 27/11, or to 24/11). First days of administration
    on both sides, not the start dates written on the prescriptions. A cycle whose first day
    is the same day is left to the duplicate check (the same drugs the same day)."""
    rx = ctx.prescription
    length = ctx.protocol.cycle_length_days if ctx.protocol else rx.cycle_length_days
    tolerance = ctx.settings.interval_tolerance_days
    first = first_planned_date(rx)
    findings = []
    previous = _previous(ctx, "cycle_start_date", rx.protocol_id)
    if previous is not None:
        before = _first_day(previous)
        earliest = before + timedelta(days=length - tolerance)
        if first < earliest:
            findings.append(_interval(rx, first, previous, before, earliest, length, tolerance))
    following = _next(ctx, rx.protocol_id)
    if following is not None:
        after = _first_day(following)
        latest = after - timedelta(days=length - tolerance)
        if first > latest:
            findings.append(_interval_before(rx, first, following, after, latest, length,
                                             tolerance))
    return findings


def _interval(rx, first: date, previous: PreviousCycle, before: date, earliest: date,
              length: int, tolerance: int) -> Finding:
    interval = (first - before).days
    return Finding(
        code="interval_short",
        severity=Severity.BLOCKING,
        message=(
            f"Cycle {rx.cycle_no} administré à partir du {day_fr(first)}, {french.days(interval)} "
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


def _interval_before(rx, first: date, following: PreviousCycle, after: date, latest: date,
                     length: int, tolerance: int) -> Finding:
    interval = (after - first).days
    return Finding(
        code="interval_short_next",
        severity=Severity.BLOCKING,
        message=(
            f"Cycle {rx.cycle_no} administré à partir du {day_fr(first)}, {french.days(interval)} "
            f"avant le premier jour ({day_fr(after)}) du {_cycle_fr(following)}, déjà prévu : "
            f"le cycle du protocole dure {length} jours (tolérance du site {tolerance} jours), "
            f"début au plus tard le {day_fr(latest)} avant ce cycle. Doublon ou cycle en trop "
            "possible : vérifiez avec le prescripteur et faites annuler l'un des deux, ou "
            "corriger les dates."
        ),
        values={
            "début du cycle": day_fr(first),
            "début du cycle suivant": day_fr(after),
            "intervalle (jours)": interval,
            "durée du cycle (jours)": length,
            "tolérance (jours)": tolerance,
            "date au plus tard": day_fr(latest),
        },
        threshold_source="protocole",
    )


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
    return findings + _same_day_in_this_prescription(ctx)


def _off_protocol(line: Line) -> bool:
    return line.off_protocol or line.protocol_line_no is None


def _same_day_in_this_prescription(ctx: ValidationContext) -> list[Finding]:
    """Lines of one drug on one day of this prescription. The protocol's own pairs (5-FU bolus
    and pump: two protocol lines) are what the protocol says; an off-protocol line next to
    another line of its drug is a possible double entry (a double click adding vincristine
    2 mg twice next to the protocol's 2 mg) and blocks (`duplicate`). Whenever such a group is
    not only distinct protocol lines, its total above the drug's absolute maximum per
    administration blocks too (`duplicate_total_above_max`): 3 × 2 mg of vincristine is 6 mg
    given on one day."""
    groups: dict[tuple[str, date], list[Line]] = {}
    for line in ctx.prescription.lines:
        if line.drug_id and line.final_dose is not None:
            groups.setdefault((line.drug_id, line.planned_date), []).append(line)
    findings = []
    for (drug_id, _day), lines in groups.items():
        protocol_nos = [line.protocol_line_no for line in lines if not _off_protocol(line)]
        only_protocol_pairs = len(protocol_nos) == len(lines) == len(set(protocol_nos))
        if len(lines) < 2 or only_protocol_pairs:
            continue
        listed = ", ".join(
            f"{dose_fr(line.final_dose)} {line.dose_unit or ''}".strip()
            + (" (hors protocole)" if _off_protocol(line) else
               f" (ligne {line.protocol_line_no} du protocole)")
            for line in lines
        )
        for line in lines:
            if not _off_protocol(line):
                continue
            findings.append(
                Finding(
                    code="duplicate",
                    severity=Severity.BLOCKING,
                    message=(
                        f"{where(line)} : ligne hors protocole du même médicament, le même jour, "
                        f"qu'une autre ligne de cette prescription ({listed}). Doublon "
                        "possible (double saisie) : faites supprimer la ligne en trop, ou levez "
                        "ce point avec le motif si les deux administrations sont voulues."
                    ),
                    line_id=line.line_id,
                    values={
                        "médicament": line.title,
                        "date prévue": day_fr(line.planned_date),
                        "lignes": listed,
                    },
                )
            )
        findings.extend(_total_above_max(ctx, drug_id, lines, listed))
    return findings


def _total_above_max(
    ctx: ValidationContext, drug_id: str, lines: list[Line], listed: str
) -> list[Finding]:
    drug = ctx.drug_safety.get(drug_id)
    limit = drug.max_dose_per_administration if drug else None
    if limit is None:
        return []
    unit = drug.dose_unit or "mg"
    total = round(sum(float(line.final_dose) for line in lines if line.dose_unit in (None, unit)),
                  6)
    if total <= limit:
        return []
    last = lines[-1]
    return [
        Finding(
            code="duplicate_total_above_max",
            severity=Severity.BLOCKING,
            message=(
                f"{where(last)} : {len(lines)} lignes de {drug.inn} le même jour sur cette "
                f"prescription ({listed}), soit {dose_fr(total)} {unit} au total, au-delà de "
                f"la dose maximale par administration du médicament ({dose_fr(limit)} {unit}). "
                "Faites supprimer la ligne en double ou corriger les doses."
            ),
            line_id=last.line_id,
            values={"total": total, "seuil": limit, "unité": unit},
            threshold_source="médicament",
        )
    ]


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
