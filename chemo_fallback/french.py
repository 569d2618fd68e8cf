"""Values written the French way, for every screen, message and PDF: numbers ("1,84", "2 400",
"156,4"), doses, quantities with their unit ("2 400 mg/m²"), percentages ("-20,5 %"), dates and
date-times. One formatter per kind of value: screens and printouts never format by hand.

Thousands are grouped with a no-break space (U+00A0) so that a printed dose never wraps in
the middle of a number; it exists in every Latin-1 font, including reportlab's built-in ones.
Rounding is half-up (1,25 → 1,3), as done by hand, never Python's banker's rounding.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def format_number_fr(value: float, max_decimals: int = 2) -> str:
    """`value` rounded half-up to at most `max_decimals`, trailing zeros dropped, French style."""
    quantum = Decimal(1).scaleb(-max_decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    sign = "-" if rounded < 0 else ""
    integer, _, decimals = f"{abs(rounded):f}".partition(".")
    decimals = decimals.rstrip("0")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = NBSP.join(groups)
    return f"{sign}{text},{decimals}" if decimals else f"{sign}{text}"


def dose_decimals(value: float) -> int:
    """How many decimals a dose of this size is printed with (format_dose_fr). The dose engine
    never records a dose with more (limits.round_to_step): what is printed is what is made."""
    size = abs(value)
    if size >= 100:
        return 1
    if size >= 10:
        return 2
    return 3


EXACT_DECIMALS = 6


def format_dose_fr(value: float) -> str:
    """A dose as it is: 4 416 / 156,4 / 12,35 / 2,392, and 177,65 for a theoretical dose not yet
    rounded (never 177,7: a printed step must show the value the next step starts from). A
    recorded dose has at most `dose_decimals` decimals (the rounding sees to it), so it prints
    short; only arithmetic beyond 6 decimals (a third) is rounded for print."""
    return format_number_fr(value, EXACT_DECIMALS)


# --- One formatter per kind of value, for every screen, message and PDF ---------------------

UNIT_LABELS = {
    "mg/m2": "mg/m²",
    "UI/m2": "UI/m²",
    "m2": "m²",
    "µg/m2": "µg/m²",
    "ug/m2": "µg/m²",
    "mcg/m2": "µg/m²",
}


def unit_label(unit: str | None) -> str:
    """A unit as printed: "mg/m2" → "mg/m²"."""
    return UNIT_LABELS.get(unit or "", unit or "")


def number(value: float | None, max_decimals: int = 2, *, fixed: bool = False) -> str:
    """A number French style ("2 400", "1,84"); `fixed` keeps trailing zeros ("83,70");
    None prints as "—" (a value that is not there is never printed as 0)."""
    if value is None:
        return "—"
    text = format_number_fr(value, max_decimals)
    if fixed and max_decimals > 0:
        integer, _, decimals = text.partition(",")
        text = f"{integer},{decimals.ljust(max_decimals, '0')}"
    return text


def quantity(value: float | None, unit: str | None, max_decimals: int = 2) -> str:
    """A value with its unit: "2 400 mg/m²", "1,84 m²", "83,7 kg"."""
    shown = unit_label(unit)
    return f"{number(value, max_decimals)}{NBSP}{shown}" if shown else number(value, max_decimals)


def dose(value: float | None, unit: str | None = None) -> str:
    """A dose as recorded (format_dose_fr), with its unit when given: "177,65 mg"."""
    if value is None:
        return "—"
    text = format_dose_fr(value)
    shown = unit_label(unit)
    return f"{text}{NBSP}{shown}" if shown else text


def percent(value: float | None, max_decimals: int = 1, *, signed: bool = False) -> str:
    """A percentage: "20,5 %", or with `signed` "+20,5 %" / "-20,5 %"."""
    if value is None:
        return "—"
    text = format_number_fr(abs(value) if signed else value, max_decimals)
    if signed:
        sign = "" if text == "0" else ("-" if value < 0 else "+")
        text = sign + text
    return f"{text}{NBSP}%"


def day(value: date | datetime | None) -> str:
    """A date: "23/11/2026"; None: "date inconnue"."""
    if value is None:
        return "date inconnue"
    return f"{value:%d/%m/%Y}"


def moment(value: datetime | None, *, seconds: bool = False) -> str:
    """A date-time: "23/11/2026 à 08:15" (with `seconds`, "08:15:42", for signatures)."""
    if value is None:
        return "date inconnue"
    clock = f"{value:%H:%M:%S}" if seconds else f"{value:%H:%M}"
    return f"{value:%d/%m/%Y} à {clock}"


def days(count: int) -> str:
    """A number of days, singular or plural: "1 jour", "0 jour", "14 jours"."""
    return f"{count} jour" if abs(count) < 2 else f"{count} jours"
