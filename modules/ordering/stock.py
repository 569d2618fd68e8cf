"""The stock as it stands: every movement of every lot read from its source, added up by
stock_rules. The one place the stock pages, the forecast and the orders read it from."""

from __future__ import annotations

from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import NO_LOT, Cause, Movement, ProductStock
from chemo_fallback.modules.ordering.stock_rules import product_stocks
from chemo_fallback.site_settings import SiteSettings


def all_movements(cur) -> list[Movement]:
    """Every movement, from the snapshot's lots to the last reception, each with its cause."""
    found = [
        Movement(product_id=r["product_id"], lot=r["lot"], expiry_date=r["expiry_date"],
                 quantity=float(r["quantity"]), cause=Cause.SNAPSHOT, at=None)
        for r in repo.snapshot_lots(cur)
    ]
    found += [
        Movement(product_id=r["product_id"], lot=r["lot"], expiry_date=r["expiry"],
                 quantity=-1.0, cause=Cause.PREPARATION, at=r["scanned_at"],
                 reference=r["preparation_id"], by=r["scanned_by"])
        for r in repo.vial_scans(cur)
    ]
    found += [
        Movement(product_id=r["product_id"], lot=NO_LOT, expiry_date=None,
                 quantity=-float(r["vials"]), cause=Cause.PLANNED, at=r["created_at"],
                 reference=r["preparation_id"], by=r["created_by"])
        for r in repo.planned_unscanned(cur)
    ]
    found += [
        Movement(product_id=r["product_id"], lot=r["lot"], expiry_date=r["expiry_date"],
                 quantity=float(r["quantity"]), cause=r["cause"], at=r["recorded_at"],
                 reference=r["order_id"] or str(r["movement_id"]), reason=r["reason"],
                 by=r["recorded_by"])
        for r in repo.movements(cur)
    ]
    return found


def current_stock(cur, settings: SiteSettings) -> dict[str, ProductStock]:
    """product_id → its stock now, with the site's minimum."""
    locations = {(r["product_id"], r["lot"]): r["location"] for r in repo.snapshot_lots(cur)}
    return product_stocks(repo.products(cur), all_movements(cur), settings.stock_minimums,
                          locations)
