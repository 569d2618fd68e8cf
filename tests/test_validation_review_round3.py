"""Issue 9, third round (second independent review): the validation fixes, through the services a
prescriber's, a nurse's and a pharmacist's clicks reach, on the demo snapshot, each just inside
and just outside its threshold; audit records checked where a write happens.

1. a take-over keeps the production's doses already given as the patient's other doses;
2. the drug-specific checks on every dosed line, whatever its kind;
3. a previous-cycle change blocks unless this line's recorded modification explains it;
4. lab and weight age against the day of administration still to come;
5. a height, weight or creatinine recorded after the doses were computed blocks;
6. a sample's results listed beside a threshold never print as the threshold;
7. a lab correction's reason is at least 3 characters.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from test_take_over_and_dates import PACLITAXEL_PATIENT, PACLITAXEL_RX, paclitaxel
from test_validation_labs import CARBO_PATIENT
from test_validation_service import lift
from web_helpers import create_account

from chemo_fallback.auth.accounts import find_user
from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Severity
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.patients.models import InvalidEntry
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot

SETTINGS = SiteSettings()
NOW = datetime(2026, 11, 23, 11, 0)
ABVD_RX = "ORD01000285"  # ABVD cycle 2: J1 given on 22/11, J15 validated for 06/12
# Its J1 lines as the production exported them
ABVD_J1_LINES = [
    f"ORD01000285-0{n},ORD01000285,{n + 3},{drug},1,2026-11-22,{dose},{unit},IV,,,administered"
    for n, drug, dose, unit in ((1, "DOXORUBICINE", "49.0", "mg"),
                                (2, "BLEOMYCINE", "19600.0", "UI"),
                                (3, "VINBLASTINE", "11.8", "mg"),
                                (4, "DACARBAZINE", "735.0", "mg"))
]


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def demo_edited(store, tmp_path: Path, table: str, edits: list[tuple[str, str]]) -> None:
    """The demo snapshot with some rows of one table rewritten, activated."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / f"{table}.csv").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    rewrite_table(folder, table, text.encode("utf-8"))
    report = activate_snapshot(store, folder, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()


def pharmacist(store):
    return find_user(store, "ph-r3") or create_account(store, "pharmacist", "ph-r3")


def findings(store, rx_id: str, settings: SiteSettings = SETTINGS) -> list:
    _rx, found = validation.findings_of(store, pharmacist(store), rx_id, settings, TODAY)
    return found


def coded(found: list, code: str) -> list:
    return [f for f in found if f.code == code]


def taken_over_abvd(store) -> str:
    transcriber = create_account(store, "pharmacist", "transcripteur")
    rx = drafts.take_over(store, transcriber, ABVD_RX, SETTINGS, TODAY)
    lifecycle.sign(store, transcriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


# --- 1. a take-over and the production's doses already given -------------------------------


def test_the_doses_a_take_over_does_not_carry_stay_other_doses(demo) -> None:
    rx_id = taken_over_abvd(demo)
    review = validation.review(demo, pharmacist(demo), rx_id, SETTINGS, TODAY)
    production = [d for d in review.context.other_doses if d.prescription_id == ABVD_RX]
    # J1 (22/11) was administered: it counts; J15 (06/12) is this prescription's now.
    assert sorted(d.drug_id for d in production) == [
        "BLEOMYCINE", "DACARBAZINE", "DOXORUBICINE", "VINBLASTINE"
    ]
    assert {d.planned_date for d in production} == {date(2026, 11, 22)}
    assert {d.status for d in production} == {"administered"}
    # the production prescription is still not "another cycle" (no interval finding with it)
    assert ABVD_RX not in {c.prescription_id for c in review.context.previous_cycles}


@pytest.mark.parametrize(("j1_pct", "reported"), [("-4.7", False), ("-5.0", True)])
def test_a_reduction_given_on_j1_is_compared_with_the_taken_over_j15(
    store, tmp_path, j1_pct: str, reported: bool
) -> None:
    """J1 doxorubicin given at a reduction on 22/11; the J15 the take-over continues is at full
    dose: 100 / 95,3 is +4,9 % (within the 5 % tolerance), 100 / 95 is +5,3 %."""
    doxorubicin = ABVD_J1_LINES[0]
    reduced = doxorubicin.replace(",,,administered", f",{j1_pct},Cardiotoxicité,administered")
    demo_edited(store, tmp_path, "prescription_lines", [(doxorubicin, reduced)])
    rx_id = taken_over_abvd(store)
    change = coded(findings(store, rx_id), "previous_cycle_change")
    assert bool(change) is reported
    if reported:
        [f] = change
        assert f.severity == Severity.BLOCKING and f.values["cycle précédent"] == ABVD_RX
        assert "au cycle précédent : modification -5 % (motif : Cardiotoxicité)" in f.message


# --- 2. drug checks whatever the line's kind -------------------------------------------------


def kind_edit(protocol_line: str) -> tuple[str, str]:
    return protocol_line, protocol_line.replace(",chemotherapy,", ",premedication,")


CARBO_LINE = 'CARBO_PACLI,6,chemotherapy,CARBOPLATINE,,5.0,AUC,1,IV,60.0,G5,250.0,poche,,'
DOXO_LINE = "AC60,4,chemotherapy,DOXORUBICINE,,60.0,mg/m2,1,IV,15.0,,,seringue,,"


@pytest.mark.parametrize("creatinine", [70.0, 250.0])
def test_a_carboplatin_typed_premedication_gets_the_clearance_check(
    store, tmp_path, creatinine: float
) -> None:
    """CARBO_PACLI with its carboplatin line typed premedication in the thesaurus: the clearance
    (68 mL/min from 70 µmol/L, 21,8 from 250) is still compared with the platinum threshold."""
    demo_edited(store, tmp_path, "protocol_lines", [kind_edit(CARBO_LINE)])
    nurse = create_account(store, "nurse")
    record_lab_result(store, nurse, CARBO_PATIENT, "CREAT", creatinine, "µmol/L",
                      datetime(2026, 11, 23, 8, 0), now=NOW)
    prescriber = create_account(store, "prescriber", "dr-carbo")
    request = DraftRequest(patient_id=CARBO_PATIENT, protocol_id="CARBO_PACLI", cycle_no=5,
                           cycle_start_date=TODAY)
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    carbo = next(line for line in rx.lines if line.drug_id == "CARBOPLATINE")
    assert carbo.line_kind == "premedication" and carbo.final_dose is not None
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    low = coded(findings(store, rx.prescription_id), "labs_clearance_low")
    assert bool(low) is (creatinine == 250.0)
    if low:
        assert "carboplatine" in low[0].message.lower() and "21,8" in low[0].message


@pytest.mark.parametrize(("given_mg_m2", "severity"), [(390.0, Severity.WARNING),
                                                      (391.0, Severity.BLOCKING)])
def test_a_doxorubicin_typed_premedication_gets_the_cumulative_dose(
    store, tmp_path, given_mg_m2: float, severity: Severity
) -> None:
    """AC60 doxorubicin 60 mg/m² typed premedication: 390 mg/m² given before + 60 is exactly
    the 450 mg/m² limit (a warning beyond 90 %), 391 + 60 is above it (blocking)."""
    demo_edited(store, tmp_path, "protocol_lines", [kind_edit(DOXO_LINE)])
    prescriber = create_account(store, "prescriber", "dr-ac")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="AC60", cycle_no=1,
                           cycle_start_date=TODAY + timedelta(days=1))
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    doxo = next(line for line in rx.lines if line.drug_id == "DOXORUBICINE")
    assert doxo.line_kind == "premedication"
    bsa = doxo.derivation.bsa_m2
    # an earlier doxorubicin history in the fallback's own records, at this BSA
    store.cursor().execute(
        "UPDATE rx_lines SET final_dose = ? WHERE line_id = ?", [given_mg_m2 * bsa, doxo.line_id]
    )
    store.cursor().execute(
        "UPDATE rx_prescriptions SET status = 'validated', cycle_start_date = ? "
        "WHERE prescription_id = ?", [TODAY - timedelta(days=60), rx.prescription_id]
    )
    store.cursor().execute(
        "UPDATE rx_lines SET planned_date = ? WHERE prescription_id = ?",
        [TODAY - timedelta(days=60), rx.prescription_id],
    )
    again = drafts.start_draft(store, prescriber, request.model_copy(update={"cycle_no": 2}),
                               SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, again.prescription_id, SETTINGS, TODAY)
    [f] = coded(findings(store, again.prescription_id), "cumulative_dose")
    assert f.severity == severity


def test_premedications_alone_call_for_no_blood_count(demo) -> None:
    """A prescription of premedication only (ondansetron, dexamethasone: no protocol gives them
    as chemotherapy, no cumulative or concentration limit) has no PNN/platelet threshold; one
    whose only drug is a doxorubicin typed premedication has."""
    from chemo_fallback.modules.validation.checks_common import cytotoxic_lines

    rx_id = taken_over_abvd(demo)
    review = validation.review(demo, pharmacist(demo), rx_id, SETTINGS, TODAY)
    ctx = review.context
    premeds = [line for line in ctx.prescription.lines if line.line_kind == "premedication"]
    assert premeds and {line.drug_id for line in premeds} <= {"ONDANSETRON", "DEXAMETHASONE"}
    only_premeds = ctx.model_copy(
        update={"prescription": ctx.prescription.model_copy(update={"lines": premeds})}
    )
    assert cytotoxic_lines(only_premeds) == []
    doxo = next(line for line in ctx.prescription.lines if line.drug_id == "DOXORUBICINE")
    typed = doxo.model_copy(update={"line_kind": "premedication"})
    with_doxo = ctx.model_copy(
        update={"prescription": ctx.prescription.model_copy(update={"lines": [*premeds, typed]})}
    )
    assert cytotoxic_lines(with_doxo) == [typed]


# --- 3. previous cycle: what the recorded modification explains -----------------------------


def taken_over_paclitaxel(store, pct: float, reason: str) -> str:
    """Cycle 8 taken over from ORD01000243 (−20 %, after cycle 7 at −20 %, 121 mg) then
    modified, transcribed by a pharmacist in the production prescriber's name."""
    transcriber = create_account(store, "pharmacist", "transcripteur")
    rx = drafts.take_over(store, transcriber, PACLITAXEL_RX, SETTINGS, TODAY)
    line_edits.modify_dose(store, transcriber, rx.prescription_id, paclitaxel(rx).line_id, pct,
                           reason, SETTINGS)
    lifecycle.sign(store, transcriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


@pytest.mark.parametrize(("pct", "reported"), [(-16.0, False), (-15.0, True), (-1.0, True)])
def test_a_recorded_modification_that_does_not_explain_the_change_blocks(
    demo, pct: float, reported: bool
) -> None:
    """−16 % after −20 % is +5 % (the tolerance); −15 % is +6 %; −1 % "ajustement" is +24 %:
    blocking, not information, whatever is recorded."""
    rx_id = taken_over_paclitaxel(demo, pct, "ajustement")
    change = coded(findings(demo, rx_id), "previous_cycle_change")
    assert bool(change) is reported
    if reported:
        [f] = change
        assert f.severity == Severity.BLOCKING and "n'explique pas cet écart" in f.message
        assert f"Enregistré sur cette ligne : modification {int(pct)} % (motif : ajustement)" \
            in f.message
        assert "au cycle précédent : modification -20 % (motif : Diarrhée grade 3)" in f.message
        # validated only when lifted, and the override is audited
        validator = create_account(demo, "pharmacist", "valideur")
        decisions.validate(demo, validator, rx_id, lift(demo, validator, rx_id), SETTINGS,
                           TODAY)
        [audit] = audit_rows(demo, "prescription.validated")
        assert f.key in audit["after_json"]["overrides"]


@pytest.mark.parametrize(("pct", "severity"), [(-25.0, Severity.INFO)])
def test_a_reduction_decided_after_a_full_dose_is_information(demo, pct, severity) -> None:
    """mFOLFOX6 cycle 4 on 19/11 at full dose; cycle 5 with oxaliplatin −25 % "Neuropathie":
    the recorded modification is the whole change."""
    prescriber = create_account(demo, "prescriber", "dr-folfox")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
                           cycle_start_date=TODAY + timedelta(days=12))
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    oxali = next(line for line in rx.lines if line.drug_id == "OXALIPLATINE")
    line_edits.modify_dose(demo, prescriber, rx.prescription_id, oxali.line_id, pct,
                           "Neuropathie grade 2", SETTINGS)
    lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    [f] = coded(findings(demo, rx.prescription_id), "previous_cycle_change")
    assert f.severity == severity and "Neuropathie grade 2" in f.message
    assert "au cycle précédent : aucune modification enregistrée" in f.message


# --- 4. lab and weight age on the day of administration still to come ---------------------


@pytest.mark.parametrize(("limit", "reported"), [(15, False), (14, True)])
def test_lab_and_weight_age_are_taken_on_the_next_day_of_administration(
    store, tmp_path, limit: int, reported: bool
) -> None:
    """ABVD cycle 2 whose J1 (22/11) was not given in production: the take-over continues J1
    (past) and J15 (06/12). J15 is the day still to come; labs and weight of 21/11 are 15 days
    old then (1 day on J1, 2 days today)."""
    demo_edited(store, tmp_path, "prescription_lines",
                [(old, old.replace("administered", "validated")) for old in ABVD_J1_LINES])
    transcriber = create_account(store, "pharmacist", "transcripteur")
    rx = drafts.take_over(store, transcriber, ABVD_RX, SETTINGS, TODAY)
    assert {line.planned_date for line in rx.lines} == {date(2026, 11, 22), date(2026, 12, 6)}
    rx_id = rx.prescription_id
    lifecycle.sign(store, transcriber, rx_id, SETTINGS, TODAY)
    settings = SiteSettings(lab_max_age_days=limit, weight_max_age_days=limit)
    found = findings(store, rx_id, settings)
    old_labs, old_weight = coded(found, "labs_too_old"), coded(found, "weight_too_old")
    assert bool(old_labs) is reported and bool(old_weight) is reported
    if reported:
        assert "prochain jour d'administration (06/12/2026" in old_labs[0].message
        assert "PNN du 21/11/2026 (15 jours)" in old_labs[0].message
        assert old_weight[0].values["jour d'administration"] == "06/12/2026"
        assert old_weight[0].values["âge (jours)"] == 15


# --- 5. a measurement recorded after the doses were computed --------------------------------


def signed_paclitaxel_cycle(store) -> str:
    """Paclitaxel for LACROIX Valérie (172 cm, 74,8 kg on 16/11), dosed today."""
    prescriber = create_account(store, "prescriber", "drpacli")
    request = DraftRequest(patient_id=PACLITAXEL_PATIENT, protocol_id="PACLI_HEBDO",
                           cycle_no=8, cycle_start_date=TODAY + timedelta(days=3))
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    assert rx.dosing.weight.value == 74.8
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


@pytest.mark.parametrize(
    ("weight", "day", "reported"),
    [(74.8, date(2026, 11, 16), False), (74.9, date(2026, 11, 16), True),
     (74.8, date(2026, 11, 17), True), (52.0, TODAY, True)],
)
def test_a_weight_recorded_after_the_doses_blocks(demo, weight, day, reported) -> None:
    rx_id = signed_paclitaxel_cycle(demo)
    assert coded(findings(demo, rx_id), "measurements_newer") == []
    nurse = create_account(demo, "nurse")
    record_measurement(demo, nurse, PACLITAXEL_PATIENT, "weight", weight, day, today=TODAY,
                       confirm_reason="Pesée du jour vérifiée")
    newer = coded(findings(demo, rx_id), "measurements_newer")
    assert bool(newer) is reported
    if reported:
        [f] = newer
        assert f.severity == Severity.BLOCKING and f.liftable
        assert "au lieu de 74,8 kg du 16/11/2026 utilisé pour les doses" in f.message
        assert f"du {day:%d/%m/%Y}" in f.message and "nouvelle version" in f.message
        assert f.values["poids du dossier (kg)"] == weight


@pytest.mark.parametrize(("creatinine", "reported"), [(None, False), (90.0, True)])
def test_a_creatinine_recorded_after_the_doses_blocks(demo, creatinine, reported) -> None:
    rx_id = signed_paclitaxel_cycle(demo)
    if creatinine is not None:
        nurse = create_account(demo, "nurse")
        record_lab_result(demo, nurse, PACLITAXEL_PATIENT, "CREAT", creatinine, "µmol/L",
                          datetime(2026, 11, 23, 9, 0), now=NOW)
    newer = coded(findings(demo, rx_id), "measurements_newer")
    assert bool(newer) is reported
    if reported:
        assert "créatininémie 90 µmol/L du 23/11/2026" in newer[0].message


# --- 6. a sample's results printed beside the threshold -------------------------------------


@pytest.mark.parametrize(("typed", "reported"), [(1500, False), (1499, True)])
def test_the_results_of_one_sample_never_print_as_the_threshold(demo, typed, reported) -> None:
    """Snapshot PNN 3,29 G/L of 18/11 07:04; a nurse types the same sample as 1 499 /mm³."""
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, RECENT_PATIENT, "PNN", typed, "/mm³",
                      datetime(2026, 11, 18, 7, 4), now=NOW)
    prescriber = create_account(demo, "prescriber", "dr-r3")
    request = DraftRequest(patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=5,
                           cycle_start_date=TODAY + timedelta(days=12))
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    low = coded(findings(demo, rx.prescription_id), "labs_anc_low")
    assert bool(low) is reported
    if reported:
        message = low[0].message
        assert "ne concordent pas : 1,499 G/L" in message
        # 1,5 G/L only as the threshold itself
        assert message.count("1,5 G/L") == 1 and "(1,5 G/L)" in message


# --- 7. a lab correction's reason --------------------------------------------------------------


@pytest.mark.parametrize(("reason", "accepted"), [("xy", False), ("xyz", True)])
def test_a_lab_correction_needs_a_reason_of_three_characters(demo, reason, accepted) -> None:
    nurse = create_account(demo, "nurse")
    first = record_lab_result(demo, nurse, RECENT_PATIENT, "PLQ", 150, "G/L",
                              datetime(2026, 11, 23, 8, 0), now=NOW)

    def correct():
        return record_lab_result(demo, nurse, RECENT_PATIENT, "PLQ", 105, "G/L",
                                 datetime(2026, 11, 23, 8, 0), replaces_id=first.lab_record_id,
                                 reason=f"  {reason} ", now=NOW)

    if accepted:
        corrected = correct()
        assert corrected.replaces_id == first.lab_record_id
        [audit] = audit_rows(demo, "lab.corrected")
        assert audit["reason"] == reason and audit["before_json"]["value"] == 150
    else:
        with pytest.raises(InvalidEntry, match="Motif de la correction trop court"):
            correct()
        assert audit_rows(demo, "lab.corrected") == []
