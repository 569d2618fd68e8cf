"""The nurse's home (/administration): a ward and a day → the patients with a plan that day →
a patient's plan (plan_view.py), with the prints (this patient, the whole ward in one PDF, a
blank plan for a patient the fallback does not know) and the paper entry mode."""

from __future__ import annotations

from datetime import date, datetime

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.administration import printing, service
from chemo_fallback.modules.administration.models import WardPatient
from chemo_fallback.modules.administration.pages import common
from chemo_fallback.modules.administration.pages.plan_view import PlanPanel
from chemo_fallback.modules.administration.rules import DEFAULT_FIRST_START
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

ALL = ""


class AdministrationScreen:
    def __init__(self, user: User, ward_id: str, day_text: str, patient_id: str) -> None:
        self.app = state.current()
        self.user = user
        self.patient_id = patient_id or None
        self.day: date | None = None
        self.panel: PlanPanel | None = None
        self.keys = {"ward": request_keys.new_key(), "blank": request_keys.new_key()}
        self._build(ward_id, day_text or french.day(common.today()))

    def _build(self, ward_id: str, day_text: str) -> None:
        with ui.row().classes("items-end gap-x-4 gap-y-2 w-full"):
            self.ward = ui.select({ALL: "Toutes les unités", **({ward_id: ward_id} if ward_id
                                                                   else {})},
                                  value=ward_id or ALL, label="Unité").classes("w-72")
            self.ward.mark("adm-ward")
            self.day_field = ui.input("Jour (JJ/MM/AAAA)", value=day_text).classes("w-40")
            self.day_field.mark("adm-day").on("keydown.enter", self.load)
            self.start_field = ui.input("Première perfusion à (HH:MM)",
                                        value=f"{DEFAULT_FIRST_START:%H:%M}").classes("w-48")
            self.start_field.mark("adm-first-start").on("keydown.enter", self.load)
            ui.button("Afficher", icon="refresh", on_click=self.load).mark("adm-show")
        self.ward.on_value_change(lambda _: self.load())
        with ui.row().classes("items-center gap-3"):
            self.ward_button = ui.button("Imprimer les plans de l'unité (un PDF)", icon="print",
                                         on_click=self.print_ward)
            self.ward_button.props("no-caps").mark("adm-print-ward")
            self.blank_button = ui.button("Plan vierge (patient inconnu du secours)",
                                          icon="note_add", on_click=self.print_blank)
            self.blank_button.props("outline no-caps").mark("adm-print-blank")
        self.error = common.error_label("adm-error")
        self.message = ui.label().mark("adm-message")
        self.patients = ui.column().classes("w-full gap-1").mark("adm-patients")
        self.plan_area = ui.column().classes("w-full")
        ui.timer(0, self.first_load, once=True)

    def first_start(self) -> datetime | None:
        if self.day is None:
            return None
        try:
            return datetime.combine(self.day, common.parse_time(self.start_field.value))
        except ChemoFallbackError:
            return None

    async def first_load(self) -> None:
        wards = await run.io_bound(service.wards, self.app.store, self.user)
        if wards is not None:
            current = self.ward.value
            self.ward.set_options({ALL: "Toutes les unités", **wards},
                                  value=current if current in wards else ALL)
        await self.load()

    async def load(self) -> None:
        self.error.set_text("")
        try:
            self.day = parse_date(self.day_field.value)
            common.parse_time(self.start_field.value)
            rows = await run.io_bound(service.ward_day, self.app.store, self.user, self.day,
                                      self.ward.value or None)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            self.patients.clear()
            return
        if rows is None:  # the server is stopping
            return
        self.message.set_text(
            f"{len(rows)} patient(s) avec un plan le {french.day(self.day)}." if rows else
            f"Aucun plan le {french.day(self.day)} : aucune prescription validée ne prévoit "
            "d'administration ce jour dans cette unité.")
        self.patients.clear()
        with self.patients:
            for row in rows:
                self._patient_row(row)
        if self.patient_id and any(r.patient_id == self.patient_id for r in rows):
            await self.open_plan(self.patient_id)
        else:
            self.plan_area.clear()
            self.panel = None

    def _patient_row(self, row: WardPatient) -> None:
        chosen = row.patient_id == self.patient_id
        with ui.row().classes("items-center gap-4 w-full p-2 rounded flex-nowrap " + (
                "bg-blue-100" if chosen else "bg-slate-50")).mark(f"adm-patient-{row.patient_id}"):
            ui.label(row.patient_name).classes("text-lg font-bold w-64")
            ui.label(f"IPP {row.patient_id}").classes("font-mono whitespace-nowrap")
            if row.birth_date:
                ui.label(f"né(e) le {french.day(row.birth_date)}").classes("whitespace-nowrap")
            ui.label(row.protocols)
            ui.label(f"{row.closed}/{row.steps} étape(s) enregistrée(s)").classes(
                "font-bold whitespace-nowrap").mark(f"adm-patient-progress-{row.patient_id}")
            if row.not_given:
                common.badge(f"{row.not_given} non administrée(s)", "not_given",
                             f"adm-patient-not-given-{row.patient_id}")
            if row.incidents:
                common.badge(f"{row.incidents} incident(s)", "incident",
                             f"adm-patient-incidents-{row.patient_id}")
            ui.space()
            ui.button("Ouvrir le plan", icon="assignment",
                      on_click=lambda p=row.patient_id: self.open_plan(p)).props(
                "no-caps outline").mark(f"adm-open-{row.patient_id}")

    async def open_plan(self, patient_id: str) -> None:
        assert self.day is not None
        self.patient_id = patient_id
        self.plan_area.clear()
        with self.plan_area:
            self.panel = PlanPanel(self.user, patient_id, self.day, self.first_start,
                                   self.refresh_list)
        await self.panel.load()

    async def refresh_list(self) -> None:
        if self.day is None:
            return
        rows = await run.io_bound(service.ward_day, self.app.store, self.user, self.day,
                                  self.ward.value or None)
        if rows is None:
            return
        self.patients.clear()
        with self.patients:
            for row in rows:
                self._patient_row(row)

    async def _print(self, button: ui.button, key: str, make) -> None:
        if not button.enabled:
            return
        self.error.set_text("")
        async with disabled(button):
            try:
                day = parse_date(self.day_field.value)
                start = datetime.combine(day, common.parse_time(self.start_field.value))
                printed = await run.io_bound(make, day, start, self.keys[key])
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        if printed is None:
            return
        self.keys[key] = request_keys.new_key()  # a later print is a new copy
        offer_pdf(printed.pdf, printed.filename)
        ui.notify("Document imprimé.", type="positive")

    async def print_ward(self) -> None:
        ward = self.ward.value or None
        await self._print(self.ward_button, "ward", lambda day, start, key: (
            printing.print_ward_plans(self.app.store, self.user, day, ward, first_start=start,
                                      request_key=key)))

    async def print_blank(self) -> None:
        ward = self.ward.value or None
        await self._print(self.blank_button, "blank", lambda day, _start, key: (
            printing.print_blank_plan(self.app.store, self.user, ward, day, request_key=key)))


def home_view(user: User, ward_id: str, day_text: str, patient_id: str) -> AdministrationScreen:
    return AdministrationScreen(user, ward_id, day_text, patient_id)
