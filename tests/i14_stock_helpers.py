"""Shared by the stock tests of issue 14: the stock as it stands, one lot, one balance."""

from __future__ import annotations

from chemo_fallback.modules.ordering.models import LotStock, ProductStock
from chemo_fallback.modules.ordering.stock import current_stock
from chemo_fallback.site_settings import SiteSettings


def stock_now(store, settings: SiteSettings | None = None) -> dict[str, ProductStock]:
    return current_stock(store.cursor(), settings or SiteSettings())


def lot_of(store, product_id: str, lot: str) -> LotStock:
    [found] = [x for x in stock_now(store)[product_id].lots if x.lot == lot]
    return found


def balance(store, product_id: str, lot: str) -> float:
    return lot_of(store, product_id, lot).quantity
