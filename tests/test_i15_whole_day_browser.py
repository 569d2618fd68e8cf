"""Issue 15, part 4: a whole day, end to end, in a real browser (see test_browser.py for the
Chromium set-up). The server is started as `make run` starts it (`serve --demo` on an empty
data directory: the demo snapshot activated, re-anchored to today, and the demo accounts), and
NOTHING else is prepared: every record of the day is made through the pages, each actor signed
in in their own browser context with the demo accounts.

1. the prescriber prescribes pembrolizumab 200 mg (one compounded drug, on the "liste en sus":
   the indication code is required, and it waits for the feu vert) for GARNIER Hamid, cycle
   starting today, and signs it;
2. the pharmacist validates it with her signature and records the feu vert (a double click);
3. the preparer prints the sheet and label (a PDF), scans the two vials (GS1 codes built from
   the demo product's GTIN), enters the diluent's lot, "Préparation faite"; the pharmacist
   controls it at the isolator in the preparer's session (identifier and password typed);
4. the pharmacist records the control (the mass read from the bounds on the screen) and
   releases with her signature; creates the ward's round, scans the label into it, hands it
   over (the slip, a PDF);
5. the nurse receives it by scanning, prints the patient's plan (a PDF) and records the
   administration after scanning the label;
6. the buyer orders pembrolizumab from its supplier (the order form printed, a PDF), marks it
   sent, records the supplier's confirmation and receives part of it by scanning a vial;
7. the administrator runs the re-integration export (/admin/export) and downloads the package:
   the counts on the screen, the manifest agreeing with them and with the files' SHA-256.

Screenshots `i15-day-<nn>-<step>.png` are kept in ARTIFACTS; the store is read once the server
stopped: each stage's records, the audit trail and the row seals intact."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in

from chemo_fallback.modules.release import chain
from chemo_fallback.store import Store

__all__ = ["pytestmark"]
WAIT = 30_000  # a CI run may share the machine: generous, every wait ends on what it awaits
GS = "\x1d"
PATIENT = "IPP10002366"  # GARNIER Hamid (demo), weighed recently, ward HGE
PROTOCOL = "Pembrolizumab 200 mg"
PEMBRO_100 = "03400044101058"  # Pembrolizumab 25 mg/mL 100 mg/4 mL (snapshots/demo/products.csv)
INDICATION = "I000123"
SUPPLIER, PEMBRO_REF = "Laboratoires Pharmavienne", "PHA-712861"  # packs of 1 vial
SUPPLIER_REF = "AR-PHA-2026-118"
ORDERED, RECEIVED = 4, 2
GIVEN_BY = "Dr Colin, HDJ oncologie"
DILUENT_LOT = "NACL-2612"
VIAL_SCAN = "Scan du flacon (le lecteur tape le code puis Entrée)"
ROUND_SCAN = "Scan de l'étiquette (le lecteur tape le code puis Entrée)"
PLAN_SCAN = "Étiquette (le lecteur tape FAB… puis Entrée)"
PASSWORDS = {
    "medecin": "Demo-Medecin-2026!",
    "pharmacien": "Demo-Pharma-2026!",
    "preparateur": "Demo-Prepa-2026!",
    "infirmier": "Demo-Infirmier-2026!",
    "acheteur": "Demo-Achat-2026!",
    "admin": "Demo-Admin-2026!",
}


@pytest.fixture
def day_app(tmp_path):
    """`serve --demo` on an empty data directory; (base URL, data dir, stop)."""
    data_dir = tmp_path / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Without pytest's variables, or NiceGUI's ui.run believes it runs inside a test.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "chemo_fallback.cli", "serve", "--demo", "--port", str(port),
         "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 90  # the demo snapshot is activated first
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not start within 90 s"
            time.sleep(0.3)

    def stop() -> None:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=15)
        log.close()

    yield f"http://127.0.0.1:{port}", data_dir, stop
    stop()


class Day:
    """The browser, one context per actor, and what the day made (ids read on the screen)."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.shots = 0
        self.rx_id = ""
        self.prep_id = ""
        self.order_id = ""
        self.export_dir = ""
        self.page = None  # the actor's page, for the screenshot of a failure

    def actor(self, username: str):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                           locale="fr-FR", accept_downloads=True)
        page = self.page = context.new_page()
        sign_in(page, self.base, username, PASSWORDS[username])
        return context, page

    def shot(self, page, step: str) -> None:
        self.shots += 1
        page.screenshot(path=str(ARTIFACTS / f"i15-day-{self.shots:02d}-{step}.png"),
                        full_page=True)


def see(page, text: str, *, exact: bool = False) -> None:
    page.get_by_text(text, exact=exact).first.wait_for(timeout=WAIT)


def pdf(download) -> bytes:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF"), data[:40]
    return data


def wedge(page, code: str) -> None:
    """What a keyboard-wedge scanner does: it types the code into the focused field (the GS
    separator as the real 0x1D character), then Enter."""
    for n, part in enumerate(code.split(GS)):
        if n:
            page.keyboard.insert_text(GS)
        page.keyboard.type(part, delay=5)
    page.keyboard.press("Enter")


def vial(serial: str, lot: str = "PEM-A1", expiry: date | None = None) -> str:
    """A vial's GS1 DataMatrix: GTIN (01), expiry (17, a year ahead unless given), lot (10),
    the GS separator, serial (21)."""
    expiry = expiry or date.today() + timedelta(days=365)
    return f"01{PEMBRO_100}17{expiry:%y%m%d}10{lot}{GS}21{serial}"


def prescribe(day: Day) -> None:
    """1. The prescriber: the draft, the indication code, the signature."""
    context, page = day.actor("medecin")
    page.goto(f"{day.base}/prescriptions/nouvelle?patient={PATIENT}")
    create = page.get_by_role("button", name="Créer le brouillon et calculer les doses")
    create.wait_for(timeout=WAIT)
    see(page, "GARNIER Hamid")
    page.get_by_label("Protocole (thésaurus de l'instantané)").click()
    page.get_by_role("option").filter(has_text=PROTOCOL).first.click()
    see(page, "Jours prescrits")
    see(page, f"Aucun cycle connu de {PROTOCOL} pour ce patient")
    day.shot(page, "new-prescription")
    create.click()
    page.wait_for_url("**/prescriptions/PS*", timeout=WAIT)
    day.rx_id = page.url.rsplit("/", 1)[1]
    see(page, "BROUILLON")
    see(page, "Liste en sus : code indication manquant")
    page.get_by_role("button", name="Code indication").click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("Code indication LES").fill(INDICATION)
    dialog.get_by_role("button", name="Enregistrer").click()
    see(page, f"Liste en sus : {INDICATION}")
    page.get_by_role("button", name="Signer la prescription").click()
    dialog = page.locator(".q-dialog")
    see(dialog, "Signification : « prescrit »")
    dialog.get_by_label("Mot de passe").fill(PASSWORDS["medecin"])
    dialog.get_by_role("button", name="Signer", exact=True).click()
    see(page, "SIGNÉE, À VALIDER")
    see(page, "Prescrit par Dr Anne Lefèvre")
    day.shot(page, "prescribed")
    context.close()


def validate(day: Day) -> None:
    """2. The pharmacist: the list, the review, the signed validation, the feu vert."""
    context, page = day.actor("pharmacien")
    page.goto(f"{day.base}/validation")
    see(page, "1 prescription(s) en attente de validation.")
    page.get_by_role("cell", name=f"GARNIER Hamid ({PATIENT})").click()
    page.wait_for_url(f"**/validation/{day.rx_id}", timeout=WAIT)
    see(page, "Analyse : 0 point(s) bloquant(s)")
    day.shot(page, "review")
    page.get_by_role("button", name="Valider et signer").click()
    dialog = page.locator(".q-dialog")
    see(dialog, "Signification : « validé »")
    dialog.get_by_label("Mot de passe").fill(PASSWORDS["pharmacien"])
    dialog.get_by_role("button", name="Signer", exact=True).click()
    see(page, "Validée par Paul Garnier")
    see(page, "VALIDÉE", exact=True)
    see(page, "Aucun feu vert enregistré.")
    page.get_by_label("Donné par (nom, fonction)").fill(GIVEN_BY)
    page.get_by_role("button", name="Enregistrer le feu vert").dblclick()  # recorded once
    see(page, f"feu vert de {GIVEN_BY}")
    day.shot(page, "validated")
    context.close()


def fabricate(day: Day) -> None:
    """3. The preparer: the sheet and label printed, the vials scanned, the diluent's lot,
    made; the control at the isolator by the pharmacist, in the preparer's session."""
    context, page = day.actor("preparateur")
    page.goto(f"{day.base}/fabrication")
    see(page, "à préparer 1 · fiche imprimée 0")
    see(page, "feu vert reçu")
    page.get_by_role("button", name="Tout sélectionner").click()
    see(page, "1 sélectionnée(s)")
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Imprimer la sélection (fiches et étiquettes)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf(download.value)
    see(page, "fiche imprimée 1")
    day.shot(page, "queue-printed")
    page.locator("a", has_text="ouvrir").first.click()
    page.wait_for_url("**/fabrication/preparation/FAB*", timeout=WAIT)
    day.prep_id = page.url.rsplit("/", 1)[1]
    see(page, "PEMBROLIZUMAB 200 mg")
    see(page, "FICHE IMPRIMÉE", exact=True)
    field = page.get_by_label(VIAL_SCAN)
    field.click()
    wedge(page, vial("SN0001"))
    see(page, "Flacon enregistré : Pembrolizumab 25 mg/mL 100 mg/4 mL — lot PEM-A1")
    see(page, "EN COURS", exact=True)
    wedge(page, vial("SN0002"))  # the field kept the focus
    see(page, "2 flacon(s) neuf(s) sur la fiche — 2 scanné(s)")
    page.get_by_label("Lot du solvant (poche ou flacon)").fill(DILUENT_LOT)
    page.get_by_role("button", name="Préparation faite").click()
    see(page, "PRÉPARÉE", exact=True)
    see(page, f"par Léa Roux — lot du solvant {DILUENT_LOT}")
    day.shot(page, "prepared")
    page.get_by_role("button", name="Contrôle", exact=True).click()
    dialog = page.locator(".q-dialog")
    see(dialog, "Contrôle de la préparation")
    dialog.get_by_label("Identifiant du contrôleur").fill("pharmacien")
    dialog.get_by_label("Mot de passe du contrôleur").fill(PASSWORDS["pharmacien"])
    dialog.get_by_role("button", name="Contrôler").click()
    see(page, "CONTRÔLÉE", exact=True)
    see(page, "par Paul Garnier : entrée de l'ordonnancier figée")
    day.shot(page, "controlled-at-isolator")
    context.close()


# the numbers and their unit are separated by a no-break space (chemo_fallback.french)
BOUNDS = re.compile(r"masse cible ([\d,]+)\sg — acceptée de ([\d,]+)\sg à ([\d,]+)\sg")


def _grams(text: str) -> float:
    return float(text.replace(",", "."))


def release_and_dispense(day: Day) -> None:
    """4. The pharmacist: the control (the mass within the bounds shown), the signed release;
    the ward's round made up by scanning the label, handed over with its slip."""
    number = day.prep_id.removeprefix("FAB")
    context, page = day.actor("pharmacien")
    page.goto(f"{day.base}/liberation")
    see(page, f"Ordonnancier n° {number}")
    bounds = page.get_by_text(BOUNDS)
    bounds.wait_for(timeout=WAIT)
    target, low, high = (_grams(g) for g in BOUNDS.search(bounds.inner_text()).groups())
    assert low < target < high
    page.get_by_label("Masse mesurée (g)").fill(f"{target:.2f}".replace(".", ","))
    see(page, "dans la tolérance", exact=True)
    page.get_by_text("Aspect conforme", exact=True).click()
    page.get_by_role("button", name="Enregistrer le contrôle").click()
    see(page, "Contrôle n° 1 du")
    see(page, "Rien ne bloque la libération.")
    day.shot(page, "release-control")
    page.get_by_role("button", name="Libérer", exact=True).click()
    dialog = page.locator(".q-dialog")
    see(dialog, "Signification : « libéré »")
    dialog.get_by_label("Mot de passe").fill(PASSWORDS["pharmacien"])
    dialog.get_by_role("button", name="Signer", exact=True).click()
    see(page, "Décisions du jour")
    see(page, "LIBÉRÉE", exact=True)
    see(page, "Aucune préparation en attente de libération.")
    day.shot(page, "released")

    page.goto(f"{day.base}/dispensation?unite=HGE")
    see(page, "Libérées, pas encore dispensées (1)")
    page.get_by_role("button", name="tournée de 10 h").click()
    page.get_by_role("button", name="Créer la tournée").click()
    field = page.get_by_label(ROUND_SCAN)
    field.wait_for(timeout=WAIT)
    field.click()
    wedge(page, day.prep_id)
    see(page, f"Ajoutée à la tournée : {day.prep_id}")
    see(page, "Dans la tournée (1)")
    day.shot(page, "round")
    page.get_by_role("button", name="Remettre la tournée").click()
    page.get_by_label("Nom de la personne qui emporte la tournée").fill("Marc Coursier")
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Remettre et imprimer le bordereau").click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf(download.value)
    see(page, "REMISE", exact=True)
    see(page, "Tournée remise : bordereau de délivrance imprimé.")
    day.shot(page, "handed-over")
    context.close()


def receive_and_administer(day: Day) -> None:
    """5. The nurse: the round received by scanning, the plan printed, the label scanned
    against it, the four checks, given."""
    prep_id = day.prep_id
    context, page = day.actor("infirmier")
    page.goto(f"{day.base}/reception")
    see(page, "Choisissez votre unité de soins.")
    page.get_by_label("Mon unité de soins").click()
    page.get_by_role("option", name="Hépato-gastro-entérologie").click()
    see(page, "0 sur 1 reçue(s)")
    page.get_by_role("link", name="ouvrir").click()
    field = page.get_by_label(ROUND_SCAN)
    field.wait_for(timeout=WAIT)
    field.click()
    wedge(page, prep_id)
    see(page, f"Reçue : {prep_id}")
    see(page, "Toute la tournée est reçue.")
    see(page, "REÇUE", exact=True)
    day.shot(page, "received")

    page.goto(f"{day.base}/administration?unite=HGE")
    see(page, "1 patient(s) avec un plan le")
    page.locator("div.row", has_text="GARNIER Hamid").get_by_role(
        "button", name="Ouvrir le plan").click()
    see(page, f"{PROTOCOL} — cycle 1, J1")
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Imprimer le plan de ce patient").click()
    assert download.value.suggested_filename.startswith("plan-d-administration-")
    pdf(download.value)
    see(page, "Plan d'administration imprimé.")
    day.shot(page, "plan")
    page.get_by_label(PLAN_SCAN).click()
    wedge(page, prep_id)
    see(page, f"Étiquette {prep_id} conforme")
    dialog = page.locator(".q-dialog")
    see(dialog, "Enregistrer : Administrée")
    for check in ("Identité", "Péremption", "Aspect", "Voie"):
        dialog.get_by_text(f"{check} —").click()
    dialog.get_by_role("button", name="Enregistrer").click()
    see(page, "Enregistré : pembrolizumab — administrée")
    dialog.wait_for(state="detached", timeout=WAIT)
    see(page, f"étiquette {prep_id} scannée — Hugo Petit")
    day.shot(page, "given")
    context.close()


def order_and_receive(day: Day) -> None:
    """6. The buyer: a new order of the pembrolizumab used today, its order form printed,
    marked sent, the supplier's confirmation, then part of it received by scanning a vial."""
    context, page = day.actor("acheteur")
    page.goto(f"{day.base}/commandes/nouvelle")
    page.get_by_role("combobox", name="Fournisseur").click()
    page.get_by_role("option", name=SUPPLIER).click()
    see(page, PEMBRO_REF)
    # the packs field of the product's row: the first input after its supplier reference
    page.locator(f"xpath=//div[normalize-space()='{PEMBRO_REF}']/following::input[1]").fill(
        str(ORDERED))
    page.get_by_role("button", name="Créer la commande (brouillon)").click()
    page.wait_for_url("**/commandes/CMD*", timeout=WAIT)
    day.order_id = page.url.rsplit("/", 1)[1]
    see(page, f"Commande {day.order_id}")
    see(page, "brouillon", exact=True)
    see(page, "10 520,00 €")  # 4 vials at 2 630,00 €
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Imprimer le bon de commande").click()
    assert download.value.suggested_filename.startswith("bon-de-commande-")
    pdf(download.value)
    see(page, "Bon de commande imprimé le")
    day.shot(page, "order-draft")
    page.get_by_role("button", name="Marquer envoyée au fournisseur").click()
    see(page, "Commande marquée envoyée : elle est attendue du fournisseur.")
    see(page, "envoyée", exact=True)
    page.get_by_role("button", name="Confirmation du fournisseur").click()
    dialog = page.locator(".q-dialog")
    dialog.get_by_label("Référence de la commande chez le fournisseur").fill(SUPPLIER_REF)
    dialog.get_by_label("Livraison promise le (JJ/MM/AAAA)").fill(
        f"{date.today() + timedelta(days=3):%d/%m/%Y}")
    dialog.get_by_role("button", name="Enregistrer la confirmation").click()
    dialog.wait_for(state="detached", timeout=WAIT)
    see(page, "Commande confirmée.")
    see(page, SUPPLIER_REF)
    see(page, "confirmée", exact=True)
    field = page.get_by_label(VIAL_SCAN)
    field.click()
    expiry = date.today() + timedelta(days=540)
    wedge(page, "]d2" + vial("SNR0001", "PEM-R7", expiry))  # with its symbology identifier
    see(page, f"Lu : GTIN {PEMBRO_100}, lot PEM-R7, péremption {expiry:%d/%m/%Y}")
    page.get_by_label("Flacons reçus de ce lot").fill(str(RECEIVED))
    page.get_by_role("button", name="Enregistrer la réception").click()
    see(page, "Réception enregistrée (mouvement n° 1) : les flacons sont dans le stock.")
    see(page, "reçue en partie", exact=True)
    see(page, f"restent {ORDERED - RECEIVED} flacon(s)")
    day.shot(page, "order-received")
    context.close()


EXPORTED = {  # what the day made, as the package's files count it
    "prescriptions.csv": 1, "feux_verts.csv": 1, "preparations.csv": 1, "flacons.csv": 2,
    "controles.csv": 1, "liberations.csv": 1, "tournees.csv": 1, "dispensations.csv": 1,
    "administrations.csv": 1, "commandes.csv": 1, "lignes_commande.csv": 1,
    "receptions.csv": 1,
}


def export(day: Day) -> None:
    """7. The administrator: the re-integration export of everything, its counts on the
    screen, the checks passed, the package downloaded as a zip."""
    context, page = day.actor("admin")
    page.goto(f"{day.base}/admin/export")
    see(page, "Paquet de réintégration de tout ce que le logiciel de secours a enregistré")
    page.get_by_role("button", name="Exporter", exact=True).click()
    message = page.get_by_text(re.compile(r"Export n° \d+ écrit dans "))
    message.wait_for(timeout=WAIT)
    day.export_dir = message.inner_text().split(" écrit dans ", 1)[1].strip()
    see(page, "Ordonnancier continu, piste d'audit conforme à son ancre.")
    shown = {}
    for row in page.get_by_role("row").all_inner_texts():
        cells = row.split("\t")
        if len(cells) == 2 and cells[0].strip().endswith(".csv"):
            shown[cells[0].strip()] = cells[1].strip()
    for name, count in EXPORTED.items():
        assert shown.get(name) == str(count), (name, shown)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name=re.compile(r"^Télécharger export-")).click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        [manifest] = [n for n in names if n.endswith("/manifest.json")]
        root = manifest.removesuffix("manifest.json")
        files = {f["name"]: f for f in json.loads(archive.read(manifest))["files"]}
        for name, count in EXPORTED.items():  # the manifest agrees with the screen
            described = files[f"csv/{name}"]
            assert described["rows"] == count, described
            content = archive.read(root + described["name"])
            assert hashlib.sha256(content).hexdigest() == described["sha256"], name
    assert f"{root}fhir/bundle.json" in names, names
    see(page, "Exports réalisés")
    see(page, "Camille Administratrice")
    day.shot(page, "exported")
    context.close()


STEPS = (prescribe, validate, fabricate, release_and_dispense, receive_and_administer,
         order_and_receive, export)


def test_a_whole_day_from_the_prescription_to_the_bedside(day_app) -> None:
    base, data_dir, stop = day_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        day = Day(browser, base)
        try:
            for step in STEPS:
                step(day)
        except Exception:
            if day.page is not None and not day.page.is_closed():
                day.page.screenshot(path=str(ARTIFACTS / "i15-day-failed.png"), full_page=True)
            raise
        finally:
            browser.close()
    stop()
    rx_id, prep_id = day.rx_id, day.prep_id
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        rx = cur.execute(
            "SELECT patient_id, protocol_id, status FROM rx_prescriptions "
            "WHERE prescription_id = ?", [rx_id]).fetchall()
        signed = cur.execute(
            "SELECT meaning, username, record_id FROM signatures ORDER BY signature_id"
        ).fetchall()
        go_aheads = cur.execute(
            "SELECT given_by, recorded_by FROM go_aheads WHERE prescription_id = ?", [rx_id]
        ).fetchall()
        preps = cur.execute(
            "SELECT preparation_id, drug_id, status, prepared_by, controlled_by, diluent_lot "
            "FROM fab_preparations").fetchall()
        vials = cur.execute(
            "SELECT gtin, lot, serial FROM fab_vial_scans WHERE preparation_id = ? "
            "ORDER BY serial", [prep_id]).fetchall()
        printed = dict(cur.execute(
            "SELECT kind, count(*) FROM printed_documents GROUP BY kind").fetchall())
        controls = cur.execute(
            "SELECT preparation_id, gravimetric_verdict, visual_ok, controlled_by "
            "FROM rel_controls").fetchall()
        released = cur.execute(
            "SELECT preparation_id, decision, pharmacist FROM rel_decisions").fetchall()
        items = cur.execute(
            "SELECT i.preparation_id, i.received_by, r.ward_id, r.status "
            "FROM disp_items i JOIN disp_rounds r USING (round_id)").fetchall()
        given = cur.execute(
            "SELECT preparation_id, outcome, given_by_name, from_paper FROM adm_records"
        ).fetchall()
        ordered = cur.execute(
            "SELECT o.order_id, o.supplier_id, o.status, o.supplier_reference, l.product_id, "
            "l.quantity_vials FROM ord_orders o JOIN ord_order_lines l USING (order_id)"
        ).fetchall()
        stocked = cur.execute(
            "SELECT order_id, product_id, lot, quantity, cause, entry, gtin "
            "FROM ord_stock_movements").fetchall()
        exports = cur.execute("SELECT exported_by, out_path FROM exp_runs").fetchall()
        statuses = chain.preparation_chain(cur, [prep_id])
        audit_ok, rows_ok = store.audit_check.ok, store.rows_check.ok
    finally:
        store.close()
    assert rx == [(PATIENT, "PEMBROLIZUMAB", "validated")]
    assert signed == [("prescrit", "medecin", rx_id), ("validé", "pharmacien", rx_id),
                      ("libéré", "pharmacien", prep_id)]
    assert go_aheads == [(GIVEN_BY, "pharmacien")]  # the double click recorded one
    assert preps == [(prep_id, "PEMBROLIZUMAB", "controlled", "preparateur", "pharmacien",
                      DILUENT_LOT)]
    assert vials == [(PEMBRO_100, "PEM-A1", "SN0001"), (PEMBRO_100, "PEM-A1", "SN0002")]
    assert printed["fabrication_batch"] == 1
    assert printed["dispensing_slip"] == 1
    assert printed["administration_plan"] == 1
    assert controls == [(prep_id, "within", True, "pharmacien")]
    assert released == [(prep_id, "released", "pharmacien")]
    assert items == [(prep_id, "infirmier", "HGE", "received")]
    assert given == [(prep_id, "given", "Hugo Petit", False)]
    assert statuses == {prep_id: "given"}
    order_id = day.order_id
    assert ordered == [(order_id, "PHARMAVIENNE", "partially_received", SUPPLIER_REF,
                        "PEMBROLIZUMAB-100MG", ORDERED)]
    assert stocked == [(order_id, "PEMBROLIZUMAB-100MG", "PEM-R7", RECEIVED, "reception",
                        "scan", PEMBRO_100)]
    assert printed["purchase_order"] == 1
    assert exports == [("admin", day.export_dir)]
    assert audit_ok and rows_ok
