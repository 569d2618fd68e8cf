"""A delivery round (/dispensation/tournee/{id}), what the pharmacy keeps open while a round is
made up: a scan field for a keyboard-wedge scanner (each label's barcode, then Enter), the
result of each scan — a refusal big and red, nothing recorded —, the preparations in the round
(each removable with a reason while the round is open), those of the unit's day still to
dispense, "Remettre la tournée" (who carries it, the time: the delivery slip is printed) and the
slip's reprint (DUPLICATA). Thin: dispensing.py records."""

from __future__ import annotations

import asyncio
from datetime import datetime

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.store import reprint
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.pages import dialogs
from chemo_fallback.modules.release import (
    dispensing,
    dispensing_document,
    dispensing_handover,
    dispensing_reads,
)
from chemo_fallback.modules.release.dispensing_reads import ItemView, RoundView
from chemo_fallback.modules.release.pages import dispensing_common as common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard

assert dispensing_document.KIND  # the slip's renderer is registered for its reprints


def parse_time(text: str | None, day) -> datetime:
    """"10:05" or "10 h 05" typed for the hand-over: that time of `day`."""
    value = (text or "").strip().lower().replace(" ", "").replace("h", ":")
    try:
        hours, minutes = value.split(":") if ":" in value else (value, "0")
        return datetime.combine(day, datetime.min.time()).replace(
            hour=int(hours), minute=int(minutes or 0))
    except ValueError as exc:
        raise ChemoFallbackError(
            f"Heure « {text} » illisible : écrivez-la HH:MM (par exemple 10:05).") from exc


class RoundScreen:
    def __init__(self, user: User, round_id: int) -> None:
        self.app = state.current()
        self.user = user
        self.round_id = round_id
        self.view: RoundView | None = None
        self.may_dispense = allowed(user.role, Permission.DISPENSE)
        self.scan_lock = asyncio.Lock()  # two labels scanned back to back are recorded in turn
        self.handover_key = request_keys.new_key()
        self._build()

    def _build(self) -> None:
        self.back = ui.link("← Tournées de l'unité", common.dispensing_url()).mark("round-back")
        self.load_error = common.error_label("round-load-error")
        self.header = ui.column().classes("w-full gap-1").mark("round-header")
        with ui.card().classes("w-full gap-2 border-l-8 border-blue-800") as self.scan_area:
            ui.label("Scanner l'étiquette de chaque préparation qui part dans la tournée")\
                .classes("text-lg font-bold")
            self.scan_field = ui.input(
                "Scan de l'étiquette (le lecteur tape le code puis Entrée)"
            ).classes("w-full text-lg").props("autofocus outlined").mark("round-scan")
            self.scan_field.on("keydown.enter", self.scan, js_handler=common.ENTER_VALUE)
        self.scan_area.set_visibility(False)
        self.result = ui.label().mark("round-scan-result")
        self.result.set_visibility(False)
        self.actions = ui.row().classes("gap-2 items-center").mark("round-actions")
        self.error = common.error_label("round-error")
        self.items = ui.column().classes("w-full gap-2").mark("round-items")
        self.pending = ui.column().classes("w-full gap-2").mark("round-pending")
        ui.timer(0, self.reload, once=True)

    def _read(self) -> tuple[RoundView, list[ItemView]]:
        view = dispensing_reads.round_view(self.app.store, self.user, self.round_id)
        pending = (dispensing_reads.to_dispense(self.app.store, self.user, view.row["ward_id"],
                                                view.row["day"])
                   if view.status == "open" else [])
        return view, pending

    async def reload(self) -> None:
        try:
            found = await run.io_bound(self._read)
        except ChemoFallbackError as exc:
            self.load_error.set_text(str(exc))
            return
        if found is None:  # the server is stopping
            return
        view, pending = found
        self.view = view
        self.back.props(
            f'href="{common.dispensing_url(view.row["ward_id"], view.row["day"])}"')
        self._header(view)
        is_open = view.status == "open" and self.may_dispense
        self.scan_area.set_visibility(is_open)
        if not is_open:
            self.result.set_visibility(False)  # a scan's result belongs to the open round
        self._actions(view)
        at = common.now()
        self.items.clear()
        with self.items:
            ui.label(f"Dans la tournée ({len(view.items)})").classes("text-xl font-bold")
            if not view.items:
                ui.label("Aucune préparation scannée.").mark("round-empty")
            for item in view.items:
                common.item_card(item, f"round-item-{item.preparation_id}", at,
                                 (lambda i=item: self._item_actions(i)) if is_open else None)
        self.pending.clear()
        if view.status == "open":
            with self.pending:
                ui.label(f"Reste à dispenser pour l'unité ce jour ({len(pending)})").classes(
                    "text-xl font-bold")
                if not pending:
                    ui.label("Toutes les préparations libérées de l'unité pour ce jour sont "
                             "dans une tournée.")
                for item in pending:
                    common.item_card(item, f"round-pending-{item.preparation_id}", at)
        if is_open:
            self.scan_field.run_method("focus")

    def _header(self, view: RoundView) -> None:
        row = view.row
        self.header.clear()
        with self.header:
            with ui.row().classes("items-center gap-4"):
                ui.label(f"{row['label']} — {view.ward_name}").classes("text-3xl font-bold")\
                    .mark("round-title")
                common.badge(view.status_label.upper(), common.ROUND_STYLES[view.status],
                             "round-status").classes("text-lg")
            ui.label(f"Tournée n° {view.round_id} du {french.day(row['day'])} — créée le "
                     f"{french.moment(row['created_at'])} par {view.name(row['created_by'])}")
            if row["handed_over_at"]:
                ui.label(f"Remise le {french.moment(row['handed_over_at'])} par "
                         f"{view.name(row['handed_over_by'])} à {row['carried_by_name']}").classes(
                    "font-bold").mark("round-handed-over")
            if row["received_at"]:
                ui.label(f"Reçue par le service le {french.moment(row['received_at'])} "
                         f"({row['received_by_name']})").classes("font-bold text-green-800")\
                    .mark("round-received")
            elif row["status"] == "handed_over":
                ui.label(f"{view.received_count} sur {len(view.items)} reçue(s) par le service")

    def _actions(self, view: RoundView) -> None:
        self.actions.clear()
        if not self.may_dispense:
            return
        with self.actions:
            if view.status == "open":
                self.handover_button = ui.button(
                    "Remettre la tournée", icon="local_shipping", on_click=self.hand_over
                ).props("color=green no-caps").mark("round-hand-over")
            elif view.slip is not None:
                ui.button("Réimprimer le bordereau (DUPLICATA)", icon="print",
                          on_click=lambda d=view.slip: self.reprint(d)).props(
                    "outline no-caps").mark("round-reprint")

    def _item_actions(self, item: ItemView) -> None:
        ui.button("Retirer", icon="remove_circle",
                  on_click=lambda i=item: self.remove(i)).props(
            "outline color=red no-caps dense").mark(f"round-remove-{item.preparation_id}")

    # --- steps ---------------------------------------------------------------------------------
    async def scan(self, event) -> None:
        code = common.entered_text(event, self.scan_field)
        async with self.scan_lock:
            self.scan_field.value = ""  # the next scan starts on an empty field
            try:
                added = await run.io_bound(
                    lambda: dispensing.add_by_scan(self.app.store, self.user, self.round_id,
                                                   code, now=common.now()))
            except ChemoFallbackError as exc:
                common.show_result(self.result, str(exc), refused=True)
                self.scan_field.run_method("focus")
                return
            if added is None:
                return
            await self.reload()
            shown = next((i for i in self.view.items
                          if i.preparation_id == added["preparation_id"]), None) \
                if self.view else None
            text = f"Ajoutée à la tournée : {added['preparation_id']}"
            if shown is not None:
                text += (f" (n° {shown.register_no}) — {shown.patient_name} — "
                         f"{shown.drug.upper()} {shown.dose}")
            common.show_result(self.result, text + ".", refused=False)

    def remove(self, item: ItemView) -> None:
        async def remove_it(reason: str) -> None:
            await run.io_bound(lambda: dispensing.remove_item(
                self.app.store, self.user, self.round_id, item.preparation_id, reason,
                now=common.now()))
            ui.notify(f"{item.preparation_id} retirée de la tournée.")
            await self.reload()

        dialogs.reason_dialog(
            f"Retirer {item.preparation_id} de la tournée",
            [f"{item.patient_name} — {item.drug.upper()} {item.dose} (n° {item.register_no}). "
             "Elle redevient « libérée » et pourra partir dans une autre tournée ; le retrait "
             "est tracé avec son motif."],
            "Motif du retrait (obligatoire)", remove_it, confirm="Retirer", marker="remove",
        )

    def hand_over(self) -> None:
        view = self.view
        if view is None or not view.items:
            self.error.set_text("Tournée vide : scannez au moins une préparation avant de la "
                                "remettre.")
            return
        self.error.set_text("")
        with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem]"):
            ui.label("Remettre la tournée").classes("text-xl font-bold")
            ui.label(f"{view.row['label']} — {view.ward_name} — {french.day(view.row['day'])}"
                     f" : {len(view.items)} préparation(s). Le bordereau de délivrance est "
                     "imprimé ; la tournée ne change plus.")
            carrier = ui.input("Nom de la personne qui emporte la tournée").classes("w-full")
            carrier.mark("handover-carrier")
            when = ui.input("Heure de la remise (HH:MM)",
                            value=f"{common.now():%H:%M}").classes("w-40")
            when.mark("handover-time")
            error = common.error_label("handover-error")

            async def confirm() -> None:
                if not save.enabled:
                    return
                error.set_text("")
                key = self.handover_key
                async with disabled(save, close):
                    try:
                        at = parse_time(when.value, common.today())
                        document = await run.io_bound(lambda: dispensing_handover.hand_over(
                            self.app.store, self.user, self.round_id, carrier.value or "", at,
                            now=common.now(), request_key=key))
                    except ChemoFallbackError as exc:
                        error.set_text(str(exc))
                        return
                if document is None:
                    return
                self.handover_key = request_keys.new_key()
                dialog.close()
                with dialog.parent_slot:  # what follows must outlive the dialog
                    offer_pdf(document.pdf, document.filename)
                    ui.notify("Tournée remise : bordereau de délivrance imprimé.",
                              type="positive")
                    discard(dialog)
                    await self.reload()

            with ui.row().classes("w-full justify-end"):
                close = ui.button("Fermer", on_click=lambda: discard(dialog)).props("flat")
                close.mark("handover-close")
                save = ui.button("Remettre et imprimer le bordereau", icon="print",
                                 on_click=confirm).props("color=green no-caps")
                save.mark("handover-confirm")
        dialog.open()

    def reprint(self, document) -> None:
        async def reprint_it(reason: str) -> None:
            text = dialogs.required(reason, "dites pourquoi le bordereau est réimprimé")
            pdf = await run.io_bound(reprint, self.app.store, self.user, document.document_id,
                                     text)
            if pdf is not None:
                offer_pdf(pdf, document.filename)
                ui.notify("Duplicata du bordereau imprimé.")

        dialogs.reason_dialog(
            "Réimprimer le bordereau (DUPLICATA)",
            [f"La copie est identique au bordereau imprimé le "
             f"{french.moment(document.printed_at)}, marquée DUPLICATA ; la réimpression est "
             "tracée avec son motif."],
            "Motif de la réimpression (obligatoire)", reprint_it, confirm="Réimprimer",
            marker="reprint",
        )


def round_view(user: User, round_id: str) -> RoundScreen | None:
    try:
        number = int(round_id)
    except ValueError:
        ui.label(f"Tournée « {round_id} » inconnue : revenez à la liste des tournées.").classes(
            common.ERROR).mark("round-load-error")
        return None
    return RoundScreen(user, number)
