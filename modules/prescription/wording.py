"""How the prescription is worded in French, once, for the screens and the printed summary."""

from __future__ import annotations

from chemo_fallback import french
from chemo_fallback.documents import date_fr
from chemo_fallback.dosing.line_dose import BSA_FUNCTIONS, bsa_shown_m2
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription.models import (
    DILUENT_LABELS,
    DecisionShown,
    DosingInputs,
    GoAheadShown,
    Line,
    MeasureUsed,
    Prescription,
)


def age_text(d: DosingInputs) -> str:
    """The age the doses used, and the day it was taken on (the cycle's first day)."""
    if d.age_on is None:
        return f"âge {d.age_years} ans"
    return f"âge {d.age_years} ans au {date_fr(d.age_on)} (premier jour du cycle)"


def dose_text(line: Line) -> str:
    if not line.has_dose:
        return "—"
    return f"{format_dose_fr(line.final_dose)} {line.dose_unit}"


def duration_text(minutes: float) -> str:
    """45 min, 1 h 30, 46 h: how a nurse reads an infusion time."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def administration_text(line: Line) -> str:
    parts = [line.route or "voie ?"]
    if line.duration_min:
        parts.append(duration_text(line.duration_min))
    if line.diluent or line.volume_ml:
        parts.append(
            f"{DILUENT_LABELS.get(line.diluent or '', line.diluent or '')} "
            f"{format_dose_fr(line.volume_ml) + ' mL' if line.volume_ml else ''}".strip()
        )
    if line.container:
        parts.append(line.container)
    return " · ".join(parts)


def measure_text(label: str, measure: MeasureUsed | None, unit: str) -> str:
    if measure is None:
        return f"{label} : non renseigné(e)"
    return (
        f"{label} : {format_dose_fr(measure.value)} {unit} (le {date_fr(measure.measured_on)}, "
        f"{measure.source})"
    )


def bsa_text(rx: Prescription) -> str:
    """The body surface area the doses used, with the formula and the height and weight it
    came from: "1,84 m² (Mosteller, 170 cm, 72 kg)", and the cap when it applied. The value
    is the one the dose engine recorded (any line's derivation); a prescription with no dose
    per m² shows the value its measurements give, said so."""
    d = rx.dosing
    used = next((ln.derivation for ln in rx.lines if ln.derivation and ln.derivation.bsa_m2), None)
    if used is not None:
        formula = (used.bsa_formula or d.bsa_formula).capitalize()
        text = f"{french.quantity(used.bsa_m2, 'm2')} ({formula}"
        inputs = _measures(d)
        text += f", {inputs})" if inputs else ")"
        if used.bsa_computed_m2 and used.bsa_computed_m2 != used.bsa_m2:
            text += (
                f", plafonnée : {french.quantity(used.bsa_computed_m2, 'm2')} calculés, "
                f"plafond {french.quantity(used.bsa_cap_m2, 'm2')}"
            )
        return text
    if d.height and d.weight and d.bsa_formula in BSA_FUNCTIONS:
        value = bsa_shown_m2(d.bsa_formula, d.height.value, d.weight.value)
        return (
            f"{french.quantity(value, 'm2')} ({d.bsa_formula.capitalize()}, {_measures(d)}) — "
            "aucune dose de cette prescription n'est calculée par m²"
        )
    return "non calculable (taille ou poids manquant)"


def _measures(d: DosingInputs) -> str:
    parts = []
    if d.height:
        parts.append(french.quantity(d.height.value, "cm", 1))
    if d.weight:
        parts.append(french.quantity(d.weight.value, "kg", 1))
    return ", ".join(parts)


def go_ahead_text(g: GoAheadShown) -> str:
    return (
        f"J{g.day_no} ({french.day(g.planned_date)}) : feu vert de {g.given_by} le "
        f"{french.moment(g.given_at)}, enregistré par {g.recorded_by_name} le "
        f"{french.moment(g.recorded_at)}" + (f" — {g.comment}" if g.comment else "")
    )


SINGLE_PHARMACIST = "pharmacien seul (autorisé par le site) : pas de second contrôle indépendant"


def decision_text(decision: DecisionShown) -> str:
    """"Validation pharmaceutique par … le …", with what it says (refusal reason, question)."""
    text = (
        f"{decision.label.capitalize()} par {decision.pharmacist_name} le "
        f"{french.moment(decision.decided_at)}"
    )
    if decision.decision == "intervention" and decision.question:
        text += f" : {decision.question}"
    elif decision.reason:
        text += f" : {decision.reason}"
    if decision.single_pharmacist:
        text += f" — {SINGLE_PHARMACIST}"
    return text


def lifted_texts(decision: DecisionShown) -> list[str]:
    return [
        f"Point bloquant levé : {point.message} — motif : {point.reason}"
        for point in decision.lifted
    ]
