"""The audit trail page (admin): chain status, filters, records, CSV export."""

from __future__ import annotations

from datetime import date, datetime

from nicegui import ui

from chemo_fallback import audit, audit_trail
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import ROLE_LABELS, Permission
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page

WRAP = "white-space: normal; word-break: break-word; max-width: 32rem"  # long JSON stays on screen
COLUMNS = [
    {"name": "id", "label": "N°", "field": "id"},
    {"name": "at", "label": "Date et heure", "field": "at", "align": "left"},
    {"name": "actor", "label": "Utilisateur", "field": "actor", "align": "left"},
    {"name": "role", "label": "Rôle", "field": "role", "align": "left"},
    {"name": "action", "label": "Action", "field": "action", "align": "left"},
    {"name": "record", "label": "Enregistrement", "field": "record", "align": "left"},
    {"name": "change", "label": "Avant → après", "field": "change", "align": "left", "style": WRAP},
    {"name": "reason", "label": "Motif", "field": "reason", "align": "left", "style": WRAP},
]


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    return datetime.strptime(text, "%d/%m/%Y").date()


def register() -> None:
    @protected_page("/admin/audit", Permission.AUDIT_VIEW, "Piste d'audit")
    def audit_page(user: User) -> None:
        store = state.current().store
        check = audit.verify(store.cursor())
        ui.label(check.message()).classes(
            "font-bold " + ("text-green-800" if check.ok else "text-red-700")
        ).mark("chain-status")
        with ui.row().classes("items-end gap-4"):
            actor = ui.input("Utilisateur").mark("filter-actor")
            action = (
                ui.select({"": "toutes", **audit_trail.ACTION_LABELS}, value="", label="Action")
                .classes("w-64")
                .mark("filter-action")
            )
            record_id = ui.input("Enregistrement").mark("filter-record")
            day_from = ui.input("Du (JJ/MM/AAAA)").mark("filter-from")
            day_to = ui.input("Au (JJ/MM/AAAA)").mark("filter-to")
        message = ui.label("").classes("text-red-700").mark("filter-error")
        table = (
            ui.table(columns=COLUMNS, rows=[], row_key="id")
            .props("dense flat")
            .classes("w-full")
            .mark("audit-table")
        )
        found: list[audit_trail.AuditRow] = []

        def current_filter() -> audit_trail.AuditFilter | None:
            try:
                return audit_trail.AuditFilter(
                    actor=actor.value or "",
                    action=action.value or "",
                    record_id=record_id.value or "",
                    day_from=_parse_day(day_from.value),
                    day_to=_parse_day(day_to.value),
                )
            except ValueError:
                message.text = "Date invalide : saisissez-la au format JJ/MM/AAAA (ex. 23/11/2026)."
                return None

        def refresh() -> None:
            message.text = ""
            f = current_filter()
            if f is None:
                return
            found[:] = audit_trail.search(store, user.actor, f)
            table.rows = [
                {
                    "id": r.audit_id,
                    "at": f"{r.occurred_at:%d/%m/%Y %H:%M:%S}",
                    "actor": r.actor,
                    "role": ROLE_LABELS.get(r.role, r.role),
                    "action": r.action_label,
                    "record": f"{r.record_type} {r.record_id or ''}".strip(),
                    "change": f"{r.before_json or '—'} → {r.after_json or '—'}",
                    "reason": r.reason or "",
                }
                for r in found
            ]

        def export() -> None:
            ui.download.content(
                audit_trail.to_csv(found),
                f"piste-audit-{datetime.now():%Y%m%d-%H%M}.csv",
                "text/csv",
            )

        with ui.row():
            ui.button("Filtrer", icon="filter_alt", on_click=refresh).mark("filter")
            ui.button("Exporter en CSV", icon="download", on_click=export).mark("export-csv")
        refresh()
