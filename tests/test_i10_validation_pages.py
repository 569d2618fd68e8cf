"""Issue 10, validation pages (NiceGUI `user` fixture, demo pinned to its export day): once
decided the review is read-only and says who lifted what and why; the signature dialog lists
what blocks before any password and counts only what is really lifted; the worklist shows
every signed prescription by day and says what its filter hides; the new status' badge; the
values of findings the French way."""

from __future__ import annotations

from datetime import timedelta

from nicegui.testing import User
from prescription_helpers import TODAY
from test_validation_service import lift, signed_mfolfox6
from test_web_validation import app_state
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback.french import NBSP
from chemo_fallback.modules.validation import decisions, pages
from chemo_fallback.modules.validation.models import Finding, Severity
from chemo_fallback.site_settings import SiteSettings

__all__ = ["app_state"]


async def test_the_review_is_read_only_once_validated(user: User, app_state) -> None:
    store = app_state.store
    rx_id = signed_mfolfox6(store)
    other = create_account(store, "pharmacist", "pharmacien2")
    overrides = lift(store, other, rx_id, "Report du C4 décidé en RCP")
    decisions.validate(store, other, rx_id, overrides, app_state.settings, TODAY)
    await sign_in(user, store, "pharmacist")
    await user.open(f"/validation/{rx_id}")
    await user.should_see(marker="review-read-only", retries=SLOW)
    await user.should_see("VALIDÉE")
    await user.should_see("Validée par Test pharmacist")
    await user.should_not_see(marker="review-validate")
    await user.should_not_see(marker="review-reject")
    await user.should_not_see(marker="override-interval_short")
    lifted = user.find(marker="lifted-interval_short").elements
    [text] = [e.text for e in lifted]
    assert text.startswith("Levé par Test pharmacist le ")
    assert text.endswith("(validée) : « Report du C4 décidé en RCP »")
    await user.should_see("(signature « validé »)")


async def test_dialog_lists_blockers_and_counts_only_real_lifts(user: User, app_state) -> None:
    rx_id = signed_mfolfox6(app_state.store)
    await sign_in(user, app_state.store, "pharmacist")
    await user.open(f"/validation/{rx_id}")
    await user.should_see(marker="review-validate", retries=SLOW)
    user.find(marker="override-interval_short").type("ok")  # too short: lifts nothing
    user.find(marker="review-validate").click()
    await user.should_see(marker="signature-blockers", retries=SLOW)
    await user.should_see("(aucun point levé)")
    await user.should_see("levé sans motif")
    await user.should_not_see(marker="signature-password")
    user.find(marker="signature-cancel").click()
    user.find(marker="override-interval_short").clear().type("Report décidé en RCP")
    user.find(marker="override-interval_short_next").type("C5 de production annulé")
    user.find(marker=f"override-concentration:{rx_id}-L4").type("Poche de 500 mL")
    user.find(marker="review-validate").click()
    await user.should_see("(3 point(s) bloquant(s) levé(s))", retries=SLOW)
    summary = [e.text for e in user.find(marker="signature-summary").elements]
    assert len(summary) == 3 and any("motif : Poche de 500 mL" in s for s in summary)
    await user.should_not_see(marker="signature-blockers")
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see(marker="review-read-only", retries=SLOW)


async def test_the_first_checker_sees_a_read_only_review(user: User, app_state) -> None:
    app_state.settings = SiteSettings(validation_double_check=True)
    pharmacist = await sign_in(user, app_state.store, "pharmacist")
    rx_id = signed_mfolfox6(app_state.store)
    overrides = lift(app_state.store, pharmacist, rx_id, "Vu en RCP")
    decisions.validate(app_state.store, pharmacist, rx_id, overrides, app_state.settings,
                       TODAY)
    await user.open(f"/validation/{rx_id}")
    await user.should_see("Vous avez donné la 1re validation", retries=SLOW)
    await user.should_not_see(marker="review-validate")
    await user.should_see("(signature « contrôlé »)")


async def test_a_request_for_a_change_has_its_own_badge(user: User, app_state) -> None:
    rx_id = signed_mfolfox6(app_state.store)
    other = create_account(app_state.store, "pharmacist", "pharmacien2")
    decisions.request_change(app_state.store, other, rx_id, "4", "Réduire l'oxaliplatine",
                             app_state.settings, TODAY)
    await sign_in(user, app_state.store, "pharmacist")
    await user.open(f"/validation/{rx_id}")
    await user.should_see("MODIFICATION DEMANDÉE", retries=SLOW)
    await user.should_not_see("REFUSÉE PAR LA PHARMACIE")
    await user.should_see(marker="review-read-only")
    # the findings seen when asking, none lifted
    await user.should_see(marker="not-lifted-interval_short")
    texts = [e.text for e in user.find(marker="decision-1").elements]
    assert texts == [texts[0]] and texts[0].endswith("Surdosage : Réduire l'oxaliplatine")


async def test_the_worklist_shows_every_signed_one_and_what_a_filter_hides(
    user: User, app_state
) -> None:
    store = app_state.store
    late = signed_mfolfox6(store, cycle=5, start=TODAY - timedelta(days=2))
    signed_mfolfox6(store, cycle=6)
    signed_mfolfox6(store, cycle=7, start=TODAY + timedelta(days=1))
    far = signed_mfolfox6(store, cycle=9, start=TODAY + timedelta(days=12))
    await sign_in(user, store, "pharmacist")
    await user.open("/validation")
    await user.should_see("4 prescription(s) en attente de validation.", retries=SLOW)
    await user.should_see("En retard : 1er jour le 21/11/2026 (il y a 2 jour(s)) — 1")
    await user.should_see("Aujourd'hui, 23/11/2026 — 1 prescription(s)")
    await user.should_see("Demain, 24/11/2026 — 1 prescription(s)")
    await user.should_see("Le 05/12/2026 — 1 prescription(s)")
    # late ones first, then today's, then the next days
    [column] = user.find(marker="validation-groups").elements
    shown = [c.rows[0]["id"] for c in column.default_slot.children if hasattr(c, "rows")]
    assert shown[0] == late and shown[-1] == far and len(shown) == 4
    user.find(marker="validation-day").type("05/12/2026")
    user.find(marker="validation-show").click()
    await user.should_see("1 affichée(s) : 3 prescription(s) masquée(s) par le filtre.",
                          retries=SLOW)


def test_finding_values_print_the_french_way() -> None:
    finding = Finding(
        code="dose_deviation", severity=Severity.BLOCKING, message="…",
        values={"dose prescrite": 2400.0, "écart %": -20.5, "% de la limite": 85.0,
                "concentration": 0.712, "unité": "mg/m2", "cycle précédent": "PS000001"},
        threshold_source="site",
    )
    assert pages.finding_details(finding) == (
        f"dose prescrite : 2{NBSP}400, écart : -20,5{NBSP}%, de la limite : 85{NBSP}%, "
        "concentration : 0,712, unité : mg/m², cycle précédent : PS000001 (seuil : site)"
    )
