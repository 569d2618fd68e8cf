"""The stock (/stock): a row per product (vials, usable, planned not scanned, minimum, lots,
first expiry) with its alerts, and a search; a product's page (/stock/{product_id}): its lots
and every movement with its cause, reference and running balance, and, for STOCK_ADJUST, the
dialogs "Détruire des flacons" and "Corriger l'inventaire". Thin: stock_service does the work."""

from __future__ import annotations

from datetime import date

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import alerts, stock_service
from chemo_fallback.modules.ordering.models import NO_LOT, Cause, LotStock, ProductStock
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard as close_dialog

ROW_STYLE = {alerts.RED: common.RED, alerts.ORANGE: common.ORANGE}
BADGE = {alerts.RED: "bg-red-700 text-white", alerts.ORANGE: "bg-orange-500 text-white"}
CELL = "text-right tabular-nums"
NEW_LOT = "__nouveau__"  # the correction dialog's choice "a lot found on the shelf"


def vials(quantity: float | None) -> str:
    return "—" if quantity is None else french.number(quantity, 0)


def signed(quantity: float) -> str:
    return ("+" if quantity > 0 else "") + french.number(quantity, 0)


def worst(found: list[alerts.Alert]) -> str | None:
    severities = {a.severity for a in found}
    return alerts.RED if alerts.RED in severities else (alerts.ORANGE if severities else None)


def alert_badge(alert_kind: str, marker: str, text: str | None = None) -> ui.label:
    severity = alerts.SEVERITY[alert_kind]
    return ui.label(text or alerts.ALERT_LABELS[alert_kind]).classes(
        f"px-2 py-0.5 rounded text-sm font-bold whitespace-nowrap {BADGE[severity]}"
    ).mark(marker)


def reference_link(reference: str | None, cause: str) -> None:
    if not reference:
        ui.label("—")
    elif reference.startswith("FAB"):
        ui.link(reference, f"/fabrication/preparation/{reference}")
    elif reference.startswith("CMD"):
        ui.link(reference, common.order_url(reference))
    elif cause in (Cause.DISCARD, Cause.CORRECTION):
        ui.label(f"mouvement n° {reference}")
    else:
        ui.label(reference)


# --- the list ---------------------------------------------------------------------------------


class StockScreen:
    """/stock: every product of the snapshot with its stock and alerts, searchable."""

    HEADERS = ("Produit", "Flacons", "Utilisables", "Prévus non scannés", "Minimum", "Lots",
               "1re péremption", "Alertes")
    GRID = "grid grid-cols-[minmax(16rem,3fr)_repeat(6,minmax(5rem,1fr))_minmax(12rem,2fr)]"

    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        self.stocks: dict[str, ProductStock] = {}
        self.alerts: dict[str, list[alerts.Alert]] = {}
        ui.label("Stock par produit, en flacons : l'instantané, moins les flacons scannés en "
                 "fabrication et ceux prévus sur les fiches imprimées, plus les réceptions, "
                 "moins les destructions, plus ou moins les corrections d'inventaire. Cliquez "
                 "un produit pour ses lots et tous ses mouvements.")
        with ui.row().classes("items-center gap-4 w-full"):
            self.search = ui.input("Rechercher (nom, code produit, lot)",
                                   on_change=self.draw).props("clearable outlined dense")
            self.search.classes("w-96").mark("stock-search")
            self.only_alerts = ui.checkbox("Seulement les produits en alerte",
                                           on_change=self.draw).mark("stock-only-alerts")
            ui.button("Actualiser", icon="refresh", on_click=self.load).props(
                "flat no-caps").mark("stock-refresh")
        self.summary = ui.row().classes("items-center gap-2").mark("stock-summary")
        self.error = common.error_label("stock-error")
        self.message = ui.label().mark("stock-message")
        self.table = ui.column().classes("w-full gap-0").mark("stock-table")
        ui.timer(0, self.load, once=True)

    async def load(self) -> None:
        settings = common.settings()
        try:
            self.stocks = await run.io_bound(stock_service.stock_overview, self.app.store,
                                             self.user, settings)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        today = common.today()
        self.alerts = {p: alerts.product_alerts(s, today, settings.stock_expiry_alert_days)
                       for p, s in self.stocks.items()}
        self.summary.clear()
        with self.summary:
            counts = alerts.by_kind(a for found in self.alerts.values() for a in found)
            for kind, found in counts.items():
                if found:
                    alert_badge(kind, f"stock-count-{kind}",
                                f"{alerts.ALERT_LABELS[kind]} : {len(found)}")
            if not any(counts.values()):
                ui.label("Aucune alerte de stock.").classes("text-green-800 font-bold")
        self.draw()

    def shown(self) -> list[ProductStock]:
        words = (self.search.value or "").strip().lower().split()
        found = []
        for product_id, stock in self.stocks.items():
            if self.only_alerts.value and not self.alerts.get(product_id):
                continue
            text = " ".join([stock.product.name, product_id, stock.product.drug_id,
                             *(lot.lot for lot in stock.lots)]).lower()
            if all(word in text for word in words):
                found.append(stock)
        return found

    def draw(self) -> None:
        shown = self.shown()
        self.message.set_text(
            f"{len(shown)} produit(s) affiché(s) sur {len(self.stocks)}." if shown
            else "Aucun produit ne correspond à la recherche." if self.stocks
            else "Aucun produit dans l'instantané actif."
        )
        self.table.clear()
        if not shown:
            return
        today = common.today()
        with self.table:
            with ui.element("div").classes(f"{self.GRID} w-full gap-x-3 px-2 py-1 font-bold "
                                           "border-b-2 border-slate-400"):
                for header in self.HEADERS:
                    ui.label(header).classes("" if header in ("Produit", "Alertes") else CELL)
            for stock in shown:
                self._row(stock, today)

    def _row(self, stock: ProductStock, today: date) -> None:
        product_id = stock.product.product_id
        found = self.alerts.get(product_id, [])
        style = ROW_STYLE.get(worst(found), "")
        lots = [lot for lot in stock.lots if lot.lot != NO_LOT]
        with ui.link(target=common.stock_url(product_id)).classes(
            f"{self.GRID} w-full gap-x-3 px-2 py-1 border-b border-slate-200 no-underline "
            f"text-inherit hover:bg-slate-100 {style}"
        ).mark(f"stock-row-{product_id}"):
            with ui.column().classes("gap-0"):
                ui.label(stock.product.name).classes("font-bold")
                ui.label(product_id).classes("text-xs text-slate-600")
            ui.label(vials(stock.quantity)).classes(CELL).mark(f"stock-total-{product_id}")
            ui.label(vials(alerts.usable_today(stock, today))).classes(CELL).mark(
                f"stock-usable-{product_id}")
            ui.label(vials(stock.planned_unscanned)).classes(CELL)
            ui.label(vials(stock.minimum)).classes(CELL)
            ui.label(str(len(lots))).classes(CELL)
            ui.label(french.day(alerts.earliest_expiry(stock)) if alerts.earliest_expiry(stock)
                     else "—").classes(CELL)
            with ui.row().classes("gap-1"):
                for alert in found:
                    ui.label(alert.label + (f" ({alert.lot})" if alert.lot else "")).classes(
                        f"px-1 rounded text-xs font-bold {BADGE[alert.severity]}"
                    ).tooltip(alert.message)


# --- one product ------------------------------------------------------------------------------


class ProductScreen:
    """/stock/{product_id}: the product's lots, its alerts, every movement; discard and
    correct for STOCK_ADJUST."""

    def __init__(self, user: User, product_id: str) -> None:
        self.app = state.current()
        self.user = user
        self.product_id = product_id
        self.detail: stock_service.ProductDetail | None = None
        self.may_adjust = allowed(user.role, Permission.STOCK_ADJUST)
        ui.link("← Tout le stock", common.stock_url()).mark("stock-back")
        self.error = common.error_label("product-error")
        self.body = ui.column().classes("w-full gap-4").mark("product-body")
        # The dialogs live outside the body, which each reload redraws.
        self.holder = ui.element("div")
        ui.timer(0, self.load, once=True)

    async def load(self) -> None:
        try:
            self.detail = await run.io_bound(stock_service.product_detail, self.app.store,
                                             self.user, self.product_id, common.settings())
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        self.body.clear()
        with self.body:
            if self.detail is None:
                ui.label(f"Produit « {self.product_id} » inconnu de l'instantané actif : "
                         "choisissez un produit dans la liste du stock.").classes(
                    "text-lg text-red-700 font-bold").mark("product-unknown")
                return
            self._draw(self.detail)

    def _draw(self, detail: stock_service.ProductDetail) -> None:
        stock, product = detail.stock, detail.stock.product
        settings, today = common.settings(), common.today()
        ui.label(product.name).classes("text-2xl font-bold").mark("product-name")
        ui.label(f"Code {product.product_id} · médicament {product.drug_id} · "
                 f"GTIN {product.gtin or '—'}").classes("text-slate-700")
        usable = vials(alerts.usable_today(stock, today))
        ui.label(
            f"{vials(stock.quantity)} flacon(s) au total · {usable} utilisable(s)"
            f" · {vials(stock.planned_unscanned)} prévu(s) non scanné(s) · "
            f"minimum {vials(stock.minimum)}"
        ).classes("text-lg font-bold").mark("product-totals")
        found = alerts.product_alerts(stock, today, settings.stock_expiry_alert_days)
        with ui.column().classes("gap-1").mark("product-alerts"):
            for alert in found:
                with ui.row().classes("items-center gap-2"):
                    alert_badge(alert.kind, f"product-alert-{alert.kind}")
                    ui.label(alert.message)
        if self.may_adjust:
            with ui.row().classes("gap-3"):
                ui.button("Détruire des flacons", icon="delete_forever",
                          on_click=self.open_discard).props("outline color=red no-caps").mark(
                    "stock-discard")
                ui.button("Corriger l'inventaire", icon="fact_check",
                          on_click=self.open_correction).props("outline no-caps").mark(
                    "stock-correct")
        self._lots(stock, today, settings.stock_expiry_alert_days)
        self._movements(detail)

    def _lots(self, stock: ProductStock, today: date, alert_days: int) -> None:
        ui.label("Lots").classes("text-xl font-bold")
        lots = [lot for lot in stock.lots if lot.lot != NO_LOT]
        if not lots:
            ui.label("Aucun lot en stock pour ce produit.").mark("product-no-lot")
        grid = "grid grid-cols-[10rem_8rem_minmax(14rem,2fr)_7rem_minmax(10rem,1fr)]"
        with ui.column().classes("w-full gap-0").mark("product-lots"):
            with ui.element("div").classes(f"{grid} gap-x-3 px-2 font-bold border-b-2"):
                for header in ("Lot", "Péremption", "Emplacement", "Flacons", "État"):
                    ui.label(header).classes(CELL if header == "Flacons" else "")
            for lot in lots:
                kind = alerts.lot_alert(lot, today, alert_days)
                style = ROW_STYLE.get(alerts.SEVERITY.get(kind), "") if kind else ""
                with ui.element("div").classes(f"{grid} gap-x-3 px-2 py-1 border-b {style}")\
                        .mark(f"lot-{lot.lot}"):
                    ui.label(lot.lot).classes("font-mono font-bold")
                    ui.label(french.day(lot.expiry_date) if lot.expiry_date else "—")
                    ui.label(lot.location or "—")
                    ui.label(vials(lot.quantity)).classes(CELL + " font-bold").mark(
                        f"lot-balance-{lot.lot}")
                    if kind:
                        alert_badge(kind, f"lot-alert-{lot.lot}")
                    else:
                        ui.label("")
            if stock.planned_unscanned:
                ui.label(f"Et {vials(stock.planned_unscanned)} flacon(s) prévu(s) sur des fiches "
                         "imprimées, non scanné(s) : ils sortiront d'un lot au scan.").classes(
                    "text-sm mt-1")

    def _movements(self, detail: stock_service.ProductDetail) -> None:
        ui.label("Mouvements").classes("text-xl font-bold")
        if not detail.movements:
            ui.label("Aucun mouvement pour ce produit.").mark("product-no-movement")
            return
        grid = ("grid grid-cols-[9rem_minmax(10rem,1.5fr)_7rem_4rem_5rem_7rem_minmax(7rem,1fr)"
                "_minmax(10rem,2fr)]")
        with ui.column().classes("w-full gap-0 text-sm").mark("product-movements"):
            with ui.element("div").classes(f"{grid} gap-x-3 px-2 font-bold border-b-2"):
                for header in ("Date", "Cause", "Lot", "Flacons", "Stock du lot", "Référence",
                               "Par", "Motif"):
                    ui.label(header).classes(CELL if header in ("Flacons", "Stock du lot")
                                             else "")
            for number, line in enumerate(detail.movements):
                move = line.movement
                negative = line.lot_balance < 0 and move.lot != NO_LOT
                with ui.element("div").classes(
                    f"{grid} gap-x-3 px-2 py-0.5 border-b {common.RED if negative else ''}"
                ).mark(f"movement-{number}"):
                    ui.label(french.moment(move.at) if move.at else "instantané")
                    ui.label(move.cause_label)
                    ui.label(move.lot or "(aucun lot)").classes("font-mono")
                    ui.label(signed(move.quantity)).classes(CELL)
                    ui.label(vials(line.lot_balance)).classes(CELL)
                    reference_link(move.reference, move.cause)
                    ui.label(line.by_name or move.by or "—")
                    ui.label(move.reason or "")

    # --- dialogs ---

    def _lot_options(self, positive_only: bool) -> dict[str, str]:
        lots = [lot for lot in self.detail.stock.lots if lot.lot != NO_LOT] if self.detail \
            else []
        return {lot.lot: lot_option(lot) for lot in lots if not positive_only or lot.quantity > 0}

    def open_discard(self) -> None:
        if self.detail is None:
            return
        key = request_keys.new_key()  # one per dialog shown: a double click records once
        options = self._lot_options(positive_only=True)
        with self.holder, ui.dialog().props("persistent") as dialog, \
                ui.card().classes("w-[36rem] max-w-full"):
            ui.label(f"Détruire des flacons — {self.detail.stock.product.name}").classes(
                "text-xl font-bold")
            if not options:
                ui.label("Aucun lot de ce produit ne compte de flacon d'après les "
                         "enregistrements : comptez l'étagère et corrigez l'inventaire d'abord.")\
                    .mark("discard-no-lot")
            lot = ui.select(options, label="Lot", value=next(iter(options), None)).classes(
                "w-full").mark("discard-lot")
            quantity = ui.input("Nombre de flacons à détruire").props("inputmode=numeric")\
                .classes("w-full").mark("discard-quantity")
            reason = ui.textarea("Motif (obligatoire : flacon cassé, périmé, lot rappelé…)")\
                .classes("w-full").mark("discard-reason")
            error = common.error_label("discard-error")

            async def save() -> None:
                if not save_button.enabled:
                    return
                error.set_text("")
                async with disabled(save_button, close_button):
                    try:
                        await run.io_bound(lambda: stock_service.discard(
                            self.app.store, self.user, self.product_id, lot.value or "",
                            quantity.value or "", reason.value or "", now=common.now(),
                            request_key=key))
                    except ChemoFallbackError as exc:
                        error.set_text(str(exc))
                        return
                close_dialog(dialog)
                with self.holder:
                        ui.notify(f"Destruction enregistrée : lot {lot.value}, "
                              f"{quantity.value} flacon(s).")
                await self.load()

            with ui.row().classes("w-full justify-end"):
                close_button = ui.button("Fermer", on_click=lambda: close_dialog(dialog))\
                    .props("flat").mark("discard-close")
                save_button = ui.button("Détruire", icon="delete_forever", on_click=save)\
                    .props("color=red").mark("discard-save")
        dialog.open()

    def open_correction(self) -> None:
        if self.detail is None:
            return
        key = request_keys.new_key()
        lots = {lot.lot: lot for lot in self.detail.stock.lots if lot.lot != NO_LOT}
        options = {**self._lot_options(positive_only=False),
                   NEW_LOT: "Autre lot (trouvé sur l'étagère, inconnu du stock)"}
        with self.holder, ui.dialog().props("persistent") as dialog, \
                ui.card().classes("w-[36rem] max-w-full"):
            ui.label(f"Corriger l'inventaire — {self.detail.stock.product.name}").classes(
                "text-xl font-bold")
            ui.label("Comptez les flacons du lot sur l'étagère et saisissez le nombre COMPTÉ : "
                     "l'écart avec les enregistrements est enregistré comme correction.")
            lot = ui.select(options, label="Lot", value=next(iter(options))).classes("w-full")\
                .mark("correct-lot")
            held = ui.label().classes("font-bold").mark("correct-held")
            with ui.column().classes("w-full gap-1") as new_lot_fields:
                new_lot = ui.input("Numéro du lot (imprimé sur le flacon)").classes("w-full")\
                    .mark("correct-new-lot")
                expiry = ui.input("Péremption (JJ/MM/AAAA)").classes("w-full").mark(
                    "correct-expiry")
            counted = ui.input("Nombre de flacons comptés").props("inputmode=numeric")\
                .classes("w-full").mark("correct-counted")
            reason = ui.textarea("Motif (obligatoire : inventaire, casse non déclarée…)")\
                .classes("w-full").mark("correct-reason")
            error = common.error_label("correct-error")

            def follow() -> None:
                chosen = lots.get(lot.value)
                new_lot_fields.set_visibility(lot.value == NEW_LOT)
                held.set_text(f"Stock enregistré du lot : {vials(chosen.quantity)} flacon(s)."
                              if chosen else "Lot inconnu du stock : saisissez son numéro et "
                              "sa péremption.")

            lot.on_value_change(follow)
            follow()

            async def save() -> None:
                if not save_button.enabled:
                    return
                error.set_text("")
                is_new = lot.value == NEW_LOT
                lot_id = (new_lot.value or "") if is_new else (lot.value or "")
                try:
                    expiry_date = parse_date(expiry.value) if is_new and (expiry.value or "")\
                        .strip() else None
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
                async with disabled(save_button, close_button):
                    try:
                        await run.io_bound(lambda: stock_service.correct(
                            self.app.store, self.user, self.product_id, lot_id,
                            counted.value or "", reason.value or "", expiry_date=expiry_date,
                            now=common.now(), request_key=key))
                    except ChemoFallbackError as exc:
                        error.set_text(str(exc))
                        return
                close_dialog(dialog)
                with self.holder:
                    ui.notify(f"Correction enregistrée : lot {lot_id.strip()}, "
                              f"{counted.value} flacon(s) comptés.")
                await self.load()

            with ui.row().classes("w-full justify-end"):
                close_button = ui.button("Fermer", on_click=lambda: close_dialog(dialog))\
                    .props("flat").mark("correct-close")
                save_button = ui.button("Enregistrer la correction", icon="fact_check",
                                        on_click=save).mark("correct-save")
        dialog.open()


def lot_option(lot: LotStock) -> str:
    expiry = french.day(lot.expiry_date) if lot.expiry_date else "péremption inconnue"
    return f"{lot.lot} — {vials(lot.quantity)} flacon(s), péremption {expiry}"


def register() -> None:
    from chemo_fallback.web.access import protected_page

    @protected_page("/stock", Permission.STOCK_READ, "Stock")
    def stock_list_page(user: User) -> None:
        StockScreen(user)

    @protected_page("/stock/{product_id}", Permission.STOCK_READ, "Stock d'un produit")
    def stock_product_page(user: User, product_id: str) -> None:
        ProductScreen(user, product_id)
