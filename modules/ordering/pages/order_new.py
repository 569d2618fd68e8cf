"""A new order by hand (/commandes/nouvelle): choose a supplier, then the packs of its
formulary products (name, code, reference, pack size, unit price); "Créer la commande" records
a draft and opens it. Thin: orders.create_order checks and records."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import orders
from chemo_fallback.modules.ordering.pages import common, order_reads
from chemo_fallback.modules.ordering.pages.orders_page import money
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled

COLUMNS = ("Produit", "Code", "Réf. fournisseur", "Conditionnement", "Prix unitaire HT",
           "Délai", "Conditionnements à commander")


class NewOrderForm:
    def __init__(self, user: User, supplier_id: str | None) -> None:
        self.app = state.current()
        self.user = user
        self.key = request_keys.new_key()
        self.packs: dict[str, ui.number] = {}
        ui.link("← Commandes", "/commandes").mark("new-back")
        self.error = common.error_label("new-error")
        try:
            found = order_reads.suppliers(self.app.store, user)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        options = {s.supplier_id: s.name for s in found}
        ui.label("Seuls les produits au livret de ce fournisseur peuvent être commandés.").classes(
            "text-sm")
        self.supplier = ui.select(options, label="Fournisseur", on_change=self.show_offers,
                                  value=supplier_id if supplier_id in options else None
                                  ).classes("w-96").mark("new-supplier")
        self.offers = ui.column().classes("w-full gap-0").mark("new-offers")
        self.note = ui.textarea("Note pour le fournisseur (facultative)").classes("w-full")
        self.note.mark("new-note")
        self.create_button = ui.button("Créer la commande (brouillon)", icon="save",
                                       on_click=self.create).props("no-caps").mark("new-create")
        self.show_offers()

    def show_offers(self) -> None:
        self.offers.clear()
        self.packs = {}
        self.key = request_keys.new_key()  # another supplier: another order
        supplier_id = self.supplier.value
        with self.offers:
            if not supplier_id:
                ui.label("Choisissez d'abord le fournisseur.").mark("new-choose-supplier")
                return
            offers = order_reads.formulary_offers(self.app.store, self.user, supplier_id)
            if not offers:
                ui.label("Ce fournisseur n'a aucun produit au livret.")
                return
            with ui.grid(columns=len(COLUMNS)).classes("w-full gap-x-4 gap-y-1 items-center"):
                for title in COLUMNS:
                    ui.label(title).classes("font-bold border-b")
                for offer in offers:
                    ref, product = offer.referencing, offer.product
                    ui.label(product.name)
                    ui.label(product.product_id).classes("font-mono text-sm")
                    ui.label(ref.supplier_ref or "—").classes("font-mono text-sm")
                    ui.label(f"{ref.pack_size} flacon(s)")
                    ui.label(money(ref.unit_price) + " / flacon")
                    ui.label(f"{ref.lead_time_days} j" if ref.lead_time_days is not None
                             else "—")
                    self.packs[product.product_id] = ui.number(
                        value=None, min=0, step=1, format="%d").classes("w-32").mark(
                        f"new-packs-{product.product_id}")

    async def create(self) -> None:
        if not self.create_button.enabled:
            return
        self.error.set_text("")
        supplier_id = self.supplier.value
        lines = [orders.LineRequest(product_id, field.value)
                 for product_id, field in self.packs.items()
                 if field.value not in (None, "", 0)]
        if not supplier_id:
            self.error.set_text("Choisissez le fournisseur.")
            return
        async with disabled(self.create_button):
            try:
                order_id = await run.io_bound(
                    lambda: orders.create_order(
                        self.app.store, self.user, supplier_id, lines, origin="manual",
                        note=self.note.value, settings=common.settings(), now=common.now(),
                        request_key=self.key)
                )
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        if order_id is None:
            return
        self.create_button.disable()  # the page is leaving: a late second click does nothing
        ui.notify(f"Commande {order_id} créée (brouillon) : vérifiez-la, imprimez le bon de "
                  "commande puis envoyez-la.", type="positive")
        ui.navigate.to(common.order_url(order_id))


def register() -> None:
    @protected_page("/commandes/nouvelle", Permission.ORDER_WRITE, "Nouvelle commande")
    def new_order(user: User, fournisseur: str | None = None) -> None:
        NewOrderForm(user, fournisseur)

