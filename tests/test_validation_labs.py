"""Validation reads the same patient values as the dose (issue 9, item 2) and compares lab
results in one unit (item 3), through the services a prescriber's and a pharmacist's clicks
reach, on the demo snapshot."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo
from test_validation_service import SETTINGS, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback.auth.accounts import find_user
from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.prescription import drafts, lifecycle
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Severity
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.snapshot.activation import activate_snapshot

# Female, born 08/10/1984 (42 on 23/11/2026), 155 cm, 53,5 kg on 22/11; snapshot creatinine
# 78 µmol/L on 21/11/2026 (clearance 68 mL/min).
CARBO_PATIENT = "IPP10001250"
NOW = datetime(2026, 11, 23, 11, 0)
MORNING = datetime(2026, 11, 23, 8, 0)


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def findings(store, rx_id: str) -> dict:
    pharmacist = find_user(store, "ph-labs") or create_account(store, "pharmacist", "ph-labs")
    _rx, found = validation.findings_of(store, pharmacist, rx_id, SETTINGS, TODAY)
    return {f.code: f for f in found}


def signed_carboplatin(store) -> tuple[str, object]:
    prescriber = create_account(store, "prescriber", "dr-carbo")
    request = DraftRequest(
        patient_id=CARBO_PATIENT, protocol_id="CARBO_PACLI", cycle_no=5, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id, rx


def test_validation_uses_the_creatinine_the_carboplatin_dose_used(demo) -> None:
    rx_id, _rx = signed_carboplatin(demo)
    assert "labs_clearance_low" not in findings(demo, rx_id)  # 78 µmol/L: 68 mL/min
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, CARBO_PATIENT, "CREAT", 250, "µmol/L", MORNING, now=NOW)
    rx_id, rx = signed_carboplatin_again(demo)
    assert rx.dosing.creatinine.value == 250
    carbo = next(line for line in rx.lines if "CARBO" in (line.drug_id or ""))
    assert carbo.derivation.gfr_computed_ml_min == pytest.approx(21.8, abs=0.05)
    low = findings(demo, rx_id)["labs_clearance_low"]
    assert low.severity == Severity.BLOCKING
    assert low.values["clairance (mL/min)"] == pytest.approx(21.8, abs=0.05)
    assert "21,8 mL/min" in low.message and "carboplatine" in low.message.lower()
    assert low.values["date du prélèvement"] == "23/11/2026"


def signed_carboplatin_again(store):
    """A second prescriber and a new cycle number, so the first one is no duplicate."""
    prescriber = create_account(store, "prescriber", "dr-carbo-2")
    request = DraftRequest(
        patient_id=CARBO_PATIENT, protocol_id="CARBO_PACLI", cycle_no=6, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id, rx


@pytest.mark.parametrize(("per_mm3", "reported"), [(1500, False), (1490, True), (1200, True)])
def test_neutrophils_entered_per_mm3_are_compared_in_g_per_l(demo, per_mm3, reported) -> None:
    rx_id = signed_mfolfox6(demo)
    nurse = create_account(demo, "nurse")
    record_lab_result(demo, nurse, RECENT_PATIENT, "PNN", per_mm3, "/mm³", MORNING, now=NOW)
    found = findings(demo, rx_id)
    assert ("labs_anc_low" in found) is reported
    if reported:
        message = found["labs_anc_low"].message
        shown = f"{per_mm3 / 1000:.2f}".rstrip("0").replace(".", ",")
        typed = f"{per_mm3 // 1000}\u00a0{per_mm3 % 1000:03d}"  # 1 490, French thousands
        assert f"PNN {shown} G/L ({typed} /mm³ sur le compte rendu)" in message
        assert "saisi pendant la panne" in message


def test_a_count_in_an_unknown_unit_blocks(store, tmp_path) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, copy)
    csv = (copy / "lab_results.csv").read_text(encoding="utf-8").splitlines()
    # GARNIER Hamid's latest neutrophils (18/11), reported in a unit never guessed at
    rows = [
        line.replace(",G/L,", ",10^6/L,")
        if line.startswith("LAB") and RECENT_PATIENT in line and ",PNN," in line
        else line
        for line in csv
    ]
    rewrite_table(copy, "lab_results", ("\n".join(rows) + "\n").encode("utf-8"))
    report = activate_snapshot(store, copy, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()
    rx_id = signed_mfolfox6(store)
    found = findings(store, rx_id)
    unknown = found["labs_unit_unknown"]
    assert unknown.severity == Severity.BLOCKING
    assert "« 10^6/L »" in unknown.message and "labs_missing" not in found
    assert "labs_anc_low" not in found  # not compared: the unknown unit blocks instead


def test_a_bleomycin_history_in_mg_counts_towards_its_limit_in_ui(store, tmp_path) -> None:
    """ABVD: a past bleomycin dose recorded in mg (380 mg = 380 000 UI through the drug's
    ui_per_mg) now reaches the 400 000 UI limit; before issue 9 it was left out."""
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, copy)
    lines = (copy / "prescription_lines.csv").read_text(encoding="utf-8")
    old = "ORD01000136-02,ORD01000136,5,BLEOMYCINE,1,2026-10-27,14100.0,UI,"
    assert old in lines
    changed = lines.replace(old, old.replace("14100.0,UI", "380.0,mg"))
    rewrite_table(copy, "prescription_lines", changed.encode("utf-8"))
    report = activate_snapshot(store, copy, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()
    prescriber = create_account(store, "prescriber", "dr-abvd")
    record_measurement(store, prescriber, "IPP10000550", "weight", 45.0, TODAY, today=TODAY)
    request = DraftRequest(
        patient_id="IPP10000550", protocol_id="ABVD", cycle_no=7, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    found = findings(store, rx.prescription_id)
    cumul = found["cumulative_dose"]
    assert cumul.severity == Severity.BLOCKING and cumul.values["unité"] == "UI"
    assert cumul.values["dose cumulée avant"] >= 380_000
    assert cumul.values["dose cumulée après"] > 400_000
    assert "cumulative_dose_incomplete" not in found
