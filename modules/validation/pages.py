"""Validation pages: the worklist (/validation) and the review of one prescription
(/validation/{id}). Thin: service.py gathers the findings, decisions.py records the decisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
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


def day_heading(day: date | None, now: date) -> str:
    """The heading of a group of the worklist: late ones first, then today, then each day."""
    if day is None:
        return "Sans jour d'administration"
    if day < now:
        late = (now - day).days
        return f"En retard : 1er jour le {fr_date(day)} (il y a {late} jour(s))"
    if day == now:
        return f"Aujourd'hui, {fr_date(day)}"
    if day == now + timedelta(days=1):
        return f"Demain, {fr_date(day)}"
    return f"Le {fr_date(day)}"


def worklist_row(entry: service.WorklistEntry, ward_names: dict) -> dict:
    rx, findings = entry.prescription, entry.findings
    return {
        "id": rx.prescription_id,
        "first_day": fr_date(entry.first_day) if entry.first_day else "—",
        "ward": ward_names.get(rx.ward_id or "", rx.ward_id or "—"),
        "patient": f"{entry.patient} ({rx.patient_id})",
        "protocol": rx.protocol_name,
        "cycle": f"C{rx.cycle_no}",
        "prescriber": rx.prescriber.name,
        "signed": fr_date(rx.signed_at, with_time=True) if rx.signed_at else "—",
        "blocking": sum(f.severity == Severity.BLOCKING for f in findings),
        "warnings": sum(f.severity == Severity.WARNING for f in findings),
    }


def worklist_message(listed: service.Worklist) -> str:
    shown = len(listed.entries)
    if not listed.awaiting:
        return "Aucune prescription en attente de validation."
    text = f"{listed.awaiting} prescription(s) en attente de validation."
    if listed.hidden:
        text += (
            f" {shown} affichée(s) : {listed.hidden} prescription(s) masquée(s) par le filtre."
        )
    return text


# Sections later modules add above the worklist, called with (user): e.g. the doses not given
# on the wards (administration), which the pharmacist must see.
WORKLIST_SECTIONS: list = []


def worklist_view(user: User) -> None:
    """Every signed prescription awaiting validation, grouped by first day of administration
    (late ones, then today's, then the next days); the filters say how many they hide."""
    app = state.current()
    with ui.row().classes("items-end gap-4"):
        day = ui.input("1er jour (JJ/MM/AAAA, vide : tous)").classes("w-72")
        day.mark("validation-day")
        ward = ward_filter(user).mark("validation-ward")
        blocking_only = ui.checkbox("Seulement avec points bloquants").mark("validation-blocking")
        show = ui.button("Afficher", icon="refresh").mark("validation-show")
    for section in WORKLIST_SECTIONS:
        section(user)
    message = ui.label().classes("font-bold").mark("validation-message")
    groups = ui.column().classes("w-full gap-2").mark("validation-groups")

    async def load() -> None:
        try:
            first_day = parse_date(day.value) if (day.value or "").strip() else None
            listed = await run.io_bound(
                lambda: service.worklist(
                    app.store, user, app.settings, today(), first_day=first_day,
                    ward_id=ward.value or None, blocking_only=bool(blocking_only.value),
                )
            )
            ward_names = await run.io_bound(rx_queries.ward_choices, app.store, user)
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            message.classes(replace="font-bold text-red-700")
            return
        if listed is None:
            return
        message.classes(replace="font-bold")
        message.set_text(worklist_message(listed))
        by_day: dict[date | None, list[service.WorklistEntry]] = {}
        for entry in listed.entries:  # most urgent first: the groups keep that order
            by_day.setdefault(entry.first_day, []).append(entry)
        groups.clear()
        with groups:
            for first, entries in by_day.items():
                key = first.isoformat() if first else "none"
                late = first is not None and first < today()
                ui.label(f"{day_heading(first, today())} — {len(entries)} prescription(s)").classes(
                    "text-lg font-bold " + ("text-red-800" if late else "")
                ).mark(f"validation-group-{key}")
                grid = table(WORKLIST_COLUMNS, [worklist_row(e, ward_names or {})
                                                for e in entries], "id", "validation-worklist")
                grid.props("wrap-cells").classes("cursor-pointer")
                grid.on("rowClick", lambda e: ui.navigate.to(review_url(e.args[1]["id"])))

    show.on_click(load)
    ui.timer(0, load, once=True)


def value_text(key: str, value: float | int | str) -> tuple[str, str]:
    """A finding's value as shown: a percentage ("écart %": -20.5) as "écart : -20,5 %", a
    unit code as printed ("mg/m2" → "mg/m²"), a number the French way, a text as is."""
    if isinstance(value, bool) or not isinstance(value, float | int):
        return key, french.unit_label(value) if key == "unité" else str(value)
    if "%" in key:
        label = key.replace("%", "").replace("  ", " ").strip() or key
        signed = label.startswith(("écart", "modification", "variation"))
        return label, french.percent(value, signed=signed)
    return key, french.dose(value)


def finding_details(finding: Finding) -> str:
    details = ", ".join(
        "{} : {}".format(*value_text(k, v)) for k, v in finding.values.items() if v is not None
    )
    if finding.threshold_source:
        details += f" (seuil : {finding.threshold_source})"
    return details


def finding_card(
    finding: Finding, override_inputs: dict | None, lifts: Sequence[str] = ()
) -> None:
    """One finding; with `override_inputs`, a field to lift a blocking one; read-only, the
    lifts recorded for it (`lifts`: "Levé par … le … : motif")."""
    with ui.card().classes(f"w-full p-2 {SEVERITY_STYLE[finding.severity]}").mark(
        f"finding-{finding.key}"
    ):
        ui.label(finding.message).classes("font-bold" if finding.severity == "blocking" else "")
        details = finding_details(finding)
        if details:
            ui.label(details).classes("text-sm text-gray-700")
        for lift in lifts:
            ui.label(lift).classes("text-sm font-bold text-green-900").mark(
                f"lifted-{finding.key}"
            )
        if finding.severity == Severity.BLOCKING and not finding.liftable:
            # A never-event: no field to lift it, the service would refuse it anyway.
            ui.label(
                "Erreur jamais acceptable : ce point ne peut pas être levé. Refusez la "
                "prescription ou demandez une modification."
            ).classes("text-sm font-bold text-red-800").mark(f"never-{finding.key}")
        elif finding.severity == Severity.BLOCKING and override_inputs is not None:
            override_inputs[finding.key] = ui.input(
                "Motif pour lever ce point (sinon : refuser ou demander une modification)"
            ).classes("w-full").mark(f"override-{finding.key}")
        elif finding.severity == Severity.BLOCKING and not lifts:
            ui.label("Point non levé.").classes("text-sm text-red-800").mark(
                f"not-lifted-{finding.key}"
            )


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

