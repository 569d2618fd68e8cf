"""Validation use cases: the findings of one prescription or of a whole worklist (gathered in
batch), and the pharmacist's signed decisions: validate (every blocking finding overridden
with a reason), reject, or ask for a change (pharmaceutical intervention); and the clinical
team's "feu vert". Each decision is audited in the transaction that records it.

The validation is a check independent of the prescription: a pharmacist who transcribed,
changed or signed it (or a version it copies: the audit trail says who) validates it only
when the site allows a single pharmacist (single_pharmacist_allowed), and the decision and
its audit record then say so. A feu vert is for one day of the
prescription, given that day or the day before, never before the prescription existed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.auth.signature import Meaning, record_signature
from chemo_fallback.modules.prescription import repository as rx_repo
from chemo_fallback.modules.prescription import rules as rx_rules
from chemo_fallback.modules.prescription.models import Prescription, Status
from chemo_fallback.modules.validation import repository as repo
from chemo_fallback.modules.validation.models import (
    Finding,
    GivenDose,
    Override,
    Severity,
    ValidationContext,
    ValidationError,
)
from chemo_fallback.modules.validation.rules import all_findings
from chemo_fallback.patients.measurements import latest_measurements_of
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

RECORD = "prescription"
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


def contexts(
    cur, prescriptions: list[Prescription], settings: SiteSettings, today: date
) -> dict[str, ValidationContext]:
    """Everything the checks need for these prescriptions, in a handful of batch queries."""
    patients = sorted({rx.patient_id for rx in prescriptions})
    protocols = repo.protocol_thresholds(cur, sorted({rx.protocol_id for rx in prescriptions}))
    drugs = repo.drug_limits(cur)
    chemotherapy_drugs = repo.chemotherapy_drugs(cur)
    safety = rx_repo.drug_safety(
        cur, [line.drug_id for rx in prescriptions for line in rx.lines if line.drug_id]
    )
    cycles = repo.previous_cycles(cur, patients)
    doses = repo.given_doses(cur, patients)
    labs = repo.recent_labs(cur, patients)
    rejected_labs = repo.rejected_labs(cur, patients)
    # One read per patient (a few queries each): the same function the doses are computed from
    measured = latest_measurements_of(cur, patients)
    found = {}
    for rx in prescriptions:
        own_drugs = {line.drug_id for line in rx.lines if line.drug_id}
        found[rx.prescription_id] = ValidationContext(
            prescription=rx,
            protocol=protocols.get(rx.protocol_id),
            drugs={d: drugs[d] for d in own_drugs if d in drugs},
            chemotherapy_drugs=chemotherapy_drugs & own_drugs,
            drug_safety={d: safety[d] for d in own_drugs if d in safety},
            # other versions of this prescription are not "other" prescriptions
            previous_cycles=[
                c for c in cycles[rx.patient_id] if not _version_of(c.prescription_id, rx)
            ],
            other_doses=[d for d in doses[rx.patient_id] if not _carried(d, rx)],
            labs=labs[rx.patient_id],
            rejected_labs=rejected_labs[rx.patient_id],
            settings=settings,
            today=today,
            latest_measurements=measured[rx.patient_id],
        )
    return found


def _version_of(prescription_id: str, rx: Prescription) -> bool:
    """True for this prescription, its other versions (PS000012, PS000012-2, …) and the
    production prescription it takes over: none of them is "another" prescription."""
    base = f"PS{rx.rx_number:06d}"
    return (
        prescription_id in (base, rx.snapshot_prescription_id)
        or prescription_id.startswith(base + "-")
    )


# Snapshot line statuses of doses not given yet: a take-over carries them (they are this
# prescription's lines now). Any other status (prepared, administered, or one this code does
# not know) is a dose the patient got or may have got: it stays an "other" dose, so that the
# duplicate, cumulative and previous-cycle checks see it.
NOT_YET_GIVEN = frozenset({"planned", "validated"})


def _carried(dose: GivenDose, rx: Prescription) -> bool:
    """True for a dose that is this prescription's own: one of its versions', or a line of
    the production prescription it takes over that was not given yet (the take-over carries
    it). A production line already administered or prepared (ORD01000285 J1 on 22/11) is not:
    it was given, and counts."""
    if dose.prescription_id == rx.snapshot_prescription_id and rx.snapshot_prescription_id:
        return dose.status in NOT_YET_GIVEN
    return _version_of(dose.prescription_id, rx)


def findings_of(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date
) -> tuple[Prescription, list[Finding]]:
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    cur = _reading(store)
    rx = _prescription(cur, prescription_id)
    return rx, all_findings(contexts(cur, [rx], settings, today)[prescription_id])


class WorklistEntry(BaseModel):
    prescription: Prescription
    findings: list[Finding]
    patient: str  # "GARNIER Hamid"

    @property
    def first_day(self) -> date | None:
        return self.prescription.days[0][1] if self.prescription.days else None


class Worklist(BaseModel):
    """The prescriptions shown, and how many awaiting ones the filters hide."""

    entries: list[WorklistEntry]
    awaiting: int  # every signed prescription awaiting validation, unfiltered
    hidden: int  # of those, how many the filters leave out


def worklist(
    store: Store, user: User, settings: SiteSettings, today: date, *,
    first_day: date | None = None, ward_id: str | None = None, blocking_only: bool = False,
) -> Worklist:
    """Every signed prescription awaiting validation, whatever its dates, most urgent first
    (late ones, then today's, then the next days), each with all its findings and the
    patient's name. The filters (a first day of administration, a ward, only those with a
    blocking finding) narrow it, and the result says how many they hide."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    cur = _reading(store)
    awaiting = len(repo.awaiting_ids(cur))
    ids = repo.awaiting_ids(cur, first_day, ward_id)
    loaded = rx_repo.load_prescriptions(cur, ids)
    prescriptions = [loaded[i] for i in ids]
    found = contexts(cur, prescriptions, settings, today)
    names = repo.patient_names(cur, sorted({rx.patient_id for rx in prescriptions}))
    entries = [
        WorklistEntry(prescription=rx, findings=all_findings(found[rx.prescription_id]),
                      patient=names.get(rx.patient_id, "?"))
        for rx in prescriptions
    ]
    if blocking_only:
        entries = [e for e in entries if any(f.severity == Severity.BLOCKING
                                             for f in e.findings)]
    return Worklist(entries=entries, awaiting=awaiting,
                    hidden=max(0, awaiting - len(entries)))


class Review(BaseModel):
    """What the review page shows: the prescription, every finding, the patient's recent
    history and labs, and the decisions already taken."""

    prescription: Prescription
    findings: list[Finding]
    context: ValidationContext
    decisions: list[dict]
    # who authored it and the versions it copies (repository.authoring), for own_part
    authored: list[dict] = []
    # Decided, for this pharmacist: the prescription is no longer awaiting a decision, or they
    # gave its first check (the second is another pharmacist's). The page is then read-only.
    read_only: bool = False
    first_check_done: bool = False  # a first check since the signature: the next validates

    @property
    def shown_findings(self) -> list[Finding]:
        """Read-only, the findings as the last decision recorded them (what the pharmacist saw
        when deciding); else, or for a decision recorded without them, those found now."""
        if self.read_only:
            for decision in reversed(self.decisions):
                if decision["findings"]:
                    return decision["findings"]
        return self.findings

    def lifts(self, key: str) -> list[dict]:
        """The decisions that lifted this finding, oldest first, with the reason of each:
        rows of {pharmacist_name, decided_at, decision, reason}."""
        return [
            {**{k: d[k] for k in ("pharmacist_name", "decided_at", "decision")},
             "reason": o.reason}
            for d in self.decisions for o in d["overrides"] if o.key == key
        ]


def review(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date
) -> Review:
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    cur = _reading(store)
    rx = _prescription(cur, prescription_id)
    context = contexts(cur, [rx], settings, today)[prescription_id]
    decisions = repo.decisions(cur, prescription_id)
    checks = [d for d in decisions if d["decision"] == "first_check"
              and d["decided_at"] >= (rx.signed_at or datetime.min)]
    return Review(
        prescription=rx,
        findings=all_findings(context),
        context=context,
        decisions=decisions,
        authored=repo.authoring(cur, rx),
        read_only=rx.status != Status.SIGNED
        or any(d["pharmacist"] == user.username for d in checks),
        first_check_done=bool(checks),
    )


def _reading(store: Store):
    """A cursor on the store, once a snapshot is active (the checks read its history)."""
    if store.active_snapshot() is None:
        raise NoActiveSnapshot(NO_SNAPSHOT)
    return store.cursor()


def _prescription(cur, prescription_id: str) -> Prescription:
    rx = rx_repo.load_prescription(cur, prescription_id)
    if rx is None:
        raise ValidationError(f"Prescription {prescription_id} introuvable.")
    return rx


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
    rx = _prescription(cur, prescription_id)
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


# The French verb of each authoring action (repository.AUTHORING_ACTIONS), in the order a
# sentence lists them.
AUTHORING_VERBS = {
    "prescription.draft_created": "transcrit",
    "prescription.correction_started": "corrigé",
    "prescription.dose_modified": "modifié",
    "prescription.line_added": "modifié",
    "prescription.recomputed": "modifié",
    "prescription.indication_set": "modifié",
    "prescription.day_moved": "modifié",
    "prescription.signed": "signé",
}
VERB_ORDER = ("transcrit", "corrigé", "modifié", "signé")


def _verbs(found: set[str]) -> str:
    verbs = [v for v in VERB_ORDER if v in found]
    return verbs[0] if len(verbs) == 1 else ", ".join(verbs[:-1]) + " et " + verbs[-1]


def own_part(rx: Prescription, username: str, authored: list[dict] | None = None) -> str | None:
    """What this pharmacist did that makes them no independent checker of the prescription,
    in French ("transcrit et signé la prescription PS000012", "modifié la prescription
    PS000012-2 ; signé la version PS000012 qu'elle corrige"); None: nothing.

    From the prescription itself (its transcriber, its signer) and from the audit trail
    (`authored`: repository.authoring): changing the draft (dose modification, off-protocol
    line, recompute, indication code, day moved), starting its correction, or having
    transcribed, changed or signed a version this one copies."""
    here: set[str] = set()
    if rx.prescriber.transcribed and rx.created_by == username:
        here.add("transcrit")
    if rx.signed_by == username:
        here.add("signé")
    earlier: dict[str, set[str]] = {}
    for row in authored or []:
        if row["actor"] != username or row["action"] not in AUTHORING_VERBS:
            continue
        verb = AUTHORING_VERBS[row["action"]]
        if row["prescription_id"] == rx.prescription_id:
            # a prescriber's own draft is not "transcribed" by them; a pharmacist's is
            here.add(verb)
        else:
            earlier.setdefault(row["prescription_id"], set()).add(verb)
    parts = []
    if here:
        parts.append(f"{_verbs(here)} la prescription {rx.prescription_id}")
    for version, verbs in earlier.items():
        parts.append(f"{_verbs(verbs)} la version {version} qu'elle corrige")
    return " ; ".join(parts) or None


def independence_refusal(
    rx: Prescription, username: str, settings: SiteSettings, authored: list[dict] | None = None
) -> str | None:
    """Why this pharmacist may not validate (nor give the first check of) this prescription:
    the validation is a check independent of its transcription, changes and signature, and of
    those of the versions it copies. None: they may (possibly as a single pharmacist, when the
    site allows it; see `own_part`)."""
    part = own_part(rx, username, authored)
    if part is None or settings.single_pharmacist_allowed:
        return None
    return (
        f"Validation impossible : vous avez {part}. Sa validation doit être faite par un "
        "autre pharmacien (contrôle indépendant). Une nuit avec un seul pharmacien, "
        "l'administrateur peut l'autoriser (paramètre du site single_pharmacist_allowed) : la "
        "validation est alors marquée « pharmacien seul »."
    )


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
    rx = _prescription(cur, prescription_id)
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
    plan = plan_validation(_reading(store), prescription_id, user.username, overrides,
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
        signature = record_signature(cur, user, meaning, RECORD, prescription_id)
        now = datetime.now()
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
) -> None:
    """The pharmacy refuses the prescription (status "refusée par la pharmacie"). With the
    settings and the day, the decision records the findings shown when refusing."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    text = _decision_text(reason, "Le motif du refus")
    _close(store, user, prescription_id, "rejected", text, None, settings, today)


def request_change(
    store: Store, user: User, prescription_id: str, code: str, text: str,
    settings: SiteSettings | None = None, today: date | None = None,
) -> None:
    """A pharmaceutical intervention: the prescription goes back to the prescriber
    ("modification demandée", not a refusal), who answers with a corrected version. The
    decision row keeps the SFPC code and the text; the status reason reads "Modification
    demandée : <SFPC label> — <text>"."""
    require(user.role, Permission.PRESCRIPTION_VALIDATE)
    if code not in INTERVENTION_CODES:
        raise ValidationError("Choisissez le problème en cause (codification SFPC).")
    detail = _decision_text(text, "Le texte de l'intervention")
    _close(store, user, prescription_id, "intervention", detail, code, settings, today)


def _close(
    store: Store, user: User, prescription_id: str, decision: str, reason: str,
    code: str | None, settings: SiteSettings | None, today: date | None,
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
        now = datetime.now()
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


GO_AHEAD_ACTION = "prescription.go_ahead"


def record_go_ahead(
    store: Store,
    user: User,
    prescription_id: str,
    day_no: int,
    given_by: str,
    given_at: datetime,
    comment: str | None = None,
    now: datetime | None = None,
    *,
    request_key: str | None = None,
) -> int:
    """The clinical team's "OK chimio" for one day of the prescription: who gave it, when, who
    recorded it. It says the patient is fit for that day's doses, so it is given on that day or
    the day before, never before the prescription existed nor in the future. The same request
    sent again (`request_key`: a double click, a reload) returns the first one's id."""
    require(user.role, Permission.GO_AHEAD_RECORD)
    who = rx_rules.required_text(given_by, "Le nom de la personne qui donne le feu vert")
    now = now or datetime.now()
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, GO_AHEAD_ACTION, user.username)
        if first is not None:
            return int(first)
        rx = _prescription(cur, prescription_id)
        if rx.status not in (Status.SIGNED, Status.VALIDATED):
            raise ValidationError(
                f"Feu vert impossible : la prescription est « {rx.status_label} »."
            )
        days = dict(rx.days)
        if day_no not in days:
            raise ValidationError(f"J{day_no} n'est pas un jour de cette prescription.")
        _check_go_ahead_time(rx, day_no, days[day_no], given_at, now)
        go_ahead_id = repo.insert_go_ahead(cur, rx, day_no, days[day_no], who, given_at, user,
                                           now, (comment or "").strip() or None)
        audit.record(
            cur,
            user.actor,
            GO_AHEAD_ACTION,
            RECORD,
            prescription_id,
            after={"day_no": day_no, "given_by": who, "given_at": given_at.isoformat()},
        )
        request_keys.remember(cur, request_key, GO_AHEAD_ACTION, user.username, go_ahead_id)
    return go_ahead_id


def _check_go_ahead_time(
    rx: Prescription, day_no: int, planned: date, given_at: datetime, now: datetime
) -> None:
    if given_at > now:
        raise ValidationError(
            "L'heure du feu vert est dans le futur : corrigez-la.", code="go_ahead_in_future"
        )
    eve = planned - timedelta(days=1)
    if given_at.date() not in (eve, planned):
        raise ValidationError(
            f"Feu vert du {given_at:%d/%m/%Y %H:%M} refusé : le feu vert de J{day_no} (prévu le "
            f"{planned:%d/%m/%Y}) se donne le jour même ou la veille ({eve:%d/%m/%Y}), quand "
            "l'équipe a vu le patient. Corrigez la date, ou choisissez le bon jour du cycle.",
            code="go_ahead_wrong_day",
        )
    if given_at < rx.created_at:
        raise ValidationError(
            f"Feu vert du {given_at:%d/%m/%Y %H:%M} refusé : il précède la prescription "
            f"{rx.prescription_id} (créée le {rx.created_at:%d/%m/%Y à %H:%M}). Un feu vert "
            "porte sur une prescription existante : corrigez l'heure.",
            code="go_ahead_before_prescription",
        )


def go_aheads_of(store: Store, user: User, prescription_id: str) -> list[dict]:
    require(user.role, Permission.PRESCRIPTION_READ)
    return repo.go_aheads(store.cursor(), prescription_id)
