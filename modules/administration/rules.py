"""The administration rules, pure: the day's timing of a plan, what a record must hold, and
whether a scanned preparation label may be given for a step. No database, no UI.

Timing (`plan_timing`): the steps run one after the other in the prescription's line order,
from the first start; a line the protocol runs together with another ("en Y",
`runs_with_line_no`) starts with it, and the next step waits for both to end. A step without a
prescribed duration (an oral drug, a bolus without duration) counts DEFAULT_STEP_MIN minutes,
said so on the step. The rate is volume / duration in mL/h, only when both are known (the
volume of the preparation when there is one, else the prescribed one). A portable pump
(container `diffuseur`) runs on its own: the next steps start once it is connected
(DEFAULT_STEP_MIN), and it shows its end date-time. A step without a route is blocking."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from chemo_fallback import french
from chemo_fallback.modules.administration.models import (
    CLOSING,
    AdmRecord,
    Outcome,
    Problem,
    RecordRequest,
    StepTiming,
    TimingLine,
    TimingNote,
)

DEFAULT_STEP_MIN = 5  # an oral drug, a bolus without duration, connecting a pump
DEFAULT_FIRST_START = time(9, 0)
PUMP_CONTAINERS = ("diffuseur",)
FUTURE_MARGIN = timedelta(minutes=5)  # a workstation's clock a little ahead is tolerated
INCIDENT_DAYS_AFTER = 3  # an incident may be recorded up to 3 days after the planned day
RELEASED = ("released", "dispensed", "received")  # chain statuses that may be given
LABEL_PREFIXES = ("]C0", "]C1", "]C2", "]C4")  # AIM identifiers a scanner may put first
LABEL_CODE = re.compile(r"^FAB\d{1,12}$")


def rate_ml_h(volume_ml: float | None, duration_min: float | None) -> float | None:
    if not volume_ml or not duration_min or volume_ml <= 0 or duration_min <= 0:
        return None
    return volume_ml * 60 / duration_min


def _notes(line: TimingLine, default: bool) -> list[TimingNote]:
    notes = []
    if not (line.route or "").strip():
        notes.append(TimingNote(
            code="administration_route_missing", blocking=True,
            message="Voie d'administration non renseignée : ne pas administrer, demandez au "
                    "prescripteur de compléter la prescription.",
        ))
    oral = (line.route or "").upper() == "PO"
    if default:
        what = "prise orale" if oral else "durée non prescrite"
        notes.append(TimingNote(
            code="administration_duration_default", blocking=False,
            message=f"{what.capitalize()} : {DEFAULT_STEP_MIN} min comptées pour le plan.",
        ))
    if not oral:
        if not line.volume_ml:
            notes.append(TimingNote(code="administration_rate_no_volume", blocking=False,
                                    message="Pas de débit calculé : volume non renseigné."))
        elif default:
            notes.append(TimingNote(code="administration_rate_no_duration", blocking=False,
                                    message="Pas de débit calculé : durée non prescrite."))
    return notes


def plan_timing(lines: list[TimingLine], first_start: datetime) -> list[StepTiming]:
    """Each step's planned start and end, in line order (see the module's docstring)."""
    timings: list[StepTiming] = []
    started: dict[int, StepTiming] = {}  # by protocol line number
    cursor = first_start
    for line in sorted(lines, key=lambda x: x.line_no):
        default = not line.duration_min or line.duration_min <= 0
        duration = DEFAULT_STEP_MIN if default else float(line.duration_min)
        notes = _notes(line, default)
        partner = started.get(line.runs_with_line_no) if line.runs_with_line_no else None
        if line.runs_with_line_no and partner is None:
            notes.append(TimingNote(
                code="administration_runs_with_absent", blocking=False,
                message=f"Prévue en même temps que la ligne {line.runs_with_line_no} du protocole,"
                        " absente ce jour : planifiée à la suite.",
            ))
        start = partner.start if partner else cursor
        end = start + timedelta(minutes=duration)
        pump = (line.container or "").lower() in PUMP_CONTAINERS
        if pump:
            notes.append(TimingNote(
                code="administration_pump_continues", blocking=False,
                message=f"Diffuseur portable : la perfusion continue jusqu'au "
                        f"{french.moment(end)} ; les étapes suivantes ne l'attendent pas.",
            ))
            cursor = max(cursor, start + timedelta(minutes=DEFAULT_STEP_MIN))
        else:
            cursor = max(cursor, end)
        timing = StepTiming(
            line_id=line.line_id, start=start, end=end, duration_min=duration,
            duration_default=default,
            rate_ml_h=None if default else rate_ml_h(line.volume_ml, duration),
            together_with=partner.line_id if partner else None, continues=pump,
            notes=tuple(notes),
        )
        timings.append(timing)
        if line.protocol_line_no is not None:
            started[line.protocol_line_no] = timing
    return timings


def first_start_of(day: date, at: time | None = None) -> datetime:
    return datetime.combine(day, at or DEFAULT_FIRST_START)


# --- the scanned label ------------------------------------------------------------------------

def preparation_id_from(code: str | None) -> str:
    """The preparation identifier a label's barcode carries ("FAB250445"), or "" when the
    text is not one. A scanner's AIM prefix and spaces are dropped; a register number typed
    alone ("250445") is read as its identifier."""
    text = (code or "").strip().upper()
    for prefix in LABEL_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.strip()
    if text.isdigit():  # the register number typed alone
        text = f"FAB{text}"
    return text if LABEL_CODE.match(text) else ""


def label_problems(
    facts: dict,
    *,
    patient_id: str,
    patient_name: str,
    line_id: str | None,
    step_title: str | None,
    day: date,
    moment: datetime,
    replacing: AdmRecord | None = None,
    giving: bool = True,
) -> list[Problem]:
    """Why the preparation `facts` (preparation_id, register_no, patient_id, patient_name,
    line_id, drug, planned_date, expires_at, chain_status, chain_label) must not be recorded
    for this patient's step (`line_id`; None: any step of the day). `giving`: recorded as
    given (release and expiry checked); else only that it is this patient's."""
    what = f"{facts['preparation_id']} (n° {facts['register_no']}, {facts['drug']})"
    if facts["patient_id"] != patient_id:
        return [Problem(
            code="label_other_patient",
            message=f"NE PAS ADMINISTRER — ÉTIQUETTE D'UN AUTRE PATIENT : la préparation {what} "
                    f"est celle de {facts['patient_name']} (IPP {facts['patient_id']}), pas de "
                    f"{patient_name} (IPP {patient_id}). Mettez-la de côté et prévenez la "
                    "pharmacie.",
        )]
    if facts["planned_date"] != day:
        return [Problem(
            code="label_other_day",
            message=f"NE PAS ADMINISTRER — la préparation {what} est prévue le "
                    f"{french.day(facts['planned_date'])}, pas le {french.day(day)} : "
                    "vérifiez le jour du plan et prévenez la pharmacie.",
        )]
    if line_id is not None and facts["line_id"] != line_id:
        return [Problem(
            code="label_other_step",
            message=f"NE PAS ADMINISTRER — la préparation {what} n'est pas celle de l'étape "
                    f"« {step_title} » : scannez l'étiquette de la préparation de cette étape.",
        )]
    if not giving:
        return []
    problems = []
    status = facts["chain_status"]
    again = replacing is not None and replacing.preparation_id == facts["preparation_id"]
    if status in ("given", "partial") and not again:
        problems.append(Problem(
            code="label_already_given",
            message=f"NE PAS ADMINISTRER — la préparation {what} est déjà enregistrée comme "
                    f"{facts['chain_label']} : une préparation n'est donnée qu'une fois "
                    "(corrigez l'enregistrement existant s'il est faux).",
        ))
    elif status not in RELEASED and not (again and status in ("given", "partial")):
        problems.append(Problem(
            code="label_not_released",
            message=f"NE PAS ADMINISTRER — la préparation {what} est « {facts['chain_label']} »,"
                    " pas libérée par un pharmacien : mettez-la de côté et appelez la pharmacie.",
        ))
    expires = facts["expires_at"]
    if expires is None:
        problems.append(Problem(
            code="label_expiry_unknown",
            message=f"NE PAS ADMINISTRER — péremption de la préparation {what} inconnue : "
                    "appelez la pharmacie.",
        ))
    elif expires <= moment:
        problems.append(Problem(
            code="label_expired",
            message=f"NE PAS ADMINISTRER — préparation {what} périmée depuis le "
                    f"{french.moment(expires)} : mettez-la de côté et prévenez la pharmacie "
                    "(une nouvelle préparation est nécessaire).",
        ))
    return problems


# --- what a record must hold ------------------------------------------------------------------

def _text(value: str | None) -> str:
    return (value or "").strip()


def record_problems(
    request: RecordRequest,
    *,
    planned_date: date,
    now: datetime,
    compounded: bool,
    current: AdmRecord | None,
    replacing: AdmRecord | None,
) -> list[Problem]:
    """Every reason the record cannot be kept as sent (the preparation label is checked apart,
    label_problems). `current`: the record that closes the step now; `replacing`: the record
    this one corrects."""
    r, problems = request, []

    def refuse(code: str, message: str) -> None:
        problems.append(Problem(code=code, message=message))

    timed = r.outcome in (Outcome.GIVEN, Outcome.PARTIAL, Outcome.INCIDENT)
    if timed and r.started_at is None:
        what = "l'heure de l'incident" if r.outcome == Outcome.INCIDENT else "l'heure de début"
        refuse(code="administration_time_missing", message=f"Saisissez {what}.")
    for label, moment in (("début", r.started_at), ("fin", r.ended_at)):
        if moment is not None and moment > now + FUTURE_MARGIN:
            refuse(code="administration_time_future", message=(
                f"Heure de {label} dans le futur ({french.moment(moment)}) : saisissez "
                "l'heure réelle."))
    if r.started_at and r.ended_at and r.ended_at < r.started_at:
        refuse(code="administration_end_before_start", message=(
            "L'heure de fin est avant l'heure de début : corrigez l'une ou l'autre."))
    if r.started_at is not None:
        last = planned_date + timedelta(
            days=INCIDENT_DAYS_AFTER if r.outcome == Outcome.INCIDENT else 0)
        if not planned_date <= r.started_at.date() <= last:
            refuse(code="administration_wrong_day", message=(
                f"Heure du {french.day(r.started_at)} : cette étape est prévue le "
                f"{french.day(planned_date)}. Une administration un autre jour demande que le "
                "prescripteur déplace le jour du cycle."))
    if r.outcome == Outcome.PARTIAL and not _text(r.amount_given):
        refuse(code="administration_partial_amount_missing", message=(
            "Administrée en partie : écrivez ce qui a été administré (volume, dose ou durée) "
            "et pourquoi l'administration s'est arrêtée."))
    if r.outcome == Outcome.NOT_GIVEN and not _text(r.reason):
        refuse(code="administration_not_given_reason_missing", message=(
            "Non administrée : le motif est obligatoire (il part au prescripteur et au "
            "pharmacien)."))
    if r.outcome == Outcome.INCIDENT and not (_text(r.incident) and _text(r.action_taken)):
        refuse(code="administration_incident_incomplete", message=(
            "Incident : décrivez ce qui s'est passé et ce qui a été fait (les deux)."))
    if r.from_paper and not _text(r.given_by_name):
        refuse(code="administration_paper_nurse_missing", message=(
            "Saisie d'après le plan papier : écrivez le nom de l'infirmier(e) qui a signé "
            "l'étape sur le plan."))
    giving = r.outcome in (Outcome.GIVEN, Outcome.PARTIAL)
    if giving and not r.from_paper and not r.checks_done:
        refuse(code="administration_checks_not_done", message=(
            "Cochez les vérifications faites avant d'administrer : identité, péremption, "
            "aspect et voie."))
    if giving and compounded and not _text(r.preparation_code):
        refuse(code="administration_label_not_scanned", message=(
            "Préparation de la pharmacie : scannez (ou tapez) le numéro de son étiquette "
            "(FAB…) avant d'enregistrer l'administration."))
    if not compounded and _text(r.preparation_code):
        refuse(code="administration_label_unexpected", message=(
            "Cette étape n'a pas de préparation de la pharmacie : l'étiquette scannée est celle "
            "d'une autre étape. Vérifiez ce que vous administrez."))
    recorded = (f"Étape déjà enregistrée ({current.outcome_label}, n° {current.record_id})"
                if current is not None else "")
    if r.replaces_id is None:
        if r.outcome in CLOSING and current is not None:
            refuse(code="administration_already_recorded", message=(
                f"{recorded} : pour la changer, corrigez cet enregistrement."))
    else:
        if replacing is None:
            refuse(code="administration_correction_unknown", message=(
                f"L'enregistrement n° {r.replaces_id} n'existe pas pour cette étape."))
        elif replacing.replaced:
            refuse(code="administration_correction_stale", message=(
                f"L'enregistrement n° {r.replaces_id} a déjà été corrigé : corrigez le plus "
                "récent."))
        elif (r.outcome in CLOSING and current is not None
              and current.record_id != replacing.record_id):
            refuse(code="administration_already_recorded", message=(
                f"{recorded} : corrigez cet enregistrement-là."))
        if not _text(r.correction_reason):
            refuse(code="administration_correction_reason_missing", message=(
                "Correction : le motif est obligatoire (l'enregistrement corrigé reste "
                "visible)."))
    return problems
