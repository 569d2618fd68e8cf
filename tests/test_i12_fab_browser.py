"""Issue 12, real browser (see test_browser.py for the Chromium set-up): from the production
queue to a preparation "préparée" as a preparer works at the isolator. The data directory is
prepared before the server starts (the demo re-anchored to today, an mFOLFOX6 for today signed
and validated); in Chromium the preparer double-clicks "Imprimer la sélection", opens the
oxaliplatin preparation, types a vial's GS1 code as a keyboard-wedge scanner does (the real
0x1D separator, then Enter), a wrong product first, enters the diluent's lot and marks it made.
The store is read once the server stopped: one batch printed, one vial recorded."""

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
OXALI_200 = "03400792549539"  # Oxaliplatine 5 mg/mL 200 mg/40 mL
FU_1000 = "03400972996108"


def _vial(gtin: str, serial: str) -> str:
    return f"01{gtin}1727123110LOT-B7{GS}21{serial}"


def _prepare(data_dir) -> str:
    """The demo as `serve --demo` sets it up today, plus one validated mFOLFOX6 (D1 today)."""
    from prescription_helpers import RECENT_PATIENT

    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.modules.prescription import drafts, lifecycle
    from chemo_fallback.modules.prescription.models import DraftRequest
    from chemo_fallback.modules.validation import decisions
    from chemo_fallback.modules.validation import service as validation
    from chemo_fallback.modules.validation.models import Override, Severity
    from chemo_fallback.site_settings import SiteSettings
    from chemo_fallback.snapshot.activation import activate_snapshot

    today, settings = date.today(), SiteSettings()
    store = Store.open(data_dir)
    try:
        report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=today)
        assert report.status == "activated", report.to_text()
        ensure_demo_accounts(store)
        doctor, pharmacist = find_user(store, "medecin"), find_user(store, "pharmacien")
        request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=6,
                               cycle_start_date=today)
        rx = drafts.start_draft(store, doctor, request, settings, today)
        lifecycle.sign(store, doctor, rx.prescription_id, settings, today)
        store.cursor().execute(
            "UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?",
            [datetime.now() - timedelta(hours=1), rx.prescription_id],
        )
        _rx, findings = validation.findings_of(store, pharmacist, rx.prescription_id, settings,
                                               today)
        lifts = [Override(key=f.key, reason="Vu avec le prescripteur") for f in findings
                 if f.severity == Severity.BLOCKING]
        decisions.validate(store, pharmacist, rx.prescription_id, lifts, settings, today)
        return rx.prescription_id
    finally:
        store.close()


@pytest.fixture
def prepared_app(tmp_path):
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


SCAN_FIELD = "Scan du flacon (le lecteur tape le code puis Entrée)"


def _scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: it types the code into the focused field (the GS
    separator as the real 0x1D character), then Enter."""
    for n, part in enumerate(code.split(GS)):
        if n:
            page.keyboard.insert_text(GS)
        page.keyboard.type(part, delay=5)
    page.keyboard.press("Enter")


def test_from_the_queue_to_a_prepared_preparation(prepared_app) -> None:
    base, data_dir, stop = prepared_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR",
                                accept_downloads=True)
        sign_in(page, base, "preparateur", "Demo-Prepa-2026!")
        page.goto(f"{base}/fabrication")
        page.get_by_text("à préparer 4 · fiche imprimée 0").wait_for(timeout=20_000)
        page.get_by_role("button", name="Tout sélectionner").click()
        page.get_by_text("4 sélectionnée(s)").wait_for(timeout=10_000)
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Imprimer la sélection (fiches et étiquettes)") \
                .dblclick()
        assert download.value.suggested_filename.endswith(".pdf")
        page.get_by_text("fiche imprimée 4").wait_for(timeout=20_000)
        time.sleep(1.5)  # what a second click would have printed has had time to show
        page.screenshot(path=str(ARTIFACTS / "i12-queue-printed.png"), full_page=True)
        page.locator("a", has_text="ouvrir").last.click()  # oxaliplatine, last group
        page.get_by_text("OXALIPLATINE 178").wait_for(timeout=20_000)

        field = page.get_by_label(SCAN_FIELD)
        field.click()
        _scan(page, _vial(FU_1000, "SNB1"))
        page.get_by_text("Flacon refusé : Mauvais produit").wait_for(timeout=15_000)
        assert field.input_value() == ""
        _scan(page, "]d2" + _vial(OXALI_200, "SNB2"))
        page.get_by_text("Flacon enregistré : Oxaliplatine 5 mg/mL 200 mg/40 mL — lot LOT-B7"
                         ).wait_for(timeout=15_000)
        page.get_by_text("EN COURS").wait_for(timeout=15_000)
        assert field.input_value() == ""
        # the field kept the focus: the next vial's code goes into it without a click
        page.keyboard.type("01")
        assert field.input_value() == "01"
        field.fill("")
        page.get_by_label("Lot du solvant (poche ou flacon)").fill("G5-2611")
        page.get_by_role("button", name="Préparation faite").click()
        page.get_by_text("PRÉPARÉE", exact=True).wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i12-preparation-prepared.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        batches = cur.execute(
            "SELECT count(*) FROM printed_documents WHERE kind = 'fabrication_batch'"
        ).fetchone()[0]
        numbered = cur.execute("SELECT count(*) FROM fab_preparations").fetchone()[0]
        scans = cur.execute("SELECT gtin, lot, serial FROM fab_vial_scans").fetchall()
        status = cur.execute(
            "SELECT status, diluent_lot FROM fab_preparations WHERE drug_id = 'OXALIPLATINE'"
        ).fetchone()
    finally:
        store.close()
    assert (batches, numbered) == (1, 4)
    assert scans == [(OXALI_200, "LOT-B7", "SNB2")]
    assert status == ("prepared", "G5-2611")
