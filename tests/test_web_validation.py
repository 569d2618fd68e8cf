"""The validation pages as pharmacists and nurses use them (NiceGUI `user` fixture, demo
snapshot pinned to its export day): worklist, review, signed validation with overrides,
rejection, intervention, and the feu vert; each action's audit record is checked."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from prescription_helpers import TODAY, activate_demo, audit_rows
from test_validation_service import signed_mfolfox6
from web_helpers import PASSWORD, SLOW, sign_in

from chemo_fallback.modules.prescription import pages as rx_pages
from chemo_fallback.modules.validation import pages
from chemo_fallback.web import patient_pages, state


@pytest.fixture
def app_state(store, monkeypatch):
    for module in (pages, rx_pages, patient_pages):
        monkeypatch.setattr(module, "today", lambda: TODAY)
    activate_demo(store)
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def open_review(user: User, store) -> str:
    rx_id = signed_mfolfox6(store)
    await sign_in(user, store, "pharmacist")
    await user.open("/validation")
    await user.should_see("1 prescription(s) en attente de validation.", retries=SLOW)
    [grid] = user.find(marker="validation-worklist").elements
    [row] = grid.rows
    # interval with cycle 4 (19/11), with the production's cycle 5 planned 03/12, concentration
    assert (row["patient"], row["blocking"]) == ("GARNIER Hamid (IPP10002366)", 3)
    user.find(marker="validation-worklist").trigger("rowClick", [{}, row, 0])
    await user.should_see(marker="review-counts", retries=SLOW)
    return rx_id


async def test_validate_with_signature_after_lifting_each_blocking_point(
    user: User, app_state
) -> None:
    rx_id = await open_review(user, app_state.store)
    await user.should_see("3 point(s) bloquant(s)")
    await user.should_see("19/11/2026")  # the previous cycle, in the interval finding
    [doses] = user.find(marker="review-doses").elements  # what cycle 4 gave, from the snapshot
    assert {"date": "19/11/2026", "drug": "oxaliplatine", "dose": "178 mg"}.items() <= next(
        r for r in doses.rows if r["drug"] == "oxaliplatine"
    ).items()
    user.find(marker="review-validate").click()
    # the dialog runs the service's checks first: what blocks is listed, no password asked
    await user.should_see(marker="signature-blockers", retries=SLOW)
    await user.should_see("n'est pas levé")
    await user.should_not_see(marker="signature-password")
    user.find(marker="signature-cancel").click()
    assert audit_rows(app_state.store, "prescription.validated") == []
    user.find(marker="override-interval_short").type("Report du C4 décidé en RCP")
    user.find(marker="override-interval_short_next").type("C5 de production annulé")
    user.find(marker=f"override-concentration:{rx_id}-L4").type("Poche de 500 mL")
    user.find(marker="review-validate").click()
    await user.should_see("(3 point(s) bloquant(s) levé(s))", retries=SLOW)
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see("VALIDÉE", retries=SLOW)
    await user.should_see("Validée par Test pharmacist")
    [audit] = audit_rows(app_state.store, "prescription.validated")
    assert audit["record_id"] == rx_id
    assert audit["after_json"]["overrides"]["interval_short"] == "Report du C4 décidé en RCP"


async def test_reject_from_the_review(user: User, app_state) -> None:
    rx_id = await open_review(user, app_state.store)
    user.find(marker="review-reject").click()
    user.find(marker="reject-reason").type("C4 administré le 19/11 : cycle trop précoce")
    user.find(marker="reject-save").click()
    await user.should_see("REFUSÉE PAR LA PHARMACIE", retries=SLOW)
    [audit] = audit_rows(app_state.store, "prescription.rejected")
    assert audit["record_id"] == rx_id
    assert audit["reason"] == "C4 administré le 19/11 : cycle trop précoce"


async def test_intervention_with_a_sfpc_code(user: User, app_state) -> None:
    rx_id = await open_review(user, app_state.store)
    user.find(marker="review-intervene").click()
    user.find(marker="intervention-code").click()
    user.find("4. Surdosage").click()
    user.find(marker="intervention-text").type("Proposer de décaler le cycle au 03/12")
    user.find(marker="intervention-save").click()
    await user.should_see("MODIFICATION DEMANDÉE", retries=SLOW)  # not "refusée"
    await user.should_not_see("REFUSÉE PAR LA PHARMACIE")
    await user.should_see("Surdosage : Proposer de décaler le cycle au 03/12")
    # the text is shown once, with the decision (not again as the status reason)
    await user.should_not_see(marker="rx-reason")
    [audit] = audit_rows(app_state.store, "prescription.change_requested")
    assert audit["record_id"] == rx_id and audit["after_json"]["intervention_code"] == "4"


async def test_nurse_records_the_feu_vert_on_the_prescription(user: User, app_state) -> None:
    from test_validation_service import at, created_at

    rx_id = signed_mfolfox6(app_state.store)  # D1 on 23/11/2026
    created_at(app_state.store, rx_id, at(TODAY, -24))  # the demo's clock is pinned to TODAY
    await sign_in(user, app_state.store, "nurse")
    await user.should_not_see(marker="menu-Validation")
    await user.open(f"/prescriptions/{rx_id}")
    await user.should_see("Aucun feu vert enregistré.", retries=SLOW)
    user.find(marker="go-ahead-by").type("Dr Colin, HDJ oncologie")
    user.find(marker="go-ahead-at").clear().type("21/11/2026 08:40")  # two days before D1
    user.find(marker="go-ahead-save").click()
    await user.should_see("se donne le jour même ou la veille (22/11/2026)", retries=SLOW)
    assert audit_rows(app_state.store, "prescription.go_ahead") == []
    user.find(marker="go-ahead-at").clear().type("23/11/2026 08:40")
    user.find(marker="go-ahead-save").click()
    await user.should_see("feu vert de Dr Colin, HDJ oncologie le 23/11/2026 à 08:40",
                         retries=SLOW)
    [audit] = audit_rows(app_state.store, "prescription.go_ahead")
    assert audit["actor"] == "nurse" and audit["record_id"] == rx_id
    await user.open("/validation")
    await user.should_see("Accès refusé")


@pytest.mark.parametrize("first_done", [False, True])
async def test_double_check_signature_shows_the_meaning_recorded(
    user: User, app_state, first_done: bool
) -> None:
    from test_validation_service import lift
    from web_helpers import create_account

    from chemo_fallback.modules.validation import decisions
    from chemo_fallback.site_settings import SiteSettings

    app_state.settings = SiteSettings(validation_double_check=True)
    rx_id = signed_mfolfox6(app_state.store)
    if first_done:
        other = create_account(app_state.store, "pharmacist", "pharmacien2")
        overrides = lift(app_state.store, other, rx_id)
        decisions.validate(app_state.store, other, rx_id, overrides, app_state.settings, TODAY)
    await sign_in(user, app_state.store, "pharmacist")
    await user.open(f"/validation/{rx_id}")
    await user.should_see(marker="review-validate", retries=SLOW)
    user.find(marker="review-validate").click()
    expected = "validé" if first_done else "contrôlé"
    await user.should_see(f"Signification : « {expected} »")


@pytest.mark.parametrize("single_allowed", [False, True])
async def test_the_transcriber_is_told_before_the_password(
    user: User, app_state, single_allowed: bool
) -> None:
    from test_validation_safety import transcribed
    from test_validation_service import lift

    from chemo_fallback.site_settings import SiteSettings

    app_state.settings = SiteSettings(single_pharmacist_allowed=single_allowed)
    pharmacist = await sign_in(user, app_state.store, "pharmacist")
    rx_id = transcribed(app_state.store, pharmacist)
    await user.open(f"/validation/{rx_id}")
    await user.should_see(marker="review-validate", retries=SLOW)
    for finding in lift(app_state.store, pharmacist, rx_id):
        user.find(marker=f"override-{finding.key}").type("Vu avec le prescripteur")
    user.find(marker="review-validate").click()
    if not single_allowed:
        await user.should_see("vous avez transcrit et signé la prescription")
        await user.should_not_see(marker="signature-password")
        assert audit_rows(app_state.store, "prescription.validated") == []
        return
    await user.should_see("validation en pharmacien seul")
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see("VALIDÉE", retries=SLOW)
    await user.should_see("pharmacien seul")
    [audit] = audit_rows(app_state.store, "prescription.validated")
    assert audit["after_json"]["single_pharmacist"] is True
