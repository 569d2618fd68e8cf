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
    """No patient with this IPP in the active snapshot."""


class NoActiveSnapshot(ChemoFallbackError):
    """Nothing to search or read until an administrator activates a snapshot."""


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

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, self.sex)

    @property
    def born_word(self) -> str:
        return "née" if self.sex == "F" else "né"


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

    @property
    def label(self) -> str:
        return LAB_LABELS.get(self.test_code, self.test_code)


class PatientRecord(BaseModel):
    as_of: date  # the day "current" and the age refer to
    identity: PatientIdentity
    measurements: list[Measurement]  # most recent first
    current: list[PrescriptionView]  # cycles ongoing or to come, soonest first
    history: list[PrescriptionView]  # past and cancelled cycles, most recent first
    latest_labs: list[LabResult]  # the latest result of each test
    lab_history: list[LabResult]  # most recent first, capped
