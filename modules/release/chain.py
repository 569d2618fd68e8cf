"""The whole chain of a preparation, from the isolator to the bedside, as one status every page
shows: fiche imprimée → en cours → préparée → contrôlée → libérée (or rejetée) → dispensée →
reçue → administrée / administrée en partie / non administrée. Read from the records of each
step (fabrication, release, dispensing, administration); nothing here writes."""

from __future__ import annotations

import duckdb

CHAIN_LABELS = {
    "to_prepare": "à préparer",
    "sheet_printed": "fiche imprimée",
    "in_progress": "en cours",
    "prepared": "préparée",
    "controlled": "contrôlée",
    "released": "libérée",
    "rejected": "rejetée",
    "dispensed": "dispensée",
    "received": "reçue",
    "given": "administrée",
    "partial": "administrée en partie",
    "not_given": "non administrée",
    "incident": "incident à l'administration",
    "cancelled": "annulée",
}

_CHAIN_SQL = """
WITH decision AS (
    SELECT preparation_id, arg_max(decision, decision_id) AS decision
    FROM rel_decisions GROUP BY preparation_id
), given AS (
    SELECT preparation_id, arg_max(outcome, record_id) AS outcome
    FROM adm_records r
    WHERE preparation_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM adm_records c WHERE c.replaces_id = r.record_id)
    GROUP BY preparation_id
)
SELECT p.preparation_id,
       CASE
           WHEN d.decision = 'rejected' THEN 'rejected'
           WHEN p.status = 'cancelled' THEN 'cancelled'
           WHEN g.outcome IS NOT NULL THEN g.outcome
           WHEN i.received_at IS NOT NULL THEN 'received'
           WHEN i.item_id IS NOT NULL THEN 'dispensed'
           WHEN d.decision = 'released' THEN 'released'
           ELSE p.status
       END
FROM fab_preparations p
LEFT JOIN decision d USING (preparation_id)
LEFT JOIN disp_items i USING (preparation_id)
LEFT JOIN given g USING (preparation_id)
WHERE p.preparation_id IN (SELECT unnest(?))
"""


def preparation_chain(cur: duckdb.DuckDBPyConnection, preparation_ids: list[str]) -> dict[str, str]:
    """Each preparation's status along the whole chain (a key of CHAIN_LABELS)."""
    if not preparation_ids:
        return {}
    return dict(cur.execute(_CHAIN_SQL, [preparation_ids]).fetchall())


def line_chain(cur: duckdb.DuckDBPyConnection, line_ids: list[str]) -> dict[str, tuple[str, str]]:
    """For each prescription line with a preparation not cancelled (the latest), its chain
    status and its preparation id; lines without are absent (not compounded, or not printed)."""
    if not line_ids:
        return {}
    rows = cur.execute(
        """SELECT line_id, arg_max(preparation_id, register_no) FROM fab_preparations
           WHERE line_id IN (SELECT unnest(?)) AND status <> 'cancelled' GROUP BY line_id""",
        [line_ids],
    ).fetchall()
    statuses = preparation_chain(cur, [r[1] for r in rows])
    return {line_id: (statuses[prep_id], prep_id) for line_id, prep_id in rows}


def label(status: str) -> str:
    return CHAIN_LABELS.get(status, status)


def _chain_rows(cur: duckdb.DuckDBPyConnection, where: str, value: str) -> list[dict]:
    rows = cur.execute(
        f"""SELECT p.preparation_id, p.register_no, p.line_id, p.prescription_id, p.drug_id,
                   p.dose, p.dose_unit, p.planned_date, p.expires_at,
                   json_extract_string(p.plan_json, '$.inn') AS inn
            FROM fab_preparations p WHERE p.{where} = ? ORDER BY p.register_no""",
        [value],
    ).fetchall()
    names = ("preparation_id", "register_no", "line_id", "prescription_id", "drug_id", "dose",
             "dose_unit", "planned_date", "expires_at", "inn")
    found = [dict(zip(names, r, strict=True)) for r in rows]
    statuses = preparation_chain(cur, [r["preparation_id"] for r in found])
    for row in found:
        row["chain"] = statuses[row["preparation_id"]]
        row["chain_label"] = label(row["chain"])
    return found


def preparations_of_prescription(store, user, prescription_id: str) -> list[dict]:
    """Every preparation of a prescription (rejected and cancelled ones too), with its chain
    status, for every role that reads prescriptions."""
    from chemo_fallback.auth.roles import Permission, require

    require(user.role, Permission.PRESCRIPTION_READ)
    return _chain_rows(store.cursor(), "prescription_id", prescription_id)


def preparations_of_patient(store, user, patient_id: str) -> list[dict]:
    """Every preparation made for a patient during the outage, with its chain status."""
    from chemo_fallback.auth.roles import Permission, require

    require(user.role, Permission.PATIENT_READ)
    return _chain_rows(store.cursor(), "patient_id", patient_id)
