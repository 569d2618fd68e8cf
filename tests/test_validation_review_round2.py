"""Issue 9, second round (independent review): the validation fixes, through the services a
prescriber's, a nurse's and a pharmacist's clicks reach, on the demo snapshot, each just inside
and just outside its threshold; audit records checked where a write happens.

1. previous cycle compared through the dose when its modification was not recorded;
2. an independent validator: nobody who changed the draft or a version it copies;
3. lab results of one sample (same minute) compared by their worst value; the latest
   creatinine by sampling date-time;
4. the same drug twice on one day of one prescription;
5. the interval with the neighbouring cycles on both sides, by first day;
6. an AUC dose's creatinine too old on its day;
7. a value below its threshold never printed as the threshold.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from test_take_over_and_dates import PACLITAXEL_PATIENT, PACLITAXEL_RX, paclitaxel
from test_validation_labs import CARBO_PATIENT, signed_carboplatin
from test_validation_service import lift
from web_helpers import create_account

from chemo_fallback.auth.accounts import find_user
from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import DraftRequest, OffProtocolLine
from chemo_fallback.modules.validation import decisions, independence
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Severity, ValidationError
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.measurements import latest_measurements
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot

SETTINGS = SiteSettings()
NOW = datetime(2026, 11, 23, 11, 0)
# Cycle 7 (ORD01000241, 19/11) and 8 (ORD01000243, planned 26/11) of the weekly paclitaxel:
# 121 mg on 1,89 m² at 80 mg/m², recorded with their −20 % in the demo snapshot.
CYCLE_7 = "ORD01000241-01,ORD01000241,3,PACLITAXEL,1,2026-11-19,121.0,mg,IV,-20.0,Diarrhée grade 3"
CYCLE_8 = "ORD01000243-01,ORD01000243,3,PACLITAXEL,1,2026-11-26,121.0,mg,IV,-20.0,Diarrhée grade 3"


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def demo_without_percentages(store, tmp_path: Path, cycle_7_dose: str = "121.0") -> None:
    """The demo snapshot as a production export that recorded the doses, not the %."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / "prescription_lines.csv").read_text(encoding="utf-8")
    for old in (CYCLE_7, CYCLE_8):
        assert old in text
    text = text.replace(CYCLE_7, CYCLE_7.replace("121.0,mg,IV,-20.0,Diarrhée grade 3",
                                                 f"{cycle_7_dose},mg,IV,,"))
    text = text.replace(CYCLE_8, CYCLE_8.replace("-20.0,Diarrhée grade 3", ","))
    rewrite_table(folder, "prescription_lines", text.encode("utf-8"))
    report = activate_snapshot(store, folder, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()


def findings(store, rx_id: str, settings: SiteSettings = SETTINGS) -> list:
    pharmacist = find_user(store, "ph-r2") or create_account(store, "pharmacist", "ph-r2")
    _rx, found = validation.findings_of(store, pharmacist, rx_id, settings, TODAY)
    return found


def coded(found: list, code: str) -> list:
    return [f for f in found if f.code == code]


# --- 1. previous cycle: a reduction recorded as a dose, not as a % ------------------------


def test_a_take_over_of_an_export_without_the_percentage_is_blocked(store, tmp_path) -> None:
    demo_without_percentages(store, tmp_path)
    pharmacist = create_account(store, "pharmacist", "transcripteur")
    rx = drafts.take_over(store, pharmacist, PACLITAXEL_RX, SETTINGS, TODAY)
    assert paclitaxel(rx).final_dose == 151  # nothing to carry: 80 mg/m² × 1,89 m²
    lifecycle.sign(store, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    [f] = coded(findings(store, rx.prescription_id), "previous_cycle_change")
    assert f.severity == Severity.BLOCKING and f.values["cycle précédent"] == "ORD01000241"
    assert f.values["modification au cycle précédent %"] == -20  # 121 / 151,2
    assert f.values["modification précédente calculée"] == "oui"
    # 151 mg for 151,2 mg is rounding, not a "−0,1 %" modification
    assert "modification de dose aucune (dose pleine) sur cette prescription" in f.message
    assert "-0,1 %" not in f.message and "d'après sa dose" in f.message


@pytest.mark.parametrize(("cycle_7_dose", "reported"), [("144.0", False), ("143.0", True)])
def test_a_fresh_full_dose_against_a_dose_only_history(
    store, tmp_path, cycle_7_dose: str, reported: bool
) -> None:
    """Full dose 151 mg (151,2 before rounding) after 144 mg: +4,9 %; after 143 mg: +5,6 %."""
    demo_without_percentages(store, tmp_path, cycle_7_dose)
    prescriber = create_account(store, "prescriber", "drpacli")
    request = DraftRequest(patient_id=PACLITAXEL_PATIENT, protocol_id="PACLI_HEBDO",
                           cycle_no=8, cycle_start_date=TODAY + timedelta(days=3))
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    change = coded(findings(store, rx.prescription_id), "previous_cycle_change")
    assert bool(change) is reported
    if reported:
        assert change[0].severity == Severity.BLOCKING


# --- 2. independence: who changed the draft or a version it copies ------------------------


def transcription(store, author) -> str:
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
        cycle_start_date=TODAY + timedelta(days=12), prescriber_staff_id="MED001",
    )
    return drafts.start_draft(store, author, request, SETTINGS, TODAY)


def test_a_pharmacist_who_modified_a_dose_cannot_validate(demo) -> None:
    author = create_account(demo, "pharmacist", "transcripteur")
    editor = create_account(demo, "pharmacist", "modificateur")
    third = create_account(demo, "pharmacist", "valideur")
    rx = transcription(demo, author)
    oxaliplatin = next(line for line in rx.lines if line.drug_id == "OXALIPLATINE")
    line_edits.modify_dose(demo, editor, rx.prescription_id, oxaliplatin.line_id, -20,
                           "Neuropathie grade 2", SETTINGS)
    lifecycle.sign(demo, author, rx.prescription_id, SETTINGS, TODAY)
    rx_id = rx.prescription_id
    with pytest.raises(ValidationError, match=f"vous avez modifié la prescription {rx_id}"):
        decisions.validate(demo, editor, rx_id, lift(demo, editor, rx_id), SETTINGS, TODAY)
    assert audit_rows(demo, "prescription.validated") == []
    # allowed on a single-pharmacist night, and then said so
    alone = SiteSettings(single_pharmacist_allowed=True)
    decisions.validate(demo, editor, rx_id, lift(demo, editor, rx_id), alone, TODAY)
    [audit] = audit_rows(demo, "prescription.validated")
    assert audit["after_json"]["single_pharmacist"] is True
    assert audit["reason"] == (
        f"pharmacien seul (autorisé par le site) : il a modifié la prescription {rx_id}"
    )
    assert third  # an uninvolved pharmacist exists; see the next test for the pass


def test_whoever_wrote_the_version_a_correction_copies_cannot_validate_it(demo) -> None:
    author = create_account(demo, "pharmacist", "transcripteur")
    corrector = create_account(demo, "pharmacist", "correcteur")
    third = create_account(demo, "pharmacist", "valideur")
    first = transcription(demo, author)
    lifecycle.sign(demo, author, first.prescription_id, SETTINGS, TODAY)
    second = lifecycle.start_correction(demo, corrector, first.prescription_id, SETTINGS)
    lifecycle.sign(demo, corrector, second.prescription_id, SETTINGS, TODAY)
    rx_id = second.prescription_id
    with pytest.raises(
        ValidationError,
        match=f"vous avez transcrit et signé la version {first.prescription_id} qu'elle corrige",
    ):
        decisions.validate(demo, author, rx_id, lift(demo, author, rx_id), SETTINGS, TODAY)
    with pytest.raises(ValidationError, match=f"corrigé et signé la prescription {rx_id}"):
        decisions.validate(demo, corrector, rx_id, lift(demo, corrector, rx_id), SETTINGS,
                           TODAY)
    assert audit_rows(demo, "prescription.validated") == []
    decisions.validate(demo, third, rx_id, lift(demo, third, rx_id), SETTINGS, TODAY)
    [audit] = audit_rows(demo, "prescription.validated")
    assert audit["actor"] == "valideur" and audit["after_json"]["single_pharmacist"] is False


def test_the_review_page_is_told_before_the_password(demo) -> None:
    author = create_account(demo, "pharmacist", "transcripteur")
    editor = create_account(demo, "pharmacist", "modificateur")
    rx = transcription(demo, author)
    line_edits.recompute(demo, editor, rx.prescription_id, SETTINGS, TODAY)
    lifecycle.sign(demo, author, rx.prescription_id, SETTINGS, TODAY)
    review = validation.review(demo, editor, rx.prescription_id, SETTINGS, TODAY)
    refusal = independence.independence_refusal(review.prescription, "modificateur", SETTINGS,
                                                review.authored)
    assert refusal and "vous avez modifié la prescription" in refusal
    assert independence.own_part(review.prescription, "someone-else", review.authored) is None


# --- 3. one sample, two values; the latest creatinine by date-time ------------------------


def signed_mfolfox6(store) -> str:
    prescriber = create_account(store, "prescriber", "dr-r2")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
                           cycle_start_date=TODAY + timedelta(days=12))
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


@pytest.mark.parametrize(("minute", "reported"), [(4, True), (3, False)])
def test_a_typed_result_of_the_same_sample_is_compared_by_its_worst(
    demo, minute: int, reported: bool
) -> None:
    """Snapshot PNN 3,29 G/L sampled 18/11 07:04:19; a nurse types 900 /mm³ for 07:04 (the
    same sample) or 07:03 (an earlier one: the snapshot's later result is the latest)."""
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, RECENT_PATIENT, "PNN", 900, "/mm³",
                      datetime(2026, 11, 18, 7, minute), now=NOW)
    rx_id = signed_mfolfox6(demo)
    low = coded(findings(demo, rx_id), "labs_anc_low")
    assert bool(low) is reported
    if reported:
        assert "0,9 G/L" in low[0].message and "ne concordent pas" in low[0].message
        assert "3,29 G/L (instantané)" in low[0].message


@pytest.mark.parametrize(
    ("sampled", "value"),
    [(datetime(2026, 11, 21, 10, 30), 95.0), (datetime(2026, 11, 21, 10, 29), 78.0)],
)
def test_the_latest_creatinine_is_by_sampling_time(demo, sampled, value) -> None:
    """Snapshot creatinine 78 µmol/L sampled 21/11 10:30:16: a fallback result typed for
    10:30 is the same sample (the fallback's wins); one for 10:29 the same day is older."""
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, CARBO_PATIENT, "CREAT", 95, "µmol/L", sampled, now=NOW)
    latest = latest_measurements(demo, CARBO_PATIENT).creatinine
    assert latest.value == value
    assert latest.source == ("fallback_lab" if value == 95 else "snapshot_lab")


# --- 4. the same drug twice on one day of one prescription ---------------------------------


def vincristine(store, user, rx_id: str, dose: float, day_no: int = 1):
    wanted = OffProtocolLine(drug_id="VINCRISTINE", dose=dose, dose_basis="mg", day_no=day_no,
                             route="IV", container="poche", diluent="NACL09", volume_ml=50,
                             reason="Décidé en RCP")
    return line_edits.add_off_protocol_line(store, user, rx_id, wanted, SETTINGS)


@pytest.mark.parametrize(("second", "total_reported"), [(1.0, False), (1.1, True)])
def test_an_off_protocol_line_twice_the_same_day_blocks(demo, second, total_reported) -> None:
    prescriber = create_account(demo, "prescriber")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
                           cycle_start_date=TODAY + timedelta(days=12))
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    vincristine(demo, prescriber, rx.prescription_id, 1.0)
    vincristine(demo, prescriber, rx.prescription_id, second)
    lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    found = findings(demo, rx.prescription_id)
    duplicates = coded(found, "duplicate")
    assert len(duplicates) == 2 and all(f.severity == Severity.BLOCKING for f in duplicates)
    assert "ligne hors protocole du même médicament" in duplicates[0].message
    total = coded(found, "duplicate_total_above_max")
    assert bool(total) is total_reported
    if total_reported:
        assert total[0].values == {"total": 2.1, "seuil": 2.0, "unité": "mg"}
    # the protocol's own 5-FU bolus and pump of J1 are no duplicate
    assert all(f.message.startswith("Vincristine J1") for f in duplicates)


def test_vincristine_added_twice_beside_the_protocol_line(demo) -> None:
    """R-CHOP21: the protocol's vincristine (capped at 2 mg) plus 2 mg added twice by a double
    click: 6 mg on J1. The draft is reviewed as it stands (findings read any prescription)."""
    prescriber = create_account(demo, "prescriber")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=1,
                           cycle_start_date=TODAY)
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    vincristine(demo, prescriber, rx.prescription_id, 2.0)
    vincristine(demo, prescriber, rx.prescription_id, 2.0)
    found = findings(demo, rx.prescription_id)
    assert len(coded(found, "duplicate")) == 2
    [total] = coded(found, "duplicate_total_above_max")
    assert total.values["total"] == 6 and "6 mg au total" in total.message


def test_the_same_off_protocol_drug_on_another_day_is_no_duplicate(demo) -> None:
    prescriber = create_account(demo, "prescriber")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
                           cycle_start_date=TODAY + timedelta(days=12))
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    vincristine(demo, prescriber, rx.prescription_id, 2.0, day_no=1)
    vincristine(demo, prescriber, rx.prescription_id, 2.0, day_no=2)
    lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    found = findings(demo, rx.prescription_id)
    assert coded(found, "duplicate") == [] and coded(found, "duplicate_total_above_max") == []


# --- 5. interval with the neighbouring cycles, by first day ------------------------------


def paclitaxel_cycle(store, start: date, moved_to: date | None = None) -> str:
    """A weekly paclitaxel (7-day cycle, tolerance 2 days) next to the production's cycle 7
    (D1 19/11) and cycle 8 (planned 26/11)."""
    prescriber = find_user(store, "drpacli") or create_account(store, "prescriber", "drpacli")
    request = DraftRequest(patient_id=PACLITAXEL_PATIENT, protocol_id="PACLI_HEBDO",
                           cycle_no=9, cycle_start_date=start)
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    if moved_to is not None:
        line_edits.move_day(store, prescriber, rx.prescription_id, 1, moved_to, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


@pytest.mark.parametrize(
    ("moved_to", "code"),
    [
        (date(2026, 11, 27), "interval_short"),  # 1 day after the planned 26/11
        (date(2026, 12, 1), None),  # 5 days after 26/11: 7 − 2, accepted
        (date(2026, 11, 30), "interval_short"),  # 4 days after
    ],
)
def test_a_cycle_moved_next_to_a_planned_one_is_too_close(demo, moved_to, code) -> None:
    rx_id = paclitaxel_cycle(demo, TODAY, moved_to)  # written to start 23/11
    found = findings(demo, rx_id)
    interval = coded(found, "interval_short")
    assert [f.code for f in interval] == ([code] if code else [])
    if code:
        assert "(26/11/2026)" in interval[0].message


@pytest.mark.parametrize(("start", "reported"), [(date(2026, 11, 24), True),
                                                 (date(2026, 11, 21), False)])
def test_a_cycle_too_close_before_a_planned_one(demo, start, reported) -> None:
    """24/11 is 2 days before the planned 26/11 (at least 5 needed); 21/11 is 5 days before
    (and 2 days after cycle 7's 19/11: interval_short on that side)."""
    rx_id = paclitaxel_cycle(demo, start)
    following = coded(findings(demo, rx_id), "interval_short_next")
    assert bool(following) is reported
    if reported:
        assert following[0].values["début du cycle suivant"] == "26/11/2026"
        assert following[0].values["intervalle (jours)"] == 2


def test_the_taken_over_production_cycle_is_not_a_neighbour(demo) -> None:
    pharmacist = create_account(demo, "pharmacist", "transcripteur")
    rx = drafts.take_over(demo, pharmacist, PACLITAXEL_RX, SETTINGS, TODAY)
    lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    found = findings(demo, rx.prescription_id)
    assert coded(found, "interval_short") == [] and coded(found, "interval_short_next") == []


# --- 6. an AUC dose's creatinine too old on the day of administration ---------------------


@pytest.mark.parametrize(("day", "reported"), [(date(2026, 11, 28), False),
                                               (date(2026, 11, 29), True)])
def test_an_auc_dose_on_a_creatinine_too_old_on_its_day_blocks(demo, day, reported) -> None:
    """Creatinine of 21/11 (the dose's): 7 days on 28/11 (limit 7), 8 on 29/11. The day is
    moved in the database, outside the services (which refuse it): validation still sees it."""
    rx_id, _rx = signed_carboplatin(demo)
    demo.cursor().execute("UPDATE rx_lines SET planned_date = ? WHERE prescription_id = ?",
                          [day, rx_id])  # a direct edit: no audited transaction would take it
    old = coded(findings(demo, rx_id), "dose_creatinine_too_old")
    assert bool(old) is reported
    if reported:
        [f] = old
        assert f.severity == Severity.BLOCKING and f.liftable is False
        assert f.values["âge (jours)"] == 8 and "21/11/2026" in f.message


# --- 7. a value below its threshold never prints as the threshold -------------------------


@pytest.mark.parametrize(("per_ul", "reported"), [(1500, False), (1499, True)])
def test_a_count_just_below_its_threshold_is_printed_below_it(demo, per_ul, reported) -> None:
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, RECENT_PATIENT, "PNN", per_ul, "/µL",
                      datetime(2026, 11, 23, 8, 0), now=NOW)
    rx_id = signed_mfolfox6(demo)
    low = coded(findings(demo, rx_id), "labs_anc_low")
    assert bool(low) is reported
    if reported:
        assert low[0].message.startswith("PNN 1,499 G/L")
        assert "seuil du protocole (1,5 G/L)" in low[0].message
