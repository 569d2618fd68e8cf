"""The forecast and its suggestions (/achats/prevision): over a horizon of days, what to order
per supplier (preferred first), each line with the computation of its quantity; the buyer may
change the packs of a line or untick it, then creates the supplier's order in one click. The
lines the forecast could not compute are listed with their reason. Thin: forecast.forecast_for
computes, orders.create_order records."""

from __future__ import annotations

import json

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import orders
from chemo_fallback.modules.ordering.forecast import MAX_HORIZON_DAYS, Forecast, forecast_for
from chemo_fallback.modules.ordering.forecast_rules import Suggestion, SupplierGroup
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

SOURCE_LABELS = {"fallback": "prescription du mode dégradé",
                 "snapshot": "prescription du logiciel de production"}
# Every number of a suggestion's computation, in the order it is made.
DETAIL_ROWS = (
    ("planned_vials", "Flacons prévus"),
    ("planned_lines", "Lignes prévues"),
    ("margin_pct", "Marge (%)"),
    ("with_margin", "Prévus avec la marge"),
    ("history_vials", "Historique (flacons)"),
    ("history_days", "Historique (jours)"),
    ("history_daily", "Moyenne par jour"),
    ("history_need", "Besoin d'après l'historique"),
    ("minimum", "Stock minimum"),
    ("raw_need", "Besoin brut"),
    ("usable_stock", "Stock utilisable à la fin de l'horizon"),
    ("awaited", "En commande (attendu)"),
    ("to_order", "Reste à couvrir (flacons)"),
    ("pack_size", "Flacons par boîte"),
    ("packs_for_need", "Boîtes pour le besoin"),
    ("minimum_packs", "Minimum de boîtes du fournisseur"),
    ("packs", "Boîtes proposées"),
    ("vials", "Flacons proposés"),
)


def money(value: float | None) -> str:
    return "—" if value is None else f"{french.number(value, 2, fixed=True)}{french.NBSP}€ HT"


def whole_packs(value: object) -> int | None:
    """The packs typed in a line's field, or None when not a whole number ≥ 1."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and float(value).is_integer() and value >= 1:
        return int(value)
    return None


def line_explanation(item: Suggestion, packs: int) -> str:
    """The explanation kept with the order line (JSON), noting a quantity the buyer changed."""
    kept = dict(item.explanation)
    if packs != item.packs:
        kept["packs_chosen"] = packs
        kept["text"] += (f" ; quantité choisie par l'acheteur : {packs} boîte"
                         f"{'s' if packs > 1 else ''}")
    return json.dumps(kept, ensure_ascii=False)


class ForecastScreen:
    """The page's state: the forecast shown, the packs and ticks of each line, one request key
    per supplier's order (a double click or a reload creates it once)."""

    def __init__(self, user: User, days_text: str) -> None:
        self.app = state.current()
        self.user = user
        self.may_order = allowed(user.role, Permission.ORDER_WRITE)
        self.result: Forecast | None = None
        self.packs: dict[str, object] = {}
        self.ticked: set[str] = set()
        self.keys: dict[str, str] = {}
        self.buttons: dict[str, ui.button] = {}
        self.errors: dict[str, ui.label] = {}
        self.amounts: dict[str, ui.label] = {}
        self.totals: dict[str, ui.label] = {}
        self._build(days_text)

    # --- layout --------------------------------------------------------------------------------
    def _build(self, days_text: str) -> None:
        default = self.app.settings.forecast_horizon_days
        days = int(days_text) if days_text.isdigit() else default
        with ui.row().classes("items-end gap-4"):
            self.days = ui.number("Horizon (jours)", value=days, min=1, max=MAX_HORIZON_DAYS,
                                  step=1, precision=0).classes("w-40").mark("forecast-horizon")
            self.days.on("keydown.enter", self.load)
            self.compute = ui.button("Calculer la prévision", icon="calculate",
                                     on_click=self.load).props("no-caps").mark("forecast-compute")
        self.summary = ui.label().classes("text-lg").mark("forecast-summary")
        self.message = common.error_label("forecast-error")
        self.body = ui.column().classes("w-full gap-4").mark("forecast-body")
        ui.timer(0, self.load, once=True)

    # --- loading -------------------------------------------------------------------------------
    async def load(self) -> None:
        self.message.set_text("")
        days = whole_packs(self.days.value)
        if days is None or days > MAX_HORIZON_DAYS:
            self._failed(f"Horizon invalide : indiquez un nombre entier de jours de 1 à "
                         f"{MAX_HORIZON_DAYS}.")
            return
        async with disabled(self.compute):
            try:
                result = await run.io_bound(forecast_for, self.app.store, self.user,
                                            self.app.settings, common.today(), days)
            except ChemoFallbackError as exc:
                self._failed(str(exc))
                return
        if result is None:  # the server is stopping
            return
        self.result = result
        self.packs = {s.product_id: (s.packs or 1) for s in result.suggestions}
        self.ticked = {s.product_id for s in result.suggestions if s.packs > 0 and s.orderable}
        self.keys = {g.supplier.supplier_id: request_keys.new_key() for g in result.groups}
        self.draw()

    def _failed(self, text: str) -> None:
        self.result = None
        self.summary.set_text("")
        self.message.set_text(text)
        self.body.clear()

    # --- drawing -------------------------------------------------------------------------------
    def draw(self) -> None:
        result = self.result
        if result is None:
            return
        ordering = sum(len(g.to_order) for g in result.groups)
        self.summary.set_text(
            f"Du {french.day(result.first_day)} au {french.day(result.last_day)} "
            f"({result.horizon_days} jour{'s' if result.horizon_days > 1 else ''}) : "
            f"{french.number(result.planned_lines, 0)} ligne(s) prévue(s) chiffrée(s), marge "
            f"{french.percent(result.margin_pct)}, historique sur {result.history_days} jours. "
            f"{ordering} produit(s) à commander."
        )
        self.buttons, self.errors, self.amounts, self.totals = {}, {}, {}, {}
        self.body.clear()
        with self.body:
            if result.unsupplied:
                self._unsupplied(result.unsupplied)
            for group in result.groups:
                self._group(group)
            if result.uncomputed:
                self._uncomputed(result)

    def _group(self, group: SupplierGroup) -> None:
        supplier = group.supplier
        sid = supplier.supplier_id
        with ui.card().classes("w-full gap-2").mark(f"forecast-group-{sid}"):
            with ui.row().classes("items-center gap-4 w-full"):
                ui.label(supplier.name).classes("text-xl font-bold")
                self.totals[sid] = ui.label().classes("font-bold").mark(f"forecast-total-{sid}")
                if self.may_order and group.to_order:  # nothing to order: no button
                    self.buttons[sid] = ui.button(
                        "Créer la commande", icon="shopping_cart",
                        on_click=lambda g=group: self.create(g),
                    ).props("no-caps").mark(f"forecast-create-{sid}")
            self.errors[sid] = common.error_label(f"forecast-create-error-{sid}")
            for item in group.to_order:
                self._line(item)
            covered = [s for s in group.suggestions if s.packs == 0]
            if covered:
                with ui.expansion(f"Produits couverts par le stock ({len(covered)})",
                                  icon="check_circle").classes("w-full").mark(
                                      f"forecast-covered-{sid}"):
                    for item in covered:
                        self._line(item)
        self._total(group)

    def _line(self, item: Suggestion) -> None:
        pid = item.product_id
        ref = item.referencing
        border = "border-slate-300" if item.packs == 0 else "border-blue-700"
        with ui.column().classes(f"w-full gap-0 border-l-8 {border} pl-2").mark(
            f"forecast-line-{pid}"
        ):
            with ui.row().classes("items-center gap-x-5 gap-y-1 w-full"):
                if self.may_order and item.orderable:
                    ui.checkbox(value=pid in self.ticked,
                                on_change=lambda e, p=pid: self.tick(p, e.value)).mark(
                                    f"forecast-tick-{pid}")
                with ui.column().classes("gap-0 w-80"):
                    ui.label(item.product_name).classes("font-bold")
                    code = f"{pid} · réf. fournisseur {ref.supplier_ref or '—'}" if ref else pid
                    ui.label(code).classes("text-sm font-mono")
                if ref is not None and not ref.preferred:
                    ui.label("pas de fournisseur préféré : premier référencé au livret").classes(
                        "text-sm bg-orange-100 text-orange-950 px-2 rounded")
                if item.packs == 0:
                    ui.label("couvert").classes(
                        "bg-green-100 text-green-900 px-2 rounded").mark(f"forecast-covered-{pid}")
                if ref is not None and self.may_order:
                    ui.number("Boîtes", value=self.packs.get(pid), min=1, step=1, precision=0,
                              on_change=lambda e, p=pid: self.set_packs(p, e.value)).classes(
                                  "w-24").mark(f"forecast-packs-{pid}")
                elif ref is not None:
                    ui.label(f"{item.packs} boîte(s)").classes("w-24")
                if ref is not None:
                    ui.label(f"× {ref.pack_size} flacon(s) · {money(ref.unit_price)} / flacon")
                    self.amounts[pid] = ui.label().classes("font-bold").mark(
                        f"forecast-amount-{pid}")
                    self._amount(item)
            ui.label(item.text).classes("text-sm text-slate-700").mark(f"forecast-text-{pid}")
            with ui.expansion("Détail du calcul").classes("text-sm").mark(f"forecast-detail-{pid}"):
                for key, label in DETAIL_ROWS:
                    value = item.explanation.get(key)
                    shown = "—" if value is None else french.number(value, 2)
                    ui.label(f"{label} : {shown}")

    def _unsupplied(self, items) -> None:
        with ui.card().classes("w-full gap-2 border-l-8 border-red-700").mark(
            "forecast-unsupplied"
        ):
            ui.label("Sans fournisseur référencé au livret : commande impossible").classes(
                "text-xl font-bold text-red-800")
            ui.label("Faites référencer un fournisseur pour ces produits (table "
                     "supplier_products de l'instantané) ou commandez hors de l'application.")
            for item in items:
                self._line(item)

    def _uncomputed(self, result: Forecast) -> None:
        rows = [
            {"day": french.day(u.line.planned_date) if u.line.planned_date else "—",
             "patient": u.line.patient_id or "—",
             "prescription": f"{u.line.prescription_id or '—'} "
                             f"({SOURCE_LABELS.get(u.line.source, u.line.source)})",
             "drug": u.line.drug_inn or u.line.drug_id or "—",
             "dose": french.dose(u.line.dose, u.line.unit) if u.line.dose is not None else "—",
             "reason": u.reason}
            for u in result.uncomputed
        ]
        columns = [
            {"name": "day", "label": "Jour", "field": "day", "align": "left"},
            {"name": "patient", "label": "Patient", "field": "patient", "align": "left"},
            {"name": "prescription", "label": "Prescription", "field": "prescription",
             "align": "left"},
            {"name": "drug", "label": "Médicament", "field": "drug", "align": "left"},
            {"name": "dose", "label": "Dose", "field": "dose", "align": "left"},
            {"name": "reason", "label": "Pourquoi", "field": "reason", "align": "left",
             "classes": "whitespace-normal", "style": "min-width: 24rem"},
        ]
        with ui.card().classes("w-full gap-2 border-l-8 border-orange-600").mark(
            "forecast-uncomputed"
        ):
            ui.label(f"Lignes non chiffrées ({len(rows)}) : comptées nulle part").classes(
                "text-xl font-bold text-orange-900")
            ui.label("Ces lignes prévues n'ont pas pu être converties en flacons ; vérifiez-les "
                     "et ajustez la commande à la main si besoin.")
            ui.table(columns=columns, rows=rows, pagination=20).classes("w-full").mark(
                "forecast-uncomputed-table")

    # --- editing -------------------------------------------------------------------------------
    def tick(self, product_id: str, value: bool) -> None:
        if value:
            self.ticked.add(product_id)
        else:
            self.ticked.discard(product_id)
        self._refresh(product_id)

    def set_packs(self, product_id: str, value: object) -> None:
        self.packs[product_id] = value
        self._refresh(product_id)

    def _refresh(self, product_id: str) -> None:
        if self.result is None:
            return
        item = self.result.suggestion(product_id)
        if item is None:
            return
        self._amount(item)
        group = self.result.group(item.supplier_id or "")
        if group is not None:
            self._total(group)

    def _amount(self, item: Suggestion) -> None:
        label = self.amounts.get(item.product_id)
        if label is None or item.referencing is None:
            return
        packs = whole_packs(self.packs.get(item.product_id))
        if packs is None:
            label.set_text("nombre de boîtes invalide")
            return
        vials = packs * item.referencing.pack_size
        price = item.referencing.unit_price
        amount = None if price is None else vials * price
        text = f"= {french.number(vials, 0)} flacon(s) · {money(amount)}"
        label.set_text(text if item.product_id in self.ticked else f"non commandé ({text})")

    def _chosen(self, group: SupplierGroup) -> list[tuple[Suggestion, int | None]]:
        return [(s, whole_packs(self.packs.get(s.product_id))) for s in group.suggestions
                if s.product_id in self.ticked]

    def _total(self, group: SupplierGroup) -> None:
        label = self.totals.get(group.supplier.supplier_id)
        if label is None:
            return
        chosen = self._chosen(group)
        total = sum(p * s.referencing.pack_size * (s.unit_price or 0.0)
                    for s, p in chosen if p and s.referencing)
        label.set_text(f"{len(chosen)} ligne(s) cochée(s) · total {money(total)}")

    # --- ordering ------------------------------------------------------------------------------
    async def create(self, group: SupplierGroup) -> None:
        sid = group.supplier.supplier_id
        button, error = self.buttons.get(sid), self.errors[sid]
        if button is None or not button.enabled:  # a second click queued behind the first
            return
        error.set_text("")
        chosen = self._chosen(group)
        if not chosen:
            error.set_text("Aucune ligne cochée : cochez au moins un produit à commander.")
            return
        wrong = [s.product_name for s, p in chosen if p is None]
        if wrong:
            error.set_text("Nombre de boîtes invalide (un entier d'au moins 1 est attendu) "
                           f"pour : {', '.join(wrong)}. Rien n'a été commandé.")
            return
        lines = [orders.LineRequest(product_id=s.product_id, packs=p,
                                    explanation=line_explanation(s, p)) for s, p in chosen]
        key = self.keys[sid]
        async with disabled(button):
            try:
                order_id = await run.io_bound(
                    lambda: orders.create_order(
                        self.app.store, self.user, sid, lines, origin="suggestion",
                        settings=self.app.settings, now=common.now(), request_key=key))
            except ChemoFallbackError as exc:
                error.set_text(str(exc))
                return
        if order_id:
            button.disable()  # the page is leaving: a late second click does nothing
            ui.navigate.to(common.order_url(order_id))


def forecast_view(user: User, days_text: str = "") -> ForecastScreen:
    return ForecastScreen(user, days_text)


def register() -> None:
    from chemo_fallback.web.access import protected_page

    @protected_page("/achats/prevision", Permission.STOCK_READ, "Prévision et suggestions")
    def forecast_page(user: User, jours: str = "") -> None:
        forecast_view(user, jours)
