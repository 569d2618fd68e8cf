"""Issue 14, the buyer's whole day with an order (NiceGUI `user` fixture, the demo pinned to its
export day): the forecast's suggestion → "Créer la commande" → the order's page with the
computation kept → purchase order PDF → sent → supplier's confirmation → partial reception
with scanned lots → the stock shows them → closure with what will not come; audit records."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import date

import pytest
from i14_helpers import gs1_code
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import SLOW, sign_in

from chemo_fallback.modules.ordering import repository, stock
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.site_settings import SiteSettings

__all__ = ["app_state"]
NOW = at(TODAY, 9)
PACLI_30 = "PACLITAXEL-30MG"  # demo: suggested at ONCOPHARM, 2 packs of 5 (10 vials)
PACLI_30_GTIN = "03400275645130"


@pytest.fixture
def unit(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    app_state.settings = SiteSettings(pharmacy_address="1 rue de l'Hôpital, 75000 Paris")
    return app_state


async def downloaded(user: User, count: int = 1):
    for _ in range(SLOW * 10):
        if len(user.download.http_responses) >= count:
            return user.download.http_responses[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} download(s) expected")


async def receptions(store, order_id: str, count: int) -> None:
    for _ in range(SLOW * 10):
        if len(repository.receptions(store.cursor(), order_id)) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} reception(s) expected")


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "bon.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


async def test_suggestion_to_order_to_partial_reception_to_closure(
        user: User, unit, tmp_path) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    before = stock.current_stock(store.cursor(), unit.settings)[PACLI_30].quantity
    # the forecast suggests 2 packs of 5 at ONCOPHARM: the buyer creates the order
    await user.open("/achats/prevision")
    await user.should_see(marker=f"forecast-packs-{PACLI_30}", retries=SLOW)
    user.find(marker="forecast-create-ONCOPHARM").click()
    await user.should_see("Commande CMD000001", retries=SLOW)
    order_id = "CMD000001"
    order = repository.order(store.cursor(), order_id)
    assert (order.status, order.origin, order.supplier_id) == ("draft", "suggestion",
                                                              "ONCOPHARM")
    lines = repository.order_lines(store.cursor(), [order_id])[order_id]
    [pacli] = [li for li in lines if li.product_id == PACLI_30]
    assert (pacli.packs, pacli.pack_size, pacli.quantity_vials) == (2, 5, 10)
    # the computation the forecast made is shown with the line
    await user.should_see(marker=f"line-explanation-{pacli.order_line_id}")
    [why] = user.find(marker=f"line-explanation-{pacli.order_line_id}").elements
    assert why.text.startswith("13 flacons prévus")
    # the purchase order in French
    await user.should_see(marker="po-print", retries=SLOW)
    user.find(marker="po-print").click()
    pdf = await downloaded(user)
    text = pdf_text(pdf.content, tmp_path)
    assert order_id in text and "ONC-749402" in text
    # sent, then confirmed by the supplier
    user.find(marker="order-send").click()
    await user.should_see(marker="order-confirm", retries=SLOW)
    user.find(marker="order-confirm").click()
    user.find(marker="confirm-reference").type("ONC-AR-88")
    user.find(marker="confirm-date").type("25/11/2026")
    user.find(marker="confirm-save").click()
    await user.should_see("ONC-AR-88", retries=SLOW)
    # two lots scanned, 8 of the 10 vials: the order is partially received
    for count, (lot, expiry, quantity) in enumerate(
            (("PX2611", "290131", "5"), ("PX2612", "290228", "3")), start=1):
        user.find(marker="reception-scan").type(
            "]d2" + gs1_code(PACLI_30_GTIN, lot, expiry, f"S{lot}")).trigger("keydown.enter")
        await user.should_see(f"lot {lot}", retries=SLOW)
        [select] = user.find(marker="reception-line").elements
        assert select.value == pacli.order_line_id  # chosen by the vial's GTIN
        user.find(marker="reception-quantity").clear().type(quantity)
        user.find(marker="reception-save").click()
        await receptions(store, order_id, count)
        await user.should_see("Réception enregistrée", retries=SLOW)
    order = repository.order(store.cursor(), order_id)
    assert order.status == "partially_received"
    assert [(r["lot"], r["expiry_date"], r["quantity"], r["entry"]) for r in
            repository.receptions(store.cursor(), order_id)] == [
        ("PX2611", date(2029, 1, 31), 5, "scan"), ("PX2612", date(2029, 2, 28), 3, "scan")]
    # the stock holds the two lots
    now_stock = stock.current_stock(store.cursor(), unit.settings)[PACLI_30]
    assert now_stock.quantity == before + 8
    assert {lot.lot: lot.quantity for lot in now_stock.lots if lot.lot.startswith("PX")} == {
        "PX2611": 5, "PX2612": 3}
    # closed: the 2 missing vials will not come
    user.find(marker="order-close").click()
    user.find(marker="close-reason").type("2 flacons en rupture, non livrés")
    user.find(marker="close-save").click()
    await user.should_see("clôturée", retries=SLOW)
    assert repository.order(store.cursor(), order_id).status == "closed"
    assert repository.awaited_vials(store.cursor()).get(PACLI_30, 0) == 0
    await user.open(f"/stock/{PACLI_30}")
    await user.should_see(marker="lot-PX2611", retries=SLOW)
    [balance] = user.find(marker="lot-balance-PX2612").elements
    assert balance.text.startswith("3")
    actions = [a for a in ("ordering.order_create", "ordering.order_send",
                           "ordering.order_confirm", "ordering.order_receive",
                           "ordering.order_close") for _ in audit_rows(store, a)]
    assert actions == ["ordering.order_create", "ordering.order_send", "ordering.order_confirm",
                       "ordering.order_receive", "ordering.order_receive",
                       "ordering.order_close"]
