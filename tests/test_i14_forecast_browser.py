"""Issue 14, real browser (see test_browser.py for the Chromium set-up): the buyer opens the
forecast of the demo (reanchored to today), reads a suggestion's computation, and
double-clicks "Créer la commande" of the first supplier: one order, from the suggestion. The
store is read once the server stopped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.store import Store

__all__ = ["pytestmark"]


def _prepare(data_dir) -> None:
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.snapshot.activation import activate_snapshot

    store = Store.open(data_dir)
    try:
        report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=date.today())
        assert report.status == "activated", report.to_text()
        ensure_demo_accounts(store)
    finally:
        store.close()


@pytest.fixture
def served(tmp_path):
    data_dir = tmp_path / "data"
    _prepare(data_dir)
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


def test_a_double_click_on_create_the_order_creates_one(served) -> None:
    base, data_dir, stop = served
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        sign_in(page, base, "acheteur", "Demo-Achat-2026!")
        page.goto(f"{base}/achats/prevision")
        page.get_by_text("flacons prévus").first.wait_for(timeout=20_000)
        page.get_by_text("Détail du calcul").first.wait_for(timeout=5_000)
        page.screenshot(path=str(ARTIFACTS / "i14-forecast.png"), full_page=True)
        # the first group holds lines to order (ticked): its button creates the order
        page.get_by_role("button", name="Créer la commande").first.dblclick()
        page.get_by_text("Commande CMD000001").wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have created has had time to
        page.screenshot(path=str(ARTIFACTS / "i14-forecast-order.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        made = cur.execute("SELECT order_id, origin, status FROM ord_orders").fetchall()
        lines = cur.execute("SELECT packs, explanation FROM ord_order_lines").fetchall()
    finally:
        store.close()
    assert made == [("CMD000001", "suggestion", "draft")]
    assert lines and all(json.loads(text)["packs"] == packs for packs, text in lines)
