"""Issue 14, real browser (see test_browser.py for the Chromium set-up): the buyer opens the
stock of a product, destroys a vial of its expired lot and corrects the inventory, each with a
double click on the dialog's button; the store, read once the server stopped, holds one
movement each."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.store import Store

__all__ = ["pytestmark"]
PRODUCT = "OXALIPLATINE-100MG"  # demo: VL33375, 2 vials, expired


@pytest.fixture
def demo_app(tmp_path):
    data_dir = tmp_path / "data"
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

    yield f"http://127.0.0.1:{port}", data_dir, stop
    stop()


def test_discard_and_correction_double_clicked_record_once(demo_app) -> None:
    base, data_dir, stop = demo_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        sign_in(page, base, "acheteur", "Demo-Achat-2026!")
        page.goto(f"{base}/stock")
        page.get_by_text("Oxaliplatine 5 mg/mL 100 mg/20 mL").click()
        page.get_by_text("Code OXALIPLATINE-100MG").wait_for(timeout=20_000)
        page.get_by_role("button", name="Détruire des flacons").click()
        page.get_by_label("Nombre de flacons à détruire").fill("1")
        page.get_by_label("Motif (obligatoire : flacon cassé, périmé, lot rappelé…)").fill(
            "Lot périmé")
        page.get_by_role("button", name="Détruire", exact=True).dblclick()
        page.get_by_text("Destruction enregistrée").wait_for(timeout=15_000)
        page.get_by_text("Lot périmé", exact=True).wait_for(timeout=15_000)

        page.get_by_role("button", name="Corriger l'inventaire").click()
        page.get_by_text("Stock enregistré du lot : 1 flacon(s).").wait_for(timeout=10_000)
        page.get_by_label("Nombre de flacons comptés").fill("0")
        page.get_by_label("Motif (obligatoire : inventaire, casse non déclarée…)").fill(
            "Inventaire mensuel")
        page.get_by_role("button", name="Enregistrer la correction").dblclick()
        page.get_by_text("Correction enregistrée").wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have recorded has had time to arrive
        page.screenshot(path=str(ARTIFACTS / "i14-stock-product.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        moves = store.cursor().execute(
            "SELECT product_id, lot, quantity, cause FROM ord_stock_movements "
            "ORDER BY movement_id").fetchall()
    finally:
        store.close()
    assert moves == [(PRODUCT, "VL33375", -1.0, "discard"),
                     (PRODUCT, "VL33375", -1.0, "correction")]
