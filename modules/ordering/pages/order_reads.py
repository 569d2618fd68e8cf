"""What the order pages read, with the role checked: the list of orders with their totals and
lateness, one order with its lines and receptions, and a supplier's formulary products for a
new order. No UI here (the pages call these in a worker thread); nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.ordering import orders as service
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import (
    Order,
    OrderLine,
    Referencing,
    StockProduct,
    Supplier,
)
from chemo_fallback.store import Store


@dataclass(frozen=True)
class OrderSummary:
    order: Order
    supplier_name: str
    lines: tuple[OrderLine, ...]
    total: float | None
    late: bool


@dataclass(frozen=True)
class OrderView:
    order: Order
    supplier: Supplier | None
    lines: tuple[OrderLine, ...]
    products: dict[str, StockProduct]
    receptions: tuple[dict, ...]
    total: float | None
    late: bool
    lead_time_days: int | None

    def product_name(self, product_id: str) -> str:
        product = self.products.get(product_id)
        return product.name if product else product_id

    @property
    def supplier_name(self) -> str:
        return self.supplier.name if self.supplier else self.order.supplier_id


def _lead_times(referencing: list[Referencing]) -> dict[tuple[str, str], int]:
    return {(r.supplier_id, r.product_id): r.lead_time_days for r in referencing
            if r.lead_time_days is not None}


def _lead_time(order: Order, lines, times: dict) -> int | None:
    found = [times[(order.supplier_id, li.product_id)] for li in lines
             if (order.supplier_id, li.product_id) in times]
    return max(found) if found else None


def order_list(store: Store, user: User, today: date,
               statuses: tuple[str, ...] | None = None) -> list[OrderSummary]:
    """Every order, newest first (optionally of these statuses)."""
    require(user.role, Permission.STOCK_READ)
    repo.require_snapshot(store)
    cur = store.cursor()
    found = repo.orders(cur, statuses)
    lines = repo.order_lines(cur, [o.order_id for o in found])
    names = {s.supplier_id: s.name for s in repo.suppliers(cur).values()}
    times = _lead_times(repo.referencing(cur))
    return [
        OrderSummary(
            order=o, supplier_name=names.get(o.supplier_id, o.supplier_id),
            lines=tuple(lines[o.order_id]), total=service.total_amount(lines[o.order_id]),
            late=o.late(today, _lead_time(o, lines[o.order_id], times)),
        )
        for o in found
    ]


def order_view(store: Store, user: User, order_id: str, today: date) -> OrderView | None:
    """One order as its page shows it; None when no order has this id."""
    require(user.role, Permission.STOCK_READ)
    repo.require_snapshot(store)
    cur = store.cursor()
    found = service.order_with_lines(cur, order_id)
    if found is None:
        return None
    order, lines = found
    lead = _lead_time(order, lines, _lead_times(repo.referencing(cur)))
    return OrderView(
        order=order, supplier=repo.suppliers(cur).get(order.supplier_id), lines=tuple(lines),
        products=repo.products(cur), receptions=tuple(repo.receptions(cur, order_id)),
        total=service.total_amount(lines), late=order.late(today, lead), lead_time_days=lead,
    )


@dataclass(frozen=True)
class Offer:
    """A formulary product as a supplier sells it, for the new-order form."""

    referencing: Referencing
    product: StockProduct


def suppliers(store: Store, user: User) -> list[Supplier]:
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    cur = store.cursor()
    with_formulary = {r.supplier_id for r in repo.referencing(cur) if r.formulary}
    return [s for s in repo.suppliers(cur).values() if s.supplier_id in with_formulary]


def formulary_offers(store: Store, user: User, supplier_id: str) -> list[Offer]:
    """The supplier's formulary products, by name."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    cur = store.cursor()
    products = repo.products(cur)
    offers = [Offer(r, products[r.product_id]) for r in repo.referencing(cur)
              if r.supplier_id == supplier_id and r.formulary and r.product_id in products]
    return sorted(offers, key=lambda o: (o.product.name, o.product.product_id))
