"""What the administration plans and records are. Pure pydantic models: no database, no UI.

A plan is one patient's day: the lines of their validated prescriptions planned that day, in
order, each a step with its planned start and end (rules.py), its preparation when it is
compounded, and what was recorded for it (adm_records: never edited, a correction is a new
record pointing at the one it replaces)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.models import PatientIdentity


class AdministrationRefused(ChemoFallbackError):
    """Nothing was recorded; the French message says what is wrong and what to do."""


class LabelRefused(AdministrationRefused):
    """The scanned preparation label must not be given to this patient for this step."""


class Outcome(StrEnum):
    GIVEN = "given"
    PARTIAL = "partial"
    NOT_GIVEN = "not_given"
    INCIDENT = "incident"


OUTCOME_LABELS = {
    Outcome.GIVEN: "administrée",
    Outcome.PARTIAL: "administrée en partie",
    Outcome.NOT_GIVEN: "non administrée",
    Outcome.INCIDENT: "incident",
}
# The outcomes that close a step (one at a time); incidents come on top of them.
CLOSING = (Outcome.GIVEN, Outcome.PARTIAL, Outcome.NOT_GIVEN)
FROM_PAPER_MARK = "saisi d'après le plan papier signé"

# Before giving (arrêté du 6 avril 2011, art. 13): what the nurse checks, printed per step.
CHECKS = (
    ("identity", "Identité",
     "nom, prénom, date de naissance et IPP du bracelet = étiquette = plan"),
    ("expiry", "Péremption", "date et heure de péremption de l'étiquette non dépassées"),
    ("appearance", "Aspect",
     "limpide, sans particule ni changement de couleur, contenant intact"),
    ("route", "Voie", "voie de l'étiquette = voie prescrite sur le plan"),
)


class Problem(BaseModel):
    """One reason a record is refused (every one is listed at once)."""

    model_config = ConfigDict(frozen=True)
    code: str
    message: str


class TimingNote(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    blocking: bool  # True: do not give as planned (the message says what to do)
    message: str


class TimingLine(BaseModel):
    """What the timing rules read of a step."""

    model_config = ConfigDict(frozen=True)
    line_id: str
    line_no: int
    protocol_line_no: int | None = None
    runs_with_line_no: int | None = None  # the protocol line this one runs together with
    route: str | None
    duration_min: float | None
    volume_ml: float | None = None
    volume_source: str | None = None  # "préparation" or "prescription"
    container: str | None = None


class StepTiming(BaseModel):
    model_config = ConfigDict(frozen=True)
    line_id: str
    start: datetime
    end: datetime
    duration_min: float  # the prescribed one, or the default one (duration_default)
    duration_default: bool
    rate_ml_h: float | None  # None: no volume or no prescribed duration
    together_with: str | None = None  # the line_id of the step it starts with
    continues: bool = False  # a portable pump: the next steps do not wait for its end
    notes: tuple[TimingNote, ...] = ()

    @property
    def blocking(self) -> bool:
        return any(n.blocking for n in self.notes)


class AdmRecord(BaseModel):
    """One row of adm_records."""

    record_id: int
    prescription_id: str
    line_id: str
    patient_id: str
    planned_date: date
    outcome: Outcome
    preparation_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    given_by_name: str | None
    amount_given: str | None
    reason: str | None
    incident: str | None
    action_taken: str | None
    from_paper: bool
    entered_at: datetime
    entered_by: str
    entered_by_name: str
    replaces_id: int | None
    replaced: bool = False  # a later record corrects this one

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


class StepPreparation(BaseModel):
    """The preparation of a compounded step (its latest not cancelled one)."""

    preparation_id: str
    register_no: int
    expires_at: datetime | None
    final_volume_ml: float | None
    chain_status: str  # a key of release.chain.CHAIN_LABELS
    chain_label: str


class PlanStep(BaseModel):
    line_id: str
    prescription_id: str
    line_no: int
    line_kind: str
    title: str  # the drug's INN, or the hydration's label
    dose: str  # "178 mg", or "—"
    route: str | None
    duration_min: float | None
    diluent: str | None
    volume_ml: float | None  # what the rate uses (preparation, else prescription)
    volume_source: str | None
    container: str | None
    comment: str | None
    compounded: bool  # made by the pharmacy: its label is scanned before giving
    preparation: StepPreparation | None
    timing: StepTiming
    records: list[AdmRecord] = []  # every record of the step, first first

    @property
    def heading(self) -> str:
        """"OXALIPLATINE 178 mg"; a line without dose (hydration) by its label as written."""
        return f"{self.title.upper()} {self.dose}" if self.dose != "—" else self.title

    @property
    def current(self) -> AdmRecord | None:
        """The record that closes the step now (given, partly, not given), if any."""
        closing = [r for r in self.records if not r.replaced and r.outcome in CLOSING]
        return closing[-1] if closing else None

    @property
    def incidents(self) -> list[AdmRecord]:
        return [r for r in self.records if not r.replaced and r.outcome == Outcome.INCIDENT]


class PlanPrescription(BaseModel):
    prescription_id: str
    protocol_name: str
    cycle_no: int
    day_no: int
    prescriber_name: str
    ward_id: str | None


class PatientPlan(BaseModel):
    patient_id: str
    day: date
    identity: PatientIdentity | None  # None: unknown to the snapshot and to the fallback
    ward_id: str | None
    ward_name: str | None
    first_start: datetime
    prescriptions: list[PlanPrescription]
    steps: list[PlanStep]

    @property
    def patient_name(self) -> str:
        if self.identity is None:
            return f"Patient {self.patient_id} introuvable"
        return f"{self.identity.last_name.upper()} {self.identity.first_name}"

    def step(self, line_id: str) -> PlanStep | None:
        return next((s for s in self.steps if s.line_id == line_id), None)


class WardPatient(BaseModel):
    """One row of the ward's day: a patient with a plan that day."""

    patient_id: str
    patient_name: str
    birth_date: date | None
    ward_id: str | None
    protocols: str  # "mFOLFOX6 C6 J1"
    steps: int
    closed: int  # steps given, partly given or not given
    not_given: int
    incidents: int


class NotGiven(BaseModel):
    """A dose not given: the prescriber and the pharmacist are told (their lists)."""

    record_id: int
    patient_id: str
    patient_name: str
    ward_id: str | None
    prescription_id: str
    protocol_name: str
    cycle_no: int
    day_no: int
    planned_date: date
    drug: str
    dose: str
    reason: str
    given_by_name: str | None
    entered_at: datetime
    entered_by_name: str
    from_paper: bool


class RecordRequest(BaseModel):
    """What the recording form sends for one step."""

    model_config = ConfigDict(frozen=True)
    line_id: str
    outcome: Outcome
    preparation_code: str | None = None  # the label's barcode, as scanned or typed
    started_at: datetime | None = None
    ended_at: datetime | None = None
    given_by_name: str | None = None  # from the paper plan: who signed it
    amount_given: str | None = None
    reason: str | None = None
    incident: str | None = None
    action_taken: str | None = None
    from_paper: bool = False
    checks_done: bool = False  # identity, expiry, appearance and route checked (bedside)
    replaces_id: int | None = None
    correction_reason: str | None = None
