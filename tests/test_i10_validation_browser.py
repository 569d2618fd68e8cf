"""Issue 10, real browser (see test_browser.py for the Chromium set-up): a double click on
"Enregistrer le feu vert" records one feu vert. The data directory is prepared before the
server starts (the demo snapshot re-anchored to today, a signed mFOLFOX6 whose first day is
today), then the nurse double-clicks in Chromium; the store is read once the server stopped."""

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


def _prepare(data_dir) -> str:
    """The demo as `serve --demo` sets it up today, plus one signed prescription (D1 today),
    created an hour ago so that a feu vert given now follows it."""
    from prescription_helpers import RECENT_PATIENT

    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.modules.prescription import drafts, lifecycle
    from chemo_fallback.modules.prescription.models import DraftRequest
    from chemo_fallback.site_settings import SiteSettings
    from chemo_fallback.snapshot.activation import activate_snapshot

    store = Store.open(data_dir)
    try:
        report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=date.today())
        assert report.status == "activated", report.to_text()
        ensure_demo_accounts(store)
        doctor = find_user(store, "medecin")
        request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=6,
                               cycle_start_date=date.today())
        rx = drafts.start_draft(store, doctor, request, SiteSettings(), date.today())
        lifecycle.sign(store, doctor, rx.prescription_id, SiteSettings(), date.today())
        store.cursor().execute(
            "UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?",
            [datetime.now() - timedelta(hours=1), rx.prescription_id],
        )
        return rx.prescription_id
    finally:
        store.close()


@pytest.fixture
def prepared_app(tmp_path):
    data_dir = tmp_path / "data"
    rx_id = _prepare(data_dir)
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

    yield f"http://127.0.0.1:{port}", data_dir, rx_id, stop
    stop()


def test_a_double_click_on_the_feu_vert_records_one(prepared_app) -> None:
    base, data_dir, rx_id, stop = prepared_app
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        sign_in(page, base, "infirmier", "Demo-Infirmier-2026!")
        page.goto(f"{base}/prescriptions/{rx_id}")
        page.get_by_text("Aucun feu vert enregistré.").wait_for(timeout=15_000)
        page.get_by_label("Donné par (nom, fonction)").fill("Dr Colin, HDJ oncologie")
        page.get_by_role("button", name="Enregistrer le feu vert").dblclick()
        given = page.get_by_text("feu vert de Dr Colin, HDJ oncologie")
        given.first.wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have recorded has had time to show
        page.reload()
        page.get_by_text("feu vert de Dr Colin, HDJ oncologie").first.wait_for(timeout=15_000)
        # the feu vert section lists each one once ("noté par"; the record's trail says it too)
        shown = page.get_by_text("noté par Hugo Petit").count()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "i10-feu-vert-double-click.png"), full_page=True)
        browser.close()
    assert shown == 1
    stop()
    store = Store.open(data_dir)
    try:
        recorded = store.cursor().execute(
            "SELECT count(*) FROM go_aheads WHERE prescription_id = ?", [rx_id]
        ).fetchone()[0]
        audited = store.cursor().execute(
            "SELECT count(*) FROM audit_log WHERE action = 'prescription.go_ahead'"
        ).fetchone()[0]
    finally:
        store.close()
    assert (recorded, audited) == (1, 1)
