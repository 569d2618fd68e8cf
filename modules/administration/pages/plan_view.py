"""One patient's plan on the nurse's page: the identity, each step in order with its planned
times, what to set up, its preparation and chain status, what was recorded, and the record
buttons; the label scan field (a keyboard-wedge scanner types FAB… then Enter) and the print
of this patient's plan. Thin: service.py reads, recording.py records, printing.py prints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.administration import printing, recording, service
from chemo_fallback.modules.administration.documents_content import (
    administration_text,
    clock,
    preparation_text,
    record_text,
)
from chemo_fallback.modules.administration.models import (
    OUTCOME_LABELS,
    AdmRecord,
    Outcome,
    PatientPlan,
    PlanStep,
)
from chemo_fallback.modules.administration.pages import common
from chemo_fallback.modules.administration.pages.record_dialog import RecordDialog
from chemo_fallback.modules.fabrication.documents_content import VINCA_WARNING, is_vinca_alkaloid
from chemo_fallback.modules.prescription.models import LINE_KIND_LABELS
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import identity_banner

BUTTONS = (
    (Outcome.GIVEN, "Administrée", "check_circle", "green", "given"),
    (Outcome.PARTIAL, "En partie", "timelapse", "amber-9", "partial"),
    (Outcome.NOT_GIVEN, "Non administrée", "block", "red", "notgiven"),
    (Outcome.INCIDENT, "Incident", "warning", "orange-9", "incident"),
)


class PlanPanel:
    def __init__(self, user: User, patient_id: str, day: date,
                 first_start: Callable[[], datetime], on_change: Callable) -> None:
        self.app = state.current()
        self.user, self.patient_id, self.day = user, patient_id, day
        self.first_start, self.on_change = first_start, on_change
        self.may_record = allowed(user.role, Permission.ADMINISTRATION_RECORD)
        self.plan: PatientPlan | None = None
        self.print_key = request_keys.new_key()
        self._build()

    def _build(self) -> None:
        with ui.column().classes("w-full gap-3").mark("adm-plan") as self.root:
            self.head = ui.column().classes("w-full gap-2")
            with ui.row().classes("items-center gap-4"):
                self.print_button = ui.button("Imprimer le plan de ce patient", icon="print",
                                              on_click=self.print_plan)
                self.print_button.props("no-caps").mark("adm-print-plan")
                # read when a record dialog opens: nothing to redraw when it changes
                self.paper = ui.switch("Saisie d'après le plan papier signé").mark(
                    "adm-paper-mode")
                self.paper.set_visibility(self.may_record)
            self.print_error = common.error_label("adm-print-error")
            with ui.card().classes("w-full gap-2 border-l-8 border-blue-800") as scan_card:
                ui.label("Avant de poser une préparation : scanner son étiquette").classes(
                    "text-lg font-bold")
                self.scan = ui.input("Étiquette (le lecteur tape FAB… puis Entrée)").classes(
                    "w-full text-lg").props("outlined").mark("adm-label-scan")
                self.scan.on("keydown.enter", self.scanned, js_handler=common.ENTER_VALUE)
                self.scan_message = ui.label().classes("w-full").mark("adm-label-message")
            scan_card.set_visibility(self.may_record)
            self.steps = ui.column().classes("w-full gap-2").mark("adm-steps")

    async def load(self) -> None:
        try:
            plan = await run.io_bound(service.patient_plan, self.app.store, self.user,
                                      self.patient_id, self.day, self.first_start())
        except ChemoFallbackError as exc:
            self.head.clear()
            with self.head:
                common.error_label("adm-plan-error").set_text(str(exc))
            return
        self.plan = plan
        self.draw()

    def draw(self) -> None:
        plan = self.plan
        self.head.clear()
        self.steps.clear()
        with self.head:
            if plan is None:
                ui.label(f"Aucun plan le {french.day(self.day)} pour {self.patient_id} : aucune "
                         "prescription validée ne prévoit d'administration ce jour.").mark(
                    "adm-no-plan")
                return
            if plan.identity is not None:
                identity_banner(plan.identity)
            else:
                ui.label(f"Patient {plan.patient_id} introuvable dans le secours : vérifiez "
                         "son identité (bracelet, prescription) avant toute administration."
                         ).classes(common.LOUD)
            for p in plan.prescriptions:
                ui.label(f"{p.protocol_name} — cycle {p.cycle_no}, J{p.day_no} — prescrit par "
                         f"{p.prescriber_name} — {p.prescription_id}").classes("font-bold")
        with self.steps:
            for number, step in enumerate(plan.steps, start=1):
                self._step(number, step, plan)

    def _step(self, number: int, step: PlanStep, plan: PatientPlan) -> None:
        current = step.current
        with ui.card().classes("w-full gap-1").mark(f"adm-step-{number}"):
            with ui.row().classes("items-baseline gap-3 w-full"):
                ui.label(str(number)).classes("text-2xl font-bold w-8")
                end = common.moment_text(step.timing.end, plan.day)
                ui.label(f"{clock(step.timing.start)} → {end}").classes(
                    "text-lg font-bold w-64").mark(f"adm-step-times-{number}")
                ui.label(step.heading).classes("text-lg font-bold").mark(
                    f"adm-step-heading-{number}")
                ui.label(LINE_KIND_LABELS.get(step.line_kind, step.line_kind)).classes(
                    "text-sm text-slate-600")
                ui.space()
                status = current.outcome.value if current else "pending"
                common.badge(OUTCOME_LABELS[current.outcome] if current else "à administrer",
                             status, f"adm-step-status-{number}")
            ui.label(administration_text(step)).mark(f"adm-step-setup-{number}")
            if step.timing.together_with:
                other = next(n for n, s in enumerate(plan.steps, start=1)
                             if s.line_id == step.timing.together_with)
                ui.label(f"En même temps que l'étape {other} (en Y)").classes("font-bold")
            if is_vinca_alkaloid(step.title):
                ui.label(VINCA_WARNING).classes(common.LOUD)
            text = preparation_text(step)
            if text:
                ui.label(text).classes("font-bold").mark(f"adm-step-preparation-{number}")
            for note in step.timing.notes:
                ui.label(("BLOQUANT — " if note.blocking else "• ") + note.message).classes(
                    common.ERROR if note.blocking else "text-sm text-slate-700")
            if step.comment:
                ui.label(f"• {step.comment}").classes("text-sm text-slate-700")
            for record in step.records:
                self._record_line(record, step)
            if self.may_record:
                self._buttons(number, step)

    def _record_line(self, record: AdmRecord, step: PlanStep) -> None:
        with ui.row().classes("items-center gap-2"):
            style = "line-through text-slate-500" if record.replaced else ""
            ui.label(f"n° {record.record_id} — {record_text(record)}").classes(style).mark(
                f"adm-record-{record.record_id}")
            if self.may_record and not record.replaced:
                ui.button("Corriger", icon="edit",
                          on_click=lambda r=record: self.open_dialog(step, r.outcome, correcting=r)
                          ).props("flat dense no-caps").mark(f"adm-correct-{record.record_id}")

    def _buttons(self, number: int, step: PlanStep) -> None:
        closed = step.current is not None
        with ui.row().classes("gap-2"):
            for outcome, label, icon, color, marker in BUTTONS:
                if closed and outcome != Outcome.INCIDENT:
                    continue
                ui.button(label, icon=icon,
                          on_click=lambda o=outcome: self.open_dialog(step, o)).props(
                    f"no-caps color={color} outline").mark(f"adm-{marker}-{number}")

    def open_dialog(self, step: PlanStep, outcome: Outcome, *, label_code: str | None = None,
                    correcting: AdmRecord | None = None) -> None:
        RecordDialog(self.user, step, self.day, outcome, from_paper=bool(self.paper.value),
                     on_done=self.changed, label_code=label_code, correcting=correcting)

    async def changed(self) -> None:
        await self.load()
        await self.on_change()

    async def scanned(self, event) -> None:
        code = common.entered_text(event, self.scan)
        self.scan.value = ""
        try:
            line_id, preparation_id = await run.io_bound(
                lambda: recording.check_label(self.app.store, self.user, self.patient_id,
                                              self.day, code, now=common.now()))
        except ChemoFallbackError as exc:
            self.scan_message.set_text(str(exc))
            self.scan_message.classes(replace=common.LOUD)
            self.scan.run_method("focus")
            return
        step = self.plan.step(line_id) if self.plan else None
        if step is None:
            await self.load()
            step = self.plan.step(line_id) if self.plan else None
        if step is None:
            return
        if step.current is not None:
            self.scan_message.set_text(
                f"Étiquette {preparation_id} : l'étape « {step.title} » est déjà enregistrée "
                f"({step.current.outcome_label}) ; corrigez l'enregistrement s'il est faux.")
            self.scan_message.classes(replace=common.ERROR)
            return
        self.scan_message.set_text(f"Étiquette {preparation_id} conforme : {step.title} "
                                   f"{step.dose} pour ce patient, libérée, non périmée.")
        self.scan_message.classes(replace="w-full p-2 text-lg font-bold text-green-800")
        self.open_dialog(step, Outcome.GIVEN, label_code=preparation_id)

    async def print_plan(self) -> None:
        if not self.print_button.enabled:
            return
        self.print_error.set_text("")
        async with disabled(self.print_button):
            try:
                printed = await run.io_bound(
                    lambda: printing.print_patient_plan(
                        self.app.store, self.user, self.patient_id, self.day,
                        first_start=self.first_start(), request_key=self.print_key))
            except ChemoFallbackError as exc:
                self.print_error.set_text(str(exc))
                return
        if printed is None:
            return
        self.print_key = request_keys.new_key()  # a later print is a new copy
        offer_pdf(printed.pdf, printed.filename)
        ui.notify("Plan d'administration imprimé.", type="positive")
