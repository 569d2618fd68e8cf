"""One prescription: who, what, from which measurements, every line's dose with its whole
derivation, the status and its versions, notes; and, on a draft, every change a prescriber
makes before signing. Past draft the page is read-only but for correction and cancellation."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import (
    lifecycle,
    line_edits,
    pages,
    pages_dialogs,
    printing,
    queries,
    rules,
)
from chemo_fallback.modules.prescription.models import (
    LINE_KIND_LABELS,
    TRANSITIONS,
    Line,
    Prescription,
    RecordTrail,
    Status,
)
from chemo_fallback.modules.prescription.pages_notes import notes_section
from chemo_fallback.modules.prescription.wording import (
    administration_text,
    age_text,
    bsa_text,
    decision_text,
    dose_text,
    go_ahead_text,
    lifted_texts,
    measure_text,
)
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import fr_date, identity_banner, patient_url
from chemo_fallback.web.signature_dialog import open_signature_dialog

STATUS_COLORS = pages.STATUS_COLORS  # one colour per status, on every prescription screen
BASIS_TEXT = {"mg/m2": "mg/m²", "UI/m2": "UI/m²", "AUC": "ASC"}
# Sections other modules add under a prescription (e.g. the day-of "feu vert"), called with
# (user, prescription, refresh); this page does not import those modules.
DETAIL_SECTIONS: list = []


def may_edit(rx: Prescription, user: User) -> bool:
    return (
        rx.editable
        and allowed(user.role, Permission.PRESCRIPTION_WRITE)
        and rules.edit_refusal(rx, user.username, user.role) is None
    )


def header_card(rx: Prescription, versions: list[tuple[str, int, str]]) -> None:
    end = rx.cycle_start_date + timedelta(days=rx.cycle_length_days - 1)
    with ui.card().classes("w-full").mark("rx-header"):
        with ui.row().classes("items-center gap-3"):
            ui.label(f"{rx.protocol_name} — cycle {rx.cycle_no}").classes("text-2xl font-bold")
            ui.label(f"code {rx.protocol_id}").classes("text-xs text-gray-600")
            ui.label(rx.status_label.upper()).classes(
                f"px-3 py-1 rounded text-white {STATUS_COLORS[rx.status]}"
            ).mark("rx-status")
        ui.label(
            f"Prescription {rx.prescription_id} (version {rx.version_no}) — cycle de "
            f"{rx.cycle_length_days} jours, du {fr_date(rx.cycle_start_date)} au {fr_date(end)}"
        ).mark("rx-id")
        if rx.prescriber.transcribed:
            who = (
                f"Prescripteur : {rx.prescriber.name} — prescription transcrite par "
                f"{rx.created_by_name} le {fr_date(rx.created_at, with_time=True)}"
            )
        else:
            who = f"Prescripteur : {rx.prescriber.name}"
        ui.label(who).mark("rx-prescriber")
        if rx.snapshot_prescription_id:
            ui.label(
                f"Reprend la prescription {rx.snapshot_prescription_id} du logiciel de production"
            ).mark("rx-continues")
        if rx.signed_at:
            ui.label(f"Signée le {fr_date(rx.signed_at, with_time=True)}").mark("rx-signed")
        if rx.status_reason and rx.status != Status.CHANGE_REQUESTED:
            ui.label(f"Motif : {rx.status_reason}").classes("font-bold").mark("rx-reason")
        if len(versions) > 1:
            with ui.row().classes("items-center gap-2").mark("rx-versions"):
                ui.label("Versions :")
                for rx_id, number, label in versions:
                    text = f"v{number} ({label})"
                    if rx_id == rx.prescription_id:
                        ui.label(text).classes("font-bold")
                    else:
                        ui.link(text, pages.prescription_url(rx_id))


def change_request_card(rx: Prescription, trail: RecordTrail) -> None:
    """What the pharmacy asked on this version, or the request this corrected one answers."""
    if rx.status == Status.CHANGE_REQUESTED:
        asked = [d for d in trail.decisions if d.decision == "intervention"]
        text = (
            queries.question_text(asked[-1]) if asked else (rx.status_reason or "")
        )
        with ui.card().classes("w-full border-l-8 border-orange-600 bg-orange-50").mark(
            "rx-change-requested"
        ):
            ui.label("La pharmacie demande une modification").classes(
                "text-lg font-bold text-orange-900"
            )
            ui.label(text).classes("font-bold").mark("rx-question")
            ui.label(
                "Répondez par « Créer une version corrigée » : la nouvelle version, signée, "
                "remplace celle-ci et repart en validation."
            ).classes("text-sm")
    if trail.answers is not None:
        with ui.card().classes("w-full border-l-8 border-orange-300").mark("rx-answers"):
            ui.label(
                f"Version corrigée répondant à la demande de la pharmacie sur "
                f"{trail.answers.prescription_id}"
            ).classes("font-bold")
            ui.label(queries.question_text(trail.answers)).mark("rx-answered-question")


def trail_card(rx: Prescription, trail: RecordTrail) -> None:
    """Every signature, the pharmacists' decisions with the points they lifted, the feux verts.
    The question of a pending request for a change is in the card above: it is not repeated."""
    asked = [d for d in trail.decisions if d.decision == "intervention"]
    shown_above = asked[-1] if rx.status == Status.CHANGE_REQUESTED and asked else None
    with ui.card().classes("w-full").mark("rx-trail"):
        ui.label("Signatures et décisions").classes("font-bold")
        if not trail.signatures:
            ui.label("Aucune signature.").classes("text-gray-600")
        for signature in trail.signatures:
            ui.label(signature.text).mark("rx-signature")
        for decision in trail.decisions:
            text = decision_text(decision)
            if decision is shown_above:
                text = decision_text(decision.model_copy(
                    update={"reason": None, "intervention_label": None})) + (
                    " (question ci-dessus)"
                )
            ui.label(text).classes("font-bold").mark("rx-decision")
            for text in lifted_texts(decision):
                ui.label(text).classes("text-sm pl-4").mark("rx-lifted")
        for go_ahead in trail.go_aheads:
            ui.label(go_ahead_text(go_ahead)).classes("text-green-800").mark("rx-trail-go-ahead")


def dosing_card(rx: Prescription) -> None:
    d = rx.dosing
    with ui.card().classes("w-full").mark("rx-dosing"):
        ui.label(f"Doses calculées le {fr_date(d.computed_on)} à partir de :").classes("font-bold")
        ui.label(measure_text("Taille", d.height, "cm"))
        ui.label(measure_text("Poids", d.weight, "kg"))
        ui.label(f"Surface corporelle : {bsa_text(rx)}").classes("font-bold").mark("rx-bsa")
        ui.label(measure_text("Créatininémie", d.creatinine, "µmol/L"))
        cap = (
            f", plafonnée à {format_dose_fr(d.bsa_cap_m2)} m² ({d.bsa_cap_source})"
            if d.bsa_cap_m2
            else ", sans plafond"
        )
        gfr = f"{format_dose_fr(d.gfr_cap_ml_min)} mL/min" if d.gfr_cap_ml_min else "aucun"
        ui.label(
            f"Surface corporelle : formule {d.bsa_formula.capitalize()} "
            f"({d.bsa_formula_source}){cap}. {age_text(d).capitalize()}, sexe {d.sex}. "
            f"Plafond de DFG (site) : {gfr}."
        ).classes("text-sm")


def line_row(rx: Prescription, line: Line, user: User, refresh) -> None:
    editable = may_edit(rx, user)
    with ui.card().classes("w-full p-2").mark(f"line-{line.line_id}"):
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(LINE_KIND_LABELS.get(line.line_kind, line.line_kind)).classes(
                "text-xs text-gray-600 w-28"
            )
            ui.label(line.title).classes("font-bold w-56")
            if line.protocol_dose > 0:
                ui.label(
                    f"{format_dose_fr(line.protocol_dose)} "
                    f"{BASIS_TEXT.get(line.dose_basis, line.dose_basis)}"
                ).classes("w-28")
            if line.modification_pct:
                ui.label(french.percent(line.modification_pct, signed=True)).classes(
                    "text-orange-800 font-bold"
                )
            ui.label(dose_text(line)).classes("text-lg font-bold w-28").mark(
                f"dose-{line.line_id}"
            )
            ui.label(administration_text(line)).classes("text-sm")
            if line.off_protocol:
                ui.label("HORS PROTOCOLE").classes(
                    "px-2 rounded bg-red-700 text-white font-bold"
                ).mark(f"off-{line.line_id}")
            if line.liste_en_sus:
                code = line.indication_code or "code indication manquant"
                ui.label(f"Liste en sus : {code}").classes(
                    "px-2 rounded " + ("bg-blue-100" if line.indication_code else "bg-red-100")
                ).mark(f"les-{line.line_id}")
        details = []
        if line.modification_reason:
            details.append(f"Motif de modification : {line.modification_reason}")
        if line.off_protocol_reason:
            details.append(f"Motif hors protocole : {line.off_protocol_reason}")
        if line.comment:
            details.append(line.comment)
        for text in details:
            ui.label(text).classes("text-sm")
        with ui.row().classes("items-center gap-2"):
            if line.derivation:
                with ui.expansion("Calcul de la dose").classes("text-sm").mark(
                    f"derivation-{line.line_id}"
                ):
                    for i, step in enumerate(line.derivation.steps, start=1):
                        ui.label(f"{i}. {step.description}")
            if editable and line.protocol_dose > 0:
                ui.button(
                    "Modifier la dose", icon="edit",
                    on_click=lambda: modify_dose(user, rx, line, refresh),
                ).props("flat dense").mark(f"modify-{line.line_id}")
            if editable and line.liste_en_sus:
                ui.button(
                    "Code indication", icon="receipt_long",
                    on_click=lambda: set_indication(user, rx, line, refresh),
                ).props("flat dense").mark(f"indication-{line.line_id}")


def modify_dose(user: User, rx: Prescription, line: Line, refresh) -> None:
    app = state.current()
    pages_dialogs.action_dialog(
        f"Modifier la dose — {line.title}",
        lambda: pages_dialogs.modify_dose_fields(
            line,
            lambda pct, reason: lambda: line_edits.modify_dose(
                app.store, user, rx.prescription_id, line.line_id, pct, reason, app.settings
            ),
        ),
        refresh,
        marker="modify",
    )


def set_indication(user: User, rx: Prescription, line: Line, refresh) -> None:
    app = state.current()
    pages_dialogs.action_dialog(
        f"Code indication (liste en sus) — {line.title}",
        lambda: pages_dialogs.indication_fields(
            line,
            lambda code: lambda: line_edits.set_indication_code(
                app.store, user, rx.prescription_id, line.drug_id, code
            ),
        ),
        refresh,
        marker="les",
    )


def days_section(rx: Prescription, user: User, refresh) -> None:
    editable = may_edit(rx, user)
    app = state.current()
    for (day_no, planned), lines in groupby(rx.lines, key=lambda x: (x.day_no, x.planned_date)):
        with ui.row().classes("items-center gap-3 mt-2"):
            weekday = pages.WEEKDAYS[planned.weekday()]
            ui.label(f"J{day_no} — {weekday} {fr_date(planned)}").classes(
                "text-xl font-bold"
            ).mark(f"day-{day_no}")
            if editable:
                ui.button(
                    "Changer la date", icon="event",
                    on_click=lambda d=day_no, p=planned: pages_dialogs.action_dialog(
                        f"Date de J{d}",
                        lambda: pages_dialogs.move_day_fields(
                            d, fr_date(p), pages.parse_date,
                            lambda when: lambda: line_edits.move_day(
                                app.store, user, rx.prescription_id, d, when, app.settings,
                                pages.today(),
                            ),
                        ),
                        refresh,
                        marker="move",
                    ),
                ).props("flat dense").mark(f"move-day-{day_no}")
        for line in lines:
            line_row(rx, line, user, refresh)


def actions(rx: Prescription, user: User, refresh) -> None:
    if not allowed(user.role, Permission.PRESCRIPTION_WRITE):
        return
    app = state.current()
    error = ui.label().classes("text-red-700 font-bold").mark("rx-action-error")

    async def call(use_case, *args, then=None, button=None, **kwargs) -> None:
        try:
            if button is None:
                result = await run.io_bound(use_case, *args, **kwargs)
            else:
                async with disabled(button):  # a double click runs it once
                    result = await run.io_bound(use_case, *args, **kwargs)
        except ChemoFallbackError as exc:
            error.set_text(str(exc))
            return
        if then:
            then(result)
        else:
            await refresh()

    with ui.row().classes("gap-2").mark("rx-actions"):
        if rx.editable and not may_edit(rx, user):
            ui.label(rules.edit_refusal(rx, user.username, user.role)).classes("text-gray-700")
        if may_edit(rx, user):
            recompute = ui.button(
                "Recalculer les doses", icon="calculate",
                on_click=lambda: call(line_edits.recompute, app.store, user, rx.prescription_id,
                                         app.settings, pages.today(), button=recompute),
            ).mark("rx-recompute")
            ui.button(
                "Ajouter une ligne hors protocole", icon="add",
                on_click=lambda: pages_dialogs.add_off_protocol_line(user, rx, refresh),
            ).props("outline").mark("rx-add-line")

            def signed() -> None:
                return call(lifecycle.sign, app.store, user, rx.prescription_id, app.settings,
                            pages.today())

            def blockers() -> list[str]:  # the checks of lifecycle.sign, before the password
                return lifecycle.sign_blockers(
                    app.store, user, rx.prescription_id, app.settings, pages.today()
                )

            meaning = lifecycle.signature_meaning(user)

            async def open_signature() -> None:
                if not sign.enabled:  # a second click queued before the first one started
                    return
                async with disabled(sign):  # one dialog for a double click
                    await open_signature_dialog(
                        user, meaning,
                        f"Prescription {rx.prescription_id} — {rx.protocol_name} cycle "
                        f"{rx.cycle_no}", signed, blockers=blockers,
                    )

            sign = ui.button("Signer la prescription", icon="draw", on_click=open_signature)
            sign.props("color=green").mark("rx-sign")
        if rx.status in lifecycle.CORRECTABLE:
            correction_key = request_keys.new_key()  # drawn once per page shown
            correct = ui.button(
                "Créer une version corrigée", icon="content_copy",
                on_click=lambda: call(
                    lifecycle.start_correction, app.store, user, rx.prescription_id,
                    app.settings, request_key=correction_key, button=correct,
                    then=lambda new: ui.navigate.to(pages.prescription_url(new.prescription_id)),
                ),
            ).mark("rx-correct")
        if Status.CANCELLED in TRANSITIONS[rx.status]:
            ui.button("Annuler la prescription", icon="cancel", on_click=lambda: (
                pages_dialogs.action_dialog(
                    f"Annuler la prescription {rx.prescription_id}",
                    lambda: pages_dialogs.reason_fields(
                        "Motif d'annulation (obligatoire)",
                        lambda reason: lambda: lifecycle.cancel(
                            app.store, user, rx.prescription_id, reason),
                        "cancel-reason",
                    ),
                    refresh, confirm="Annuler la prescription", marker="cancel",
                )
            )).props("outline color=red").mark("rx-cancel")


def printing_section(rx: Prescription, user: User) -> None:
    """Print the summary for the patient file; every earlier print can be reprinted as it was."""
    app = state.current()
    with ui.row().classes("items-center gap-2").mark("rx-printing"):
        error = ui.label().classes("text-red-700")

        async def print_now() -> None:
            try:
                async with disabled(print_button):  # a double click prints once
                    document, pdf = await run.io_bound(
                        printing.print_summary, app.store, user, rx.prescription_id,
                        pages.today(),
                    )
            except ChemoFallbackError as exc:
                error.set_text(str(exc))
                return
            offer_pdf(pdf, document.filename)
            await show_prints()

        print_button = ui.button(
            "Imprimer le résumé (PDF)", icon="print", on_click=print_now
        ).props("outline").mark("rx-print")
    prints = ui.column().classes("gap-1").mark("rx-prints")

    async def reprint(document_id: int, filename: str, button: ui.button) -> None:
        try:
            async with disabled(button):
                pdf = await run.io_bound(printing.reprint_summary, app.store, user, document_id)
        except ChemoFallbackError as exc:
            error.set_text(str(exc))
            return
        offer_pdf(pdf, filename)

    async def show_prints() -> None:
        found = await run.io_bound(printing.printed_summaries, app.store, user, rx.prescription_id)
        prints.clear()
        with prints:
            for document in found or []:
                with ui.row().classes("items-center gap-2 text-sm"):
                    ui.label(
                        f"Résumé n° {document.number} imprimé le "
                        f"{fr_date(document.printed_at, with_time=True)} par "
                        f"{document.printed_by_name}"
                    )
                    again = ui.button("Réimprimer", icon="print").props("flat dense")
                    again.mark(f"reprint-{document.document_id}")
                    again.on_click(
                        lambda d=document, b=again: reprint(d.document_id, d.filename, b)
                    )

    ui.timer(0, show_prints, once=True)


def prescription_view(user: User, prescription_id: str) -> None:
    app = state.current()
    body = ui.column().classes("w-full gap-3")

    async def render() -> None:
        try:
            rx = await run.io_bound(queries.read_prescription, app.store, user, prescription_id)
            identity = await run.io_bound(
                queries.identity, app.store, user, rx.patient_id, pages.today()
            )
            versions = await run.io_bound(queries.versions, app.store, user, rx)
            trail = await run.io_bound(queries.trail, app.store, user, rx)
        except ChemoFallbackError as exc:
            body.clear()
            with body:
                ui.label(str(exc)).classes("text-lg text-red-700").mark("rx-error")
            return
        if rx is None or identity is None:
            return
        body.clear()
        with body:
            with ui.row().classes("gap-4"):
                ui.link("← Prescriptions du jour", "/prescriptions")
                ui.link("Dossier du patient", patient_url(rx.patient_id)).mark("rx-patient-link")
            identity_banner(identity)
            header_card(rx, versions)
            change_request_card(rx, trail)
            trail_card(rx, trail)
            dosing_card(rx)
            actions(rx, user, render)
            printing_section(rx, user)
            days_section(rx, user, render)
            for section in DETAIL_SECTIONS:
                section(user, rx, render)
            notes_section(user, rx.patient_id, rx.prescription_id)

    with body:
        ui.spinner(size="lg")
    ui.timer(0, render, once=True)
