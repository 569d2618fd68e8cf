"""Issue 14: receptions of supplier orders — GS1 scans or typed lots, partial receptions,
over-reception and wrong product refused, the stock fed, closure."""

from __future__ import annotations

from datetime import date

import pytest
from i14_helpers import (
    FU_250,
    GTINS,
    NOW,
    OXALI_100,
    SETTINGS,
    gs1_code,
    make_order,
    order_lines,
)
from prescription_helpers import activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.fabrication.scanning import VialScanRefused
from chemo_fallback.modules.ordering import orders, receiving, repository, stock
from chemo_fallback.modules.ordering.models import OrderingError


@pytest.fixture
def unit(store):
    activate_demo(store)
    buyer = create_account(store, "buyer")
    return store, buyer, make_order(store, buyer, status="confirmed")


def _receive(store, user, order_id, line_id, **kwargs):
    return receiving.receive(store, user, order_id, line_id, settings=SETTINGS, now=NOW,
                             **kwargs)


def _status(store, order_id):
    return repository.order(store.cursor(), order_id).status


def test_a_scan_then_a_typed_lot_receive_in_part_then_in_full(unit) -> None:
    store, buyer, order_id = unit
    oxali, fu = order_lines(store, order_id)  # 10 and 5 vials
    preparer = create_account(store, "preparer")
    first = _receive(store, preparer, order_id, oxali.order_line_id,
                     code=gs1_code(GTINS[OXALI_100], "NEWLOT1", "281130", "SN1"), quantity=6)
    assert _status(store, order_id) == "partially_received"
    [movement] = repository.receptions(store.cursor(), order_id)
    assert (movement["movement_id"], movement["lot"], movement["expiry_date"],
            movement["quantity"], movement["entry"], movement["gtin"],
            movement["cause"]) == (first, "NEWLOT1", date(2028, 11, 30), 6, "scan",
                                   GTINS[OXALI_100], "reception")
    assert "(10)NEWLOT1" in movement["raw_scan"]
    _receive(store, buyer, order_id, oxali.order_line_id, lot=" newlot2 ",
             expiry_date=date(2029, 1, 31), quantity=4)
    _receive(store, buyer, order_id, fu.order_line_id, lot="FU9", expiry_date=date(2028, 5, 1),
             quantity=5)
    order = repository.order(store.cursor(), order_id)
    assert order.status == "received" and order.received_at == NOW
    assert [(r["lot"], r["entry"]) for r in repository.receptions(store.cursor(), order_id)] == [
        ("NEWLOT1", "scan"), ("NEWLOT2", "manual"), ("FU9", "manual")]
    assert [li.remaining_vials for li in order_lines(store, order_id)] == [0, 0]
    records = audit_rows(store, "ordering.order_receive")
    assert [r["after_json"]["status"] for r in records] == [
        "partially_received", "partially_received", "received"]
    assert records[0]["actor"] == "preparer"
    orders.close_order(store, buyer, order_id, now=NOW)
    assert _status(store, order_id) == "closed"


def test_the_received_lot_is_in_the_stock(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    before = stock.current_stock(store.cursor(), SETTINGS)[OXALI_100].quantity
    _receive(store, buyer, order_id, oxali.order_line_id,
             code=gs1_code(GTINS[OXALI_100], "NEWLOT1", "281130"), quantity=3)
    after = stock.current_stock(store.cursor(), SETTINGS)[OXALI_100]
    assert after.quantity == before + 3
    [lot] = [lot for lot in after.lots if lot.lot == "NEWLOT1"]
    assert (lot.quantity, lot.expiry_date) == (3, date(2028, 11, 30))


def test_over_reception_and_impossible_quantities_are_refused(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
             expiry_date=date(2028, 1, 1), quantity=8)
    for quantity in (3, 0, -1, 1.5, None):
        with pytest.raises(OrderingError, match="Quantité impossible") as refused:
            _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
                     expiry_date=date(2028, 1, 1), quantity=quantity)
        assert refused.value.code == "reception_quantity_impossible"
        assert "Il reste 2 flacon(s)" in str(refused.value)
    assert len(repository.receptions(store.cursor(), order_id)) == 1


def test_a_wrong_gtin_is_refused_naming_both_products(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    with pytest.raises(OrderingError) as refused:
        _receive(store, buyer, order_id, oxali.order_line_id,
                 code=gs1_code(GTINS[FU_250], "X1"), quantity=1)
    assert refused.value.code == "reception_wrong_product"
    assert "Fluorouracile" in str(refused.value) and "Oxaliplatine" in str(refused.value)
    with pytest.raises(VialScanRefused):
        _receive(store, buyer, order_id, oxali.order_line_id, code="not a code", quantity=1)
    assert repository.receptions(store.cursor(), order_id) == []
    assert _status(store, order_id) == "confirmed"


def test_expiries_are_required_not_past_and_one_per_lot(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    line = oxali.order_line_id
    cases = (
        (dict(lot="NEW", expiry_date=None), "reception_expiry_required"),
        (dict(lot="NEW", expiry_date=date(2026, 11, 22)), "reception_expired"),
        (dict(lot="", expiry_date=date(2028, 1, 1)), "reception_lot_invalid"),
        (dict(lot="JT32944", expiry_date=date(2028, 1, 1)), "lot_expiry_conflict"),  # snapshot
        (dict(code=gs1_code(GTINS[OXALI_100], "JT32944", "280101")), "lot_expiry_conflict"),
    )
    for kwargs, code in cases:
        with pytest.raises((OrderingError, VialScanRefused)) as refused:
            _receive(store, buyer, order_id, line, quantity=1, **kwargs)
        assert refused.value.code == code, kwargs
    # The snapshot's expiry of a known lot is used when none is typed, or a code has none.
    _receive(store, buyer, order_id, line, lot="JT32944", quantity=1)
    _receive(store, buyer, order_id, line, code=gs1_code(GTINS[OXALI_100], "JT32944", None),
             quantity=1)
    # A lot received earlier keeps its expiry.
    _receive(store, buyer, order_id, line, lot="R1", expiry_date=date(2028, 2, 1), quantity=1)
    with pytest.raises(VialScanRefused) as refused:
        _receive(store, buyer, order_id, line, lot="R1", expiry_date=date(2028, 3, 1),
                 quantity=1)
    assert refused.value.code == "lot_expiry_conflict"
    assert [r["expiry_date"] for r in repository.receptions(store.cursor(), order_id)] == [
        date(2028, 12, 22), date(2028, 12, 22), date(2028, 2, 1)]


def test_only_an_awaited_order_is_received(store) -> None:
    activate_demo(store)
    buyer = create_account(store, "buyer")
    draft = make_order(store, buyer)
    line = order_lines(store, draft)[0].order_line_id
    with pytest.raises(OrderingError) as refused:
        _receive(store, buyer, draft, line, lot="A", expiry_date=date(2028, 1, 1), quantity=1)
    assert refused.value.code == "reception_wrong_status"
    sent = make_order(store, buyer, status="sent")
    with pytest.raises(OrderingError) as refused:
        _receive(store, buyer, sent, line, lot="A", expiry_date=date(2028, 1, 1), quantity=1)
    assert refused.value.code == "order_line_unknown"


def test_a_request_key_records_one_reception(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    key = "r" * 32
    first = _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
                     expiry_date=date(2028, 1, 1), quantity=2, request_key=key)
    again = _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
                     expiry_date=date(2028, 1, 1), quantity=2, request_key=key)
    assert first == again
    assert len(repository.receptions(store.cursor(), order_id)) == 1
    assert len(audit_rows(store, "ordering.order_receive")) == 1


def test_closing_a_partial_order_needs_a_reason_and_cancelling_it_is_refused(unit) -> None:
    store, buyer, order_id = unit
    oxali, _ = order_lines(store, order_id)
    _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
             expiry_date=date(2028, 1, 1), quantity=2)
    with pytest.raises(OrderingError) as refused:
        orders.cancel_order(store, buyer, order_id, "trop tard", now=NOW)
    assert refused.value.code == "order_cancel_after_reception"
    with pytest.raises(OrderingError) as refused:
        orders.close_order(store, buyer, order_id, now=NOW)
    assert refused.value.code == "order_reason_required"
    orders.close_order(store, buyer, order_id, "reliquat en rupture, non livré", now=NOW)
    order = repository.order(store.cursor(), order_id)
    assert (order.status, order.status_reason, order.closed_at) == (
        "closed", "reliquat en rupture, non livré", NOW)
    [record] = audit_rows(store, "ordering.order_close")
    assert record["reason"] == "reliquat en rupture, non livré"
    assert repository.awaited_vials(store.cursor()).get(OXALI_100, 0) == 0
    with pytest.raises(OrderingError) as refused:
        _receive(store, buyer, order_id, oxali.order_line_id, lot="A1",
                 expiry_date=date(2028, 1, 1), quantity=1)
    assert refused.value.code == "reception_wrong_status"
