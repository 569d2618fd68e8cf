"""The dose recorded is the dose the rules give for its dates, on the demo snapshot, through
the services a click reaches: a day moved ("Changer la date") recomputes every dose (the
creatinine's age on the new day, the age on the first day of administration), a refusal
writes nothing; a signature is refused when the doses recomputed now would differ from those
recorded, or cannot be computed any more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prescription_helpers import TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError
from chemo_fallback.site_settings import RoundingStep, SiteSettings

SETTINGS = SiteSettings()
# PAYET Baptiste, man born 26/11/1958, 183 cm, 89,4 kg, creatinine 85 µmol/L on 19/11/2026:
# 67 years old until 25/11/2026, 68 from 26/11; the creatinine is 7 days old on 26/11.
PAYET = "IPP10007442"
AT_67, AT_68 = 597.0, 591.0  # carboplatin AUC 5 (see test_prescription_dose_safety.py)


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def carboplatin_draft(store, user, start, settings: SiteSettings = SETTINGS):
    request = DraftRequest(
        patient_id=PAYET, protocol_id="CARBO_PACLI", cycle_no=2, cycle_start_date=start
    )
    return drafts.start_draft(store, user, request, settings, TODAY)


def carboplatin(rx):
    return next(line for line in rx.lines if line.drug_id == "CARBOPLATINE")


# --- item 1: a day moved recomputes every dose --------------------------------------------


def test_moving_j1_across_the_birthday_recomputes_the_age_and_the_dose(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=2))  # 25/11: 67 years old
    assert (rx.dosing.age_years, carboplatin(rx).final_dose) == (67, AT_67)
    moved = line_edits.move_day(demo, user, rx.prescription_id, 1, TODAY + timedelta(days=3),
                                SETTINGS, TODAY)  # 26/11: 68, creatinine 7 days old (inside)
    assert (moved.dosing.age_years, moved.dosing.age_on) == (68, TODAY + timedelta(days=3))
    assert carboplatin(moved).final_dose == AT_68
    gfr = next(s for s in carboplatin(moved).derivation.steps if s.rule == "gfr")
    assert "homme, 68 ans" in gfr.description
    stored = queries.read_prescription(demo, user, rx.prescription_id)
    assert stored.dosing.age_years == 68 and carboplatin(stored).final_dose == AT_68
    assert carboplatin(stored).planned_date == TODAY + timedelta(days=3)
    [audit] = audit_rows(demo, "prescription.day_moved")
    line_id = carboplatin(rx).line_id
    assert (audit["before_json"]["age_years"], audit["after_json"]["age_years"]) == (67, 68)
    assert (audit["before_json"]["doses"][line_id], audit["after_json"]["doses"][line_id]) == (
        AT_67, AT_68
    )
    assert audit["after_json"]["date"] == (TODAY + timedelta(days=3)).isoformat()
    # moved back: 67 again (the age follows the first day of administration both ways)
    back = line_edits.move_day(demo, user, rx.prescription_id, 1, TODAY + timedelta(days=2),
                               SETTINGS, TODAY)
    assert (back.dosing.age_years, carboplatin(back).final_dose) == (67, AT_67)
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)  # the doses are today's


@pytest.mark.parametrize("days_later", [4, 9])  # 27/11: 8 days old; 02/12: 13 days old
def test_moving_a_day_past_the_creatinine_limit_is_refused_and_writes_nothing(
    demo, days_later: int
) -> None:
    user = create_account(demo, "prescriber")
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=1))  # 24/11, creatinine of 19/11
    when = TODAY + timedelta(days=days_later)
    with pytest.raises(PrescriptionError) as refused:
        line_edits.move_day(demo, user, rx.prescription_id, 1, when, SETTINGS, TODAY)
    assert refused.value.code == "dose_creatinine_too_old"
    message = str(refused.value)
    assert message.startswith(f"J1 ne peut pas être déplacé au {when:%d/%m/%Y}")
    assert f"la créatininémie du 19/11/2026 aura {days_later + 4} jours" in message
    assert "au-delà de la limite du site (7 jours)" in message
    assert "La date n'a pas été changée." in message
    assert queries.read_prescription(demo, user, rx.prescription_id) == rx  # nothing written
    assert audit_rows(demo, "prescription.day_moved") == []
    # drafted directly on that day, the same refusal
    with pytest.raises(PrescriptionError) as direct:
        carboplatin_draft(demo, user, when)
    assert direct.value.code == "dose_creatinine_too_old"


def test_moving_a_day_to_the_creatinine_limit_is_accepted(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=1))
    moved = line_edits.move_day(demo, user, rx.prescription_id, 1, TODAY + timedelta(days=3),
                                SETTINGS, TODAY)  # 26/11: exactly 7 days, the limit
    assert carboplatin(moved).derivation.creatinine_sampled_on == TODAY - timedelta(days=4)
    assert carboplatin(moved).final_dose == AT_68


def test_a_take_over_and_a_day_moved_take_the_age_on_the_earliest_planned_date(demo) -> None:
    """J8 only (GEMCITABINE): the first day of administration is J8, not the cycle's start."""
    pharmacist = create_account(demo, "pharmacist")
    request = DraftRequest(
        patient_id=PAYET, protocol_id="GEMCITABINE", cycle_no=1,
        cycle_start_date=TODAY - timedelta(days=4), days=(8,), prescriber_staff_id="MED001",
    )  # cycle started 19/11 (67); J8 on 26/11 (68)
    rx = drafts.start_draft(demo, pharmacist, request, SETTINGS, TODAY)
    assert (rx.dosing.age_on, rx.dosing.age_years) == (TODAY + timedelta(days=3), 68)
    lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)


# --- item 2: the signed dose is the dose the rules give today -------------------------------


def test_signature_refused_when_the_rounding_now_gives_another_dose(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=2))
    five_mg = SiteSettings(rounding=(RoundingStep(below=1e12, step=5),))  # 597 → 595 mg
    with pytest.raises(PrescriptionError) as refused:
        lifecycle.sign(demo, user, rx.prescription_id, five_mg, TODAY)
    assert refused.value.code == "sign_refused"
    message = str(refused.value)
    assert "Les doses enregistrées ne sont plus celles que donnent les règles" in message
    assert "carboplatine (J1) : 597 mg enregistrés, 595 mg selon les règles d'aujourd'hui" in (
        message
    )
    assert "cliquez sur « Recalculer les doses »" in message
    assert audit_rows(demo, "prescription.signed") == []
    assert queries.read_prescription(demo, user, rx.prescription_id).status.value == "draft"
    # recomputed under those rules, it signs
    again = line_edits.recompute(demo, user, rx.prescription_id, five_mg, TODAY)
    assert carboplatin(again).final_dose == 595
    lifecycle.sign(demo, user, rx.prescription_id, five_mg, TODAY)
    [signed] = audit_rows(demo, "prescription.signed")
    assert signed["after_json"]["doses"][carboplatin(rx).line_id] == 595


def test_signature_refused_when_only_the_derivation_differs(demo) -> None:
    """Atropine stays 0,25 mg at 5 % and at 6 % of tolerance, but the step's text (the
    tolerance it names) is another: the derivation signed must be today's too."""
    user = create_account(demo, "prescriber")
    request = DraftRequest(
        patient_id=PAYET, protocol_id="FOLFIRI", cycle_no=2, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(demo, user, request, SETTINGS, TODAY)
    with pytest.raises(PrescriptionError) as refused:
        lifecycle.sign(demo, user, rx.prescription_id, SiteSettings(dose_tolerance_pct=6),
                       TODAY)
    assert "atropine (J1) : 0,25 mg, même dose mais calculée autrement" in str(refused.value)
    assert refused.value.code == "sign_refused"
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)  # same rules: signs


@pytest.mark.parametrize(("limit", "signs"), [(8, True), (7, False)])
def test_signature_refused_when_the_dose_cannot_be_computed_any_more(
    demo, limit: int, signs: bool
) -> None:
    """Drafted on a site allowing an 8-day-old creatinine (J1 on 27/11); the site then lowers
    the limit to 7 days: the dose recorded is no longer one the rules allow."""
    user = create_account(demo, "prescriber")
    lenient = SiteSettings(creatinine_max_age_days=8)
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=4), settings=lenient)
    today_rules = SiteSettings(creatinine_max_age_days=limit)
    if signs:
        lifecycle.sign(demo, user, rx.prescription_id, today_rules, TODAY)
        assert len(audit_rows(demo, "prescription.signed")) == 1
        return
    with pytest.raises(PrescriptionError) as refused:
        lifecycle.sign(demo, user, rx.prescription_id, today_rules, TODAY)
    message = str(refused.value)
    assert refused.value.code == "sign_refused"
    assert "la créatininémie du 19/11/2026 aura 8 jours le jour d'administration" in message
    assert "Les doses ne se recalculent plus avec les valeurs et les dates d'aujourd'hui" in (
        message
    )
    assert "cliquez sur « Recalculer les doses »" in message
    assert audit_rows(demo, "prescription.signed") == []


def test_signature_refused_when_the_age_on_the_first_day_changed(demo) -> None:
    """A draft whose day was moved by an earlier version (dates changed, doses not): the age
    it was dosed for is not the patient's on the first day of administration."""
    user = create_account(demo, "prescriber")
    rx = carboplatin_draft(demo, user, TODAY + timedelta(days=2))  # dosed at 67
    demo.cursor().execute(
        "UPDATE rx_lines SET planned_date = ? WHERE prescription_id = ?",
        [TODAY + timedelta(days=3), rx.prescription_id],
    )
    with pytest.raises(PrescriptionError) as refused:
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert "calculées pour un patient de 67 ans ; au premier jour d'administration " \
        "(26/11/2026) il aura 68 ans" in str(refused.value)
    assert "Recalculer les doses" in str(refused.value)
    again = line_edits.recompute(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert (again.dosing.age_years, carboplatin(again).final_dose) == (68, AT_68)
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
