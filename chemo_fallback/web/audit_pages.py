"""The audit trail page (admin): chain status, filters, records, CSV export."""

from __future__ import annotations

from datetime import date, datetime

from nicegui import ui

from chemo_fallback import audit, audit_anchor, audit_trail, french, row_seals
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page

# Long values wrap between words (a word is cut only when it alone is wider than the column).
WRAP = "white-space: normal; overflow-wrap: break-word; min-width: 14rem; max-width: 30rem"
NOTE_WRAP = "white-space: normal; overflow-wrap: break-word; min-width: 8rem; max-width: 20rem"
# One "champ : valeur" per line; the JSON as stored (hash-chained) in a tooltip, for an auditor.
CHANGE_CELL = r"""
<q-td :props="props">
  <div style="white-space: pre-line">{{ props.value }}</div>
  <q-tooltip v-if="props.row.raw" max-width="40rem" class="text-body2">
    JSON enregistré : {{ props.row.raw }}
  </q-tooltip>
</q-td>
"""
COLUMNS = [
    {"name": "id", "label": "N°", "field": "id"},
    {"name": "at", "label": "Date et heure", "field": "at", "align": "left"},
    {"name": "actor", "label": "Utilisateur", "field": "actor", "align": "left"},
    {"name": "role", "label": "Rôle", "field": "role", "align": "left"},
    {"name": "action", "label": "Action", "field": "action", "align": "left"},
    {"name": "record", "label": "Enregistrement", "field": "record", "align": "left"},
    {"name": "change", "label": "Modification", "field": "change", "align": "left", "style": WRAP},
    {"name": "reason", "label": "Motif", "field": "reason", "align": "left", "style": NOTE_WRAP},
]


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    return datetime.strptime(text, "%d/%m/%Y").date()


def _raw(row: audit_trail.AuditRow) -> str:
    if row.before_json is None and row.after_json is None:
        return ""
    return f"avant {row.before_json or '—'} ; après {row.after_json or '—'}"


def register() -> None:
    @protected_page("/admin/audit", Permission.AUDIT_VIEW, "Piste d'audit")
    def audit_page(user: User) -> None:
        store = state.current().store
        check = audit.verify(store.cursor())
        ui.label(check.message()).classes(
            "font-bold " + ("text-green-800" if check.ok else "text-red-700")
        ).mark("chain-status")
        anchor = audit_anchor.compare(store.cursor(), audit_anchor.read(store.anchor_file))
        ui.label(
            f"{anchor.message()} (ancre : {store.anchor_file})" if anchor.anchored
            else f"Ancre de la piste d'audit : aucune encore ({store.anchor_file})."
        ).classes("text-sm " + ("text-green-800" if anchor.ok else "font-bold text-red-700")).mark(
            "anchor-status"
        )
        rows = row_seals.check(store.cursor())
        ui.label(rows.message()).classes(
            "text-sm whitespace-pre-line "
            + ("text-green-800" if rows.ok else "font-bold text-red-700")
        ).mark("rows-status")
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
            .props("dense flat wrap-cells")
            .classes("w-full")
            .mark("audit-table")
        )
        table.add_slot("body-cell-change", CHANGE_CELL)
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
                    "at": french.moment(r.occurred_at, seconds=True),
                    "actor": r.actor,
                    "role": r.role_label,
                    "action": r.action_label,
                    "record": r.record_label,
                    "change": "\n".join(r.change_lines()) or "—",
                    "raw": _raw(r),
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
