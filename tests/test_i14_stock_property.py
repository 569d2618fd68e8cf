"""Issue 14, stock properties. Pure: for any sequence of snapshot lots, scans, planned vials,
receptions, discards and corrections, each lot's stock is the sum of its movements and a
negative sum is kept (a discrepancy alert), never clamped. Through the service on the demo
store: a discard or a correction never takes a lot below zero (refused instead, nothing
recorded), and the stock always equals the snapshot plus the recorded movements. A negative
balance made by fabrication's scans shows as a discrepancy."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from i14_stock_helpers import stock_now
from prescription_helpers import TODAY, activate_demo
from test_i12_fab_service import FU_1000, SETTINGS, _printed, unit, vial
from test_validation_service import at
from web_helpers import create_account

from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.ordering import alerts, stock_service
from chemo_fallback.modules.ordering.alerts import AlertKind
from chemo_fallback.modules.ordering.models import (
    NO_LOT,
    Cause,
    Movement,
    OrderingError,
    StockProduct,
)
from chemo_fallback.modules.ordering.stock_rules import lot_balances, product_stocks

__all__ = ["unit"]
PRODUCTS = {p: StockProduct(product_id=p, drug_id="D", name=p, form="poudre", vial_content=1.0)
            for p in ("P1", "P2")}
LOTS = ("A", "B", "C")
EXPIRY = date(2027, 6, 30)
CAUSES = (Cause.PREPARATION, Cause.RECEPTION, Cause.DISCARD, Cause.CORRECTION)

movement = st.one_of(
    st.builds(lambda p, lot, q: Movement(p, lot, EXPIRY, float(q), Cause.SNAPSHOT, None),
              st.sampled_from(sorted(PRODUCTS)), st.sampled_from(LOTS),
              st.integers(0, 50)),
    st.builds(lambda p, lot, cause, q: Movement(
        p, lot, EXPIRY, float(-1 if cause == Cause.PREPARATION else q), cause,
        datetime(2026, 11, 23, 9)),
        st.sampled_from(sorted(PRODUCTS)), st.sampled_from(LOTS), st.sampled_from(CAUSES),
        st.integers(-20, 20).filter(bool)),
    st.builds(lambda p, q: Movement(p, NO_LOT, None, -float(q), Cause.PLANNED,
                                    datetime(2026, 11, 23, 8)),
              st.sampled_from(sorted(PRODUCTS)), st.integers(1, 5)),
)


@given(st.lists(movement, max_size=40))
def test_each_lots_stock_is_the_sum_of_its_movements(moves) -> None:
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for m in moves:
        expected[(m.product_id, m.lot)] += m.quantity
    balances = lot_balances(moves)
    assert set(balances) == set(expected)
    for key, lot in balances.items():
        assert lot.quantity == pytest.approx(expected[key])
        assert len(lot.movements) == sum(1 for m in moves if (m.product_id, m.lot) == key)
    stocks = product_stocks(PRODUCTS, moves)
    for product_id, product_stock in stocks.items():
        assert product_stock.quantity == pytest.approx(
            sum(m.quantity for m in moves if m.product_id == product_id))
        found = alerts.product_alerts(product_stock, date(2026, 11, 23), 60)
        negative = {a.lot for a in found if a.kind == AlertKind.NEGATIVE}
        # never clamped, never hidden: every negative lot is a discrepancy alert
        assert negative == {lot.lot for lot in product_stock.lots
                            if lot.lot != NO_LOT and lot.quantity < 0}


# --- through the service ----------------------------------------------------------------------

DEMO_LOTS = [("OXALIPLATINE-50MG", "NL30130"), ("OXALIPLATINE-50MG", "KM61219"),
             ("OXALIPLATINE-100MG", "VL33375"), ("OXALIPLATINE-200MG", "SU76798"),
             ("OXALIPLATINE-50MG", "NEWLOT1")]
operation = st.tuples(st.sampled_from(["discard", "correct"]), st.sampled_from(DEMO_LOTS),
                      st.integers(-2, 12))


def lot_balance(store, product_id: str, lot: str) -> float:
    found = [x for x in stock_now(store)[product_id].lots if x.lot == lot]
    return found[0].quantity if found else 0.0


def recorded_sum(store, product_id: str, lot: str) -> float:
    """The snapshot's quantity plus every recorded movement of the lot (no fabrication here)."""
    cur = store.cursor()
    snap = cur.execute("SELECT coalesce(sum(quantity), 0) FROM ref.stock_lots "
                       "WHERE product_id = ? AND lot = ?", [product_id, lot]).fetchone()[0]
    moves = cur.execute("SELECT coalesce(sum(quantity), 0) FROM ord_stock_movements "
                        "WHERE product_id = ? AND lot = ?", [product_id, lot]).fetchone()[0]
    return float(snap) + float(moves)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from chemo_fallback.store import Store

    store = Store.open(tmp_path_factory.mktemp("stock") / "data")
    activate_demo(store)
    buyer = create_account(store, "buyer")
    yield store, buyer
    store.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, min_size=1, max_size=6))
def test_the_service_never_takes_a_lot_below_zero(demo_store, ops) -> None:
    store, buyer = demo_store
    for kind, (product_id, lot), quantity in ops:
        before = lot_balance(store, product_id, lot)
        count = store.cursor().execute("SELECT count(*) FROM ord_stock_movements").fetchone()[0]
        try:
            if kind == "discard":
                stock_service.discard(store, buyer, product_id, lot, quantity, "casse",
                                      now=at(TODAY, 9))
            else:
                stock_service.correct(store, buyer, product_id, lot, quantity, "inventaire",
                                      expiry_date=date(2028, 1, 31) if before == 0 and
                                      lot == "NEWLOT1" else None, now=at(TODAY, 9))
        except OrderingError as refused:
            assert refused.code in {"stock_would_go_negative", "stock_quantity_invalid",
                                    "stock_nothing_to_correct", "stock_lot_unknown",
                                    "stock_lot_expiry_required"}
            assert lot_balance(store, product_id, lot) == before
            assert store.cursor().execute(
                "SELECT count(*) FROM ord_stock_movements").fetchone()[0] == count
        else:
            after = lot_balance(store, product_id, lot)
            assert after == (before - quantity if kind == "discard" else quantity)
            assert after >= 0
        assert lot_balance(store, product_id, lot) == recorded_sum(store, product_id, lot)


def test_scans_beyond_the_records_show_a_discrepancy_not_a_clamp(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    prep_id = _printed(store, preparer, "fluorouracile")
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000, lot="L2611A"), SETTINGS,
                    now=at(TODAY, 9))
    stocks = stock_now(store)
    [lot] = [x for x in stocks["FLUOROURACILE-1000MG"].lots if x.lot == "L2611A"]
    assert lot.quantity == -1 and lot.negative
    found = alerts.stock_alerts(stocks, TODAY, 60)
    assert ("FLUOROURACILE-1000MG", "L2611A") in {
        (a.product_id, a.lot) for a in found if a.kind == AlertKind.NEGATIVE}
    buyer = create_account(store, "buyer")
    with pytest.raises(OrderingError) as refused:
        stock_service.discard(store, buyer, "FLUOROURACILE-1000MG", "L2611A", 1, "casse",
                              now=at(TODAY, 10))
    assert refused.value.code == "stock_would_go_negative"
    # counted on the shelf: none left of that lot; the correction brings it back to zero
    stock_service.correct(store, buyer, "FLUOROURACILE-1000MG", "L2611A", 0, "inventaire",
                          now=at(TODAY, 10))
    [lot] = [x for x in stock_now(store)["FLUOROURACILE-1000MG"].lots if x.lot == "L2611A"]
    assert lot.quantity == 0
    assert [m.cause for m in lot.movements] == [Cause.PREPARATION, Cause.CORRECTION]
