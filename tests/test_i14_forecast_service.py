"""Issue 14, the forecast on the demo snapshot: a signed or validated fallback prescription in
the horizon is counted, a draft is not; a printed sheet's vials are counted once (in the stock
as planned, no longer as a planned line); lines the vial plan refuses are listed with their
prescription; the horizon is checked; the page's read checks the role."""

from __future__ import annotations

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.fabrication.printing import create_preparations
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.ordering.forecast import forecast, forecast_for
from chemo_fallback.modules.ordering.models import OrderingError
from chemo_fallback.modules.ordering.stock import current_stock
from chemo_fallback.modules.prescription import drafts, lifecycle
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.validation import decisions
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
MFOLFOX6_DRUGS = {"OXALIPLATINE", "ACIDE_FOLINIQUE", "FLUOROURACILE"}


def planned(store, settings=SETTINGS, days=1):
    return forecast(store.cursor(), settings, TODAY, days)


def vials_of(result, drug: str) -> dict[str, float]:
    return {s.product_id: s.explanation["planned_vials"] for s in result.suggestions
            if s.product_id.startswith(drug) and s.explanation["planned_vials"]}


def fallback_lines(store) -> int:
    """The fallback's lines today of drugs the pharmacy has vials of (not the antiemetics)."""
    return store.cursor().execute(
        """SELECT count(*) FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
           WHERE p.status IN ('signed', 'validated') AND l.planned_date = ?
             AND l.drug_id IN (SELECT drug_id FROM ref.products)""", [TODAY]).fetchone()[0]


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def test_a_signed_then_validated_prescription_is_counted_a_draft_is_not(demo) -> None:
    before = planned(demo)
    prescriber = create_account(demo, "prescriber", "drdraft")
    drafts.start_draft(demo, prescriber, DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=7, cycle_start_date=TODAY),
        SETTINGS, TODAY)
    assert planned(demo).planned_lines == before.planned_lines  # a draft plans nothing
    rx_id = signed_mfolfox6(demo)
    lines = fallback_lines(demo)
    assert lines == 4  # oxaliplatin, folinic acid, 5-FU bolus and infusion (no antiemetic)
    signed = planned(demo)
    assert signed.planned_lines == before.planned_lines + lines
    assert sum(vials_of(signed, "OXALIPLATINE").values()) > sum(
        vials_of(before, "OXALIPLATINE").values())
    pharmacist = create_account(demo, "pharmacist")
    decisions.validate(demo, pharmacist, rx_id, lift(demo, pharmacist, rx_id), SETTINGS, TODAY)
    validated = planned(demo)
    assert validated.planned_lines == signed.planned_lines
    assert [s.explanation for s in validated.suggestions] == [
        s.explanation for s in signed.suggestions]
    # beyond its day, a one-day horizon tomorrow does not count it
    tomorrow = forecast(demo.cursor(), SETTINGS, TODAY.replace(day=24), 1)
    assert all(u.line.prescription_id != rx_id for u in tomorrow.uncomputed)


def test_a_printed_sheets_vials_are_counted_once(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    decisions.validate(demo, pharmacist, rx_id, lift(demo, pharmacist, rx_id), SETTINGS, TODAY)
    before = planned(demo)
    stocks_before = current_stock(demo.cursor(), SETTINGS)
    preparer = create_account(demo, "preparer")
    queue = production_queue(demo, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    [oxali] = [i for i in queue.items if i.line["drug_id"] == "OXALIPLATINE"]
    with demo.transaction() as cur:
        create_preparations(cur, preparer, [oxali.line_id], SETTINGS, at(TODAY, 8))
    after = planned(demo)
    assert after.planned_lines == before.planned_lines - 1
    sheet: dict[str, int] = {}
    for vial in oxali.plan.vials:
        sheet[vial.product.product_id] = sheet.get(vial.product.product_id, 0) + 1
    was, now_ = vials_of(before, "OXALIPLATINE"), vials_of(after, "OXALIPLATINE")
    for product_id, count in sheet.items():
        # out of the planned lines...
        assert was[product_id] - now_.get(product_id, 0) == count
        # ...and into the stock, held as planned on the printed sheet
        assert stocks_before[product_id].planned_unscanned == 0
        assert current_stock(demo.cursor(), SETTINGS)[product_id].planned_unscanned == count
        shown = after.suggestion(product_id)
        if shown is not None:
            assert before.suggestion(product_id).explanation["usable_stock"] - \
                shown.explanation["usable_stock"] == count


def test_lines_the_vial_plan_refuses_are_listed_with_their_prescription(demo) -> None:
    rx_id = signed_mfolfox6(demo)
    tight = SETTINGS.model_copy(update={"max_vials": 1})
    result = planned(demo, tight)
    mine = [u for u in result.uncomputed if u.line.prescription_id == rx_id]
    assert mine and all(u.line.patient_id == RECENT_PATIENT for u in mine)
    assert all("Aucune combinaison d'au plus 1 flacon" in u.reason for u in mine)
    assert {u.line.source for u in result.uncomputed} == {"fallback", "snapshot"}
    assert result.planned_lines + len(result.uncomputed) == planned(demo).planned_lines


def test_the_forecast_groups_suppliers_and_flags_what_cannot_be_ordered(demo) -> None:
    result = planned(demo, days=7)
    assert result.groups and result.first_day == TODAY and result.last_day.day == 29
    assert all(s.referencing.formulary for g in result.groups for s in g.suggestions)
    for group in result.groups:
        assert all(s.supplier_id == group.supplier.supplier_id for s in group.suggestions)
    assert all(s.flag for s in result.unsupplied)


def test_the_horizon_is_checked_and_the_role_too(demo) -> None:
    assert planned(demo, days=None).horizon_days == SETTINGS.forecast_horizon_days
    for wrong in (0, 61, 2.5, "7"):
        with pytest.raises(OrderingError) as refused:
            planned(demo, days=wrong)
        assert refused.value.code == "forecast_horizon_invalid"
    buyer = create_account(demo, "buyer")
    assert forecast_for(demo, buyer, SETTINGS, TODAY, 3).horizon_days == 3
    with pytest.raises(PermissionDenied):
        forecast_for(demo, create_account(demo, "nurse"), SETTINGS, TODAY)


def test_a_snapshot_prescription_taken_over_is_counted_once(demo) -> None:
    """ORD01000290 (demo): carboplatin and paclitaxel today, planned in production."""
    before = planned(demo).planned_lines
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, "ORD01000290", SETTINGS, TODAY)
    # the draft plans nothing yet: the production prescription still counts
    assert planned(demo).planned_lines == before
    lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    # signed, the fallback's two lines replace the production's two: never both
    assert planned(demo).planned_lines == before
    assert fallback_lines(demo) == 2
