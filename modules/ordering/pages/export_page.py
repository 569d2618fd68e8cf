"""The export for the purchasing system (/commandes/export, buyers): a period (default the last
30 days), what it holds (orders, lines, receptions, other stock movements), and the zip of the
four CSV files described in docs/reintegration-format.md. Thin: export.export_purchasing reads,
writes the files and audits the export."""

from __future__ import annotations

from datetime import date

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.ordering import export
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled, settle

PATH = "/commandes/export"
ZIP = "application/zip"


def counts_text(found: export.PurchasingExport) -> str:
    c = found.counts
    return (f"Export du {french.day(found.first)} au {french.day(found.last)} : "
            f"{c['orders']} commande(s), {c['order_lines']} ligne(s) de commande, "
            f"{c['receptions']} réception(s), {c['movements']} autre(s) mouvement(s) de stock "
            "(destructions, corrections).")


# a double click exports once, however quick the first export (busy.disabled)
SETTLE_SECONDS = 1.5


class ExportScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        first, last = export.default_period(common.today())
        ui.label(
            "Fichiers CSV pour réintégrer dans le logiciel d'achats les commandes créées ou "
            "modifiées sur la période, leurs lignes, les réceptions et les autres mouvements de "
            "stock (format décrit dans docs/reintegration-format.md). L'export ne modifie rien ; "
            "il est tracé dans la piste d'audit."
        ).classes("max-w-3xl")
        with ui.row().classes("items-end gap-4"):
            self.first = ui.input("Du (JJ/MM/AAAA)", value=french.day(first)).classes("w-40")
            self.first.mark("export-from")
            self.last = ui.input("Au (JJ/MM/AAAA)", value=french.day(last)).classes("w-40")
            self.last.mark("export-to")
            self.button = ui.button("Exporter (zip de 4 fichiers CSV)", icon="download",
                                    on_click=self.run_export)
            self.button.props("no-caps").mark("export-run")
        self.error = common.error_label("export-error")
        self.message = ui.label().classes("font-bold").mark("export-message")

    def _period(self) -> tuple[date, date]:
        return parse_date(self.first.value), parse_date(self.last.value)

    def _export(self) -> export.PurchasingExport:
        first, last = self._period()
        return export.export_purchasing(self.app.store, self.user, first, last, now=common.now())

    async def run_export(self) -> None:
        if not self.button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.button):
            try:
                found = await run.io_bound(self._export)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        settle(self.button, SETTLE_SECONDS)
        self.message.set_text(counts_text(found))
        ui.download.content(found.archive, found.filename, ZIP)


def register() -> None:
    @protected_page(PATH, Permission.ORDER_WRITE, "Export pour le logiciel d'achats")
    def export_page(user: User) -> None:
        ExportScreen(user)
