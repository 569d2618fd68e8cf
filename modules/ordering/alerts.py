"""What the stock asks the buyer to act on, read from the stock as it stands (stock.current_stock):
products below their minimum, lots expiring soon or already expired and still on the shelf,
lots with a negative balance (more vials used than recorded: a discrepancy, never hidden) and
products whose printed sheets plan more vials than the stock holds. Pure: no database, no UI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from chemo_fallback import french
from chemo_fallback.modules.ordering.models import NO_LOT, LotStock, ProductStock


class AlertKind(StrEnum):
    BELOW_MINIMUM = "below_minimum"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    NEGATIVE = "negative"
    OVER_PLANNED = "over_planned"


ALERT_LABELS: dict[str, str] = {
    AlertKind.BELOW_MINIMUM: "sous le minimum",
    AlertKind.EXPIRED: "périmé — à détruire",
    AlertKind.EXPIRING: "péremption proche",
    AlertKind.NEGATIVE: "écart : stock négatif",
    AlertKind.OVER_PLANNED: "flacons prévus au-delà du stock",
}
RED, ORANGE = "red", "orange"
SEVERITY = {
    AlertKind.BELOW_MINIMUM: RED,
    AlertKind.EXPIRED: RED,
    AlertKind.EXPIRING: ORANGE,
    AlertKind.NEGATIVE: RED,
    AlertKind.OVER_PLANNED: RED,
}
# The order the home page lists them in: what blocks a preparation first.
KIND_ORDER = (AlertKind.NEGATIVE, AlertKind.OVER_PLANNED, AlertKind.BELOW_MINIMUM,
              AlertKind.EXPIRED, AlertKind.EXPIRING)


@dataclass(frozen=True)
class Alert:
    kind: str
    product_id: str
    product_name: str
    message: str  # French, whole: what is wrong and what to do
    lot: str | None = None
    expiry_date: date | None = None
    quantity: float | None = None

    @property
    def label(self) -> str:
        return ALERT_LABELS[self.kind]

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]


def expired(lot: LotStock, today: date) -> bool:
    """Past its expiry date (a vial expiring today may still be used today)."""
    return lot.expiry_date is not None and lot.expiry_date < today


def expiring(lot: LotStock, today: date, alert_days: int) -> bool:
    return (lot.expiry_date is not None and not expired(lot, today)
            and lot.expiry_date <= today + timedelta(days=alert_days))


def lot_alert(lot: LotStock, today: date, alert_days: int) -> str | None:
    """The alert a lot's row shows (negative first: the count itself is wrong), or None.
    A lot with no vial left raises no expiry alert."""
    if lot.lot == NO_LOT:
        return None
    if lot.negative:
        return AlertKind.NEGATIVE
    if lot.quantity > 0 and expired(lot, today):
        return AlertKind.EXPIRED
    if lot.quantity > 0 and expiring(lot, today, alert_days):
        return AlertKind.EXPIRING
    return None


def usable_today(stock: ProductStock, today: date) -> float:
    """Vials usable today: lots not expired with a positive balance, less the vials planned
    on printed sheets and not scanned yet."""
    return stock.usable_after(today - timedelta(days=1))


def held_today(stock: ProductStock, today: date) -> float:
    """Vials on the shelf that may be used today (before the planned ones come out)."""
    return sum(lot.quantity for lot in stock.lots
               if lot.lot != NO_LOT and lot.quantity > 0 and not expired(lot, today))


def earliest_expiry(stock: ProductStock) -> date | None:
    """The first expiry among the lots that still hold vials."""
    return min((lot.expiry_date for lot in stock.lots
                if lot.lot != NO_LOT and lot.quantity > 0 and lot.expiry_date is not None),
               default=None)


def product_alerts(stock: ProductStock, today: date, alert_days: int) -> list[Alert]:
    """Every alert of one product, the product's own first, then its lots by expiry. The
    minimum is compared with the vials usable today (expired and planned vials do not count)."""
    product = stock.product
    found = []

    def add(kind: str, message: str, lot: LotStock | None = None,
            quantity: float | None = None) -> None:
        found.append(Alert(kind=kind, product_id=product.product_id, product_name=product.name,
                           message=message, lot=lot.lot if lot else None,
                           expiry_date=lot.expiry_date if lot else None, quantity=quantity))

    planned = stock.planned_unscanned
    held = held_today(stock, today)
    if planned > held + 1e-9:
        add(AlertKind.OVER_PLANNED,
            f"{_vials(planned)} prévu(s) sur des fiches imprimées, {_vials(held)} utilisable(s) "
            "en stock : recevez ou commandez avant de préparer.", quantity=planned - held)
    usable = usable_today(stock, today)
    if stock.minimum is not None and usable < stock.minimum:
        add(AlertKind.BELOW_MINIMUM,
            f"{_vials(usable)} utilisable(s), minimum {_vials(stock.minimum)} : à commander.",
            quantity=usable)
    for lot in stock.lots:
        kind = lot_alert(lot, today, alert_days)
        if kind == AlertKind.NEGATIVE:
            add(kind, f"Lot {lot.lot} : {_vials(lot.quantity)} d'après les enregistrements "
                "(plus de flacons utilisés que reçus) : comptez l'étagère et corrigez "
                "l'inventaire.", lot, lot.quantity)
        elif kind == AlertKind.EXPIRED:
            add(kind, f"Lot {lot.lot} périmé le {french.day(lot.expiry_date)}, "
                f"{_vials(lot.quantity)} en stock : à détruire.", lot, lot.quantity)
        elif kind == AlertKind.EXPIRING:
            days = (lot.expiry_date - today).days
            add(kind, f"Lot {lot.lot} : {_vials(lot.quantity)}, péremption le "
                f"{french.day(lot.expiry_date)} (dans {days} jour(s)).", lot, lot.quantity)
    return found


def stock_alerts(stocks: Mapping[str, ProductStock] | Iterable[ProductStock], today: date,
                 alert_days: int) -> list[Alert]:
    """Every alert of the stock, by kind (KIND_ORDER), then product name, then expiry."""
    values = stocks.values() if isinstance(stocks, Mapping) else stocks
    found = [a for stock in values for a in product_alerts(stock, today, alert_days)]
    return sorted(found, key=lambda a: (KIND_ORDER.index(a.kind), a.product_name,
                                        a.expiry_date or date.max, a.lot or ""))


def by_kind(alerts: Iterable[Alert]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {k: [] for k in KIND_ORDER}
    for alert in alerts:
        found[alert.kind].append(alert)
    return found


def _vials(quantity: float) -> str:
    return f"{french.number(quantity, 0)} flacon(s)"
