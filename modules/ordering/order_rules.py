"""The checks of a supplier order that need no database: whole quantities, the allowed status
changes (models.TRANSITIONS), what a confirmation and a closure must carry. Each refusal raises
OrderingError with a French message saying what to do."""

from __future__ import annotations

import math
from datetime import date
from numbers import Integral, Real

from chemo_fallback import french
from chemo_fallback.modules.ordering.models import (
    ORDER_STATUS_LABELS,
    TRANSITIONS,
    OrderingError,
    OrderStatus,
)

# Above this, a number of packs is a typing slip, not an order (10 000 packs of a cytotoxic).
MAX_PACKS = 999
# Receptions may happen while the supplier still owes vials.
RECEIVABLE = (OrderStatus.SENT, OrderStatus.CONFIRMED, OrderStatus.SHIPPED,
              OrderStatus.PARTIALLY_RECEIVED)
CANCELLABLE = (OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)
REASON_MAX = 500


def label(status: str) -> str:
    return ORDER_STATUS_LABELS.get(status, status)


def whole_count(value: object) -> int | None:
    """`value` as a whole number, or None when it is not one (2.5, "3", True, NaN)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return int(number)
    return None


def _shown(value: object) -> str:
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value)):
        return french.number(value)
    return "« " + str(value) + " »"


def check_packs(packs: object, product: str) -> int:
    """A line's packs: a whole number from 1 to MAX_PACKS."""
    count = whole_count(packs)
    if count is None or count < 1 or count > MAX_PACKS:
        shown = _shown(packs)
        raise OrderingError(
            f"Quantité impossible pour {product} : {shown} conditionnement(s). Saisissez un "
            f"nombre entier de conditionnements, de 1 à {MAX_PACKS}.",
            code="order_quantity_impossible",
        )
    return count


def check_received_quantity(quantity: object, remaining: float, product: str) -> int:
    """A reception's vials: whole, at least one, at most what remains to receive on the line."""
    count = whole_count(quantity)
    left = french.number(remaining)
    if count is None or count < 1 or count > remaining:
        shown = _shown(quantity)
        raise OrderingError(
            f"Quantité impossible pour {product} : {shown} flacon(s). Il reste {left} "
            "flacon(s) à recevoir sur cette ligne : saisissez un nombre entier de flacons de 1 à "
            f"{left} (un surplus livré se signale au fournisseur, il ne se réceptionne pas).",
            code="reception_quantity_impossible",
        )
    return count


def check_transition(order_id: str, current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        raise OrderingError(
            f"Commande {order_id} : {label(current)}, elle ne peut pas passer à "
            f"« {label(target)} ». Rechargez la page pour voir son état actuel.",
            code="order_transition_refused",
        )


def check_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise OrderingError(f"Motif obligatoire pour {what} : saisissez-le.",
                            code="order_reason_required")
    if len(text) > REASON_MAX:
        raise OrderingError(f"Motif trop long ({len(text)} caractères, {REASON_MAX} au plus).",
                            code="order_reason_too_long")
    return text


def check_confirmation(supplier_reference: str | None, promised_date: date | None,
                       today: date) -> tuple[str, date]:
    reference = (supplier_reference or "").strip()
    if not reference:
        raise OrderingError(
            "Référence du fournisseur obligatoire : recopiez le numéro de commande donné dans "
            "son accusé de réception.", code="order_supplier_reference_required",
        )
    if len(reference) > 100:
        raise OrderingError("Référence du fournisseur trop longue (100 caractères au plus).",
                            code="order_supplier_reference_required")
    if not isinstance(promised_date, date):
        raise OrderingError(
            "Date de livraison promise obligatoire : saisissez celle de l'accusé de réception.",
            code="order_promised_date_required",
        )
    if promised_date < today:
        raise OrderingError(
            f"Date de livraison promise dans le passé ({french.day(promised_date)}) : vérifiez "
            "la date donnée par le fournisseur.", code="order_promised_date_past",
        )
    return reference, promised_date


def check_closure(order_id: str, status: str, reason: str | None) -> str | None:
    """received → closed freely; partially_received → closed only saying what will not come."""
    check_transition(order_id, status, OrderStatus.CLOSED)
    if status == OrderStatus.PARTIALLY_RECEIVED:
        return check_reason(reason, "clôturer une commande reçue en partie (ce qui ne viendra "
                                    "pas, et pourquoi)")
    text = (reason or "").strip()
    return text or None


def status_after_reception(remaining_by_line: dict[str, float]) -> str:
    """What an order becomes after a reception, from what still remains on each line."""
    if all(left <= 0 for left in remaining_by_line.values()):
        return OrderStatus.RECEIVED
    return OrderStatus.PARTIALLY_RECEIVED
