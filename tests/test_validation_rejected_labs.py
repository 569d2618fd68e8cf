"""A lab result rejected at activation blocks the validation when it is newer than the result
the checks use (issue 9, item 3: never a skipped check). On the demo snapshot, GARNIER Hamid's
latest neutrophils are 3,29 G/L sampled 18/11/2026 07:04:19; a PNN of 1 200 with an empty unit
sampled later is rejected by the activation and, before this check, silently left the older
result to be compared. Through the services a pharmacist's and a nurse's clicks reach."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, audit_rows
from test_validation_service import SETTINGS, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Severity, ValidationError
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.snapshot.activation import activate_snapshot

CODE = "labs_rejected_at_activation"
USED_PNN_AT = "2026-11-18 07:04:19"  # 3,29 G/L, the result the neutrophil check uses


def _demo_with_labs(store, tmp_path, *rows: str) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, copy)
    lines = (copy / "lab_results.csv").read_text(encoding="utf-8").splitlines() + list(rows)
    rewrite_table(
        copy, "lab_results", ("\n".join(lines) + "\n").encode("utf-8"), rows=len(lines) - 1
    )
    report = activate_snapshot(store, copy, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()
    [table] = [t for t in report.tables if t.table == "lab_results"]
    assert table.rows_rejected == len(rows)


def _findings(store, rx_id: str) -> dict:
    pharmacist = create_account(store, "pharmacist", "ph-rejects")
    _rx, found = validation.findings_of(store, pharmacist, rx_id, SETTINGS, TODAY)
    return {f.code: f for f in found}


@pytest.mark.parametrize(
    ("sampled_at", "blocks"),
    [
        ("2026-11-18 07:04:18", False),  # a second before the result used: replaced by it
        (USED_PNN_AT, False),  # the same sampling as the result used
        ("2026-11-18 07:04:20", True),  # a second after
        ("2026-11-22 08:00:00", True),
        ("22/11/2026", True),  # unreadable date: cannot be placed, so it blocks
    ],
)
def test_a_rejected_neutrophil_count_newer_than_the_one_used_blocks(
    store, tmp_path, sampled_at, blocks
) -> None:
    _demo_with_labs(store, tmp_path, f"LAB000009001,{RECENT_PATIENT},PNN,1200,,{sampled_at}")
    found = _findings(store, signed_mfolfox6(store))
    assert (CODE in found) is blocks
    assert "labs_anc_low" not in found  # 3,29 G/L compared: the rejected one is never guessed
    if blocks:
        finding = found[CODE]
        assert finding.severity == Severity.BLOCKING and finding.liftable
        message = finding.message
        assert "PNN 1\u00a0200 sans unité" in message
        assert "résultat LAB000009001" in message
        assert "résultat utilisé : 3,29 G/L du 18/11/2026 07:04" in message
        assert "compte rendu papier" in message and "saisissez le résultat" in message
        if sampled_at == "22/11/2026":  # rejected on reading: the other checks never ran
            assert "date de prélèvement illisible « 22/11/2026 »" in message
            assert "rejeté : date du prélèvement : date et heure attendues" in message
        else:
            assert f"prélevé le {datetime.fromisoformat(sampled_at):%d/%m/%Y à %H:%M}" in message
            assert "rejeté : unité manquant(e) : valeur obligatoire" in message


def test_a_rejected_result_of_a_test_no_check_needs_or_of_another_patient_does_not_block(
    store, tmp_path
) -> None:
    _demo_with_labs(
        store,
        tmp_path,
        f"LAB000009002,{RECENT_PATIENT},HB,11.2,,2026-11-22 08:00:00",
        "LAB000009003,IPP10002014,PNN,1200,,2026-11-22 08:00:00",
    )
    assert CODE not in _findings(store, signed_mfolfox6(store))


def test_a_rejected_creatinine_newer_than_the_one_used_blocks_a_platinum_drug(
    store, tmp_path
) -> None:
    """mFOLFOX6 has oxaliplatin: its clearance uses the creatinine of 18/11 (76 µmol/L)."""
    _demo_with_labs(store, tmp_path, f"LAB000009004,{RECENT_PATIENT},CREAT,1 300,µmol/L,"
                    "2026-11-21 09:30:00")
    message = _findings(store, signed_mfolfox6(store))[CODE].message
    assert "créatininémie « 1 300 » « µmol/L », prélevé le 21/11/2026 à 09:30" in message
    assert "valeur : nombre attendu" in message


def test_the_result_entered_by_hand_lifts_it_and_is_compared(store, tmp_path) -> None:
    """What the finding asks: the paper report's 1 200 /mm³ of 22/11 08:00 entered with its
    unit and time becomes the result used; it is compared (1,2 G/L: too low) and audited."""
    _demo_with_labs(
        store, tmp_path, f"LAB000009005,{RECENT_PATIENT},PNN,1200,,2026-11-22 08:00:00"
    )
    rx_id = signed_mfolfox6(store)
    pharmacist = create_account(store, "pharmacist", "ph-validates")
    with pytest.raises(ValidationError, match="n'est pas levé"):
        overrides = [o for o in lift(store, pharmacist, rx_id) if o.key != CODE]
        decisions.validate(store, pharmacist, rx_id, overrides, SETTINGS, TODAY)
    assert audit_rows(store, "prescription.validated") == []

    nurse = create_account(store, "nurse", "ide-labs")
    at = datetime(2026, 11, 22, 8, 0)
    record_lab_result(store, nurse, RECENT_PATIENT, "PNN", 1200, "/mm³", at,
                      now=datetime(2026, 11, 23, 9, 0))
    [entered] = audit_rows(store, "lab.recorded")
    assert entered["actor"] == "ide-labs" and entered["after_json"]["unit"] == "/mm³"
    found = _findings(store, rx_id)
    assert CODE not in found
    assert found["labs_anc_low"].severity == Severity.BLOCKING
    assert "1,2 G/L" in found["labs_anc_low"].message


def test_lifted_with_a_reason_the_validation_is_audited_with_it(store, tmp_path) -> None:
    _demo_with_labs(
        store, tmp_path, f"LAB000009006,{RECENT_PATIENT},PNN,1200,,2026-11-22 08:00:00"
    )
    rx_id = signed_mfolfox6(store)
    pharmacist = create_account(store, "pharmacist", "ph-lifts")
    reason = "Compte rendu vérifié : PNN 3 200 /mm³, erreur d'export"
    assert decisions.validate(
        store, pharmacist, rx_id, lift(store, pharmacist, rx_id, reason), SETTINGS, TODAY
    ) == "validated"
    [audit] = audit_rows(store, "prescription.validated")
    assert audit["after_json"]["overrides"][CODE] == reason
