"""The prescription pages as a prescriber, a pharmacist and a nurse use them (NiceGUI `user`
fixture, demo snapshot pinned to its export day); each action's audit record is checked."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, STALE_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import SLOW, sign_in

from chemo_fallback.documents import get_document
from chemo_fallback.modules.prescription import pages
from chemo_fallback.web import patient_pages, state
from chemo_fallback.web.frame import MENU


@pytest.fixture
def app_state(store, monkeypatch):
    monkeypatch.setattr(pages, "today", lambda: TODAY)
    monkeypatch.setattr(patient_pages, "today", lambda: TODAY)
    activate_demo(store)
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def only(user: User, marker: str):
    [element] = user.find(marker=marker).elements
    return element


def shown_rx_id(user: User) -> str:
    """The prescription's number, as the header shows it ("Prescription PS000001 (version 1)")."""
    return only(user, "rx-id").text.split()[1]


async def choose(user: User, marker: str, option: str) -> None:
    user.find(marker=marker).click()
    user.find(option).click()


async def new_mfolfox6(user: User, patient: str = RECENT_PATIENT, cycle: str = "3") -> str:
    """Open the new-prescription page, choose mFOLFOX6, cycle `cycle`, create the draft;
    returns the new prescription's id, read from the page."""
    await user.open(f"/prescriptions/nouvelle?patient={patient}")
    await user.should_see(marker="rx-protocol", retries=SLOW)
    await choose(user, "rx-protocol", "mFOLFOX6 (14 j)")
    await user.should_see(marker="rx-day-1", retries=SLOW)
    await user.should_see("Proposé d'après le dernier cycle connu : cycle 6 à partir du 17/12/2026")
    user.find(marker="rx-cycle").clear().type(cycle)
    user.find(marker="rx-start").clear().type("23/11/2026")
    user.find(marker="rx-create").click()
    await user.should_see(marker="rx-header", retries=SLOW)
    return shown_rx_id(user)


async def test_prescriber_prescribes_mfolfox6_cycle_3_and_modifies_a_dose(
    user: User, app_state
) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await user.should_see(marker="menu-Nouvelle prescription")
    rx_id = await new_mfolfox6(user)
    await user.should_see("mFOLFOX6 — cycle 3")
    await user.should_see("BROUILLON")
    await user.should_see("Prescripteur : Test prescriber")
    [created] = audit_rows(app_state.store, "prescription.draft_created")
    assert created["record_id"] == rx_id and created["after_json"]["cycle_no"] == 3
    oxali = f"{rx_id}-L4"
    assert only(user, f"dose-{oxali}").text == "178 mg"
    user.find(marker=f"derivation-{oxali}").click()
    await user.should_see("Surface corporelle (Mosteller, 185 cm, 85 kg) : 2,09 m²")
    # dose reduction: refused without a reason, kept with one
    user.find(marker=f"modify-{oxali}").click()
    user.find(marker="modify-pct").type("-20")
    user.find(marker="modify-save").click()
    await user.should_see("Le motif de la modification est obligatoire", retries=SLOW)
    user.find(marker="modify-reason").type("Neuropathie grade 2")
    user.find(marker="modify-save").click()
    await user.should_see("142 mg", retries=SLOW)
    await user.should_see("Motif de modification : Neuropathie grade 2")
    [modified] = audit_rows(app_state.store, "prescription.dose_modified")
    assert modified["reason"] == "Neuropathie grade 2"
    assert (modified["before_json"]["dose"], modified["after_json"]["dose"]) == (178, 142)


async def test_stale_weight_is_refused_before_anything_is_computed(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await user.open(f"/prescriptions/nouvelle?patient={STALE_PATIENT}")
    await user.should_see("Poids trop ancien", retries=SLOW)
    await choose(user, "rx-protocol", "mFOLFOX6 (14 j)")
    await user.should_see(marker="rx-day-1", retries=SLOW)
    user.find(marker="rx-create").click()
    await user.should_see("Pesez le patient", retries=SLOW)
    assert audit_rows(app_state.store, "prescription.draft_created") == []


async def test_liste_en_sus_indication_then_signature(user: User, app_state) -> None:
    account = await sign_in(user, app_state.store, "prescriber")
    await user.open(f"/prescriptions/nouvelle?patient={RECENT_PATIENT}")
    await user.should_see(marker="rx-protocol", retries=SLOW)
    await choose(user, "rx-protocol", "R-CHOP 21 (21 j)")
    await user.should_see(marker="rx-day-5", retries=SLOW)
    user.find(marker="rx-create").click()
    await user.should_see(marker="rx-header", retries=SLOW)
    await user.should_see("Liste en sus : code indication manquant")
    ritux = f"{shown_rx_id(user)}-L6"  # rituximab is line 6 of the protocol, day 1
    user.find(marker=f"indication-{ritux}").click()
    user.find(marker="les-code").type("12345")
    user.find(marker="les-save").click()
    await user.should_see("Code indication « 12345 » invalide", retries=SLOW)
    user.find(marker="les-code").clear().type("I000456")
    user.find(marker="les-save").click()
    await user.should_see("Liste en sus : I000456", retries=SLOW)
    [indication] = audit_rows(app_state.store, "prescription.indication_set")
    assert indication["after_json"] == {"drug_id": "RITUXIMAB", "code": "I000456"}
    # electronic signature
    user.find(marker="rx-sign").click()
    await user.should_see("Signification : « prescrit »")
    user.find(marker="signature-password").type("Cytotox-2026!")
    user.find(marker="signature-sign").click()
    await user.should_see("SIGNÉE, À VALIDER", retries=SLOW)
    await user.should_not_see(marker=f"indication-{ritux}")  # read-only past draft
    [signed] = audit_rows(app_state.store, "prescription.signed")
    assert signed["actor"] == account.username
    # a corrected version, its doses recomputed with the site's settings (app.settings)
    user.find(marker="rx-correct").click()
    await user.should_see("(version 2)", retries=SLOW)
    [started] = audit_rows(app_state.store, "prescription.correction_started")
    assert started["after_json"]["doses_recomputed"] == {}


async def test_note_then_cancel_with_a_reason(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    rx_id = await new_mfolfox6(user)
    user.find(marker="note-text").type("Voie veineuse difficile, prévenir l'IDE.")
    user.find(marker="note-add").click()
    await user.should_see("Voie veineuse difficile, prévenir l'IDE.", retries=SLOW)
    await user.should_see(f"sur la prescription {rx_id}")
    [note] = audit_rows(app_state.store, "note.added")
    assert note["after_json"]["prescription_id"] == rx_id
    user.find(marker="rx-cancel").click()
    user.find(marker="cancel-save").click()
    await user.should_see("Le motif d'annulation est obligatoire", retries=SLOW)
    user.find(marker="cancel-reason").type("Prescrit au mauvais patient")
    user.find(marker="cancel-save").click()
    await user.should_see("ANNULÉE", retries=SLOW)
    await user.should_see("Motif : Prescrit au mauvais patient")
    [cancelled] = audit_rows(app_state.store, "prescription.cancelled")
    assert cancelled["record_id"] == rx_id and cancelled["reason"] == "Prescrit au mauvais patient"


async def test_pharmacist_transcribes_and_the_list_shows_it(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open(f"/prescriptions/nouvelle?patient={RECENT_PATIENT}")
    await user.should_see(marker="rx-protocol", retries=SLOW)
    await choose(user, "rx-protocol", "mFOLFOX6 (14 j)")
    await user.should_see(marker="rx-day-1", retries=SLOW)
    user.find(marker="rx-start").clear().type("23/11/2026")
    user.find(marker="rx-create").click()
    await user.should_see("choisissez le médecin prescripteur", retries=SLOW)
    await choose(user, "rx-prescriber", "Dr Jean-Claude FRANÇOIS — Oncologie médicale")
    user.find(marker="rx-create").click()
    await user.should_see("prescription transcrite par Test pharmacist", retries=SLOW)
    await user.open("/prescriptions")
    await user.should_see("Aujourd'hui — Lundi 23/11/2026", retries=SLOW)
    [today_table] = user.find(marker="day-2026-11-23").elements
    mine = [r for r in today_table.rows if r["source"] == "secours"]
    assert [(r["patient"], r["day"], r["status"]) for r in mine] == [
        (f"GARNIER Hamid ({RECENT_PATIENT})", "C6 J1", "brouillon")
    ]


async def test_nurse_reads_but_cannot_prescribe(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.should_see(marker="menu-Prescriptions")
    await user.should_not_see(marker="menu-Nouvelle prescription")
    await user.open(f"/prescriptions/nouvelle?patient={RECENT_PATIENT}")
    await user.should_see("Accès refusé")
    assert ("/prescriptions", "Prescriptions", "event_note") in [m[:3] for m in MENU]


async def test_print_then_reprint_the_same_pdf(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await new_mfolfox6(user)
    user.find(marker="rx-print").click()
    first = await user.download.next(timeout=SLOW)
    assert first.content.startswith(b"%PDF")
    await user.should_see("Résumé n° 000001 imprimé le", retries=SLOW)
    user.find(marker="reprint-1").click()
    again = await user.download.next(timeout=SLOW)
    # the same document, marked DUPLICATA: the stored data rendered again
    assert again.content == get_document(app_state.store, 1).render(duplicata=True)
    assert again.content != first.content
    assert len(audit_rows(app_state.store, "document.printed")) == 1
    assert len(audit_rows(app_state.store, "document.reprinted")) == 1


async def test_patient_record_lists_the_fallback_prescriptions_and_notes(
    user: User, app_state
) -> None:
    await sign_in(user, app_state.store, "prescriber")
    rx_id = await new_mfolfox6(user)
    user.find(marker="rx-patient-link").click()
    await user.should_see(marker="fallback-prescription-table", retries=SLOW)
    [grid] = user.find(marker="fallback-prescription-table").elements
    assert [(r["prescription"], r["cycle"], r["status"]) for r in grid.rows] == [
        (rx_id, 3, "brouillon")
    ]
    user.find(marker="note-text").type("Allergie au pansement adhésif")
    user.find(marker="note-add").click()
    await user.should_see("Allergie au pansement adhésif", retries=SLOW)
    await user.should_see("sur le patient")
    [note] = audit_rows(app_state.store, "note.added")
    assert note["after_json"]["prescription_id"] is None


async def test_take_over_a_snapshot_prescription_from_the_day_list(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/prescriptions")
    user.find(marker="list-from").clear().type("03/12/2026")
    user.find(marker="list-days").clear().type("1")
    user.find(marker="list-show").click()
    await user.should_see(marker="day-2026-12-03", retries=SLOW)
    [grid] = user.find(marker="day-2026-12-03").elements
    row = next(r for r in grid.rows if r["snapshot_id"] == "ORD01000250")
    assert row["can_take_over"]  # a visible button on the row, not a click on the row
    user.find(marker="day-2026-12-03").trigger("take_over", row)
    await user.should_see("Prescription ORD01000250 du logiciel de production")
    user.find(marker="take-over").click()
    await user.should_see("prescription transcrite par Test pharmacist", retries=SLOW)
    await user.should_see("mFOLFOX6 — cycle 5")
    await user.should_see("Reprend la prescription ORD01000250 du logiciel de production")
    [created] = audit_rows(app_state.store, "prescription.draft_created")
    assert created["after_json"]["continues"] == "ORD01000250"


async def test_take_over_keeps_the_production_reduction(user: User, app_state) -> None:
    """The weekly paclitaxel of 26/11 (ORD01000243) was reduced by 20 % in production: the
    taken-over draft shows 121 mg, the −20 % and where its reason comes from."""
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/prescriptions")
    user.find(marker="list-from").clear().type("26/11/2026")
    user.find(marker="list-days").clear().type("1")
    user.find(marker="list-show").click()
    await user.should_see(marker="day-2026-11-26", retries=SLOW)
    [grid] = user.find(marker="day-2026-11-26").elements
    row = next(r for r in grid.rows if r["snapshot_id"] == "ORD01000243")
    assert row["can_take_over"]  # a visible button on the row, not a click on the row
    user.find(marker="day-2026-11-26").trigger("take_over", row)
    await user.should_see("avec les modifications de dose décidées en production")
    user.find(marker="take-over").click()
    await user.should_see("Reprend la prescription ORD01000243", retries=SLOW)
    await user.should_see("Motif de modification : repris de ORD01000243 : Diarrhée grade 3")
    await user.should_see("-20\u00a0%")
    await user.should_see("Dr Christiane BÉNARD")
    [created] = audit_rows(app_state.store, "prescription.draft_created")
    assert created["after_json"]["doses"][f"{created['record_id']}-L3"] == 121
    assert created["after_json"]["modifications_carried"] == {f"{created['record_id']}-L3": -20}


async def test_off_protocol_line_from_the_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    rx_id = await new_mfolfox6(user)
    user.find(marker="rx-add-line").click()
    await user.should_see(marker="off-drug", retries=SLOW)
    await choose(user, "off-drug", "irinotécan")
    user.find(marker="off-dose").type("180")
    user.find(marker="off-save").click()
    await user.should_see("Le motif d'une ligne hors protocole est obligatoire", retries=SLOW)
    user.find(marker="off-reason").type("FOLFIRINOX décidé en RCP")
    user.find(marker="off-save").click()
    await user.should_see("HORS PROTOCOLE", retries=SLOW)
    await user.should_see("Motif hors protocole : FOLFIRINOX décidé en RCP")
    [added] = audit_rows(app_state.store, "prescription.line_added")
    assert added["record_id"] == rx_id and added["after_json"]["dose"] == 376


async def test_off_protocol_never_event_is_refused_in_the_dialog(user: User, app_state) -> None:
    """Vincristine 2 mg intrathecal, off protocol: refused with the French reason, nothing
    written (it used to be accepted with a "hors protocole" warning)."""
    await sign_in(user, app_state.store, "prescriber")
    await new_mfolfox6(user)
    user.find(marker="rx-add-line").click()
    await user.should_see(marker="off-drug", retries=SLOW)
    await choose(user, "off-drug", "vincristine")
    user.find(marker="off-dose").type("2")
    only(user, "off-basis").set_value("mg")
    only(user, "off-route").set_value("IT")
    user.find(marker="off-reason").type("Décidé en RCP")
    user.find(marker="off-save").click()
    await user.should_see("Ligne hors protocole refusée : vincristine (J1) par voie IT : INTERDIT",
                          retries=SLOW)
    assert audit_rows(app_state.store, "prescription.line_added") == []


async def test_move_a_day_from_the_page_recomputes_the_doses(user: User, app_state) -> None:
    """"Changer la date" goes through the same dose computation as "Recalculer les doses" (the
    site's settings reach it): the audit record has the doses before and after."""
    await sign_in(user, app_state.store, "prescriber")
    rx_id = await new_mfolfox6(user)
    user.find(marker="move-day-1").click()
    await user.should_see(marker="move-date", retries=SLOW)
    user.find(marker="move-date").clear().type("24/11/2026")
    user.find(marker="move-save").click()
    await user.should_see("J1 — mardi 24/11/2026", retries=SLOW)
    [moved] = audit_rows(app_state.store, "prescription.day_moved")
    assert moved["record_id"] == rx_id and moved["after_json"]["date"] == "2026-11-24"
    assert moved["after_json"]["doses"] == moved["before_json"]["doses"]  # same measurements
    assert moved["after_json"]["doses"][f"{rx_id}-L4"] == 178  # oxaliplatin 85 × 2,09 m²
