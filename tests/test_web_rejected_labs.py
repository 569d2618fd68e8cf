"""The patient record's biology section lists the lab results the activation rejected, as
the export wrote them and marked rejected, so the nurse or pharmacist sees what to re-enter
from the paper report (issue 9, item 3)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui.testing import User
from test_lab_result_rejects import LENIENT, _lab
from test_patient_search import snapshot_rows
from test_web_patient_measurements import open_record
from test_web_patient_new import only
from web_helpers import SLOW

from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import patient_pages, state

TODAY = date(2026, 11, 20)


@pytest.fixture
def app_state(store, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(patient_pages, "today", lambda: TODAY)
    rows = snapshot_rows()
    rows["lab_results"] += [_lab("LAB9", unit=None), _lab("LAB8", sampled_at="20/11/2026")]
    report = activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=rows),
                               limits=LENIENT)
    assert report.status == "activated", report.to_text()
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def test_the_record_lists_the_rejected_results(app_state) -> None:
    record = load_patient_record(app_state.store, "nurse", "IPP00000001", today=TODAY)
    undated, dated = record.rejected_labs  # an unreadable date first: it cannot be placed
    assert (dated.lab_id, dated.test_code, dated.unit) == ("LAB9", "PNN", None)
    assert dated.sampled_at == datetime(2026, 11, 20, 8, 0)
    assert dated.reason == "unité manquant(e) : valeur obligatoire"
    assert (undated.lab_id, undated.sampled_at, undated.sampled_at_text) == (
        "LAB8", None, "20/11/2026"
    )
    assert all(lab.test_code != "PNN" or lab.value != 1200 for lab in record.lab_history)
    other = load_patient_record(app_state.store, "nurse", "IPP00000002", today=TODAY)
    assert other.rejected_labs == []


async def test_the_biology_section_shows_them_marked_rejected(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")
    await user.should_see(marker="rejected-labs", retries=SLOW)
    await user.should_see("Résultats rejetés à l'activation de l'instantané (non utilisés)")
    rows = only(user, "rejected-labs").rows
    assert rows[0]["date"] == "illisible : 20/11/2026"
    assert rows[1]["test"] == "Polynucléaires neutrophiles (PNN)"
    assert (rows[1]["unit"], rows[1]["date"]) == ("(vide)", "20/11/2026 à 08:00")
    assert rows[1]["reason"] == "rejeté à l'activation : unité manquant(e) : valeur obligatoire"
