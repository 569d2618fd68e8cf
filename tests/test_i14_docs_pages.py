"""Issue 14, documents and export pages (NiceGUI `user` fixture): the order page's documents
block prints the purchase order, then offers the duplicate, then (once confirmed) the new one;
the e-mail text is shown with copy buttons; the export page downloads the zip for the default
period (the last 30 days) and refuses an inverted period; a double click exports once."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime, time, timedelta

import pytest
from i14_helpers import SETTINGS, make_order
from nicegui.testing import User
from prescription_helpers import TODAY, activate_demo, audit_rows
from test_i12_fab_pages import downloaded
from web_helpers import SLOW, sign_in

from chemo_fallback.documents.store import documents_for
from chemo_fallback.modules.ordering import export, orders
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.web import state

NOW = datetime.combine(TODAY, time(10, 0))


@pytest.fixture
def ordering_app(store, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    activate_demo(store)
    installed = state.AppState(store=store, settings=SETTINGS)
    state.install(installed)
    return installed


async def test_print_reprint_then_print_the_confirmed_order(user: User, ordering_app) -> None:
    store = ordering_app.store
    buyer = await sign_in(user, store, "buyer")
    order_id = make_order(store, buyer, status="sent")
    await user.open(f"/commandes/{order_id}")
    await user.should_see("Le bon de commande n'a pas encore été imprimé.", retries=SLOW * 3)
    # the e-mail, ready to paste
    await user.should_see(marker="email-to")
    [to] = user.find(marker="email-to").elements
    [subject] = user.find(marker="email-subject").elements
    [body] = user.find(marker="email-body").elements
    assert to.value == "commandes@mediline.example"
    assert subject.value == f"Commande {order_id} — PUI du Centre hospitalier de test"
    assert "bon de commande joint" in body.value
    user.find(marker="email-body-copy").click()
    await user.should_see("Copié : collez-le dans la messagerie.")

    user.find(marker="po-print").click()
    response = await downloaded(user)
    assert response.content.startswith(b"%PDF")
    await user.should_see("Une nouvelle impression est un duplicata.", retries=SLOW * 3)
    [document] = documents_for(store, "order", order_id)
    assert document.kind == "purchase_order"

    user.find(marker="po-reprint").click()
    again = await downloaded(user, 2)
    assert again.content.startswith(b"%PDF") and again.content != response.content
    await asyncio.sleep(0.2)
    assert len(audit_rows(store, "document.reprinted")) == 1
    assert len(documents_for(store, "order", order_id)) == 1

    orders.confirm_order(store, buyer, order_id, "AR-9", TODAY + timedelta(days=2), now=NOW)
    await user.open(f"/commandes/{order_id}")
    await user.should_see("ne dit plus ce que dit la commande", retries=SLOW * 3)
    user.find("Imprimer le bon de commande à jour").click()
    await downloaded(user, 3)
    await user.should_see("Une nouvelle impression est un duplicata.", retries=SLOW * 3)
    assert len(documents_for(store, "order", order_id)) == 2


async def test_export_page_downloads_the_zip(user: User, ordering_app) -> None:
    store = ordering_app.store
    buyer = await sign_in(user, store, "buyer")
    order_id = make_order(store, buyer, status="sent")
    await user.open("/commandes/export")
    [first] = user.find(marker="export-from").elements
    [last] = user.find(marker="export-to").elements
    assert (first.value, last.value) == ("25/10/2026", "23/11/2026")
    user.find(marker="export-run").click()
    response = await downloaded(user)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert order_id in archive.read(export.ORDERS).decode("utf-8-sig")
    await user.should_see("Export du 25/10/2026 au 23/11/2026 : 1 commande(s), 2 ligne(s) de "
                          "commande, 0 réception(s)", retries=SLOW * 3)
    assert len(audit_rows(store, "ordering.export")) == 1


async def test_export_page_refuses_an_inverted_period(user: User, ordering_app) -> None:
    store = ordering_app.store
    await sign_in(user, store, "buyer")
    await user.open("/commandes/export")
    user.find(marker="export-from").clear().type("24/11/2026")
    user.find(marker="export-run").click()
    await user.should_see("Période inversée : du 24/11/2026 au 23/11/2026.", retries=SLOW * 3)
    assert audit_rows(store, "ordering.export") == []


async def test_export_page_is_for_buyers(user: User, ordering_app) -> None:
    await sign_in(user, ordering_app.store, "pharmacist")
    await user.open("/commandes/export")
    await user.should_see(marker="access-denied")


async def test_double_click_exports_once(user: User, ordering_app) -> None:
    store = ordering_app.store
    await sign_in(user, store, "buyer")
    await user.open("/commandes/export")
    button = user.find(marker="export-run")
    button.click()
    button.click()
    await downloaded(user)
    await asyncio.sleep(0.5)
    assert len(audit_rows(store, "ordering.export")) == 1
