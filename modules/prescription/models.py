"""What a prescription is, as the fallback records it. Pure pydantic models: no database, no UI.

A prescription covers one cycle of one protocol for one patient; its lines are one per protocol
line and per day of administration (R-CHOP's prednisone D1–5 gives five lines), each with its
dose and the whole derivation the dose engine returned.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chemo_fallback.dosing import LineDose
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.drug_rules import DrugSafety
from chemo_fallback.patients.models import PatientIdentity


class PrescriptionError(ChemoFallbackError):
    """A use case refused: the French message says what is wrong and what to do."""


class Status(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    VALIDATED = "validated"  # by the pharmacy (validation module)
    REJECTED = "rejected"  # by the pharmacy (validation module)
    # a pharmaceutical intervention: the pharmacist asks the prescriber for a change (not a
    # refusal); the prescriber answers with a corrected version
    CHANGE_REQUESTED = "change_requested"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"  # a corrected version replaced it


STATUS_LABELS = {
    Status.DRAFT: "brouillon",
    Status.SIGNED: "signée, à valider",
    Status.VALIDATED: "validée",
    Status.REJECTED: "refusée par la pharmacie",
    Status.CHANGE_REQUESTED: "modification demandée",
    Status.CANCELLED: "annulée",
    Status.SUPERSEDED: "remplacée par une version corrigée",
}

# Allowed moves; anything else is refused. Past draft the content is read-only: a correction is
# a new version, and the old one moves to "superseded" when the correction is signed.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SIGNED, Status.CANCELLED}),
    Status.SIGNED: frozenset(
        {Status.VALIDATED, Status.REJECTED, Status.CHANGE_REQUESTED, Status.CANCELLED,
         Status.SUPERSEDED}
    ),
    Status.VALIDATED: frozenset({Status.CANCELLED, Status.SUPERSEDED}),
    Status.REJECTED: frozenset({Status.CANCELLED, Status.SUPERSEDED}),
    Status.CHANGE_REQUESTED: frozenset({Status.CANCELLED, Status.SUPERSEDED}),
    Status.CANCELLED: frozenset(),
    Status.SUPERSEDED: frozenset(),
}
CORRECTABLE = frozenset(
    {Status.SIGNED, Status.VALIDATED, Status.REJECTED, Status.CHANGE_REQUESTED}
)

LINE_KIND_LABELS = {
    "chemotherapy": "chimiothérapie",
    "premedication": "prémédication",
    "hydration": "hydratation",
    "supportive": "soins de support",
}
DILUENT_LABELS = {"NACL09": "NaCl 0,9 %", "G5": "Glucose 5 %", "EPPI": "EPPI"}


class ProtocolLine(BaseModel):
    """A line of the snapshot's thesaurus, with what the products table says of its drug."""

    line_no: int
    line_kind: str
    drug_id: str | None
    drug_inn: str | None
    drug_known: bool  # the drug is in the snapshot's drugs table
    has_products: bool  # at least one product (presentation) of the drug
    liste_en_sus: bool  # a product of the drug is reimbursed on top of the stay
    label: str | None
    dose: float
    dose_basis: str
    days: str  # "1", "1-5", "1,8,15"
    route: str
    duration_min: float | None
    diluent: str | None
    volume_ml: float | None
    container: str | None
    max_dose: float | None
    comment: str | None
    drug_safety: DrugSafety | None = None  # the drug's routes, containers, maximum (snapshot)


class RejectedProtocolLine(BaseModel):
    """A line of the protocol the activation rejected: the protocol is incomplete."""

    line_no: str | None  # as written in the export (the row may not have been readable)
    reason: str  # French, from the activation report


class Protocol(BaseModel):
    protocol_id: str
    name: str
    cycle_length_days: int
    cycles_planned: int | None
    indication: str | None
    bsa_formula: str | None
    bsa_cap_m2: float | None
    lines: list[ProtocolLine] = []
    rejected_lines: list[RejectedProtocolLine] = []


class Prescriber(BaseModel):
    staff_id: str | None
    name: str
    transcribed: bool  # True: a pharmacist entered it in the prescriber's name


class MeasureUsed(BaseModel):
    value: float
    measured_on: date
    source: str  # French, e.g. "saisie dans le secours", "dossier patient (instantané)"


class DosingInputs(BaseModel):
    """What every dose of the prescription was computed from, frozen with it."""

    model_config = ConfigDict(frozen=True)

    computed_on: date
    height: MeasureUsed | None
    weight: MeasureUsed | None
    creatinine: MeasureUsed | None  # µmol/L
    age_years: int
    sex: str
    bsa_formula: str
    bsa_formula_source: str  # "protocole" or "site"
    bsa_cap_m2: float | None
    bsa_cap_source: str | None
    gfr_cap_ml_min: float | None
    weight_max_age_days: int
    # Issue 9, with defaults so that records stored before still load (they were computed so):
    age_on: date | None = None  # the first day of administration (earliest planned date)
    cockcroft_gault_weight: str = "actual"  # site setting: actual, ideal or adjusted
    creatinine_max_age_days: int = 7  # site setting, on the day of administration


class Line(BaseModel):
    line_id: str
    prescription_id: str
    line_no: int
    protocol_line_no: int | None
    line_kind: str
    drug_id: str | None
    drug_inn: str | None
    label: str | None
    day_no: int
    planned_date: date
    route: str | None
    duration_min: float | None
    diluent: str | None
    volume_ml: float | None
    container: str | None
    dose_basis: str
    protocol_dose: float
    max_dose: float | None
    liste_en_sus: bool
    comment: str | None = None
    # Set by the prescriber's changes and by the dose engine:
    modification_pct: float | None = None
    modification_reason: str | None = None
    final_dose: float | None = None  # None for a line without a dose (hydration)
    dose_unit: str | None = None
    derivation: LineDose | None = None
    off_protocol: bool = False
    off_protocol_reason: str | None = None
    indication_code: str | None = None

    @property
    def has_dose(self) -> bool:
        return self.final_dose is not None

    @property
    def title(self) -> str:
        return self.drug_inn or self.label or self.drug_id or "ligne sans libellé"


class Prescription(BaseModel):
    prescription_id: str
    rx_number: int
    version_no: int
    supersedes_id: str | None
    patient_id: str
    protocol_id: str
    protocol_name: str
    cycle_length_days: int
    cycle_no: int
    cycle_start_date: date
    ward_id: str | None
    prescriber: Prescriber
    status: Status
    dosing: DosingInputs
    created_at: datetime
    created_by: str
    created_by_name: str
    signed_at: datetime | None
    signed_by: str | None
    status_reason: str | None
    status_changed_at: datetime | None
    status_changed_by: str | None
    snapshot_prescription_id: str | None = None  # the production prescription it continues
    lines: list[Line] = []

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def editable(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def days(self) -> list[tuple[int, date]]:
        """The cycle's days in this prescription, with their planned date, in order."""
        return sorted({(line.day_no, line.planned_date) for line in self.lines})


class Note(BaseModel):
    note_id: int
    patient_id: str
    prescription_id: str | None
    text: str
    written_at: datetime
    author_name: str
    author_role: str


class DraftRequest(BaseModel):
    """What the prescriber chooses to start a prescription."""

    model_config = ConfigDict(frozen=True)

    patient_id: str
    protocol_id: str
    cycle_no: int
    cycle_start_date: date
    days: tuple[int, ...] | None = None  # None: every day of the protocol
    ward_id: str | None = None
    prescriber_staff_id: str | None = None  # required when a pharmacist transcribes
    snapshot_prescription_id: str | None = None  # taking over a production prescription


class OffProtocolLine(BaseModel):
    """A line added outside the protocol: always with a reason, always flagged."""

    model_config = ConfigDict(frozen=True)

    drug_id: str
    dose: float
    dose_basis: str
    day_no: int
    route: str
    reason: str
    duration_min: float | None = None
    diluent: str | None = None
    volume_ml: float | None = None
    container: str | None = None
    line_kind: str = "chemotherapy"


class ListEntry(BaseModel):
    """One row of the day's or the week's list: a prescription's day for one patient."""

    planned_date: date
    ward_id: str | None
    ward_name: str | None
    patient_id: str
    patient_name: str
    birth_date: date | None
    protocol_name: str
    cycle_no: int
    day_no: int
    prescription_id: str
    source: str  # "secours" or "instantané"
    status: str  # French label
    prescriber_name: str | None
    drugs: str
    continues: str | None = None  # a fallback row taking over this production prescription
    status_code: str | None = None  # the fallback's Status value (badge colour, filter)
    # On a prescription sent back by the pharmacy: who asked for what change, and when.
    question: str | None = None


class PatientContext(BaseModel):
    """What the new-prescription form shows of the patient before anything is computed."""

    identity: PatientIdentity
    height: MeasureUsed | None
    weight: MeasureUsed | None
    creatinine: MeasureUsed | None
    problems: list[str]  # missing or stale measurements, in French


# --- Who decided what, and why: the record's signatures, decisions and feux verts ----------

DECISION_LABELS = {
    "first_check": "premier contrôle pharmaceutique (double contrôle)",
    "validated": "validation pharmaceutique",
    "rejected": "refus de la pharmacie",
    "intervention": "modification demandée (intervention pharmaceutique)",
}


class SignatureShown(BaseModel):
    """One electronic signature of the prescription, as the signature service words it."""

    display_name: str
    role: str
    signed_at: datetime
    meaning: str
    text: str  # Signature.manifestation(): "Prescrit par … (médecin) le 23/11/2026 à …"


class LiftedPoint(BaseModel):
    """A blocking finding the pharmacist lifted, with the reason signed with the decision."""

    key: str
    message: str  # the finding as the pharmacist saw it (French)
    reason: str


class DecisionShown(BaseModel):
    """A pharmacist's decision on a prescription (table validation_decisions)."""

    prescription_id: str
    decision: str  # first_check, validated, rejected, intervention
    pharmacist_name: str
    decided_at: datetime
    reason: str | None = None  # refusal reason, or the intervention's question
    intervention_code: str | None = None
    intervention_label: str | None = None  # SFPC label of the intervention's code
    lifted: list[LiftedPoint] = []
    single_pharmacist: bool = False

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)

    @property
    def question(self) -> str:
        """An intervention's question: "<SFPC label> — <text>"."""
        parts = [p for p in (self.intervention_label, self.reason) if p]
        return " — ".join(parts)


class GoAheadShown(BaseModel):
    """The clinical team's day-of "feu vert" (OK chimio) for one day of the prescription."""

    day_no: int
    planned_date: date
    given_by: str
    given_at: datetime
    recorded_by_name: str
    recorded_at: datetime
    comment: str | None = None


class RecordTrail(BaseModel):
    """Everything signed or decided on one prescription: shown on its page, printed on its
    summary (stored with the print, so a reprint says what the record held then)."""

    signatures: list[SignatureShown] = []
    decisions: list[DecisionShown] = []
    go_aheads: list[GoAheadShown] = []
    # On a corrected version: the pharmacist's request for a change it answers.
    answers: DecisionShown | None = None
