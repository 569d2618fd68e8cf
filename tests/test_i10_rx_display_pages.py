"""Issue 10, the prescription pages (NiceGUI `user` fixture): a request for a change on the
prescriber's day list (its own badge, its filter, the pharmacist's question) and on the version
answering it; the signatures, points lifted and feu vert on the prescription page after
validation; the body surface area in the dosing box; the signature dialog listing what blocks
before any password; the take-over as a visible button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo
from test_i10_rx_display_trail import LIFT_REASON, at
from web_helpers import SLOW, create_account, sign_in

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, pages
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.modules.validation.models import Override, Severity
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.web import patient_pages, state

SETTINGS = SiteSettings()


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


def texts(user: User, marker: str) -> list[str]:
    """In page order (find gives a set)."""
    return [e.text for e in sorted(user.find(marker=marker).elements, key=lambda e: e.id)]


def signed(store, prescriber, protocol: str = "MFOLFOX6", cycle: int = 6) -> str:
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id=protocol, cycle_no=cycle, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    store.cursor().execute(
        "UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?",
        [at(TODAY, 7), rx.prescription_id],
    )
    return rx.prescription_id


async def test_a_change_requested_on_the_prescriber_list_and_on_its_correction(
    user: User, app_state
) -> None:
    store = app_state.store
    prescriber = await sign_in(user, store, "prescriber")
    rx_id = signed(store, prescriber)
    pharmacist = create_account(store, "pharmacist", "ph-question")
    decisions.request_change(store, pharmacist, rx_id, "4", "Oxaliplatine : réduire à 75 %")
    await user.open("/prescriptions")
    await user.should_see("1 prescription(s) renvoyée(s) par la pharmacie", retries=SLOW)
    # the filter shows the prescriber's work, whatever the period chosen
    user.find(marker="list-from").clear().type(f"{TODAY + timedelta(days=200):%d/%m/%Y}")
    user.find(marker="list-days").clear().type("1")
    user.find(marker="list-show").click()
    await user.should_see(marker="list-empty", retries=SLOW)
    only(user, "list-filter").set_value("change_requested")
    await user.should_see(marker="day-2026-11-23", retries=SLOW)
    [grid] = user.find(marker="day-2026-11-23").elements
    [row] = grid.rows
    assert row["status"] == "modification demandée"
    assert row["status_color"] == pages.BADGE_COLORS["change_requested"]
    assert row["status_color"] != pages.BADGE_COLORS["rejected"]  # not a refusal
    assert row["question"].startswith("Modification demandée par Test pharmacist le ")
    assert row["question"].endswith("Surdosage — Oxaliplatine : réduire à 75 %")
    # the prescription's page says what is asked, the corrected version what it answers
    await user.open(pages.prescription_url(rx_id))
    await user.should_see(marker="rx-change-requested", retries=SLOW)
    await user.should_see("MODIFICATION DEMANDÉE")
    assert only(user, "rx-question").text == row["question"]
    # the question is shown once: the decisions list points to it instead of repeating it
    [asked] = [t for t in texts(user, "rx-decision") if "intervention" in t]
    assert "réduire à 75 %" not in asked and asked.endswith("(question ci-dessus)")
    assert "bg-orange-600" in only(user, "rx-status").classes
    user.find(marker="rx-correct").click()
    await user.should_see("(version 2)", retries=SLOW)
    await user.should_see(marker="rx-answers")
    assert only(user, "rx-answered-question").text == row["question"]


async def test_the_page_after_validation_shows_signatures_lifts_feu_vert_and_bsa(
    user: User, app_state
) -> None:
    store = app_state.store
    prescriber = await sign_in(user, store, "prescriber")
    rx_id = signed(store, prescriber)
    pharmacist = create_account(store, "pharmacist", "ph-valide")
    _rx, findings = validation.findings_of(store, pharmacist, rx_id, SETTINGS, TODAY)
    lifted = [Override(key=f.key, reason=LIFT_REASON) for f in findings
              if f.severity == Severity.BLOCKING]
    decisions.validate(store, pharmacist, rx_id, lifted, SETTINGS, TODAY)
    nurse = create_account(store, "nurse", "ide")
    record_go_ahead(store, nurse, rx_id, 1, "Dr Colin (HDJ)", at(TODAY, 8.5),
                    now=at(TODAY, 9))
    await user.open(pages.prescription_url(rx_id))
    await user.should_see(marker="rx-trail", retries=SLOW)
    signatures = texts(user, "rx-signature")
    assert signatures[0].startswith("Prescrit par Test prescriber (")
    assert signatures[1].startswith("Validé par Test pharmacist (")
    [decision] = texts(user, "rx-decision")
    assert decision.startswith("Validation pharmaceutique par Test pharmacist le ")
    assert texts(user, "rx-lifted") and all(LIFT_REASON in t for t in texts(user, "rx-lifted"))
    [go_ahead] = texts(user, "rx-trail-go-ahead")
    assert go_ahead.startswith("J1 (23/11/2026) : feu vert de Dr Colin (HDJ) le 23/11/2026 à "
                               "08:30, enregistré par Test nurse")
    assert only(user, "rx-bsa").text == (
        "Surface corporelle : 2,09\u00a0m² (Mosteller, 185\u00a0cm, 85\u00a0kg)"
    )


async def test_the_signature_dialog_lists_what_blocks_before_any_password(
    user: User, app_state
) -> None:
    store = app_state.store
    prescriber = await sign_in(user, store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=1, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    await user.open(pages.prescription_url(rx.prescription_id))
    await user.should_see(marker="rx-sign", retries=SLOW)
    user.find(marker="rx-sign").click()
    user.find(marker="rx-sign").click()  # a double click: the button waits for the checks
    await user.should_see(marker="signature-blockers", retries=SLOW)
    assert len(user.find(marker="signature-blockers").elements) == 1  # one dialog
    await user.should_see("le code indication est obligatoire")
    await user.should_not_see(marker="signature-password")
    user.find(marker="signature-cancel").click()
    line_edits.set_indication_code(store, prescriber, rx.prescription_id, "RITUXIMAB", "I000456")
    user.find(marker="rx-sign").click()
    await user.should_see(marker="signature-password", retries=SLOW)
    await user.should_not_see(marker="signature-blockers")


async def test_take_over_is_a_button_on_each_production_row(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/prescriptions")
    user.find(marker="list-from").clear().type("03/12/2026")
    user.find(marker="list-days").clear().type("1")
    user.find(marker="list-show").click()
    await user.should_see(marker="day-2026-12-03", retries=SLOW)
    [grid] = user.find(marker="day-2026-12-03").elements
    assert "body-cell-action" in grid.slots
    assert "Reprendre dans le secours" in grid.slots["body-cell-action"].template
    snapshot_rows = [r for r in grid.rows if r["snapshot_id"]]
    assert snapshot_rows and all(r["can_take_over"] for r in snapshot_rows)
    # a click on the row opens the patient record, it takes nothing over
    row = next(r for r in snapshot_rows if r["snapshot_id"] == "ORD01000250")
    user.find(marker="day-2026-12-03").trigger("rowClick", [{}, row, 0])
    await user.should_see(marker="patient-identity", retries=SLOW)


async def test_a_nurse_sees_no_take_over_button(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.open("/prescriptions")
    user.find(marker="list-from").clear().type("03/12/2026")
    user.find(marker="list-days").clear().type("1")
    user.find(marker="list-show").click()
    await user.should_see(marker="day-2026-12-03", retries=SLOW)
    [grid] = user.find(marker="day-2026-12-03").elements
    assert not any(r["can_take_over"] for r in grid.rows)
