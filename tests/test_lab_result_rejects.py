"""A lab result rejected at activation does not disappear: its patient, test, value and unit
as read, its sampling date when readable and the reasons are kept in the reference table
`lab_result_rejects` (issue 9, item 3: an unknown unit is a blocking finding, never a skipped
check), whether the row failed a check or could not even be read, in every file format."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import pytest
from factory import ROWS, write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits

LENIENT = Limits(max_reject_ratio=1.0)  # a few rejected rows out of a handful
PATIENT = "IPP00000001"
SAMPLED = datetime(2026, 11, 20, 8, 0)


def _lab(lab_id: str, **values) -> dict:
    row = {
        "lab_id": lab_id,
        "patient_id": PATIENT,
        "test_code": "PNN",
        "value": 1200,
        "unit": "/mm3",
        "sampled_at": "2026-11-20 08:00:00",
    }
    return {**row, **values}


def _activate(store, tmp_path: Path, fmt: str, *labs: dict):
    rows = copy.deepcopy(ROWS)
    rows["lab_results"] += list(labs)
    report = activate_snapshot(store, write_snapshot(tmp_path / fmt, fmt, rows), limits=LENIENT)
    assert report.status == "activated", report.to_text()
    return report


def _kept(store) -> dict[str, tuple]:
    rows = store.cursor().execute(
        """SELECT lab_id, patient_id, test_code, value, value_parsed, unit, sampled_at_parsed,
                  reason FROM ref.lab_result_rejects ORDER BY lab_id"""
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.mark.parametrize("fmt", ["csv", "csv-fr", "parquet"])
def test_a_lab_result_without_a_unit_is_kept_with_its_reason(store, tmp_path, fmt) -> None:
    report = _activate(store, tmp_path, fmt, _lab("LAB9", unit=None))
    [table] = [t for t in report.tables if t.table == "lab_results"]
    assert table.rows_rejected == 1 and table.rows_loaded == 2
    patient, test, value, value_parsed, unit, sampled, reason = _kept(store)["LAB9"]
    assert (patient, test, value_parsed, unit, sampled) == (PATIENT, "PNN", 1200, None, SAMPLED)
    assert value.replace(",", ".") in ("1200.0", "1200")  # as read
    assert reason == "unité manquant(e) : valeur obligatoire"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_lab_result_unreadable_on_reading_is_kept_from_its_raw_line(
    store, tmp_path, fmt
) -> None:
    _activate(
        store,
        tmp_path,
        fmt,
        _lab("LAB8", value="1 200"),  # not a number: rejected by the typed reading
        _lab("LAB7", test_code="CREAT", value=95, unit="µmol/L", sampled_at="22/11/2026"),
    )
    kept = _kept(store)
    assert kept["LAB8"][:6] == (PATIENT, "PNN", "1 200", None, "/mm3", SAMPLED)
    assert kept["LAB8"][6].startswith("valeur : nombre attendu")
    patient, test, _value, value_parsed, unit, sampled, reason = kept["LAB7"]
    assert (patient, test, value_parsed, unit, sampled) == (PATIENT, "CREAT", 95, "µmol/L", None)
    assert reason.startswith("date du prélèvement : date et heure attendues")


def test_a_valid_snapshot_keeps_no_lab_reject(store, tmp_path) -> None:
    _activate(store, tmp_path, "csv")
    assert _kept(store) == {}
