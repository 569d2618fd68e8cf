"""Issue 14: supplier orders, the services — creation for formulary pairs only, refusals,
status changes, request keys and audit records, on the demo snapshot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from i14_helpers import (
    FOLINIC_100,
    FU_250,
    MEDILINE,
    NOT_FORMULARY,
    NOW,
    OXALI_100,
    SETTINGS,
    UNREFERENCED,
    make_order,
    order_lines,
)
from prescription_helpers import TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.ordering import orders, repository
from chemo_fallback.modules.ordering.models import OrderingError
from chemo_fallback.modules.ordering.orders import LineRequest


@pytest.fixture
def buyer(store):
    activate_demo(store)
    return create_account(store, "buyer")


def _create(store, user, lines, supplier=MEDILINE, **kwargs):
    return orders.create_order(store, user, supplier, lines, settings=SETTINGS, now=NOW,
                               **kwargs)


def test_an_order_copies_the_referencing_and_numbers_itself(store, buyer) -> None:
    order_id = _create(store, buyer, [LineRequest(OXALI_100, 2, '{"why": 1}'),
                                      LineRequest(FU_250, 1)], note="urgent")
    assert order_id == "CMD000001"
    order = repository.order(store.cursor(), order_id)
    assert order.status == "draft" and order.order_no == 1 and order.origin == "manual"
    assert order.delivery_address == SETTINGS.order_delivery_address
    assert order.note == "urgent" and order.created_by == buyer.username
    first, second = order_lines(store, order_id)
    assert (first.order_line_id, first.supplier_ref, first.pack_size, first.packs,
            first.quantity_vials, first.unit_price, first.explanation) == (
        "CMD000001-01", "MED-617390", 5, 2, 10, 9.5, '{"why": 1}')
    assert (second.order_line_id, second.quantity_vials, second.unit_price) == (
        "CMD000001-02", 5, 3.2)
    assert orders.total_amount([first, second]) == pytest.approx(10 * 9.5 + 5 * 3.2)
    assert _create(store, buyer, [LineRequest(FOLINIC_100, 1)]) == "CMD000002"
    [record] = audit_rows(store, "ordering.order_create")[:1]
    assert record["record_type"] == "supplier_order" and record["record_id"] == order_id
    assert [li["packs"] for li in record["after_json"]["lines"]] == [2, 1]


def test_an_unreferenced_pair_is_refused_naming_product_supplier_and_who_sells_it(
        store, buyer) -> None:
    supplier, product = UNREFERENCED
    with pytest.raises(OrderingError, match="Genthéra") as refused:
        _create(store, buyer, [LineRequest(product, 1)], supplier=supplier)
    assert refused.value.code == "order_pair_not_referenced"
    assert "Oxaliplatine" in str(refused.value) and "Médiline" in str(refused.value)
    supplier, product = NOT_FORMULARY
    with pytest.raises(OrderingError, match="pas au livret") as refused:
        _create(store, buyer, [LineRequest(product, 1)], supplier=supplier)
    assert "Médiline" in str(refused.value)  # the formulary suppliers of that product
    assert repository.orders(store.cursor()) == []


@pytest.mark.parametrize("packs", [0, -1, 2.5, 10_000, "3", None, True, float("nan")])
def test_impossible_quantities_are_refused(store, buyer, packs) -> None:
    with pytest.raises(OrderingError, match="Quantité impossible") as refused:
        _create(store, buyer, [LineRequest(OXALI_100, packs)])
    assert refused.value.code == "order_quantity_impossible"
    assert repository.orders(store.cursor()) == []


def test_other_refusals(store, buyer) -> None:
    cases = {
        "order_empty": dict(lines=[]),
        "order_supplier_unknown": dict(lines=[LineRequest(OXALI_100, 1)], supplier="NOPE"),
        "order_product_unknown": dict(lines=[LineRequest("NOPE-1MG", 1)]),
        "order_product_twice": dict(lines=[LineRequest(OXALI_100, 1),
                                           LineRequest(OXALI_100, 2)]),
        "order_origin_unknown": dict(lines=[LineRequest(OXALI_100, 1)], origin="fax"),
    }
    for code, kwargs in cases.items():
        with pytest.raises(OrderingError) as refused:
            _create(store, buyer, **kwargs)
        assert refused.value.code == code, code
    preparer = create_account(store, "preparer")
    with pytest.raises(PermissionDenied):
        _create(store, preparer, [LineRequest(OXALI_100, 1)])
    assert repository.orders(store.cursor()) == []


def test_a_request_key_makes_one_order(store, buyer) -> None:
    key = "k" * 32
    first = _create(store, buyer, [LineRequest(OXALI_100, 1)], request_key=key)
    again = _create(store, buyer, [LineRequest(OXALI_100, 1)], request_key=key)
    assert first == again and len(repository.orders(store.cursor())) == 1
    assert len(audit_rows(store, "ordering.order_create")) == 1


def test_a_draft_line_changes_or_goes_but_never_once_sent(store, buyer) -> None:
    order_id = make_order(store, buyer)
    first, second = order_lines(store, order_id)
    orders.update_draft_line(store, buyer, order_id, first.order_line_id, packs=3, now=NOW)
    orders.update_draft_line(store, buyer, order_id, second.order_line_id, remove=True, now=NOW)
    [line] = order_lines(store, order_id)
    assert (line.packs, line.quantity_vials) == (3, 15)
    with pytest.raises(OrderingError) as refused:
        orders.update_draft_line(store, buyer, order_id, line.order_line_id, remove=True)
    assert refused.value.code == "order_last_line"
    with pytest.raises(OrderingError, match="Quantité impossible"):
        orders.update_draft_line(store, buyer, order_id, line.order_line_id, packs=0)
    orders.send_order(store, buyer, order_id, now=NOW)
    with pytest.raises(OrderingError) as refused:
        orders.update_draft_line(store, buyer, order_id, line.order_line_id, packs=1)
    assert refused.value.code == "order_not_draft"
    assert [r["after_json"] for r in audit_rows(store, "ordering.order_line_change")] == [
        {"order_line_id": first.order_line_id, "packs": 3, "quantity_vials": 15},
        {"order_line_id": second.order_line_id, "removed": True},
    ]


def test_statuses_follow_the_transitions(store, buyer) -> None:
    order_id = make_order(store, buyer)
    with pytest.raises(OrderingError) as refused:
        orders.confirm_order(store, buyer, order_id, "AR1", TODAY, now=NOW)
    assert refused.value.code == "order_transition_refused"
    with pytest.raises(OrderingError):
        orders.mark_shipped(store, buyer, order_id, now=NOW)
    orders.send_order(store, buyer, order_id, now=NOW)
    with pytest.raises(OrderingError, match="envoyée"):
        orders.send_order(store, buyer, order_id, now=NOW)
    for reference, promised, code in (
            ("", TODAY, "order_supplier_reference_required"),
            ("AR1", None, "order_promised_date_required"),
            ("AR1", TODAY - timedelta(days=1), "order_promised_date_past")):
        with pytest.raises(OrderingError) as refused:
            orders.confirm_order(store, buyer, order_id, reference, promised, now=NOW)
        assert refused.value.code == code
    orders.confirm_order(store, buyer, order_id, " AR-77 ", date(2026, 11, 25), now=NOW)
    order = repository.order(store.cursor(), order_id)
    assert (order.status, order.supplier_reference, order.promised_date) == (
        "confirmed", "AR-77", date(2026, 11, 25))
    orders.mark_shipped(store, buyer, order_id, now=NOW)
    assert repository.order(store.cursor(), order_id).status == "shipped"
    with pytest.raises(OrderingError) as refused:
        orders.close_order(store, buyer, order_id, "rien")
    assert refused.value.code == "order_transition_refused"
    actions = [a for a in ("ordering.order_send", "ordering.order_confirm",
                           "ordering.order_ship") if audit_rows(store, a)]
    assert len(actions) == 3
    [confirm] = audit_rows(store, "ordering.order_confirm")
    assert confirm["before_json"] == {"status": "sent"}
    assert confirm["after_json"]["supplier_reference"] == "AR-77"


def test_cancelling_needs_a_reason(store, buyer) -> None:
    order_id = make_order(store, buyer, status="confirmed")
    with pytest.raises(OrderingError) as refused:
        orders.cancel_order(store, buyer, order_id, "  ", now=NOW)
    assert refused.value.code == "order_reason_required"
    orders.cancel_order(store, buyer, order_id, "rupture chez le fournisseur", now=NOW)
    order = repository.order(store.cursor(), order_id)
    assert (order.status, order.status_reason) == ("cancelled", "rupture chez le fournisseur")
    [record] = audit_rows(store, "ordering.order_cancel")
    assert record["reason"] == "rupture chez le fournisseur"
    with pytest.raises(OrderingError, match="annulée"):
        orders.send_order(store, buyer, order_id, now=NOW)


def test_unknown_order(store, buyer) -> None:
    with pytest.raises(OrderingError) as refused:
        orders.send_order(store, buyer, "CMD999999")
    assert refused.value.code == "order_unknown"
