"""Issue 14, the stock pages (NiceGUI `user` fixture, the demo pinned to its export day): the
list with its alerts and search, a product's lots and every movement with its cause, the
discard and correction dialogs (a refusal shown in French, what was typed kept), a preparer
who sees the stock but cannot adjust it, an unknown product, the buyer's home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from i14_stock_helpers import balance
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import SLOW, sign_in

from chemo_fallback.modules.ordering import orders as order_service
from chemo_fallback.modules.ordering import stock_service
from chemo_fallback.modules.ordering.pages import common, home_page
from chemo_fallback.site_settings import SiteSettings

__all__ = ["app_state"]
OXALI_50 = "OXALIPLATINE-50MG"  # demo: NL30130 2 vials (2028), KM61219 3 vials (expired)
NOW = at(TODAY, 9)


@pytest.fixture
def unit(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    app_state.settings = SiteSettings(stock_minimums={OXALI_50: 10})
    return app_state


def choose(user: User, marker: str, label: str) -> None:
    """Pick the option shown as `label` in the select."""
    [select] = user.find(marker=marker).elements
    assert label in select.options.values(), select.options
    with user.client:
        select.value = next(k for k, v in select.options.items() if v == label)


def movement_count(store) -> int:
    return store.cursor().execute("SELECT count(*) FROM ord_stock_movements").fetchone()[0]


async def test_the_stock_list_shows_every_product_with_its_alerts(user: User, unit) -> None:
    await sign_in(user, unit.store, "buyer")
    await user.open("/stock")
    await user.should_see(marker=f"stock-row-{OXALI_50}", retries=SLOW)
    await user.should_see("Oxaliplatine 5 mg/mL 50 mg/10 mL")
    [total] = user.find(marker=f"stock-total-{OXALI_50}").elements
    [usable] = user.find(marker=f"stock-usable-{OXALI_50}").elements
    assert (total.text, usable.text) == ("5", "2")  # the expired lot does not count as usable
    await user.should_see("sous le minimum")
    await user.should_see("périmé — à détruire (KM61219)")
    await user.should_see(marker="stock-count-below_minimum")
    [row] = user.find(marker=f"stock-row-{OXALI_50}").elements
    assert "bg-red-100" in row.classes
    # the search narrows the list, by name, code or lot
    user.find(marker="stock-search").type("KM61219")
    await user.should_see("1 produit(s) affiché(s)")
    user.find(marker="stock-search").clear().type("introuvable-xyz")
    await user.should_see("Aucun produit ne correspond à la recherche.")


async def test_a_products_page_lists_its_lots_and_every_movement(user: User, unit) -> None:
    store = unit.store
    buyer = await sign_in(user, store, "buyer")
    stock_service.discard(store, buyer, OXALI_50, "KM61219", 3, "Lot périmé", now=NOW)
    await user.open(f"/stock/{OXALI_50}")
    await user.should_see(marker="product-name", retries=SLOW)
    await user.should_see(marker="lot-NL30130")
    await user.should_see("stock de l'instantané")
    await user.should_see("destruction")
    await user.should_see("Lot périmé")
    await user.should_see("Test buyer")  # by whom, by name
    [held] = user.find(marker="lot-balance-KM61219").elements
    assert held.text == "0"
    # every movement in order: the two snapshot lots, then the discard
    assert len(user.find(marker="movement-2").elements) == 1
    await user.should_see("mouvement n° 1")


async def test_discard_dialog_records_and_a_refusal_is_shown_in_french(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    await user.open(f"/stock/{OXALI_50}")
    await user.should_see(marker="stock-discard", retries=SLOW)
    user.find(marker="stock-discard").click()
    await user.should_see(marker="discard-quantity")
    user.find(marker="discard-quantity").type("4")
    user.find(marker="discard-reason").type("Flacons périmés")
    user.find(marker="discard-save").click()
    # KM61219 (the expired lot, first by expiry) holds 3: refused, the dialog keeps what was typed
    await user.should_see("n'en compte que 3 flacon(s)", retries=SLOW)
    assert movement_count(store) == 0
    [reason] = user.find(marker="discard-reason").elements
    assert reason.value == "Flacons périmés"
    user.find(marker="discard-quantity").clear().type("3")
    user.find(marker="discard-save").click()
    await user.should_see("Destruction enregistrée", retries=SLOW)
    assert balance(store, OXALI_50, "KM61219") == 0
    assert len(audit_rows(store, "ordering.stock_discard")) == 1
    await user.should_see("Flacons périmés")  # the movement, with its reason, on the page


async def test_correction_dialog_counts_the_shelf(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "pharmacist")
    await user.open(f"/stock/{OXALI_50}")
    await user.should_see(marker="stock-correct", retries=SLOW)
    user.find(marker="stock-correct").click()
    await user.should_see(marker="correct-lot")
    choose(user, "correct-lot", "NL30130 — 2 flacon(s), péremption 18/07/2028")
    await user.should_see("Stock enregistré du lot : 2 flacon(s).")
    user.find(marker="correct-counted").type("2,5")
    user.find(marker="correct-reason").type("Inventaire mensuel")
    user.find(marker="correct-save").click()
    await user.should_see("un nombre entier de flacons est attendu", retries=SLOW)
    user.find(marker="correct-counted").clear().type("6")
    user.find(marker="correct-save").click()
    await user.should_see("Correction enregistrée", retries=SLOW)
    assert balance(store, OXALI_50, "NL30130") == 6
    await user.should_see("correction d'inventaire")


async def test_a_lot_found_on_the_shelf_is_added_with_its_expiry(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    await user.open(f"/stock/{OXALI_50}")
    await user.should_see(marker="stock-correct", retries=SLOW)
    user.find(marker="stock-correct").click()
    await user.should_see(marker="correct-lot")
    choose(user, "correct-lot", "Autre lot (trouvé sur l'étagère, inconnu du stock)")
    await user.should_see(marker="correct-new-lot")
    user.find(marker="correct-new-lot").type("ZZ123")
    user.find(marker="correct-counted").type("2")
    user.find(marker="correct-reason").type("Trouvé en réserve")
    user.find(marker="correct-save").click()
    await user.should_see("saisissez sa date de péremption", retries=SLOW)
    user.find(marker="correct-expiry").type("31/01/2028")
    user.find(marker="correct-save").click()
    await user.should_see("Correction enregistrée", retries=SLOW)
    await user.should_see(marker="lot-ZZ123")
    assert balance(store, OXALI_50, "ZZ123") == 2


async def test_a_preparer_sees_the_stock_but_cannot_adjust_it(user: User, unit) -> None:
    await sign_in(user, unit.store, "preparer")
    await user.open(f"/stock/{OXALI_50}")
    await user.should_see(marker="lot-NL30130", retries=SLOW)
    await user.should_not_see(marker="stock-discard")
    await user.should_not_see(marker="stock-correct")


async def test_an_unknown_product_is_a_french_message(user: User, unit) -> None:
    await sign_in(user, unit.store, "buyer")
    await user.open("/stock/PRODUIT-QUI-N-EXISTE-PAS")
    await user.should_see("inconnu de l'instantané actif", retries=SLOW)


async def test_a_nurse_may_not_open_the_stock(user: User, unit) -> None:
    await sign_in(user, unit.store, "nurse")
    await user.open("/stock")
    await user.should_see(marker="access-denied", retries=SLOW)


async def test_the_buyers_home_counts_the_alerts_and_the_orders(user: User, unit) -> None:
    await sign_in(user, unit.store, "buyer")
    await user.open("/achats")
    await user.should_see(marker="home-summary", retries=SLOW)
    await user.should_see("sous le minimum : 1")
    await user.should_see("Aucune commande en cours chez les fournisseurs.")
    await user.should_see(marker=f"home-alert-below_minimum-{OXALI_50}")
    await user.should_see(marker=f"home-alert-expired-{OXALI_50}")
    await user.should_see("Aucun écart : aucun lot n'a un stock négatif.")
    await user.should_see(marker="home-forecast")


async def test_the_buyers_home_lists_open_orders_late_first(user: User, unit) -> None:
    store = unit.store
    buyer = await sign_in(user, store, "buyer")
    late_id = order_service.create_order(
        store, buyer, "GENTHERA", [order_service.LineRequest(OXALI_50, 1)],
        settings=unit.settings, now=at(TODAY - timedelta(days=15), 9))
    order_service.send_order(store, buyer, late_id, now=at(TODAY - timedelta(days=15), 10))
    on_time_id = order_service.create_order(
        store, buyer, "MEDILINE", [order_service.LineRequest("OXALIPLATINE-100MG", 1)],
        settings=unit.settings, now=NOW)
    order_service.send_order(store, buyer, on_time_id, now=NOW)
    order_service.create_order(  # a draft is not awaited: not listed
        store, buyer, "MEDILINE", [order_service.LineRequest("OXALIPLATINE-100MG", 2)],
        settings=unit.settings, now=NOW)
    day = home_page.buyer_day(store, buyer, unit.settings, TODAY)
    assert [(o.order.order_id, o.late, o.lead_time_days) for o in day.orders] == [
        (late_id, True, 10), (on_time_id, False, 2)]
    await user.open("/achats")
    await user.should_see("commandes en cours : 2 · en retard : 1", retries=SLOW)
    await user.should_see(marker=f"home-late-{late_id}")
    await user.should_not_see(marker=f"home-late-{on_time_id}")
    await user.should_see("Genthéra Biosimilaires")
