"""Vial scanning, properties: any valid GS1 element string of a demo vial (random lot and serial
from the GS1 character set, any order of the AIs, with the real separator or a site substitute,
with or without ]d2 and a trailing CR/LF) reads back exactly what was encoded; the one code that
cannot be told apart from a dropped separator is refused, never misread; and nothing a scanner
can type makes the parser fail otherwise than with a French refusal."""

from __future__ import annotations

import calendar
import csv
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chemo_fallback.modules.fabrication.scanning import (
    GS,
    ScannedVial,
    VialScanRefused,
    parse_vial_code,
)

PRODUCTS_CSV = Path(__file__).parent.parent / "snapshots" / "demo" / "products.csv"
with PRODUCTS_CSV.open(encoding="utf-8") as f:
    GTINS = sorted(row["gtin"] for row in csv.DictReader(f))

# GS1 character set 82 (GS1 General Specifications, figure 7.11-1): what AIs 10 and 21 allow.
CHARSET_82 = ("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
              "abcdefghijklmnopqrstuvwxyz")
# Substitutes a site may configure: none of their characters is in the GS1 set.
SUBSTITUTES = ["", "|", "^", "~", "#", "@@", "{}"]

field_text = st.text(alphabet=CHARSET_82, min_size=1, max_size=20)
# Two-digit years read in the current century by GS1's sliding window for decades to come.
expiries = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def vial_codes(draw, *, serial_always: bool = False):
    gtin = draw(st.sampled_from(GTINS))
    lot = draw(field_text)
    serial = draw(field_text) if serial_always else draw(st.none() | field_text)
    expiry = draw(st.none() | expiries)
    day_00 = expiry is not None and draw(st.booleans())
    fields = [("01", gtin, False), ("10", lot, True)]
    if expiry is not None:
        fields.append(("17", expiry.strftime("%y%m") + ("00" if day_00 else f"{expiry:%d}"),
                       False))
    if serial is not None:
        fields.append(("21", serial, True))
    fields = draw(st.permutations(fields))
    substitute = draw(st.sampled_from(SUBSTITUTES))
    separator = substitute or GS
    parts = []
    for index, (ai, value, variable) in enumerate(fields):
        parts.append(ai + value)
        if variable and index < len(fields) - 1:
            parts.append(separator)  # the GS1 rule: after a variable field, unless last
    typed = (draw(st.sampled_from(["", "]d2"])) + "".join(parts)
             + draw(st.sampled_from(["", "\r\n", "\n", "\r", " "])))
    if expiry is not None and day_00:
        expiry = expiry.replace(day=calendar.monthrange(expiry.year, expiry.month)[1])
    return typed, substitute, (gtin, lot, expiry, serial)


def _reading(vial: ScannedVial) -> tuple:
    return vial.gtin, vial.lot, vial.expiry, vial.serial


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(vial_codes(serial_always=True))
def test_every_fmd_code_round_trips(code) -> None:
    # Lot and serial both present (the EU falsified-medicines rule): there is always a
    # separator, and the reading is exactly what was encoded.
    typed, substitute, encoded = code
    vial = parse_vial_code(typed, separator_substitute=substitute)
    assert _reading(vial) == encoded
    assert vial.raw == typed.strip()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(vial_codes())
def test_every_valid_code_round_trips_or_is_refused_as_ambiguous(code) -> None:
    typed, substitute, encoded = code
    try:
        vial = parse_vial_code(typed, separator_substitute=substitute)
    except VialScanRefused as refused:
        # Only a code with no separator whose lot, last, ends with what reads as an expiry or a
        # serial the code does not carry: that is what a scanner dropping separators types.
        assert refused.code == "vial_code_ambiguous", str(refused)
        _gtin, lot, expiry, serial = encoded
        assert serial is None and GS not in typed and (not substitute or substitute not in typed)
        assert any(lot[i:].startswith(("21",) if expiry else ("17", "21"))
                   for i in range(1, len(lot)))
    else:
        assert _reading(vial) == encoded


@settings(max_examples=600)
@given(st.text(max_size=60) | st.text(alphabet=CHARSET_82 + GS + "]|\r\n", max_size=60),
       st.sampled_from(SUBSTITUTES))
def test_anything_typed_is_a_valid_vial_or_a_french_refusal(typed: str, substitute: str) -> None:
    try:
        vial = parse_vial_code(typed, separator_substitute=substitute)
    except VialScanRefused as refused:
        assert refused.code and str(refused)
    else:
        assert len(vial.gtin) == 14 and vial.gtin.isdigit() and vial.lot
