"""Protocol data fail closed at activation: a chemotherapy protocol line of any route (oral
included) with no dose, a dose <= 0 or an unreadable dose is rejected with its reason; its
protocol stays in the thesaurus but is not prescribable, and prescribing it says which line was
rejected and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, audit_rows
from web_helpers import create_account

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.prescription import drafts, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits

LENIENT = Limits(max_reject_ratio=1.0)  # a few rejected lines out of 64 is more than 1 %
OXALIPLATIN = "MFOLFOX6,4,chemotherapy,OXALIPLATINE,,85.0,"
IRINOTECAN = "FOLFIRI,5,chemotherapy,IRINOTECAN,,180.0,"
PREDNISONE = "RCHOP21,10,chemotherapy,PREDNISONE,,100.0,mg,1-5,PO,"  # oral, days 1 to 5


def _demo_with(tmp_path: Path, **replacements: str) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / "protocol_lines.csv").read_text(encoding="utf-8")
    for old, new in replacements.values():
        assert old in text, old
        text = text.replace(old, new)
    rewrite_table(folder, "protocol_lines", text.encode("utf-8"))
    return folder


def _draft(store, user, protocol: str):
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id=protocol, cycle_no=3, cycle_start_date=TODAY
    )
    return drafts.start_draft(store, user, request, SiteSettings(), TODAY)


@pytest.mark.parametrize(
    ("dose", "reason"),
    [
        ("0.0", "ligne de chimiothérapie sans dose (dose nulle ou négative), quelle que soit "
                "la voie"),
        ("-1", "dose invraisemblable"),
        ("", "dose manquant(e) : valeur obligatoire"),
        ("beaucoup", "dose : nombre attendu"),  # rejected on reading: key from the raw line
    ],
)
def test_a_compounded_line_without_a_dose_makes_its_protocol_not_prescribable(
    store, tmp_path: Path, dose: str, reason: str
) -> None:
    folder = _demo_with(tmp_path, oxali=(OXALIPLATIN, OXALIPLATIN.replace("85.0", dose)))
    report = activate_snapshot(store, folder, reanchor_to=TODAY, limits=LENIENT)
    assert report.status == "activated", report.errors
    [table] = [t for t in report.tables if t.table == "protocol_lines"]
    assert {(r.line, r.column) for r in table.rejects} == {(5, "dose")}
    assert any(r.reason.startswith(reason) for r in table.rejects)
    [warning] = [w for w in report.warnings if "non prescriptible" in w]
    assert warning.startswith("Protocole mFOLFOX6 (MFOLFOX6) non prescriptible : ligne 4 rejetée")
    assert reason in warning

    user = create_account(store, "prescriber")
    protocols = {p["protocol_id"]: p for p in queries.form_choices(store, user)["protocols"]}
    assert protocols["MFOLFOX6"]["incomplete"] and not protocols["FOLFIRI"]["incomplete"]
    with pytest.raises(PrescriptionError) as refused:
        _draft(store, user, "MFOLFOX6")
    assert "Le protocole mFOLFOX6 ne peut pas être prescrit tel quel" in str(refused.value)
    assert "ligne 4 rejetée à l'activation de l'instantané" in str(refused.value)
    assert audit_rows(store, "prescription.draft_created") == []
    assert _draft(store, user, "FOLFIRI").protocol_id == "FOLFIRI"  # the others still work


def test_a_tiny_positive_dose_is_kept(store, tmp_path: Path) -> None:
    folder = _demo_with(tmp_path, irino=(IRINOTECAN, IRINOTECAN.replace("180.0", "0.001")))
    report = activate_snapshot(store, folder, reanchor_to=TODAY, limits=LENIENT)
    assert report.status == "activated", report.errors
    assert not [w for w in report.warnings if "non prescriptible" in w]
    user = create_account(store, "prescriber")
    assert not any(p["incomplete"] for p in queries.form_choices(store, user)["protocols"])


def test_a_hydration_line_without_a_dose_is_fine(store) -> None:
    """The demo's hydration lines have dose 0 (a volume, not a dose): nothing is rejected."""
    report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=TODAY)
    [table] = [t for t in report.tables if t.table == "protocol_lines"]
    assert report.status == "activated" and table.rows_rejected == 0


@pytest.mark.parametrize(("dose", "rejected"), [("0.0", True), ("0.001", False)])
def test_an_oral_chemotherapy_line_without_a_dose_is_rejected_too(
    store, tmp_path: Path, dose: str, rejected: bool
) -> None:
    """Prednisone 0 mg per os would otherwise give five dose-less lines (J1 to J5) that sign."""
    folder = _demo_with(tmp_path, pred=(PREDNISONE, PREDNISONE.replace("100.0", dose)))
    report = activate_snapshot(store, folder, reanchor_to=TODAY, limits=LENIENT)
    assert report.status == "activated", report.errors
    [table] = [t for t in report.tables if t.table == "protocol_lines"]
    warnings = [w for w in report.warnings if "non prescriptible" in w]
    user = create_account(store, "prescriber")
    if not rejected:
        assert table.rows_rejected == 0 and not warnings
        rx = _draft(store, user, "RCHOP21")
        doses = [line.final_dose for line in rx.lines if line.drug_id == "PREDNISONE"]
        assert len(doses) == 5 and all(d and d > 0 for d in doses)
        return
    [reject] = table.rejects
    assert reject.column == "dose"
    assert reject.reason.startswith("ligne de chimiothérapie sans dose (dose nulle ou négative)")
    [warning] = warnings
    assert "R-CHOP" in warning and "ligne 10 rejetée" in warning
    with pytest.raises(PrescriptionError) as refused:
        _draft(store, user, "RCHOP21")
    assert refused.value.code == "protocol_not_prescribable"
    assert "ligne 10 rejetée à l'activation de l'instantané" in str(refused.value)
    assert audit_rows(store, "prescription.draft_created") == []
