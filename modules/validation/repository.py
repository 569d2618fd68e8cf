"""The validation module's SQL: what the checks need for many prescriptions at once (a day's
worklist is hundreds), read in a handful of batch queries over the snapshot (`ref`) and the
fallback's records; and the decisions and "feu vert" written in the caller's transaction."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from chemo_fallback.modules.prescription.models import Prescription
from chemo_fallback.modules.validation.models import (
    DrugLimits,
    Finding,
    GivenDose,
    LabValue,
    Override,
    PreviousCycle,
    ProtocolThresholds,
    RejectedLab,
)

Cursor = duckdb.DuckDBPyConnection
LAB_TESTS = ["PNN", "PLQ", "CREAT", "CLCR"]
LABS_PER_TEST = 3  # the latest few of each test are enough to judge freshness


def _dicts(cur: Cursor) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def awaiting_ids(
    cur: Cursor, first_day: date | None = None, ward_id: str | None = None
) -> list[str]:
    """Every signed prescription awaiting validation (late ones included, whatever their
    dates), most urgent first: earliest first day of administration, then the oldest
    signature. `first_day` and `ward_id` narrow it to one day, one ward."""
    return [
        r[0]
        for r in cur.execute(
            """SELECT p.prescription_id
               FROM rx_prescriptions p JOIN rx_lines l USING (prescription_id)
               WHERE p.status = 'signed' AND (? IS NULL OR p.ward_id = ?)
               GROUP BY p.prescription_id, p.signed_at
               HAVING (CAST(? AS DATE) IS NULL OR min(l.planned_date) = ?)
               ORDER BY min(l.planned_date), p.signed_at, p.prescription_id""",
            [ward_id, ward_id, first_day, first_day],
        ).fetchall()
    ]


def patient_names(cur: Cursor, patient_ids: list[str]) -> dict[str, str]:
    """"DUPONT Marie" for each IPP, from the snapshot or the patients created in the outage."""
    rows = cur.execute(
        """SELECT patient_id, upper(last_name) || ' ' || first_name FROM ref.patients
           WHERE patient_id IN (SELECT unnest(?::VARCHAR[]))
           UNION ALL
           SELECT patient_id, upper(last_name) || ' ' || first_name FROM local_patients
           WHERE patient_id IN (SELECT unnest(?::VARCHAR[]))""",
        [patient_ids, patient_ids],
    ).fetchall()
    return dict(rows)


def protocol_thresholds(cur: Cursor, protocol_ids: list[str]) -> dict[str, ProtocolThresholds]:
    rows = _dicts(
        cur.execute(
            """SELECT protocol_id, cycle_length_days, anc_min_g_l, platelets_min_g_l,
                      clearance_min_ml_min
               FROM ref.protocols WHERE protocol_id IN (SELECT unnest(?::VARCHAR[]))""",
            [protocol_ids],
        )
    )
    return {r["protocol_id"]: ProtocolThresholds(**r) for r in rows}


def drug_limits(cur: Cursor) -> dict[str, DrugLimits]:
    rows = _dicts(
        cur.execute(
            """SELECT drug_id, inn, cumulative_limit, cumulative_limit_unit, final_conc_min,
                      final_conc_max, dose_unit, ui_per_mg FROM ref.drugs"""
        )
    )
    return {r["drug_id"]: DrugLimits(**r) for r in rows}


def chemotherapy_drugs(cur: Cursor) -> frozenset[str]:
    """The drugs the thesaurus gives as chemotherapy on some protocol line."""
    rows = cur.execute(
        "SELECT DISTINCT drug_id FROM ref.protocol_lines "
        "WHERE line_kind = 'chemotherapy' AND drug_id IS NOT NULL"
    ).fetchall()
    return frozenset(r[0] for r in rows)


def previous_cycles(cur: Cursor, patient_ids: list[str]) -> dict[str, list[PreviousCycle]]:
    """Every cycle of these patients, snapshot and fallback (not cancelled, not replaced,
    not drafts), most recent first."""
    found: dict[str, list[PreviousCycle]] = {p: [] for p in patient_ids}
    rows = cur.execute(
        """SELECT patient_id, prescription_id, protocol_id, cycle_no, cycle_start_date,
                  height_cm, weight_kg, bsa_m2, 'instantané' AS source,
                  (SELECT min(l.planned_date) FROM ref.prescription_lines l
                   WHERE l.prescription_id = p.prescription_id AND l.status <> 'cancelled'),
                  (SELECT t.name FROM ref.protocols t WHERE t.protocol_id = p.protocol_id)
           FROM ref.prescriptions p
           WHERE patient_id IN (SELECT unnest(?::VARCHAR[])) AND status <> 'cancelled'
           UNION ALL
           SELECT p.patient_id, p.prescription_id, p.protocol_id, p.cycle_no,
                  p.cycle_start_date,
                  TRY_CAST(json_extract_string(p.dosing_json, '$.height.value') AS DOUBLE),
                  TRY_CAST(json_extract_string(p.dosing_json, '$.weight.value') AS DOUBLE),
                  (SELECT max(TRY_CAST(json_extract_string(l.derivation_json, '$.bsa_m2')
                                       AS DOUBLE))
                   FROM rx_lines l WHERE l.prescription_id = p.prescription_id),
                  'secours',
                  (SELECT min(l.planned_date) FROM rx_lines l
                   WHERE l.prescription_id = p.prescription_id),
                  p.protocol_name
           FROM rx_prescriptions p
           WHERE p.patient_id IN (SELECT unnest(?::VARCHAR[]))
             AND p.status IN ('signed', 'validated')
           ORDER BY cycle_start_date DESC, cycle_no DESC""",
        [patient_ids, patient_ids],
    ).fetchall()
    for patient_id, *values in rows:
        fields = ("prescription_id", "protocol_id", "cycle_no", "cycle_start_date",
                  "height_cm", "weight_kg", "bsa_m2", "source", "first_day", "protocol_name")
        found[patient_id].append(PreviousCycle(**dict(zip(fields, values, strict=True))))
    return found


def given_doses(cur: Cursor, patient_ids: list[str]) -> dict[str, list[GivenDose]]:
    """Every dose of these patients' prescriptions (snapshot and fallback), cancelled ones
    and replaced versions left out. With each, what its full dose was computed from (basis,
    protocol dose, BSA, weight, GFR), so that a reduction not recorded as a percentage can be
    seen (checks_history): the snapshot's from its protocol line, the fallback's from its
    derivation."""
    found: dict[str, list[GivenDose]] = {p: [] for p in patient_ids}
    rows = cur.execute(
        """WITH rx AS (
               SELECT prescription_id, patient_id, protocol_id, bsa_m2, weight_kg
               FROM ref.prescriptions
               WHERE patient_id IN (SELECT unnest(?::VARCHAR[])) AND status <> 'cancelled')
           SELECT rx.patient_id, l.prescription_id, l.drug_id, l.planned_date, l.dose,
                  l.dose_unit, rx.bsa_m2, l.status, 'instantané' AS source,
                  l.modification_pct, l.protocol_line_no,
                  pl.dose_basis, pl.dose, rx.weight_kg, CAST(NULL AS DOUBLE),
                  l.modification_reason
           FROM ref.prescription_lines l JOIN rx USING (prescription_id)
           LEFT JOIN ref.protocol_lines pl
             ON pl.protocol_id = rx.protocol_id AND pl.line_no = l.protocol_line_no
                AND pl.drug_id = l.drug_id
           WHERE l.status <> 'cancelled'
           UNION ALL
           SELECT p.patient_id, l.prescription_id, l.drug_id, l.planned_date, l.final_dose,
                  l.dose_unit,
                  TRY_CAST(json_extract_string(l.derivation_json, '$.bsa_m2') AS DOUBLE),
                  p.status, 'secours', l.modification_pct, l.protocol_line_no,
                  l.dose_basis, l.protocol_dose,
                  TRY_CAST(json_extract_string(l.derivation_json, '$.weight_kg') AS DOUBLE),
                  TRY_CAST(json_extract_string(l.derivation_json, '$.gfr_ml_min') AS DOUBLE),
                  l.modification_reason
           FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
           WHERE p.patient_id IN (SELECT unnest(?::VARCHAR[]))
             AND p.status IN ('signed', 'validated') AND l.final_dose IS NOT NULL
             AND l.drug_id IS NOT NULL""",
        [patient_ids, patient_ids],
    ).fetchall()
    fields = ("prescription_id", "drug_id", "planned_date", "dose", "dose_unit", "bsa_m2",
              "status", "source", "modification_pct", "protocol_line_no", "dose_basis",
              "protocol_dose", "weight_kg", "gfr_ml_min", "modification_reason")
    for patient_id, *values in rows:
        found[patient_id].append(GivenDose(**dict(zip(fields, values, strict=True))))
    return found


# The same lab results the patient record shows and doses use: the snapshot's, those entered
# in the fallback (not replaced; as typed, the checks normalise both alike) and the creatinine
# recorded as a measurement before it became a lab result (µmol/L, dated at midnight).
RECENT_LABS_SQL = """WITH labs AS (
    SELECT patient_id, test_code, value, unit, sampled_at, 'instantané' AS source,
           lab_id AS reference
    FROM ref.lab_results
    WHERE patient_id IN (SELECT unnest(?::VARCHAR[]))
    UNION ALL
    SELECT r.patient_id, r.test_code, r.value, r.unit, r.sampled_at, 'secours',
           CAST(r.lab_record_id AS VARCHAR)
    FROM patient_lab_results r
    WHERE r.patient_id IN (SELECT unnest(?::VARCHAR[]))
      AND NOT EXISTS (SELECT 1 FROM patient_lab_results n WHERE n.replaces_id = r.lab_record_id)
    UNION ALL
    SELECT m.patient_id, 'CREAT', m.value, m.unit, CAST(m.measured_on AS TIMESTAMP),
           'secours (mesure)', CAST(m.measurement_id AS VARCHAR)
    FROM patient_measurements m
    WHERE m.kind = 'creatinine' AND m.patient_id IN (SELECT unnest(?::VARCHAR[]))
      AND NOT EXISTS (SELECT 1 FROM patient_measurements n WHERE n.replaces_id = m.measurement_id)
      AND NOT EXISTS (SELECT 1 FROM patient_lab_results n
                      WHERE n.replaces_measurement_id = m.measurement_id))
SELECT patient_id, test_code, value, unit, sampled_at, source, reference FROM labs
WHERE test_code IN (SELECT unnest(?::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY patient_id, test_code
                           ORDER BY sampled_at DESC, source) <= ?
ORDER BY patient_id, sampled_at DESC, test_code"""


def recent_labs(cur: Cursor, patient_ids: list[str]) -> dict[str, list[LabValue]]:
    """The latest few results of each test the checks use, snapshot and fallback together."""
    found: dict[str, list[LabValue]] = {p: [] for p in patient_ids}
    rows = cur.execute(
        RECENT_LABS_SQL, [patient_ids, patient_ids, patient_ids, LAB_TESTS, LABS_PER_TEST]
    ).fetchall()
    fields = ("test_code", "value", "unit", "sampled_at", "source", "reference")
    for patient_id, *values in rows:
        found[patient_id].append(LabValue(**dict(zip(fields, values, strict=True))))
    return found


# What a pharmacist did to a prescription, or to a version a corrected one copies, that makes
# them no independent checker of it (independence.own_part). Reviewing it (validation, refusal,
# intervention, feu vert) is not authoring.
AUTHORING_ACTIONS = (
    "prescription.draft_created",
    "prescription.correction_started",
    "prescription.dose_modified",
    "prescription.line_added",
    "prescription.recomputed",
    "prescription.indication_set",
    "prescription.day_moved",
    "prescription.signed",
)


def authoring(cur: Cursor, rx: Prescription) -> list[dict]:
    """Who authored what on this prescription and on the versions it copies (same rx_number,
    version up to this one), from the audit trail: rows of {actor, action, prescription_id,
    version_no}, oldest first."""
    rows = cur.execute(
        """SELECT a.actor, a.action, v.prescription_id, v.version_no
           FROM audit_log a JOIN rx_prescriptions v ON v.prescription_id = a.record_id
           WHERE a.record_type = 'prescription' AND v.rx_number = ? AND v.version_no <= ?
             AND a.action IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY a.audit_id""",
        [rx.rx_number, rx.version_no, list(AUTHORING_ACTIONS)],
    ).fetchall()
    names = ("actor", "action", "prescription_id", "version_no")
    return [dict(zip(names, row, strict=True)) for row in rows]


REJECTED_LABS_TABLE = "lab_result_rejects"  # written by the activation (snapshot/tables.py)


def rejected_labs(cur: Cursor, patient_ids: list[str]) -> dict[str, list[RejectedLab]]:
    """These patients' lab results of the tests the checks use that the activation rejected
    (as read, with the reasons), so that checks_rejected blocks on one newer than the result
    compared. A reference database activated before this table existed has none to give."""
    found: dict[str, list[RejectedLab]] = {p: [] for p in patient_ids}
    present = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'ref' "
        "AND table_name = ?",
        [REJECTED_LABS_TABLE],
    ).fetchone()[0]
    if not present:
        return found
    rows = cur.execute(
        f"""SELECT trim(patient_id), upper(trim(test_code)), value, value_parsed, unit,
                   sampled_at_parsed, sampled_at, reason, lab_id
            FROM ref.{REJECTED_LABS_TABLE}
            WHERE trim(patient_id) IN (SELECT unnest(?::VARCHAR[]))
              AND upper(trim(test_code)) IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY sampled_at_parsed DESC NULLS FIRST, lab_id""",
        [patient_ids, LAB_TESTS],
    ).fetchall()
    fields = ("test_code", "value_text", "value", "unit", "sampled_at", "sampled_at_text",
              "reason", "reference")
    for patient_id, *values in rows:
        found[patient_id].append(RejectedLab(**dict(zip(fields, values, strict=True))))
    return found


# --- decisions and "feu vert" -------------------------------------------------------------


def insert_decision(
    cur: Cursor,
    rx: Prescription,
    decision: str,
    user,
    at: datetime,
    findings: list[Finding],
    overrides: list[Override],
    *,
    reason: str | None = None,
    intervention_code: str | None = None,
    signature_id: int | None = None,
    single_pharmacist: bool = False,
) -> int:
    return cur.execute(
        """INSERT INTO validation_decisions (prescription_id, decision, pharmacist,
               pharmacist_name, decided_at, reason, intervention_code, findings_json,
               overrides_json, signature_id, single_pharmacist)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING decision_id""",
        [
            rx.prescription_id,
            decision,
            user.username,
            user.display_name,
            at,
            reason,
            intervention_code,
            json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False),
            json.dumps([o.model_dump() for o in overrides], ensure_ascii=False),
            signature_id,
            single_pharmacist,
        ],
    ).fetchone()[0]


def decisions(cur: Cursor, prescription_id: str) -> list[dict]:
    """The decisions on the prescription, oldest first: each with the findings shown when it
    was taken (`findings`, Finding), the overrides signed with it (`overrides`, Override) and
    the meaning of its signature (None: a refusal or a request for a change, unsigned)."""
    rows = _dicts(
        cur.execute(
            """SELECT d.decision_id, d.decision, d.pharmacist, d.pharmacist_name, d.decided_at,
                      d.reason, d.intervention_code, d.findings_json, d.overrides_json,
                      d.single_pharmacist, s.meaning AS signature_meaning
               FROM validation_decisions d LEFT JOIN signatures s USING (signature_id)
               WHERE d.prescription_id = ? ORDER BY d.decision_id""",
            [prescription_id],
        )
    )
    for row in rows:
        row["findings"] = [Finding(**f) for f in json.loads(row["findings_json"] or "[]")]
        row["overrides"] = [Override(**o) for o in json.loads(row["overrides_json"] or "[]")]
    return rows


def insert_go_ahead(
    cur: Cursor, rx: Prescription, day_no: int, planned: date, given_by: str,
    given_at: datetime, user, at: datetime, comment: str | None,
) -> int:
    return cur.execute(
        """INSERT INTO go_aheads (prescription_id, day_no, planned_date, given_by, given_at,
               recorded_by, recorded_by_name, recorded_at, comment)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING go_ahead_id""",
        [rx.prescription_id, day_no, planned, given_by, given_at, user.username,
         user.display_name, at, comment],
    ).fetchone()[0]


def go_aheads(cur: Cursor, prescription_id: str) -> list[dict]:
    return _dicts(
        cur.execute(
            """SELECT go_ahead_id, day_no, planned_date, given_by, given_at, recorded_by_name,
                      recorded_at, comment
               FROM go_aheads WHERE prescription_id = ? ORDER BY day_no, go_ahead_id""",
            [prescription_id],
        )
    )
