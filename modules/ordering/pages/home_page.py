"""The buyer's home (/achats): the day at a glance — the stock alerts (products below their
minimum, lots expiring or expired, discrepancies, vials planned beyond the stock) and the open
orders with the late ones first; links to the stock, the forecast and the orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import alerts, stock_service
from chemo_fallback.modules.ordering import orders as order_service
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import OPEN_STATUSES, Order
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.modules.ordering.pages.stock_page import BADGE, alert_badge
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store
from chemo_fallback.web import state

EMPTY = {
    alerts.AlertKind.NEGATIVE: "Aucun écart : aucun lot n'a un stock négatif.",
    alerts.AlertKind.OVER_PLANNED: "Aucun produit n'a plus de flacons prévus que de stock.",
    alerts.AlertKind.BELOW_MINIMUM: "Aucun produit sous son minimum.",
    alerts.AlertKind.EXPIRED: "Aucun lot périmé en stock.",
    alerts.AlertKind.EXPIRING: "Aucun lot ne périme dans les jours qui viennent.",
}


@dataclass(frozen=True)
class OpenOrder:
    order: Order
    supplier_name: str
    lead_time_days: int | None  # the longest of its lines' referencing
    late: bool


@dataclass(frozen=True)
class BuyerDay:
    alerts: list[alerts.Alert]
    orders: list[OpenOrder]  # late first, then the newest

    @property
    def late(self) -> list[OpenOrder]:
        return [o for o in self.orders if o.late]


def buyer_day(store: Store, user: User, settings: SiteSettings, today: date) -> BuyerDay:
    """What the buyer's home shows (read in a worker thread)."""
    require(user.role, Permission.STOCK_READ)
    stocks = stock_service.stock_overview(store, user, settings)
    found = alerts.stock_alerts(stocks, today, settings.stock_expiry_alert_days)
    cur = store.cursor()
    orders = repo.orders(cur, tuple(str(s) for s in OPEN_STATUSES))
    lines = repo.order_lines(cur, [o.order_id for o in orders])
    suppliers = repo.suppliers(cur)
    open_orders = []
    for order in orders:
        lead = order_service.lead_time_days(cur, order, lines.get(order.order_id, []))
        supplier = suppliers.get(order.supplier_id)
        open_orders.append(OpenOrder(order, supplier.name if supplier else order.supplier_id,
                                     lead, order.late(today, lead)))
    open_orders.sort(key=lambda o: (not o.late, -o.order.order_no))
    return BuyerDay(alerts=found, orders=open_orders)


class HomeScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        with ui.row().classes("gap-3"):
            ui.button("Stock", icon="inventory_2",
                      on_click=lambda: ui.navigate.to("/stock")).props("no-caps").mark(
                "home-stock")
            ui.button("Prévision et suggestions", icon="query_stats",
                      on_click=lambda: ui.navigate.to("/achats/prevision")).props(
                "no-caps").mark("home-forecast")
            ui.button("Commandes", icon="local_shipping",
                      on_click=lambda: ui.navigate.to("/commandes")).props("no-caps").mark(
                "home-orders")
        self.error = common.error_label("home-error")
        self.body = ui.column().classes("w-full gap-4").mark("home-body")
        ui.timer(0, self.load, once=True)

    async def load(self) -> None:
        try:
            day = await run.io_bound(buyer_day, self.app.store, self.user, common.settings(),
                                     common.today())
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        self.body.clear()
        with self.body:
            self._summary(day)
            self._orders(day)
            self._alerts(day)

    def _summary(self, day: BuyerDay) -> None:
        counts = alerts.by_kind(day.alerts)
        ui.label(f"Aujourd'hui, {french.day(common.today())}").classes("text-xl font-bold")
        with ui.row().classes("gap-3 items-center").mark("home-summary"):
            for kind, found in counts.items():
                style = BADGE[alerts.SEVERITY[kind]] if found else "bg-slate-200 text-slate-800"
                ui.label(f"{alerts.ALERT_LABELS[kind]} : {len(found)}").classes(
                    f"px-3 py-1 rounded font-bold {style}").mark(f"home-count-{kind}")
            late = len(day.late)
            ui.label(f"commandes en cours : {len(day.orders)} · en retard : {late}").classes(
                "px-3 py-1 rounded font-bold "
                + (BADGE[alerts.RED] if late else "bg-slate-200 text-slate-800")
            ).mark("home-count-orders")

    def _orders(self, day: BuyerDay) -> None:
        ui.label("Commandes en cours").classes("text-lg font-bold")
        if not day.orders:
            ui.label("Aucune commande en cours chez les fournisseurs.").mark("home-no-order")
            return
        with ui.column().classes("w-full gap-0").mark("home-order-list"):
            for item in day.orders:
                order = item.order
                with ui.row().classes(
                    "items-center gap-4 px-2 py-1 border-b w-full "
                    + (common.RED if item.late else "")
                ).mark(f"home-order-{order.order_id}"):
                    ui.link(order.order_id, common.order_url(order.order_id)).classes(
                        "font-mono font-bold")
                    ui.label(item.supplier_name).classes("min-w-48")
                    ui.label(order.status_label)
                    ui.label(f"envoyée le {french.day(order.sent_at)}" if order.sent_at
                             else "non envoyée")
                    ui.label(f"promise le {french.day(order.promised_date)}"
                             if order.promised_date else
                             f"délai {item.lead_time_days} j" if item.lead_time_days is not None
                             else "délai inconnu")
                    if item.late:
                        ui.label("EN RETARD").classes(
                            f"px-2 rounded font-bold {BADGE[alerts.RED]}").mark(
                            f"home-late-{order.order_id}")

    def _alerts(self, day: BuyerDay) -> None:
        for kind, found in alerts.by_kind(day.alerts).items():
            ui.label(alerts.ALERT_LABELS[kind].capitalize()).classes("text-lg font-bold")
            if not found:
                ui.label(EMPTY[kind]).classes("text-slate-700").mark(f"home-empty-{kind}")
                continue
            with ui.column().classes("w-full gap-1").mark(f"home-alerts-{kind}"):
                for alert in found:
                    with ui.row().classes("items-center gap-3"):
                        alert_badge(alert.kind, f"home-alert-{alert.kind}-{alert.product_id}",
                                    alert.product_name)
                        ui.link(alert.message, common.stock_url(alert.product_id))


def register() -> None:
    from chemo_fallback.web.access import protected_page

    @protected_page("/achats", Permission.STOCK_READ, "Achats — la journée")
    def buyer_home_page(user: User) -> None:
        HomeScreen(user)
