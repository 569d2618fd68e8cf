"""What the ordering module works on: the referenced suppliers and products, the stock per lot
with every movement that made it, supplier orders and their statuses. Pure frozen dataclasses
and enums: no database, no UI. Quantities of stock are in vials (the snapshot's unit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chemo_fallback.errors import ChemoFallbackError


class OrderingError(ChemoFallbackError):
    """Nothing was recorded; the French message says what is wrong and what to do."""


class OrderStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


ORDER_STATUS_LABELS: dict[str, str] = {
    OrderStatus.DRAFT: "brouillon",
    OrderStatus.SENT: "envoyée",
    OrderStatus.CONFIRMED: "confirmée",
    OrderStatus.SHIPPED: "expédiée",
    OrderStatus.PARTIALLY_RECEIVED: "reçue en partie",
    OrderStatus.RECEIVED: "reçue",
    OrderStatus.CLOSED: "clôturée",
    OrderStatus.CANCELLED: "annulée",
}
# Awaited from the supplier: what the forecast counts as coming.
OPEN_STATUSES = (
    OrderStatus.SENT, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_RECEIVED
)
# Where each status may go next. A reception moves an open order to partially_received or
# received; closing a partially received order needs a reason (what will not come).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.DRAFT: (OrderStatus.SENT, OrderStatus.CANCELLED),
    OrderStatus.SENT: (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_RECEIVED,
                       OrderStatus.RECEIVED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_RECEIVED,
                            OrderStatus.RECEIVED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED,
                          OrderStatus.CANCELLED),
    OrderStatus.PARTIALLY_RECEIVED: (OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED,
                                     OrderStatus.CLOSED),
    OrderStatus.RECEIVED: (OrderStatus.CLOSED,),
    OrderStatus.CLOSED: (),
    OrderStatus.CANCELLED: (),
}


class Cause(StrEnum):
    """Why a lot's stock changed. The first three are recorded in ord_stock_movements; the
    others are read from the snapshot and from fabrication."""

    RECEPTION = "reception"
    DISCARD = "discard"
    CORRECTION = "correction"
    SNAPSHOT = "snapshot"  # the lot's quantity in the snapshot: the starting point
    PREPARATION = "preparation"  # a vial scanned into a preparation
    PLANNED = "planned"  # a vial on a printed sheet, not scanned yet (no lot known)


CAUSE_LABELS: dict[str, str] = {
    Cause.RECEPTION: "réception",
    Cause.DISCARD: "destruction",
    Cause.CORRECTION: "correction d'inventaire",
    Cause.SNAPSHOT: "stock de l'instantané",
    Cause.PREPARATION: "préparation (flacon scanné)",
    Cause.PLANNED: "préparation (flacon prévu, non scanné)",
}
# A planned vial has no lot yet: it is held against the product, not a lot.
NO_LOT = ""


@dataclass(frozen=True)
class Supplier:
    supplier_id: str
    name: str
    email: str | None = None
    fax: str | None = None
    phone: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Supplier:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Referencing:
    """A product as a supplier sells it (snapshot supplier_products). Only a formulary pair
    may be ordered."""

    supplier_id: str
    product_id: str
    supplier_ref: str | None
    pack_size: int
    unit_price: float | None  # per vial, excluding VAT
    lead_time_days: int | None
    formulary: bool
    preferred: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Referencing:
        return cls(
            supplier_id=row["supplier_id"], product_id=row["product_id"],
            supplier_ref=row.get("supplier_ref"), pack_size=int(row["pack_size"]),
            unit_price=row.get("unit_price"), lead_time_days=row.get("lead_time_days"),
            formulary=bool(row.get("formulary")), preferred=bool(row.get("preferred")),
        )


@dataclass(frozen=True)
class StockProduct:
    """A product of the snapshot, with what the stock pages and the forecast need."""

    product_id: str
    drug_id: str
    name: str
    form: str
    vial_content: float
    gtin: str | None = None
    ucd13: str | None = None
    cip13: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StockProduct:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Movement:
    """One change of one lot's stock (a planned vial: lot NO_LOT), signed, in vials, with its
    cause and what it refers to (a preparation, an order, a recorded movement)."""

    product_id: str
    lot: str
    expiry_date: date | None
    quantity: float
    cause: str
    at: datetime | None
    reference: str | None = None  # FAB…, CMD…, movement id
    reason: str | None = None
    by: str | None = None

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS.get(self.cause, self.cause)


@dataclass(frozen=True)
class LotStock:
    """A lot's stock now: the sum of its movements. A negative balance is never hidden: it is
    a discrepancy the stock page shows in red (more vials used than the records hold)."""

    product_id: str
    lot: str
    expiry_date: date | None
    quantity: float
    movements: tuple[Movement, ...] = field(default=(), repr=False)
    location: str | None = None

    @property
    def negative(self) -> bool:
        return self.quantity < 0


@dataclass(frozen=True)
class ProductStock:
    """A product's stock: its lots (NO_LOT holds the vials planned on printed sheets)."""

    product: StockProduct
    lots: tuple[LotStock, ...]
    minimum: float | None = None  # site setting stock_minimums (alerts.py compares it)

    @property
    def quantity(self) -> float:
        return sum(lot.quantity for lot in self.lots)

    @property
    def planned_unscanned(self) -> float:
        return -sum(lot.quantity for lot in self.lots if lot.lot == NO_LOT)

    def usable_after(self, day: date) -> float:
        """Vials that can still be used after `day`: lots expiring strictly after it, with
        a positive balance, less the vials already planned on printed sheets."""
        kept = sum(
            lot.quantity for lot in self.lots
            if lot.lot != NO_LOT and lot.quantity > 0 and lot.expiry_date is not None
            and lot.expiry_date > day
        )
        return kept - self.planned_unscanned


@dataclass(frozen=True)
class Order:
    order_id: str
    order_no: int
    supplier_id: str
    status: str
    origin: str
    delivery_address: str
    created_at: datetime
    created_by: str
    created_by_name: str
    note: str | None = None
    sent_at: datetime | None = None
    confirmed_at: datetime | None = None
    supplier_reference: str | None = None
    promised_date: date | None = None
    shipped_at: datetime | None = None
    received_at: datetime | None = None
    closed_at: datetime | None = None
    status_reason: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Order:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})

    @property
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def late(self, today: date, lead_time_days: int | None = None) -> bool:
        """Awaited and past the promised date (or, unconfirmed, past its lead time)."""
        if not self.is_open:
            return False
        if self.promised_date is not None:
            return today > self.promised_date
        if lead_time_days is not None and self.sent_at is not None:
            return (today - self.sent_at.date()).days > lead_time_days
        return False


@dataclass(frozen=True)
class OrderLine:
    order_line_id: str
    order_id: str
    line_no: int
    product_id: str
    supplier_ref: str | None
    pack_size: int
    packs: int
    quantity_vials: int
    unit_price: float | None
    explanation: str | None = None
    received_vials: float = 0.0  # sum of its receptions

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OrderLine:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__ if name in row})

    @property
    def remaining_vials(self) -> float:
        return max(0.0, self.quantity_vials - self.received_vials)

    @property
    def amount(self) -> float | None:
        return None if self.unit_price is None else self.quantity_vials * self.unit_price
