"""Migration 0012: interventions recorded before the "modification demandée" status existed
move to it; refusals stay refusals; every other column is kept."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from chemo_fallback.store import migrate

ROW = (
    "PS000001", 1, 1, None, "IPP1", "MFOLFOX6", "mFOLFOX6", 14, 3, date(2026, 11, 23), "HDJ",
    None, "Dr X", False, "{}", datetime(2026, 11, 23, 8), "dr", "Dr X",
    datetime(2026, 11, 23, 9), "dr",
)


def test_earlier_interventions_move_to_change_requested() -> None:
    con = duckdb.connect()
    for name, sql in migrate.available():
        if name.startswith("0012"):
            break
        con.execute(sql)
    insert = (
        "INSERT INTO rx_prescriptions (prescription_id, rx_number, version_no, supersedes_id, "
        "patient_id, protocol_id, protocol_name, cycle_length_days, cycle_no, cycle_start_date, "
        "ward_id, prescriber_staff_id, prescriber_name, transcribed, dosing_json, created_at, "
        "created_by, created_by_name, signed_at, signed_by, status, status_reason, "
        "snapshot_prescription_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?)"
    )
    con.execute(insert, [*ROW, "rejected", "Intervention pharmaceutique : Surdosage — 75 %",
                         "ORD1"])
    other = ("PS000002", 2, *ROW[2:])
    con.execute(insert, [*other, "rejected", "Refus : protocole inadapté", None])
    [sql] = [sql for name, sql in migrate.available() if name.startswith("0012")]
    con.execute(sql)
    rows = con.execute(
        "SELECT prescription_id, status, status_reason, snapshot_prescription_id, cycle_no "
        "FROM rx_prescriptions ORDER BY prescription_id"
    ).fetchall()
    assert rows == [
        ("PS000001", "change_requested", "Intervention pharmaceutique : Surdosage — 75 %",
         "ORD1", 3),
        ("PS000002", "rejected", "Refus : protocole inadapté", None, 3),
    ]
    assert con.execute("SELECT count(*) FROM request_keys").fetchone() == (0,)
