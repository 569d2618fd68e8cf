"""The register of preparations (/fabrication/ordonnancier) for a period: its entries in
number order, printed (PDF, the audit anchor on every page) or exported (CSV) as the law asks
("printable at once on request"). Thin: register.register_entries reads, the fabrication
documents build the PDF and the CSV."""

from __future__ import annotations

from datetime import date

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.documents.store import print_document
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import documents, register
from chemo_fallback.modules.fabrication.documents_register import register_row
from chemo_fallback.modules.fabrication.pages import common, reads
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

RECORD_TYPE = "fabrication_register"
CSV = "text/csv"


def period(first_text: str | None, last_text: str | None) -> tuple[date, date]:
    first, last = parse_date(first_text), parse_date(last_text)
    if first > last:
        raise ChemoFallbackError(
            f"Période inversée : du {french.day(first)} au {french.day(last)}. La date de début "
            "vient avant la date de fin."
        )
    return first, last


def entry_card(entry: dict) -> None:
    """One entry as the register prints it: number, date, patient, prescriber, composition,
    lots and suppliers, preparer, controller, status."""
    row = register_row(entry)
    with ui.card().classes("w-full px-3 py-2 gap-1").mark(
        f"register-entry-{entry['register_no']}"
    ):
        with ui.row().classes("items-center gap-x-5 gap-y-1"):
            ui.label(f"N° {row.number}").classes("text-xl font-bold")
            ui.label(row.moment)
            ui.label(row.status).classes("font-bold").mark(
                f"register-status-{entry['register_no']}")
            ui.link("ouvrir la préparation", common.preparation_url(entry["preparation_id"]))
        ui.label(f"{entry.get('patient_name')} ({entry.get('patient_id')}) — prescrit par "
                 f"{row.prescriber}").classes("font-bold")
        with ui.grid(columns="minmax(8rem, 12rem) 1fr").classes("w-full gap-x-4 gap-y-1"):
            for label, value in (
                ("Composition", "\n".join(entry.get("composition") or []) or "—"),
                ("Lots et fournisseurs", row.lots),
                ("Préparateur", row.preparer),
                ("Contrôleur", row.controller),
            ):
                ui.label(label).classes("font-bold")
                ui.label(value).classes("whitespace-pre-line").mark(
                    f"register-{label.split()[0].lower()}-{entry['register_no']}")
        if entry.get("cancel_reason"):
            ui.label(f"Motif de l'annulation : {entry['cancel_reason']}").classes(
                "text-red-800 font-bold")


def record_id(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


class RegisterScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        shown = french.day(common.today())
        with ui.row().classes("items-end gap-4"):
            self.first = ui.input("Du (JJ/MM/AAAA)", value=shown).classes("w-40")
            self.first.mark("register-from")
            self.last = ui.input("Au (JJ/MM/AAAA)", value=shown).classes("w-40")
            self.last.mark("register-to")
            ui.button("Afficher", icon="refresh", on_click=self.load).mark("register-show")
            self.pdf_button = ui.button("Imprimer (PDF)", icon="print", on_click=self.print_pdf)
            self.pdf_button.props("no-caps").mark("register-print")
            self.csv_button = ui.button("Exporter (CSV)", icon="download",
                                        on_click=self.export_csv)
            self.csv_button.props("outline no-caps").mark("register-csv")
        for field in (self.first, self.last):
            field.on("keydown.enter", self.load)
        self.message = ui.label().classes("font-bold").mark("register-message")
        self.error = common.error_label("register-error")
        self.grid = ui.column().classes("w-full")
        ui.timer(0, self.load, once=True)

    def _entries(self) -> tuple[date, date, list[dict]]:
        first, last = period(self.first.value, self.last.value)
        reads.require_snapshot(self.app.store)
        entries = register.register_entries(self.app.store, self.user, first, last)
        return first, last, entries

    async def _read(self) -> tuple[date, date, list[dict]] | None:
        self.error.set_text("")
        try:
            return await run.io_bound(self._entries)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return None

    async def load(self) -> None:
        found = await self._read()
        if found is None:
            return
        first, last, entries = found
        self.message.set_text(
            f"{len(entries)} entrée(s) du {french.day(first)} au {french.day(last)}, dans "
            "l'ordre de l'ordonnancier."
        )
        self.grid.clear()
        with self.grid:
            for entry in entries:
                entry_card(entry)
            if not entries:
                ui.label("Aucune préparation sur la période.").mark("register-empty")

    def _print(self):
        first, last, entries = self._entries()
        content = documents.register_content(entries, first, last)
        return print_document(self.app.store, self.user, documents.REGISTER_KIND, RECORD_TYPE,
                              record_id(first, last), content)

    async def print_pdf(self) -> None:
        if not self.pdf_button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.pdf_button, self.csv_button):
            try:
                printed = await run.io_bound(self._print)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        if printed is not None:
            document, pdf = printed
            offer_pdf(pdf, document.filename)

    async def export_csv(self) -> None:
        async with disabled(self.pdf_button, self.csv_button):
            found = await self._read()
        if found is None:
            return
        first, last, entries = found
        ui.download.content(documents.register_csv(entries),
                            f"ordonnancier-{first:%Y%m%d}-{last:%Y%m%d}.csv", CSV)
