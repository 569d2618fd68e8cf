"""Audited scenarios of the supplier orders' writes (see test_every_write_is_audited.py): an
order created, a draft line changed and removed, status changes, a reception."""

from __future__ import annotations

from datetime import date

from i14_helpers import NOW, SETTINGS, make_order, order_lines
from prescription_helpers import activate_demo
from web_helpers import create_account

from chemo_fallback.modules.ordering import orders, receiving

M = "modules/ordering"


def _created(store, tmp_path):
    activate_demo(store)
    buyer = create_account(store, "buyer")
    return buyer, make_order(store, buyer)


def _line_changed(store, tmp_path):
    buyer, order_id = _created(store, tmp_path)
    first, second = order_lines(store, order_id)
    orders.update_draft_line(store, buyer, order_id, first.order_line_id, packs=4, now=NOW)
    orders.update_draft_line(store, buyer, order_id, second.order_line_id, remove=True, now=NOW)


def _sent(store, tmp_path):
    buyer, order_id = _created(store, tmp_path)
    orders.send_order(store, buyer, order_id, now=NOW)


def _received(store, tmp_path):
    activate_demo(store)
    buyer = create_account(store, "buyer")
    order_id = make_order(store, buyer, status="confirmed")
    line = order_lines(store, order_id)[0]
    receiving.receive(store, buyer, order_id, line.order_line_id, lot="AUDIT1",
                      expiry_date=date(2028, 6, 30), quantity=2, settings=SETTINGS, now=NOW)


SCENARIOS = {
    f"{M}/orders.py:create_order": _created,
    f"{M}/orders.py:update_draft_line": _line_changed,
    f"{M}/orders.py:_change": _sent,
    f"{M}/receiving.py:receive": _received,
    f"{M}/repository.py:insert_order": _created,
    f"{M}/repository.py:insert_order_line": _created,
    f"{M}/repository.py:update_order": _sent,
    f"{M}/repository.py:update_order_line": _line_changed,
    f"{M}/repository.py:delete_order_line": _line_changed,
}
