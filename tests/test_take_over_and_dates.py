"""Issue 9, items 7 and 8, through the prescription services: a take-over keeps what the
production decided (dose modifications and their reasons, dates, the production prescriber),
and the days of a prescription stay within the window of a new cycle and in order, up to the
signature. Audit records checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import PASSWORD, create_account

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.carry_forward import carry_forward
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
# BÉNARD Christiane (MED013)'s weekly paclitaxel for IPP10001792: cycles 6 and 7 were given at
# −20 % (diarrhée grade 3); cycle 8 (ORD01000243, 26/11/2026) is planned at −20 %, 121 mg.
PACLITAXEL_RX = "ORD01000243"
PACLITAXEL_PATIENT = "IPP10001792"
PRODUCTION_PRESCRIBER = "MED013"


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def physician(store, username: str, staff_id: str) -> accounts.User:
    return accounts.create_user(
        store, audit.command_line_actor(), username, f"Dr {username}", "prescriber", PASSWORD,
        staff_id=staff_id,
    )


def paclitaxel(rx):
    return next(line for line in rx.lines if line.drug_id == "PACLITAXEL")


def test_take_over_keeps_the_production_reduction_and_its_reason(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, PACLITAXEL_RX, SETTINGS, TODAY)
    line = paclitaxel(rx)
    # 80 mg/m² × 1,89 m² = 151,2 mg, −20 % = 121 mg (not 151 mg)
    assert (line.final_dose, line.modification_pct) == (121, -20)
    assert line.modification_reason == "repris de ORD01000243 : Diarrhée grade 3"
    assert rx.days == [(1, TODAY + timedelta(days=3))]
    assert (rx.prescriber.staff_id, rx.prescriber.transcribed) == (PRODUCTION_PRESCRIBER, True)
    [created] = audit_rows(demo, "prescription.draft_created")
    assert created["after_json"]["modifications_carried"] == {line.line_id: -20.0}
    assert created["after_json"]["left_out"] == []


def test_take_over_by_the_production_prescriber_stays_theirs(demo) -> None:
    """Dr BÉNARD continuing her own prescription: not a transcription, she signs it."""
    own = physician(demo, "benard", PRODUCTION_PRESCRIBER)
    rx = drafts.take_over(demo, own, PACLITAXEL_RX, SETTINGS, TODAY)
    assert (rx.prescriber.staff_id, rx.prescriber.transcribed) == (PRODUCTION_PRESCRIBER, False)
    assert paclitaxel(rx).final_dose == 121
    lifecycle.sign(demo, own, rx.prescription_id, SETTINGS, TODAY)
    [signed] = audit_rows(demo, "prescription.signed")
    assert signed["actor"] == "benard"


def test_take_over_by_another_physician_is_a_transcription_in_the_production_name(demo) -> None:
    other = physician(demo, "martin", "MED001")
    rx = drafts.take_over(demo, other, PACLITAXEL_RX, SETTINGS, TODAY)
    assert (rx.prescriber.staff_id, rx.prescriber.transcribed) == (PRODUCTION_PRESCRIBER, True)
    assert rx.created_by == "martin"
    with pytest.raises(PrescriptionError, match="seul un pharmacien le modifie et le signe"):
        lifecycle.sign(demo, other, rx.prescription_id, SETTINGS, TODAY)
    pharmacist = create_account(demo, "pharmacist")
    lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)


def test_carry_forward_leaves_out_a_stopped_drug_and_refuses_an_unknown_line(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, "ORD01000250", SETTINGS, TODAY)  # mFOLFOX6
    production = [
        {"protocol_line_no": line.protocol_line_no, "drug_id": line.drug_id,
         "day_no": line.day_no, "planned_date": line.planned_date, "modification_pct": None,
         "modification_reason": None}
        for line in rx.lines if line.line_kind == "chemotherapy"
    ]
    oxaliplatin_stopped = [p for p in production if p["drug_id"] != "OXALIPLATINE"]
    kept, left_out = carry_forward("PS9", rx.lines, "ORD9", oxaliplatin_stopped)
    assert "OXALIPLATINE" not in {line.drug_id for line in kept}
    assert left_out == ["oxaliplatine J1"]
    assert [line.line_id for line in kept] == [f"PS9-L{n}" for n in range(1, len(kept) + 1)]
    unknown = [*production, {**production[0], "protocol_line_no": 99}]
    with pytest.raises(PrescriptionError, match="ne correspond à aucune ligne du protocole"):
        carry_forward("PS9", rx.lines, "ORD9", unknown)
    with pytest.raises(PrescriptionError, match="plus aucune ligne à donner"):
        carry_forward("PS9", rx.lines, "ORD9", [])


def gemcitabine(store, user, start=TODAY):
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="GEMCITABINE", cycle_no=1, cycle_start_date=start,
        prescriber_staff_id="MED001",
    )
    return drafts.start_draft(store, user, request, SETTINGS, TODAY)


@pytest.mark.parametrize(
    ("day_no", "offset", "allowed"),
    [(1, -30, True), (1, -31, False), (15, 365, True), (15, 366, False)],
)
def test_a_day_moves_only_within_the_window_of_a_new_cycle(
    demo, day_no: int, offset: int, allowed: bool
) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = gemcitabine(demo, pharmacist)
    when = TODAY + timedelta(days=offset)
    if allowed:
        line_edits.move_day(demo, pharmacist, rx.prescription_id, day_no, when, SETTINGS, TODAY)
        [moved] = audit_rows(demo, "prescription.day_moved")
        after = moved["after_json"]
        assert (after["day_no"], after["date"]) == (day_no, when.isoformat())
        assert after["doses"] == moved["before_json"]["doses"]  # gemcitabine: no date effect
    else:
        with pytest.raises(PrescriptionError, match=r"invraisemblable.*Vérifiez l'année"):
            line_edits.move_day(demo, pharmacist, rx.prescription_id, day_no, when, SETTINGS,
                                TODAY)
        assert audit_rows(demo, "prescription.day_moved") == []


def test_a_day_cannot_be_moved_to_2020(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = gemcitabine(demo, pharmacist)
    with pytest.raises(PrescriptionError, match="Nouvelle date de J1 01/03/2020 invraisemblable"):
        line_edits.move_day(demo, pharmacist, rx.prescription_id, 1, TODAY.replace(year=2020,
                            month=3, day=1), SETTINGS, TODAY)


@pytest.mark.parametrize(("signed_on", "allowed"), [(0, True), (1, False)])
def test_signature_refused_once_a_day_has_left_the_window(
    demo, signed_on: int, allowed: bool
) -> None:
    """A draft starting 30 days ago (the furthest back a cycle may start) is signed the same
    day (accepted) or left aside and signed a day later, 31 days after its D1 (refused)."""
    pharmacist = create_account(demo, "pharmacist")
    start = TODAY - timedelta(days=30)
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=3, cycle_start_date=start,
        prescriber_staff_id="MED001",
    )
    rx = drafts.start_draft(demo, pharmacist, request, SETTINGS, TODAY)
    later = TODAY + timedelta(days=signed_on)
    if allowed:
        lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, later)
        assert len(audit_rows(demo, "prescription.signed")) == 1
    else:
        with pytest.raises(PrescriptionError, match="Date de J1 24/10/2026 invraisemblable"):
            lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, later)
        assert audit_rows(demo, "prescription.signed") == []
