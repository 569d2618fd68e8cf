"""The register (ordonnancier): one entry per preparation, by number, holding what the law asks
of a preparation record — number, date, prescriber, patient, full composition with quantities,
the lot and supplier of each vial and of the diluent, preparer and controller.

An entry is fixed when its preparation is controlled (`register_json`) and read from there on;
before, it is built from the records as they stand. A cancelled preparation keeps its entry,
marked; the line's next preparation is a new entry that points at it."""

from __future__ import annotations

import json
from datetime import date, datetime

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.modules.fabrication.dilution import diluent_label
from chemo_fallback.modules.fabrication.queue import STATUS_LABELS
from chemo_fallback.modules.validation.repository import patient_names
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.store import Store


def _lot_suppliers(cur, scans: list[dict]) -> dict[tuple[str, str], str]:
    """The supplier of each lot received here (ordering receptions): its own supplier."""
    pairs = sorted({(s["product_id"], s["lot"]) for s in scans})
    if not pairs:
        return {}
    rows = cur.execute(
        """SELECT m.product_id, m.lot, string_agg(DISTINCT s.name, ' ou ' ORDER BY s.name)
           FROM ord_stock_movements m JOIN ord_orders o USING (order_id)
           JOIN ref.suppliers s ON s.supplier_id = o.supplier_id
           WHERE m.cause = 'reception'
             AND (m.product_id, m.lot) IN (SELECT (unnest(?), unnest(?)))
           GROUP BY m.product_id, m.lot""",
        [[p for p, _ in pairs], [lot for _, lot in pairs]],
    ).fetchall()
    return {(product, lot): name for product, lot, name in rows}


def _suppliers(cur, product_ids: list[str]) -> dict[str, str]:
    """The referenced supplier(s) of each product, for a lot that came from the snapshot's
    stock (its supplier is not in the export): "ou" between several."""
    rows = cur.execute(
        """SELECT sp.product_id, string_agg(s.name, ' ou ' ORDER BY sp.preferred DESC, s.name)
           FROM ref.supplier_products sp JOIN ref.suppliers s USING (supplier_id)
           WHERE sp.product_id IN (SELECT unnest(?)) GROUP BY sp.product_id""",
        [product_ids],
    ).fetchall()
    return dict(rows)


def entry_of(cur, row: dict) -> dict:
    """The register entry of a preparation record, as printed and exported."""
    plan = json.loads(row["plan_json"])
    names = {p["product_id"]: p["name"] for p in plan["products"]}
    unit = row["dose_unit"]
    composition = [f"{plan['inn']} {french.dose(row['dose'], unit)}"]
    composition += [
        f"{names.get(v['product_id'], v['product_id'])} : {french.dose(v['amount_drawn'], unit)}"
        f" ({french.number(v['volume_ml'])} mL)"
        for v in plan["vials"]
    ]
    composition += [
        f"reliquat n° {r['reliquat_id']} ({names.get(r['product_id'], r['product_id'])}, lot "
        f"{r['lot'] or '—'}) : {french.dose(r['amount_drawn'], unit)}"
        for r in plan["reliquats_used"]
    ]
    if plan["diluent"]:
        composition.append(
            f"{diluent_label(plan['diluent'])} {french.number(plan['diluent_volume_ml'])} mL"
        )
    scans = repo.scans(cur, row["preparation_id"])
    suppliers = _suppliers(cur, sorted({s["product_id"] for s in scans}))
    lot_suppliers = _lot_suppliers(cur, scans)
    replaced = repo.preparation(cur, row["replaces_id"]) if row.get("replaces_id") else None
    patient = patient_names(cur, [row["patient_id"]]).get(row["patient_id"], row["patient_id"])
    prescriber = cur.execute(
        "SELECT prescriber_name FROM rx_prescriptions WHERE prescription_id = ?",
        [row["prescription_id"]],
    ).fetchone()
    return {
        "register_no": row["register_no"],
        "preparation_id": row["preparation_id"],
        "created_at": row["created_at"],
        "prescription_id": row["prescription_id"],
        "prescriber_name": prescriber[0] if prescriber else "—",
        "patient_name": patient,
        "patient_id": row["patient_id"],
        "drug_inn": plan["inn"],
        "dose": row["dose"],
        "dose_unit": unit,
        "composition": composition,
        "lots": [
            {"product": names.get(s["product_id"], s["product_id"]), "lot": s["lot"],
             "expiry": s["expiry"], "supplier": lot_suppliers.get((s["product_id"], s["lot"]))
             or suppliers.get(s["product_id"], "—")}
            for s in scans
        ],
        "diluent": diluent_label(plan["diluent"]) if plan["diluent"] else None,
        "diluent_lot": row.get("diluent_lot"),
        "preparer": row.get("prepared_by_name"),
        "controller": row.get("controlled_by_name"),
        "status_label": STATUS_LABELS[row["status"]],
        "replaces_register_no": replaced["register_no"] if replaced else None,
        "cancel_reason": row.get("status_reason") if row["status"] == "cancelled" else None,
    }


def register_entries(store: Store, user: User, first: date, last: date) -> list[dict]:
    """The entries of the preparations created from `first` to `last`, by number; a
    controlled one as it was fixed at control (a preparation rejected after its control keeps
    that entry, marked rejected with the reason)."""
    require(user.role, Permission.FABRICATION_READ)
    require_snapshot(store)
    cur = store.cursor()
    entries = []
    for row in repo.register_entries(cur, first, last):
        if row["register_json"]:
            entry = json.loads(row["register_json"])
            if row["status"] == "cancelled":
                entry["status_label"] = "rejetée après contrôle"
                entry["cancel_reason"] = row["status_reason"]
        else:
            entry = json.loads(json.dumps(entry_of(cur, row), default=str))
        entries.append(_typed(entry))
    return entries


def _typed(entry: dict) -> dict:
    """Dates back from their JSON text: the entry reads the same fixed or live."""
    entry["created_at"] = datetime.fromisoformat(str(entry["created_at"]))
    for lot in entry["lots"]:
        lot["expiry"] = date.fromisoformat(str(lot["expiry"])) if lot["expiry"] else None
    return entry


def require_snapshot(store: Store) -> None:
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
