"""The ordering pages: the buyer's home (/achats), the stock (/stock), the forecast and its
suggestions (/achats/prevision), the orders (/commandes, /commandes/{id}) and the export for the
purchasing system (/commandes/export). Each page file registers its own pages."""

from __future__ import annotations


def register() -> None:
    """Registers the ordering pages (called once by chemo_fallback.web.app)."""
    from chemo_fallback.modules.ordering.pages import (
        export_page,
        forecast_page,
        home_page,
        orders_page,
        stock_page,
    )

    # /commandes/export before /commandes/{order_id}, which would catch "export"
    for group in (home_page, stock_page, forecast_page, export_page, orders_page):
        group.register()
