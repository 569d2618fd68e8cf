"""Issue 14, the stock service on the demo snapshot: discards and inventory corrections, their
refusals (in French, with codes), their audit records in the same transaction and their
request keys (a double click records one movement)."""

from __future__ import annotations

from datetime import date

import pytest
from i14_stock_helpers import balance, lot_of, stock_now
from prescription_helpers import TODAY, activate_demo, audit_rows
from test_validation_service import at
from web_helpers import create_account

from chemo_fallback import request_keys, row_seals
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.ordering import stock_service
from chemo_fallback.modules.ordering.models import Cause, OrderingError
from chemo_fallback.patients.models import NoActiveSnapshot

OXALI_50 = "OXALIPLATINE-50MG"  # demo: NL30130 2 vials (2028), KM61219 3 vials (expired)
NOW = at(TODAY, 9)


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store, create_account(store, "buyer"), create_account(store, "pharmacist")


def movements(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT product_id, lot, expiry_date, quantity, cause, reason, recorded_by "
        "FROM ord_stock_movements ORDER BY movement_id").fetchall()


def test_a_discard_takes_whole_vials_out_of_the_lot_and_is_audited(demo) -> None:
    store, buyer, _ = demo
    movement_id = stock_service.discard(store, buyer, OXALI_50, " KM61219 ", 2,
                                        "  Lot périmé,   à détruire ", now=NOW)
    assert movements(store) == [(OXALI_50, "KM61219", date(2026, 11, 7), -2.0, "discard",
                                 "Lot périmé, à détruire", "buyer")]
    assert balance(store, OXALI_50, "KM61219") == 1
    [row] = audit_rows(store, "ordering.stock_discard")
    assert row["record_type"] == "stock_lot" and row["record_id"] == f"{OXALI_50}/KM61219"
    assert row["before_json"] == {"balance": 3.0}
    assert row["after_json"]["balance"] == 1.0 and row["after_json"]["quantity"] == -2
    assert row["after_json"]["movement_id"] == movement_id
    assert row["reason"] == "Lot périmé, à détruire"
    assert row_seals.check(store.cursor()).ok
    [lot] = [m for m in lot_of(store, OXALI_50, "KM61219").movements if m.cause == Cause.DISCARD]
    assert lot.quantity == -2 and lot.reference == str(movement_id)


def test_a_discard_beyond_what_the_lot_holds_is_refused(demo) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError, match="n'en compte que 3 flacon") as refused:
        stock_service.discard(store, buyer, OXALI_50, "KM61219", 4, "cassés", now=NOW)
    assert refused.value.code == "stock_would_go_negative"
    assert movements(store) == [] and audit_rows(store, "ordering.stock_discard") == []


@pytest.mark.parametrize(("product", "lot", "quantity", "reason", "code"), [
    (OXALI_50, "KM61219", 2.5, "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", -1, "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", 0, "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", 100_001, "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", float("nan"), "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", float("inf"), "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", True, "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", "deux", "cassé", "stock_quantity_invalid"),
    (OXALI_50, "KM61219", 1, "   ", "stock_reason_missing"),
    (OXALI_50, "KM61219", 1, None, "stock_reason_missing"),
    (OXALI_50, "KM61219", 1, "x" * 501, "stock_reason_too_long"),
    (OXALI_50, "  ", 1, "cassé", "stock_lot_invalid"),
    (OXALI_50, "NOPE99", 1, "cassé", "stock_lot_unknown"),
    ("PRODUIT-INCONNU", "KM61219", 1, "cassé", "stock_product_unknown"),
])
def test_discard_refusals(demo, product, lot, quantity, reason, code) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError) as refused:
        stock_service.discard(store, buyer, product, lot, quantity, reason, now=NOW)
    assert refused.value.code == code
    assert str(refused.value)[0].isupper()  # a French sentence, not a traceback
    assert movements(store) == []


def test_a_discard_as_text_of_whole_vials_is_read(demo) -> None:
    store, buyer, _ = demo
    stock_service.discard(store, buyer, OXALI_50, "KM61219", "2", "cassés", now=NOW)
    assert balance(store, OXALI_50, "KM61219") == 1


def test_a_correction_records_counted_minus_balance(demo) -> None:
    store, _, pharmacist = demo
    stock_service.correct(store, pharmacist, OXALI_50, "NL30130", 5, "Inventaire du lundi",
                          now=NOW)
    stock_service.correct(store, pharmacist, OXALI_50, "KM61219", 0, "Flacons introuvables",
                          now=NOW)
    assert [(m[1], m[3], m[4]) for m in movements(store)] == [
        ("NL30130", 3.0, "correction"), ("KM61219", -3.0, "correction")]
    assert balance(store, OXALI_50, "NL30130") == 5
    assert balance(store, OXALI_50, "KM61219") == 0
    rows = audit_rows(store, "ordering.stock_correction")
    assert [(r["before_json"]["balance"], r["after_json"]["balance"],
             r["after_json"]["counted"]) for r in rows] == [(2.0, 5.0, 5), (3.0, 0.0, 0)]
    assert row_seals.check(store.cursor()).ok


def test_a_correction_with_nothing_to_correct_is_refused(demo) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError, match="Rien à corriger") as refused:
        stock_service.correct(store, buyer, OXALI_50, "NL30130", 2, "Inventaire", now=NOW)
    assert refused.value.code == "stock_nothing_to_correct"


def test_a_lot_found_on_the_shelf_needs_its_expiry(demo) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError, match="date de péremption") as refused:
        stock_service.correct(store, buyer, OXALI_50, "NEW01", 4, "Trouvé en réserve", now=NOW)
    assert refused.value.code == "stock_lot_expiry_required"
    stock_service.correct(store, buyer, OXALI_50, "NEW01", 4, "Trouvé en réserve",
                          expiry_date=date(2028, 1, 31), now=NOW)
    lot = lot_of(store, OXALI_50, "NEW01")
    assert lot.quantity == 4 and lot.expiry_date == date(2028, 1, 31)
    with pytest.raises(OrderingError) as unknown_zero:
        stock_service.correct(store, buyer, OXALI_50, "NEW02", 0, "Rien",
                              expiry_date=date(2028, 1, 31), now=NOW)
    assert unknown_zero.value.code == "stock_nothing_to_correct"


def test_a_correction_with_another_expiry_for_a_known_lot_is_refused(demo) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError, match="18/07/2028") as refused:
        stock_service.correct(store, buyer, OXALI_50, "NL30130", 1, "Inventaire",
                              expiry_date=date(2029, 1, 1), now=NOW)
    assert refused.value.code == "stock_lot_expiry_differs"
    stock_service.correct(store, buyer, OXALI_50, "NL30130", 1, "Inventaire",
                          expiry_date=date(2028, 7, 18), now=NOW)
    assert balance(store, OXALI_50, "NL30130") == 1


@pytest.mark.parametrize("counted", [2.5, -1, 100_001, None, "1,5"])
def test_a_correction_takes_a_whole_count(demo, counted) -> None:
    store, buyer, _ = demo
    with pytest.raises(OrderingError) as refused:
        stock_service.correct(store, buyer, OXALI_50, "NL30130", counted, "Inventaire", now=NOW)
    assert refused.value.code == "stock_quantity_invalid"
    assert movements(store) == []


def test_the_same_request_twice_records_one_movement(demo) -> None:
    store, buyer, _ = demo
    key = request_keys.new_key()
    first = stock_service.discard(store, buyer, OXALI_50, "KM61219", 1, "cassé", now=NOW,
                                  request_key=key)
    again = stock_service.discard(store, buyer, OXALI_50, "KM61219", 1, "cassé", now=NOW,
                                  request_key=key)
    assert first == again and len(movements(store)) == 1
    assert len(audit_rows(store, "ordering.stock_discard")) == 1
    key = request_keys.new_key()
    first = stock_service.correct(store, buyer, OXALI_50, "NL30130", 7, "Inventaire", now=NOW,
                                  request_key=key)
    # the second request finds the first: not "rien à corriger"
    again = stock_service.correct(store, buyer, OXALI_50, "NL30130", 7, "Inventaire", now=NOW,
                                  request_key=key)
    assert first == again and len(movements(store)) == 2
    assert balance(store, OXALI_50, "NL30130") == 7
    with pytest.raises(request_keys.RequestKeyError):
        stock_service.correct(store, buyer, OXALI_50, "NL30130", 3, "Inventaire", now=NOW,
                              request_key=request_keys.new_key()[:4])


def test_a_preparer_or_a_nurse_cannot_adjust_the_stock(demo) -> None:
    store, _, _ = demo
    for role in ("preparer", "nurse"):
        user = create_account(store, role)
        with pytest.raises(PermissionDenied):
            stock_service.discard(store, user, OXALI_50, "KM61219", 1, "cassé", now=NOW)
        with pytest.raises(PermissionDenied):
            stock_service.correct(store, user, OXALI_50, "KM61219", 1, "inventaire", now=NOW)
    assert movements(store) == []


def test_without_a_snapshot_nothing_is_recorded(store) -> None:
    buyer = create_account(store, "buyer")
    with pytest.raises(NoActiveSnapshot):
        stock_service.discard(store, buyer, OXALI_50, "KM61219", 1, "cassé", now=NOW)


def test_a_lot_counted_empty_cannot_be_discarded_from(demo) -> None:
    store, buyer, _ = demo
    stock_service.correct(store, buyer, OXALI_50, "KM61219", 0, "Inventaire", now=NOW)
    with pytest.raises(OrderingError, match="n'en compte que 0"):
        stock_service.discard(store, buyer, OXALI_50, "KM61219", 1, "cassé", now=NOW)
    assert stock_now(store)[OXALI_50].quantity == 2
