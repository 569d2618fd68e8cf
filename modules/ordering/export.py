"""The export for the purchasing system (docs/reintegration-format.md): for a period, the orders
created or changed in it (with their lines), the receptions and the other stock movements
(discards, corrections) recorded in it, as four CSV files in one zip.

Written for machines: UTF-8 with a BOM (a spreadsheet opened by hand reads the accents right;
`utf-8-sig` readers drop it), `;` between fields, CRLF line ends, dates ISO 8601, decimals with
a dot, no thousands separator. Every text cell is neutralised against formulas
(chemo_fallback.spreadsheet). Exporting changes nothing but is audited ("ordering.export":
the period, the counts and each file's SHA-256)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from chemo_fallback import audit, french
from chemo_fallback.auth import roles
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.modules.ordering import repository
from chemo_fallback.modules.ordering.models import ORDER_STATUS_LABELS, Cause, OrderingError
from chemo_fallback.spreadsheet import safe_row
from chemo_fallback.store import Store

FORMAT_VERSION = "1"
DEFAULT_DAYS = 30
MAX_DAYS = 366
ORDERS = "commandes.csv"
LINES = "lignes_commande.csv"
RECEPTIONS = "receptions.csv"
MOVEMENTS = "mouvements_stock.csv"

ORDER_COLUMNS = (
    "order_id", "order_no", "supplier_id", "supplier_name", "status", "status_label", "origin",
    "created_at", "created_by", "created_by_name", "sent_at", "sent_by", "confirmed_at",
    "confirmed_by", "supplier_reference", "promised_date", "shipped_at", "shipped_by",
    "received_at", "closed_at", "closed_by", "status_reason", "status_changed_at",
    "status_changed_by", "delivery_address", "note", "line_count", "quantity_vials",
    "received_vials", "amount_ht", "amount_complete",
)
LINE_COLUMNS = (
    "order_line_id", "order_id", "line_no", "supplier_id", "product_id", "product_name",
    "ucd13", "cip13", "supplier_ref", "packs", "pack_size", "quantity_vials", "unit_price_ht",
    "amount_ht", "received_vials", "remaining_vials",
)
RECEPTION_COLUMNS = (
    "movement_id", "order_id", "order_line_id", "product_id", "lot", "expiry_date",
    "quantity_vials", "entry", "gtin", "recorded_at", "recorded_by", "recorded_by_name",
)
MOVEMENT_COLUMNS = (
    "movement_id", "product_id", "lot", "expiry_date", "quantity_vials", "cause", "reason",
    "recorded_at", "recorded_by", "recorded_by_name",
)


@dataclass(frozen=True)
class PurchasingExport:
    first: date
    last: date
    files: dict[str, bytes]  # file name → CSV bytes
    counts: dict[str, int]  # orders, order_lines, receptions, movements
    archive: bytes  # the zip of the files

    @property
    def filename(self) -> str:
        return f"export-achats-{self.first:%Y%m%d}-{self.last:%Y%m%d}.zip"


def default_period(today: date) -> tuple[date, date]:
    """The last 30 days, today included."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def check_period(first: date | None, last: date | None) -> tuple[date, date]:
    if first is None or last is None:
        raise OrderingError(
            "Période incomplète : saisissez la date de début et la date de fin (JJ/MM/AAAA).",
            code="export_period_invalid",
        )
    if first > last:
        raise OrderingError(
            f"Période inversée : du {french.day(first)} au {french.day(last)}. La date de début "
            "vient avant la date de fin.",
            code="export_period_invalid",
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise OrderingError(
            f"Période trop longue ({(last - first).days + 1} jours) : exportez au plus "
            f"{MAX_DAYS} jours à la fois.",
            code="export_period_invalid",
        )
    return first, last


# Cells ------------------------------------------------------------------------------------


def cell(value: object) -> object:
    """A value as the files write it: ISO dates, dot decimals, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return format(round(value, 6), "f").rstrip("0").rstrip(".")
    return value


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(safe_row([cell(row.get(c)) for c in columns]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _zip(files: dict[str, bytes], at: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# Rows -------------------------------------------------------------------------------------


def _rows(cur, first: date, last: date) -> dict[str, list[dict]]:
    start, end = datetime.combine(first, time.min), datetime.combine(last, time.max)
    moved = repository.movements_between(cur, start, end)
    receptions = [m for m in moved if m["cause"] == Cause.RECEPTION]
    others = [m for m in moved if m["cause"] != Cause.RECEPTION]
    # a reception's order is exported with it, so that every key resolves in the files
    orders = repository.order_rows_between(
        cur, start, end, sorted({m["order_id"] for m in receptions if m["order_id"]}))
    suppliers = repository.suppliers(cur)
    products = repository.products(cur)
    lines_of = repository.order_lines(cur, [o["order_id"] for o in orders])
    line_rows: list[dict] = []
    for order in orders:
        lines = lines_of[order["order_id"]]
        amounts = [line.amount for line in lines]
        supplier = suppliers.get(order["supplier_id"])
        order.update(
            supplier_name=supplier.name if supplier else "",
            status_label=ORDER_STATUS_LABELS.get(order["status"], order["status"]),
            line_count=len(lines),
            quantity_vials=sum(line.quantity_vials for line in lines),
            received_vials=float(sum(line.received_vials for line in lines)),
            amount_ht=sum(a for a in amounts if a is not None),
            amount_complete=all(a is not None for a in amounts),
        )
        for line in lines:
            product = products.get(line.product_id)
            line_rows.append({
                "order_line_id": line.order_line_id, "order_id": line.order_id,
                "line_no": line.line_no, "supplier_id": order["supplier_id"],
                "product_id": line.product_id, "product_name": product.name if product else "",
                "ucd13": product.ucd13 if product else None,
                "cip13": product.cip13 if product else None,
                "supplier_ref": line.supplier_ref, "packs": line.packs,
                "pack_size": line.pack_size, "quantity_vials": line.quantity_vials,
                "unit_price_ht": line.unit_price, "amount_ht": line.amount,
                "received_vials": float(line.received_vials),
                "remaining_vials": float(line.remaining_vials),
            })
    for movement in moved:
        movement["quantity_vials"] = movement["quantity"]
    return {ORDERS: orders, LINES: line_rows, RECEPTIONS: receptions, MOVEMENTS: others}


def export_purchasing(
    store: Store, user: User, first: date | None, last: date | None, *,
    now: datetime | None = None,
) -> PurchasingExport:
    """The files of the period (ORDER_WRITE), read and audited in one transaction: the audit
    record's counts are those of the files."""
    roles.require(user.role, Permission.ORDER_WRITE)
    repository.require_snapshot(store)
    first, last = check_period(first, last)
    at = (now or datetime.now()).replace(microsecond=0)
    with store.transaction() as cur:
        rows = _rows(cur, first, last)
        files = {
            ORDERS: csv_bytes(ORDER_COLUMNS, rows[ORDERS]),
            LINES: csv_bytes(LINE_COLUMNS, rows[LINES]),
            RECEPTIONS: csv_bytes(RECEPTION_COLUMNS, rows[RECEPTIONS]),
            MOVEMENTS: csv_bytes(MOVEMENT_COLUMNS, rows[MOVEMENTS]),
        }
        counts = {"orders": len(rows[ORDERS]), "order_lines": len(rows[LINES]),
                  "receptions": len(rows[RECEPTIONS]), "movements": len(rows[MOVEMENTS])}
        audit.record(
            cur, user.actor, "ordering.export", "ordering_export",
            f"{first.isoformat()}/{last.isoformat()}",
            after={"period_from": first.isoformat(), "period_to": last.isoformat(),
                   **counts, "format_version": FORMAT_VERSION,
                   "files": {name: hashlib.sha256(b).hexdigest() for name, b in files.items()}},
        )
    return PurchasingExport(first=first, last=last, files=files, counts=counts,
                            archive=_zip(files, at))
