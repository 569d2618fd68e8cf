"""Body surface area, creatinine clearance and Calvert: the published formulas, nothing else.

Every input is checked before any arithmetic: a value out of physiological range, NaN,
infinite, a bool or a string is refused with a `DoseInputError` whose French message says what
is wrong and what to do. Results are full-precision floats; rounding for display is the
caller's business (see `french.py`).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real

from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_number_fr

HEIGHT_RANGE_CM = (30.0, 250.0)
WEIGHT_RANGE_KG = (0.5, 350.0)
AGE_RANGE_YEARS = (0.0, 120.0)
CREATININE_RANGE_UMOL_L = (10.0, 2000.0)
AUC_MAX = 12.0  # mg/mL·min; the lower bound 0 is exclusive
GFR_MAX_ML_MIN = 300.0  # the lower bound 0 is exclusive
DEFAULT_GFR_CAP_ML_MIN = 125.0

# Cockcroft-Gault with creatinine in µmol/L: 1.23 for men, 1.04 for women.
COCKCROFT_GAULT_K = {"M": 1.23, "F": 1.04}


class DoseInputError(ChemoFallbackError):
    """A dose cannot be computed from these inputs; `str(error)` is the French reason."""


def half_up(value: float, decimals: int) -> float:
    """Rounded half-up as done by hand (1,25 → 1,3): every printed intermediate (BSA 0,01 m²,
    clearance 0,1 mL/min, weights 0,1 kg) is used as printed."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def check_number(
    value: object,
    label: str,
    unit: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_exclusive: bool = False,
    advice: str = "vérifiez la saisie",
) -> float:
    """The value as a float, or a DoseInputError naming the field, its limits and what to do.

    `label` starts with a capital and carries its article ("La taille", "Le poids").
    """
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise DoseInputError(
            f"{label} doit être un nombre (reçu : « {value} ») : {advice}.",
            code="dose_input_not_a_number",
        )
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise DoseInputError(
            f"{label} n'est pas un nombre fini : {advice}.", code="dose_input_not_a_number"
        )
    suffix = f" {unit}" if unit else ""
    shown = f"{format_number_fr(number, 4)}{suffix}"
    too_low = low is not None and (number <= low if low_exclusive else number < low)
    too_high = high is not None and number > high
    if too_low or too_high:
        if low is not None and high is not None:
            if low_exclusive:
                bounds = (
                    f"supérieur à {format_number_fr(low, 4)} et au plus "
                    f"{format_number_fr(high, 4)}{suffix}"
                )
            else:
                bounds = f"entre {format_number_fr(low, 4)} et {format_number_fr(high, 4)}{suffix}"
        elif low is not None:
            word = "supérieur à" if low_exclusive else "au moins"
            bounds = f"{word} {format_number_fr(low, 4)}{suffix}"
        else:
            bounds = f"au plus {format_number_fr(high or 0.0, 4)}{suffix}"
        raise DoseInputError(
            f"{label} ({shown}) est hors des limites acceptées ({bounds}) : {advice}. "
            "Aucune dose n'est calculée.",
            code="dose_input_out_of_range",
        )
    return number


def check_height_cm(height_cm: object) -> float:
    low, high = HEIGHT_RANGE_CM
    return check_number(
        height_cm,
        "La taille",
        "cm",
        low,
        high,
        advice="vérifiez la mesure et son unité (centimètres)",
    )


def check_weight_kg(weight_kg: object) -> float:
    low, high = WEIGHT_RANGE_KG
    return check_number(
        weight_kg,
        "Le poids",
        "kg",
        low,
        high,
        advice="vérifiez la pesée et son unité (kilogrammes)",
    )


def check_age_years(age_years: object) -> float:
    low, high = AGE_RANGE_YEARS
    return check_number(
        age_years, "L'âge", "ans", low, high, advice="vérifiez la date de naissance"
    )


def check_creatinine_umol_l(creatinine: object) -> float:
    low, high = CREATININE_RANGE_UMOL_L
    return check_number(
        creatinine,
        "La créatininémie",
        "µmol/L",
        low,
        high,
        advice="vérifiez le résultat et son unité (µmol/L, pas mg/L ni mg/dL)",
    )


def check_sex(sex: object) -> str:
    if sex not in COCKCROFT_GAULT_K:
        raise DoseInputError(
            f"Sexe « {sex} » non reconnu pour la formule de Cockcroft-Gault : indiquez « M » "
            "(homme) ou « F » (femme), ou saisissez directement un DFG mesuré.",
            code="dose_sex_unknown",
        )
    return str(sex)


def check_gfr_ml_min(gfr_ml_min: object, label: str = "Le DFG") -> float:
    return check_number(
        gfr_ml_min,
        label,
        "mL/min",
        0.0,
        GFR_MAX_ML_MIN,
        low_exclusive=True,
        advice="vérifiez la clairance de la créatinine (mL/min)",
    )


def check_gfr_cap_ml_min(gfr_cap_ml_min: object) -> float:
    return check_number(
        gfr_cap_ml_min,
        "Le plafond de DFG",
        "mL/min",
        0.0,
        GFR_MAX_ML_MIN,
        low_exclusive=True,
        advice="vérifiez le paramètre du protocole ou du site",
    )


def check_auc(target_auc: object) -> float:
    return check_number(
        target_auc,
        "L'ASC cible",
        "mg/mL·min",
        0.0,
        AUC_MAX,
        low_exclusive=True,
        advice="vérifiez l'ASC prescrite (en général entre 2 et 7)",
    )


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m², Mosteller (1987): √(height_cm × weight_kg / 3600)."""
    height = check_height_cm(height_cm)
    weight = check_weight_kg(weight_kg)
    return math.sqrt(height * weight / 3600.0)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m², DuBois & DuBois (1916): 0.007184 × W^0.425 × H^0.725."""
    height = check_height_cm(height_cm)
    weight = check_weight_kg(weight_kg)
    return 0.007184 * weight**0.425 * height**0.725


def creatinine_clearance_cockcroft_gault(
    age_years: float, weight_kg: float, serum_creatinine_umol_l: float, sex: str
) -> float:
    """Creatinine clearance in mL/min: (140 − age) × weight × k / creatinine (µmol/L)."""
    age = check_age_years(age_years)
    weight = check_weight_kg(weight_kg)
    creatinine = check_creatinine_umol_l(serum_creatinine_umol_l)
    k = COCKCROFT_GAULT_K[check_sex(sex)]
    return (140.0 - age) * weight * k / creatinine


def carboplatin_dose_calvert(
    target_auc: float, gfr_ml_min: float, gfr_cap_ml_min: float | None = DEFAULT_GFR_CAP_ML_MIN
) -> float:
    """Carboplatin dose in mg, Calvert (1989): AUC × (min(GFR, cap) + 25).

    `gfr_cap_ml_min=None` means no cap (a site setting, always shown to the user).
    """
    auc = check_auc(target_auc)
    gfr = check_gfr_ml_min(gfr_ml_min)
    if gfr_cap_ml_min is not None:
        gfr = min(gfr, check_gfr_cap_ml_min(gfr_cap_ml_min))
    return auc * (gfr + 25.0)
