"""Issue 13 item 2, real browser (see test_browser.py for the Chromium set-up): a round made
up by scanning and received on the ward. The data directory is prepared before the server
starts (the demo re-anchored to today, an mFOLFOX6 for today validated, its four preparations
made, controlled and released through the services). In Chromium the preparer double-clicks
"Créer la tournée", types two labels' codes as a keyboard-wedge scanner does (a wrong one
first), hands the round over (the slip is downloaded); the nurse, in another session, chooses
her unit, opens the round, scans one label and ticks the other. The store is read once the
server stopped: one round, received, its two preparations received by the nurse."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in
from test_i12_fab_browser import _prepare as validated_today

from chemo_fallback.store import Store

__all__ = ["pytestmark"]
SCAN_FIELD = "Scan de l'étiquette (le lecteur tape le code puis Entrée)"


def prepare(data_dir) -> dict[str, str]:
    """`serve --demo`'s data today, the day's four preparations released: {drug: id}."""
    import json

    from chemo_fallback.auth.accounts import find_user
    from chemo_fallback.modules.fabrication import steps
    from chemo_fallback.modules.fabrication.printing import create_preparations
    from chemo_fallback.modules.fabrication.queue import production_queue
    from chemo_fallback.modules.release import service as release
    from chemo_fallback.site_settings import SiteSettings

    validated_today(data_dir)
    settings, now = SiteSettings(), datetime.now().replace(microsecond=0)
    store = Store.open(data_dir)
    try:
        preparer, pharmacist = find_user(store, "preparateur"), find_user(store, "pharmacien")
        queue = production_queue(store, preparer, date.today(), settings, now=now)
        with store.transaction() as cur:
            made = create_preparations(cur, preparer, [i.line_id for i in queue.items],
                                       settings, now)
        found = {}
        for new in made:
            prep_id = new.preparation_id
            plan = json.loads(store.cursor().execute(
                "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [prep_id]
            ).fetchone()[0])
            gtins = {p["product_id"]: p["gtin"] for p in plan["products"]}
            for n, product_id in enumerate(sorted({v["product_id"] for v in plan["vials"]})):
                steps.scan_vial(store, preparer, prep_id,
                                f"01{gtins[product_id]}1727123110L{n}\x1d21{prep_id}S{n}",
                                settings, now=now)
            steps.mark_prepared(store, preparer, prep_id,
                                diluent_lot="SOLV-1" if plan["diluent"] else None, now=now)
            steps.control(store, pharmacist, prep_id, now=now)
            release.record_controls(store, pharmacist, prep_id,
                                    mass_measured_g=plan["target_mass_g"], visual_ok=True,
                                    now=now)
            release.release(store, pharmacist, prep_id, now=now)
            found[new.line["drug_id"] + ("-pump" if (new.line["duration_min"] or 0) > 600
                                         else "")] = prep_id
        return found
    finally:
        store.close()


@pytest.fixture
def released_app(tmp_path):
    data_dir = tmp_path / "data"
    preps = prepare(data_dir)
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

    yield f"http://127.0.0.1:{port}", data_dir, preps, stop
    stop()


def _scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: it types the code into the focused field, then
    Enter."""
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def test_dispense_by_scanning_and_receive_on_the_ward(released_app) -> None:
    base, data_dir, preps, stop = released_app
    bolus, oxaliplatin = preps["FLUOROURACILE"], preps["OXALIPLATINE"]
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                accept_downloads=True)
        sign_in(page, base, "preparateur", "Demo-Prepa-2026!")
        page.goto(f"{base}/dispensation?unite=HGE")
        page.get_by_text("Libérées, pas encore dispensées (4)").wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "i13-dispensing-rounds.png"), full_page=True)
        page.get_by_role("button", name="tournée de 10 h").click()
        page.get_by_role("button", name="Créer la tournée").dblclick()
        field = page.get_by_label(SCAN_FIELD)
        field.wait_for(timeout=20_000)
        field.click()
        _scan(page, "FAB1")
        page.get_by_text("PRÉPARATION INCONNUE « FAB1 »").wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i13-dispensing-refused.png"), full_page=True)
        assert field.input_value() == ""
        _scan(page, bolus)
        page.get_by_text(f"Ajoutée à la tournée : {bolus}").wait_for(timeout=15_000)
        # the field kept the focus: the next label goes into it without a click
        _scan(page, oxaliplatin)
        page.get_by_text(f"Ajoutée à la tournée : {oxaliplatin}").wait_for(timeout=15_000)
        page.get_by_text("Dans la tournée (2)").wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i13-dispensing-round.png"), full_page=True)
        page.get_by_role("button", name="Remettre la tournée").click()
        page.get_by_label("Nom de la personne qui emporte la tournée").fill("Marc Coursier")
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Remettre et imprimer le bordereau").dblclick()
        assert download.value.suggested_filename.endswith(".pdf")
        page.get_by_text("REMISE", exact=True).wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "i13-dispensing-handed-over.png"), full_page=True)

        ward = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        nurse = ward.new_page()
        sign_in(nurse, base, "infirmier", "Demo-Infirmier-2026!")
        nurse.goto(f"{base}/reception")
        nurse.get_by_text("Choisissez votre unité de soins.").wait_for(timeout=20_000)
        nurse.get_by_label("Mon unité de soins").click()
        nurse.get_by_role("option", name="Hépato-gastro-entérologie").click()
        nurse.get_by_text("0 sur 2 reçue(s)").wait_for(timeout=15_000)
        nurse.get_by_role("link", name="ouvrir").click()
        scan = nurse.get_by_label(SCAN_FIELD)
        scan.wait_for(timeout=20_000)
        scan.click()
        _scan(nurse, preps["OXALIPLATINE"])
        nurse.get_by_text(f"Reçue : {oxaliplatin}").wait_for(timeout=15_000)
        nurse.get_by_text("1 sur 2 reçue(s)").wait_for(timeout=15_000)  # the list redrawn
        nurse.get_by_role("button", name="Reçue").dblclick()
        nurse.get_by_text("Toute la tournée est reçue.").wait_for(timeout=15_000)
        nurse.get_by_text("REÇUE", exact=True).wait_for(timeout=15_000)
        nurse.screenshot(path=str(ARTIFACTS / "i13-reception-received.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        rounds = cur.execute(
            "SELECT ward_id, label, status, carried_by_name, received_by_name FROM disp_rounds"
        ).fetchall()
        items = cur.execute(
            "SELECT preparation_id, received_by, received_by_name FROM disp_items "
            "ORDER BY item_id").fetchall()
        slips = cur.execute("SELECT count(*) FROM printed_documents WHERE kind = "
                            "'dispensing_slip'").fetchone()[0]
        received = cur.execute("SELECT count(*) FROM audit_log WHERE action = "
                               "'dispensing.item_received'").fetchone()[0]
    finally:
        store.close()
    assert rounds == [("HGE", "tournée de 10 h", "received", "Marc Coursier", "Hugo Petit")]
    assert items == [(bolus, "infirmier", "Hugo Petit"), (oxaliplatin, "infirmier", "Hugo Petit")]
    assert (slips, received) == (1, 2)
