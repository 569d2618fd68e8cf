"""Snapshot pages: the active snapshot, its activation report, and past activation attempts."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.snapshot.freshness import age_text
from chemo_fallback.snapshot.report import ActivationReport
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page

STATUS_LABELS = {"active": "actif", "superseded": "remplacé", "refused": "refusé"}

TABLE_COLUMNS = [
    {"name": "label", "label": "Table", "field": "label", "align": "left"},
    {"name": "file", "label": "Fichier", "field": "file", "align": "left"},
    {"name": "declared", "label": "Annoncées", "field": "declared"},
    {"name": "loaded", "label": "Chargées", "field": "loaded"},
    {"name": "rejected", "label": "Rejetées", "field": "rejected"},
]
REJECT_COLUMNS = [
    {"name": "line", "label": "Ligne", "field": "line"},
    {"name": "column", "label": "Colonne", "field": "column", "align": "left"},
    {"name": "reason", "label": "Motif", "field": "reason", "align": "left"},
    {"name": "value", "label": "Valeur lue", "field": "value", "align": "left"},
]


def report_view(report: ActivationReport, *, open_rejects: bool = False) -> None:
    """The whole report: headline, errors, warnings, per-table counts and every listed reject."""
    color = (
        "text-red-700"
        if report.status == "refused"
        else ("text-orange-700" if report.rows_rejected else "text-green-800")
    )
    ui.label(report.headline()).classes(f"text-lg font-bold {color}").mark("report-headline")
    for error in report.errors:
        ui.label(error).classes("text-red-700").mark("report-error")
    for warning in report.warnings:
        ui.label(f"Attention : {warning}").classes("text-orange-700").mark("report-warning")
    if not report.tables:
        return
    rows = [
        {
            "label": t.label,
            "file": t.file,
            "declared": t.rows_declared,
            "loaded": t.rows_loaded,
            "rejected": t.rows_rejected,
        }
        for t in report.tables
    ]
    ui.table(columns=TABLE_COLUMNS, rows=rows, row_key="file").props("dense flat").classes(
        "w-full"
    ).mark("report-tables")
    for t in report.tables:
        if not (t.rejects or t.warnings):
            continue
        title = f"{t.label} ({t.file}) : {t.rows_rejected} rejet(s)"
        with (
            ui.expansion(title, icon="warning", value=open_rejects)
            .classes("w-full")
            .mark(f"rejects-{t.table}")
        ):
            for warning in t.warnings:
                ui.label(f"Attention : {warning}").classes("text-orange-700")
            if t.rejects:
                ui.table(
                    columns=REJECT_COLUMNS,
                    rows=[r.model_dump() | {"column": r.column or "—"} for r in t.rejects],
                ).props("dense flat").classes("w-full").mark(f"reject-table-{t.table}")
            unlisted = t.rows_rejected - len({r.line for r in t.rejects})
            if unlisted > 0:
                ui.label(f"… et {unlisted} autre(s) ligne(s) rejetée(s) non détaillée(s).")


def active_snapshot_card() -> None:
    store = state.current().store
    active = store.active_snapshot()
    with ui.card().classes("w-full").mark("active-snapshot"):
        if active is None:
            ui.label("Aucun instantané actif.").classes("text-lg font-bold text-red-700")
            ui.label(
                "Un administrateur doit activer le dernier export de la base de production : "
                "chemo-fallback snapshot activate DOSSIER_OU_ZIP"
            )
            return
        report = ActivationReport.model_validate_json(active.report_json)
        ui.label(
            f"{active.source_system or 'Source inconnue'} {report.source_version or ''} — "
            f"{active.site or ''}"
        ).classes("text-lg font-bold")
        ui.label(
            f"Export du {french.moment(active.exported_at)} "
            f"({age_text(active.exported_at, datetime.now())}), activé le "
            f"{french.moment(active.finished_at)}"
        ).mark("snapshot-dates")
        if active.shift_days:
            ui.label(
                f"Démonstration : dates décalées de {active.shift_days} jour(s) pour que "
                "l'export date d'aujourd'hui."
            ).classes("text-sm italic")
        ui.label(f"Source : {active.source_path}").classes("text-sm text-gray-600")
        report_view(report, open_rejects=True)


def history() -> None:
    rows = state.current().store.activations(limit=20)
    ui.label("Activations précédentes").classes("text-xl font-bold")
    if not rows:
        ui.label("Aucune activation enregistrée.")
        return
    for activation_id, status, source_path, exported_at, finished_at, report_json in rows:
        report = ActivationReport.model_validate_json(report_json)
        exported = f"export du {french.moment(exported_at)}" if exported_at else "export inconnu"
        title = (
            f"n° {activation_id} — {french.moment(finished_at)} — "
            f"{STATUS_LABELS[status]} — {exported} — {source_path}"
        )
        with ui.expansion(title).classes("w-full").mark(f"activation-{activation_id}"):
            report_view(report)


def register() -> None:
    @protected_page("/", Permission.SNAPSHOT_VIEW, "Instantané de la base de production")
    def snapshot_page(user: User) -> None:
        active_snapshot_card()
        history()
