"""Issue 13, item 1, the release page (/liberation) with NiceGUI's `user` fixture: the demo pinned
to its export day, the 5-FU bolus of a validated mFOLFOX6 made and controlled at the isolator,
the page's clock at 10:00. A mass typed with a decimal comma shows its verdict computed; the
control recorded (a double click records once); "Libérer" asks the signature (blockers first,
no password while one stands); "Libérer malgré l'écart" asks a reason then the signature;
"Rejeter" sends the line back to the production queue."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_i12_fab_service import SETTINGS
from test_i13_release_service import made_bolus, weigh
from test_validation_service import at, lift, signed_mfolfox6
from test_web_validation import app_state
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.release import chain
from chemo_fallback.modules.validation import decisions
from chemo_fallback.web import state

__all__ = ["app_state"]
NOW = at(TODAY, 10)


@pytest.fixture
def unit(app_state, monkeypatch):
    """The demo, the bolus made by a preparer and controlled at the isolator by another; the
    pages' clock at 10:00 that day."""
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    store = app_state.store
    validator = create_account(store, "pharmacist", "valideur")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, validator, rx_id, lift(store, validator, rx_id), SETTINGS, TODAY)
    prep_id = made_bolus(store, create_account(store, "preparer", "prep1"),
                         create_account(store, "preparer", "prep2"))
    return app_state, prep_id


async def open_release(user: User, store, prep_id: str, role: str = "pharmacist") -> None:
    await sign_in(user, store, role)
    await user.open("/liberation")
    await user.should_see(marker=f"release-item-{prep_id}", retries=SLOW)


def text_of(user: User, marker: str) -> str:
    return " ".join(e.text for e in user.find(marker=marker).elements)


def controls_count(store) -> int:
    return store.cursor().execute("SELECT count(*) FROM rel_controls").fetchone()[0]


def status(store, prep_id: str) -> str:
    return chain.preparation_chain(store.cursor(), [prep_id])[prep_id]


async def test_record_a_mass_see_the_verdict_and_release_with_the_signature(
    user: User, unit
) -> None:
    app, prep_id = unit
    store = app.store
    await open_release(user, store, prep_id)
    number = prep_id.removeprefix("FAB")
    await user.should_see(f"Ordonnancier n° {number}")
    await user.should_see("GARNIER Hamid — né le")
    await user.should_see("IPP : IPP10002366")
    await user.should_see("FLUOROURACILE 836\u00a0mg")
    await user.should_see("Fiche : masse cible 16,89\u00a0g — acceptée de 16,04\u00a0g à "
                          "17,73\u00a0g (± 5\u00a0%)")
    assert text_of(user, f"release-status-{prep_id}") == "CONTRÔLÉE"
    assert "Péremption : 30/11/2026 à 08:00" in text_of(user, f"release-expiry-{prep_id}")
    await user.should_see("Aucun contrôle enregistré (pesée, aspect)")
    mass = user.find(marker=f"release-mass-{prep_id}")
    mass.type("17,74")
    await user.should_see("HORS TOLÉRANCE", retries=SLOW)
    mass.clear().type("17,73")
    await user.should_see("dans la tolérance", retries=SLOW)
    assert text_of(user, f"release-verdict-{prep_id}") == "dans la tolérance"
    mass.clear().type("17,7 g")
    await user.should_see("Valeur non reconnue", retries=SLOW)
    mass.clear().type("17,10")
    # the visual check is always answered: saving without it is refused
    user.find(marker=f"release-save-control-{prep_id}").click()
    await user.should_see("Contrôle visuel non renseigné", retries=SLOW)
    assert controls_count(store) == 0
    [visual] = user.find(marker=f"release-visual-{prep_id}").elements
    visual.value = "yes"
    save = user.find(marker=f"release-save-control-{prep_id}")
    save.click()
    save.click()  # a double click records once
    await user.should_see("Contrôle n° 1 du 23/11/2026 à 10:00 par Test pharmacist : masse "
                          "17,1\u00a0g — dans la tolérance ; aspect conforme", retries=SLOW)
    await user.should_see("Rien ne bloque la libération.")
    assert controls_count(store) == 1
    user.find(marker=f"release-release-{prep_id}").click()
    await user.should_see(marker="signature-password", retries=SLOW)
    await user.should_see("Signification : « libéré »")
    await user.should_see(f"Libération de la préparation {prep_id} (ordonnancier n° {number})")
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see("Décisions du jour", retries=SLOW)
    await user.should_see("Aucune préparation en attente de libération.")
    assert text_of(user, f"release-decided-status-{prep_id}") == "LIBÉRÉE"
    await user.should_see("Libérée par Test pharmacist le 23/11/2026 à 10:00")
    assert status(store, prep_id) == "released"
    [released] = audit_rows(store, "preparation.released")
    assert (released["actor"], released["record_id"]) == ("pharmacist", prep_id)


async def test_a_blocked_release_asks_no_password_and_the_override_needs_a_reason(
    user: User, unit
) -> None:
    app, prep_id = unit
    store = app.store
    weigh(store, create_account(store, "preparer", "peseur"), prep_id, 19.0, now=NOW)
    await open_release(user, store, prep_id)
    await user.should_see("Masse mesurée 19\u00a0g HORS TOLÉRANCE (acceptée de 16,04\u00a0g à "
                          "17,73\u00a0g)")
    user.find(marker=f"release-release-{prep_id}").click()
    await user.should_see(marker="signature-blockers", retries=SLOW)
    await user.should_not_see(marker="signature-password")
    user.find(marker="signature-cancel").click()
    await user.should_not_see(marker="signature-blockers", retries=SLOW)
    user.find(marker=f"release-override-{prep_id}").click()
    await user.should_see(marker="override-reason", retries=SLOW)
    user.find(marker="override-reason").type("ok")
    user.find(marker="override-save").click()
    await user.should_see("Motif obligatoire : écrivez pourquoi", retries=SLOW)
    user.find(marker="override-reason").clear().type("Tare de la seringue vérifiée")
    user.find(marker="override-save").click()
    await user.should_see(marker="signature-password", retries=SLOW)
    await user.should_see("Libérée malgré l'écart — motif : Tare de la seringue vérifiée")
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see("malgré l'écart : « Tare de la seringue vérifiée »", retries=SLOW)
    assert status(store, prep_id) == "released"
    [released] = audit_rows(store, "preparation.released")
    assert released["reason"] == "libérée malgré l'écart : Tare de la seringue vérifiée"


async def test_reject_sends_the_line_back_to_the_production_queue(user: User, unit) -> None:
    app, prep_id = unit
    store = app.store
    await open_release(user, store, prep_id)
    user.find(marker=f"release-reject-{prep_id}").click()
    await user.should_see(marker="reject-reason", retries=SLOW)
    user.find(marker="reject-save").click()
    await user.should_see("Motif du rejet obligatoire", retries=SLOW)
    user.find(marker="reject-reason").type("Particules visibles dans la seringue")
    user.find(marker="reject-save").click()
    await user.should_see("Sa ligne est revenue dans la file de production", retries=SLOW)
    assert text_of(user, f"release-decided-status-{prep_id}") == "REJETÉE"
    assert status(store, prep_id) == "rejected"
    [marked] = audit_rows(store, "preparation.rejected")
    assert marked["reason"] == "Rejetée à la libération : Particules visibles dans la seringue"
    await user.open("/fabrication")
    await user.should_see("à préparer 4 · fiche imprimée 0", retries=SLOW)


async def test_a_preparer_records_controls_but_never_releases(user: User, unit) -> None:
    app, prep_id = unit
    store = app.store
    await open_release(user, store, prep_id, role="preparer")
    await user.should_see(marker=f"release-save-control-{prep_id}")
    await user.should_not_see(marker=f"release-release-{prep_id}")
    await user.should_not_see(marker=f"release-reject-{prep_id}")
    user.find(marker=f"release-mass-{prep_id}").type("17,2")
    [visual] = user.find(marker=f"release-visual-{prep_id}").elements
    visual.value = "no"
    user.find(marker=f"release-save-control-{prep_id}").click()
    await user.should_see("Aspect non conforme : décrivez", retries=SLOW)
    user.find(marker=f"release-comment-{prep_id}").type("Trouble")
    user.find(marker=f"release-save-control-{prep_id}").click()
    await user.should_see("aspect NON CONFORME (Trouble)", retries=SLOW)
    [row] = store.cursor().execute(
        "SELECT controlled_by, visual_ok, visual_comment FROM rel_controls").fetchall()
    assert row == ("preparer", False, "Trouble")


async def test_scanning_a_label_shows_its_preparation_alone(user: User, unit) -> None:
    app, prep_id = unit
    await open_release(user, app.store, prep_id)
    user.find(marker="release-scan").type("FAB1").trigger("keydown.enter")
    await user.should_see("« FAB1 » n'est pas une préparation en attente", retries=SLOW)
    user.find(marker="release-scan").type(prep_id.lower()).trigger("keydown.enter")
    await user.should_see(f"Affichée : {prep_id} seule.", retries=SLOW)
    await user.should_see(marker=f"release-item-{prep_id}")


async def test_a_nurse_is_refused(user: User, unit) -> None:
    app, _prep_id = unit
    await sign_in(user, app.store, "nurse")
    await user.open("/liberation")
    await user.should_see("Accès refusé", retries=SLOW)


async def test_without_a_snapshot_the_page_says_so(user: User, store) -> None:
    state.install(state.AppState(store=store))
    await sign_in(user, store, "pharmacist")
    await user.open("/liberation")
    await user.should_see("Aucun instantané actif", retries=SLOW)
