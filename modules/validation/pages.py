"""Validation pages: the worklist (/validation) and the review of one prescription
(/validation/{id}). Thin: service.py gathers the findings and records the decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import queries as rx_queries
from chemo_fallback.modules.prescription.pages import parse_date, ward_filter
from chemo_fallback.modules.validation import service
from chemo_fallback.modules.validation.models import Finding, Severity
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.patient_pages import columns, fr_date, table

# The day the worklist and the checks refer to; tests replace it to pin the calendar.
today: Callable[[], date] = date.today

WORKLIST_COLUMNS = columns(
    ("blocking",), first_day="1er jour", ward="Unité", patient="Patient", protocol="Protocole",
    cycle="Cycle", prescriber="Prescripteur", signed="Signée le", blocking="Points bloquants",
    warnings="Points d'attention",
)
SEVERITY_STYLE = {
    Severity.BLOCKING: "bg-red-50 border-l-8 border-red-700",
    Severity.WARNING: "bg-orange-50 border-l-8 border-orange-500",
    Severity.INFO: "bg-blue-50 border-l-8 border-blue-400",
}


def review_url(prescription_id: str) -> str:
    return f"/validation/{prescription_id}"


def worklist_view(user: User) -> None:
    app = state.current()
    with ui.row().classes("items-end gap-4"):
        until = ui.input("Jusqu'au", value=fr_date(today() + timedelta(days=1))).classes("w-36")
        until.mark("validation-until")
        ward = ward_filter(user).mark("validation-ward")
        blocking_only = ui.checkbox("Seulement avec points bloquants").mark("validation-blocking")
        show = ui.button("Afficher", icon="refresh").mark("validation-show")
    message = ui.label().mark("validation-message")
    grid = table(WORKLIST_COLUMNS, [], "id", "validation-worklist").props("wrap-cells")
    grid.classes("cursor-pointer")
    grid.on("rowClick", lambda e: ui.navigate.to(review_url(e.args[1]["id"])))

    async def load() -> None:
        try:
            found = await run.io_bound(
                service.worklist, app.store, user, parse_date(until.value), ward.value or None,
                app.settings, today(),
            )
            ward_names = await run.io_bound(rx_queries.ward_choices, app.store, user)
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            message.classes(replace="text-red-700")
            return
        rows = []
        for rx, findings, patient in found or []:
            blocking = sum(f.severity == Severity.BLOCKING for f in findings)
            if blocking_only.value and not blocking:
                continue
            rows.append({
                "id": rx.prescription_id,
                "first_day": fr_date(rx.days[0][1]) if rx.days else "—",
                "ward": (ward_names or {}).get(rx.ward_id or "", rx.ward_id or "—"),
                "patient": f"{patient} ({rx.patient_id})",
                "protocol": rx.protocol_name,
                "cycle": f"C{rx.cycle_no}",
                "prescriber": rx.prescriber.name,
                "signed": fr_date(rx.signed_at, with_time=True) if rx.signed_at else "—",
                "blocking": blocking,
                "warnings": sum(f.severity == Severity.WARNING for f in findings),
            })
        grid.rows = rows
        message.classes(replace="")
        message.set_text(
            f"{len(rows)} prescription(s) en attente de validation."
            if rows else "Aucune prescription en attente de validation."
        )

    show.on_click(load)
    ui.timer(0, load, once=True)


def finding_card(finding: Finding, override_inputs: dict) -> None:
    with ui.card().classes(f"w-full p-2 {SEVERITY_STYLE[finding.severity]}").mark(
        f"finding-{finding.key}"
    ):
        ui.label(finding.message).classes("font-bold" if finding.severity == "blocking" else "")
        details = ", ".join(
            f"{k} : {format_dose_fr(v) if isinstance(v, float | int) else v}"
            for k, v in finding.values.items()
            if v is not None
        )
        if finding.threshold_source:
            details += f" (seuil : {finding.threshold_source})"
        if details:
            ui.label(details).classes("text-sm text-gray-700")
        if finding.severity == Severity.BLOCKING and not finding.liftable:
            # A never-event: no field to lift it, the service would refuse it anyway.
            ui.label(
                "Erreur jamais acceptable : ce point ne peut pas être levé. Refusez la "
                "prescription ou demandez une modification."
            ).classes("text-sm font-bold text-red-800").mark(f"never-{finding.key}")
        elif finding.severity == Severity.BLOCKING:
            override_inputs[finding.key] = ui.input(
                "Motif pour lever ce point (sinon : refuser ou intervenir)"
            ).classes("w-full").mark(f"override-{finding.key}")


def register() -> None:
    from chemo_fallback.modules.prescription import pages_detail
    from chemo_fallback.modules.validation import pages_go_ahead, pages_review

    if pages_go_ahead.go_ahead_section not in pages_detail.DETAIL_SECTIONS:
        pages_detail.DETAIL_SECTIONS.append(pages_go_ahead.go_ahead_section)

    @protected_page("/validation", Permission.PRESCRIPTION_VALIDATE, "Validation pharmaceutique")
    def validation_worklist_page(user: User) -> None:
        worklist_view(user)

    @protected_page(
        "/validation/{prescription_id}", Permission.PRESCRIPTION_VALIDATE, "Analyse pharmaceutique"
    )
    def validation_review_page(user: User, prescription_id: str) -> None:
        pages_review.review_view(user, prescription_id)

