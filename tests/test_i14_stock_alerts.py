"""Issue 14, the stock alerts (pure, over ProductStock as stock_rules builds it): below the
minimum, expiring soon, expired and still on the shelf, negative balances (a discrepancy shown,
never clamped), vials planned beyond the stock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chemo_fallback.modules.ordering import alerts
from chemo_fallback.modules.ordering.alerts import AlertKind
from chemo_fallback.modules.ordering.models import NO_LOT, Cause, Movement, StockProduct
from chemo_fallback.modules.ordering.stock_rules import product_stocks

TODAY = date(2026, 11, 23)
P = StockProduct(product_id="P1", drug_id="D", name="Produit un", form="poudre",
                 vial_content=50.0)
Q = StockProduct(product_id="Q1", drug_id="D", name="Autre produit", form="solution",
                 vial_content=100.0)


def snapshot(lot: str, quantity: float, expiry: date, product: str = "P1") -> Movement:
    return Movement(product, lot, expiry, quantity, Cause.SNAPSHOT, None)


def scan(lot: str, product: str = "P1") -> Movement:
    return Movement(product, lot, TODAY + timedelta(days=400), -1.0, Cause.PREPARATION,
                    datetime(2026, 11, 23, 9), reference="FAB1")


def planned(vials: float, product: str = "P1") -> Movement:
    return Movement(product, NO_LOT, None, -vials, Cause.PLANNED, datetime(2026, 11, 23, 8),
                    reference="FAB2")


def stock(movements, minimums=None):
    return product_stocks({"P1": P, "Q1": Q}, movements, minimums or {})


def kinds(found) -> list[tuple[str, str | None]]:
    return [(a.kind, a.lot) for a in found]


def test_no_alert_for_a_healthy_stock() -> None:
    stocks = stock([snapshot("A", 10, TODAY + timedelta(days=365))], {"P1": 5})
    assert alerts.stock_alerts(stocks, TODAY, 60) == []


def test_below_minimum_counts_only_usable_vials() -> None:
    stocks = stock([snapshot("A", 3, TODAY + timedelta(days=365)),
                    snapshot("OLD", 10, TODAY - timedelta(days=1)), planned(1)], {"P1": 3})
    found = alerts.product_alerts(stocks["P1"], TODAY, 60)
    assert kinds(found) == [(AlertKind.BELOW_MINIMUM, None), (AlertKind.EXPIRED, "OLD")]
    assert found[0].quantity == 2  # 3 usable, less 1 planned; the expired 10 do not count
    assert found[0].severity == "red"
    assert "minimum 3 flacon(s)" in found[0].message


def test_expiring_within_the_alert_days_is_orange_and_today_is_not_expired() -> None:
    stocks = stock([snapshot("SOON", 2, TODAY + timedelta(days=60)),
                    snapshot("LATER", 2, TODAY + timedelta(days=61)),
                    snapshot("TODAY", 1, TODAY)])
    found = alerts.product_alerts(stocks["P1"], TODAY, 60)
    assert kinds(found) == [(AlertKind.EXPIRING, "TODAY"), (AlertKind.EXPIRING, "SOON")]
    assert {a.severity for a in found} == {"orange"}
    assert "dans 60 jour(s)" in found[1].message


def test_an_expired_lot_still_in_stock_is_to_destroy_and_an_empty_one_is_quiet() -> None:
    stocks = stock([snapshot("OLD", 3, TODAY - timedelta(days=16)),
                    snapshot("EMPTY", 0, TODAY - timedelta(days=16))])
    [alert] = alerts.product_alerts(stocks["P1"], TODAY, 60)
    assert (alert.kind, alert.lot, alert.label) == (AlertKind.EXPIRED, "OLD",
                                                    "périmé — à détruire")
    assert "07/11/2026" in alert.message


def test_a_negative_lot_is_a_discrepancy_never_clamped() -> None:
    stocks = stock([snapshot("A", 1, TODAY + timedelta(days=365)), scan("A"), scan("A"),
                    scan("UNKNOWN")])
    lots = {lot.lot: lot.quantity for lot in stocks["P1"].lots}
    assert lots == {"A": -1.0, "UNKNOWN": -1.0}
    found = alerts.product_alerts(stocks["P1"], TODAY, 60)
    assert kinds(found) == [(AlertKind.NEGATIVE, "A"), (AlertKind.NEGATIVE, "UNKNOWN")]
    assert "-1 flacon(s)" in found[0].message and "corrigez" in found[0].message


def test_vials_planned_beyond_the_stock() -> None:
    stocks = stock([snapshot("A", 2, TODAY + timedelta(days=365)),
                    snapshot("OLD", 5, TODAY - timedelta(days=1)), planned(3)])
    found = alerts.product_alerts(stocks["P1"], TODAY, 60)
    assert kinds(found)[0] == (AlertKind.OVER_PLANNED, None)
    assert found[0].quantity == 1
    assert "3 flacon(s) prévu(s)" in found[0].message
    # exactly what the stock holds: no alert
    exact = stock([snapshot("A", 3, TODAY + timedelta(days=365)), planned(3)])
    assert alerts.product_alerts(exact["P1"], TODAY, 60) == []


def test_stock_alerts_are_ordered_by_kind_then_product() -> None:
    stocks = stock([snapshot("A", 1, TODAY + timedelta(days=10)),
                    snapshot("B", 1, TODAY + timedelta(days=10), "Q1"), scan("C", "Q1")],
                   {"P1": 5})
    found = alerts.stock_alerts(stocks, TODAY, 60)
    assert [(a.kind, a.product_id) for a in found] == [
        (AlertKind.NEGATIVE, "Q1"), (AlertKind.BELOW_MINIMUM, "P1"),
        (AlertKind.EXPIRING, "Q1"), (AlertKind.EXPIRING, "P1")]
    grouped = alerts.by_kind(found)
    assert list(grouped) == list(alerts.KIND_ORDER)
    assert len(grouped[AlertKind.EXPIRING]) == 2


def test_earliest_expiry_and_lot_alerts() -> None:
    stocks = stock([snapshot("A", 1, TODAY + timedelta(days=100)),
                    snapshot("Z", 0, TODAY + timedelta(days=5)),
                    snapshot("B", 2, TODAY + timedelta(days=30))])
    assert alerts.earliest_expiry(stocks["P1"]) == TODAY + timedelta(days=30)
    assert alerts.earliest_expiry(stocks["Q1"]) is None
    [a, b, z] = sorted(stocks["P1"].lots, key=lambda lot: lot.lot)
    assert alerts.lot_alert(a, TODAY, 60) is None
    assert alerts.lot_alert(b, TODAY, 60) == AlertKind.EXPIRING
    assert alerts.lot_alert(z, TODAY, 60) is None
