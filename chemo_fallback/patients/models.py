"""What the patient services return. Pure pydantic models: no database, no UI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from chemo_fallback.errors import ChemoFallbackError

# Status codes of prescriptions, prescription lines and preparations, as the user reads them.
STATUS_LABELS = {
    "planned": "prévu",
    "validated": "validé",
    "prepared": "préparé",
    "administered": "administré",
    "cancelled": "annulé",
    "released": "libéré",
    "destroyed": "détruit",
}
SEX_LABELS = {"F": "Femme", "M": "Homme"}
LAB_LABELS = {
    "PNN": "Polynucléaires neutrophiles (PNN)",
    "PLQ": "Plaquettes (PLQ)",
    "HB": "Hémoglobine (HB)",
    "LEUCO": "Leucocytes",
    "CREAT": "Créatinine",
    "CLCR": "Clairance de la créatinine",
    "BILI": "Bilirubine",
    "ASAT": "ASAT",
    "ALAT": "ALAT",
}


def status_label(code: str | None) -> str:
    """French label of a status code; an unknown code is shown as is rather than hidden."""
    if code is None:
        return "—"
    return STATUS_LABELS.get(code, code)


NO_SNAPSHOT = (
    "Aucun instantané actif : un administrateur doit d'abord activer le dernier export de la "
    "base de production."
)


class PatientNotFound(ChemoFallbackError):
    """No patient with this IPP in the active snapshot nor among those created locally."""


class InvalidEntry(ChemoFallbackError):
    """What was entered is refused; `problems` lists every problem (French), not the first;
    `codes`, the stable codes of the rules that refused (docs/clinical-rules.md), when known."""

    def __init__(self, problems: list[str], codes: list[str] | None = None) -> None:
        super().__init__(" ".join(problems), code=(codes or [None])[0])
        self.problems = problems
        self.codes = codes or []


class NeedsConfirmation(ChemoFallbackError):
    """What was entered is possible but unusual (a BMI of 62, a creatinine implying a clearance
    too high for the age): it is recorded only when submitted again with an explicit
    confirmation and its reason, kept with the record and in the audit trail."""

    def __init__(self, questions: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(text for _code, text in questions), code=questions[0][0])
        self.questions = questions  # (code, French question)

    @property
    def codes(self) -> list[str]:
        return [code for code, _text in self.questions]


class PossibleDuplicates(ChemoFallbackError):
    """A patient with the same birth date and a similar name exists: creating another one
    needs the user's written confirmation that it is a different person."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        who = (
            "Un patient existant pourrait être la même personne"
            if len(candidates) == 1
            else f"{len(candidates)} patients existants pourraient être la même personne"
        )
        super().__init__(
            f"{who} (même date de naissance, nom proche). Ouvrez chaque dossier pour vérifier ; "
            "si c'est bien un autre patient, confirmez en indiquant pourquoi."
        )
        self.candidates = candidates


class NoActiveSnapshot(ChemoFallbackError):
    """Nothing to search or read until an administrator activates a snapshot."""


PatientSource = Literal["snapshot", "local"]  # local: created in the fallback during the outage
LOCAL_MARK = "créé pendant la panne"


class PatientHit(BaseModel):
    """One line of the search results: enough to tell homonyms apart."""

    patient_id: str
    last_name: str
    first_name: str
    birth_name: str | None
    sex: str
    birth_date: date
    ward_id: str | None
    ward_name: str | None
    source: PatientSource = "snapshot"


SearchKind = Literal["invalid", "none", "found", "more"]


class SearchOutcome(BaseModel):
    """The hits, capped, and the French sentence to show above them."""

    kind: SearchKind
    message: str
    hits: list[PatientHit] = []
    limit: int = 0

    @property
    def more(self) -> bool:
        """True when there were more matches than shown: the user should refine."""
        return self.kind == "more"


class PatientIdentity(BaseModel):
    patient_id: str
    last_name: str
    first_name: str
    birth_name: str | None
    sex: str
    birth_date: date
    age_years: int
    ward_id: str | None
    ward_name: str | None
    source: PatientSource = "snapshot"

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, self.sex)

    @property
    def born_word(self) -> str:
        return "née" if self.sex == "F" else "né"


class NewPatient(BaseModel):
    """What the "Nouveau patient" form sends; checked by rules.new_patient_problems."""

    last_name: str = ""
    first_name: str = ""
    birth_name: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    ward_id: str | None = None


class DuplicateCandidate(BaseModel):
    """An existing patient who may be the one being created, and why (French)."""

    patient: PatientHit
    reasons: list[str]


class Measurement(BaseModel):
    """One height/weight record, from the patient file or from a prescription."""

    measured_on: date | None
    height_cm: float | None
    weight_kg: float | None
    bsa_m2: float | None
    bsa_computed: bool  # True when the snapshot had no BSA and Mosteller's formula gave it
    source: Literal["patient", "prescription"]
    prescription_id: str | None = None
    protocol_name: str | None = None
    cycle_no: int | None = None


class PreparationRef(BaseModel):
    register_no: int
    status: str
    prepared_at: datetime

    @property
    def status_label(self) -> str:
        return status_label(self.status)


class PrescriptionLineView(BaseModel):
    line_id: str
    day_no: int
    planned_date: date
    drug_id: str
    drug_inn: str | None
    dose: float
    dose_unit: str
    route: str | None
    modification_pct: float | None
    status: str
    preparations: list[PreparationRef] = []

    @property
    def status_label(self) -> str:
        return status_label(self.status)


class PrescriptionView(BaseModel):
    prescription_id: str
    protocol_id: str
    protocol_name: str | None
    cycle_no: int
    cycle_start_date: date
    cycle_end_date: date | None  # last day of the cycle, from the protocol's cycle length
    status: str
    prescriber_name: str | None
    height_cm: float | None
    weight_kg: float | None
    bsa_m2: float | None
    prescribed_at: datetime | None
    lines: list[PrescriptionLineView] = []

    @property
    def status_label(self) -> str:
        return status_label(self.status)


class LabResult(BaseModel):
    test_code: str
    value: float
    unit: str
    sampled_at: datetime
    source: Literal["snapshot", "fallback"] = "snapshot"
    reference: str | None = None  # the fallback's result n°

    @property
    def label(self) -> str:
        return LAB_LABELS.get(self.test_code, self.test_code)


MeasurementKind = Literal["height", "weight", "creatinine"]
ValueSource = Literal[
    "fallback", "fallback_lab", "snapshot_patient", "snapshot_prescription", "snapshot_lab"
]


class MeasuredValue(BaseModel):
    """The value dosing uses for one kind of measurement, and where it comes from."""

    value: float
    unit: str  # cm, kg, µmol/L
    measured_on: date
    source: ValueSource
    label_fr: str  # e.g. "saisie pendant la panne (n° 3, par Paul Garnier)"
    reference: str | None = None  # measurement n°, prescription or lab result id


class LatestMeasurements(BaseModel):
    """The latest dated value of each kind across the fallback's records and the snapshot;
    None when there is none. On the same date the fallback's own record wins."""

    height: MeasuredValue | None = None  # cm
    weight: MeasuredValue | None = None  # kg
    creatinine: MeasuredValue | None = None  # µmol/L
    # French: results left aside (a creatinine in an unknown unit), shown wherever used
    notes: list[str] = []


class RecordedMeasurement(BaseModel):
    """One row of patient_measurements, with who replaced it if it was corrected."""

    measurement_id: int
    patient_id: str
    kind: MeasurementKind
    value: float
    unit: str
    measured_on: date
    recorded_at: datetime
    recorded_by: str
    recorded_by_name: str
    comment: str | None = None
    replaces_id: int | None = None
    replace_reason: str | None = None
    confirm_codes: str | None = None  # the questions confirmed at entry (e.g. "bmi_unusual")
    confirm_reason: str | None = None
    replaced_by: int | None = None  # the correction that replaced this one
    replaced_by_lab: int | None = None  # an old creatinine corrected by a lab result (CREAT)

    @property
    def replaced(self) -> bool:
        return self.replaced_by is not None or self.replaced_by_lab is not None


class RejectedLabResult(BaseModel):
    """A lab result of the snapshot rejected at activation (reference table
    lab_result_rejects), as the export wrote it: shown marked rejected, never used."""

    lab_id: str | None
    test_code: str | None
    value: str | None  # as read
    unit: str | None
    sampled_at: datetime | None  # None: missing or unreadable (then sampled_at_text)
    sampled_at_text: str | None
    reason: str

    @property
    def label(self) -> str:
        code = self.test_code or "?"
        return LAB_LABELS.get(code, code)


class RecordedLab(BaseModel):
    """One row of patient_lab_results: the result as typed and normalised, who entered it."""

    lab_record_id: int
    patient_id: str
    test_code: str
    value: float  # as typed, in `unit`
    unit: str
    value_normalised: float  # in `unit_normalised`, what doses and checks use
    unit_normalised: str
    sampled_at: datetime
    recorded_at: datetime
    recorded_by: str
    recorded_by_name: str
    comment: str | None = None
    replaces_id: int | None = None  # the wrong lab result this one corrects
    replaces_measurement_id: int | None = None  # or an old creatinine measurement
    replace_reason: str | None = None
    confirm_codes: str | None = None
    confirm_reason: str | None = None
    replaced_by: int | None = None

    @property
    def replaced(self) -> bool:
        return self.replaced_by is not None

    @property
    def label(self) -> str:
        return LAB_LABELS.get(self.test_code, self.test_code)


class PatientRecord(BaseModel):
    as_of: date  # the day "current" and the age refer to
    identity: PatientIdentity
    latest: LatestMeasurements = LatestMeasurements()
    recorded: list[RecordedMeasurement] = []  # the fallback's own, most recent first
    recorded_labs: list[RecordedLab] = []  # lab results entered in the fallback, newest first
    measurements: list[Measurement]  # the snapshot's height/weight, most recent first
    current: list[PrescriptionView]  # cycles ongoing or to come, soonest first
    history: list[PrescriptionView]  # past and cancelled cycles, most recent first
    latest_labs: list[LabResult]  # the latest result of each test
    lab_history: list[LabResult]  # most recent first, capped
    rejected_labs: list[RejectedLabResult] = []  # rejected at activation, most recent first
