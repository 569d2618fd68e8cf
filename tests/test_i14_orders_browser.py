"""Issue 14, real browser (see test_browser.py for the Chromium set-up): the buyer
double-clicks "Créer la commande" on a new order (one order), then, on a confirmed order, scans
a vial as a keyboard-wedge scanner types it (the real 0x1D separator, then Enter) and
double-clicks "Enregistrer la réception" (one reception). The store is read once the server
stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.store import Store

__all__ = ["pytestmark"]
GS = "\x1d"
OXALI_100 = "OXALIPLATINE-100MG"
OXALI_100_GTIN = "03400846031744"


def _prepare(data_dir) -> str:
    """The demo as `serve --demo` sets it up today, plus a confirmed order from MEDILINE."""
    from i14_helpers import make_order

    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.site_settings import SiteSettings
    from chemo_fallback.snapshot.activation import activate_snapshot

    store = Store.open(data_dir)
    try:
        report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=date.today())
        assert report.status == "activated", report.to_text()
        ensure_demo_accounts(store)
        now = datetime.now() - timedelta(hours=1)
        return make_order(store, find_user(store, "acheteur"), lines=[(OXALI_100, 2)],
                          status="confirmed", settings=SiteSettings(), now=now)
    finally:
        store.close()


@pytest.fixture
def prepared_app(tmp_path):
    data_dir = tmp_path / "data"
    order_id = _prepare(data_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "chemo_fallback.cli", "serve", "--demo", "--port", str(port),
         "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.3)

    def stop() -> None:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=15)
        log.close()

    yield f"http://127.0.0.1:{port}", data_dir, order_id, stop
    stop()


def _scan(page, code: str) -> None:
    for n, part in enumerate(code.split(GS)):
        if n:
            page.keyboard.insert_text(GS)
        page.keyboard.type(part, delay=5)
    page.keyboard.press("Enter")


def test_double_clicks_create_one_order_and_record_one_reception(prepared_app) -> None:
    base, data_dir, order_id, stop = prepared_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        sign_in(page, base, "acheteur", "Demo-Achat-2026!")
        page.goto(f"{base}/commandes/nouvelle")
        page.get_by_role("combobox", name="Fournisseur").click()
        page.get_by_role("option", name="Médiline Hospitalier").click()
        page.get_by_text("MED-617390").wait_for(timeout=15_000)
        packs = page.get_by_role("spinbutton").first
        packs.fill("3")
        page.get_by_role("button", name="Créer la commande (brouillon)").dblclick()
        page.get_by_text("brouillon").first.wait_for(timeout=15_000)
        page.get_by_text("Commande CMD000002").wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have created has had time to
        page.screenshot(path=str(ARTIFACTS / "i14-order-draft.png"), full_page=True)

        page.goto(f"{base}/commandes/{order_id}")
        field = page.get_by_label("Scan du flacon (le lecteur tape le code puis Entrée)")
        field.wait_for(timeout=15_000)
        field.click()
        _scan(page, f"]d201{OXALI_100_GTIN}1729013110BRW-1{GS}21SNBRW1")
        page.get_by_text("Lu : GTIN").wait_for(timeout=15_000)
        page.get_by_label("Flacons reçus de ce lot").fill("4")
        page.get_by_role("button", name="Enregistrer la réception").dblclick()
        page.get_by_text("Réception enregistrée").wait_for(timeout=15_000)
        time.sleep(1.5)
        page.screenshot(path=str(ARTIFACTS / "i14-order-received.png"), full_page=True)
        page.goto(f"{base}/commandes")
        page.get_by_text(order_id).first.wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i14-orders-list.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        made = cur.execute("SELECT order_id, status FROM ord_orders ORDER BY order_no").fetchall()
        received = cur.execute(
            "SELECT order_id, lot, quantity, entry FROM ord_stock_movements").fetchall()
    finally:
        store.close()
    assert made == [(order_id, "partially_received"), ("CMD000002", "draft")]
    assert received == [(order_id, "BRW-1", 4.0, "scan")]
