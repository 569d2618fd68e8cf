"""The dose engine: pure Python (pydantic and the standard library only, a test proves it).
Its numbers are printed by chemo_fallback.french.

formulas.py   BSA (Mosteller, DuBois), Cockcroft-Gault, Calvert; input checks; DoseInputError
body.py       BMI (plausibility 10–120 kg/m²), Devine ideal and adjusted weights for Cockcroft-Gault
clearance.py  the GFR of an AUC dose: given, or Cockcroft-Gault (site weight, creatinine age)
models.py     LineDoseRequest, DoseStep, LineDose (pydantic, units in names)
line_dose.py  compute_line_dose: theoretical → maxima → modification → maxima → rounding
checks.py     every input of a line dose checked (French refusals) before any computation
limits.py     the maxima (per dose, per cycle), rounding within the tolerance, dose banding
"""

from chemo_fallback.dosing.body import (
    body_mass_index,
    cockcroft_gault_weight,
    ideal_body_weight_devine,
)
from chemo_fallback.dosing.formulas import (
    DoseInputError,
    bsa_dubois,
    bsa_mosteller,
    carboplatin_dose_calvert,
    creatinine_clearance_cockcroft_gault,
)
from chemo_fallback.dosing.line_dose import compute_line_dose
from chemo_fallback.dosing.models import BASES, DoseStep, LineDose, LineDoseRequest
from chemo_fallback.french import format_dose_fr, format_number_fr

__all__ = [
    "BASES",
    "DoseInputError",
    "DoseStep",
    "LineDose",
    "LineDoseRequest",
    "body_mass_index",
    "bsa_dubois",
    "bsa_mosteller",
    "carboplatin_dose_calvert",
    "cockcroft_gault_weight",
    "compute_line_dose",
    "creatinine_clearance_cockcroft_gault",
    "format_dose_fr",
    "format_number_fr",
    "ideal_body_weight_devine",
]
