"""Issue 14, the order pages (NiceGUI `user` fixture, the demo pinned to its export day): a new
order by hand, refusals shown in French, the status buttons and their dialogs, receptions by
scan and by typing, the list with late orders in red, an unknown order, roles."""

from __future__ import annotations

from datetime import date

import pytest
from i14_helpers import (
    FU_250,
    GTINS,
    MEDILINE,
    NOW,
    OXALI_100,
    gs1_code,
    make_order,
    order_lines,
)
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_web_validation import app_state
from web_helpers import SLOW, create_account, sign_in

from chemo_fallback.modules.ordering import repository
from chemo_fallback.modules.ordering.pages import common

__all__ = ["app_state"]


@pytest.fixture
def unit(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    return app_state


def choose_line(user: User, line_id: str) -> None:
    [select] = user.find(marker="reception-line").elements
    assert line_id in select.options
    select.set_value(line_id)


def status(store, order_id: str) -> str:
    return repository.order(store.cursor(), order_id).status


async def test_a_new_order_by_hand_with_refusals_then_created(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    await user.open("/commandes")
    await user.should_see("Aucune commande", retries=SLOW)
    user.find(marker="orders-new").click()
    await user.should_see(marker="new-supplier", retries=SLOW)
    user.find(marker="new-supplier").click()
    user.find("Médiline Hospitalier").click()
    await user.should_see(marker=f"new-packs-{OXALI_100}", retries=SLOW)
    await user.should_see("MED-617390")
    await user.should_not_see(marker="new-packs-OXALIPLATINE-50MG")  # not sold by Médiline
    await user.should_not_see(marker="new-packs-IRINOTECAN-500MG")  # not on the formulary
    user.find(marker="new-create").click()
    await user.should_see("Commande vide", retries=SLOW)
    user.find(marker=f"new-packs-{OXALI_100}").type("2.5")
    user.find(marker="new-create").click()
    await user.should_see("Quantité impossible", retries=SLOW)
    user.find(marker=f"new-packs-{OXALI_100}").clear().type("2")
    user.find(marker=f"new-packs-{FU_250}").type("1")
    user.find(marker="new-create").click()
    await user.should_see("Commande CMD000001", retries=SLOW)
    await user.should_see("brouillon")
    await user.should_see("Total HT : 111,00 €")  # 10 × 9,50 + 5 × 3,20
    assert sorted((li.product_id, li.packs, li.quantity_vials)
                  for li in order_lines(store, "CMD000001")) == [
        (FU_250, 1, 5), (OXALI_100, 2, 10)]
    await user.should_see(marker="order-documents")


async def test_send_confirm_receive_by_scan_and_by_hand_then_close(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    order_id = make_order(store, create_account(store, "buyer", "acheteur2"))
    oxali, fu = order_lines(store, order_id)
    await user.open(common.order_url(order_id))
    await user.should_see(marker="order-send", retries=SLOW)
    await user.should_not_see(marker="reception-scan")  # a draft is not received
    user.find(marker="order-send").click()
    await user.should_see(marker="order-confirm", retries=SLOW)
    assert status(store, order_id) == "sent"
    user.find(marker="order-confirm").click()
    user.find(marker="confirm-reference").type("AR-5521")
    user.find(marker="confirm-date").type("20/11/2026")
    user.find(marker="confirm-save").click()
    await user.should_see("Date de livraison promise dans le passé", retries=SLOW)
    user.find(marker="confirm-date").clear().type("25/11/2026")
    user.find(marker="confirm-save").click()
    await user.should_see("AR-5521", retries=SLOW)
    await user.should_see("confirmée")
    assert status(store, order_id) == "confirmed"
    # a product not on the order scanned: refused naming both, nothing recorded
    await user.should_see(marker="reception-scan")
    choose_line(user, oxali.order_line_id)
    user.find(marker="reception-scan").type(
        gs1_code(GTINS["FLUOROURACILE-1000MG"], "FUX")).trigger("keydown.enter")
    await user.should_see("Lu : GTIN 03400972996108, lot FUX", retries=SLOW)
    user.find(marker="reception-quantity").type("1")
    user.find(marker="reception-save").click()
    await user.should_see("Réception refusée : Mauvais produit", retries=SLOW)
    assert repository.receptions(store.cursor(), order_id) == []
    # a vial of the order's other product chooses its line by itself
    user.find(marker="reception-scan").type(gs1_code(GTINS[FU_250], "FU1")).trigger(
        "keydown.enter")
    await user.should_see("lot FU1", retries=SLOW)
    [select] = user.find(marker="reception-line").elements
    assert select.value == fu.order_line_id
    # the right vial: its line chosen by its GTIN, 6 of 10 received
    user.find(marker="reception-scan").type(
        gs1_code(GTINS[OXALI_100], "OX2611", "281130", "SN1")).trigger("keydown.enter")
    await user.should_see("lot OX2611, péremption 30/11/2028", retries=SLOW)
    user.find(marker="reception-quantity").clear().type("6")
    user.find(marker="reception-save").click()
    await user.should_see("Réception enregistrée", retries=SLOW)
    await user.should_see("reçue en partie")
    assert status(store, order_id) == "partially_received"
    # over-reception refused, saying what remains
    choose_line(user, oxali.order_line_id)
    user.find(marker="reception-lot").type("OX2612")
    user.find(marker="reception-expiry").type("31/01/2029")
    user.find(marker="reception-quantity").clear().type("5")
    user.find(marker="reception-save").click()
    await user.should_see("Il reste 4 flacon(s)", retries=SLOW)
    user.find(marker="reception-quantity").clear().type("4")
    user.find(marker="reception-save").click()
    await user.should_see(marker=f"line-remaining-{oxali.order_line_id}", retries=SLOW)
    await user.should_see("saisie manuelle", retries=SLOW)
    assert [(r["lot"], r["entry"], r["quantity"]) for r in
            repository.receptions(store.cursor(), order_id)] == [
        ("OX2611", "scan", 6), ("OX2612", "manual", 4)]
    # closing with 5 vials of fluorouracil missing needs a reason
    user.find(marker="order-close").click()
    user.find(marker="close-save").click()
    await user.should_see("Motif obligatoire", retries=SLOW)
    user.find(marker="close-reason").type("fluorouracile en rupture chez le fournisseur")
    user.find(marker="close-save").click()
    await user.should_see("clôturée", retries=SLOW)
    assert status(store, order_id) == "closed"
    assert [r["actor"] for r in audit_rows(store, "ordering.order_receive")] == ["buyer"] * 2
    assert fu.remaining_vials == 5


async def test_cancel_needs_a_reason(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    order_id = make_order(store, create_account(store, "buyer", "acheteur2"), status="sent")
    await user.open(common.order_url(order_id))
    await user.should_see(marker="order-cancel", retries=SLOW)
    user.find(marker="order-cancel").click()
    user.find(marker="cancel-save").click()
    await user.should_see("Motif obligatoire", retries=SLOW)
    user.find(marker="cancel-reason").type("doublon")
    user.find(marker="cancel-save").click()
    await user.should_see("annulée", retries=SLOW)
    assert status(store, order_id) == "cancelled"
    await user.should_not_see(marker="order-cancel")


async def test_the_list_shows_late_orders_in_red_newest_first(user: User, unit) -> None:
    store = unit.store
    buyer = create_account(store, "buyer", "acheteur2")
    late = make_order(store, buyer, status="confirmed", now=NOW.replace(day=10),
                      promised_date=date(2026, 11, 12))
    on_time = make_order(store, buyer, status="sent")
    draft = make_order(store, buyer, lines=[(OXALI_100, 1)])
    await sign_in(user, store, "preparer")  # sees the orders, cannot write
    await user.open("/commandes")
    await user.should_see(marker=f"order-link-{draft}", retries=SLOW)
    await user.should_see(marker=f"order-late-{late}")
    await user.should_not_see(marker=f"order-late-{on_time}")
    await user.should_see("12/11/2026")
    await user.should_not_see(marker="orders-new")
    user.find(marker="orders-status-filter").click()
    user.find("brouillon").click()
    await user.should_not_see(marker=f"order-link-{late}", retries=SLOW)
    await user.should_see(marker=f"order-link-{draft}")
    await user.open(common.order_url(late))
    await user.should_see(marker="order-late", retries=SLOW)
    await user.should_see(marker="reception-scan")  # a preparer receives
    await user.should_not_see(marker="order-cancel")  # but does not cancel


async def test_an_unknown_order_says_so_in_french(user: User, unit) -> None:
    await sign_in(user, unit.store, "buyer")
    await user.open("/commandes/CMD999999")
    await user.should_see("Commande « CMD999999 » introuvable", retries=SLOW)
    await user.open("/commandes/nouvelle")
    await user.should_see(marker="new-supplier", retries=SLOW)
    assert MEDILINE
