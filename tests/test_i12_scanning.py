"""Vial scanning, pure (issue 12 item 6): real GS1 element strings built from the demo products'
GTINs, as a keyboard-wedge scanner types them, read by parse_vial_code and checked by
check_vial before a vial is recorded against a preparation."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from chemo_fallback.modules.fabrication.scanning import (
    GS,
    ScannedVial,
    VialScanRefused,
    check_vial,
    merge_lot_expiry,
    parse_vial_code,
)

PRODUCTS_CSV = Path(__file__).parent.parent / "snapshots" / "demo" / "products.csv"
NOW = datetime(2026, 11, 23, 8, 15)
PREPARATION_EXPIRES = datetime(2026, 11, 25, 14, 0)


def _products() -> dict[str, tuple[str, str]]:
    with PRODUCTS_CSV.open(encoding="utf-8") as f:
        return {row["product_id"]: (row["gtin"], row["name"]) for row in csv.DictReader(f)}


PRODUCTS = _products()
OXALI_100_GTIN, OXALI_100_NAME = PRODUCTS["OXALIPLATINE-100MG"]
OXALI_50_GTIN, OXALI_50_NAME = PRODUCTS["OXALIPLATINE-50MG"]
FLUORO_GTIN, FLUORO_NAME = PRODUCTS["FLUOROURACILE-500MG"]
OXALIPLATIN = {OXALI_50_GTIN: OXALI_50_NAME, OXALI_100_GTIN: OXALI_100_NAME}


def _refused(text: str, code: str, *, substitute: str = "") -> str:
    with pytest.raises(VialScanRefused) as caught:
        parse_vial_code(text, separator_substitute=substitute)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


def _check(scanned: ScannedVial, **kwargs) -> date:
    arguments = {"expected_gtins": OXALIPLATIN, "preparation_expires_at": PREPARATION_EXPIRES,
                 "used_serials": set(), "now": NOW, **kwargs}
    return check_vial(scanned, **arguments)


def _check_refused(scanned: ScannedVial, code: str, **kwargs) -> str:
    with pytest.raises(VialScanRefused) as caught:
        _check(scanned, **kwargs)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


def test_the_demo_gtins_are_valid_gtin14() -> None:
    from biip.gtin import Gtin

    for gtin, _name in PRODUCTS.values():
        assert len(gtin) == 14
        assert Gtin.parse(gtin).as_gtin_14() == gtin


# --- what the scanner types -------------------------------------------------------------

FMD = f"01{OXALI_100_GTIN}17270630" + "10B24X07" + GS + "21PX8K2M5Q"  # lot, GS, serial


def _is_the_fmd_vial(vial: ScannedVial) -> None:
    assert (vial.gtin, vial.lot, vial.expiry, vial.serial) == (
        OXALI_100_GTIN, "B24X07", date(2027, 6, 30), "PX8K2M5Q")
    assert vial.hri == f"(01){OXALI_100_GTIN}(17)270630(10)B24X07(21)PX8K2M5Q"


def test_valid_code_with_the_group_separator() -> None:
    vial = parse_vial_code(FMD)
    _is_the_fmd_vial(vial)
    assert vial.raw == FMD


@pytest.mark.parametrize("prefix", ["]d2", "]C1", "]Q3", "]e0"])
def test_valid_code_with_a_gs1_symbology_prefix(prefix: str) -> None:
    _is_the_fmd_vial(parse_vial_code(prefix + FMD))


@pytest.mark.parametrize("typed", [FMD + "\r\n", FMD + "\n", FMD + "\r", "  " + FMD + " \t\n",
                                   "]d2" + GS + FMD + "\r\n", GS + FMD + GS])
def test_surrounding_whitespace_crlf_and_leading_separator(typed: str) -> None:
    vial = parse_vial_code(typed)
    _is_the_fmd_vial(vial)
    assert vial.raw == typed.strip()


@pytest.mark.parametrize("substitute", ["|", "^", "~~", "{G}"])
def test_valid_code_with_the_site_substitute(substitute: str) -> None:
    typed = "]d2" + FMD.replace(GS, substitute) + "\r\n"
    vial = parse_vial_code(typed, separator_substitute=substitute)
    _is_the_fmd_vial(vial)
    assert vial.raw == typed.strip()  # what was typed, kept as typed


def test_the_real_separator_still_works_when_a_substitute_is_configured() -> None:
    _is_the_fmd_vial(parse_vial_code(FMD, separator_substitute="|"))


def test_a_substitute_the_site_did_not_declare_is_refused_and_named() -> None:
    message = _refused(FMD.replace(GS, "|"), "vial_code_unreadable")
    assert "« | »" in message and "gs1_separator_substitute" in message


def test_serial_first_then_lot_last() -> None:
    typed = f"01{OXALI_100_GTIN}21PX8K2M5Q" + GS + "1727063010B24X07"
    vial = parse_vial_code(typed)
    assert (vial.lot, vial.serial, vial.expiry) == ("B24X07", "PX8K2M5Q", date(2027, 6, 30))


def test_without_separator_when_the_lot_is_the_only_variable_field_and_last() -> None:
    vial = parse_vial_code(f"]d201{OXALI_100_GTIN}1727063010B24X07")
    assert (vial.gtin, vial.lot, vial.expiry, vial.serial) == (
        OXALI_100_GTIN, "B24X07", date(2027, 6, 30), None)
    # a lot whose end reads as the AIs it already carries is not ambiguous
    assert parse_vial_code(f"01{OXALI_100_GTIN}1727063010L1001").lot == "L1001"
    assert parse_vial_code(f"01{OXALI_100_GTIN}172706301024A17261130").lot == "24A17261130"


def test_expiry_day_00_is_the_last_day_of_the_month() -> None:
    assert parse_vial_code(f"01{OXALI_100_GTIN}17270200" + "10B1").expiry == date(2027, 2, 28)
    assert parse_vial_code(f"01{OXALI_100_GTIN}17280200" + "10B1").expiry == date(2028, 2, 29)
    assert parse_vial_code(f"01{OXALI_100_GTIN}17261200" + "10B1").expiry == date(2026, 12, 31)


def test_a_code_without_expiry_nor_serial() -> None:
    vial = parse_vial_code(f"01{FLUORO_GTIN}10K9")
    assert (vial.gtin, vial.lot, vial.expiry, vial.serial) == (FLUORO_GTIN, "K9", None, None)


# --- refused codes ----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["", "   ", "\r\n", GS, "||"])
def test_empty_is_refused(typed: str) -> None:
    message = _refused(typed, "vial_code_unreadable", substitute="|")
    assert "Aucun code reçu" in message


@pytest.mark.parametrize("typed", ["bonjour", "Oxaliplatine 100 mg", "01ABC", "]d2",
                                   "]d2hello", f"01{OXALI_100_GTIN}17271330" + "10B1",
                                   f"01{OXALI_100_GTIN}17270632" + "10B1",
                                   "https://id.gs1.org/01/" + OXALI_100_GTIN])
def test_garbage_is_refused_with_what_to_do(typed: str) -> None:
    message = _refused(typed, "vial_code_unreadable")
    assert message.startswith("Code illisible")
    assert "DataMatrix du flacon" in message and "à la main" in message


def test_a_non_gs1_symbology_prefix_is_refused() -> None:
    message = _refused("]d1" + FMD, "vial_code_unreadable")
    assert "]d1" in message and "GS1" in message
    _refused("]C0" + FMD, "vial_code_unreadable")
    _refused("]zz" + FMD, "vial_code_unreadable")
    _refused("]J1" + FMD, "vial_code_unreadable")  # GS1 DotCode: biip 5.2 does not read it


def test_a_qwerty_scanner_on_an_azerty_keyboard_is_named() -> None:
    typed = "à&ç'àà" + "é"  # "0190002" typed unshifted on AZERTY
    message = _refused(typed, "vial_code_unreadable")
    assert "QWERTY" in message and "AZERTY" in message


@pytest.mark.parametrize("typed", ["3400846031744", OXALI_100_GTIN, "]E03400846031744",
                                   "]I1" + OXALI_100_GTIN, "3400846031745"])
def test_a_linear_barcode_alone_is_refused(typed: str) -> None:
    message = _refused(typed, "vial_code_linear")
    assert "linéaire" in message and "DataMatrix" in message
    if typed.endswith("744"):
        assert OXALI_100_GTIN in message


def test_bad_gtin_check_digit_is_refused() -> None:
    bad = OXALI_100_GTIN[:-1] + str((int(OXALI_100_GTIN[-1]) + 1) % 10)
    message = _refused(f"01{bad}17270630" + "10B24X07", "vial_gtin_invalid")
    assert bad in message and "chiffre de contrôle" in message


def test_no_gtin_is_refused() -> None:
    message = _refused("17270630" + "10B24X07" + GS + "21PX8K2M5Q", "vial_gtin_missing")
    assert "(01)" in message


def test_missing_lot_is_refused() -> None:
    message = _refused(f"]d201{OXALI_100_GTIN}17270630" + "21PX8K2M5Q", "vial_lot_missing")
    assert "lot" in message and "tracé" in message and OXALI_100_GTIN in message


def test_lot_swallowing_the_serial_without_separator_is_refused_not_misread() -> None:
    # The FMD code of test_valid_code…, from a scanner that drops the separator: read by the GS1
    # rules the lot would be "B24X0721PX8K2M5Q"; refused rather than recorded with a wrong lot.
    message = _refused(FMD.replace(GS, ""), "vial_code_ambiguous")
    assert "(10)B24X07 suivi de (21)PX8K2M5Q" in message
    assert "séparateur" in message and "gs1_separator_substitute" in message


def test_lot_swallowing_the_expiry_without_separator_is_refused() -> None:
    message = _refused(f"01{OXALI_100_GTIN}10B24X0717270630", "vial_code_ambiguous")
    assert "(17)270630" in message


def test_serial_swallowing_the_lot_without_separator_is_refused_as_ambiguous() -> None:
    _refused(f"01{OXALI_100_GTIN}1727063021PX8K2M5Q10B24X07", "vial_code_ambiguous")


def test_the_same_ai_twice_with_two_values_is_refused() -> None:
    typed = f"01{OXALI_100_GTIN}10B1" + GS + "10B2"
    message = _refused(typed, "vial_code_ambiguous")
    assert "B1" in message and "B2" in message


def test_garbage_never_raises_anything_but_a_refusal() -> None:
    for typed in ["\x00", "]", "]]]]", "01", "0" * 200, "(01)" + OXALI_100_GTIN + "(10)B1",
                  "\x1d\x1d01", "é" * 50, "01" + "9" * 14 + "10" + "x" * 30]:
        with pytest.raises(VialScanRefused):
            parse_vial_code(typed)


def test_human_readable_form_is_not_a_scan() -> None:
    # What is printed under the code, typed by hand with parentheses: refused, lot by hand.
    _refused(f"(01){OXALI_100_GTIN}(17)270630(10)B24X07", "vial_code_unreadable")


# --- checks before recording ------------------------------------------------------------

def _vial(gtin: str = OXALI_100_GTIN, *, lot: str = "B24X07", expiry: date | None = None,
          serial: str | None = "PX8K2M5Q") -> ScannedVial:
    expiry = expiry if expiry is not None else date(2027, 6, 30)
    code = f"01{gtin}17{expiry:%y%m%d}10{lot}" + (GS + f"21{serial}" if serial else "")
    return parse_vial_code(code)


def test_the_expected_product_passes_and_its_expiry_is_returned() -> None:
    assert _check(_vial()) == date(2027, 6, 30)


def test_wrong_product_names_the_scanned_gtin_and_the_expected_products() -> None:
    message = _check_refused(_vial(FLUORO_GTIN), "vial_wrong_product")
    assert FLUORO_GTIN in message
    assert OXALI_50_NAME in message and OXALI_100_NAME in message
    named = _check_refused(_vial(FLUORO_GTIN), "vial_wrong_product",
                           catalog={g: n for g, n in PRODUCTS.values()})
    assert FLUORO_NAME in named


def test_no_expected_gtin_cannot_be_checked() -> None:
    _check_refused(_vial(), "vial_expected_gtin_unknown", expected_gtins={})


def test_expired_vial_is_refused() -> None:
    message = _check_refused(_vial(expiry=date(2026, 11, 22)), "vial_expired")
    assert "22/11/2026" in message and "B24X07" in message


def test_a_vial_expiring_today_is_usable_today() -> None:
    prep_today = datetime(2026, 11, 23, 18, 0)
    assert _check(_vial(expiry=date(2026, 11, 23)), preparation_expires_at=prep_today) == date(
        2026, 11, 23)


def test_vial_expiring_before_the_preparation_is_refused() -> None:
    message = _check_refused(_vial(expiry=date(2026, 11, 24)), "vial_expires_before_preparation")
    assert "24/11/2026" in message and "25/11/2026 à 14:00" in message
    assert _check(_vial(expiry=date(2026, 11, 25))) == date(2026, 11, 25)  # same day: usable


def test_expired_at_day_00_end_of_month() -> None:
    vial = parse_vial_code(f"01{OXALI_100_GTIN}17261000" + "10B1")
    assert vial.expiry == date(2026, 10, 31)
    _check_refused(vial, "vial_expired")


def test_a_reused_serial_is_refused_for_the_same_gtin_only() -> None:
    vial = _vial()
    message = _check_refused(vial, "vial_serial_reused",
                             used_serials={(OXALI_100_GTIN, "PX8K2M5Q")})
    assert "PX8K2M5Q" in message and "reliquat" in message
    # the same serial on another product is another vial
    assert _check(vial, used_serials={(OXALI_50_GTIN, "PX8K2M5Q")})
    assert _check(_vial(serial=None), used_serials={(OXALI_100_GTIN, "PX8K2M5Q")})


def test_a_code_without_expiry_uses_the_known_expiry_of_its_lot() -> None:
    vial = parse_vial_code(f"01{OXALI_100_GTIN}10B24X07")
    assert _check(vial, known_expiry=date(2027, 1, 31)) == date(2027, 1, 31)
    _check_refused(vial, "vial_expired", known_expiry=date(2026, 1, 31))
    message = _check_refused(vial, "vial_expiry_unknown")
    assert "B24X07" in message and "à la main" in message


def test_a_scanned_expiry_different_from_the_known_one_is_refused() -> None:
    message = _check_refused(_vial(), "lot_expiry_conflict", known_expiry=date(2027, 5, 31))
    assert "31/05/2027" in message and "30/06/2027" in message and "B24X07" in message
    assert _check(_vial(), known_expiry=date(2027, 6, 30)) == date(2027, 6, 30)


# --- merge_lot_expiry -------------------------------------------------------------------

def test_merge_lot_expiry_never_blanks_a_known_expiry() -> None:
    known = date(2027, 6, 30)
    assert merge_lot_expiry(known, None) == known
    assert merge_lot_expiry(None, known) == known
    assert merge_lot_expiry(known, known) == known
    assert merge_lot_expiry(None, None) is None


def test_merge_lot_expiry_refuses_two_expiries_for_one_lot() -> None:
    with pytest.raises(VialScanRefused) as caught:
        merge_lot_expiry(date(2027, 6, 30), date(2027, 7, 31), lot="B24X07")
    assert caught.value.code == "lot_expiry_conflict"
    assert "du lot B24X07" in str(caught.value)
    assert "30/06/2027" in str(caught.value) and "31/07/2027" in str(caught.value)
