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
from chemo_fallback.modules.prescription.drug_rules import DrugSafety
from chemo_fallback.modules.prescription.models import Prescription
from chemo_fallback.patients.models import LatestMeasurements
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
    # False for a never-event (drug_rules.NEVER_EVENTS): no override lifts it, the
    # prescription must be rejected or corrected.
    liftable: bool = True

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
    first_day: date | None = None  # its first day of administration (a day may be moved)
    protocol_name: str | None = None  # "mFOLFOX6": how messages name it (the code: None)


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
    # What the previous-cycle comparison needs: the line's recorded modification (%) and the
    # protocol line it came from (5-FU bolus and pump are two lines of the same drug).
    modification_pct: float | None = None
    modification_reason: str | None = None  # its reason, for the message
    protocol_line_no: int | None = None
    # What its full dose was computed from, to see a reduction recorded without its %
    # (a production export of 121 mg on 1,89 m² at 80 mg/m²): the basis and protocol dose
    # (snapshot: its protocol line; fallback: the line), the weight and the GFR used.
    dose_basis: str | None = None
    protocol_dose: float | None = None
    weight_kg: float | None = None
    gfr_ml_min: float | None = None


class LabValue(BaseModel):
    """A lab result as reported or typed (the checks normalise its unit: lab_units)."""

    test_code: str  # PNN, PLQ, CREAT, CLCR, …
    value: float
    unit: str
    sampled_at: datetime
    source: str = "instantané"  # or "secours" (entered during the outage)
    reference: str | None = None  # the snapshot's lab_id or the fallback's result n°


class RejectedLab(BaseModel):
    """A lab result of the snapshot rejected at activation (snapshot table lab_result_rejects):
    what the export said, as read, and why it was refused. It never feeds a comparison; a
    newer one than the result a check uses blocks (checks_rejected)."""

    test_code: str | None  # as read, the site's code mapped
    value_text: str | None  # as read (may be unreadable: "1 200")
    value: float | None  # when readable
    unit: str | None
    sampled_at: datetime | None  # None: missing or unreadable
    sampled_at_text: str | None  # as read
    reason: str  # French, the activation's
    reference: str | None = None  # its lab_id


class DrugLimits(BaseModel):
    drug_id: str
    inn: str
    cumulative_limit: float | None
    cumulative_limit_unit: str | None  # mg/m2, mg, UI, UI/m2
    dose_unit: str | None = None  # mg or UI: the unit its doses are prescribed in
    ui_per_mg: float | None = None  # mg ↔ UI for cumulative doses (bleomycin: 1 000)
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
    # The drugs some protocol line of the thesaurus gives as chemotherapy (a line of one of
    # them typed otherwise still calls for the blood-count thresholds: checks_common)
    chemotherapy_drugs: frozenset[str] = frozenset()
    # Every drug of the lines, for the drug-level rules (missing: the drug left the snapshot)
    drug_safety: dict[str, DrugSafety] = {}
    previous_cycles: list[PreviousCycle]  # the patient's other cycles, most recent first
    other_doses: list[GivenDose]  # the patient's doses in other prescriptions, any date
    labs: list[LabValue]  # the patient's results, most recent first
    # The patient's lab results rejected at activation (a newer one than a result used blocks)
    rejected_labs: list[RejectedLab] = []
    settings: SiteSettings
    today: date
    # The patient's latest height, weight and creatinine (patients.measurements), to see one
    # recorded after the doses were computed (checks_measurements). None: not read.
    latest_measurements: LatestMeasurements | None = None


class Override(BaseModel):
    """A blocking finding the pharmacist accepts, with the reason (signed with the decision)."""

    model_config = ConfigDict(frozen=True)

    key: str  # Finding.key
    reason: str
