"""What the ordering pages share: the clock (tests pin it), the site settings, addresses and the
small widgets every page uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from nicegui import ui

from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.web import state

# The day and the moment the pages refer to; tests replace them to pin the calendar.
today: Callable[[], date] = date.today
now: Callable[[], datetime] = datetime.now

ERROR = "text-red-700 font-bold whitespace-pre-line"
# Row/cell styles of an alert: red = act now (expired, negative, below minimum), orange = soon.
RED = "bg-red-100 text-red-950"
ORANGE = "bg-orange-100 text-orange-950"


def settings() -> SiteSettings:
    """The site settings the running app read at start-up."""
    return state.current().settings


def stock_url(product_id: str | None = None) -> str:
    return "/stock" + (f"/{quote(product_id, safe='')}" if product_id else "")


def order_url(order_id: str) -> str:
    return f"/commandes/{quote(str(order_id), safe='')}"


def error_label(marker: str) -> ui.label:
    return ui.label().classes(ERROR).mark(marker)
