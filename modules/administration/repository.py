"""The administration module's SQL: the day's lines of validated prescriptions, the lines the
protocol runs together (`ref.protocol_lines.runs_with_line_no`), the preparations of those
lines, and the administration records; writes happen in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from chemo_fallback.modules.administration.models import AdmRecord
from chemo_fallback.modules.fabrication.repository import COMPOUNDED_FORMS
from chemo_fallback.store.rows import dicts as _dicts
from chemo_fallback.store.rows import insert

Cursor = duckdb.DuckDBPyConnection

_LINES = """
SELECT l.line_id, l.prescription_id, l.line_no, l.protocol_line_no, l.line_kind, l.drug_id,
       l.drug_inn, l.label, l.day_no, l.planned_date, l.route, l.duration_min, l.diluent,
       l.volume_ml, l.container, l.final_dose, l.dose_unit, l.comment,
       p.patient_id, p.protocol_id, p.protocol_name, p.cycle_no, p.prescriber_name, p.ward_id,
       p.rx_number, p.status AS prescription_status
FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
"""


def day_lines(cur: Cursor, day: date, *, ward_id: str | None = None,
              patient_id: str | None = None) -> list[dict]:
    """Every line of a validated prescription planned on `day`, by patient, prescription and
    line order; only one ward's or one patient's when asked."""
    sql = _LINES + " WHERE p.status = 'validated' AND l.planned_date = ?"
    params: list = [day]
    if ward_id is not None:
        sql += " AND p.ward_id = ?"
        params.append(ward_id)
    if patient_id is not None:
        sql += " AND p.patient_id = ?"
        params.append(patient_id)
    cur.execute(sql + " ORDER BY p.patient_id, p.rx_number, l.line_no", params)
    return _dicts(cur)


def line(cur: Cursor, line_id: str) -> dict | None:
    cur.execute(_LINES + " WHERE l.line_id = ?", [line_id])
    rows = _dicts(cur)
    return rows[0] if rows else None


def _ref_has(cur: Cursor, table: str, column: str) -> bool:
    return cur.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_catalog = 'ref' "
        "AND table_name = ? AND column_name = ?", [table, column],
    ).fetchone()[0] > 0


def runs_with(cur: Cursor, protocol_ids: list[str]) -> dict[tuple[str, int], int]:
    """(protocol, line) → the protocol line it runs together with; empty when the snapshot
    does not say (an export without the column: the lines run one after the other)."""
    if not protocol_ids or not _ref_has(cur, "protocol_lines", "runs_with_line_no"):
        return {}
    rows = cur.execute(
        "SELECT protocol_id, line_no, runs_with_line_no FROM ref.protocol_lines "
        "WHERE runs_with_line_no IS NOT NULL AND protocol_id IN (SELECT unnest(?))",
        [protocol_ids],
    ).fetchall()
    return {(r[0], int(r[1])): int(r[2]) for r in rows}


def compounded_drugs(cur: Cursor, drug_ids: list[str]) -> set[str]:
    """The drugs the pharmacy compounds (a product in solution or powder), as the production
    queue reads them."""
    if not drug_ids:
        return set()
    rows = cur.execute(
        f"SELECT DISTINCT drug_id FROM ref.products WHERE form IN {COMPOUNDED_FORMS} "
        "AND drug_id IN (SELECT unnest(?))", [drug_ids],
    ).fetchall()
    return {r[0] for r in rows}


def lines_with_preparations(cur: Cursor, line_ids: list[str]) -> set[str]:
    if not line_ids:
        return set()
    rows = cur.execute(
        "SELECT DISTINCT line_id FROM fab_preparations WHERE line_id IN (SELECT unnest(?))",
        [line_ids],
    ).fetchall()
    return {r[0] for r in rows}


def preparations(cur: Cursor, preparation_ids: list[str]) -> dict[str, dict]:
    if not preparation_ids:
        return {}
    cur.execute(
        """SELECT f.preparation_id, f.register_no, f.line_id, f.prescription_id, f.patient_id,
                  f.drug_id, f.dose, f.dose_unit, f.planned_date, f.status, f.expires_at,
                  f.plan_json, l.drug_inn
           FROM fab_preparations f LEFT JOIN rx_lines l USING (line_id)
           WHERE f.preparation_id IN (SELECT unnest(?))""",
        [preparation_ids],
    )
    return {r["preparation_id"]: r for r in _dicts(cur)}


_RECORDS = """
SELECT r.*, EXISTS (SELECT 1 FROM adm_records c WHERE c.replaces_id = r.record_id) AS replaced
FROM adm_records r
"""


def records_for(cur: Cursor, line_ids: list[str]) -> list[AdmRecord]:
    """Every record of these steps, first first (corrected ones flagged `replaced`)."""
    if not line_ids:
        return []
    cur.execute(_RECORDS + " WHERE r.line_id IN (SELECT unnest(?)) ORDER BY r.record_id",
                [line_ids])
    return [AdmRecord(**row) for row in _dicts(cur)]


def record(cur: Cursor, record_id: int) -> AdmRecord | None:
    cur.execute(_RECORDS + " WHERE r.record_id = ?", [record_id])
    rows = _dicts(cur)
    return AdmRecord(**rows[0]) if rows else None


def insert_record(cur: Cursor, values: dict) -> int:
    return insert(cur, "adm_records", values, returning="record_id")


def not_given_since(cur: Cursor, since: datetime) -> list[dict]:
    """The doses recorded as not given since `since` (their record not corrected since), the
    latest first, with their line and prescription."""
    cur.execute(
        """SELECT r.record_id, r.patient_id, r.planned_date, r.reason, r.given_by_name,
                  r.entered_at, r.entered_by_name, r.from_paper, r.prescription_id,
                  l.drug_inn, l.label, l.drug_id, l.final_dose, l.dose_unit, l.day_no,
                  p.protocol_name, p.cycle_no, p.ward_id
           FROM adm_records r
           JOIN rx_lines l USING (line_id)
           JOIN rx_prescriptions p ON p.prescription_id = r.prescription_id
           WHERE r.outcome = 'not_given' AND r.entered_at >= ?
             AND NOT EXISTS (SELECT 1 FROM adm_records c WHERE c.replaces_id = r.record_id)
           ORDER BY r.entered_at DESC, r.record_id DESC""",
        [since],
    )
    return _dicts(cur)


def ward_names(cur: Cursor) -> dict[str, str]:
    try:
        return dict(cur.execute("SELECT ward_id, name FROM ref.wards").fetchall())
    except duckdb.Error:  # no snapshot active
        return {}
