"""Issue 13, item 1, real browser (see test_browser.py for the Chromium set-up): a made
preparation released with the pharmacist's signature. The data directory is prepared before
the server starts (the demo re-anchored to today, a validated mFOLFOX6 for today, its 5-FU
bolus printed, made by the demo preparer, controlled at the isolator by the pharmacist); in
Chromium the pharmacist types the mass with a decimal comma and sees the verdict computed,
answers the visual check, double-clicks "Enregistrer le contrôle", then "Libérer" and signs
(a double click on "Signer"). The store is read once the server stopped: one control, one
release, one signature "libéré"."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.store import Store

__all__ = ["pytestmark"]
GS = "\x1d"
FU_1000 = "03400972996108"


def _prepare(data_dir: Path) -> str:
    """The demo as `serve --demo` sets it up today, a validated mFOLFOX6 (D1 today) and its
    5-FU bolus made by the demo preparer, controlled at the isolator by the pharmacist."""
    from prescription_helpers import RECENT_PATIENT

    from chemo_fallback import audit
    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.config import DEMO_SNAPSHOT
    from chemo_fallback.modules.fabrication import steps
    from chemo_fallback.modules.fabrication.printing import create_preparations
    from chemo_fallback.modules.fabrication.queue import production_queue
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
        preparer = find_user(store, "preparateur")
        request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=6,
                               cycle_start_date=today)
        rx = drafts.start_draft(store, doctor, request, settings, today)
        lifecycle.sign(store, doctor, rx.prescription_id, settings, today)
        with store.transaction() as cur:  # written an hour ago: no "too recent" finding
            cur.execute("UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?",
                        [datetime.now() - timedelta(hours=1), rx.prescription_id])
            audit.record(cur, audit.command_line_actor(), "prescription.recomputed",
                         "prescription", rx.prescription_id, reason="test setup")
        _rx, findings = validation.findings_of(store, pharmacist, rx.prescription_id, settings,
                                               today)
        lifts = [Override(key=f.key, reason="Vu avec le prescripteur") for f in findings
                 if f.severity == Severity.BLOCKING]
        decisions.validate(store, pharmacist, rx.prescription_id, lifts, settings, today)
        now = datetime.now().replace(microsecond=0)
        queue = production_queue(store, preparer, today, settings, now=now)
        [bolus] = [i for i in queue.items if i.line["drug_id"] == "FLUOROURACILE"
                   and i.line["final_dose"] < 1000]
        with store.transaction() as cur:
            [new] = create_preparations(cur, preparer, [bolus.line_id], settings, now)
        prep_id = new.preparation_id
        steps.scan_vial(store, preparer, prep_id, f"01{FU_1000}1727123110LOT-B7{GS}21SNR1",
                        settings, now=now)
        steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-2611", now=now)
        steps.control(store, pharmacist, prep_id, now=now)
        return prep_id
    finally:
        store.close()


@pytest.fixture
def release_app(tmp_path):
    data_dir = tmp_path / "data"
    prep_id = _prepare(data_dir)
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

    yield f"http://127.0.0.1:{port}", data_dir, prep_id, stop
    stop()


def test_a_made_preparation_is_released_with_the_pharmacists_signature(release_app) -> None:
    base, data_dir, prep_id, stop = release_app
    number = prep_id.removeprefix("FAB")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
        page.goto(f"{base}/liberation")
        page.get_by_text(f"Ordonnancier n° {number}").wait_for(timeout=20_000)
        page.get_by_text("masse cible 16,89 g — acceptée de 16,04 g à 17,73 g").wait_for()
        mass = page.get_by_label("Masse mesurée (g)")
        mass.fill("17,74")
        page.get_by_text("HORS TOLÉRANCE", exact=True).wait_for(timeout=10_000)
        mass.fill("17,73")
        page.get_by_text("dans la tolérance", exact=True).wait_for(timeout=10_000)
        page.get_by_text("Aspect conforme", exact=True).click()
        page.get_by_role("button", name="Enregistrer le contrôle").dblclick()
        page.get_by_text("Contrôle n° 1 du").wait_for(timeout=15_000)
        page.get_by_text("Rien ne bloque la libération.").wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have recorded has had time to show
        page.screenshot(path=str(ARTIFACTS / "i13-release-controlled.png"), full_page=True)
        page.get_by_role("button", name="Libérer", exact=True).click()
        page.get_by_text("Signification : « libéré »").wait_for(timeout=15_000)
        page.get_by_label("Mot de passe").fill("Demo-Pharma-2026!")
        page.screenshot(path=str(ARTIFACTS / "i13-release-signature.png"), full_page=True)
        page.get_by_role("button", name="Signer").dblclick()
        page.get_by_text("Décisions du jour").wait_for(timeout=20_000)
        page.get_by_text("LIBÉRÉE", exact=True).wait_for(timeout=10_000)
        page.get_by_text("Aucune préparation en attente de libération.").wait_for()
        time.sleep(1.5)
        page.screenshot(path=str(ARTIFACTS / "i13-release-released.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        controls = cur.execute(
            "SELECT mass_measured_g, gravimetric_verdict, visual_ok, controlled_by "
            "FROM rel_controls").fetchall()
        released = cur.execute(
            "SELECT d.preparation_id, d.decision, d.pharmacist, s.meaning "
            "FROM rel_decisions d JOIN signatures s USING (signature_id)").fetchall()
        audited = cur.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'preparation.released'"
        ).fetchone()[0]
    finally:
        store.close()
    assert controls == [(17.73, "within", True, "pharmacien")]
    assert released == [(prep_id, "released", "pharmacien", "libéré")]
    assert audited == 1
