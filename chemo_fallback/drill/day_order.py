"""The buyer's day: in the morning the orders sent on earlier days are confirmed by their
supplier (its reference, a delivery promised after the lead time), delivered and received by
scan (a GS1 code built from the product's GTIN, a lot of the delivery, an expiry a year
ahead; a few in two partial receptions) and closed; at 16:00 the forecast is run, the orders
it suggests created per supplier and sent."""

from __future__ import annotations

import json
from datetime import date, timedelta

from chemo_fallback.modules.ordering import orders, receiving
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.forecast import forecast
from chemo_fallback.modules.ordering.forecast_rules import Suggestion
from chemo_fallback.modules.ordering.models import OrderStatus
from chemo_fallback.modules.ordering.order_rules import MAX_PACKS

PARTIAL_RATE = 0.3  # a line delivered in two parts
DEFAULT_LEAD_DAYS = 2  # a referencing without a lead time
SHELF_LIFE_DAYS = 365
ORDER_AT = 16.0
DELIVERY_AT = 8.0  # before the day's production


def delivery_lot(order_no: int, line_no: int) -> str:
    """The lot printed on a delivery's vials: one per order line, so one expiry per lot."""
    return f"EXO{order_no:06d}{line_no:02d}"


def reception_code(gtin: str | None, lot: str, expiry: date) -> str | None:
    """The delivered vial's GS1 DataMatrix as the scanner types it; None for a product with
    no GTIN (its lot and expiry are then typed from the label)."""
    digits = (gtin or "").strip()
    if not digits.isdigit():
        return None
    return f"01{digits.zfill(14)}17{expiry:%y%m%d}10{lot}"


def order_line(item: Suggestion) -> orders.LineRequest:
    """The suggestion as the buyer orders it: its packs, or the most a line takes (a large
    snapshot's forecast can ask for more), noted in the explanation kept with the line as the
    forecast page notes a quantity the buyer changed."""
    packs, kept = min(item.packs, MAX_PACKS), dict(item.explanation)
    if packs != item.packs:
        kept["packs_chosen"] = packs
        kept["text"] = (f"{kept.get('text', '')} ; quantité choisie par l'acheteur : {packs} "
                        "boîtes (le plus qu'une ligne de commande accepte)")
    return orders.LineRequest(product_id=item.product_id, packs=packs,
                              explanation=json.dumps(kept, ensure_ascii=False))


def _sent_before(drill) -> list[str]:
    """The orders sent on an earlier day and not wholly received, oldest first."""
    cur = drill.store.cursor()
    waiting = (OrderStatus.SENT.value, OrderStatus.CONFIRMED.value,
               OrderStatus.PARTIALLY_RECEIVED.value)
    found = [o for o in repo.orders(cur, waiting)
             if o.sent_at is not None and o.sent_at.date() < drill.day]
    return [o.order_id for o in sorted(found, key=lambda o: o.order_no)]


def _confirm(drill, order_id: str, hours: float) -> bool:
    cur = drill.store.cursor()
    order, lines = orders.order_with_lines(cur, order_id)
    if order.status != OrderStatus.SENT:
        return True  # confirmed (and partly received) already
    lead = orders.lead_time_days(cur, order, lines) or DEFAULT_LEAD_DAYS
    reference = f"AR-{order.supplier_id}-{order.order_no:06d}"
    return drill.attempt(f"confirmation de {order_id}", orders.confirm_order, drill.store,
                         drill.team.buyer, order_id, reference,
                         drill.day + timedelta(days=lead), now=drill.at(hours)) is not None


def _receive(drill, order_id: str, hours: float) -> float | None:
    """Every line received, a few in two parts (the rest an hour later): the hour of the last
    reception, None when one was refused."""
    cur = drill.store.cursor()
    order, lines = orders.order_with_lines(cur, order_id)
    products = repo.products(cur)
    expiry = drill.day + timedelta(days=SHELF_LIFE_DAYS)
    parts = []
    for line in lines:
        vials = int(line.remaining_vials)
        if vials < 1:
            continue
        first = vials // 2 if vials > 1 and drill.rng.random() < PARTIAL_RATE else vials
        parts.append((line, first, 0))
        if first < vials:
            parts.append((line, vials - first, 1))
    last = hours
    for n, (line, quantity, later) in enumerate(sorted(parts, key=lambda p: p[2])):
        last = hours + later + n / 60  # a minute per reception
        product = products.get(line.product_id)
        lot = delivery_lot(order.order_no, line.line_no)
        code = reception_code(product.gtin if product else None, lot, expiry)
        typed = {} if code else {"lot": lot, "expiry_date": expiry}
        if drill.attempt(f"réception de {order_id} ({line.order_line_id})", receiving.receive,
                         drill.store, drill.team.buyer, order_id, line.order_line_id,
                         code=code, quantity=quantity, settings=drill.settings,
                         now=drill.at(last), **typed) is None:
            return None
        drill.counts["order_receptions"] += 1
    return last


def deliveries(drill) -> None:
    """The orders sent on earlier days: confirmed, received, closed."""
    for n, order_id in enumerate(_sent_before(drill)):
        at = DELIVERY_AT + n / 60
        if not _confirm(drill, order_id, at):
            continue
        last = _receive(drill, order_id, at + 0.1)
        if last is None:
            continue
        if drill.attempt(f"clôture de {order_id}", orders.close_order, drill.store,
                         drill.team.buyer, order_id, now=drill.at(last + 0.1)) is not None:
            drill.counts["orders_closed"] += 1


def purchasing(drill) -> None:
    """The forecast's suggestions ordered, one order per supplier, and sent."""
    now = drill.at(ORDER_AT)
    found = forecast(drill.store.cursor(), drill.settings, drill.day)
    for n, group in enumerate(found.groups):
        lines = [order_line(s) for s in group.to_order]
        if not lines:
            continue
        supplier = group.supplier.supplier_id
        order_id = drill.attempt(f"commande chez {supplier}", orders.create_order, drill.store,
                                 drill.team.buyer, supplier, lines, origin="suggestion",
                                 settings=drill.settings, now=now)
        if order_id is None:
            continue
        drill.counts["orders"] += 1
        if drill.attempt(f"envoi de {order_id}", orders.send_order, drill.store,
                         drill.team.buyer, order_id, now=drill.at(ORDER_AT + 0.1 + 0.01 * n)
                         ) is not None:
            drill.counts["orders_sent"] += 1
