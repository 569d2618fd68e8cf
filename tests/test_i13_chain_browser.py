"""Issue 13, the whole chain in one flow, real browser (see test_browser.py for the Chromium
set-up): one preparation from the release to the bedside, as the staff go through it. The data
directory is prepared before the server starts as in test_i13_release_browser.py (the demo
re-anchored to today, GARNIER Hamid's mFOLFOX6 validated for today in HGE, its 5-FU bolus
made by the demo preparer and controlled at the isolator by the pharmacist). In Chromium the
pharmacist records the control (the mass typed with a decimal comma, within tolerance, the
visual check) and releases the bolus with her signature; she then creates the ward's round for
today, scans the label into it as a keyboard-wedge scanner types it and hands the round over
(the slip, a PDF, downloaded). The nurse, in her own browser context, receives it by scanning
its label, opens the ward's day, prints the patient's plan (a PDF downloaded), scans the label,
ticks the four checks and records it as given. The store is read once the server stopped: the
signed release, the item received, the administration given, the chain at « administrée », the
audit trail and the row seals intact."""

from __future__ import annotations

from pathlib import Path

from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in
from test_i13_dispensing_browser import SCAN_FIELD, _scan
from test_i13_release_browser import release_app

from chemo_fallback.modules.release import chain
from chemo_fallback.store import Store

__all__ = ["pytestmark", "release_app"]
LABEL_FIELD = "Étiquette (le lecteur tape FAB… puis Entrée)"
WAIT = 30_000  # a CI run may share the machine: generous, every wait ends on what it awaits


def _shot(page, stage: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"i13-chain-{stage}.png"), full_page=True)


def _pdf(download) -> bytes:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF"), data[:40]
    return data


def _release(page, base: str, prep_id: str) -> None:
    """The pharmacist at /liberation: the control recorded, then the signed release."""
    number = prep_id.removeprefix("FAB")
    page.goto(f"{base}/liberation")
    page.get_by_text(f"Ordonnancier n° {number}").wait_for(timeout=WAIT)
    page.get_by_text("masse cible 16,89 g — acceptée de 16,04 g à 17,73 g").wait_for(
        timeout=WAIT)
    page.get_by_label("Masse mesurée (g)").fill("16,95")
    page.get_by_text("dans la tolérance", exact=True).wait_for(timeout=WAIT)
    page.get_by_text("Aspect conforme", exact=True).click()
    page.get_by_role("button", name="Enregistrer le contrôle").click()
    page.get_by_text("Contrôle n° 1 du").wait_for(timeout=WAIT)
    page.get_by_text("Rien ne bloque la libération.").wait_for(timeout=WAIT)
    _shot(page, "controlled")
    page.get_by_role("button", name="Libérer", exact=True).click()
    page.get_by_text("Signification : « libéré »").wait_for(timeout=WAIT)
    page.get_by_label("Mot de passe").fill("Demo-Pharma-2026!")
    page.get_by_role("button", name="Signer").click()
    page.get_by_text("Décisions du jour").wait_for(timeout=WAIT)
    page.get_by_text("LIBÉRÉE", exact=True).wait_for(timeout=WAIT)
    page.get_by_text("Aucune préparation en attente de libération.").wait_for(timeout=WAIT)
    _shot(page, "released")


def _dispense(page, base: str, prep_id: str) -> None:
    """The pharmacist at /dispensation: today's round for HGE, the label scanned into it, the
    round handed over with its slip."""
    page.goto(f"{base}/dispensation?unite=HGE")
    page.get_by_text("Libérées, pas encore dispensées (1)").wait_for(timeout=WAIT)
    page.get_by_role("button", name="tournée de 10 h").click()
    page.get_by_role("button", name="Créer la tournée").click()
    field = page.get_by_label(SCAN_FIELD)
    field.wait_for(timeout=WAIT)
    field.click()
    _scan(page, prep_id)
    page.get_by_text(f"Ajoutée à la tournée : {prep_id}").wait_for(timeout=WAIT)
    page.get_by_text("Dans la tournée (1)").wait_for(timeout=WAIT)
    _shot(page, "round")
    page.get_by_role("button", name="Remettre la tournée").click()
    page.get_by_label("Nom de la personne qui emporte la tournée").fill("Marc Coursier")
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Remettre et imprimer le bordereau").click()
    assert download.value.suggested_filename.endswith(".pdf")
    _pdf(download.value)
    page.get_by_text("REMISE", exact=True).wait_for(timeout=WAIT)
    _shot(page, "handed-over")


def _receive(page, base: str, prep_id: str) -> None:
    """The nurse at /reception: her unit chosen, the round opened, the label scanned."""
    page.goto(f"{base}/reception")
    page.get_by_text("Choisissez votre unité de soins.").wait_for(timeout=WAIT)
    page.get_by_label("Mon unité de soins").click()
    page.get_by_role("option", name="Hépato-gastro-entérologie").click()
    page.get_by_text("0 sur 1 reçue(s)").wait_for(timeout=WAIT)
    page.get_by_role("link", name="ouvrir").click()
    field = page.get_by_label(SCAN_FIELD)
    field.wait_for(timeout=WAIT)
    field.click()
    _scan(page, prep_id)
    page.get_by_text(f"Reçue : {prep_id}").wait_for(timeout=WAIT)
    page.get_by_text("Toute la tournée est reçue.").wait_for(timeout=WAIT)
    page.get_by_text("REÇUE", exact=True).wait_for(timeout=WAIT)
    _shot(page, "received")


def _administer(page, base: str, prep_id: str) -> None:
    """The nurse at /administration for HGE today: the patient's plan printed, the label
    scanned against it, the checks ticked, the bolus recorded as given."""
    page.goto(f"{base}/administration?unite=HGE")
    page.get_by_text("1 patient(s) avec un plan le").wait_for(timeout=WAIT)
    page.locator("div.row", has_text="GARNIER Hamid").get_by_role(
        "button", name="Ouvrir le plan").click()
    page.get_by_text("FLUOROURACILE").first.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Imprimer le plan de ce patient").click()
    assert download.value.suggested_filename.startswith("plan-d-administration-")
    _pdf(download.value)
    page.get_by_text("Plan d'administration imprimé.").wait_for(timeout=WAIT)
    _shot(page, "plan")
    field = page.get_by_label(LABEL_FIELD)
    field.click()
    _scan(page, prep_id)
    page.get_by_text(f"Étiquette {prep_id} conforme").wait_for(timeout=WAIT)
    dialog = page.locator(".q-dialog")
    dialog.get_by_text("Enregistrer : Administrée").wait_for(timeout=WAIT)
    assert dialog.get_by_label("Étiquette de la préparation (scanner, ou taper FAB…)"
                               ).input_value() == prep_id
    for check in ("Identité", "Péremption", "Aspect", "Voie"):
        dialog.get_by_text(f"{check} —").click()
    _shot(page, "checks")
    dialog.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Enregistré : ").wait_for(timeout=WAIT)
    dialog.wait_for(state="detached", timeout=WAIT)
    page.get_by_text("administrée", exact=True).first.wait_for(timeout=WAIT)
    _shot(page, "given")


def test_release_dispense_receive_print_and_give_one_preparation(release_app) -> None:
    base, data_dir, prep_id, stop = release_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pharmacy = browser.new_context(viewport={"width": 1280, "height": 900},
                                           locale="fr-FR", accept_downloads=True)
            pharmacist = pharmacy.new_page()
            sign_in(pharmacist, base, "pharmacien", "Demo-Pharma-2026!")
            _release(pharmacist, base, prep_id)
            _dispense(pharmacist, base, prep_id)
            pharmacy.close()

            ward = browser.new_context(viewport={"width": 1280, "height": 900},
                                       locale="fr-FR", accept_downloads=True)
            nurse = ward.new_page()
            sign_in(nurse, base, "infirmier", "Demo-Infirmier-2026!")
            _receive(nurse, base, prep_id)
            _administer(nurse, base, prep_id)
            ward.close()
        finally:
            browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        cur = store.cursor()
        decisions = cur.execute(
            "SELECT d.preparation_id, d.decision, d.pharmacist, s.meaning, s.username "
            "FROM rel_decisions d JOIN signatures s USING (signature_id)").fetchall()
        items = cur.execute(
            "SELECT i.preparation_id, i.received_by, i.received_at IS NOT NULL, r.ward_id, "
            "r.status FROM disp_items i JOIN disp_rounds r USING (round_id)").fetchall()
        given = cur.execute(
            "SELECT preparation_id, outcome, given_by_name, from_paper FROM adm_records"
        ).fetchall()
        plans = cur.execute("SELECT count(*) FROM printed_documents "
                            "WHERE kind = 'administration_plan'").fetchone()[0]
        statuses = chain.preparation_chain(cur, [prep_id])
        audit_ok, rows_ok = store.audit_check.ok, store.rows_check.ok
    finally:
        store.close()
    assert decisions == [(prep_id, "released", "pharmacien", "libéré", "pharmacien")]
    assert items == [(prep_id, "infirmier", True, "HGE", "received")]
    assert given == [(prep_id, "given", "Hugo Petit", False)]
    assert plans == 1
    assert statuses == {prep_id: "given"}
    assert audit_ok and rows_ok
