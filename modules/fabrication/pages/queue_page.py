"""The production queue (/fabrication), the preparer's work page: the day's validated lines of
compounded drugs grouped by drug (vials are shared), each with its feu vert, its status and what
blocks its sheet; the printable ones are ticked and printed in one batch (sheets and labels in
one PDF). Thin: queue.production_queue and printing.print_batch do the work."""

from __future__ import annotations

from collections import Counter

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.store import get_document
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.models import PreparationPlan
from chemo_fallback.modules.fabrication.pages import common, reads
from chemo_fallback.modules.fabrication.printing import PrintedBatch, print_batch
from chemo_fallback.modules.fabrication.queue import (
    QUEUE_STATUSES,
    STATUS_LABELS,
    Queue,
    QueueItem,
    production_queue,
)
from chemo_fallback.modules.prescription import queries as rx_queries
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

GO_AHEAD_STYLES = {
    "attend le feu vert": "text-orange-900 font-bold bg-orange-100 px-1 rounded",
    "feu vert reçu": "text-green-800 font-bold",
    "peut être préparé à l'avance": "text-slate-600",
}
NO_LINE = ("Aucune ligne à préparer ce jour : aucune prescription validée n'y prévoit un "
           "médicament préparé par l'unité.")


def counts_text(queue: Queue) -> str:
    """"à préparer 12 · fiche imprimée 3 · …": the day's preparations by status."""
    counts = queue.counts()
    return " · ".join(f"{STATUS_LABELS[s]} {counts[s]}" for s in QUEUE_STATUSES)


def vials_text(plan: PreparationPlan) -> str:
    """The vials the sheet will ask for, reliquats first: "Flacons : 2 × 350 mg + 100 mg"."""
    unit = plan.dose_unit
    parts = [
        f"reliquat n° {r.reliquat.reliquat_id} (lot {r.reliquat.lot or '—'}) "
        f"{french.dose(r.amount_drawn, unit)}"
        for r in plan.reliquats_used
    ]
    for content, count in sorted(Counter(v.content for v in plan.vials).items(), reverse=True):
        parts.append(f"{count} × {french.dose(content, unit)}" if count > 1
                     else french.dose(content, unit))
    return "Flacons : " + " + ".join(parts) if parts else ""


def group_title(inn: str, items: list[QueueItem]) -> str:
    units = {i.line["dose_unit"] for i in items}
    text = f"{inn} — {len(items)} préparation(s)"
    if len(units) == 1:
        total = sum(i.line["final_dose"] for i in items)
        text += f" · {french.dose(total, units.pop())} au total"
    return text


class QueueScreen:
    """The page's state: the day's queue as loaded, the ticked lines, the print request key."""

    def __init__(self, user: User, day_text: str) -> None:
        self.app = state.current()
        self.user = user
        self.queue: Queue | None = None
        self.ward_names: dict[str, str] = {}
        self.selected: set[str] = set()
        # One key per batch shown: the same print sent twice (double click, reload) prints once.
        self.request_key = request_keys.new_key()
        self.may_print = allowed(user.role, Permission.FABRICATION_PREPARE)
        self._build(day_text)

    # --- layout --------------------------------------------------------------------------------
    def _build(self, day_text: str) -> None:
        with ui.row().classes("items-end gap-x-4 gap-y-2 w-full"):
            self.day = ui.input("Jour (JJ/MM/AAAA)", value=day_text).classes("w-40")
            self.day.mark("queue-day").on("keydown.enter", self.load)
            self.ward = ui.select({"": "Toutes les unités"}, value="", label="Unité")
            self.ward.classes("w-56").mark("queue-ward")
            self.drug = ui.select({"": "Tous les médicaments"}, value="", label="Médicament")
            self.drug.classes("w-52").mark("queue-drug")
            self.status = ui.select({"": "Tous les statuts", **{s: STATUS_LABELS[s] for s in
                                                                 QUEUE_STATUSES}},
                                    value="", label="Statut").classes("w-44").mark("queue-status")
            ui.button("Afficher", icon="refresh", on_click=self.load).mark("queue-show")
        for choice in (self.ward, self.drug, self.status):
            choice.on_value_change(lambda _: self.draw())
        with ui.row().classes("items-end gap-4"):
            self.sheet = ui.input("Scanner une fiche (code-barres)").classes("w-72")
            self.sheet.props("clearable").mark("queue-scan-sheet")
            self.sheet.on("keydown.enter", self.open_sheet, js_handler=common.ENTER_VALUE)
            ui.label("ouvre la préparation de la fiche scannée").classes("text-sm text-slate-600")
        self.sheet_error = common.error_label("queue-scan-sheet-error")
        self.counts = ui.label().classes("text-lg font-bold").mark("queue-counts")
        self.message = ui.label().mark("queue-message")
        with ui.row().classes("items-center gap-3") as actions:
            self.select_all = ui.button("Tout sélectionner", icon="done_all",
                                        on_click=lambda: self.pick_all(True))
            self.select_all.props("outline no-caps").mark("queue-select-all")
            self.select_none = ui.button("Désélectionner", on_click=lambda: self.pick_all(False))
            self.select_none.props("flat no-caps").mark("queue-select-none")
            self.print_button = ui.button(
                "Imprimer la sélection (fiches et étiquettes)", icon="print",
                on_click=self.print_selection,
            ).props("no-caps").mark("queue-print")
            self.selection = ui.label().classes("font-bold").mark("queue-selection")
        actions.set_visibility(self.may_print)
        self.print_error = common.error_label("queue-print-error")
        self.groups = ui.column().classes("w-full gap-3").mark("queue-groups")
        ui.timer(0, self.load, once=True)

    # --- loading and drawing -------------------------------------------------------------------
    async def load(self) -> None:
        self.print_error.set_text("")
        try:
            day = parse_date(self.day.value)
        except ChemoFallbackError as exc:
            self._failed(str(exc))
            return
        try:
            queue = await run.io_bound(self._queue, day)
            wards = await run.io_bound(rx_queries.ward_choices, self.app.store, self.user)
        except ChemoFallbackError as exc:
            self._failed(str(exc))
            return
        if queue is None:  # the server is stopping
            return
        self.queue, self.ward_names = queue, wards or {}
        self._set_choices(queue)
        self.draw()

    def _queue(self, day) -> Queue:
        reads.require_snapshot(self.app.store)
        return production_queue(self.app.store, self.user, day, self.app.settings,
                                now=common.now())

    def _failed(self, text: str) -> None:
        self.queue = None
        self.selected.clear()
        self.counts.set_text("")
        self.message.set_text(text)
        self.message.classes(replace=common.ERROR)
        self.groups.clear()
        self.selection.set_text("")

    def _set_choices(self, queue: Queue) -> None:
        wards = sorted({i.line["ward_id"] or "" for i in queue.items})
        self.ward.set_options(
            {"": "Toutes les unités",
             **{w: self.ward_names.get(w, w) or "Sans unité" for w in wards}},
            value=self.ward.value if self.ward.value in wards else "",
        )
        drugs = sorted({i.line["drug_inn"] for i in queue.items}, key=str.casefold)
        self.drug.set_options({"": "Tous les médicaments", **{d: d for d in drugs}},
                              value=self.drug.value if self.drug.value in drugs else "")

    def shown(self) -> list[QueueItem]:
        if self.queue is None:
            return []
        return [
            i for i in self.queue.items
            if (not self.ward.value or (i.line["ward_id"] or "") == self.ward.value)
            and (not self.drug.value or i.line["drug_inn"] == self.drug.value)
            and (not self.status.value or i.status == self.status.value)
        ]

    def draw(self) -> None:
        if self.queue is None:
            return
        queue, items = self.queue, self.shown()
        printable = {i.line_id for i in items if i.printable}
        self.selected &= printable  # a hidden or no longer printable line is not printed
        self.counts.set_text(counts_text(queue))
        text = f"{len(queue.items)} préparation(s) le {french.day(queue.day)}."
        blocked = sum(i.status == "to_prepare" and not i.printable for i in queue.items)
        if blocked:
            text += f" {blocked} non imprimable(s) pour l'instant : voir les raisons en rouge."
        if len(items) < len(queue.items):
            text += (f" {len(items)} affichée(s) : {len(queue.items) - len(items)} masquée(s) "
                     "par les filtres.")
        self.message.set_text(text if queue.items else NO_LINE)
        self.message.classes(replace="")
        self._selection_text()
        self.groups.clear()
        shown_ids = {i.line_id for i in items}
        with self.groups:
            for inn, group in queue.by_drug():
                group = [i for i in group if i.line_id in shown_ids]
                if not group:
                    continue
                ui.label(group_title(inn, group)).classes(
                    "text-lg font-bold w-full bg-slate-100 px-2 py-1 rounded"
                ).mark(f"queue-group-{group[0].line['drug_id']}")
                for item in group:
                    self._line(item)

    def _line(self, item: QueueItem) -> None:
        line, blocked = item.line, item.status == "to_prepare" and not item.printable
        border = "border-l-8 border-red-700" if blocked else "border-l-8 border-slate-300"
        with ui.card().classes(f"w-full px-3 py-2 gap-1 {border}").mark(
            f"queue-line-{item.line_id}"
        ):
            with ui.row().classes("items-center gap-x-5 gap-y-1 w-full"):
                if item.printable and self.may_print:
                    ui.checkbox(
                        value=item.line_id in self.selected,
                        on_change=lambda e, i=item.line_id: self.pick(i, e.value),
                    ).mark(f"queue-select-{item.line_id}")
                else:
                    ui.element("div").classes("w-10")
                with ui.column().classes("gap-0 w-52"):
                    ui.label(item.patient_name).classes("font-bold text-lg leading-tight")
                    ui.label(line["patient_id"]).classes("text-sm font-mono")
                ui.label(french.dose(line["final_dose"], line["dose_unit"])).classes(
                    "text-xl font-bold w-28 text-right"
                )
                ui.label(common.administration(line["route"], line["duration_min"])).classes(
                    "w-24"
                )
                common.status_badge(item.status, item.status_label,
                                    f"queue-status-{item.line_id}")
                if item.preparation is not None:
                    ui.link(
                        f"N° {item.preparation['register_no']} — ouvrir",
                        common.preparation_url(item.preparation["preparation_id"]),
                    ).classes("font-bold").mark(f"queue-open-{item.line_id}")
            with ui.row().classes("items-center gap-x-5 gap-y-0 pl-14 text-sm"):
                ui.label(self.ward_names.get(line["ward_id"] or "", line["ward_id"] or "—"))
                ui.label(item.go_ahead_label).classes(
                    GO_AHEAD_STYLES.get(item.go_ahead_label, "")
                ).mark(f"queue-go-ahead-{item.line_id}")
                vials = vials_text(item.plan) if item.plan and item.status == "to_prepare" else ""
                if vials:
                    ui.label(vials).classes("text-slate-700")
            if item.problems:
                with ui.column().classes("gap-0 pl-14").mark(f"queue-problems-{item.line_id}"):
                    for problem in item.problems:
                        ui.label(problem).classes("text-red-700 font-bold")

    # --- selection and printing ----------------------------------------------------------------
    def pick(self, line_id: str, value: bool) -> None:
        if value:
            self.selected.add(line_id)
        else:
            self.selected.discard(line_id)
        self._selection_text()

    def pick_all(self, value: bool) -> None:
        self.selected = {i.line_id for i in self.shown() if i.printable} if value else set()
        self.draw()

    def _selection_text(self) -> None:
        count = len(self.selected)
        self.selection.set_text(f"{count} sélectionnée(s)" if count else "")

    def _print(self, line_ids: list[str], key: str) -> tuple[PrintedBatch, str]:
        batch = print_batch(self.app.store, self.user, line_ids, self.app.settings,
                            now=common.now(), request_key=key)
        return batch, get_document(self.app.store, batch.document_id).filename

    async def print_selection(self) -> None:
        if not self.print_button.enabled:  # a second click queued behind the first
            return
        self.print_error.set_text("")
        line_ids = [i.line_id for i in self.shown() if i.line_id in self.selected]
        key = self.request_key
        async with disabled(self.print_button, self.select_all, self.select_none):
            try:
                printed = await run.io_bound(self._print, line_ids, key)
            except ChemoFallbackError as exc:
                self.print_error.set_text(str(exc))  # nothing was printed nor numbered
                return
        if printed is None:
            return
        batch, filename = printed
        offer_pdf(batch.pdf, filename)
        self.request_key = request_keys.new_key()  # the next batch is a new one
        self.selected.clear()
        if batch.preparations:
            numbers = [p.register_no for p in batch.preparations]
            ui.notify(f"{len(numbers)} préparation(s) imprimée(s) : n° "
                      f"{', '.join(map(str, numbers))}.", type="positive")
        else:
            ui.notify("Ce lot était déjà imprimé : le même PDF est proposé de nouveau.")
        await self.load()

    async def open_sheet(self, event) -> None:
        code = common.entered_text(event, self.sheet)
        self.sheet_error.set_text("")
        try:
            preparation_id = await run.io_bound(reads.scanned_sheet, self.app.store, self.user,
                                                code)
        except ChemoFallbackError as exc:
            self.sheet.value = ""
            self.sheet_error.set_text(str(exc))
            return
        if preparation_id:
            ui.navigate.to(common.preparation_url(preparation_id))


def queue_view(user: User, day_text: str | None) -> QueueScreen:
    return QueueScreen(user, day_text or french.day(common.today()))
