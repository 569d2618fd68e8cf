"""The stock changes a buyer or a pharmacist records by hand: vials destroyed (broken, expired,
recalled) and inventory corrections (the vials counted on the shelf). Each is one signed
movement in ord_stock_movements with its reason, audited in the same transaction; a request
sent twice (double click, reload) records once. And what the stock pages read, role checked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Real

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import (
    NO_LOT,
    Cause,
    LotStock,
    Movement,
    OrderingError,
    ProductStock,
)
from chemo_fallback.modules.ordering.stock import all_movements, current_stock
from chemo_fallback.modules.ordering.stock_rules import check_outgoing, lot_balances
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

DISCARD = "ordering.stock_discard"
CORRECTION = "ordering.stock_correction"
RECORD_TYPE = "stock_lot"
MAX_VIALS = 100_000
MAX_REASON = 500
MAX_LOT = 40


def discard(store: Store, user: User, product_id: str, lot: str, quantity, reason: str, *,
            now: datetime | None = None, request_key: str | None = None) -> int:
    """Vials of a lot destroyed: `quantity` whole vials out (recorded negative), never more
    than the lot holds by the records. Returns the movement id."""
    require(user.role, Permission.STOCK_ADJUST)
    repo.require_snapshot(store)
    lot_id = _lot(lot)
    vials = _whole(quantity, "Nombre de flacons à détruire")
    if vials == 0:
        raise OrderingError("Nombre de flacons à détruire : au moins 1 flacon.",
                            code="stock_quantity_invalid")
    reason = _reason(reason, "la destruction")
    now = now or datetime.now()
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, DISCARD, user.username)
        if first is not None:
            return int(first)
        _require_product(cur, product_id)
        held = _lots(cur, product_id).get(lot_id)
        if held is None:
            raise OrderingError(
                f"Lot « {lot_id} » inconnu du stock de {product_id} : choisissez un lot de la "
                "liste (un lot trouvé sur l'étagère s'enregistre par une correction "
                "d'inventaire).", code="stock_lot_unknown",
            )
        check_outgoing(held, vials, "Destruction")
        return _record(cur, user, held, held.expiry_date, -vials, Cause.DISCARD, reason, now,
                       DISCARD, request_key)


def correct(store: Store, user: User, product_id: str, lot: str, counted, reason: str, *,
            expiry_date: date | None = None, now: datetime | None = None,
            request_key: str | None = None) -> int | None:
    """The vials counted on the shelf for a lot: the movement is what the records miss
    (counted − balance). A lot the stock does not know (found on the shelf) needs its expiry
    date. Returns the movement id."""
    require(user.role, Permission.STOCK_ADJUST)
    repo.require_snapshot(store)
    lot_id = _lot(lot)
    vials = _whole(counted, "Nombre de flacons comptés")
    reason = _reason(reason, "la correction d'inventaire")
    if expiry_date is not None and not isinstance(expiry_date, date):
        raise OrderingError("Date de péremption illisible : saisissez-la au format JJ/MM/AAAA.",
                            code="stock_lot_expiry_required")
    if isinstance(expiry_date, datetime):
        expiry_date = expiry_date.date()
    now = now or datetime.now()
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, CORRECTION, user.username)
        if first is not None:
            return int(first)
        _require_product(cur, product_id)
        held = _lots(cur, product_id).get(lot_id)
        if held is None or held.expiry_date is None:
            if expiry_date is None:
                raise OrderingError(
                    f"Lot « {lot_id} » inconnu du stock de {product_id} : saisissez sa date de "
                    "péremption (lue sur le flacon) pour l'enregistrer.",
                    code="stock_lot_expiry_required",
                )
            expiry = expiry_date
        else:
            if expiry_date is not None and expiry_date != held.expiry_date:
                raise OrderingError(
                    f"Lot « {lot_id} » : sa péremption enregistrée est le "
                    f"{french.day(held.expiry_date)}, pas le {french.day(expiry_date)}. "
                    "Vérifiez le lot et la date sur le flacon.",
                    code="stock_lot_expiry_differs",
                )
            expiry = held.expiry_date
        balance = 0.0 if held is None else held.quantity
        delta = round(vials - balance, 6)
        if delta == 0:
            raise OrderingError(
                f"Rien à corriger : le lot « {lot_id} » compte déjà {_vials(vials)} d'après "
                "les enregistrements.", code="stock_nothing_to_correct",
            )
        if delta < 0:
            check_outgoing(held, -delta, "Correction")
        lot_stock = held or LotStock(product_id=product_id, lot=lot_id, expiry_date=expiry,
                                     quantity=0.0)
        return _record(cur, user, lot_stock, expiry, delta, Cause.CORRECTION, reason, now,
                       CORRECTION, request_key, counted=vials)


@dataclass(frozen=True)
class MovementLine:
    """A movement as the product's page lists it, with its lot's balance after it."""

    movement: Movement
    lot_balance: float
    by_name: str | None = None


@dataclass(frozen=True)
class ProductDetail:
    stock: ProductStock
    movements: tuple[MovementLine, ...]  # every movement of the product, in order


def stock_overview(store: Store, user: User, settings: SiteSettings) -> dict[str, ProductStock]:
    """Every product of the snapshot with its stock (the /stock page, the buyer's home)."""
    require(user.role, Permission.STOCK_READ)
    repo.require_snapshot(store)
    return current_stock(store.cursor(), settings)


def product_detail(store: Store, user: User, product_id: str,
                   settings: SiteSettings) -> ProductDetail | None:
    """One product's lots and every movement that made them (the snapshot's quantity first,
    then by date), each with the running balance of its lot; None: unknown product."""
    require(user.role, Permission.STOCK_READ)
    repo.require_snapshot(store)
    cur = store.cursor()
    stock = current_stock(cur, settings).get(product_id)
    if stock is None:
        return None
    names = dict(cur.execute("SELECT username, display_name FROM users").fetchall())
    moves = sorted((m for lot in stock.lots for m in lot.movements),
                   key=lambda m: (m.at is not None, m.at or datetime.min))
    running: dict[str, float] = {}
    lines = []
    for move in moves:
        running[move.lot] = round(running.get(move.lot, 0.0) + move.quantity, 6)
        lines.append(MovementLine(move, running[move.lot], names.get(move.by)))
    return ProductDetail(stock=stock, movements=tuple(lines))


def record_id(product_id: str, lot: str) -> str:
    """The audit trail's name of a lot: "PRODUCT/LOT"."""
    return f"{product_id}/{lot}"


def _record(cur, user: User, lot: LotStock, expiry: date, quantity: float, cause: str,
            reason: str, now: datetime, action: str, request_key: str | None,
            counted: int | None = None) -> int:
    movement_id = repo.insert_movement(cur, {
        "product_id": lot.product_id, "lot": lot.lot, "expiry_date": expiry,
        "quantity": float(quantity), "cause": str(cause), "reason": reason,
        "recorded_at": now, "recorded_by": user.username,
        "recorded_by_name": user.display_name,
    })
    after = {"balance": round(lot.quantity + quantity, 6), "quantity": quantity,
             "movement_id": movement_id, "expiry_date": expiry}
    if counted is not None:
        after["counted"] = counted
    audit.record(cur, user.actor, action, RECORD_TYPE, record_id(lot.product_id, lot.lot),
                 before={"balance": lot.quantity}, after=after, reason=reason)
    request_keys.remember(cur, request_key, action, user.username, str(movement_id))
    return int(movement_id)


def _lots(cur, product_id: str) -> dict[str, LotStock]:
    """The product's lots as they stand (the vials planned with no lot left out)."""
    moves = [m for m in all_movements(cur) if m.product_id == product_id]
    return {lot: stock for (_p, lot), stock in lot_balances(moves).items() if lot != NO_LOT}




def _require_product(cur, product_id: str) -> None:
    if product_id not in repo.products(cur):
        raise OrderingError(
            f"Produit « {product_id} » inconnu de l'instantané actif : choisissez-le dans la "
            "liste du stock.", code="stock_product_unknown",
        )


def _lot(lot) -> str:
    text = (lot or "").strip() if isinstance(lot, str) or lot is None else None
    if not text or len(text) > MAX_LOT or not text.isprintable():
        raise OrderingError(
            f"Numéro de lot manquant ou illisible : saisissez le lot imprimé sur le flacon "
            f"({MAX_LOT} caractères au plus).", code="stock_lot_invalid",
        )
    return text


def _whole(value, what: str) -> int:
    """A whole, non-negative, plausible number of vials ("3", 3 or 3.0; never 2.5)."""
    number = None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ".").replace(french.NBSP, ""))
        except ValueError:
            number = None
    elif isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
    if number is None or not math.isfinite(number) or number < 0 or number > MAX_VIALS \
            or number != int(number):
        raise OrderingError(
            f"{what} : un nombre entier de flacons est attendu, entre 0 et "
            f"{french.number(MAX_VIALS)} (reçu : {value!s:.20}).",
            code="stock_quantity_invalid",
        )
    return int(number)


def _reason(reason, what: str) -> str:
    text = " ".join((reason or "").split()) if isinstance(reason, str) or reason is None else ""
    if not text:
        raise OrderingError(f"Motif obligatoire pour {what} (ex. : flacon cassé, lot rappelé, "
                            "écart d'inventaire constaté).", code="stock_reason_missing")
    if len(text) > MAX_REASON:
        raise OrderingError(f"Motif trop long ({len(text)} caractères) : {MAX_REASON} "
                            "caractères au plus.", code="stock_reason_too_long")
    return text


def _vials(quantity: float) -> str:
    return f"{french.number(quantity, 0)} flacon(s)"
