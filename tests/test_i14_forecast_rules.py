"""Issue 14, the forecast's pure rules: planned doses → vials (fabrication's vial_plan) → need
with margin, history and minimum → less usable stock and open orders → whole packs, raised to
the supplier's minimum; grouping per supplier, preferred first; never a guessed dose."""

from __future__ import annotations

import json
from datetime import date

from chemo_fallback.french import NBSP
from chemo_fallback.modules.fabrication.models import Product
from chemo_fallback.modules.ordering import forecast_rules as rules
from chemo_fallback.modules.ordering.forecast_rules import NO_SUPPLIER, PlannedLine
from chemo_fallback.modules.ordering.models import (
    NO_LOT,
    LotStock,
    ProductStock,
    Referencing,
    StockProduct,
    Supplier,
)

TODAY = date(2026, 11, 23)
LAST = date(2026, 11, 29)  # a 7-day horizon
SETTINGS = rules.Settings(horizon_days=7, margin_pct=20, history_days=28)
PCT = f"20{NBSP}%"  # french.percent: a no-break space before the sign


def oxali(content: float, product_id: str | None = None) -> Product:
    return Product(product_id=product_id or f"OXALI-{content:g}", drug_id="OXALI",
                   name=f"Oxaliplatine {content:g} mg", form="solution", vial_content=content,
                   concentration=5.0)


OXALIS = {"OXALI": [oxali(50), oxali(100), oxali(200)]}
UNITS = {"OXALI": "mg"}


def line(dose, unit="mg", count=1, **more) -> PlannedLine:
    return PlannedLine(drug_id="OXALI", dose=dose, unit=unit, count=count, **more)


def ref(supplier="S1", product="P", pack=5, price=2.0, formulary=True, preferred=False):
    return Referencing(supplier_id=supplier, product_id=product, supplier_ref=f"{supplier}-R",
                       pack_size=pack, unit_price=price, lead_time_days=3,
                       formulary=formulary, preferred=preferred)


def stock(*lots: tuple[str, date | None, float]) -> ProductStock:
    product = StockProduct(product_id="P", drug_id="D", name="P", form="solution",
                           vial_content=100.0)
    return ProductStock(product=product, lots=tuple(
        LotStock(product_id="P", lot=lot, expiry_date=expiry, quantity=qty)
        for lot, expiry, qty in lots))


def suggest(planned=0.0, lines=0, history=0.0, stock_=None, awaited=0.0,
            referencing=None, settings=SETTINGS):
    return rules.suggestion("P", "Produit P", planned_vials=planned, planned_lines=lines,
                            history_vials=history, stock=stock_, awaited=awaited,
                            referencing=referencing, settings=settings, last_day=LAST)


# --- doses → vials ----------------------------------------------------------------------------


def test_planned_doses_become_vials_per_product() -> None:
    need = rules.planned_need([line(150.0, count=3), line(200.0), line(170.0, count=2)],
                              OXALIS, UNITS, max_vials=4)
    # 150 = 100 + 50 (×3); 200 = one 200 vial; 170 → one 200 (least waste, fewest vials)
    assert need.vials == {"OXALI-100": 3, "OXALI-50": 3, "OXALI-200": 3}
    assert need.lines == {"OXALI-100": 3, "OXALI-50": 3, "OXALI-200": 3}
    assert need.computed_lines == 6 and need.uncomputed == ()


def test_a_dose_per_square_metre_is_never_guessed() -> None:
    need = rules.planned_need([line(85.0, unit="mg/m2", prescription_id="RX1"),
                               line(None), line(100.0, unit=None), line(100.0, unit="UI")],
                              OXALIS, UNITS, max_vials=4)
    assert need.vials == {} and need.computed_lines == 0
    reasons = [u.reason for u in need.uncomputed]
    assert "mg/m²" in reasons[0] and "pas devinée" in reasons[0]
    assert need.uncomputed[0].line.prescription_id == "RX1"
    assert "dose non calculée" in reasons[1]
    assert "unité de dose absente" in reasons[2]
    assert "dosé en mg" in reasons[3]


def test_a_dose_no_combination_covers_is_listed_with_fabrications_message() -> None:
    need = rules.planned_need([line(900.0), line(100.0)], OXALIS, UNITS, max_vials=4)
    [refused] = need.uncomputed
    assert refused.line.dose == 900.0 and "Aucune combinaison d'au plus 4 flacon" in refused.reason
    assert need.vials == {"OXALI-100": 1}  # counted nowhere else


def test_oral_lines_and_drugs_without_products_are_not_a_stock_matter() -> None:
    need = rules.planned_need([line(100.0, route="PO"),
                               PlannedLine(drug_id="PREDNISONE", dose=100.0, unit="mg")],
                              OXALIS, UNITS, max_vials=4)
    assert need.vials == {} and need.uncomputed == ()


def test_two_products_of_the_same_content_take_the_preferred_suppliers_one() -> None:
    products = {"OXALI": [oxali(100, "OXALI-100-A"), oxali(100, "OXALI-100-B")]}
    rank = rules.product_rank([ref(product="OXALI-100-A", formulary=False),
                               ref(product="OXALI-100-B", preferred=True)])
    need = rules.planned_need([line(100.0)], products, UNITS, 4, rank)
    assert need.vials == {"OXALI-100-B": 1}


def test_the_same_dose_is_planned_once_and_counted_for_every_line() -> None:
    plans: dict = {}
    need = rules.planned_need([line(150.0, count=5), line(150.0, count=2)], OXALIS, UNITS, 4,
                              plans=plans)
    assert list(plans) == [("OXALI", 150.0)]
    assert need.vials == {"OXALI-100": 7, "OXALI-50": 7}


# --- need → packs -----------------------------------------------------------------------------


def test_margin_is_kept_fractional_until_the_rounding_to_packs() -> None:
    item = suggest(planned=12, lines=5, referencing=ref(pack=5))
    assert item.explanation["with_margin"] == 12 * 1.2
    assert item.to_order == 12 * 1.2  # 14,4 → 3 packs of 5
    assert (item.packs, item.vials) == (3, 15)
    assert item.text == (f"12 flacons prévus (5 lignes) + {PCT} = 14,4 ; − stock utilisable 0 ; "
                         "− en commande 0 = 14,4 → 3 boîtes de 5 (15 flacons)")


def test_the_example_of_the_issue_with_a_minimum_stock() -> None:
    settings = rules.Settings(horizon_days=7, margin_pct=20, history_days=28,
                              minimums={"P": 10})
    item = suggest(planned=12, lines=5, stock_=stock(("L1", date(2027, 6, 30), 8)),
                   referencing=ref(pack=5), settings=settings)
    assert item.text == (f"12 flacons prévus (5 lignes) + {PCT} = 14,4 ; + minimum 10 ; − stock "
                         "utilisable 8 ; − en commande 0 = 16,4 → 4 boîtes de 5 (20 flacons)")
    assert item.explanation["raw_need"] == 24.4 and item.explanation["minimum"] == 10


def test_rounding_up_to_the_suppliers_minimum_packs() -> None:
    settings = rules.Settings(horizon_days=7, margin_pct=0, history_days=28,
                              minimum_packs={"S1": 4})
    item = suggest(planned=6, lines=2, referencing=ref(pack=5), settings=settings)
    assert item.explanation["packs_for_need"] == 2
    assert (item.packs, item.vials) == (4, 20)
    assert "portée(s) au minimum de commande de 4 boîtes (20 flacons)" in item.text
    # an exact multiple of the pack size opens no extra pack
    assert suggest(planned=10, lines=2, referencing=ref(pack=5),
                   settings=rules.Settings(7, 0, 28)).packs == 2


def test_usable_stock_excludes_lots_expiring_within_the_horizon_and_planned_vials() -> None:
    lots = stock(("SOON", LAST, 30), ("LATER", date(2027, 1, 31), 6), ("OLD", TODAY, 4),
                 (NO_LOT, None, -2))
    item = suggest(planned=10, lines=3, stock_=lots, referencing=ref(pack=1))
    assert item.explanation["usable_stock"] == 4  # 6 kept, less 2 planned on printed sheets
    assert item.to_order == 12 - 4 and item.packs == 8


def test_awaited_vials_are_subtracted_and_a_covered_product_orders_nothing() -> None:
    item = suggest(planned=10, lines=3, awaited=5, referencing=ref(pack=1))
    assert item.explanation["awaited"] == 5 and item.packs == 7
    covered = suggest(planned=10, lines=3, awaited=20, referencing=ref(pack=1))
    assert covered.packs == 0 and covered.covered and covered.to_order == -8
    assert covered.text.endswith("= -8 → couvert, rien à commander")


def test_history_counts_only_for_a_product_nothing_planned_uses() -> None:
    item = suggest(history=56, referencing=ref(pack=10))
    assert item.explanation["history_daily"] == 2 and item.explanation["history_need"] == 14
    assert item.packs == 2
    assert "aucun flacon prévu ; historique 56 flacons en 28 j, soit 2/j × 7 j = 14" in item.text
    planned = suggest(planned=3, lines=1, history=56, referencing=ref(pack=10))
    assert planned.explanation["history_need"] == 0 and planned.packs == 1


def test_a_product_without_formulary_referencing_is_flagged_never_dropped() -> None:
    offers = [ref("S1", formulary=False, preferred=True), ref("S2", formulary=False)]
    assert rules.choose_referencing(offers) is None
    item = suggest(planned=4, lines=2, referencing=rules.choose_referencing(offers))
    assert item.flag == NO_SUPPLIER and not item.orderable and item.packs == 0
    assert item.text.endswith(f"→ {NO_SUPPLIER}")
    groups, unsupplied = rules.group_by_supplier([item], {})
    assert groups == () and unsupplied == (item,)


def test_the_preferred_formulary_referencing_is_chosen_else_the_first_formulary_one() -> None:
    offers = [ref("S3"), ref("S2", preferred=True), ref("S1", formulary=False, preferred=True)]
    assert rules.choose_referencing(offers).supplier_id == "S2"
    assert rules.choose_referencing([ref("S3"), ref("S2")]).supplier_id == "S2"


def test_grouping_by_supplier_preferred_first_with_amounts_and_totals() -> None:
    a = rules.suggestion("A", "Alpha", planned_vials=10, planned_lines=2, history_vials=0,
                         stock=None, awaited=0, referencing=ref("ZED", "A", pack=5, price=3.0,
                                                                preferred=True),
                         settings=SETTINGS, last_day=LAST)
    b = rules.suggestion("B", "Beta", planned_vials=1, planned_lines=1, history_vials=0,
                         stock=None, awaited=0, referencing=ref("ALPHA", "B", pack=1,
                                                                price=None),
                         settings=SETTINGS, last_day=LAST)
    c = rules.suggestion("C", "Gamma", planned_vials=0, planned_lines=0, history_vials=0,
                         stock=None, awaited=0, referencing=ref("ZED", "C"),
                         settings=rules.Settings(7, 20, 28, minimums={"C": 0.0}), last_day=LAST)
    suppliers = {"ZED": Supplier("ZED", "Zed Pharma"), "ALPHA": Supplier("ALPHA", "Alpha")}
    groups, unsupplied = rules.group_by_supplier([b, c, a], suppliers)
    assert [g.supplier.name for g in groups] == ["Zed Pharma", "Alpha"]  # preferred first
    zed = groups[0]
    assert [s.product_id for s in zed.suggestions] == ["A", "C"]  # to order first
    assert zed.to_order == (a,) and a.amount == 15 * 3.0 and zed.total == 45.0
    assert groups[1].total == 0.0 and b.amount is None and unsupplied == ()


def test_the_explanation_holds_every_number_and_is_json() -> None:
    item = suggest(planned=12, lines=5, referencing=ref(pack=5))
    keys = {"planned_vials", "planned_lines", "margin_pct", "history_daily", "minimum",
            "usable_stock", "awaited", "raw_need", "packs", "pack_size", "minimum_packs",
            "text"}
    assert keys <= set(item.explanation)
    assert json.loads(json.dumps(item.explanation)) == item.explanation
