"""The re-integration export (/admin/export, administrators): the period (everything, since the
last export, or since a moment), the CSV options, the button, then what the package holds and
its zip to download; the exports made so far. Thin: reintegration.service writes the package
(in the data directory's `exports/` folder) and records the run."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.reintegration import runs
from chemo_fallback.reintegration.service import ExportResult, export_package
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled, settle

PATH = "/admin/export"
MODES = {"all": "tout depuis le début de la panne", "last": "depuis le dernier export",
         "since": "depuis une date et une heure"}
ENCODINGS = {"utf-8": "UTF-8", "windows-1252": "Windows-1252"}
SEPARATORS = {",": "virgule (,)", ";": "point-virgule (;)"}


def now() -> datetime:
    """The page's clock (tests replace it)."""
    return datetime.now()


def parse_moment(text: str | None) -> datetime:
    """JJ/MM/AAAA HH:MM (or JJ/MM/AAAA: from midnight)."""
    value = (text or "").strip()
    for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise ChemoFallbackError(f"Date « {value} » illisible : saisissez JJ/MM/AAAA HH:MM.",
                             code="export_period_invalid")


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


# a double click exports once, however quick the first export (busy.disabled)
SETTLE_SECONDS = 1.5


class ExportScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        ui.label(
            "Paquet de réintégration de tout ce que le logiciel de secours a enregistré : un "
            "fichier CSV par type d'enregistrement avec son manifeste, un lot FHIR, et le "
            "rapport de rapprochement (PDF et CSV). L'export ne modifie aucune donnée ; il est "
            "tracé dans la piste d'audit.").classes("max-w-3xl")
        with ui.row().classes("items-end gap-4"):
            self.mode = ui.select(MODES, value="all", label="Période").classes("w-72")
            self.mode.mark("export-mode")
            self.since = ui.input("Depuis (JJ/MM/AAAA HH:MM)").classes("w-56")
            self.since.mark("export-since").bind_visibility_from(
                self.mode, "value", value="since")
            self.encoding = ui.select(ENCODINGS, value="utf-8", label="Encodage").classes(
                "w-40").mark("export-encoding")
            self.separator = ui.select(SEPARATORS, value=",", label="Séparateur").classes(
                "w-48").mark("export-separator")
            self.button = ui.button("Exporter", icon="archive", on_click=self.run_export)
            self.button.props("no-caps").mark("export-run")
        self.error = ui.label().classes("text-red-700 font-bold").mark("export-error")
        self.result = ui.column().classes("w-full")
        self.history = ui.column().classes("w-full")
        self.show_history()

    def _export(self) -> ExportResult:
        since = parse_moment(self.since.value) if self.mode.value == "since" else None
        at = now()
        out = _free_folder(self.app.store.data_dir / "exports" / f"export-{at:%Y%m%d-%H%M%S}")
        out.parent.mkdir(exist_ok=True)
        return export_package(self.app.store, self.user, out, since=since,
                              since_last=self.mode.value == "last",
                              encoding=self.encoding.value, separator=self.separator.value,
                              now=at)

    async def run_export(self) -> None:
        if not self.button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.button):
            try:
                result = await run.io_bound(self._export)
                archive = await run.io_bound(zipped, result.out_dir)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        settle(self.button, SETTLE_SECONDS)
        self.show_result(result, archive)
        self.show_history()

    def show_result(self, result: ExportResult, archive: bytes) -> None:
        self.result.clear()
        with self.result:
            ui.label(f"Export n° {result.run_id} écrit dans {result.out_dir}").classes(
                "font-bold").mark("export-message")
            rows = [{"file": name, "rows": french.number(n, 0)}
                    for name, n in result.counts.items()]
            ui.table(columns=[{"name": "file", "label": "Fichier", "field": "file"},
                              {"name": "rows", "label": "Lignes", "field": "rows"}],
                     rows=rows, row_key="file").props("dense flat").mark("export-counts")
            for problem in result.report.problems:
                ui.label(f"ATTENTION : {problem}").classes("text-red-700 font-bold").mark(
                    "export-problem")
            if not result.report.problems:
                ui.label("Ordonnancier continu, piste d'audit conforme à son ancre.").mark(
                    "export-checks")
            name = f"{result.out_dir.name}.zip"
            ui.button(f"Télécharger {name}", icon="download",
                      on_click=lambda: ui.download.content(archive, name, "application/zip")
                      ).props("no-caps").mark("export-download")

    def show_history(self) -> None:
        self.history.clear()
        made = runs.runs(self.app.store)
        with self.history:
            ui.label("Exports réalisés").classes("text-lg font-bold mt-4")
            if not made:
                ui.label("Aucun export pour l'instant.").mark("export-none")
                return
            ui.table(columns=[{"name": k, "label": lbl, "field": k} for k, lbl in (
                ("run", "N°"), ("at", "Le"), ("by", "Par"), ("period", "Période"),
                ("path", "Dossier"))], rows=[{
                    "run": r["run_id"], "at": french.moment(r["exported_at"]),
                    "by": r["exported_by_name"],
                    "period": ("depuis le " + french.moment(r["since_at"]) if r["since_at"]
                               else "tout"),
                    "path": r["out_path"]} for r in made], row_key="run").props(
                "dense flat").mark("export-history")


def register() -> None:
    @protected_page(PATH, Permission.EXPORT_RUN, "Export de réintégration")
    def export_page(user: User) -> None:
        ExportScreen(user)


def _free_folder(wanted: Path) -> Path:
    """`wanted`, or `wanted-2`, `-3`… when an export of the same second already took it (the
    package refuses a folder that is not empty)."""
    found, number = wanted, 1
    while found.exists():
        number += 1
        found = wanted.with_name(f"{wanted.name}-{number}")
    return found
