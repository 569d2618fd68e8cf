"""Audited scenarios of the ordering documents' writes (see test_every_write_is_audited.py):
a purchase order printed (document.printed), the purchasing export (ordering.export, a read
audited on its own)."""

from __future__ import annotations

from i14_helpers import SETTINGS, make_order
from prescription_helpers import TODAY, activate_demo
from web_helpers import create_account

from chemo_fallback.modules.ordering import export, order_document

M = "modules/ordering"


def _printed(store, tmp_path):
    activate_demo(store)
    buyer = create_account(store, "buyer")
    order_document.print_purchase_order(store, buyer, make_order(store, buyer), SETTINGS)


def _exported(store, tmp_path):
    activate_demo(store)
    buyer = create_account(store, "buyer")
    make_order(store, buyer)
    export.export_purchasing(store, buyer, TODAY, TODAY)


SCENARIOS = {
    f"{M}/order_document.py:print_purchase_order": _printed,
    f"{M}/export.py:export_purchasing": _exported,
}
