"""Numbers written the French way, for screens and fabrication sheets: "1,84", "2 400", "156,4".

Thousands are grouped with a no-break space (U+00A0) so that a printed dose never wraps in
the middle of a number; it exists in every Latin-1 font, including reportlab's built-in ones.
Rounding is half-up (1,25 → 1,3), as done by hand, never Python's banker's rounding.
"""

from __future__ import annotations

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
