"""What the pharmaceutical validation works on and returns. Pure pydantic models.

`ValidationContext` holds everything the checks need for one prescription, gathered in batch
by the repository (snapshot history and labs plus the fallback's own records); the checks in
rules.py read nothing else. Each check returns findings instead of raising, so the pharmacist
sees every problem at once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.models import Prescription
from chemo_fallback.site_settings import SiteSettings


class ValidationError(ChemoFallbackError):
    """A decision refused: the French message says what is missing."""


class Severity(StrEnum):
    BLOCKING = "blocking"  # the validation is refused unless overridden with a reason
    WARNING = "warning"  # shown, acknowledged by validating
    INFO = "info"


SEVERITY_LABELS = {
    Severity.BLOCKING: "bloquant",
    Severity.WARNING: "attention",
    Severity.INFO: "information",
}


class Finding(BaseModel):
    """One problem found, with the values compared and where the threshold came from."""

    model_config = ConfigDict(frozen=True)

    code: str  # e.g. "dose_deviation", "labs_anc_low" (stable: overrides refer to it)
    severity: Severity
    message: str  # French, says what is wrong and what to check
    line_id: str | None = None  # the prescription line concerned, if one
    values: dict[str, float | str | None] = {}  # e.g. {"mesuré": 1.2, "seuil": 1.5}
    threshold_source: str | None = None  # "protocole", "produit", "site", …

    @property
    def key(self) -> str:
        """What an override names: the code, and the line when there is one."""
        return f"{self.code}:{self.line_id}" if self.line_id else self.code


class PreviousCycle(BaseModel):
    """An earlier cycle of the patient (any protocol), from the snapshot or the fallback."""

    prescription_id: str
    protocol_id: str
    cycle_no: int
    cycle_start_date: date
    height_cm: float | None
    weight_kg: float | None
    bsa_m2: float | None
    source: str  # "instantané" or "secours"


class GivenDose(BaseModel):
    """A dose of another prescription of the patient (not cancelled), for cumulative doses and
    duplicates. `bsa_m2` is the BSA of its prescription (for limits in mg/m²)."""

    prescription_id: str
    drug_id: str
    planned_date: date
    dose: float
    dose_unit: str
    bsa_m2: float | None
    status: str
    source: str  # "instantané" or "secours"


class LabValue(BaseModel):
    test_code: str  # PNN, PLQ, CREAT, CLCR, …
    value: float
    unit: str
    sampled_at: datetime


class DrugLimits(BaseModel):
    drug_id: str
    inn: str
    cumulative_limit: float | None
    cumulative_limit_unit: str | None  # mg/m2, mg, UI, UI/m2
    final_conc_min: float | None  # per mL, in the drug's dose unit
    final_conc_max: float | None


class ProtocolThresholds(BaseModel):
    protocol_id: str
    cycle_length_days: int
    anc_min_g_l: float | None
    platelets_min_g_l: float | None
    clearance_min_ml_min: float | None


class ValidationContext(BaseModel):
    prescription: Prescription
    protocol: ProtocolThresholds | None  # None: the protocol left the thesaurus
    drugs: dict[str, DrugLimits]  # every drug of the prescription's lines
    previous_cycles: list[PreviousCycle]  # the patient's other cycles, most recent first
    other_doses: list[GivenDose]  # the patient's doses in other prescriptions, any date
    labs: list[LabValue]  # the patient's results, most recent first
    settings: SiteSettings
    today: date


class Override(BaseModel):
    """A blocking finding the pharmacist accepts, with the reason (signed with the decision)."""

    model_config = ConfigDict(frozen=True)

    key: str  # Finding.key
    reason: str
