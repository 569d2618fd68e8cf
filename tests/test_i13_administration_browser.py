"""Issue 13, items 3 and 4, real browser (see test_browser.py for the Chromium set-up): the
nurse's day. The data directory is prepared before the server starts (the demo re-anchored to
today; GARNIER Hamid's mFOLFOX6 and GAILLARD Martine's R-CHOP validated for today, both in HGE;
the oxaliplatin made, controlled and released; the vincristine printed). In Chromium the nurse
opens the ward's day, opens GARNIER Hamid's plan, double-clicks the print of his plan, scans
GAILLARD Martine's vincristine label (refused loudly), then the oxaliplatin label, ticks the
four checks and double-clicks "Enregistrer"; then, in the paper mode, enters the ondansetron
from the signed paper plan. The store is read once the server stopped: one plan printed, one
record per step, the oxaliplatin's label recorded, the paper entry marked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.store import Store

__all__ = ["pytestmark"]
OXALI_200 = "03400792549539"
GS = "\x1d"


def prepare(data_dir, today: date) -> dict[str, str]:
    """The demo as `serve --demo` sets it up today, plus the two validated prescriptions, the
    oxaliplatin released and the vincristine printed."""
    from test_i13_administration_service import (
        OTHER_PATIENT,
        line_of,
        printed,
        released,
        validated,
    )
    from test_validation_service import at

    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.auth.demo import ensure_demo_accounts
    from chemo_fallback.config import DEMO_SNAPSHOT
    from chemo_fallback.snapshot.activation import activate_snapshot

    store = Store.open(data_dir)
    try:
        report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=today)
        assert report.status == "activated", report.to_text()
        ensure_demo_accounts(store)
        doctor, pharmacist = find_user(store, "medecin"), find_user(store, "pharmacien")
        preparer = find_user(store, "preparateur")
        folfox = validated(store, doctor, pharmacist, "IPP10002366", "MFOLFOX6", today)
        rchop = validated(store, doctor, pharmacist, OTHER_PATIENT, "RCHOP21", today)
        oxali = printed(store, preparer, line_of(store, folfox, "OXALIPLATINE", day=today),
                        at(today, 8))
        released(store, pharmacist, oxali, f"01{OXALI_200}1727123110L1{GS}21S1", day=today)
        vincristine = printed(store, preparer,
                              line_of(store, rchop, "VINCRISTINE", day=today), at(today, 8))
        return {"folfox": folfox, "rchop": rchop, "oxali": oxali, "vincristine": vincristine}
    finally:
        store.close()


def start_server(data_dir, log_path) -> tuple[str, subprocess.Popen, object]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "chemo_fallback.cli", "serve", "--demo", "--port", str(port),
         "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.3)
    return f"http://127.0.0.1:{port}", server, log


@pytest.fixture
def nurse_app(tmp_path):
    data_dir = tmp_path / "data"
    made = prepare(data_dir, date.today())
    base, server, log = start_server(data_dir, tmp_path / "server.log")

    def stop() -> None:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=15)
        log.close()

    yield base, data_dir, made, stop
    stop()


def _scan(page, code: str) -> None:
    page.keyboard.type(code, delay=5)  # a keyboard-wedge scanner: the code, then Enter
    page.keyboard.press("Enter")


def test_the_nurse_prints_the_plan_and_records_the_administration(nurse_app) -> None:
    base, data_dir, made, stop = nurse_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                accept_downloads=True)
        sign_in(page, base, "infirmier", "Demo-Infirmier-2026!")
        page.goto(f"{base}/administration?unite=HGE")
        page.get_by_text("2 patient(s) avec un plan le").wait_for(timeout=20_000)
        page.locator("div.row", has_text="GARNIER Hamid").get_by_role(
            "button", name="Ouvrir le plan").click()
        page.get_by_text("OXALIPLATINE 178").first.wait_for(timeout=20_000)
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Imprimer le plan de ce patient").dblclick()
        assert download.value.suggested_filename.startswith("plan-d-administration-")
        time.sleep(1.5)  # what a second click would have printed has had time to show

        field = page.get_by_label("Étiquette (le lecteur tape FAB… puis Entrée)")
        field.click()
        _scan(page, made["vincristine"])
        page.get_by_text("ÉTIQUETTE D'UN AUTRE PATIENT").wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i13-administration-other-patient.png"),
                        full_page=True)
        field.click()
        _scan(page, made["oxali"])
        dialog = page.locator(".q-dialog")
        dialog.get_by_text("Enregistrer : Administrée").wait_for(timeout=15_000)
        assert dialog.get_by_label("Étiquette de la préparation (scanner, ou taper FAB…)"
                                   ).input_value() == made["oxali"]
        for check in ("Identité", "Péremption", "Aspect", "Voie"):
            dialog.get_by_text(f"{check} —").click()
        dialog.get_by_role("button", name="Enregistrer").dblclick()
        page.get_by_text("administrée", exact=True).first.wait_for(timeout=15_000)
        time.sleep(1.5)
        page.screenshot(path=str(ARTIFACTS / "i13-administration-given.png"), full_page=True)

        # afterwards, from the signed paper plan: the ondansetron
        page.get_by_role("switch", name="Saisie d'après le plan papier signé").click()
        page.locator(".q-card", has_text="ONDANSÉTRON").get_by_role(
            "button", name="Administrée", exact=True).click()
        dialog.get_by_text("saisi d'après le plan papier signé »").wait_for(timeout=15_000)
        start = max(datetime.now() - timedelta(minutes=2),
                    datetime.combine(date.today(), datetime.min.time()))
        dialog.get_by_label("Début (HH:MM, ou JJ/MM/AAAA HH:MM)").fill(f"{start:%H:%M}")
        dialog.get_by_label("Infirmier(e) qui a signé l'étape sur le plan papier").fill(
            "Claire Martin")
        dialog.get_by_role("button", name="Enregistrer").click()
        page.get_by_text("(saisi d'après le plan papier signé, saisi par Hugo Petit").wait_for(
            timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i13-administration-paper.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        plans = cur.execute("SELECT count(*) FROM printed_documents "
                            "WHERE kind = 'administration_plan'").fetchone()[0]
        records = cur.execute(
            "SELECT l.drug_id, r.outcome, r.preparation_id, r.from_paper, r.given_by_name, "
            "r.entered_by FROM adm_records r JOIN rx_lines l USING (line_id) ORDER BY record_id"
        ).fetchall()
    finally:
        store.close()
    assert plans == 1
    assert records == [
        ("OXALIPLATINE", "given", made["oxali"], False, "Hugo Petit", "infirmier"),
        ("ONDANSETRON", "given", None, True, "Claire Martin", "infirmier"),
    ]
