"""A preparation (/fabrication/preparation/{id}), what the preparer keeps open at the isolator:
the patient, the drug and dose, the register number, the computation its sheet printed, the
vials scanned; a scan field made for a keyboard-wedge scanner (it types the code then Enter),
the diluent's lot, "Préparation faite", the controller's check, cancelling, and reprints
(DUPLICATA). Thin: steps.py records each step."""

from __future__ import annotations

import asyncio

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.store import PrintedDocument, reprint
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.fabrication.pages import common, dialogs, reads
from chemo_fallback.modules.fabrication.pages.manual_vial import ManualVialForm
from chemo_fallback.modules.fabrication.pages.preparation_parts import (
    computation_card,
    diluent_text,
    expected_vials,
    header_card,
    scans_section,
)
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import identity_banner

SCANNABLE = ("sheet_printed", "in_progress")
CANCELLABLE = ("sheet_printed", "in_progress", "prepared")


class PreparationScreen:
    """The page's parts: what is redrawn after each step (summary, scans, actions) and what
    stays (the scan field keeps its focus, the diluent lot what was typed)."""

    def __init__(self, user: User, preparation_id: str) -> None:
        self.app = state.current()
        self.user = user
        self.preparation_id = preparation_id
        self.view: reads.PreparationView | None = None
        self.may_prepare = allowed(user.role, Permission.FABRICATION_PREPARE)
        self.scan_lock = asyncio.Lock()  # two codes scanned back to back are recorded in turn
        self._build()

    def _build(self) -> None:
        with ui.row().classes("gap-4"):
            self.back = ui.link("← File de production", common.queue_url()).mark("prep-back")
        self.load_error = common.error_label("prep-load-error")
        self.summary = ui.column().classes("w-full gap-3").mark("prep-summary")
        with self.summary:
            ui.spinner(size="lg")
        with ui.card().classes("w-full gap-2 border-l-8 border-blue-800") as self.scan_area:
            ui.label("Flacons : scanner le DataMatrix de chaque flacon ouvert").classes(
                "text-lg font-bold"
            )
            self.scan_field = ui.input(
                "Scan du flacon (le lecteur tape le code puis Entrée)"
            ).classes("w-full text-lg").props("autofocus outlined").mark("scan-field")
            self.scan_field.on("keydown.enter", self.scan, js_handler=common.ENTER_VALUE)
            self.scan_message = ui.label().classes("text-lg whitespace-pre-line").mark(
                "scan-message"
            )
            self.manual = ManualVialForm(self.user, self.preparation_id, self.reload)
            self.expected = ui.column().classes("gap-0").mark("prep-expected-list")
            self.diluent_text = ui.label().mark("prep-diluent")
            with ui.row().classes("items-end gap-4 w-full"):
                self.diluent = ui.input("Lot du solvant (poche ou flacon)").classes("w-72")
                self.diluent.mark("diluent-lot")
                self.made_button = ui.button("Préparation faite", icon="task_alt",
                                             on_click=self.made).props("color=green no-caps")
                self.made_button.mark("mark-prepared")
        self.scan_area.set_visibility(False)
        self.actions = ui.row().classes("gap-2 items-center").mark("prep-actions")
        self.error = common.error_label("prep-error")
        self.details = ui.column().classes("w-full gap-3").mark("prep-details")
        ui.timer(0, self.reload, once=True)

    # --- reading and drawing -------------------------------------------------------------------
    async def reload(self) -> None:
        try:
            view = await run.io_bound(reads.preparation_view, self.app.store, self.user,
                                      self.preparation_id, common.today())
        except ChemoFallbackError as exc:
            self.summary.clear()
            self.load_error.set_text(str(exc))
            return
        if view is None:  # the server is stopping
            return
        self.view = view
        self.back.props(f'href="{common.queue_url(view.row["planned_date"])}"')
        self.summary.clear()
        with self.summary:
            if view.identity is not None:
                identity_banner(view.identity)
            else:
                ui.label(f"Patient {view.row['patient_id']} introuvable (ni dans l'instantané ni "
                         "créé pendant la panne) : ne préparez pas, prévenez le pharmacien."
                         ).classes(common.ERROR)
            header_card(view)
        self.expected.clear()
        with self.expected:
            expected_vials(view)
        self.details.clear()
        with self.details:
            computation_card(view)
            scans_section(view)
        scannable = view.status in SCANNABLE and self.may_prepare
        self.scan_area.set_visibility(scannable)
        plan = view.plan
        self.manual.show(plan, scannable)
        self.diluent.set_visibility(bool(plan["diluent"]))
        self.diluent_text.set_text(
            f"Solvant : {diluent_text(plan)} — saisissez ou scannez le lot de la poche ou du "
            "flacon utilisé (il entre dans l'ordonnancier)." if plan["diluent"] else
            "Pas de solvant : préparation non diluée."
        )
        self._actions(view)
        if scannable:
            self.scan_field.run_method("focus")

    def _actions(self, view: reads.PreparationView) -> None:
        self.actions.clear()
        with self.actions:
            if view.status == "prepared" and allowed(self.user.role,
                                                     Permission.FABRICATION_CONTROL):
                ui.button("Contrôle", icon="verified", on_click=self.control).props(
                    "color=green no-caps"
                ).mark("control")
            if not self.may_prepare or view.status == "cancelled":
                return
            for document, what, marker in ((view.sheet, "la fiche", "reprint-sheet"),
                                           (view.label, "l'étiquette", "reprint-label")):
                if document is not None:
                    ui.button(f"Réimprimer {what} (DUPLICATA)", icon="print",
                              on_click=lambda d=document, w=what: self.reprint(d, w)).props(
                        "outline no-caps"
                    ).mark(marker)
            if view.status in CANCELLABLE:
                ui.button("Annuler la préparation", icon="cancel", on_click=self.cancel).props(
                    "outline color=red no-caps"
                ).mark("cancel-preparation")

    # --- steps ---------------------------------------------------------------------------------
    async def scan(self, event) -> None:
        code = common.entered_text(event, self.scan_field)
        async with self.scan_lock:
            self.scan_field.value = ""  # keep nothing: the next scan starts on an empty field
            try:
                scanned = await run.io_bound(
                    lambda: steps.scan_vial(self.app.store, self.user, self.preparation_id, code,
                                            self.app.settings, now=common.now())
                )
            except ChemoFallbackError as exc:
                self.scan_message.set_text(f"Flacon refusé : {exc}")
                self.scan_message.classes(replace="text-lg whitespace-pre-line " + common.ERROR)
                self.scan_field.run_method("focus")
                return
            if scanned is None:
                return
            names = self.view.product_names if self.view else {}
            serial = f", n° de série {scanned['serial']}" if scanned["serial"] else ""
            self.scan_message.set_text(
                f"Flacon enregistré : {names.get(scanned['product_id'], scanned['product_id'])}"
                f" — lot {scanned['lot']}, péremption {french.day(scanned['expiry'])}{serial}."
            )
            self.scan_message.classes(replace="text-lg whitespace-pre-line text-green-800 "
                                      "font-bold")
            await self.reload()

    async def made(self) -> None:
        if not self.made_button.enabled:
            return
        self.error.set_text("")
        lot = self.diluent.value if self.diluent.visible else None
        async with disabled(self.made_button):
            try:
                await run.io_bound(
                    lambda: steps.mark_prepared(self.app.store, self.user, self.preparation_id,
                                                diluent_lot=lot, now=common.now())
                )
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        ui.notify("Préparation déclarée faite : à faire contrôler par une autre personne.",
                  type="positive")
        await self.reload()

    def control(self) -> None:
        view = self.view
        if view is None:
            return
        what = (f"{view.plan['inn']} {french.dose(view.row['dose'], view.row['dose_unit'])} — "
                f"ordonnancier n° {view.row['register_no']} — préparée par "
                f"{view.row['prepared_by_name'] or view.row['prepared_by']}")

        def control_as(controller) -> None:
            steps.control(self.app.store, controller, self.preparation_id, now=common.now())

        async def done() -> None:
            ui.notify("Préparation contrôlée : son entrée de l'ordonnancier est figée.",
                      type="positive")
            await self.reload()

        dialogs.controller_dialog(what, control_as, done)

    def cancel(self) -> None:
        async def cancel_it(reason: str) -> None:
            await run.io_bound(
                lambda: steps.cancel(self.app.store, self.user, self.preparation_id, reason,
                                     now=common.now())
            )
            ui.notify("Préparation annulée : sa ligne revient dans la file, une nouvelle fiche "
                      "prendra un nouveau numéro.")
            await self.reload()

        dialogs.reason_dialog(
            f"Annuler la préparation {self.preparation_id}",
            ["Son entrée de l'ordonnancier reste, marquée « annulée » avec le motif ; la ligne "
             "revient dans la file de production, à réimprimer sous un nouveau numéro."],
            "Motif de l'annulation (obligatoire)", cancel_it,
            confirm="Annuler la préparation", marker="cancel",
        )

    def reprint(self, document: PrintedDocument, what: str) -> None:
        async def reprint_it(reason: str) -> None:
            text = dialogs.required(reason, f"dites pourquoi {what} est réimprimée (ex. : "
                                    "tachée, mal imprimée, perdue)")
            pdf = await run.io_bound(reprint, self.app.store, self.user, document.document_id,
                                     text)
            if pdf is not None:
                offer_pdf(pdf, document.filename)
                ui.notify(f"Duplicata de {what} imprimé.")

        dialogs.reason_dialog(
            f"Réimprimer {what} (DUPLICATA)",
            [f"La copie est identique à {what} imprimée le "
             f"{french.moment(document.printed_at)}, marquée DUPLICATA ; la réimpression est "
             "tracée avec son motif."],
            "Motif de la réimpression (obligatoire)", reprint_it,
            confirm="Réimprimer", marker="reprint",
        )


def preparation_view(user: User, preparation_id: str) -> PreparationScreen:
    return PreparationScreen(user, preparation_id)
