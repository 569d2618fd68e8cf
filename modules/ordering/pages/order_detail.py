"""An order's page (/commandes/{order_id}): its header (supplier, status, dates, supplier's
reference, promised date, late), the purchase order and e-mail block, the lines (packs × pack
size, vials, prices, received and remaining; the forecast's explanation), the status buttons
allowed by its status and the user's role, the reception panel (a scan field for a
keyboard-wedge scanner, or the lot and expiry typed) and the receptions recorded. Thin: the
services (orders, receiving) check and record."""

from __future__ import annotations

import asyncio
import json

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.pages.common import ENTER_VALUE, entered_text
from chemo_fallback.modules.fabrication.scanning import parse_vial_code
from chemo_fallback.modules.ordering import orders, receiving
from chemo_fallback.modules.ordering.order_rules import CANCELLABLE, RECEIVABLE
from chemo_fallback.modules.ordering.pages import common, order_reads
from chemo_fallback.modules.ordering.pages.order_documents import order_documents_section
from chemo_fallback.modules.ordering.pages.orders_page import money, status_badge
from chemo_fallback.patients.rules import parse_day
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard

LINE_COLUMNS = ("Ligne", "Produit", "Réf. fournisseur", "Quantité", "Flacons", "Prix unit. HT",
                "Montant HT", "Reçus", "Restent")
ENTRY_LABELS = {"scan": "scan", "manual": "saisie manuelle"}
OK = "whitespace-pre-line text-green-800 font-bold"


def explanation_text(explanation: str | None) -> str | None:
    """The forecast's explanation of a suggested quantity: its one-line text when it is JSON
    with one, else the text as stored."""
    if not explanation:
        return None
    try:
        data = json.loads(explanation)
    except ValueError:
        return explanation
    if isinstance(data, dict):
        for key in ("text", "explanation", "summary"):
            if isinstance(data.get(key), str):
                return data[key]
    return explanation


class OrderScreen:
    def __init__(self, user: User, order_id: str) -> None:
        self.app = state.current()
        self.user = user
        self.order_id = order_id
        self.view: order_reads.OrderView | None = None
        self.may_write = allowed(user.role, Permission.ORDER_WRITE)
        self.may_receive = allowed(user.role, Permission.ORDER_RECEIVE)
        self.reception_key = request_keys.new_key()
        self.scanned_code: str | None = None
        self.scanned_lot: str | None = None
        self.scan_lock = asyncio.Lock()
        ui.link("← Commandes", "/commandes").mark("order-back")
        self.load_error = common.error_label("order-load-error")
        self.header = ui.column().classes("w-full gap-2").mark("order-header")
        with self.header:
            ui.spinner(size="lg")
        self.documents = ui.column().classes("w-full")
        self.actions = ui.row().classes("gap-2 items-center").mark("order-actions")
        self.error = common.error_label("order-error")
        self.lines = ui.column().classes("w-full gap-0").mark("order-lines")
        self._reception_panel()
        self.receptions = ui.column().classes("w-full gap-0").mark("order-receptions")
        ui.timer(0, self.first_load, once=True)

    # --- reading and drawing -------------------------------------------------------------------
    async def first_load(self) -> None:
        await self.reload()
        if self.view is not None:
            with self.documents:
                order_documents_section(self.order_id, self.user)

    async def reload(self) -> None:
        try:
            view = await run.io_bound(order_reads.order_view, self.app.store, self.user,
                                      self.order_id, common.today())
        except ChemoFallbackError as exc:
            self.header.clear()
            self.load_error.set_text(str(exc))
            return
        self.header.clear()
        if view is None:
            self.load_error.set_text(
                f"Commande « {self.order_id} » introuvable : vérifiez le numéro (CMD suivi de 6 "
                "chiffres) ou retrouvez-la dans la liste des commandes.")
            self.load_error.mark("order-unknown")
            self.reception_area.set_visibility(False)
            return
        self.view = view
        with self.header:
            self._header(view)
        self.lines.clear()
        with self.lines:
            self._lines(view)
        self.receptions.clear()
        with self.receptions:
            self._receptions(view)
        self._actions(view)
        receivable = view.order.status in RECEIVABLE and self.may_receive
        self.reception_area.set_visibility(receivable)
        if receivable:
            open_lines = {li.order_line_id: f"{li.line_no:02d} — "
                          f"{view.product_name(li.product_id)} (restent "
                          f"{french.number(li.remaining_vials)} flacon(s))"
                          for li in view.lines if li.remaining_vials > 0}
            self.line_select.set_options(open_lines)
            if self.line_select.value not in open_lines:
                self.line_select.set_value(next(iter(open_lines), None))

    def _header(self, view: order_reads.OrderView) -> None:
        order = view.order
        with ui.row().classes("items-center gap-3"):
            ui.label(f"Commande {order.order_id}").classes("text-2xl font-bold font-mono")
            status_badge(order.status, "order-status")
            if view.late:
                ui.label("en retard").classes(
                    "px-2 py-0.5 rounded font-bold bg-red-700 text-white").mark("order-late")
        facts = [
            ("Fournisseur", view.supplier_name),
            ("Origine", "suggestions de la prévision" if order.origin == "suggestion"
             else "saisie à la main"),
            ("Créée", f"{french.moment(order.created_at)} par {order.created_by_name}"),
            ("Envoyée", french.moment(order.sent_at) if order.sent_at else "—"),
            ("Confirmée", french.moment(order.confirmed_at) if order.confirmed_at else "—"),
            ("Référence fournisseur", order.supplier_reference or "—"),
            ("Livraison promise", french.day(order.promised_date) if order.promised_date
             else "—"),
            ("Expédiée", french.moment(order.shipped_at) if order.shipped_at else "—"),
            ("Reçue en entier", french.moment(order.received_at) if order.received_at else "—"),
            ("Clôturée", french.moment(order.closed_at) if order.closed_at else "—"),
            ("Délai de livraison", f"{view.lead_time_days} j" if view.lead_time_days is not None
             else "—"),
            ("Adresse de livraison", order.delivery_address),
        ]
        if order.status_reason:
            facts.append(("Motif", order.status_reason))
        if order.note:
            facts.append(("Note", order.note))
        with ui.grid(columns=2).classes("gap-x-6 gap-y-0"):
            for name, value in facts:
                ui.label(name).classes("font-bold")
                ui.label(value).classes("whitespace-pre-line").classes(
                    "text-red-800 font-bold" if view.late and name == "Livraison promise"
                    else "")

    def _lines(self, view: order_reads.OrderView) -> None:
        draft = view.order.status == "draft" and self.may_write
        columns = LINE_COLUMNS + (("",) if draft else ())
        with ui.grid(columns=len(columns)).classes("w-full gap-x-4 gap-y-1 items-center"):
            for title in columns:
                ui.label(title).classes("font-bold border-b")
            for line in view.lines:
                lid = line.order_line_id
                ui.label(f"{line.line_no:02d}").classes("font-mono")
                with ui.column().classes("gap-0"):
                    ui.label(view.product_name(line.product_id)).mark(f"line-product-{lid}")
                    why = explanation_text(line.explanation)
                    if why:
                        ui.label(why).classes("text-xs text-slate-600").mark(
                            f"line-explanation-{lid}")
                ui.label(line.supplier_ref or "—").classes("font-mono text-sm")
                if draft:
                    with ui.row().classes("items-center gap-1 no-wrap"):
                        packs = ui.number(value=line.packs, min=1, step=1, format="%d").classes(
                            "w-20").mark(f"line-packs-{lid}")
                        ui.label(f"× {line.pack_size}")
                else:
                    ui.label(f"{line.packs} × {line.pack_size}").mark(f"line-qty-{lid}")
                ui.label(french.number(line.quantity_vials))
                ui.label(money(line.unit_price))
                ui.label(money(line.amount))
                ui.label(french.number(line.received_vials)).mark(f"line-received-{lid}")
                ui.label(french.number(line.remaining_vials)).mark(f"line-remaining-{lid}")
                if draft:
                    with ui.row().classes("gap-1"):
                        save = ui.button(icon="save").props("flat dense").mark(f"line-save-{lid}")
                        save.on_click(lambda _e, li=lid, p=packs, b=save: self.change_line(
                            li, p.value, b))
                        remove = ui.button(icon="remove_circle_outline").props(
                            "flat dense color=red").mark(f"line-remove-{lid}")
                        remove.on_click(lambda _e, li=lid, b=remove: self.change_line(
                            li, None, b, remove=True))
        ui.label(f"Total HT : {money(view.total)}").classes("text-lg font-bold mt-2").mark(
            "order-total")

    def _receptions(self, view: order_reads.OrderView) -> None:
        ui.label("Réceptions enregistrées").classes("text-lg font-bold mt-4")
        if not view.receptions:
            ui.label("Aucune réception pour l'instant.").mark("receptions-none")
            return
        lines = {li.order_line_id: li for li in view.lines}
        columns = ("Ligne", "Produit", "Lot", "Péremption", "Flacons", "Saisie", "Par", "Le")
        with ui.grid(columns=len(columns)).classes("w-full gap-x-4 gap-y-1"):
            for title in columns:
                ui.label(title).classes("font-bold border-b")
            for row in view.receptions:
                line = lines.get(row["order_line_id"])
                ui.label(f"{line.line_no:02d}" if line else row["order_line_id"])
                ui.label(view.product_name(row["product_id"]))
                ui.label(row["lot"]).classes("font-mono").mark(
                    f"reception-lot-{row['movement_id']}")
                ui.label(french.day(row["expiry_date"]))
                ui.label(french.number(row["quantity"]))
                ui.label(ENTRY_LABELS.get(row["entry"], row["entry"] or "—"))
                ui.label(row["recorded_by_name"])
                ui.label(french.moment(row["recorded_at"]))

    def _actions(self, view: order_reads.OrderView) -> None:
        self.actions.clear()
        if not self.may_write:
            return
        status = view.order.status
        with self.actions:
            if status == "draft":
                self._button("Marquer envoyée au fournisseur", "send", "order-send",
                             self.send, "no-caps")
            if status == "sent":
                self._button("Confirmation du fournisseur", "fact_check", "order-confirm",
                              self.confirm, "no-caps")
            if status in ("sent", "confirmed"):
                self._button("Marquer expédiée", "local_shipping", "order-ship", self.ship,
                             "outline no-caps")
            if status in ("received", "partially_received"):
                self._button("Clôturer la commande", "task_alt", "order-close", self.close,
                             "color=green no-caps")
            if status in CANCELLABLE:
                self._button("Annuler la commande", "cancel", "order-cancel", self.cancel,
                             "outline color=red no-caps")

    @staticmethod
    def _button(text, icon, marker, handler, props) -> ui.button:
        return ui.button(text, icon=icon, on_click=handler).props(props).mark(marker)

    # --- status changes ------------------------------------------------------------------------
    async def _run(self, button, act, done: str) -> bool:
        self.error.set_text("")
        async with disabled(button):
            try:
                await run.io_bound(act)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return False
        ui.notify(done, type="positive")
        await self.reload()
        return True

    async def send(self, event) -> None:
        if not event.sender.enabled:
            return
        await self._run(event.sender, lambda: orders.send_order(
            self.app.store, self.user, self.order_id, now=common.now()),
            "Commande marquée envoyée : elle est attendue du fournisseur.")

    async def ship(self, event) -> None:
        if not event.sender.enabled:
            return
        await self._run(event.sender, lambda: orders.mark_shipped(
            self.app.store, self.user, self.order_id, now=common.now()),
            "Commande marquée expédiée.")

    async def change_line(self, line_id: str, packs, button, *, remove: bool = False) -> None:
        if not button.enabled:
            return
        await self._run(button, lambda: orders.update_draft_line(
            self.app.store, self.user, self.order_id, line_id, packs=packs, remove=remove,
            now=common.now()), "Ligne retirée." if remove else "Quantité modifiée.")

    def confirm(self) -> None:
        with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(f"Confirmation de la commande {self.order_id}").classes("text-xl font-bold")
            ui.label("Recopiez l'accusé de réception du fournisseur.")
            reference = ui.input("Référence de la commande chez le fournisseur").classes(
                "w-full").mark("confirm-reference")
            promised = ui.input("Livraison promise le (JJ/MM/AAAA)").classes("w-full").mark(
                "confirm-date")
            error = common.error_label("confirm-error")

            async def save() -> None:
                if not save_button.enabled:
                    return
                error.set_text("")
                day = parse_day(promised.value, "Date de livraison promise")
                if isinstance(day, str):
                    error.set_text(day)
                    return
                async with disabled(save_button, close_button):
                    try:
                        await run.io_bound(lambda: orders.confirm_order(
                            self.app.store, self.user, self.order_id, reference.value, day,
                            now=common.now()))
                    except ChemoFallbackError as exc:
                        error.set_text(str(exc))
                        return
                dialog.close()
                with dialog.parent_slot:  # what follows must outlive the dialog
                    ui.notify("Commande confirmée.", type="positive")
                    await self.reload()
                discard(dialog)

            with ui.row().classes("w-full justify-end"):
                close_button = ui.button("Fermer", on_click=lambda: discard(dialog)).props(
                    "flat").mark("confirm-close")
                save_button = ui.button("Enregistrer la confirmation", on_click=save).mark(
                    "confirm-save")
        dialog.open()

    def _reason_dialog(self, title: str, lines: list[str], label: str, act, *, confirm: str,
                       marker: str, done: str) -> None:
        with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem] max-w-full"):
            ui.label(title).classes("text-xl font-bold")
            for line in lines:
                ui.label(line)
            reason = ui.textarea(label).classes("w-full").mark(f"{marker}-reason")
            error = common.error_label(f"{marker}-error")

            async def save() -> None:
                if not save_button.enabled:
                    return
                error.set_text("")
                async with disabled(save_button, close_button):
                    try:
                        await run.io_bound(act, reason.value or "")
                    except ChemoFallbackError as exc:
                        error.set_text(str(exc))
                        return
                dialog.close()
                with dialog.parent_slot:  # what follows must outlive the dialog
                    ui.notify(done, type="positive")
                    await self.reload()
                discard(dialog)

            with ui.row().classes("w-full justify-end"):
                close_button = ui.button("Fermer", on_click=lambda: discard(dialog)).props(
                    "flat").mark(f"{marker}-close")
                save_button = ui.button(confirm, on_click=save).mark(f"{marker}-save")
        dialog.open()

    def cancel(self) -> None:
        self._reason_dialog(
            f"Annuler la commande {self.order_id}",
            ["Prévenez le fournisseur si elle lui a été envoyée. Une commande dont des flacons "
             "ont été reçus ne s'annule pas : elle se clôture."],
            "Motif de l'annulation (obligatoire)",
            lambda reason: orders.cancel_order(self.app.store, self.user, self.order_id,
                                               reason, now=common.now()),
            confirm="Annuler la commande", marker="cancel", done="Commande annulée.")

    def close(self) -> None:
        partial = self.view is not None and self.view.order.status == "partially_received"
        self._reason_dialog(
            f"Clôturer la commande {self.order_id}",
            ["Des flacons restent à recevoir : dites ce qui ne viendra pas et pourquoi ; ils ne "
             "seront plus attendus par la prévision."] if partial else
            ["Tout a été reçu : la commande est terminée."],
            "Motif (obligatoire : ce qui ne viendra pas)" if partial else "Motif (facultatif)",
            lambda reason: orders.close_order(self.app.store, self.user, self.order_id,
                                              reason, now=common.now()),
            confirm="Clôturer", marker="close", done="Commande clôturée.")

    # --- receptions ----------------------------------------------------------------------------
    def _reception_panel(self) -> None:
        with ui.card().classes("w-full gap-2 border-l-8 border-teal-700") as self.reception_area:
            ui.label("Réception : scanner le DataMatrix d'un flacon de chaque lot reçu").classes(
                "text-lg font-bold")
            self.line_select = ui.select({}, label="Ligne reçue").classes("w-[36rem]").mark(
                "reception-line")
            self.scan_field = ui.input(
                "Scan du flacon (le lecteur tape le code puis Entrée)").classes(
                "w-full text-lg").props("outlined").mark("reception-scan")
            self.scan_field.on("keydown.enter", self.scan, js_handler=ENTER_VALUE)
            self.scan_read = ui.label().classes("whitespace-pre-line").mark("reception-read")
            with ui.row().classes("items-end gap-4 w-full"):
                self.lot = ui.input("Lot (si non scanné)").classes("w-48").mark("reception-lot")
                self.expiry = ui.input("Péremption (JJ/MM/AAAA)").classes("w-48").mark(
                    "reception-expiry")
                self.quantity = ui.number("Flacons reçus de ce lot", min=1, step=1,
                                          format="%d").classes("w-48").mark("reception-quantity")
                self.receive_button = ui.button("Enregistrer la réception", icon="inventory",
                                                on_click=self.receive).props(
                    "color=teal no-caps").mark("reception-save")
            self.reception_message = ui.label().classes("whitespace-pre-line").mark(
                "reception-message")
        self.reception_area.set_visibility(False)

    def _say(self, text: str, ok: bool) -> None:
        self.reception_message.set_text(text)
        self.reception_message.classes(replace=OK if ok else common.ERROR)

    async def scan(self, event) -> None:
        """What the scanner typed: read now (lot, expiry; the line of its product chosen), kept
        for "Enregistrer la réception" once the quantity is typed."""
        code = entered_text(event, self.scan_field)
        async with self.scan_lock:
            self.scan_field.value = ""
            self.scanned_code = None
            try:
                vial = parse_vial_code(
                    code, separator_substitute=common.settings().gs1_separator_substitute)
            except ChemoFallbackError as exc:
                self.scan_read.set_text(f"Code refusé : {exc}")
                self.scan_read.classes(replace="whitespace-pre-line " + common.ERROR)
                return
            self.scanned_code, self.scanned_lot = code, vial.lot
            view = self.view
            matching = [li for li in (view.lines if view else ())
                        if li.remaining_vials > 0 and (
                            view.products.get(li.product_id) is not None
                            and (view.products[li.product_id].gtin or "").zfill(14)
                            == vial.gtin)]
            if matching:
                self.line_select.set_value(matching[0].order_line_id)
            expiry = french.day(vial.expiry) if vial.expiry else "non donnée par le code"
            self.scan_read.set_text(
                f"Lu : GTIN {vial.gtin}, lot {vial.lot}, péremption {expiry}. Saisissez le "
                "nombre de flacons de ce lot reçus puis « Enregistrer la réception ».")
            self.scan_read.classes(replace=OK)
            self.lot.value, self.expiry.value = vial.lot, (
                french.day(vial.expiry) if vial.expiry else "")
            self.quantity.run_method("focus")

    async def receive(self) -> None:
        if not self.receive_button.enabled:
            return
        self._say("", True)
        line_id = self.line_select.value
        if not line_id:
            self._say("Choisissez la ligne reçue.", False)
            return
        code = self.scanned_code
        lot = (self.lot.value or "").strip()
        if code is not None and lot.upper() != (self.scanned_lot or "").upper():
            code = None  # the lot was retyped after the scan: what is typed is recorded
        expiry = None
        if (self.expiry.value or "").strip():
            expiry = parse_day(self.expiry.value, "Péremption")
            if isinstance(expiry, str):
                self._say(expiry, False)
                return
        quantity = self.quantity.value
        async with disabled(self.receive_button):
            try:
                movement_id = await run.io_bound(lambda: receiving.receive(
                    self.app.store, self.user, self.order_id, line_id, code=code,
                    lot=None if code else lot, expiry_date=expiry, quantity=quantity,
                    settings=common.settings(), now=common.now(),
                    request_key=self.reception_key))
            except ChemoFallbackError as exc:
                self._say(f"Réception refusée : {exc}", False)
                return
        if movement_id is None:
            return
        self.reception_key = request_keys.new_key()
        self.scanned_code = self.scanned_lot = None
        self.scan_read.set_text("")
        self.lot.value, self.expiry.value, self.quantity.value = "", "", None
        self._say(f"Réception enregistrée (mouvement n° {movement_id}) : les flacons sont "
                  "dans le stock.", True)
        await self.reload()
        self.scan_field.run_method("focus")


def register() -> None:
    @protected_page("/commandes/{order_id}", Permission.STOCK_READ, "Commande fournisseur")
    def order_page(user: User, order_id: str) -> None:
        OrderScreen(user, order_id)
