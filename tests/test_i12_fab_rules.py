"""The preparation computation (modules/fabrication/rules.py) on the demo snapshot's drugs and
products: volumes, vial plans with reliquats and their expiry, dilution and final concentration,
expiry, storage, light, gravimetric target, and every refusal. Pure: no database."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.fabrication import rules
from chemo_fallback.modules.fabrication.models import (
    DrugPreparationData,
    FabricationError,
    LineToPrepare,
    OpenedVial,
    PreparationPlan,
    Product,
    VialPlan,
)
from chemo_fallback.modules.fabrication.rules import (
    mass_bounds_g,
    plan_preparation,
    reliquat_after,
    target_mass_g,
    usable_reliquats,
    vial_plan,
    withdrawal_volume_ml,
)
from chemo_fallback.site_settings import SiteSettings


def _rows(table: str) -> list[dict[str, str]]:
    with (DEMO_SNAPSHOT / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DRUGS = {r["drug_id"]: DrugPreparationData.from_row(r) for r in _rows("drugs")}
PRODUCTS = [Product.from_row(r) for r in _rows("products")]
BY_ID = {p.product_id: p for p in PRODUCTS}
SETTINGS = SiteSettings()
AT = datetime(2026, 11, 23, 9, 0)


def line(drug_id: str, dose: float | None, container: str | None = "poche",
         diluent: str | None = "NACL09", volume_ml: float | None = 250.0,
         route: str = "IV", dose_unit: str | None = None) -> LineToPrepare:
    return LineToPrepare(
        line_id="L-1", drug_id=drug_id, dose=dose,
        dose_unit=dose_unit or DRUGS[drug_id].dose_unit, route=route, container=container,
        diluent=diluent, volume_ml=volume_ml, duration_min=60.0,
    )


def plan(drug_id: str, dose: float, *, products=None, settings=SETTINGS, opened=(),
         drug=None, **line_args) -> PreparationPlan:
    return plan_preparation(
        line(drug_id, dose, **line_args), drug or DRUGS[drug_id],
        PRODUCTS if products is None else products, settings, prepared_at=AT, opened=opened,
    )


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")  # French numbers group and join with a no-break space


def codes(p: PreparationPlan) -> set[str]:
    return {f.code for f in p.findings}


def reliquat(product_id: str, amount: float, *, opened_hours_ago: float = 2.0,
             usable_hours: float | None = None, rid: str = "R-1") -> OpenedVial:
    opened_at = AT - timedelta(hours=opened_hours_ago)
    hours = usable_hours if usable_hours is not None else BY_ID[product_id].in_use_stability_hours
    until = opened_at + timedelta(hours=hours or 0.0)
    return OpenedVial(rid, product_id, "LOT-R", amount, opened_at, until)


# --- The three functions the reference cases call --------------------------------------------


def test_withdrawal_volume_is_dose_over_concentration() -> None:
    assert withdrawal_volume_ml(150, 20) == pytest.approx(7.5)  # docetaxel 20 mg/mL
    assert withdrawal_volume_ml(1350, 20) == pytest.approx(67.5)  # cyclophosphamide, reconstituted
    assert withdrawal_volume_ml(18000, 3000) == pytest.approx(6.0)  # bleomycin UI/mL


BAD = [0, -1, -0.0, math.nan, math.inf, -math.inf, None, "10", True]


@pytest.mark.parametrize("bad", BAD)
def test_withdrawal_volume_refuses_a_bad_input(bad) -> None:
    for args in ((bad, 5.0), (50.0, bad)):
        with pytest.raises(FabricationError) as refused:
            withdrawal_volume_ml(*args)
        assert refused.value.code == "preparation_value_invalid"
        assert "invalide" in str(refused.value) and "strictement positif" in str(refused.value)


@pytest.mark.parametrize("bad", BAD)
def test_target_mass_refuses_a_bad_input(bad) -> None:
    for args in ((bad, 1.01), (7.5, bad)):
        with pytest.raises(FabricationError) as refused:
            target_mass_g(*args)
        assert refused.value.code == "preparation_value_invalid"


def test_target_mass_and_its_bounds() -> None:
    assert target_mass_g(7.5, 1.07) == pytest.approx(8.025)
    assert mass_bounds_g(100.0, 5.0) == pytest.approx((95.0, 105.0))
    for bad in (0, 100, 150, math.nan, None):
        with pytest.raises(FabricationError):
            mass_bounds_g(100.0, bad)


def test_vial_plan_examples() -> None:
    # 100 + 50 + 50 and 100 + 100 both waste 30: the fewer vials win
    result = vial_plan(170, [50, 100])
    assert result == (100, 100) and list(result) == [100, 100]
    assert isinstance(result, tuple) and isinstance(result, VialPlan)
    assert result.waste == pytest.approx(30) and result.opened_used == ()
    assert vial_plan(100, [50, 100]) == (100,)  # no waste, one vial
    assert vial_plan(150, [20, 80, 160]) == (160,)  # docetaxel
    assert vial_plan(4320, [250, 500, 1000, 5000]) == (5000,)
    # 4 × 1000 + 500 and 4 × 1000 + 250 + 250 waste 180 alike: the fewer vials
    assert vial_plan(4320, [250, 500, 1000, 5000], max_vials=20) == (1000,) * 4 + (500,)
    assert vial_plan(90, [10, 50, 200]) == (50, 50)  # 50 + 4 × 10 needs 5 vials
    assert vial_plan(90, [10, 50, 200], max_vials=5) == (50, 10, 10, 10, 10)
    # the least waste before the fewest vials
    assert vial_plan(144, [30, 100, 300]) == (100, 30, 30)


def test_vial_plan_is_largest_first_and_repeats_sizes() -> None:
    result = vial_plan(2.9, [1, 2], max_vials=4)
    assert result == (2, 1) and result.waste == pytest.approx(0.1)
    assert vial_plan(0.3, [0.1], max_vials=3) == (0.1, 0.1, 0.1)  # not a 4th for 1e-17


def test_vial_plan_uses_opened_vials_first() -> None:
    result = vial_plan(170, [50, 100], opened=[30])
    assert result == (100, 50) and result.opened_used == (30,)
    assert result.waste == pytest.approx(10)
    covered = vial_plan(40, [50, 100], opened=[30, 25])
    assert covered == () and covered.opened_used == (30, 10) and covered.waste == 0
    # floating point: 0,1 × 7 covers 0,7, no needless vial
    assert vial_plan(0.7, [1], opened=[0.1] * 7) == ()
    assert vial_plan(0.3, [1], opened=[0.1, 0.2]) == ()
    # a real shortfall, however small, opens a vial
    assert vial_plan(0.301, [1], opened=[0.1, 0.2]) == (1,)
    assert vial_plan(30, [50], opened=[0]) == (50,)  # an emptied vial is skipped


def test_vial_plan_accepts_opened_vial_objects_and_skips_expired_ones() -> None:
    fresh = reliquat("DOCETAXEL-80MG", 20, rid="fresh")
    expired = replace(fresh, reliquat_id="old", usable_until=AT)
    result = vial_plan(150, [20, 80, 160], opened=[expired, fresh], at=AT)
    assert result.opened_vials == (fresh,) and result.opened_used == (20,)
    assert result == (80, 20, 20, 20) and result.waste == pytest.approx(10)


def test_vial_plan_refusals() -> None:
    with pytest.raises(FabricationError) as refused:
        vial_plan(1000, [100], max_vials=4)
    assert refused.value.code == "vial_plan_impossible"
    assert "au plus 4 flacon" in str(refused.value) and "max_vials" in str(refused.value)
    with pytest.raises(FabricationError) as refused:
        vial_plan(500, [100], max_vials=4, opened=[50])
    assert "450" in str(refused.value) and "flacons entamés" in str(refused.value)
    for kwargs in ({"max_vials": 0}, {"max_vials": True}, {"max_vials": 2.5},
                   {"opened": [-1]}, {"opened": [math.nan]}):
        with pytest.raises(FabricationError) as refused:
            vial_plan(100, [50], **kwargs)
        assert refused.value.code == "preparation_value_invalid"
    for dose, contents in ((0, [50]), (math.nan, [50]), (None, [50]), (100, [0]),
                           (100, [50, -5]), (100, [math.inf])):
        with pytest.raises(FabricationError) as refused:
            vial_plan(dose, contents)
        assert refused.value.code == "preparation_value_invalid"
    with pytest.raises(FabricationError) as refused:
        vial_plan(100, [])
    assert refused.value.code == "vial_plan_impossible"
    assert vial_plan(10, [], opened=[20]) == ()  # covered by the opened vial


def test_vial_plan_is_read_only() -> None:
    result = vial_plan(170, [50, 100])
    with pytest.raises(AttributeError):
        result.waste = 0  # type: ignore[misc]


# --- Reliquats --------------------------------------------------------------------------------


def test_usable_reliquats_drops_expired_empty_and_other_products() -> None:
    late = reliquat("DOCETAXEL-80MG", 20, opened_hours_ago=1, rid="late")
    early = reliquat("DOCETAXEL-20MG", 5, opened_hours_ago=20, rid="early")
    expired = replace(late, reliquat_id="expired", usable_until=AT)  # at: no longer offered
    empty = replace(late, reliquat_id="empty", amount=0.0)
    other = reliquat("PACLITAXEL-300MG", 100, rid="other")
    found = usable_reliquats([late, expired, empty, other, early],
                             ["DOCETAXEL-80MG", "DOCETAXEL-20MG"], AT)
    assert [r.reliquat_id for r in found] == ["early", "late"]  # earliest expiry first
    assert usable_reliquats([expired], ["DOCETAXEL-80MG"], AT - timedelta(seconds=1))


def test_plan_draws_from_reliquats_first_and_keeps_their_rest() -> None:
    big = reliquat("DOCETAXEL-160MG", 60, usable_hours=3, rid="R-60")  # until AT + 1 h
    p = plan("DOCETAXEL", 40, opened=[big], volume_ml=100)
    assert p.vial_plan == () and p.vials == ()
    (use,) = p.reliquats_used
    assert use.reliquat is big and use.amount_drawn == pytest.approx(40)
    assert use.volume_ml == pytest.approx(2.0) and use.remaining == pytest.approx(20)
    assert p.withdrawal_volume_ml == pytest.approx(2.0)
    assert reliquat_after(p) is None  # no new vial opened
    # the preparation's expiry is its own stability, not the reliquat's in-use limit
    assert p.expires_at == AT + timedelta(hours=48) and big.usable_until == AT + timedelta(hours=1)
    assert not p.blocking


def test_plan_never_uses_an_expired_or_foreign_reliquat() -> None:
    expired = reliquat("DOCETAXEL-160MG", 160, opened_hours_ago=700, rid="old")
    assert expired.usable_until <= AT
    foreign = reliquat("PACLITAXEL-300MG", 300, rid="pacli")
    p = plan("DOCETAXEL", 150, opened=[expired, foreign])
    assert p.reliquats_used == () and p.vial_plan == (160,)


def test_plan_with_reliquat_and_new_vials() -> None:
    p = plan("DOCETAXEL", 150, opened=[reliquat("DOCETAXEL-80MG", 20)])
    assert [u.amount_drawn for u in p.reliquats_used] == [20]
    assert p.vial_plan == (80, 20, 20, 20) and p.waste == pytest.approx(10)
    assert sum(u.amount_drawn for u in (*p.reliquats_used, *p.vials)) == pytest.approx(150)
    assert [v.whole for v in p.vials] == [True, True, True, False]
    assert p.withdrawal_volume_ml == pytest.approx(7.5)


def test_reliquat_after_the_last_vial() -> None:
    p = plan("BORTEZOMIB", 2.34, container="seringue", diluent=None, volume_ml=None)
    left = reliquat_after(p)
    assert left is not None and left.product_id == "BORTEZOMIB-3.5MG"
    assert left.amount == pytest.approx(1.16) and left.volume_ml == pytest.approx(0.464)
    assert left.opened_at == AT and left.usable_until == AT + timedelta(hours=8) and left.keep
    # never after the vial's own expiry (usable through its expiry day)
    capped = reliquat_after(p, vial_expiry=date(2026, 11, 22))
    assert capped is not None and capped.usable_until == datetime(2026, 11, 23, 0, 0)
    assert not capped.keep
    later = reliquat_after(p, opened_at=AT + timedelta(hours=1))
    assert later is not None and later.usable_until == AT + timedelta(hours=9)


def test_reliquat_without_in_use_stability_is_to_discard() -> None:
    products = [replace(p, in_use_stability_hours=None) if p.drug_id == "DOXORUBICINE" else p
                for p in PRODUCTS]
    p = plan("DOXORUBICINE", 90, products=products, container="seringue", diluent=None,
             volume_ml=None)
    assert "in_use_stability_missing" in codes(p) and not p.blocking
    left = reliquat_after(p)
    assert left is not None and left.amount == pytest.approx(10)
    assert left.usable_until is None and not left.keep


# --- The whole sheet on demo products ---------------------------------------------------------


def test_docetaxel_bag() -> None:
    p = plan("DOCETAXEL", 150)
    assert p.findings == () and not p.blocking
    assert p.product is BY_ID["DOCETAXEL-160MG"] and p.concentration == 20.0
    (vial,) = p.vials
    assert vial.content == 160 and vial.amount_drawn == pytest.approx(150) and not vial.whole
    assert p.waste == pytest.approx(10) and p.withdrawal_volume_ml == pytest.approx(7.5)
    assert p.diluent == "NACL09" and p.diluent_volume_ml == 250 and p.dilution_mode == "added"
    assert p.final_volume_ml == pytest.approx(257.5)
    assert p.final_concentration == pytest.approx(150 / 257.5)
    assert p.concentration_in_range is True
    assert (p.final_conc_min, p.final_conc_max) == (0.3, 0.74)
    assert p.expires_at == datetime(2026, 11, 25, 9, 0) and p.stability_hours == 48
    assert p.storage == "2-8" and "réfrigérateur" in (p.storage_label or "")
    assert p.protect_from_light is False
    assert p.density_g_ml == 1.07 and p.target_mass_g == pytest.approx(8.025)
    assert (p.mass_low_g, p.mass_high_g) == pytest.approx((8.025 * 0.95, 8.025 * 1.05))
    assert p.tolerance_pct == 5.0 and p.max_vials == 4
    left = reliquat_after(p)
    assert left is not None and left.amount == pytest.approx(10)
    assert left.usable_until == AT + timedelta(hours=672)


def test_paclitaxel_combines_products_of_one_concentration() -> None:
    p = plan("PACLITAXEL", 144)
    assert p.vial_plan == (100, 30, 30) and p.waste == pytest.approx(16)
    assert [v.product.product_id for v in p.vials] == [
        "PACLITAXEL-100MG", "PACLITAXEL-30MG", "PACLITAXEL-30MG"]
    # each vial at its own concentration: 100 mg/16,67 mL, 30 mg/5 mL, 14 mg at 6 mg/mL
    assert [v.volume_ml for v in p.vials] == pytest.approx([100 / 5.9988, 5.0, 14 / 6])
    assert p.withdrawal_volume_ml == pytest.approx(100 / 5.9988 + 5 + 14 / 6)
    assert p.concentration is None  # they differ: each vial prints its own
    assert p.expires_at == AT + timedelta(hours=27)
    assert p.target_mass_g == pytest.approx(p.withdrawal_volume_ml * 1.0)


def test_products_of_different_concentrations_are_never_mixed() -> None:
    weak = Product("DOCETAXEL-10MGML", "DOCETAXEL", "Docétaxel 10 mg/mL 20 mg/2 mL", "solution",
                   20.0, 2.0, 10.0, None, 1.05, 24.0, "15-25", False, None)
    p = plan("DOCETAXEL", 100, products=[*PRODUCTS, weak])
    assert {v.product.concentration for v in p.vials} == {20.0}
    assert p.vial_plan == (80, 20)


def test_fluorouracil_pump_is_made_up_to_its_volume() -> None:
    p = plan("FLUOROURACILE", 4320, container="diffuseur", volume_ml=230)
    assert p.vial_plan == (5000,) and p.withdrawal_volume_ml == pytest.approx(86.4)
    assert p.dilution_mode == "made_up" and p.final_volume_ml == 230
    assert p.diluent_volume_ml == pytest.approx(143.6)
    assert p.final_concentration == pytest.approx(4320 / 230) and p.concentration_in_range
    assert p.protect_from_light is True and p.storage == "15-25"
    assert p.expires_at == AT + timedelta(hours=168)
    assert not p.blocking


def test_pump_overflow_is_blocking() -> None:
    p = plan("FLUOROURACILE", 18000, container="diffuseur", volume_ml=230)
    assert "volume_exceeded" in codes(p) and p.blocking
    assert p.final_volume_ml is None and p.final_concentration is None
    message = plain(next(f.message for f in p.findings if f.code == "volume_exceeded"))
    assert "360 mL" in message and "230 mL" in message


def test_doxorubicin_syringe_is_drawn_pure() -> None:
    p = plan("DOXORUBICINE", 90, container="seringue", diluent=None, volume_ml=None)
    assert p.vial_plan == (50, 50) and p.dilution_mode == "pure"
    assert p.diluent is None and p.diluent_volume_ml is None
    assert p.final_volume_ml == pytest.approx(45) and p.final_concentration == pytest.approx(2)
    assert p.concentration_in_range and p.protect_from_light and not p.blocking


def test_exact_concentration_range_holds_at_its_bound() -> None:
    # bortezomib and azacitidine: the range is one value (2,5 and 25 mg/mL), the product's own
    for drug, dose in (("BORTEZOMIB", 2.34), ("AZACITIDINE", 135.0)):
        p = plan(drug, dose, container="seringue", diluent=None, volume_ml=None)
        assert p.concentration_in_range is True, p.findings
        assert not p.blocking
    aza = plan("AZACITIDINE", 135.0, container="seringue", diluent=None, volume_ml=None)
    assert aza.vial_plan == (100, 100) and aza.withdrawal_volume_ml == pytest.approx(5.4)
    assert aza.vials[0].reconstitution_diluent == "EPPI"


def test_powder_vials_say_how_to_reconstitute() -> None:
    p = plan("CYCLOPHOSPHAMIDE", 1350)
    assert p.vial_plan == (1000, 500)
    assert [(v.reconstitution_diluent, v.reconstituted_volume_ml) for v in p.vials] == [
        ("NACL09", 50.0), ("NACL09", 25.0)]
    assert p.withdrawal_volume_ml == pytest.approx(67.5)
    text = [plain(t) for t in rules.describe_vials(p)]
    assert "reconstituer avec NaCl 0,9 %" in text[0] and "en entier" in text[0]
    assert "350 mg" in text[1] and "17,5 mL" in text[1]


def test_bleomycin_in_units() -> None:
    p = plan("BLEOMYCINE", 18000, volume_ml=100)
    assert p.dose_unit == "UI" and p.vial_plan == (15000, 15000)
    assert p.final_volume_ml == pytest.approx(106) and p.concentration_in_range


def test_vincristine_minibag_is_protected_from_light() -> None:
    p = plan("VINCRISTINE", 2.0, volume_ml=50)
    assert p.vial_plan == (2,) and p.waste == 0 and p.vials[0].whole
    assert p.final_volume_ml == pytest.approx(52) and p.concentration_in_range
    assert p.protect_from_light and p.storage == "2-8"
    assert reliquat_after(p) is None


def test_final_concentration_out_of_range_is_blocking_with_the_numbers() -> None:
    p = plan("ETOPOSIDE", 210, volume_ml=500)
    assert p.concentration_in_range is False and p.blocking
    finding = p.findings[0]
    message = plain(finding.message)
    assert finding.code == "final_concentration_out_of_range" and finding.blocking
    assert "0,411 mg/mL" in message and "0,2 à 0,4 mg/mL" in message
    assert "210 mg" in message and "510,5 mL" in message
    assert "entre 514,5 mL et 1 039,5 mL" in message  # the bags that fit
    assert dict(finding.values)["concentration max"] == 0.4
    # too concentrated the other way: oxaliplatin 0,7 mg/mL at most
    ox = plan("OXALIPLATINE", 300, diluent="G5", volume_ml=100)
    assert "final_concentration_out_of_range" in codes(ox)


def test_diluent_and_container_checks() -> None:
    ox = plan("OXALIPLATINE", 153, diluent="NACL09")
    assert "diluent_not_allowed" in codes(ox) and ox.blocking
    assert "Glucose 5 %" in next(f.message for f in ox.findings if f.code == "diluent_not_allowed")
    assert not plan("OXALIPLATINE", 153, diluent="G5").blocking
    assert "diluent_unknown" in codes(plan("DOCETAXEL", 150, diluent="RINGER"))
    assert "container_not_allowed" in codes(plan("DOXORUBICINE", 90, container="diffuseur"))
    assert "container_missing" in codes(plan("DOCETAXEL", 150, container=None))
    assert "container_unknown" in codes(plan("DOCETAXEL", 150, container="flacon"))
    assert "dilution_missing" in codes(plan("DOCETAXEL", 150, volume_ml=None))
    assert "dilution_missing" in codes(plan("DOCETAXEL", 150, diluent=None))
    syringe = plan("DOXORUBICINE", 90, container="seringue", diluent="NACL09", volume_ml=None)
    assert "dilution_missing" in codes(syringe)
    made_up = plan("DOXORUBICINE", 40, container="seringue", diluent="NACL09", volume_ml=50)
    assert made_up.dilution_mode == "made_up" and made_up.final_volume_ml == 50
    assert made_up.diluent_volume_ml == pytest.approx(30) and not made_up.blocking


def test_missing_data_is_blocking_and_every_problem_is_shown_at_once() -> None:
    p = plan("ONDANSETRON", 8, volume_ml=50)
    assert {"no_product", "stability_missing", "drug_diluents_unknown"} <= codes(p)
    assert all(f.message for f in p.findings) and p.blocking
    assert p.vial_plan is None and p.expires_at is None and p.target_mass_g is None
    bare = replace(DRUGS["DOCETAXEL"], storage=None, stability_hours=None,
                   final_conc_min=None, final_conc_max=None, protect_from_light=None)
    p = plan("DOCETAXEL", 150, drug=bare)
    assert {"storage_missing", "stability_missing", "final_concentration_range_missing",
            "light_protection_unknown"} <= codes(p)
    assert p.protect_from_light is True  # unknown: protected anyway
    assert not next(f for f in p.findings if f.code == "light_protection_unknown").blocking
    assert "storage_unknown" in codes(plan("DOCETAXEL", 150,
                                           drug=replace(DRUGS["DOCETAXEL"], storage="froid")))


def test_products_without_data_are_left_out_or_block() -> None:
    no_conc = [replace(p, concentration=None) if p.product_id == "DOCETAXEL-160MG" else p
               for p in PRODUCTS]
    p = plan("DOCETAXEL", 150, products=no_conc)
    assert "product_data_incomplete" in codes(p) and not p.blocking
    assert p.vial_plan == (80, 80)
    none_left = [replace(p, concentration=None) if p.drug_id == "DOCETAXEL" else p
                 for p in PRODUCTS]
    p = plan("DOCETAXEL", 150, products=none_left)
    assert "no_product" in codes(p) and p.blocking
    assert "concentration" in next(f.message for f in p.findings if f.code == "no_product")
    no_solvent = [replace(p, reconstitution_diluent=None) if p.drug_id == "CYCLOPHOSPHAMIDE"
                  else p for p in PRODUCTS]
    assert "no_product" in codes(plan("CYCLOPHOSPHAMIDE", 1350, products=no_solvent))
    no_density = [replace(p, density_g_ml=None) if p.product_id == "DOCETAXEL-160MG" else p
                  for p in PRODUCTS]
    p = plan("DOCETAXEL", 150, products=no_density)
    assert "density_missing" in codes(p) and p.blocking and p.target_mass_g is None


def test_vial_limit_is_the_site_setting() -> None:
    p = plan("DOCETAXEL", 300, settings=SiteSettings(max_vials=1))
    assert "vial_plan_impossible" in codes(p) and p.blocking and p.vial_plan is None
    p = plan("DOCETAXEL", 300, settings=SiteSettings(max_vials=2, gravimetric_tolerance_pct=3))
    assert p.vial_plan == (160, 160) and p.tolerance_pct == 3
    assert p.mass_high_g == pytest.approx(p.target_mass_g * 1.03)


def test_dose_unit_mismatch_is_blocking() -> None:
    p = plan("BLEOMYCINE", 18, dose_unit="mg", volume_ml=100)
    assert codes(p) >= {"dose_unit_mismatch"} and p.blocking and p.vial_plan is None


def test_refusals_of_lines_that_are_not_prepared() -> None:
    with pytest.raises(FabricationError) as refused:
        plan("PREDNISONE", 100, route="PO", container="per os", diluent=None, volume_ml=None)
    assert refused.value.code == "oral_not_compounded" and "per os" in str(refused.value)
    with pytest.raises(FabricationError) as refused:
        plan_preparation(line("DOCETAXEL", None), DRUGS["DOCETAXEL"], PRODUCTS, SETTINGS,
                         prepared_at=AT)
    assert refused.value.code == "preparation_line_without_dose"
    with pytest.raises(FabricationError) as refused:
        plan_preparation(line("DOCETAXEL", 150), DRUGS["PACLITAXEL"], PRODUCTS, SETTINGS,
                         prepared_at=AT)
    assert refused.value.code == "preparation_drug_mismatch"
    with pytest.raises(FabricationError) as refused:
        plan("DOCETAXEL", -5)
    assert refused.value.code == "preparation_value_invalid"


def test_a_prescription_line_is_read_with_its_final_dose() -> None:
    rx_line = SimpleNamespace(
        line_id="RX-1", drug_id="DOCETAXEL", final_dose=150.0, protocol_dose=75.0,
        dose_unit="mg", route="IV", container="poche", diluent="NACL09", volume_ml=250.0,
        duration_min=60.0,
    )
    p = plan_preparation(rx_line, DRUGS["DOCETAXEL"], PRODUCTS, SETTINGS, prepared_at=AT)
    assert p.line_id == "RX-1" and p.dose == 150 and p.vial_plan == (160,)


def test_demo_rows_load() -> None:
    assert len(PRODUCTS) == len(_rows("products")) and len(DRUGS) == len(_rows("drugs"))
    assert DRUGS["FLUOROURACILE"].diluents == ("NACL09", "G5")
    assert DRUGS["FLUOROURACILE"].containers == ("seringue", "poche", "diffuseur")
    assert DRUGS["VINCRISTINE"].protect_from_light is True
    assert DRUGS["DOCETAXEL"].protect_from_light is False
    assert DRUGS["PREDNISONE"].stability_hours is None
    assert BY_ID["TRASTUZUMAB-150MG"].reconstitution_diluent == "EPPI"
    assert BY_ID["TRASTUZUMAB-150MG"].is_powder and not BY_ID["DOCETAXEL-20MG"].is_powder
    with pytest.raises(ValueError):
        Product.from_row({**_rows("products")[0], "protect_from_light": "peut-être"})


def test_every_compounded_demo_protocol_line_plans() -> None:
    """Each IV/SC chemotherapy line of the demo thesaurus, at a 1,8 m² dose: a plan, and every
    finding is one a pharmacist would act on (none of a missing datum)."""
    for row in _rows("protocol_lines"):
        if row["line_kind"] != "chemotherapy" or row["route"] == "PO":
            continue
        drug = DRUGS[row["drug_id"]]
        per = float(row["dose"])
        dose = {"mg/m2": per * 1.8, "UI/m2": per * 1.8, "mg/kg": per * 70, "AUC": per * 125,
                "mg": per}[row["dose_basis"]]
        item = LineToPrepare("L", drug.drug_id, round(dose, 1), drug.dose_unit, row["route"],
                             row["container"] or None, row["diluent"] or None,
                             float(row["volume_ml"]) if row["volume_ml"] else None, None)
        p = plan_preparation(item, drug, PRODUCTS, SETTINGS, prepared_at=AT)
        assert codes(p) <= {"final_concentration_out_of_range"}, (row, p.findings)
        assert p.vial_plan is not None and p.expires_at is not None
        assert p.target_mass_g and p.final_volume_ml


def test_rules_import_no_database_nor_ui() -> None:
    code = ("import sys, chemo_fallback.modules.fabrication.rules; "
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & set(out.stdout.split())


def test_never_events_are_checked_again_on_what_is_made() -> None:
    syringe = plan("VINCRISTINE", 2.0, container="seringue", diluent=None, volume_ml=None)
    assert "never_vinca_container" in codes(syringe) and syringe.blocking
    intrathecal = plan("VINBLASTINE", 10.0, route="IT", volume_ml=50)
    assert {"never_vinca_route", "never_intrathecal"} <= codes(intrathecal)
    assert "never_intrathecal" in codes(plan("DOCETAXEL", 150, route="IT"))
    assert not {c for c in codes(plan("VINCRISTINE", 2.0, volume_ml=50))
                if c.startswith("never")}
    assert syringe.findings[0].code == "never_vinca_container"  # never-events come first


def test_numbers_of_any_numeric_type_are_accepted() -> None:
    assert withdrawal_volume_ml(Decimal("150"), 20) == pytest.approx(7.5)
    assert list(vial_plan(Decimal("170"), (50, Decimal("100")))) == [100, 100]
