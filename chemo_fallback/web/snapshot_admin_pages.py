"""Snapshot administration (admin): the exports available, and activation with its report.

Activation runs in a worker thread; its progress lines reach the page through a queue read by
a timer, so the server keeps answering the other workstations meanwhile.
"""

from __future__ import annotations

import queue
from functools import partial

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.snapshot import admin
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.snapshot_pages import report_view

COLUMNS = [
    {"name": "name", "label": "Export", "field": "name", "align": "left"},
    {"name": "kind", "label": "Type", "field": "kind", "align": "left"},
    {"name": "exported", "label": "Date d'export", "field": "exported", "align": "left"},
    {"name": "source", "label": "Source", "field": "source", "align": "left"},
]


def register() -> None:
    @protected_page("/admin/instantanes", Permission.SNAPSHOT_ACTIVATE, "Activer un instantané")
    def snapshot_admin_page(user: User) -> None:
        app_state = state.current()
        folder = app_state.snapshots_dir
        candidates = admin.list_candidates(folder)
        ui.label(f"Exports déposés dans {folder} (dossiers avec manifest.json, ou archives .zip).")
        if not candidates:
            ui.label("Aucun export trouvé : copiez le dernier export dans ce dossier.").classes(
                "text-orange-700"
            ).mark("no-candidates")
            return
        rows = [
            {
                "name": c.path.name,
                "kind": c.kind,
                "source": c.source,
                "exported": french.moment(c.exported_at) if c.exported_at else "—",
            }
            for c in candidates
        ]
        table = (
            ui.table(columns=COLUMNS, rows=rows, row_key="name", selection="single")
            .classes("w-full")
            .mark("candidates")
        )
        log = ui.log(max_lines=200).classes("w-full h-48").mark("activation-log")
        log.set_visibility(False)
        result = ui.column().classes("w-full").mark("activation-result")

        async def activate() -> None:
            if not table.selected:
                ui.notify("Choisissez d'abord un export dans la liste.", type="warning")
                return
            path = folder / table.selected[0]["name"]
            button.disable()
            log.clear()
            log.set_visibility(True)
            lines: queue.Queue[str] = queue.Queue()

            def drain() -> None:
                while not lines.empty():
                    log.push(lines.get())

            timer = ui.timer(0.2, drain)
            try:
                report = await run.io_bound(
                    partial(admin.activate_as, demo_mode=app_state.demo),
                    app_state.store,
                    user.actor,
                    path,
                    lines.put,
                )
            finally:
                timer.cancel()
                drain()  # the last lines
                button.enable()
            result.clear()
            with result:
                report_view(report, open_rejects=True)

        button = ui.button(
            "Activer l'export choisi", icon="published_with_changes", on_click=activate
        ).mark("activate")
