"""The documents block of an order's page (/commandes/{order_id}): the purchase order PDF
(first print, then « Réimprimer (DUPLICATA) »; once the order changed since, the new one) and
the e-mail text to paste into the site's mail client (the app sends nothing), each field with
a copy button. Thin: order_document and order_email build everything."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import order_document
from chemo_fallback.modules.ordering.order_email import OrderEmail, order_email
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


def order_documents_section(order_id: str, user: User) -> None:
    """The block, inside the caller's layout."""
    OrderDocuments(order_id, user)


class OrderDocuments:
    def __init__(self, order_id: str, user: User) -> None:
        self.app = state.current()
        self.order_id = order_id
        self.user = user
        with ui.card().classes("w-full gap-2").mark("order-documents"):
            ui.label("Bon de commande et e-mail au fournisseur").classes("text-lg font-bold")
            self.printed = ui.label().classes("whitespace-pre-line").mark("po-printed")
            with ui.row().classes("items-center gap-3"):
                self.print_button = ui.button(
                    "Imprimer le bon de commande", icon="print", on_click=self.print_new
                ).props("no-caps").mark("po-print")
                self.reprint_button = ui.button(
                    "Réimprimer (DUPLICATA)", icon="print", on_click=self.reprint
                ).props("outline no-caps").mark("po-reprint")
            self.error = common.error_label("po-error")
            ui.separator()
            ui.label(
                "E-mail à copier dans la messagerie (l'application n'envoie rien) ; joignez-y "
                "le bon de commande imprimé en PDF."
            ).classes("text-sm")
            self.email_box = ui.column().classes("w-full gap-2")
        self.print_button.set_visibility(False)
        self.reprint_button.set_visibility(False)
        ui.timer(0, self.refresh, once=True)

    # --- reads --------------------------------------------------------------------------------
    def _state(self) -> tuple[object, bool, OrderEmail]:
        store, settings = self.app.store, common.settings()
        document, current = order_document.printed_is_current(store, self.order_id, settings)
        return document, current, order_email(store.cursor(), self.order_id, settings)

    async def refresh(self) -> None:
        try:
            document, current, email = await run.io_bound(self._state)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            self.print_button.set_visibility(False)
            self.reprint_button.set_visibility(False)
            return
        if document is None:
            self.printed.set_text("Le bon de commande n'a pas encore été imprimé.")
            self.print_button.set_text("Imprimer le bon de commande")
        elif current:
            self.printed.set_text(
                f"Bon de commande imprimé le {french.moment(document.printed_at)} par "
                f"{document.printed_by_name} (document n° {document.number}). Une nouvelle "
                "impression est un duplicata."
            )
        else:
            self.printed.set_text(
                f"Le bon imprimé le {french.moment(document.printed_at)} (document n° "
                f"{document.number}) ne dit plus ce que dit la commande (confirmée, annulée ou "
                "modifiée depuis) : imprimez le bon à jour."
            )
            self.print_button.set_text("Imprimer le bon de commande à jour")
        self.print_button.set_visibility(document is None or not current)
        self.reprint_button.set_visibility(document is not None and current)
        self._show_email(email)

    def _show_email(self, email: OrderEmail) -> None:
        self.email_box.clear()
        with self.email_box:
            for label, value, marker, multi in (
                ("À", email.to, "email-to", False),
                ("Objet", email.subject, "email-subject", False),
                ("Message", email.body, "email-body", True),
            ):
                with ui.row().classes("w-full items-start gap-2 no-wrap"):
                    field = (ui.textarea(label, value=value).props("readonly outlined autogrow")
                             if multi else ui.input(label, value=value).props("readonly outlined"))
                    field.classes("grow").mark(marker)
                    if marker == "email-to" and not email.has_address:
                        field.classes("text-red-800")
                    ui.button(icon="content_copy", on_click=lambda v=value: self.copy(v)).props(
                        "flat dense").tooltip(f"Copier : {label.lower()}").mark(f"{marker}-copy")

    def copy(self, text: str) -> None:
        ui.clipboard.write(text)
        ui.notify("Copié : collez-le dans la messagerie.", type="positive")

    # --- actions ------------------------------------------------------------------------------
    def _print(self):
        return order_document.print_purchase_order(
            self.app.store, self.user, self.order_id, common.settings(), now=common.now())

    async def print_new(self) -> None:
        if not self.print_button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.print_button, self.reprint_button):
            try:
                document = await run.io_bound(self._print)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        offer_pdf(document.pdf, document.filename)
        await self.refresh()

    async def reprint(self) -> None:
        if not self.reprint_button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.print_button, self.reprint_button):
            try:
                document, pdf = await run.io_bound(
                    order_document.reprint_purchase_order, self.app.store, self.user,
                    self.order_id)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        offer_pdf(pdf, document.filename)
        await self.refresh()
