"""Validation use cases: the pharmacist's signed decisions on a prescription awaiting one:
validate (every blocking finding overridden with a reason), reject, or ask for a change
(pharmaceutical intervention). Each decision is audited in the transaction that records it.

The validation is a check independent of the prescription (`independence`): a pharmacist who
transcribed, changed or signed it (or a version it copies: the audit trail says who) validates
it only when the site allows a single pharmacist (single_pharmacist_allowed), and the decision
and its audit record then say so."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.auth.signature import Meaning, record_signature
from chemo_fallback.modules.prescription import repository as rx_repo
from chemo_fallback.modules.prescription import rules as rx_rules
from chemo_fallback.modules.prescription.models import Prescription, Status
from chemo_fallback.modules.validation import repository as repo
from chemo_fallback.modules.validation.independence import independence_refusal, own_part
from chemo_fallback.modules.validation.models import (
    Finding,
    Override,
    Severity,
    ValidationError,
)
from chemo_fallback.modules.validation.rules import all_findings
from chemo_fallback.modules.validation.service import (
    RECORD,
    contexts,
    prescription_or_refuse,
    reading_cursor,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

# SFPC coding of the drug-related problem behind a pharmaceutical intervention.
INTERVENTION_CODES = {
    "1": "Non-conformité aux référentiels ou contre-indication",
    "2": "Indication non traitée",
    "3": "Sous-dosage",
    "4": "Surdosage",
    "5": "Médicament non indiqué",
    "6": "Interaction",
    "7": "Effet indésirable",
    "8": "Voie ou administration inappropriée",
    "9": "Traitement non reçu",
    "10": "Monitoring à suivre",
}


def already_decided(rx: Prescription) -> str:
    """Why no decision can be taken any more on `rx` (it is no longer awaiting one), in
    French: a second click, or a second pharmacist, after the first decision."""
    return (
        f"Décision déjà prise : la prescription {rx.prescription_id} est "
        f"« {rx.status_label} ». Seule une prescription signée et en attente se valide, se "
        "refuse ou fait l'objet d'une demande de modification : rechargez la page pour voir "
        "la décision enregistrée."
    )


def _awaiting(cur, prescription_id: str) -> Prescription:
    rx = prescription_or_refuse(cur, prescription_id)
    if rx.status != Status.SIGNED:
        raise ValidationError(already_decided(rx), code="validation_already_decided")
    return rx


MIN_LIFT_REASON = 3  # characters: a shorter reason lifts nothing (missing_overrides)


def missing_overrides(findings: list[Finding], overrides: list[Override]) -> list[str]:
    """French reasons the validation is refused: each blocking finding needs an override with
    a written reason."""
    given = {o.key: o.reason.strip() for o in overrides}
    problems = []
    for finding in findings:
        if finding.severity != Severity.BLOCKING:
            continue
        reason = given.get(finding.key)
        if not finding.liftable:
            problems.append(
                f"« {finding.message} » ne peut pas être levé (erreur jamais acceptable) : "
                "refusez la prescription ou demandez une modification"
            )
        elif reason is None:
            problems.append(f"« {finding.message} » n'est pas levé")
        elif len(reason) < MIN_LIFT_REASON:
            problems.append(f"« {finding.message} » est levé sans motif")
    return problems



class Refusal(BaseModel):
    """One reason a validation would be refused: the code and message `validate` raises, and
    the French reasons the signature dialog lists (one per problem) before any password."""

    code: str
    message: str
    reasons: list[str]


class ValidationPlan(BaseModel):
    """What `validate` would do now for this pharmacist with these overrides: the decision it
    would record, or why it would refuse (`refusals`, in the order it checks them)."""

    prescription: Prescription
    findings: list[Finding] = []
    kept: list[Override] = []  # the overrides of blocking findings, recorded with it
    part: str | None = None  # set: a single pharmacist, allowed by the site
    decision: str = "validated"  # or "first_check"
    refusals: list[Refusal] = []


def plan_validation(
    cur, prescription_id: str, username: str, overrides: list[Override],
    settings: SiteSettings, today: date,
) -> ValidationPlan:
    """The checks of a validation, run in one place, so that the signature dialog (before the
    password, `validation_blockers`) and `validate` (in its transaction) never disagree."""
    rx = prescription_or_refuse(cur, prescription_id)
    if rx.status != Status.SIGNED:
        message = already_decided(rx)
        return ValidationPlan(prescription=rx, refusals=[
            Refusal(code="validation_already_decided", message=message, reasons=[message])
        ])
    refusals = []
    authored = repo.authoring(cur, rx)
    independence = independence_refusal(rx, username, settings, authored)
    if independence:
        refusals.append(Refusal(code="validation_not_independent", message=independence,
                                reasons=[independence]))
    findings = all_findings(contexts(cur, [rx], settings, today)[prescription_id])
    problems = missing_overrides(findings, overrides)
    if problems:
        refusals.append(Refusal(
            code="validation_points_not_lifted",
            message="Validation refusée : " + " ; ".join(problems) + ". Levez chaque point "
            "bloquant avec un motif, ou refusez la prescription.",
            reasons=problems,
        ))
    earlier = [d for d in repo.decisions(cur, prescription_id) if d["decision"] ==
               "first_check" and d["decided_at"] >= (rx.signed_at or datetime.min)]
    if any(d["pharmacist"] == username for d in earlier):
        message = (
            "Double contrôle : vous avez déjà donné la 1re validation de cette prescription ; "
            "la seconde validation doit être faite par un autre pharmacien."
        )
        refusals.append(Refusal(code="validation_same_pharmacist_twice", message=message,
                                reasons=[message]))
    blocking = {f.key for f in findings if f.severity == Severity.BLOCKING}
    return ValidationPlan(
        prescription=rx,
        findings=findings,
        kept=[o for o in overrides if o.key in blocking],
        part=own_part(rx, username, authored),
        decision="first_check" if settings.validation_double_check and not earlier
        else "validated",
        refusals=refusals,
    )


def validation_blockers(
    store: Store, user: User, prescription_id: str, overrides: list[Override],
    settings: SiteSettings, today: date,
) -> list[str]:
    """The French reasons `validate` would refuse now (the same checks, `plan_validation`),
    one per problem: the signature dialog lists them instead of asking for a password."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    plan = plan_validation(reading_cursor(store), prescription_id, user.username, overrides,
                           settings, today)
    return [reason for refusal in plan.refusals for reason in refusal.reasons]


def lifted(findings: list[Finding], overrides: list[Override]) -> list[tuple[Finding, str]]:
    """The blocking findings really lifted by these overrides (a reason of 3 characters at
    least), with their reasons: what the signature dialog counts and shows."""
    given = {o.key: o.reason.strip() for o in overrides}
    return [
        (f, given[f.key]) for f in findings
        if f.severity == Severity.BLOCKING and f.liftable
        and len(given.get(f.key, "")) >= MIN_LIFT_REASON
    ]


def validate(
    store: Store,
    user: User,
    prescription_id: str,
    overrides: list[Override],
    settings: SiteSettings,
    today: date,
    *,
    now: datetime | None = None,
) -> str:
    """The signed validation (the password was confirmed by the signature dialog). Refused
    while a blocking finding is not overridden with a reason. With the site's double check, the
    first pharmacist's validation waits for a second, different pharmacist. Returns the
    decision made: "first_check" or "validated"."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    with store.transaction() as cur:
        plan = plan_validation(cur, prescription_id, user.username, overrides, settings, today)
        if plan.refusals:
            first = plan.refusals[0]
            raise ValidationError(first.message, code=first.code)
        rx, findings, kept, part, decision = (
            plan.prescription, plan.findings, plan.kept, plan.part, plan.decision
        )
        meaning = Meaning.VALIDATED if decision == "validated" else Meaning.CHECKED
        now = now or datetime.now()
        signature = record_signature(cur, user, meaning, RECORD, prescription_id, now=now)
        repo.insert_decision(
            cur, rx, decision, user, now, findings, kept, signature_id=signature.signature_id,
            single_pharmacist=part is not None,
        )
        if decision == "validated":
            rx_rules.check_transition(rx.status, Status.VALIDATED)
            rx_repo.set_status(cur, prescription_id, Status.VALIDATED.value, user.username,
                               now, None)
        audit.record(
            cur,
            user.actor,
            "prescription.validated" if decision == "validated" else "prescription.first_check",
            RECORD,
            prescription_id,
            before={"status": rx.status.value},
            after={
                "status": Status.VALIDATED.value if decision == "validated" else rx.status.value,
                "findings": [f.key for f in findings],
                "overrides": {o.key: o.reason for o in kept},
                "single_pharmacist": part is not None,
            },
            reason=(
                f"pharmacien seul (autorisé par le site) : il a {part}" if part else None
            ),
        )
    return decision


# A refusal's reason or an intervention's text: a few sentences for the prescriber, printed
# on the record; beyond this it is a letter, to be sent another way.
MAX_DECISION_TEXT = 2000


def _decision_text(text: str, what: str) -> str:
    value = rx_rules.required_text(text, what)
    if len(value) > MAX_DECISION_TEXT:
        raise ValidationError(
            f"{what} fait {len(value)} caractères : {MAX_DECISION_TEXT} au plus. Résumez-le "
            "(le détail se donne au prescripteur par téléphone ou dans une note).",
            code="decision_text_too_long",
        )
    return value


def reject(
    store: Store, user: User, prescription_id: str, reason: str,
    settings: SiteSettings | None = None, today: date | None = None,
    *, now: datetime | None = None,
) -> None:
    """The pharmacy refuses the prescription (status "refusée par la pharmacie"). With the
    settings and the day, the decision records the findings shown when refusing."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    text = _decision_text(reason, "Le motif du refus")
    _close(store, user, prescription_id, "rejected", text, None, settings, today, now)


def request_change(
    store: Store, user: User, prescription_id: str, code: str, text: str,
    settings: SiteSettings | None = None, today: date | None = None,
    *, now: datetime | None = None,
) -> None:
    """A pharmaceutical intervention: the prescription goes back to the prescriber
    ("modification demandée", not a refusal), who answers with a corrected version. The
    decision row keeps the SFPC code and the text; the status reason reads "Modification
    demandée : <SFPC label> — <text>"."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    if code not in INTERVENTION_CODES:
        raise ValidationError("Choisissez le problème en cause (codification SFPC).")
    detail = _decision_text(text, "Le texte de l'intervention")
    _close(store, user, prescription_id, "intervention", detail, code, settings, today, now)


def _close(
    store: Store, user: User, prescription_id: str, decision: str, reason: str,
    code: str | None, settings: SiteSettings | None, today: date | None,
    now: datetime | None = None,
) -> None:
    """A refusal ("rejected") or a request for a change ("intervention"): the decision (with
    the findings shown when it was taken, when the caller gives the settings and day to
    compute them), the new status, and its audit record, in one transaction."""
    target = Status.CHANGE_REQUESTED if code else Status.REJECTED
    with store.transaction() as cur:
        rx = _awaiting(cur, prescription_id)
        rx_rules.check_transition(rx.status, target)
        findings = (
            all_findings(contexts(cur, [rx], settings, today)[prescription_id])
            if settings is not None and today is not None else []
        )
        now = now or datetime.now()
        if code:
            shown = f"Modification demandée : {INTERVENTION_CODES[code]} — {reason}"
        else:
            shown = f"Refus : {reason}"
        repo.insert_decision(cur, rx, decision, user, now, findings, [], reason=reason,
                             intervention_code=code)
        rx_repo.set_status(cur, prescription_id, target.value, user.username, now, shown)
        audit.record(
            cur,
            user.actor,
            "prescription.change_requested" if code else "prescription.rejected",
            RECORD,
            prescription_id,
            before={"status": rx.status.value},
            after={"status": target.value, "intervention_code": code},
            reason=reason,
        )
