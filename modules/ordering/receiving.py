"""Receptions of a supplier order: vials of one line received, their lot and expiry read from
the vial's GS1 DataMatrix (the fabrication module's scan reading) or typed from its label. Each
reception is a stock movement (cause "reception") and moves the order to partially received or
received, in the same transaction, audited."""

from __future__ import annotations

import re
from datetime import date, datetime

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.fabrication.scanning import merge_lot_expiry, parse_vial_code
from chemo_fallback.modules.ordering import order_rules as rules
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import Cause, OrderingError, OrderStatus
from chemo_fallback.modules.ordering.orders import existing_order
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

ACTION = "ordering.order_receive"
LOT_TYPED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,19}$")  # GS1 AI 10: up to 20


def known_lot_expiry(cur, product_id: str, lot: str) -> date | None:
    """The expiry already known for the lot: the snapshot's stock, a vial scanned into a
    preparation, or an earlier movement recorded here (a reception, a correction)."""
    row = cur.execute(
        """SELECT expiry_date FROM ref.stock_lots WHERE product_id = ? AND lot = ?
           UNION ALL
           SELECT expiry FROM fab_vial_scans WHERE product_id = ? AND lot = ?
           UNION ALL
           SELECT expiry_date FROM ord_stock_movements WHERE product_id = ? AND lot = ?
           LIMIT 1""",
        [product_id, lot, product_id, lot, product_id, lot],
    ).fetchone()
    return row[0] if row else None


def _gtin14(value: str | None) -> str | None:
    text = (value or "").strip()
    return text.zfill(14) if text.isdigit() else None


def receive(
    store: Store,
    user: User,
    order_id: str,
    order_line_id: str,
    *,
    code: str | None = None,
    lot: str | None = None,
    expiry_date: date | None = None,
    quantity: int,
    settings: SiteSettings | None = None,
    now: datetime | None = None,
    request_key: str | None = None,
) -> int:
    """Record `quantity` vials of one lot received on the line; `code` is what the scanner
    typed (its GTIN must be the line's product's), else `lot` and `expiry_date` typed from the
    label. Returns the stock movement's id."""
    require(user.role, Permission.ORDER_RECEIVE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    substitute = settings.gs1_separator_substitute if settings is not None else ""
    scanned = None
    if code is not None and code.strip():
        scanned = parse_vial_code(code, separator_substitute=substitute)
    with store.transaction() as cur:
        earlier = request_keys.earlier(cur, request_key, ACTION, user.username)
        if earlier is not None:
            return int(earlier)
        order = existing_order(cur, order_id)
        if order.status not in rules.RECEIVABLE:
            raise OrderingError(
                f"Commande {order_id} : {rules.label(order.status)}, elle ne se réceptionne "
                "pas (seule une commande envoyée, confirmée, expédiée ou reçue en partie se "
                "réceptionne).", code="reception_wrong_status",
            )
        lines = repo.order_lines(cur, [order_id])[order_id]
        line = next((li for li in lines if li.order_line_id == order_line_id), None)
        if line is None:
            raise OrderingError(f"Ligne {order_line_id} absente de la commande {order_id}.",
                                code="order_line_unknown")
        product = repo.products(cur).get(line.product_id)
        name = product.name if product else line.product_id
        expected_gtin = _gtin14(product.gtin if product else None)
        if scanned is not None:
            if scanned.gtin != expected_gtin:
                scanned_name = next((p.name for p in repo.products(cur).values()
                                     if _gtin14(p.gtin) == scanned.gtin), None)
                shown = f"{scanned_name} (GTIN {scanned.gtin})" if scanned_name \
                    else f"GTIN {scanned.gtin}"
                expected = f"GTIN {expected_gtin}" if expected_gtin else "pas de GTIN connu"
                raise OrderingError(
                    f"Mauvais produit : le flacon scanné est {shown}, la ligne attend {name} "
                    f"({expected}). Choisissez la bonne ligne ou mettez ce flacon de côté et "
                    "signalez l'erreur de livraison au fournisseur.",
                    code="reception_wrong_product",
                )
            lot_kept, given_expiry, entry = scanned.lot, scanned.expiry or expiry_date, "scan"
            raw = scanned.hri or scanned.raw
        else:
            lot_kept = (lot or "").strip().upper()
            if not LOT_TYPED.match(lot_kept):
                raise OrderingError(
                    f"Lot « {lot_kept} » illisible : scannez le DataMatrix du flacon ou recopiez "
                    "le lot imprimé (lettres, chiffres, ., /, _ ou -, 20 caractères au plus).",
                    code="reception_lot_invalid",
                )
            given_expiry, entry, raw = expiry_date, "manual", None
        expiry = merge_lot_expiry(known_lot_expiry(cur, line.product_id, lot_kept),
                                  given_expiry, lot=lot_kept)
        if expiry is None:
            raise OrderingError(
                f"Péremption du lot {lot_kept} inconnue : saisissez-la depuis l'étiquette du "
                "flacon.", code="reception_expiry_required",
            )
        if expiry < now.date():
            raise OrderingError(
                f"Lot {lot_kept} périmé (péremption le {french.day(expiry)}) : ne le "
                "réceptionnez pas, retournez-le au fournisseur.", code="reception_expired",
            )
        count = rules.check_received_quantity(quantity, line.remaining_vials, name)
        movement_id = repo.insert_movement(cur, {
            "product_id": line.product_id, "lot": lot_kept, "expiry_date": expiry,
            "quantity": count, "cause": Cause.RECEPTION.value, "order_id": order_id,
            "order_line_id": order_line_id, "entry": entry,
            "gtin": scanned.gtin if scanned is not None else expected_gtin, "raw_scan": raw,
            "recorded_at": now, "recorded_by": user.username,
            "recorded_by_name": user.display_name,
        })
        remaining = {li.order_line_id: li.remaining_vials - (count if li is line else 0)
                     for li in lines}
        status = rules.status_after_reception(remaining)
        rules.check_transition(order_id, order.status, status)
        values = {"status": status, "status_changed_at": now,
                  "status_changed_by": user.username}
        if status == OrderStatus.RECEIVED:
            values["received_at"] = now
        repo.update_order(cur, order_id, values)
        audit.record(
            cur, user.actor, ACTION, "supplier_order", order_id,
            before={"status": order.status},
            after={"movement_id": movement_id, "order_line_id": order_line_id,
                   "product_id": line.product_id, "lot": lot_kept, "expiry_date": expiry,
                   "quantity": count, "entry": entry, "status": status},
        )
        request_keys.remember(cur, request_key, ACTION, user.username, str(movement_id))
    return movement_id
