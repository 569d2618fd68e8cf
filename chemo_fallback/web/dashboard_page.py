"""The crisis dashboard (/tableau-de-bord, every role, read-only): the unit's day at a glance,
read by dashboard.reads.situation and refreshed every REFRESH_SECONDS in place (the labels'
texts change, the page is not rebuilt: no flicker, the scroll stays); « Imprimer le rapport de
situation » prints the numbers on screen, with the moment they were read, as one A4 page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.dashboard import reads, status_report
from chemo_fallback.dashboard.models import Situation, Tally
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

PATH = "/tableau-de-bord"
REFRESH_SECONDS = 60.0
# The page's clock; tests replace it to pin the day.
now: Callable[[], datetime] = datetime.now

ZERO = "text-slate-500"
LATE = "bg-red-100 text-red-950"
FRESHNESS = {"fresh": "bg-green-700", "stale": "bg-orange-600", "old": "bg-red-700"}


class DashboardScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        self.situation: Situation | None = None
        self.counts: dict[str, ui.label] = {}  # marker → the label holding a number
        self.loading = False
        self.shown_reports: list[int] = []
        with ui.row().classes("items-center gap-4 w-full"):
            self.read_at = ui.label("Lecture des chiffres…").classes("text-lg font-bold").mark(
                "dashboard-read-at")
            self.print_button = ui.button(
                "Imprimer le rapport de situation", icon="print", on_click=self.print_report
            ).props("no-caps").mark("dashboard-print")
        self.error = ui.label().classes("text-red-700 font-bold whitespace-pre-line").mark(
            "dashboard-error")
        self.body = ui.column().classes("w-full gap-4").mark("dashboard-body")
        self.reports = ui.column().classes("w-full gap-1").mark("dashboard-reports")
        ui.timer(0, self.load, once=True)
        ui.timer(REFRESH_SECONDS, self.load, immediate=False).mark("dashboard-refresh")

    async def load(self) -> None:
        if self.loading:  # a slow read is still running: the next tick reads again
            return
        self.loading = True
        try:
            found = await run.io_bound(reads.situation, self.app.store, self.user,
                                       self.app.settings, now())
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        finally:
            self.loading = False
        self.error.set_text("")
        if self.situation is None:
            with self.body:
                self._build(found)
        self.situation = found
        self._fill(found)
        await self._list_reports()

    # --- drawn once, then only the texts change -----------------------------------------------
    def _number(self, marker: str, classes: str = "text-2xl font-bold") -> None:
        self.counts[marker] = ui.label().classes(classes).mark(marker)

    def _tallies(self, title: str, section: str, tallies: list[Tally]) -> None:
        with ui.card().classes("min-w-64").mark(f"dash-{section}"):
            ui.label(title).classes("font-bold")
            for tally in tallies:
                with ui.row().classes("w-full justify-between gap-6 no-wrap"):
                    ui.label(tally.label)
                    self._number(f"dash-{section}-{tally.key}", "font-bold")

    def _build(self, situation: Situation) -> None:
        with ui.row().classes("gap-3 items-center"):
            self._number("dash-snapshot", "px-3 py-1 rounded text-white")
            self._number("dash-last-export", "px-3 py-1 rounded bg-slate-200 text-slate-900")
        with ui.row().classes("gap-4 w-full"):
            for marker, title in (("dash-prescriptions-total", "Prescriptions du jour"),
                                  ("dash-preparations-total", "Préparations du jour"),
                                  ("dash-released", "Libérées aujourd'hui"),
                                  ("dash-administered", "Administrées aujourd'hui"),
                                  ("dash-late-total", "En retard"),
                                  ("dash-alerts-total", "Alertes de stock"),
                                  ("dash-orders", "Commandes en cours")):
                with ui.card().classes("min-w-40 items-center"):
                    ui.label(title)
                    self._number(marker)
        with ui.card().classes("w-full").mark("dash-late"):
            ui.label("En retard").classes("text-lg font-bold")
            for item in situation.late:
                with ui.row().classes("w-full items-start gap-4 no-wrap"):
                    self._number(f"dash-late-{item.key}", "text-xl font-bold min-w-12 text-right")
                    with ui.column().classes("gap-0"):
                        ui.label(item.label).classes("font-bold")
                        ui.label(f"Règle : {item.rule}.").classes("text-sm text-slate-700")
                        self._number(f"dash-late-{item.key}-examples", "text-sm font-mono")
        with ui.row().classes("gap-4 w-full items-start"):
            self._tallies("Prescriptions du jour, par statut", "prescriptions",
                          situation.prescriptions)
            self._tallies("Préparations du jour, le long de la chaîne", "preparations",
                          situation.preparations)
            self._tallies("Administrations du jour", "administrations", situation.administrations)
            self._tallies("Alertes de stock", "alerts", situation.stock_alerts)

    def _set(self, marker: str, text: str, classes: str | None = None) -> None:
        label = self.counts[marker]
        label.set_text(text)
        if classes is not None:
            label.classes(remove=f"{ZERO} {LATE}", add=classes)

    def _fill(self, s: Situation) -> None:
        self.read_at.set_text(f"Chiffres lus le {french.moment(s.read_at, seconds=True)}")
        snapshot = self.counts["dash-snapshot"]
        snapshot.set_text(status_report.snapshot_line(s))
        snapshot.classes(remove=" ".join(FRESHNESS.values()), add=FRESHNESS[s.snapshot_freshness])
        self._set("dash-last-export", s.last_export)
        self._set("dash-prescriptions-total", french.number(s.prescriptions_total))
        self._set("dash-preparations-total", french.number(s.preparations_total))
        self._set("dash-released", french.number(s.released_today))
        self._set("dash-administered", f"{french.number(s.administered)} / "
                  f"{french.number(s.doses_planned)}")
        self._set("dash-late-total", french.number(s.late_total),
                  LATE if s.late_total else "")
        self._set("dash-alerts-total", french.number(s.alerts_total))
        self._set("dash-orders", f"{french.number(s.open_orders)} · en retard "
                  f"{french.number(s.late_orders)}", LATE if s.late_orders else "")
        for item in s.late:
            shown = french.number(item.count) if item.checked else "—"
            self._set(f"dash-late-{item.key}", shown, LATE if item.count else ZERO)
            self._set(f"dash-late-{item.key}-examples", item.examples_text)
        for section, tallies in (("prescriptions", s.prescriptions),
                                 ("preparations", s.preparations),
                                 ("administrations", s.administrations),
                                 ("alerts", s.stock_alerts)):
            for tally in tallies:
                self._set(f"dash-{section}-{tally.key}", french.number(tally.count),
                          "" if tally.count else ZERO)

    # --- the status report ----------------------------------------------------------------------
    async def print_report(self) -> None:
        async with disabled(self.print_button):
            if self.situation is None:
                await self.load()
            if self.situation is None:
                return
            try:
                document = await run.io_bound(status_report.print_status_report,
                                              self.app.store, self.user, self.situation)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
            offer_pdf(document.pdf, document.filename)
            await self._list_reports()

    async def _list_reports(self) -> None:
        assert self.situation is not None
        found = await run.io_bound(status_report.reports_of_day, self.app.store, self.user,
                                   self.situation)
        ids = [d.document_id for d in found]
        if ids == self.shown_reports:  # unchanged: not redrawn
            return
        self.shown_reports = ids
        self.reports.clear()
        with self.reports:
            if not found:
                return
            ui.label("Rapports imprimés ce jour").classes("font-bold")
            for document in found:
                read = document.content().read_at
                with ui.row().classes("items-center gap-3"):
                    ui.label(f"n° {document.number} — chiffres lus le {french.moment(read)}, "
                             f"imprimé par {document.printed_by_name}")
                    ui.button("Réimprimer (DUPLICATA)", icon="print",
                              on_click=lambda d=document: self.reprint(d)).props(
                        "flat dense no-caps").mark(f"dashboard-reprint-{document.number}")

    async def reprint(self, document) -> None:
        try:
            pdf = await run.io_bound(status_report.reprint_report, self.app.store, self.user,
                                     document.document_id)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        offer_pdf(pdf, document.filename)


def register() -> None:
    from chemo_fallback.web.access import protected_page

    @protected_page(PATH, Permission.SNAPSHOT_VIEW, "Tableau de bord de crise")
    def dashboard_page(user: User) -> None:
        DashboardScreen(user)
