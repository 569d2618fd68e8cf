"""What the dose engine takes and returns. Pure pydantic models, units in names.

A request holds what was prescribed and measured; `compute_line_dose` checks every range and
refuses with a French `DoseInputError`. Building a request already refuses what is not a number
(a bool, a text), in French too, so no pydantic message in English reaches a user.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from chemo_fallback.dosing.formulas import DEFAULT_GFR_CAP_ML_MIN, DoseInputError, check_number

# basis code → (unit of the resulting dose, what the dose is multiplied by)
BASES: dict[str, tuple[str, str]] = {
    "mg/m2": ("mg", "bsa"),
    "UI/m2": ("UI", "bsa"),
    "mg/kg": ("mg", "weight"),
    "UI/kg": ("UI", "weight"),
    "AUC": ("mg", "auc"),
    "mg": ("mg", "flat"),
    "UI": ("UI", "flat"),
}
BASIS_LABELS = {"mg/m2": "mg/m²", "UI/m2": "UI/m²", "AUC": "ASC"}
BSA_FORMULAS = {"mosteller": "Mosteller", "dubois": "DuBois"}

# French names of the numeric fields, for refusals raised while building a request.
NUMBER_LABELS = {
    "protocol_dose": "La dose du protocole",
    "height_cm": "La taille",
    "weight_kg": "Le poids",
    "bsa_cap_m2": "Le plafond de surface corporelle",
    "gfr_ml_min": "Le DFG",
    "age_years": "L'âge",
    "serum_creatinine_umol_l": "La créatininémie",
    "gfr_cap_ml_min": "Le plafond de DFG",
    "modification_pct": "Le pourcentage de modification",
    "max_dose_per_dose": "La dose maximale par administration",
    "max_dose_per_cycle": "La dose maximale par cycle",
    "already_given_this_cycle": "La dose déjà administrée sur le cycle",
    "rounding_step": "Le pas d'arrondi",
    "band_tolerance_pct": "La tolérance des doses standardisées",
    "rounding_tolerance_pct": "La tolérance de l'arrondi",
}
# Whole numbers of days: refused in French unless an int (pydantic's strict message is English).
DAY_LABELS = {"creatinine_max_age_days": "L'ancienneté maximale de la créatininémie"}
DATE_LABELS = {
    "creatinine_sampled_on": "La date de la créatininémie",
    "administration_date": "La date d'administration",
}


class LineDoseRequest(BaseModel):
    """One prescription line to dose. Maxima, already given dose, step and bands are in the
    unit of the resulting dose (mg, or UI)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    protocol_dose: float  # in the unit of `basis`
    basis: str  # one of BASES
    height_cm: float | None = None
    weight_kg: float | None = None
    bsa_formula: str = "mosteller"  # protocol or site setting
    bsa_cap_m2: float | None = None  # protocol or site setting; None = no cap
    gfr_ml_min: float | None = None  # given (measured, or from the lab); wins over Cockcroft-Gault
    age_years: float | None = None
    serum_creatinine_umol_l: float | None = None
    sex: str | None = None  # "M" or "F"
    gfr_cap_ml_min: float | None = DEFAULT_GFR_CAP_ML_MIN  # site setting; None = no cap
    modification_pct: float | None = None  # −20 = reduction of 20 %, +10 = increase of 10 %
    modification_reason: str | None = None
    max_dose_per_dose: float | None = None
    max_dose_per_cycle: float | None = None
    already_given_this_cycle: float = 0.0
    rounding_step: float | None = None
    dose_bands: tuple[float, ...] | None = None
    band_tolerance_pct: float = 5.0  # largest gap allowed between a dose and its band
    # Added for issue 9 (all optional, defaults keep earlier callers working):
    # rounding never moves the dose by more than this (the site's dose_tolerance_pct); when the
    # step would, a finer step (step/10, repeatedly) is used and the step says so.
    rounding_tolerance_pct: float = 5.0
    # Cockcroft-Gault weight (site setting): "actual", "ideal" (Devine) or "adjusted" (BMI ≥ 30)
    cockcroft_gault_weight: str = "actual"
    # When either date is given, a Cockcroft-Gault AUC dose checks the creatinine's age on the
    # day of administration and refuses it beyond `creatinine_max_age_days` (site setting).
    creatinine_sampled_on: date | None = None
    administration_date: date | None = None
    creatinine_max_age_days: int = 7

    @model_validator(mode="before")
    @classmethod
    def _refuse_what_is_not_a_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, label in NUMBER_LABELS.items():
            if data.get(name) is not None:
                check_number(data[name], label, "")
        bands = data.get("dose_bands")
        if bands is not None:
            if isinstance(bands, str) or not hasattr(bands, "__iter__"):
                raise DoseInputError(
                    "Les doses standardisées doivent être une liste de doses : vérifiez le "
                    "paramétrage du protocole."
                )
            data["dose_bands"] = tuple(bands)
            for band in data["dose_bands"]:
                check_number(band, "Une dose standardisée", "")
        for name, label in DAY_LABELS.items():
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise DoseInputError(
                    f"{label} doit être un nombre entier de jours (reçu : « {value} ») : "
                    "vérifiez le paramétrage du site."
                )
        for name, label in DATE_LABELS.items():
            value = data.get(name)
            if value is not None and (type(value) is not date):
                raise DoseInputError(f"{label} doit être une date (reçu : « {value} »).")
        return data


class DoseStep(BaseModel):
    """One visible step of the calculation, in the order it was applied."""

    model_config = ConfigDict(frozen=True)

    rule: str  # bsa, bsa_cap, gfr, gfr_cap, theoretical, max_per_dose, max_per_cycle,
    # modification, (max_per_dose or max_per_cycle again), rounding, banding
    value: float
    unit: str  # m2, kg, mL/min, mg, UI
    description: str  # French, for the screen and the fabrication sheet


class LineDose(BaseModel):
    """The dose to prepare and how it was reached."""

    model_config = ConfigDict(frozen=True)

    final_dose: float
    unit: str  # mg or UI
    steps: list[DoseStep]
    basis: str
    protocol_dose: float
    theoretical_dose: float
    dose_before_rounding: float
    bsa_formula: str | None = None
    bsa_computed_m2: float | None = None  # before the cap
    bsa_m2: float | None = None  # the one used
    bsa_cap_m2: float | None = None
    weight_kg: float | None = None
    gfr_source: str | None = None  # "given" or "cockcroft_gault"
    gfr_computed_ml_min: float | None = None  # before the cap
    gfr_ml_min: float | None = None  # the one used
    gfr_cap_ml_min: float | None = None
    modification_pct: float | None = None
    modification_reason: str | None = None
    dose_limit: float | None = None  # the smaller of the maxima, if any
    dose_limit_rule: str | None = None  # max_per_dose or max_per_cycle
    # Added for issue 9 (optional: derivations stored before still load)
    bmi_kg_m2: float | None = None  # whenever height and weight are both known
    gfr_weight_kg: float | None = None  # the weight Cockcroft-Gault used
    gfr_weight_kind: str | None = None  # "actual", "ideal" or "adjusted"
    creatinine_sampled_on: date | None = None
    dose_before_modification: float | None = None  # theoretical, capped by the maxima
