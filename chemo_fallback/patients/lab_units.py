"""Lab result units: every spelling a lab report or a snapshot uses, normalised to one unit per
test before anything is compared. Pure: no database, no UI. Used alike by the lab entry form,
by the creatinine dose calculations use and by the validation checks, so that 1 200 /mm³
neutrophils are 1,2 G/L everywhere.

A unit not listed here is never guessed at: `normalise` returns None and the caller refuses
(entry) or reports a blocking finding (validation, code labs_unit_unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The unit each test is compared in (the French lab report's usual one).
CANONICAL_UNITS: dict[str, str] = {
    "PNN": "G/L",
    "PLQ": "G/L",
    "LEUCO": "G/L",
    "HB": "g/dL",
    "CREAT": "µmol/L",
    "CLCR": "mL/min",
    "BILI": "µmol/L",
    "ASAT": "UI/L",
    "ALAT": "UI/L",
}

# Cell counts to G/L (= 10⁹/L): 1 /mm³ = 1 /µL = 10⁶/L = 0,001 G/L.
COUNT_FACTORS = {
    "g/l": 1.0,
    "giga/l": 1.0,
    "10^9/l": 1.0,
    "/mm^3": 0.001,
    "/ul": 0.001,
    "10^3/ul": 1.0,
    "10^3/mm^3": 1.0,
}
# Serum creatinine to µmol/L (molar mass 113,12 g/mol).
CREATININE_FACTORS = {"umol/l": 1.0, "mg/l": 8.84, "mg/dl": 88.4}
# Total bilirubin to µmol/L (molar mass 584,7 g/mol).
BILIRUBIN_FACTORS = {"umol/l": 1.0, "mg/l": 1.71, "mg/dl": 17.1}
# Haemoglobin to g/dL (1 mmol/L of the monomer = 1,611 g/dL).
HAEMOGLOBIN_FACTORS = {"g/dl": 1.0, "g/l": 0.1, "mmol/l": 1.611}
# Transaminases to UI/L (1 µkat/L = 60 UI/L).
ENZYME_FACTORS = {"ui/l": 1.0, "u/l": 1.0, "iu/l": 1.0, "ukat/l": 60.0}
# A clearance in mL/min only: mL/min/1,73 m² is an indexed eGFR, another quantity.
CLEARANCE_FACTORS = {"ml/min": 1.0}

FACTORS: dict[str, dict[str, float]] = {
    "PNN": COUNT_FACTORS,
    "PLQ": COUNT_FACTORS,
    "LEUCO": COUNT_FACTORS,
    "HB": HAEMOGLOBIN_FACTORS,
    "CREAT": CREATININE_FACTORS,
    "CLCR": CLEARANCE_FACTORS,
    "BILI": BILIRUBIN_FACTORS,
    "ASAT": ENZYME_FACTORS,
    "ALAT": ENZYME_FACTORS,
}

# What the entry form offers (chosen, never typed), canonical unit first.
_COUNTS = ("G/L", "10⁹/L", "/mm³", "/µL", "10³/µL")
ENTRY_UNITS: dict[str, tuple[str, ...]] = {
    "PNN": _COUNTS,
    "PLQ": _COUNTS,
    "LEUCO": _COUNTS,
    "HB": ("g/dL", "g/L", "mmol/L"),
    "CREAT": ("µmol/L", "mg/L", "mg/dL"),
    "CLCR": ("mL/min",),
    "BILI": ("µmol/L", "mg/L", "mg/dL"),
    "ASAT": ("UI/L",),
    "ALAT": ("UI/L",),
}

_SUPERSCRIPTS = {"⁹": "^9", "³": "^3", "⁶": "^6", "²": "^2", "µ": "u", "μ": "u"}


@dataclass(frozen=True)
class Normalised:
    value: float  # in `unit`
    unit: str  # the test's canonical unit
    converted: bool  # False when the result was already in the canonical unit


def unit_key(unit: str | None) -> str:
    """One spelling per unit: lower case, no spaces, µ as u, exponents as ^ ("10⁹/L", "10e9/l"
    and "x10^9/L" are all "10^9/l"; "/mm3" is "/mm^3")."""
    key = (unit or "").strip().lower()
    for sign, plain in _SUPERSCRIPTS.items():
        key = key.replace(sign, plain)
    key = re.sub(r"\s+", "", key)
    key = re.sub(r"^[x×*]", "", key)  # "x10^9/L", "×10⁹/L"
    key = re.sub(r"^10(?:e|\*\*|\^)(\d)", r"10^\1", key)
    return re.sub(r"mm\^?3$", "mm^3", key)


def normalise(test_code: str, value: float, unit: str | None) -> Normalised | None:
    """The result in its test's canonical unit, or None when the unit is unknown for this test
    (never guessed: the caller refuses or blocks)."""
    code = (test_code or "").strip().upper()
    factor = FACTORS.get(code, {}).get(unit_key(unit))
    if factor is None:
        return None
    return Normalised(
        value=round(value * factor, 6), unit=CANONICAL_UNITS[code], converted=factor != 1.0
    )


def known_unit(test_code: str, unit: str | None) -> bool:
    return normalise(test_code, 1.0, unit) is not None
