"""The supplier orders (/commandes): newest first, filtered by status, each with its supplier,
dates, total and promised date; late ones in red. Also registers the new-order form
(/commandes/nouvelle) and an order's page (/commandes/{order_id}). Thin: order_reads reads."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering.models import OPEN_STATUSES, ORDER_STATUS_LABELS
from chemo_fallback.modules.ordering.pages import common, order_reads
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page

NEW_URL = "/commandes/nouvelle"
FILTERS = {"open": "en cours (envoyées à reçues en partie)", "all": "toutes",
           **{str(k): v for k, v in ORDER_STATUS_LABELS.items()}}
COLUMNS = ("Commande", "Fournisseur", "Statut", "Créée le", "Envoyée le", "Livraison promise",
           "Montant HT", "")
STATUS_STYLES = {
    "draft": "bg-slate-200 text-slate-900",
    "sent": "bg-blue-200 text-blue-950",
    "confirmed": "bg-indigo-200 text-indigo-950",
    "shipped": "bg-amber-200 text-amber-950",
    "partially_received": "bg-teal-200 text-teal-950",
    "received": "bg-green-700 text-white",
    "closed": "bg-gray-300 text-gray-800",
    "cancelled": "bg-red-200 text-red-950 line-through",
}


def status_badge(status: str, marker: str) -> ui.label:
    return ui.label(ORDER_STATUS_LABELS.get(status, status)).classes(
        f"px-2 py-0.5 rounded font-bold whitespace-nowrap {STATUS_STYLES.get(status, '')}"
    ).mark(marker)


def money(value: float | None) -> str:
    return "—" if value is None else f"{french.number(value, 2, fixed=True)} €"


class OrdersList:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        with ui.row().classes("items-end gap-4 w-full"):
            self.filter = ui.select(FILTERS, value="all", label="Statut",
                                    on_change=self.reload).classes("w-80")
            self.filter.mark("orders-status-filter")
            if allowed(user.role, Permission.ORDER_WRITE):
                ui.button("Nouvelle commande", icon="add_shopping_cart",
                          on_click=lambda: ui.navigate.to(NEW_URL)).props("no-caps").mark(
                    "orders-new")
        self.error = common.error_label("orders-error")
        self.table = ui.column().classes("w-full gap-0").mark("orders-list")
        ui.timer(0, self.reload, once=True)

    async def reload(self) -> None:
        chosen = self.filter.value
        statuses = None if chosen == "all" else tuple(
            str(s) for s in OPEN_STATUSES) if chosen == "open" else (chosen,)
        try:
            found = await run.io_bound(order_reads.order_list, self.app.store, self.user,
                                       common.today(), statuses)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        if found is None:
            return
        self.error.set_text("")
        self.table.clear()
        with self.table:
            if not found:
                ui.label("Aucune commande" + ("" if chosen == "all" else " de ce statut") + ".")
                ui.label("").mark("orders-empty")
                return
            with ui.grid(columns=len(COLUMNS)).classes("w-full gap-x-4 gap-y-1 items-center"):
                for title in COLUMNS:
                    ui.label(title).classes("font-bold border-b")
                for summary in found:
                    self._row(summary)

    def _row(self, summary: order_reads.OrderSummary) -> None:
        order = summary.order
        oid = order.order_id
        red = "text-red-800 font-bold" if summary.late else ""
        ui.link(oid, common.order_url(oid)).classes("font-mono font-bold").mark(
            f"order-link-{oid}")
        ui.label(summary.supplier_name).classes(red)
        with ui.row().classes("gap-2 items-center"):
            status_badge(order.status, f"order-status-{oid}")
            if summary.late:
                ui.label("en retard").classes(
                    "px-2 py-0.5 rounded font-bold bg-red-700 text-white").mark(f"order-late-{oid}")
        ui.label(french.moment(order.created_at))
        ui.label(french.moment(order.sent_at) if order.sent_at else "—")
        ui.label(french.day(order.promised_date) if order.promised_date else "—").classes(red)
        ui.label(money(summary.total)).classes("text-right")
        ui.link("Ouvrir", common.order_url(oid)).mark(f"order-open-{oid}")


def register() -> None:
    from chemo_fallback.modules.ordering.pages import order_detail, order_new

    @protected_page("/commandes", Permission.STOCK_READ, "Commandes fournisseurs")
    def orders_list(user: User) -> None:
        OrdersList(user)

    order_new.register()  # before /commandes/{order_id}: "nouvelle" is not an order
    order_detail.register()
