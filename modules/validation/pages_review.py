"""The pharmaceutical review of one prescription: the prescription with every dose's
derivation, the patient's recent history and labs, every finding at once; then the decision:
validate (signed; each blocking finding lifted with a reason), reject, or intervene."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.signature import Meaning
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import pages_detail
from chemo_fallback.modules.prescription import queries as rx_queries
from chemo_fallback.modules.prescription.models import STATUS_LABELS, Status
from chemo_fallback.modules.prescription.pages import prescription_url
from chemo_fallback.modules.prescription.pages_dialogs import action_dialog, reason_fields
from chemo_fallback.modules.validation import decisions, independence, pages, service
from chemo_fallback.modules.validation.models import Override, Severity
from chemo_fallback.modules.validation.pages_go_ahead import go_ahead_section
from chemo_fallback.patients.models import LAB_LABELS, status_label
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import columns, fr_date, identity_banner, table
from chemo_fallback.web.signature_dialog import open_signature_dialog

CYCLE_COLUMNS = columns(
    ("weight", "bsa"), start="Début", protocol="Protocole", cycle="Cycle", weight="Poids (kg)",
    bsa="SC (m²)", source="Source",
)
LAB_COLUMNS = columns(("value",), test="Examen", value="Valeur", unit="Unité", date="Prélèvement")
DOSE_COLUMNS = columns(
    ("dose",), date="Date", drug="Médicament", dose="Dose", status="Statut", source="Source",
    prescription="Prescription",
)
RECENT_DOSES = 20  # the last cycles' doses, enough to compare with this one
DECISION_LABELS = {
    "first_check": "1re validation (double contrôle attendu)",
    "validated": "validée",
    "rejected": "refusée",
    "intervention": "modification demandée (intervention pharmaceutique)",
}


def dose_status(dose) -> str:
    if dose.source == "secours":
        return STATUS_LABELS.get(Status(dose.status), dose.status)
    return status_label(dose.status)


def history_section(review: service.Review) -> None:
    ctx = review.context
    ui.label("Historique récent du patient").classes("text-xl font-bold")
    rows = [
        {
            "key": c.prescription_id, "start": fr_date(c.cycle_start_date),
            "protocol": c.protocol_name or c.protocol_id, "cycle": c.cycle_no,
            "weight": format_dose_fr(c.weight_kg) if c.weight_kg else "—",
            "bsa": format_dose_fr(c.bsa_m2) if c.bsa_m2 else "—", "source": c.source,
        }
        for c in ctx.previous_cycles[:8]
    ]
    if rows:
        table(CYCLE_COLUMNS, rows, "key", "review-cycles")
    else:
        ui.label("Aucun cycle antérieur connu.").mark("review-no-cycle")
    ui.label("Doses des cycles précédents").classes("font-bold")
    past = sorted(
        (d for d in ctx.other_doses if d.planned_date < review.prescription.cycle_start_date),
        key=lambda d: d.planned_date, reverse=True,
    )[:RECENT_DOSES]
    drugs = {line.drug_id: line.title for line in review.prescription.lines if line.drug_id}
    if past:
        table(DOSE_COLUMNS, [
            {"key": i, "date": fr_date(d.planned_date), "drug": drugs.get(d.drug_id, d.drug_id),
             "dose": f"{format_dose_fr(d.dose)} {d.dose_unit}", "status": dose_status(d),
             "source": d.source, "prescription": d.prescription_id}
            for i, d in enumerate(past)
        ], "key", "review-doses")
    else:
        ui.label("Aucune dose antérieure connue.").mark("review-no-dose")
    labs = [
        {"key": i, "test": LAB_LABELS.get(lab.test_code, lab.test_code),
         "value": format_dose_fr(lab.value), "unit": french.unit_label(lab.unit),
         "date": fr_date(lab.sampled_at, with_time=True)}
        for i, lab in enumerate(ctx.labs)
    ]
    if labs:
        table(LAB_COLUMNS, labs, "key", "review-labs")
    else:
        ui.label("Aucun résultat de biologie dans l'instantané.").classes("text-orange-800")


def decision_text(d: dict) -> str:
    """A decision as the review shows it: what, who, when, the meaning signed, a single
    pharmacist's mark, and (once, here only) the refusal reason or the intervention."""
    text = (
        f"{DECISION_LABELS.get(d['decision'], d['decision']).capitalize()} par "
        f"{d['pharmacist_name']} le {french.moment(d['decided_at'])}"
    )
    if d.get("signature_meaning"):
        text += f" (signature « {d['signature_meaning']} »)"
    if d.get("single_pharmacist"):
        text += " — pharmacien seul (validation par le pharmacien qui l'a transcrite ou " \
                "signée, autorisée par le site)"
    if d["intervention_code"]:
        text += f" — {decisions.INTERVENTION_CODES.get(d['intervention_code'], '')}"
    if d["reason"]:
        text += f" : {d['reason']}"
    return text


def decisions_section(review: service.Review) -> None:
    for d in review.decisions:
        ui.label(decision_text(d)).classes("font-bold").mark(f"decision-{d['decision_id']}")


def lift_text(lift: dict) -> str:
    return (
        f"Levé par {lift['pharmacist_name']} le {french.moment(lift['decided_at'])} "
        f"({DECISION_LABELS.get(lift['decision'], lift['decision'])}) : « {lift['reason']} »"
    )


def read_only_notice(user: User, review: service.Review) -> None:
    rx = review.prescription
    if rx.status != Status.SIGNED:
        text = (
            f"Décision prise : la prescription est « {rx.status_label} ». L'analyse ci-dessous "
            "est celle de la décision, en lecture seule."
        )
    else:
        text = (
            "Vous avez donné la 1re validation de cette prescription : la seconde doit être "
            "faite par un autre pharmacien (double contrôle). Lecture seule."
        )
    ui.label(text).classes("text-lg font-bold text-blue-900").mark("review-read-only")


def typed_overrides(overrides: dict) -> list[Override]:
    return [Override(key=k, reason=v.value or "") for k, v in overrides.items()
            if (v.value or "").strip()]


def signature_wording(
    review: service.Review, given: list[Override], user: User
) -> tuple[str, list[str]]:
    """What the signature dialog says is signed, and the points really lifted (a blocking
    finding with a reason of 3 characters at least), with their reasons."""
    rx = review.prescription
    lifted = decisions.lifted(review.findings, given)
    count = f"{len(lifted)} point(s) bloquant(s) levé(s)" if lifted else "aucun point levé"
    what = f"Validation de la prescription {rx.prescription_id} ({count})"
    part = independence.own_part(rx, user.username, review.authored)
    if part:
        what += (
            f". Vous avez {part} : validation en pharmacien seul, "
            "autorisée par le site, enregistrée comme telle."
        )
    summary = [f"Point levé : « {f.message} » — motif : {reason}" for f, reason in lifted]
    return what, summary


def decision_buttons(user: User, review: service.Review, overrides: dict, refresh) -> None:
    app = state.current()
    rx = review.prescription
    error = ui.label().classes("text-red-700 font-bold").mark("review-error")
    # The meaning shown is the one the service will record: with the double check, the first
    # pharmacist's signature means "contrôlé", the second one's "validé".
    double = app.settings.validation_double_check and not review.first_check_done
    meaning = Meaning.CHECKED if double else Meaning.VALIDATED

    async def open_validation() -> None:
        if not all(b.enabled for b in buttons):  # a second click queued before the first
            return
        given = typed_overrides(overrides)

        def blockers_now() -> list[str]:
            return decisions.validation_blockers(
                app.store, user, rx.prescription_id, given, app.settings, pages.today()
            )

        error.set_text("")

        async def validate() -> None:
            async with disabled(*buttons):
                try:
                    await run.io_bound(
                        decisions.validate, app.store, user, rx.prescription_id, given,
                        app.settings, pages.today(),
                    )
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            await refresh()

        what, summary = signature_wording(review, given, user)
        async with disabled(*buttons):  # one dialog for a double click
            await open_signature_dialog(user, meaning, what, validate, blockers=blockers_now,
                                        summary=summary)

    def reject_dialog() -> None:
        action_dialog(
            f"Refuser la prescription {rx.prescription_id}",
            lambda: reason_fields(
                "Motif du refus (obligatoire)",
                lambda reason: lambda: decisions.reject(
                    app.store, user, rx.prescription_id, reason, app.settings, pages.today()
                ),
                "reject-reason",
            ),
            refresh, confirm="Refuser", marker="reject",
        )

    with ui.row().classes("gap-2").mark("review-actions"):
        buttons = [
            ui.button("Valider et signer", icon="verified", on_click=open_validation).props(
                "color=green"
            ).mark("review-validate"),
            ui.button(
                "Demander une modification", icon="forum",
                on_click=lambda: intervention_dialog(user, rx.prescription_id, refresh),
            ).props("outline").mark("review-intervene"),
            ui.button("Refuser", icon="block", on_click=reject_dialog).props(
                "outline color=red"
            ).mark("review-reject"),
        ]


def intervention_dialog(user: User, prescription_id: str, refresh) -> None:
    app = state.current()

    def build():
        ui.label(
            "La prescription retourne au prescripteur (« modification demandée », ce n'est pas "
            "un refus), qui y répond par une version corrigée."
        )
        code = ui.select(
            {k: f"{k}. {v}" for k, v in decisions.INTERVENTION_CODES.items()},
            label="Problème (codification SFPC)",
        ).classes("w-full").mark("intervention-code")
        text = ui.textarea(
            f"Intervention (proposition au prescripteur, {decisions.MAX_DECISION_TEXT} "
            "caractères au plus)"
        ).props(f"counter maxlength={decisions.MAX_DECISION_TEXT}").classes("w-full")
        text.mark("intervention-text")
        return lambda: lambda: decisions.request_change(
            app.store, user, prescription_id, code.value or "", text.value or "",
            app.settings, pages.today(),
        )

    action_dialog("Demander une modification (intervention pharmaceutique)", build, refresh,
                  confirm="Envoyer", marker="intervention")


def findings_section(user: User, review: service.Review, refresh) -> None:
    findings = review.shown_findings
    counts = {s: sum(f.severity == s for f in findings) for s in Severity}
    ui.label(
        f"Analyse : {counts[Severity.BLOCKING]} point(s) bloquant(s), "
        f"{counts[Severity.WARNING]} point(s) d'attention, "
        f"{counts[Severity.INFO]} information(s)"
    ).classes("text-xl font-bold").mark("review-counts")
    if review.read_only:
        read_only_notice(user, review)
        for finding in findings:
            pages.finding_card(finding, None, [lift_text(x) for x in review.lifts(finding.key)])
        return
    overrides: dict = {}
    for finding in findings:
        pages.finding_card(finding, overrides)
    decision_buttons(user, review, overrides, refresh)


def review_view(user: User, prescription_id: str) -> None:
    app = state.current()
    body = ui.column().classes("w-full gap-3")

    async def render() -> None:
        try:
            review = await run.io_bound(
                service.review, app.store, user, prescription_id, app.settings, pages.today()
            )
            identity = await run.io_bound(
                rx_queries.identity, app.store, user, review.prescription.patient_id,
                pages.today(),
            )
        except ChemoFallbackError as exc:
            body.clear()
            with body:
                ui.label(str(exc)).classes("text-lg text-red-700").mark("review-load-error")
            return
        if review is None or identity is None:
            return
        rx = review.prescription
        body.clear()
        with body:
            with ui.row().classes("gap-4"):
                ui.link("← Liste de validation", "/validation")
                ui.link("Prescription", prescription_url(rx.prescription_id))
            identity_banner(identity)
            # The refusal reason or the intervention is shown once, with its decision.
            shown_once = review.decisions and rx.status in (Status.REJECTED,
                                                             Status.CHANGE_REQUESTED)
            pages_detail.header_card(
                rx.model_copy(update={"status_reason": None}) if shown_once else rx, []
            )
            decisions_section(review)
            findings_section(user, review, render)
            pages_detail.dosing_card(rx)
            history_section(review)
            pages_detail.days_section(rx, user, render)
            go_ahead_section(user, rx, render)

    with body:
        ui.spinner(size="lg")
    ui.timer(0, render, once=True)
