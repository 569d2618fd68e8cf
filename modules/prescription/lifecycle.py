"""A prescription's life past draft: signature, cancellation with a reason, and correction as a
new version that keeps the old one visible (it becomes "superseded" when the correction is
signed). Each move is checked against the transition table and audited in its transaction."""

from __future__ import annotations

from datetime import date, datetime

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, Role, require
from chemo_fallback.auth.signature import Meaning, Signature, record_signature
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import drug_checks, rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.dates import dates_problems
from chemo_fallback.modules.prescription.dosing_inputs import (
    patient_identity,
    what_changed,
)
from chemo_fallback.modules.prescription.models import (
    CORRECTABLE,
    Prescriber,
    Prescription,
    PrescriptionError,
    Status,
)
from chemo_fallback.modules.prescription.service import (
    RECORD,
    _dose_lines,
    audit_summary,
    dose_now,
    draft_or_refuse,
    prescribable_protocol,
    prescription_or_refuse,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store


def signature_meaning(user: User) -> Meaning:
    """A prescriber prescribes; a pharmacist transcribes a paper prescription."""
    return Meaning.PRESCRIBED if user.role == Role.PRESCRIBER else Meaning.TRANSCRIBED


def sign(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date,
    *, now: datetime | None = None,
) -> Signature:
    """Draft → signed, with the electronic signature, once the password has been confirmed
    (the signature dialog does that). Everything missing is listed at once.

    The signed dose must be the dose the rules give today: the doses are recomputed from the
    current inputs and dates (`dose_now`, the path of "Recalculer les doses") and the signature
    is refused when a dose or its derivation would differ from the one recorded, or cannot be
    computed any more (a creatinine aged past the limit, a setting or a drug maximum changed)."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        problems = _sign_problems(cur, rx, settings, today)
        if problems:
            raise PrescriptionError(
                "Signature impossible : " + " ".join(problems), code="sign_refused"
            )
        now = now or datetime.now()
        repo.set_signed(cur, prescription_id, user.username, now)
        signature = record_signature(cur, user, signature_meaning(user), RECORD, prescription_id,
                                     now=now)
        after = rx.model_copy(update={"status": Status.SIGNED})
        audit.record(
            cur,
            user.actor,
            "prescription.signed",
            RECORD,
            prescription_id,
            before={"status": rx.status.value},
            after=audit_summary(after),
        )
        if rx.supersedes_id:
            _supersede(cur, user, rx.supersedes_id, prescription_id, now)
    return signature


def sign_blockers(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date
) -> list[str]:
    """Why `sign` would refuse this signature now (French), or []: the very checks `sign`
    runs, read before the signature dialog asks for a password."""
    try:
        require(user.role, Permission.PRESCRIPTION_WRITE)
        cur = store.cursor()
        rx = draft_or_refuse(cur, prescription_id, user)
        return _sign_problems(cur, rx, settings, today)
    except ChemoFallbackError as exc:
        return [str(exc)]


def _sign_problems(cur, rx: Prescription, settings: SiteSettings, today: date) -> list[str]:
    """Everything that stands between this draft and its signature, listed at once."""
    rules.check_transition(rx.status, Status.SIGNED)
    problems = rules.sign_problems(rx)
    # The drug rules again, with each recorded dose: a draft older than the snapshot in use,
    # or a corrected version copied from one, is signed under today's rules.
    breaches = drug_checks.breaches(cur, rx.lines, check_final_dose=True)
    problems += breaches
    problems += dates_problems(rx, today)  # a draft left for weeks is signed today
    protocol = prescribable_protocol(cur, rx.protocol_id)
    identity = patient_identity(cur, rx.patient_id, today)
    if not breaches:  # a line breaking a drug rule is already listed, with its reason
        problems += _doses_not_those_of_today(cur, rx, protocol, identity, settings, today)
    return problems


RECOMPUTE = "cliquez sur « Recalculer les doses » et vérifiez-les avant de signer."


def _doses_not_those_of_today(cur, rx, protocol, identity, settings, today) -> list[str]:
    """Why the recorded doses are not the ones the rules give today (French), or []."""
    try:
        latest, redone = dose_now(
            cur, protocol, identity, rx.lines, settings, today, rx.cycle_start_date
        )
    except PrescriptionError as exc:
        return [
            f"{exc} Les doses ne se recalculent plus avec les valeurs et les dates "
            f"d'aujourd'hui : corrigez ce qui est indiqué, puis {RECOMPUTE}"
        ]
    changed = what_changed(latest, rx.dosing)
    if "measurements" in changed:
        return [
            "Une taille, un poids ou une créatinine plus récents ont été saisis depuis le "
            f"calcul des doses : {RECOMPUTE}"
        ]
    if "age" in changed:
        return [
            f"Les doses ont été calculées pour un patient de {rx.dosing.age_years} ans ; au "
            f"premier jour d'administration ({latest.age_on:%d/%m/%Y}) il aura "
            f"{latest.age_years} ans : {RECOMPUTE}"
        ]
    if "settings" in changed:
        return [
            "Les paramètres de calcul du site ou du protocole (formule ou plafond de surface "
            "corporelle, plafond du DFG, poids de Cockcroft-Gault, ancienneté maximale du poids "
            f"ou de la créatinine) ont changé depuis le calcul des doses : {RECOMPUTE}"
        ]
    differing = [
        _difference(old, new)
        for old, new in zip(rx.lines, redone, strict=True)
        if _dose_record(old) != _dose_record(new)
    ]
    if differing:
        return [
            "Les doses enregistrées ne sont plus celles que donnent les règles d'aujourd'hui "
            "(arrondi, tolérance ou dose maximale changés depuis leur calcul) : "
            + " ; ".join(differing)
            + f". Les doses signées doivent être celles des règles en vigueur : {RECOMPUTE}"
        ]
    return []


def _dose_record(line) -> tuple:
    """What a signature commits to: the dose, its unit, its maximum and its derivation."""
    derivation = line.derivation.model_dump(mode="json") if line.derivation else None
    return line.final_dose, line.dose_unit, line.max_dose, derivation


def _difference(old, new) -> str:
    where = f"{old.title} (J{old.day_no})"
    if (old.final_dose, old.dose_unit) == (new.final_dose, new.dose_unit):
        return f"{where} : {_dose_text(old)}, même dose mais calculée autrement"
    return (
        f"{where} : {_dose_text(old)} enregistrés, {_dose_text(new)} selon les règles "
        "d'aujourd'hui"
    )


def _dose_text(line) -> str:
    if line.final_dose is None:
        return "sans dose"
    return f"{format_dose_fr(line.final_dose)} {line.dose_unit or ''}".strip()


def _supersede(cur, user: User, old_id: str, new_id: str, now: datetime) -> None:
    old = prescription_or_refuse(cur, old_id)
    rules.check_transition(old.status, Status.SUPERSEDED)
    reason = f"remplacée par la version corrigée {new_id}"
    repo.set_status(cur, old_id, Status.SUPERSEDED.value, user.username, now, reason)
    audit.record(
        cur,
        user.actor,
        "prescription.superseded",
        RECORD,
        old_id,
        before={"status": old.status.value},
        after={"status": Status.SUPERSEDED.value, "replaced_by": new_id},
        reason=reason,
    )


def cancel(
    store: Store, user: User, prescription_id: str, reason: str, *, now: datetime | None = None
) -> None:
    """Any prescription not yet closed, cancelled with a written reason."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    text = rules.required_text(reason, "Le motif d'annulation")
    with store.transaction() as cur:
        rx = prescription_or_refuse(cur, prescription_id)
        rules.check_transition(rx.status, Status.CANCELLED)
        repo.set_status(
            cur, prescription_id, Status.CANCELLED.value, user.username, now or datetime.now(),
            text,
        )
        audit.record(
            cur,
            user.actor,
            "prescription.cancelled",
            RECORD,
            prescription_id,
            before={"status": rx.status.value},
            after={"status": Status.CANCELLED.value},
            reason=text,
        )


CORRECTION_STARTED = "prescription.correction_started"


def start_correction(
    store: Store, user: User, prescription_id: str, settings: SiteSettings,
    *, request_key: str | None = None, now: datetime | None = None,
) -> Prescription:
    """A new draft version copying a signed, validated, rejected or change-requested
    prescription (lines, dose modifications, indications). Doing it twice returns the draft
    already open, and the same request sent again (`request_key`: a double click, a reload)
    returns the draft it created, whatever has happened to it since.

    The copied lines pass through the path of every line creation: the drug rules of today's
    snapshot (`drug_checks.limited`: a drug maximum lowered since caps the line), then the dose
    engine, with the ORIGINAL prescription's dosing inputs (the measurements, age and settings
    that were decided) and today's site rounding. Not today's inputs (dose_now): a correction
    is a copy of a decision, opened to amend it, and must open even when, say, the weight has
    aged since; "Recalculer les doses" brings today's measurements, and the signature (which
    recomputes with dose_now and compares) refuses until the doses are those of today. Either
    way the draft never shows a dose above its maximum, nor a derivation it does not follow."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        created = request_keys.earlier(cur, request_key, CORRECTION_STARTED, user.username)
        if created:
            return prescription_or_refuse(cur, created)
        rx = prescription_or_refuse(cur, prescription_id)
        if rx.status not in CORRECTABLE:
            raise PrescriptionError(
                f"Une prescription « {rx.status_label} » ne se corrige pas"
                + (" : modifiez directement le brouillon." if rx.editable else ".")
            )
        already = repo.open_correction(cur, prescription_id)
        if already:
            request_keys.remember(cur, request_key, CORRECTION_STARTED, user.username, already)
            return prescription_or_refuse(cur, already)
        version = max(v for _id, v, _s in repo.versions(cur, rx.rx_number)) + 1
        if user.role == Role.PRESCRIBER:  # the correcting physician becomes the prescriber
            prescriber = Prescriber(
                staff_id=user.staff_id, name=user.display_name, transcribed=False
            )
        else:  # a pharmacist transcribes the correction given by the prescriber
            prescriber = rx.prescriber.model_copy(update={"transcribed": True})
        new_id = f"PS{rx.rx_number:06d}-{version}"
        now = now or datetime.now()
        # A line the drug rules refuse today cannot be carried into a new version (a draft's
        # route or container cannot be changed): the prescription must be written again.
        refusal = (
            "Version corrigée impossible, annulez cette prescription et prescrivez à nouveau"
        )
        limited = drug_checks.limited(cur, rx.lines, refusal=refusal)
        try:
            dosed = _dose_lines(limited, rx.dosing, settings)
        except PrescriptionError as exc:
            raise PrescriptionError(f"{refusal} : {exc}", code=exc.code) from exc
        lines = [
            line.model_copy(update={"line_id": f"{new_id}-L{line.line_no}",
                                    "prescription_id": new_id})
            for line in dosed
        ]
        copy = rx.model_copy(
            update={
                "prescription_id": new_id,
                "version_no": version,
                "supersedes_id": prescription_id,
                "status": Status.DRAFT,
                "prescriber": prescriber,
                "created_at": now,
                "created_by": user.username,
                "created_by_name": user.display_name,
                "signed_at": None,
                "signed_by": None,
                "status_reason": None,
                "status_changed_at": None,
                "status_changed_by": None,
                "lines": lines,
            }
        )
        repo.insert_prescription(cur, copy)
        redosed = {  # a dose the rules of today give otherwise than the version corrected
            f"{new_id}-L{old.line_no}": {"before": old.final_dose, "after": new.final_dose}
            for old, new in zip(rx.lines, lines, strict=True)
            if (old.final_dose, old.max_dose) != (new.final_dose, new.max_dose)
        }
        audit.record(
            cur,
            user.actor,
            CORRECTION_STARTED,
            RECORD,
            new_id,
            after={**audit_summary(copy), "supersedes": prescription_id,
                   "doses_recomputed": redosed},
        )
        request_keys.remember(cur, request_key, CORRECTION_STARTED, user.username, new_id)
    return copy
