"""The prescription module's SQL, and only its SQL: the thesaurus read from the snapshot (`ref`),
the fallback's own prescriptions, lines and notes (main catalog). Every call takes the caller's
cursor, so writes land in the caller's transaction with their audit record."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from chemo_fallback.dosing import LineDose
from chemo_fallback.modules.prescription.drug_rules import DrugSafety, code_list
from chemo_fallback.modules.prescription.models import (
    DecisionShown,
    DosingInputs,
    GoAheadShown,
    LiftedPoint,
    Line,
    Note,
    Prescriber,
    Prescription,
    Protocol,
    ProtocolLine,
    RejectedProtocolLine,
    SignatureShown,
)

Cursor = duckdb.DuckDBPyConnection


def _dicts(cur: Cursor) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- the snapshot's thesaurus -------------------------------------------------------------

PROTOCOL_LIST_SQL = """SELECT protocol_id, name, cycle_length_days, coalesce(active, true) AS active
FROM ref.protocols ORDER BY coalesce(active, true) DESC, name, protocol_id"""

PROTOCOL_SQL = """SELECT protocol_id, name, cycle_length_days, cycles_planned, indication,
       bsa_formula, bsa_cap_m2
FROM ref.protocols WHERE protocol_id = ?"""

# Each line with what the drugs and products tables say of its drug.
PROTOCOL_LINES_SQL = """SELECT l.line_no, l.line_kind, l.drug_id, d.inn AS drug_inn,
       d.drug_id IS NOT NULL AS drug_known,
       coalesce(p.n, 0) > 0 AS has_products, coalesce(p.en_sus, false) AS liste_en_sus,
       l.label, l.dose, l.dose_basis, l.days, l.route, l.duration_min, l.diluent, l.volume_ml,
       l.container, l.max_dose, l.comment
FROM ref.protocol_lines l
LEFT JOIN ref.drugs d ON d.drug_id = l.drug_id
LEFT JOIN (SELECT drug_id, count(*) AS n, bool_or(coalesce(liste_en_sus, false)) AS en_sus
           FROM ref.products GROUP BY drug_id) p ON p.drug_id = l.drug_id
WHERE l.protocol_id = ? ORDER BY l.line_no"""

DRUGS_SQL = """SELECT d.drug_id, d.inn, d.dose_unit, coalesce(p.n, 0) > 0 AS has_products,
       coalesce(p.en_sus, false) AS liste_en_sus
FROM ref.drugs d
LEFT JOIN (SELECT drug_id, count(*) AS n, bool_or(coalesce(liste_en_sus, false)) AS en_sus
           FROM ref.products GROUP BY drug_id) p ON p.drug_id = d.drug_id
ORDER BY d.inn"""


DRUG_SAFETY_COLUMNS = ("routes", "containers", "max_dose_per_administration",
                       "intrathecal_capable")
REJECTED_LINES_TABLE = "protocol_line_rejects"  # written by the activation (tables.py)


def _ref_has(cur: Cursor, table: str, column: str | None = None) -> bool:
    """A reference database activated by an older version may lack a table or column: what it
    lacks then reads as not given, and the rules fail closed on it."""
    sql = ("SELECT count(*) FROM information_schema.columns WHERE table_catalog = 'ref' "
           "AND table_name = ?")
    params = [table]
    if column:
        sql += " AND column_name = ?"
        params.append(column)
    return cur.execute(sql, params).fetchone()[0] > 0


def drug_safety(cur: Cursor, drug_ids: list[str]) -> dict[str, DrugSafety]:
    """What the snapshot says of these drugs for the drug-level rules (drug_rules.py)."""
    ids = sorted({d for d in drug_ids if d})
    if not ids:
        return {}
    present = {c for c in DRUG_SAFETY_COLUMNS if _ref_has(cur, "drugs", c)}
    select = ", ".join(c if c in present else f"NULL AS {c}" for c in DRUG_SAFETY_COLUMNS)
    rows = _dicts(cur.execute(
        f"SELECT drug_id, inn, dose_unit, {select} FROM ref.drugs "
        "WHERE drug_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ))
    return {
        r["drug_id"]: DrugSafety(
            drug_id=r["drug_id"],
            inn=r["inn"],
            dose_unit=r["dose_unit"],
            routes=code_list(r["routes"]),
            containers=code_list(r["containers"]),
            max_dose_per_administration=r["max_dose_per_administration"],
            intrathecal_capable=bool(r["intrathecal_capable"]),
        )
        for r in rows
    }


def rejected_protocol_lines(cur: Cursor, protocol_id: str) -> list[RejectedProtocolLine]:
    if not _ref_has(cur, REJECTED_LINES_TABLE):
        return []
    rows = cur.execute(
        f"SELECT line_no, reason FROM ref.{REJECTED_LINES_TABLE} WHERE protocol_id = ? "
        "ORDER BY TRY_CAST(line_no AS BIGINT) NULLS LAST",
        [protocol_id],
    ).fetchall()
    return [RejectedProtocolLine(line_no=line_no, reason=reason) for line_no, reason in rows]


def protocol_list(cur: Cursor) -> list[dict]:
    """The thesaurus, each protocol with `incomplete`: a line was rejected at activation."""
    rows = _dicts(cur.execute(PROTOCOL_LIST_SQL))
    incomplete: set[str] = set()
    if _ref_has(cur, REJECTED_LINES_TABLE):
        incomplete = {r[0] for r in cur.execute(
            f"SELECT DISTINCT protocol_id FROM ref.{REJECTED_LINES_TABLE}"
        ).fetchall()}
    return [{**r, "incomplete": r["protocol_id"] in incomplete} for r in rows]


def load_protocol(cur: Cursor, protocol_id: str) -> Protocol | None:
    rows = _dicts(cur.execute(PROTOCOL_SQL, [protocol_id]))
    if not rows:
        return None
    found = _dicts(cur.execute(PROTOCOL_LINES_SQL, [protocol_id]))
    safety = drug_safety(cur, [r["drug_id"] for r in found])
    lines = [ProtocolLine(**r, drug_safety=safety.get(r["drug_id"])) for r in found]
    return Protocol(
        **rows[0], lines=lines, rejected_lines=rejected_protocol_lines(cur, protocol_id)
    )


def drug_list(cur: Cursor) -> list[dict]:
    return _dicts(cur.execute(DRUGS_SQL))


def prescribers(cur: Cursor) -> list[dict]:
    return _dicts(
        cur.execute(
            """SELECT staff_id, concat_ws(' ', 'Dr', first_name, upper(last_name)) AS name,
                      specialty, ward_id
               FROM ref.staff WHERE role = 'prescriber' ORDER BY last_name, first_name"""
        )
    )


def wards(cur: Cursor) -> list[dict]:
    return _dicts(cur.execute("SELECT ward_id, name FROM ref.wards ORDER BY name"))


def last_cycle(cur: Cursor, patient_id: str, protocol_id: str) -> tuple[int, date] | None:
    """The patient's latest cycle of this protocol, in the snapshot or in the fallback."""
    row = cur.execute(
        """SELECT cycle_no, cycle_start_date FROM (
               SELECT cycle_no, cycle_start_date FROM ref.prescriptions
               WHERE patient_id = ? AND protocol_id = ? AND status <> 'cancelled'
               UNION ALL
               SELECT cycle_no, cycle_start_date FROM rx_prescriptions
               WHERE patient_id = ? AND protocol_id = ?
                 AND status NOT IN ('cancelled', 'superseded', 'draft'))
           ORDER BY cycle_start_date DESC, cycle_no DESC LIMIT 1""",
        [patient_id, protocol_id, patient_id, protocol_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


# --- the fallback's prescriptions ---------------------------------------------------------

RX_COLUMNS = (
    "prescription_id, rx_number, version_no, supersedes_id, patient_id, protocol_id, "
    "protocol_name, cycle_length_days, cycle_no, cycle_start_date, ward_id, prescriber_staff_id, "
    "prescriber_name, transcribed, status, dosing_json, created_at, created_by, created_by_name, "
    "signed_at, signed_by, status_reason, status_changed_at, status_changed_by, "
    "snapshot_prescription_id"
)
LINE_COLUMNS = (
    "line_id, prescription_id, line_no, protocol_line_no, line_kind, drug_id, drug_inn, label, "
    "day_no, planned_date, route, duration_min, diluent, volume_ml, container, dose_basis, "
    "protocol_dose, max_dose, modification_pct, modification_reason, final_dose, dose_unit, "
    "derivation_json, off_protocol, off_protocol_reason, liste_en_sus, indication_code, comment"
)


def next_rx_number(cur: Cursor) -> int:
    return cur.execute("SELECT nextval('rx_number_seq')").fetchone()[0]


def insert_prescription(cur: Cursor, rx: Prescription) -> None:
    values = _rx_values(rx)
    cur.execute(
        f"INSERT INTO rx_prescriptions ({RX_COLUMNS}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    for line in rx.lines:
        insert_line(cur, line)


def insert_line(cur: Cursor, line: Line) -> None:
    values = _line_values(line)
    cur.execute(
        f"INSERT INTO rx_lines ({LINE_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
    )


def replace_line(cur: Cursor, line: Line) -> None:
    """A draft's line rewritten (the service allows it in draft only, audited)."""
    cur.execute("DELETE FROM rx_lines WHERE line_id = ?", [line.line_id])
    insert_line(cur, line)


def save_dosing(cur: Cursor, prescription_id: str, dosing: DosingInputs) -> None:
    cur.execute(
        "UPDATE rx_prescriptions SET dosing_json = ? WHERE prescription_id = ?",
        [dosing.model_dump_json(), prescription_id],
    )


def set_status(
    cur: Cursor, prescription_id: str, status: str, by: str, at: datetime, reason: str | None
) -> None:
    cur.execute(
        """UPDATE rx_prescriptions SET status = ?, status_reason = ?, status_changed_at = ?,
               status_changed_by = ? WHERE prescription_id = ?""",
        [status, reason, at, by, prescription_id],
    )


def set_signed(cur: Cursor, prescription_id: str, by: str, at: datetime) -> None:
    cur.execute(
        """UPDATE rx_prescriptions SET status = 'signed', signed_at = ?, signed_by = ?,
               status_changed_at = ?, status_changed_by = ? WHERE prescription_id = ?""",
        [at, by, at, by, prescription_id],
    )


def load_prescription(cur: Cursor, prescription_id: str) -> Prescription | None:
    return load_prescriptions(cur, [prescription_id]).get(prescription_id)


def load_prescriptions(cur: Cursor, prescription_ids: list[str]) -> dict[str, Prescription]:
    """Several prescriptions with their lines in two queries (worklists read hundreds)."""
    if not prescription_ids:
        return {}
    rows = _dicts(
        cur.execute(
            f"SELECT {RX_COLUMNS} FROM rx_prescriptions "
            "WHERE prescription_id IN (SELECT unnest(?::VARCHAR[]))",
            [prescription_ids],
        )
    )
    lines: dict[str, list[Line]] = {r["prescription_id"]: [] for r in rows}
    for row in _dicts(
        cur.execute(
            f"SELECT {LINE_COLUMNS} FROM rx_lines "
            "WHERE prescription_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY prescription_id, planned_date, day_no, line_no",
            [prescription_ids],
        )
    ):
        lines[row["prescription_id"]].append(_line(row))
    return {r["prescription_id"]: _prescription(r, lines[r["prescription_id"]]) for r in rows}


def versions(cur: Cursor, rx_number: int) -> list[tuple[str, int, str]]:
    """(prescription_id, version_no, status) of every version, oldest first."""
    return cur.execute(
        "SELECT prescription_id, version_no, status FROM rx_prescriptions WHERE rx_number = ? "
        "ORDER BY version_no",
        [rx_number],
    ).fetchall()


def open_correction(cur: Cursor, prescription_id: str) -> str | None:
    row = cur.execute(
        "SELECT prescription_id FROM rx_prescriptions WHERE supersedes_id = ? AND status = 'draft'",
        [prescription_id],
    ).fetchone()
    return row[0] if row else None


def patient_prescriptions(cur: Cursor, patient_id: str) -> list[dict]:
    return _dicts(
        cur.execute(
            """SELECT prescription_id, protocol_name, cycle_no, cycle_start_date, status,
                      version_no, prescriber_name
               FROM rx_prescriptions WHERE patient_id = ?
               ORDER BY cycle_start_date DESC, rx_number DESC, version_no DESC""",
            [patient_id],
        )
    )


# --- notes --------------------------------------------------------------------------------


def insert_note(
    cur: Cursor, patient_id: str, prescription_id: str | None, text: str, at: datetime, author
) -> int:
    return cur.execute(
        """INSERT INTO notes (patient_id, prescription_id, text, written_at, author, author_name,
               author_role) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING note_id""",
        [
            patient_id,
            prescription_id,
            text,
            at,
            author.username,
            author.display_name,
            author.role_label,
        ],
    ).fetchone()[0]


def notes_for(cur: Cursor, patient_id: str) -> list[Note]:
    """Every note on the patient and on the patient's prescriptions, latest first."""
    return [
        Note(**r)
        for r in _dicts(
            cur.execute(
                """SELECT note_id, patient_id, prescription_id, text, written_at, author_name,
                          author_role
                   FROM notes WHERE patient_id = ? ORDER BY written_at DESC, note_id DESC""",
                [patient_id],
            )
        )
    ]


# --- row <-> model ------------------------------------------------------------------------


def _rx_values(rx: Prescription) -> list:
    return [
        rx.prescription_id,
        rx.rx_number,
        rx.version_no,
        rx.supersedes_id,
        rx.patient_id,
        rx.protocol_id,
        rx.protocol_name,
        rx.cycle_length_days,
        rx.cycle_no,
        rx.cycle_start_date,
        rx.ward_id,
        rx.prescriber.staff_id,
        rx.prescriber.name,
        rx.prescriber.transcribed,
        rx.status.value,
        rx.dosing.model_dump_json(),
        rx.created_at,
        rx.created_by,
        rx.created_by_name,
        rx.signed_at,
        rx.signed_by,
        rx.status_reason,
        rx.status_changed_at,
        rx.status_changed_by,
        rx.snapshot_prescription_id,
    ]


def _line_values(line: Line) -> list:
    data = line.model_dump(exclude={"derivation"})
    derivation = line.derivation.model_dump_json() if line.derivation else None
    names = [n.strip() for n in LINE_COLUMNS.split(",")]
    return [derivation if n == "derivation_json" else data[n] for n in names]


def _prescription(row: dict, lines: list[Line]) -> Prescription:
    prescriber = Prescriber(
        staff_id=row.pop("prescriber_staff_id"),
        name=row.pop("prescriber_name"),
        transcribed=row.pop("transcribed"),
    )
    dosing = DosingInputs.model_validate_json(row.pop("dosing_json"))
    return Prescription(**row, prescriber=prescriber, dosing=dosing, lines=lines)


def _line(row: dict) -> Line:
    derivation = row.pop("derivation_json")
    return Line(
        **row, derivation=LineDose.model_validate(json.loads(derivation)) if derivation else None
    )


# --- the lists of the day and the days to come ---------------------------------------------

# One row per prescription and day: the fallback's own (not cancelled, not replaced) and the
# snapshot's (prescribed before the outage for the days to come).
WORKLIST_SQL = """WITH own AS (
    SELECT l.planned_date, p.ward_id, p.patient_id, p.protocol_name, p.cycle_no, l.day_no,
           p.prescription_id, 'secours' AS source, p.status, p.prescriber_name,
           p.snapshot_prescription_id AS continues, p.status_reason,
           string_agg(DISTINCT CASE WHEN l.line_kind = 'chemotherapy' THEN l.drug_inn END, ', '
                      ORDER BY CASE WHEN l.line_kind = 'chemotherapy' THEN l.drug_inn END)
               AS drugs
    FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
    WHERE p.status NOT IN ('cancelled', 'superseded')
      AND CASE WHEN ? THEN p.status = 'change_requested'  -- the prescriber's work, any day
               ELSE l.planned_date BETWEEN ? AND ? END
    GROUP BY ALL
), snapshot AS (
    SELECT l.planned_date, p.ward_id, p.patient_id, pr.name AS protocol_name, p.cycle_no,
           l.day_no, p.prescription_id, 'instantané' AS source, p.status,
           concat_ws(' ', 'Dr', s.first_name, upper(s.last_name)) AS prescriber_name,
           NULL AS continues, NULL AS status_reason,
           string_agg(DISTINCT d.inn, ', ' ORDER BY d.inn) AS drugs
    FROM ref.prescription_lines l
    JOIN ref.prescriptions p ON p.prescription_id = l.prescription_id
    LEFT JOIN ref.protocols pr ON pr.protocol_id = p.protocol_id
    LEFT JOIN ref.staff s ON s.staff_id = p.prescriber_id
    LEFT JOIN ref.drugs d ON d.drug_id = l.drug_id
    WHERE NOT ? AND p.status <> 'cancelled' AND l.status <> 'cancelled'
      AND l.planned_date BETWEEN ? AND ?
      AND p.prescription_id NOT IN (  -- taken over: the fallback's row stands for it
          SELECT snapshot_prescription_id FROM rx_prescriptions
          WHERE snapshot_prescription_id IS NOT NULL
            AND status NOT IN ('cancelled', 'superseded'))
    GROUP BY ALL
)
SELECT x.*, w.name AS ward_name,
       coalesce(upper(rp.last_name) || ' ' || rp.first_name,
                upper(lp.last_name) || ' ' || lp.first_name, x.patient_id) AS patient_name,
       coalesce(rp.birth_date, lp.birth_date) AS birth_date
FROM (SELECT * FROM own UNION ALL SELECT * FROM snapshot) x
LEFT JOIN ref.wards w ON w.ward_id = x.ward_id
LEFT JOIN ref.patients rp ON rp.patient_id = x.patient_id
LEFT JOIN local_patients lp ON lp.patient_id = x.patient_id
WHERE ? IS NULL OR x.ward_id = ?
ORDER BY x.planned_date, ward_name NULLS LAST, patient_name, x.prescription_id, x.day_no"""


def worklist_rows(
    cur: Cursor, first: date, last: date, ward_id: str | None, change_requested: bool = False
) -> list[dict]:
    """The days between `first` and `last`; with `change_requested`, only the fallback's
    prescriptions the pharmacy sent back for a change, whatever their days."""
    flag = bool(change_requested)
    return _dicts(
        cur.execute(WORKLIST_SQL, [flag, first, last, flag, first, last, ward_id, ward_id])
    )


def change_requested_count(cur: Cursor, ward_id: str | None) -> int:
    return cur.execute(
        "SELECT count(*) FROM rx_prescriptions WHERE status = 'change_requested' "
        "AND (? IS NULL OR ward_id = ?)",
        [ward_id, ward_id],
    ).fetchone()[0]


def signature_text(cur: Cursor, prescription_id: str) -> str | None:
    """The prescription's electronic signature as printed ("Prescrit par … le …")."""
    from chemo_fallback.auth.signature import Signature  # the signature service's own model

    row = cur.execute(
        "SELECT * FROM signatures WHERE record_type = 'prescription' AND record_id = ? "
        "AND meaning IN ('prescrit', 'transcrit') ORDER BY signature_id DESC LIMIT 1",
        [prescription_id],
    ).fetchone()
    return Signature(*row).manifestation() if row else None


def snapshot_prescription(cur: Cursor, prescription_id: str) -> dict | None:
    """A production prescription of the snapshot: its lines still to give ("lines": status
    planned or validated; what the production decided: dose, date and modification of each),
    the cycle days they fall on ("days"), and the lines it already gave or prepared ("given":
    status prepared or administered), day by day. A take-over continues only "lines": a line
    given stays in the snapshot's history (cumulative doses, duplicates), never given twice."""
    rows = _dicts(
        cur.execute(
            """SELECT p.prescription_id, p.patient_id, p.protocol_id, p.cycle_no,
                      p.cycle_start_date, p.prescriber_id, p.ward_id, p.status
               FROM ref.prescriptions p WHERE p.prescription_id = ?""",
            [prescription_id],
        )
    )
    if not rows:
        return None
    lines = _dicts(
        cur.execute(
            """SELECT line_id, protocol_line_no, drug_id, day_no, planned_date, dose, dose_unit,
                      modification_pct, modification_reason, status
               FROM ref.prescription_lines
               WHERE prescription_id = ? AND status <> 'cancelled'
               ORDER BY day_no, protocol_line_no NULLS LAST, line_id""",
            [prescription_id],
        )
    )
    to_give = [line for line in lines if line["status"] in ("planned", "validated")]
    given = [line for line in lines if line["status"] in ("prepared", "administered")]
    return {
        **rows[0],
        "days": sorted({line["day_no"] for line in to_give}),
        "lines": to_give,
        "given": given,
    }


def cytotoxic_markers(cur: Cursor, drug_id: str) -> dict:
    """What marks a drug as a chemotherapy in the snapshot (rules.line_kind_mismatch): the
    protocols that give it as a chemotherapy line, its lifetime cumulative limit and its
    concentration limits. A column an older reference database lacks reads as not given."""
    columns = ("cumulative_limit", "final_conc_min", "final_conc_max")
    select = ", ".join(c if _ref_has(cur, "drugs", c) else f"NULL AS {c}" for c in columns)
    row = _dicts(cur.execute(f"SELECT {select} FROM ref.drugs WHERE drug_id = ?", [drug_id]))
    protocols = [
        r[0]
        for r in cur.execute(
            """SELECT DISTINCT protocol_id FROM ref.protocol_lines
               WHERE drug_id = ? AND line_kind = 'chemotherapy' ORDER BY protocol_id""",
            [drug_id],
        ).fetchall()
    ]
    return {**(row[0] if row else dict.fromkeys(columns)), "chemotherapy_in": protocols}


def taken_over(cur: Cursor, snapshot_prescription_id: str) -> str | None:
    """The fallback prescription continuing this production one, if any is still alive."""
    row = cur.execute(
        """SELECT prescription_id FROM rx_prescriptions
           WHERE snapshot_prescription_id = ? AND status NOT IN ('cancelled', 'superseded')
           ORDER BY version_no DESC LIMIT 1""",
        [snapshot_prescription_id],
    ).fetchone()
    return row[0] if row else None


# --- who signed and decided what (read only; the validation module writes decisions) -------


def signatures_of(cur: Cursor, prescription_id: str) -> list[SignatureShown]:
    """Every electronic signature bound to the prescription, oldest first."""
    from chemo_fallback.auth.signature import Signature  # the signature service's own model

    rows = cur.execute(
        "SELECT * FROM signatures WHERE record_type = 'prescription' AND record_id = ? "
        "ORDER BY signed_at, signature_id",
        [prescription_id],
    ).fetchall()
    shown = []
    for row in rows:
        signature = Signature(*row)
        shown.append(
            SignatureShown(
                display_name=signature.display_name,
                role=signature.role,
                signed_at=signature.signed_at,
                meaning=signature.meaning,
                text=signature.manifestation(),
            )
        )
    return shown


DECISIONS_SQL = """SELECT prescription_id, decision, pharmacist_name, decided_at, reason,
       intervention_code, findings_json, overrides_json, single_pharmacist
FROM validation_decisions WHERE prescription_id IN (SELECT unnest(?::VARCHAR[]))
ORDER BY decided_at, decision_id"""


def _intervention_labels() -> dict[str, str]:
    """The SFPC labels of intervention codes, owned by the validation module (read lazily: the
    validation module imports this one)."""
    from chemo_fallback.modules.validation import decisions as validation

    return dict(getattr(validation, "INTERVENTION_CODES", {}))


def _lifted(findings_json: str, overrides_json: str) -> list[LiftedPoint]:
    messages = {}
    for finding in json.loads(findings_json or "[]"):
        key = f"{finding['code']}:{finding['line_id']}" if finding.get("line_id") else finding[
            "code"]
        messages[key] = finding.get("message") or finding["code"]
    return [
        LiftedPoint(key=o["key"], message=messages.get(o["key"], o["key"]), reason=o["reason"])
        for o in json.loads(overrides_json or "[]")
    ]


def decisions_of(cur: Cursor, prescription_ids: list[str]) -> list[DecisionShown]:
    """The pharmacists' decisions on these prescriptions, oldest first, each with the blocking
    findings it lifted and their reasons."""
    if not prescription_ids:
        return []
    labels = _intervention_labels()
    return [
        DecisionShown(
            prescription_id=row["prescription_id"],
            decision=row["decision"],
            pharmacist_name=row["pharmacist_name"],
            decided_at=row["decided_at"],
            reason=row["reason"],
            intervention_code=row["intervention_code"],
            intervention_label=labels.get(row["intervention_code"] or ""),
            lifted=_lifted(row["findings_json"], row["overrides_json"]),
            single_pharmacist=bool(row["single_pharmacist"]),
        )
        for row in _dicts(cur.execute(DECISIONS_SQL, [list(prescription_ids)]))
    ]


def go_aheads_of(cur: Cursor, prescription_id: str) -> list[GoAheadShown]:
    rows = _dicts(
        cur.execute(
            """SELECT day_no, planned_date, given_by, given_at, recorded_by_name, recorded_at,
                      comment
               FROM go_aheads WHERE prescription_id = ? ORDER BY day_no, go_ahead_id""",
            [prescription_id],
        )
    )
    return [GoAheadShown(**row) for row in rows]
