"""What the administration plans print, as data (pydantic), built from a `PatientPlan`: every
value already worded and formatted the French way here, once, so that a stored plan reprints
exactly as first printed. The renderers (documents.py) only lay the text out."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from chemo_fallback import french
from chemo_fallback.modules.administration.models import (
    CHECKS,
    FROM_PAPER_MARK,
    AdmRecord,
    Outcome,
    PatientPlan,
    PlanStep,
)
from chemo_fallback.modules.fabrication.documents_content import VINCA_WARNING, is_vinca_alkaloid
from chemo_fallback.modules.fabrication.models import CONTAINER_LABELS
from chemo_fallback.modules.prescription.models import DILUENT_LABELS, LINE_KIND_LABELS
from chemo_fallback.modules.prescription.wording import duration_text

Fixed = ConfigDict(extra="forbid", frozen=True)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
NOT_GIVEN_RULE = ("Toute dose non administrée est enregistrée avec son motif : le prescripteur "
                  "et le pharmacien en sont informés.")
BLANK_ROWS = 10


class PlanStepRow(BaseModel):
    model_config = Fixed
    number: str  # "4"
    kind: str  # "chimiothérapie"
    start: str  # "10:30"
    end: str  # "12:30", or "25/11/2026 à 10:40" on a later day
    together: str | None  # "en même temps que l'étape 4"
    drug: str  # "OXALIPLATINE 178 mg"
    administration: str  # "IV · Glucose 5 % 285,6 mL (préparation) · 2 h · 142,8 mL/h · poche"
    preparation: str | None  # "FAB250445 (ordonnancier n° 250445) — périme le … — libérée"
    notes: list[str]  # timing notes and the line's comment
    blocking: list[str]  # do not give as planned
    vinca: bool
    recorded: list[str]  # what was already recorded when printed


class PlanContent(BaseModel):
    model_config = Fixed
    patient_known: bool
    patient_name: str
    patient_born: str
    patient_id: str
    ward: str
    day: str  # "lundi 23/11/2026"
    prescriptions: list[str]
    first_start: str  # "09:00"
    checks: list[str]
    steps: list[PlanStepRow] = Field(min_length=1)


class WardPlansContent(BaseModel):
    model_config = Fixed
    ward: str
    day: str
    plans: list[PlanContent] = Field(min_length=1)


class BlankPlanContent(BaseModel):
    model_config = Fixed
    ward: str | None
    day: str | None
    checks: list[str]
    rows: int = Field(ge=1, le=30)


def day_text(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {french.day(day)}"


def clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _end(step: PlanStep, day: date) -> str:
    end = step.timing.end
    return clock(end) if end.date() == day else french.moment(end)


def administration_text(step: PlanStep) -> str:
    """Route, diluent and volume, duration, rate, container: how the nurse sets it up."""
    parts = [step.route or "VOIE NON RENSEIGNÉE"]
    if step.volume_ml:
        source = " (volume de la préparation)" if step.volume_source == "préparation" else ""
        diluent = DILUENT_LABELS.get(step.diluent or "", step.diluent or "")
        # to the hundredth: the rate is computed from it, and a nurse checks one with the other
        parts.append(f"{diluent} {french.quantity(step.volume_ml, 'mL')}{source}".strip())
    if step.timing.duration_default:
        parts.append("durée non prescrite")
    else:
        parts.append(f"en {duration_text(step.timing.duration_min)}")
    if step.timing.rate_ml_h is not None:
        parts.append(f"débit {french.quantity(step.timing.rate_ml_h, 'mL/h', 1)}")
    if step.container:
        parts.append(CONTAINER_LABELS.get(step.container, step.container))
    return " · ".join(parts)


def preparation_text(step: PlanStep) -> str | None:
    prep = step.preparation
    if prep is None:
        if step.compounded:
            return "Préparation de la pharmacie : pas encore imprimée (à préparer)"
        return None
    expiry = (f"périme le {french.moment(prep.expires_at)}" if prep.expires_at
              else "péremption inconnue")
    return (f"Préparation {prep.preparation_id} (ordonnancier n° {prep.register_no}) — {expiry} "
            f"— {prep.chain_label}")


def record_text(record: AdmRecord) -> str:
    """One record as the plan and the screens show it."""
    text = record.outcome_label.capitalize()
    if record.outcome == Outcome.INCIDENT:
        text = "Incident"
    if record.started_at:
        text += f" — {'à' if record.outcome == Outcome.INCIDENT else 'début'} " \
                f"{french.moment(record.started_at)}"
    if record.ended_at:
        text += f", fin {french.moment(record.ended_at)}"
    if record.amount_given:
        text += f" — administré : {record.amount_given}"
    if record.reason:
        text += f" — motif : {record.reason}"
    if record.incident:
        text += f" — {record.incident} ; fait : {record.action_taken}"
    if record.preparation_id and record.outcome in (Outcome.GIVEN, Outcome.PARTIAL):
        text += f" — étiquette {record.preparation_id} scannée"
    if record.given_by_name:
        text += f" — {record.given_by_name}"
    if record.from_paper:
        text += f" ({FROM_PAPER_MARK}, saisi par {record.entered_by_name} le " \
                f"{french.moment(record.entered_at)})"
    if record.replaces_id:
        text += f" — corrige l'enregistrement n° {record.replaces_id}"
    return text


def _step_row(step: PlanStep, day: date, numbers: dict[str, int]) -> PlanStepRow:
    together = step.timing.together_with
    notes = [n.message for n in step.timing.notes if not n.blocking]
    if step.comment:
        notes.append(step.comment)
    recorded = [record_text(r) for r in step.records if not r.replaced]
    return PlanStepRow(
        number=str(numbers[step.line_id]),
        kind=LINE_KIND_LABELS.get(step.line_kind, step.line_kind),
        start=clock(step.timing.start), end=_end(step, day),
        together=f"en même temps que l'étape {numbers[together]}" if together else None,
        drug=step.heading,
        administration=administration_text(step), preparation=preparation_text(step),
        notes=notes, blocking=[n.message for n in step.timing.notes if n.blocking],
        vinca=is_vinca_alkaloid(step.title), recorded=recorded,
    )


def check_lines() -> list[str]:
    return [f"{label} : {text}" for _key, label, text in CHECKS]


def plan_content(plan: PatientPlan) -> PlanContent:
    numbers = {s.line_id: n for n, s in enumerate(plan.steps, start=1)}
    who = plan.identity
    return PlanContent(
        patient_known=who is not None,
        patient_name=plan.patient_name + (
            f" ({who.born_word} {who.birth_name.upper()})"
            if who and who.birth_name and who.birth_name.upper() != who.last_name.upper() else ""),
        patient_born=f"{who.born_word} le {french.day(who.birth_date)}" if who
        else "identité à vérifier : patient introuvable dans le secours",
        patient_id=plan.patient_id,
        ward=plan.ward_name or plan.ward_id or "non renseignée",
        day=day_text(plan.day),
        prescriptions=[
            f"{p.protocol_name} — cycle {p.cycle_no}, J{p.day_no} — prescrit par "
            f"{p.prescriber_name} — prescription {p.prescription_id}"
            for p in plan.prescriptions
        ],
        first_start=clock(plan.first_start), checks=check_lines(),
        steps=[_step_row(s, plan.day, numbers) for s in plan.steps],
    )


def ward_content(ward: str, day: date, plans: list[PatientPlan]) -> WardPlansContent:
    return WardPlansContent(ward=ward, day=day_text(day), plans=[plan_content(p) for p in plans])


def blank_content(ward: str | None, day: date | None, rows: int = BLANK_ROWS) -> BlankPlanContent:
    return BlankPlanContent(ward=ward, day=day_text(day) if day else None, checks=check_lines(),
                            rows=rows)


__all__ = ["VINCA_WARNING", "BlankPlanContent", "PlanContent", "WardPlansContent"]
