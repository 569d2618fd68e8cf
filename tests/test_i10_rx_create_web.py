"""Issue 10 on the new-prescription form and the draft's dialogs (NiceGUI `user` fixture): a
cycle 0 refused as typed, "aucun cycle connu", the form sent again with its key landing on the
first prescription, and double clicks that record once."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import SLOW, sign_in

from chemo_fallback import request_keys
from chemo_fallback.modules.prescription import (
    drafts,
    lifecycle,
    line_edits,
    notes,
    pages,
)
from chemo_fallback.modules.prescription.models import DraftRequest, OffProtocolLine
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.web import patient_pages, state

FIXED_KEY = "form0000000000000000000000000001"


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


def draft_ids(store) -> list[str]:
    rows = store.cursor().execute(
        "SELECT prescription_id FROM rx_prescriptions ORDER BY prescription_id"
    ).fetchall()
    return [r[0] for r in rows]


async def open_form(user: User, protocol: str = "mFOLFOX6 (14 j)") -> None:
    await user.open(f"/prescriptions/nouvelle?patient={RECENT_PATIENT}")
    await user.should_see(marker="rx-protocol", retries=SLOW)
    user.find(marker="rx-protocol").click()
    user.find(protocol).click()
    await user.should_see(marker="rx-day-1", retries=SLOW)


async def test_cycle_0_is_refused_as_typed_never_turned_into_1(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await open_form(user)
    user.find(marker="rx-cycle").clear().type("0")
    user.find(marker="rx-create").click()
    await user.should_see("Cycle 0 refusé : les cycles se numérotent à partir de 1", retries=SLOW)
    assert only(user, "rx-cycle").value == "0"  # the field keeps what was typed
    user.find(marker="rx-cycle").clear().type("2,5")
    user.find(marker="rx-create").click()
    await user.should_see("Numéro de cycle « 2,5 » impossible", retries=SLOW)
    assert draft_ids(app_state.store) == []
    assert audit_rows(app_state.store, "prescription.draft_created") == []


async def test_the_form_says_aucun_cycle_connu(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await open_form(user, "AC 60 (21 j)")
    await user.should_see("Aucun cycle connu de AC 60 pour ce patient", retries=SLOW)
    await user.should_see("cycle 1 proposé, à partir du 23/11/2026")
    assert only(user, "rx-cycle").value == "1"
    await user.should_see("code du thésaurus : AC60")
    # a protocol with a known cycle names it
    user.find(marker="rx-protocol").click()
    user.find("mFOLFOX6 (14 j)").click()
    await user.should_see("dernier cycle connu de mFOLFOX6 : cycle 5 du 03/12/2026", retries=SLOW)
    await user.should_not_see("Aucun cycle connu")
    await user.should_not_see("Déjà prescrit dans le secours")


async def test_the_form_names_a_draft_already_made_of_the_protocol(user: User, app_state) -> None:
    """A draft is no "last cycle known" (it may be cancelled): the form names it instead, so
    that the back button to a new form does not lead to a duplicate unknowingly."""
    account = await sign_in(user, app_state.store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="AC60", cycle_no=1, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(app_state.store, account, request, SiteSettings(), TODAY)
    await open_form(user, "AC 60 (21 j)")
    await user.should_see("Aucun cycle connu de AC 60 pour ce patient", retries=SLOW)
    await user.should_see(
        f"Déjà prescrit dans le secours pour ce patient : {rx.prescription_id} — AC 60, cycle 1 "
        "du 23/11/2026 (« brouillon »). Vérifiez qu'il ne s'agit pas d'un doublon"
    )
    lifecycle.cancel(app_state.store, account, rx.prescription_id, "Doublon")
    await open_form(user, "AC 60 (21 j)")
    await user.should_see("Aucun cycle connu de AC 60 pour ce patient", retries=SLOW)
    await user.should_not_see("Déjà prescrit dans le secours")


async def test_the_form_sent_again_lands_on_the_first_prescription(
    user: User, app_state, monkeypatch
) -> None:
    """The back button to the very form (its key): nothing created a second time, even after
    the first was signed; the first is named with its status."""
    monkeypatch.setattr(request_keys, "new_key", lambda: FIXED_KEY)
    account = await sign_in(user, app_state.store, "prescriber")
    await open_form(user)
    user.find(marker="rx-create").click()
    await user.should_see(marker="rx-header", retries=SLOW)
    [first] = draft_ids(app_state.store)
    lifecycle.sign(app_state.store, account, first, SiteSettings(), TODAY)
    await open_form(user)  # the same form again, with its key
    user.find(marker="rx-create").click()
    await user.should_see(
        f"Cette prescription a déjà été créée : {first} — mFOLFOX6, cycle 6, « signée",
        retries=SLOW,
    )
    await user.should_see("Elle n'a pas été créée une seconde fois.")
    await user.should_not_see(marker="rx-create")
    assert draft_ids(app_state.store) == [first]
    assert len(audit_rows(app_state.store, "prescription.draft_created")) == 1
    user.find(marker="rx-open-existing").click()
    await user.should_see(marker="rx-header", retries=SLOW)


async def test_the_create_button_is_disabled_while_the_draft_is_made(
    user: User, app_state, monkeypatch
) -> None:
    seen = []
    original = drafts.start_draft_or_earlier

    def watched(*args, **kwargs):
        seen.append(only(user, "rx-create").enabled)
        return original(*args, **kwargs)

    monkeypatch.setattr(drafts, "start_draft_or_earlier", watched)
    await sign_in(user, app_state.store, "prescriber")
    await open_form(user)
    user.find(marker="rx-create").click()
    await user.should_see(marker="rx-header", retries=SLOW)
    assert seen == [False]


async def test_a_double_click_on_add_note_writes_one_note(
    user: User, app_state, monkeypatch
) -> None:
    seen = []
    original = notes.add_note

    def watched(*args, **kwargs):
        seen.append((only(user, "note-add").enabled, kwargs.get("request_key")))
        return original(*args, **kwargs)

    monkeypatch.setattr(notes, "add_note", watched)
    await sign_in(user, app_state.store, "prescriber")
    await user.open(f"/patients/{RECENT_PATIENT}")
    await user.should_see(marker="note-text", retries=SLOW)
    user.find(marker="note-text").type("Voie veineuse difficile")
    button = user.find(marker="note-add")
    button.click()
    button.click()
    await user.should_see("— sur le patient", retries=SLOW)
    assert len(audit_rows(app_state.store, "note.added")) == 1
    assert seen and all(not enabled and key for enabled, key in seen)
    # the next note is another request (a new key): written
    user.find(marker="note-text").type("Prévenir l'IDE")
    user.find(marker="note-add").click()
    for _ in range(SLOW):
        if len(audit_rows(app_state.store, "note.added")) == 2:
            break
        await asyncio.sleep(0.1)
    assert len(audit_rows(app_state.store, "note.added")) == 2
    assert len({key for _enabled, key in seen}) == 2


def mfolfox6_draft(store, account):
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=3, cycle_start_date=TODAY
    )
    return drafts.start_draft(store, account, request, SiteSettings(), TODAY)


async def test_a_dialog_s_buttons_are_disabled_while_it_saves(
    user: User, app_state, monkeypatch
) -> None:
    seen = []
    original = line_edits.modify_dose

    def watched(*args, **kwargs):
        seen.append((only(user, "modify-save").enabled, only(user, "modify-close").enabled))
        return original(*args, **kwargs)

    monkeypatch.setattr(line_edits, "modify_dose", watched)
    account = await sign_in(user, app_state.store, "prescriber")
    rx = mfolfox6_draft(app_state.store, account)
    oxali = next(x for x in rx.lines if x.drug_id == "OXALIPLATINE")
    await user.open(pages.prescription_url(rx.prescription_id))
    await user.should_see(marker=f"modify-{oxali.line_id}", retries=SLOW)
    user.find(marker=f"modify-{oxali.line_id}").click()
    await user.should_see("dose du protocole 85\u00a0mg/m²", retries=SLOW)
    user.find(marker="modify-pct").type("-20")
    user.find(marker="modify-reason").type("Neuropathie grade 2")
    user.find(marker="modify-save").click()
    await user.should_see("142 mg", retries=SLOW)
    assert seen == [(False, False)]


async def test_the_off_protocol_dialog_adds_its_line_once(
    user: User, app_state, monkeypatch
) -> None:
    """The dialog draws its request key when it opens: saved twice, one line."""
    seen = []
    original = line_edits.add_off_protocol_line

    def watched(*args, **kwargs):
        seen.append((only(user, "off-save").enabled, kwargs.get("request_key")))
        return original(*args, **kwargs)

    monkeypatch.setattr(line_edits, "add_off_protocol_line", watched)
    account = await sign_in(user, app_state.store, "prescriber")
    rx = mfolfox6_draft(app_state.store, account)
    await user.open(pages.prescription_url(rx.prescription_id))
    await user.should_see(marker="rx-add-line", retries=SLOW)
    user.find(marker="rx-add-line").click()
    await user.should_see(marker="off-drug", retries=SLOW)
    user.find(marker="off-drug").click()
    user.find("irinotécan").click()
    user.find(marker="off-dose").type("180")
    user.find(marker="off-reason").type("FOLFIRINOX décidé en RCP")
    save = user.find(marker="off-save")
    save.click()
    save.click()
    await user.should_see("Motif hors protocole : FOLFIRINOX décidé en RCP", retries=SLOW)
    assert len(audit_rows(app_state.store, "prescription.line_added")) == 1
    assert seen and all(not enabled and key for enabled, key in seen)
    assert len({key for _enabled, key in seen}) == 1
    # the same key sent again (a save that got through twice) adds nothing
    [(_, key)] = seen[:1]
    line = original(
        app_state.store, account, rx.prescription_id,
        OffProtocolLine(drug_id="IRINOTECAN", dose=180, dose_basis="mg/m2", day_no=1,
                        route="IV", reason="FOLFIRINOX décidé en RCP"),
        SiteSettings(), request_key=key,
    )
    assert line.drug_id == "IRINOTECAN"
    assert len(audit_rows(app_state.store, "prescription.line_added")) == 1
