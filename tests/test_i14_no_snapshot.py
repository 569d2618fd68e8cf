"""Issue 14: without an active snapshot every ordering use case refuses in French (it reads
the snapshot's products and suppliers), never with a database error; a purchase order already
printed is still reprinted from its stored data."""

from __future__ import annotations

from datetime import date

import pytest
from web_helpers import create_account

from chemo_fallback.modules.ordering import (
    export,
    forecast,
    order_document,
    orders,
    receiving,
    stock_service,
)
from chemo_fallback.patients.models import NoActiveSnapshot
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


@pytest.mark.parametrize("use_case", [
    lambda s, u: orders.create_order(s, u, "MEDILINE", [orders.LineRequest("X", 1)],
                                     settings=SETTINGS),
    lambda s, u: orders.send_order(s, u, "CMD000001"),
    lambda s, u: receiving.receive(s, u, "CMD000001", "CMD000001-01", lot="A1", quantity=1),
    lambda s, u: stock_service.discard(s, u, "X", "A1", 1, "cassé"),
    lambda s, u: forecast.forecast_for(s, u, SETTINGS, date(2026, 11, 23)),
    lambda s, u: order_document.print_purchase_order(s, u, "CMD000001", SETTINGS),
    lambda s, u: export.export_purchasing(s, u, date(2026, 11, 1), date(2026, 11, 30)),
], ids=["create", "send", "receive", "discard", "forecast", "purchase-order", "export"])
def test_without_a_snapshot_each_use_case_refuses_in_french(store, use_case) -> None:
    buyer = create_account(store, "buyer")
    with pytest.raises(NoActiveSnapshot, match="Aucun instantané actif"):
        use_case(store, buyer)
