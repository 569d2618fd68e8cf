"""Body measures derived from height and weight: the body mass index (a plausibility check on the
pair) and the weight Cockcroft-Gault is computed with (a site setting).

- BMI = weight (kg) / height (m)². A pair below 10 or above 120 kg/m² does not exist in a living
  patient (the most extreme published values sit around 12 and 105): it is a typing error, often
  height and weight swapped or a wrong unit, and no dose is computed from it.
- Ideal body weight, Devine (1974): 50 kg (men) or 45,5 kg (women) + 0,9 kg per cm above
  152,4 cm (5 feet); below 152,4 cm the same line is extended (it subtracts). The pharmacy uses
  the lower of the ideal and the actual weight: an ideal weight above what the patient weighs
  would overestimate the clearance, hence the carboplatin dose.
- Adjusted body weight = ideal + 0,4 × (actual − ideal), used only for an obese patient
  (BMI ≥ 30); below 30 the actual weight is used.

Weights and the BMI are rounded half-up to 0,1 as printed, so that the arithmetic on the sheet
can be redone by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback.dosing import formulas as f
from chemo_fallback.french import format_number_fr

BMI_PLAUSIBLE_KG_M2 = (10.0, 120.0)  # inclusive; outside, the pair is refused
OBESITY_BMI_KG_M2 = 30.0  # from this BMI on, the "adjusted" setting adjusts
DEVINE_BASE_KG = {"M": 50.0, "F": 45.5}
DEVINE_FROM_CM = 152.4
DEVINE_KG_PER_CM = 0.9
ADJUSTMENT_FACTOR = 0.4
CG_WEIGHT_SETTINGS = ("actual", "ideal", "adjusted")


def body_mass_index(height_cm: float, weight_kg: float) -> float:
    """kg/m², full precision."""
    height = f.check_height_cm(height_cm)
    weight = f.check_weight_kg(weight_kg)
    return weight / (height / 100.0) ** 2


def check_bmi(height_cm: float, weight_kg: float) -> float:
    """The BMI, or a French refusal when the pair is physiologically impossible."""
    bmi = body_mass_index(height_cm, weight_kg)
    low, high = BMI_PLAUSIBLE_KG_M2
    if bmi < low or bmi > high:
        raise f.DoseInputError(
            f"Taille et poids incompatibles : {format_number_fr(height_cm, 1)} cm et "
            f"{format_number_fr(weight_kg, 2)} kg donnent un indice de masse corporelle de "
            f"{format_number_fr(bmi, 2)} kg/m², physiologiquement impossible (limites : "
            f"{format_number_fr(low, 0)} à {format_number_fr(high, 0)} kg/m²). Vérifiez la taille "
            "(en cm) et le poids (en kg), et qu'ils n'ont pas été inversés. Aucune dose n'est "
            "calculée.",
            code="dose_bmi_impossible",
        )
    return bmi


def ideal_body_weight_devine(height_cm: float, sex: str) -> float:
    """Devine's ideal body weight in kg, rounded to 0,1 kg."""
    height = f.check_height_cm(height_cm)
    base = DEVINE_BASE_KG[f.check_sex(sex)]
    ideal = f.half_up(base + DEVINE_KG_PER_CM * (height - DEVINE_FROM_CM), 1)
    # Extended far below 152,4 cm the line reaches zero: no ideal weight, nothing guessed.
    try:
        return f.check_number(
            ideal,
            f"Le poids idéal de Devine pour {format_number_fr(height, 1)} cm",
            "kg",
            f.WEIGHT_RANGE_KG[0],
            advice=(
                "la formule de Devine ne s'applique pas à cette taille ; saisissez un DFG mesuré "
                "ou faites calculer la clairance au poids réel"
            ),
        )
    except f.DoseInputError as error:
        raise f.DoseInputError(str(error), code="dose_ideal_weight_undefined") from None


@dataclass(frozen=True)
class ClearanceWeight:
    weight_kg: float  # the weight Cockcroft-Gault uses
    kind: str  # "actual", "ideal" or "adjusted": the weight actually used
    text: str  # French, for the clearance step


def cockcroft_gault_weight(
    setting: str, weight_kg: float, height_cm: float | None, sex: str
) -> ClearanceWeight:
    """The weight for Cockcroft-Gault under the site's setting, and how it was chosen."""
    if setting not in CG_WEIGHT_SETTINGS:
        raise f.DoseInputError(
            f"Poids de Cockcroft-Gault « {setting} » inconnu : le paramètre du site doit valoir "
            "« actual » (poids réel), « ideal » (poids idéal) ou « adjusted » (poids ajusté).",
            code="dose_cg_weight_setting_unknown",
        )
    actual = f.check_weight_kg(weight_kg)
    shown_actual = f"poids réel {format_number_fr(actual, 2)} kg"
    if setting == "actual":
        return ClearanceWeight(actual, "actual", shown_actual)
    if height_cm is None:
        raise f.DoseInputError(
            "Clairance de Cockcroft-Gault au poids idéal ou ajusté (paramètre du site) : la "
            "taille est nécessaire. Saisissez la taille du patient sur son dossier.",
            code="dose_cg_weight_needs_height",
        )
    ideal = ideal_body_weight_devine(height_cm, sex)
    ideal_text = f"poids idéal (Devine) {format_number_fr(ideal, 1)} kg"
    bmi = f.half_up(check_bmi(height_cm, actual), 1)
    if setting == "ideal":
        if actual < ideal:
            return ClearanceWeight(
                actual, "actual", f"{shown_actual}, inférieur au {ideal_text}"
            )
        return ClearanceWeight(ideal, "ideal", f"{ideal_text}, {shown_actual}")
    bmi_text = f"IMC {format_number_fr(bmi, 1)} kg/m²"
    if bmi < OBESITY_BMI_KG_M2:
        return ClearanceWeight(
            actual, "actual", f"{shown_actual} ({bmi_text} < 30 : pas d'ajustement)"
        )
    adjusted = f.half_up(ideal + ADJUSTMENT_FACTOR * (actual - ideal), 1)
    return ClearanceWeight(
        adjusted,
        "adjusted",
        (
            f"poids ajusté {format_number_fr(adjusted, 1)} kg ({bmi_text} ≥ 30 : idéal "
            f"(Devine) {format_number_fr(ideal, 1)} kg + 0,4 × ({format_number_fr(actual, 2)} − "
            f"{format_number_fr(ideal, 1)}))"
        ),
    )
