"""The ordering module's SQL: the snapshot's products, lots, suppliers and referencing (`ref`),
what fabrication consumed, the orders, their lines and the stock movements recorded here.
Writes happen in the caller's transaction, through store.rows."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from chemo_fallback.modules.ordering.models import (
    OPEN_STATUSES,
    Order,
    OrderLine,
    Referencing,
    StockProduct,
    Supplier,
)
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.store.rows import dicts, insert, update

Cursor = duckdb.DuckDBPyConnection
# Preparations whose sheet is printed and whose vials may not all be scanned yet.
PLANNING = ("sheet_printed", "in_progress")


def require_snapshot(store) -> None:
    """Every ordering use case reads the snapshot's products and suppliers: none active, a
    French refusal rather than a database error."""
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)


def products(cur: Cursor) -> dict[str, StockProduct]:
    cur.execute("SELECT * FROM ref.products ORDER BY name, product_id")
    return {r["product_id"]: StockProduct.from_row(r) for r in dicts(cur)}


def suppliers(cur: Cursor) -> dict[str, Supplier]:
    cur.execute("SELECT * FROM ref.suppliers ORDER BY name")
    return {r["supplier_id"]: Supplier.from_row(r) for r in dicts(cur)}


def referencing(cur: Cursor) -> list[Referencing]:
    """Every supplier-product pair of the snapshot, the preferred first for each product."""
    cur.execute(
        """SELECT * FROM ref.supplier_products
           ORDER BY product_id, coalesce(preferred, false) DESC, supplier_id"""
    )
    return [Referencing.from_row(r) for r in dicts(cur)]


def referenced_pair(cur: Cursor, supplier_id: str, product_id: str) -> Referencing | None:
    cur.execute(
        "SELECT * FROM ref.supplier_products WHERE supplier_id = ? AND product_id = ?",
        [supplier_id, product_id],
    )
    rows = dicts(cur)
    return Referencing.from_row(rows[0]) if rows else None


def snapshot_lots(cur: Cursor) -> list[dict]:
    cur.execute(
        """SELECT product_id, lot, expiry_date, quantity, location FROM ref.stock_lots
           ORDER BY product_id, expiry_date, lot"""
    )
    return dicts(cur)


def vial_scans(cur: Cursor) -> list[dict]:
    """Every vial scanned (or typed) into a preparation: one vial out of its lot each."""
    cur.execute(
        """SELECT s.scan_id, s.preparation_id, s.product_id, s.lot, s.expiry, s.scanned_at,
                  s.scanned_by
           FROM fab_vial_scans s ORDER BY s.scanned_at, s.scan_id"""
    )
    return dicts(cur)


def planned_unscanned(cur: Cursor) -> list[dict]:
    """Per printed sheet not yet made and per product: the vials its plan opens that are not
    scanned yet (they will come out of some lot of that product)."""
    cur.execute(
        f"""SELECT preparation_id, plan_json, created_at, created_by
            FROM fab_preparations WHERE status IN {PLANNING} ORDER BY created_at"""
    )
    sheets = dicts(cur)
    if not sheets:
        return []
    cur.execute(
        """SELECT preparation_id, product_id, count(*) AS n FROM fab_vial_scans
           WHERE preparation_id IN (SELECT unnest(?)) GROUP BY ALL""",
        [[s["preparation_id"] for s in sheets]],
    )
    scanned = {(r["preparation_id"], r["product_id"]): r["n"] for r in dicts(cur)}
    found = []
    for sheet in sheets:
        planned: dict[str, int] = {}
        for vial in json.loads(sheet["plan_json"]).get("vials", []):
            planned[vial["product_id"]] = planned.get(vial["product_id"], 0) + 1
        for product_id, count in planned.items():
            left = count - scanned.get((sheet["preparation_id"], product_id), 0)
            if left > 0:
                found.append({"preparation_id": sheet["preparation_id"],
                              "product_id": product_id, "vials": left,
                              "created_at": sheet["created_at"], "created_by": sheet["created_by"]})
    return found


def movements(cur: Cursor, product_id: str | None = None) -> list[dict]:
    where, params = ("WHERE product_id = ?", [product_id]) if product_id else ("", [])
    cur.execute(
        f"SELECT * FROM ord_stock_movements {where} ORDER BY recorded_at, movement_id", params
    )
    return dicts(cur)


def insert_movement(cur: Cursor, values: dict) -> int:
    return insert(cur, "ord_stock_movements", values, returning="movement_id")


def history_vials(cur: Cursor, first: date, last: date) -> dict[str, float]:
    """Vials consumed per product from `first` to `last` included: the snapshot's history of
    preparations (its vials estimated from the dose and the product's content, whole vials)
    and the vials scanned here."""
    cur.execute(
        """SELECT p.product_id, sum(ceil(p.dose / pr.vial_content)) AS vials
           FROM ref.preparations p JOIN ref.products pr USING (product_id)
           WHERE p.product_id IS NOT NULL AND p.status <> 'destroyed'
             AND CAST(p.prepared_at AS DATE) BETWEEN ? AND ?
           GROUP BY ALL""",
        [first, last],
    )
    found = {r["product_id"]: float(r["vials"]) for r in dicts(cur)}
    cur.execute(
        """SELECT product_id, count(*) AS vials FROM fab_vial_scans
           WHERE CAST(scanned_at AS DATE) BETWEEN ? AND ? GROUP BY ALL""",
        [first, last],
    )
    for r in dicts(cur):
        found[r["product_id"]] = found.get(r["product_id"], 0.0) + float(r["vials"])
    return found


# Orders -----------------------------------------------------------------------------------


def next_order_no(cur: Cursor) -> int:
    cur.execute("SELECT coalesce(max(order_no), 0) + 1 FROM ord_orders")
    return int(cur.fetchone()[0])


def order(cur: Cursor, order_id: str) -> Order | None:
    cur.execute("SELECT * FROM ord_orders WHERE order_id = ?", [order_id])
    rows = dicts(cur)
    return Order.from_row(rows[0]) if rows else None


def orders(cur: Cursor, statuses: tuple[str, ...] | None = None) -> list[Order]:
    where, params = ("WHERE status IN (SELECT unnest(?))", [list(statuses)]) if statuses \
        else ("", [])
    cur.execute(f"SELECT * FROM ord_orders {where} ORDER BY order_no DESC", params)
    return [Order.from_row(r) for r in dicts(cur)]


def order_lines(cur: Cursor, order_ids: list[str]) -> dict[str, list[OrderLine]]:
    """The lines of these orders, each with the vials received so far."""
    found: dict[str, list[OrderLine]] = {o: [] for o in order_ids}
    if not order_ids:
        return found
    cur.execute(
        """SELECT l.*, coalesce(r.received, 0) AS received_vials
           FROM ord_order_lines l
           LEFT JOIN (SELECT order_line_id, sum(quantity) AS received FROM ord_stock_movements
                      WHERE cause = 'reception' GROUP BY ALL) r USING (order_line_id)
           WHERE l.order_id IN (SELECT unnest(?)) ORDER BY l.order_id, l.line_no""",
        [order_ids],
    )
    for row in dicts(cur):
        found[row["order_id"]].append(OrderLine.from_row(row))
    return found


def receptions(cur: Cursor, order_id: str) -> list[dict]:
    cur.execute(
        """SELECT * FROM ord_stock_movements WHERE cause = 'reception' AND order_id = ?
           ORDER BY recorded_at, movement_id""",
        [order_id],
    )
    return dicts(cur)


def awaited_vials(cur: Cursor) -> dict[str, float]:
    """Per product, the vials ordered and not received yet on open orders."""
    cur.execute(
        """SELECT l.product_id,
                  sum(greatest(l.quantity_vials - coalesce(r.received, 0), 0)) AS vials
           FROM ord_order_lines l JOIN ord_orders o USING (order_id)
           LEFT JOIN (SELECT order_line_id, sum(quantity) AS received FROM ord_stock_movements
                      WHERE cause = 'reception' GROUP BY ALL) r USING (order_line_id)
           WHERE o.status IN (SELECT unnest(?)) GROUP BY ALL""",
        [[str(s) for s in OPEN_STATUSES]],
    )
    return {r["product_id"]: float(r["vials"]) for r in dicts(cur)}


def insert_order(cur: Cursor, values: dict) -> None:
    insert(cur, "ord_orders", values)


def insert_order_line(cur: Cursor, values: dict) -> None:
    insert(cur, "ord_order_lines", values)


def update_order(cur: Cursor, order_id: str, values: dict) -> None:
    update(cur, "ord_orders", "order_id", order_id, values)


def update_order_line(cur: Cursor, order_line_id: str, values: dict) -> None:
    """A draft's line only (the service checks the order is a draft)."""
    update(cur, "ord_order_lines", "order_line_id", order_line_id, values)


def delete_order_line(cur: Cursor, order_line_id: str) -> None:
    """A draft's line only (the service checks the order is a draft)."""
    cur.execute("DELETE FROM ord_order_lines WHERE order_line_id = ?", [order_line_id])


def orders_between(cur: Cursor, first: datetime, last: datetime) -> list[Order]:
    """Orders created, or changed, from `first` to `last` (the export's period)."""
    cur.execute(
        """SELECT * FROM ord_orders
           WHERE created_at BETWEEN ? AND ?
              OR coalesce(status_changed_at, created_at) BETWEEN ? AND ?
           ORDER BY order_no""",
        [first, last, first, last],
    )
    return [Order.from_row(r) for r in dicts(cur)]


ORDER_DATES = ("created_at", "sent_at", "confirmed_at", "shipped_at", "received_at",
               "closed_at", "status_changed_at")


def order_rows_between(cur: Cursor, first: datetime, last: datetime,
                       also: list[str] | None = None) -> list[dict]:
    """Every column of the orders created or changed from `first` to `last` (one of their
    dates in the period), plus the orders `also` names (the export's receptions' orders)."""
    within = " OR ".join(f"{column} BETWEEN ? AND ?" for column in ORDER_DATES)
    cur.execute(
        f"""SELECT * FROM ord_orders WHERE {within} OR order_id IN (SELECT unnest(?))
            ORDER BY order_no""",
        [*[bound for _ in ORDER_DATES for bound in (first, last)], list(also or [])],
    )
    return dicts(cur)


def movements_between(cur: Cursor, first: datetime, last: datetime) -> list[dict]:
    """The stock movements recorded here from `first` to `last`, in their order."""
    cur.execute(
        """SELECT * FROM ord_stock_movements WHERE recorded_at BETWEEN ? AND ?
           ORDER BY recorded_at, movement_id""",
        [first, last],
    )
    return dicts(cur)
