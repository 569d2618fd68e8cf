"""Stock per lot as the sum of its movements. Pure: the caller reads the movements (snapshot
lots, vials scanned into preparations, vials planned on printed sheets, receptions, discards,
corrections) and these functions add them up, never hiding a negative balance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from chemo_fallback import french
from chemo_fallback.modules.ordering.models import (
    NO_LOT,
    Cause,
    LotStock,
    Movement,
    OrderingError,
    ProductStock,
    StockProduct,
)


def lot_balances(movements: Iterable[Movement], locations: Mapping[tuple[str, str], str] = {},
                 ) -> dict[tuple[str, str], LotStock]:
    """(product_id, lot) → its stock: the sum of its movements, in their order. The expiry is
    the snapshot's, else the first movement's that gives one."""
    grouped: dict[tuple[str, str], list[Movement]] = {}
    for movement in movements:
        grouped.setdefault((movement.product_id, movement.lot), []).append(movement)
    found = {}
    for key, moves in grouped.items():
        expiry = next((m.expiry_date for m in moves if m.cause == Cause.SNAPSHOT), None) or next(
            (m.expiry_date for m in moves if m.expiry_date is not None), None
        )
        found[key] = LotStock(
            product_id=key[0], lot=key[1], expiry_date=expiry,
            quantity=round(sum(m.quantity for m in moves), 6), movements=tuple(moves),
            location=locations.get(key),
        )
    return found


def product_stocks(products: Mapping[str, StockProduct], movements: Iterable[Movement],
                   minimums: Mapping[str, float] = {},
                   locations: Mapping[tuple[str, str], str] = {}) -> dict[str, ProductStock]:
    """Every product of the snapshot with its lots (a product with no lot has none); a
    movement of a product the snapshot does not know is refused (it cannot be checked)."""
    by_product: dict[str, list[LotStock]] = {p: [] for p in products}
    for (product_id, _lot), lot in sorted(
        lot_balances(movements, locations).items(),
        key=lambda item: (item[0][0], item[1].lot == NO_LOT,
                          item[1].expiry_date or date.max, item[1].lot),
    ):
        if product_id not in by_product:
            raise OrderingError(
                f"Mouvement de stock d'un produit inconnu de l'instantané ({product_id}) : "
                "vérifiez l'instantané actif.",
                code="stock_product_unknown",
            )
        by_product[product_id].append(lot)
    return {
        p: ProductStock(product=products[p], lots=tuple(lots), minimum=minimums.get(p))
        for p, lots in by_product.items()
    }


def check_outgoing(lot: LotStock | None, quantity: float, what: str) -> None:
    """A discard or a negative correction may not take a lot below zero: refused, saying how
    many vials the records hold (count the shelf and record a correction first)."""
    held = 0.0 if lot is None else lot.quantity
    if quantity > held + 1e-9:
        raise OrderingError(
            f"{what} de {_vials(quantity)} refusée : le lot n'en compte que {_vials(held)} "
            "d'après les enregistrements. Comptez les flacons du lot et enregistrez d'abord une "
            "correction d'inventaire avec son motif.",
            code="stock_would_go_negative",
        )


def _vials(quantity: float) -> str:
    return f"{french.number(quantity, 0)} flacon(s)"
