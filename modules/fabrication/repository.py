"""The fabrication module's SQL: the validated lines to prepare, the snapshot's drugs and
products (`ref`), the preparations with their register numbers, the vials scanned into them and
the reliquats; writes happen in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from chemo_fallback.modules.fabrication.models import DrugPreparationData, OpenedVial, Product
from chemo_fallback.store.rows import dicts, insert, update

Cursor = duckdb.DuckDBPyConnection
COMPOUNDED_FORMS = ("solution", "poudre")
LIVE = ("sheet_printed", "in_progress", "prepared", "controlled")


def lines_to_prepare(cur: Cursor, day: date) -> list[dict]:
    """Every line of a validated prescription planned on `day` with a dose of a drug that has a
    compounded product (solution or powder), not oral: what the preparers make."""
    cur.execute(
        f"""SELECT l.line_id, l.prescription_id, l.line_no, l.day_no, l.planned_date,
                   l.drug_id, l.drug_inn, l.route, l.duration_min, l.diluent, l.volume_ml,
                   l.container, l.final_dose, l.dose_unit, l.line_kind,
                   p.patient_id, p.ward_id, p.prescriber_name, p.protocol_name, p.cycle_no,
                   p.rx_number, p.version_no
            FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
            WHERE p.status = 'validated' AND l.planned_date = ? AND l.final_dose IS NOT NULL
              AND l.drug_id IS NOT NULL AND coalesce(l.route, '') <> 'PO'
              AND l.drug_id IN (SELECT drug_id FROM ref.products
                                WHERE form IN {COMPOUNDED_FORMS})
            ORDER BY p.ward_id NULLS LAST, l.drug_id, p.patient_id, l.line_no""",
        [day],
    )
    return dicts(cur)


def drugs(cur: Cursor, drug_ids: list[str]) -> dict[str, DrugPreparationData]:
    if not drug_ids:
        return {}
    cur.execute("SELECT * FROM ref.drugs WHERE drug_id IN (SELECT unnest(?))", [drug_ids])
    return {r["drug_id"]: DrugPreparationData.from_row(r) for r in dicts(cur)}


def products(cur: Cursor, drug_ids: list[str]) -> dict[str, list[Product]]:
    found: dict[str, list[Product]] = {d: [] for d in drug_ids}
    if not drug_ids:
        return found
    cur.execute(
        "SELECT * FROM ref.products WHERE drug_id IN (SELECT unnest(?)) ORDER BY product_id",
        [drug_ids],
    )
    for row in dicts(cur):
        found[row["drug_id"]].append(Product.from_row(row))
    return found


def usable_reliquats(cur: Cursor, product_ids: list[str], at: datetime) -> list[OpenedVial]:
    """Open reliquats of these products still within their in-use stability at `at`; an
    expired one is never offered."""
    if not product_ids:
        return []
    cur.execute(
        """SELECT reliquat_id, product_id, lot, amount, opened_at, usable_until
           FROM fab_reliquats
           WHERE status IN ('open', 'kept') AND amount > 0 AND usable_until > ?
             AND product_id IN (SELECT unnest(?))
           ORDER BY usable_until, reliquat_id""",
        [at, product_ids],
    )
    return [
        OpenedVial(str(r["reliquat_id"]), r["product_id"], r["lot"], r["amount"],
                   r["opened_at"], r["usable_until"])
        for r in dicts(cur)
    ]


def live_preparations(cur: Cursor, line_ids: list[str]) -> dict[str, dict]:
    """The preparation of each line that is not cancelled (at most one per line)."""
    if not line_ids:
        return {}
    cur.execute(
        f"""SELECT * FROM fab_preparations
            WHERE status IN {LIVE} AND line_id IN (SELECT unnest(?))""",
        [line_ids],
    )
    return {r["line_id"]: r for r in dicts(cur)}


def preparation(cur: Cursor, preparation_id: str) -> dict | None:
    cur.execute("SELECT * FROM fab_preparations WHERE preparation_id = ?", [preparation_id])
    rows = dicts(cur)
    return rows[0] if rows else None


def go_ahead_days(cur: Cursor, prescription_ids: list[str]) -> set[tuple[str, int]]:
    if not prescription_ids:
        return set()
    return {
        (r[0], r[1])
        for r in cur.execute(
            "SELECT prescription_id, day_no FROM go_aheads "
            "WHERE prescription_id IN (SELECT unnest(?))",
            [prescription_ids],
        ).fetchall()
    }


def next_register_no(cur: Cursor) -> int:
    """The register continues from the last number of the snapshot's history or of the
    fallback, whichever is higher. Called in the transaction that inserts the preparation,
    under the store's writer lock: two workstations printing at once get consecutive numbers."""
    history = cur.execute("SELECT max(register_no) FROM ref.preparations").fetchone()[0]
    own = cur.execute("SELECT max(register_no) FROM fab_preparations").fetchone()[0]
    return max(history or 0, own or 0) + 1


def insert_preparation(cur: Cursor, values: dict) -> None:
    insert(cur, "fab_preparations", values)


def update_preparation(cur: Cursor, preparation_id: str, values: dict) -> None:
    update(cur, "fab_preparations", "preparation_id", preparation_id, values)


def scans(cur: Cursor, preparation_id: str) -> list[dict]:
    cur.execute(
        "SELECT * FROM fab_vial_scans WHERE preparation_id = ? ORDER BY scan_id",
        [preparation_id],
    )
    return dicts(cur)


def used_serials(cur: Cursor) -> set[tuple[str, str]]:
    return {
        (r[0], r[1])
        for r in cur.execute(
            "SELECT gtin, serial FROM fab_vial_scans WHERE serial IS NOT NULL"
        ).fetchall()
    }


def known_lot_expiry(cur: Cursor, product_id: str, lot: str) -> date | None:
    """An expiry already known for the lot: the snapshot's stock, or an earlier scan."""
    row = cur.execute(
        """SELECT expiry_date FROM ref.stock_lots WHERE product_id = ? AND lot = ?
           UNION ALL
           SELECT expiry FROM fab_vial_scans WHERE product_id = ? AND lot = ?
           LIMIT 1""",
        [product_id, lot, product_id, lot],
    ).fetchone()
    return row[0] if row else None


def insert_scan(cur: Cursor, values: dict) -> int:
    return insert(cur, "fab_vial_scans", values, returning="scan_id")


def insert_reliquat(cur: Cursor, values: dict) -> int:
    return insert(cur, "fab_reliquats", values, returning="reliquat_id")


def reliquat(cur: Cursor, reliquat_id: int) -> dict | None:
    cur.execute("SELECT * FROM fab_reliquats WHERE reliquat_id = ?", [reliquat_id])
    rows = dicts(cur)
    return rows[0] if rows else None


def update_reliquat(cur: Cursor, reliquat_id: int, values: dict) -> None:
    update(cur, "fab_reliquats", "reliquat_id", reliquat_id, values)


def open_reliquats(cur: Cursor) -> list[dict]:
    """Every reliquat not yet used up or discarded, for the end-of-day list."""
    cur.execute(
        """SELECT r.*, p.name AS product_name
           FROM fab_reliquats r LEFT JOIN ref.products p USING (product_id)
           WHERE r.status IN ('open', 'kept') ORDER BY r.usable_until, r.reliquat_id"""
    )
    return dicts(cur)


def register_entries(cur: Cursor, first: date, last: date) -> list[dict]:
    """The register's entries whose preparation was created in [first, last], by number."""
    cur.execute(
        """SELECT * FROM fab_preparations
           WHERE CAST(created_at AS DATE) BETWEEN ? AND ? ORDER BY register_no""",
        [first, last],
    )
    return dicts(cur)
