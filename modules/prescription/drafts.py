"""Creating a prescription draft: from the thesaurus (start_draft), or continuing a production
prescription of the snapshot (take_over), in whose name (a physician's own, or a pharmacist's
transcription), with the cycle the new-prescription form proposes (suggested_cycle) and the
checks of its cycle number, days and dates. Every create is audited in its transaction, and the
same request key again returns the first request's draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, Role, require
from chemo_fallback.modules.prescription import drug_rules, rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.carry_forward import carry_forward, given_text
from chemo_fallback.modules.prescription.dates import (
    DATE_OUT_OF_WINDOW,
    date_window_problem,
    dates_problems,
)
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.models import (
    STATUS_LABELS,
    DraftRequest,
    Line,
    Prescriber,
    Prescription,
    PrescriptionError,
    Protocol,
    Status,
)
from chemo_fallback.modules.prescription.service import (
    RECORD,
    audit_summary,
    dose_now,
    prescribable_protocol,
    prescription_or_refuse,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

# Request-key actions (chemo_fallback.request_keys): one per kind of create
DRAFT_ACTION = "prescription.start_draft"
TAKE_OVER_ACTION = "prescription.take_over"
# Stable codes (docs/clinical-rules.md)
CYCLE_NO_INVALID = "cycle_no_invalid"
MAX_CYCLE_NO = 200


def _prescriber(
    cur, user: User, staff_id: str | None, continued: str | None = None
) -> Prescriber:
    """Who the prescription is in the name of. A physician prescribes in their own name; a
    pharmacist transcribes in the name of the physician on the paper. A take-over (`continued`:
    the production prescription) keeps the production prescriber whoever clicks: a
    transcription in their name (only a pharmacist then changes and signs it), except when that
    physician takes over their own prescription, which stays theirs (not a transcription)."""
    own = bool(staff_id) and user.staff_id == staff_id
    if user.role == Role.PRESCRIBER and (not continued or own):
        return Prescriber(staff_id=user.staff_id, name=user.display_name, transcribed=False)
    known = {p["staff_id"]: p["name"] for p in repo.prescribers(cur)}
    if continued and staff_id not in known:
        raise PrescriptionError(
            f"Reprise de {continued} impossible : son prescripteur "
            f"« {staff_id or 'non renseigné'} » est absent de l'annuaire de l'instantané. "
            "Transcrivez la prescription papier à la main en choisissant le prescripteur."
        )
    if not staff_id:
        raise PrescriptionError(
            "Prescription transcrite : choisissez le médecin prescripteur dans l'annuaire (son "
            "nom figure sur la prescription papier)."
        )
    if staff_id not in known:
        raise PrescriptionError(
            f"Prescripteur « {staff_id} » inconnu de l'annuaire de l'instantané : choisissez-le "
            "dans la liste."
        )
    return Prescriber(staff_id=staff_id, name=known[staff_id], transcribed=True)


def cycle_no_problem(value: object) -> str | None:
    """Why `value` is no cycle number (None: it is one). A cycle 0 is refused, never taken as
    cycle 1: the numbering starts at 1, and a number changed silently would misplace the cycle
    in the patient's history (interval and cumulative-dose checks)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return (
            f"Numéro de cycle « {value} » impossible : saisissez un nombre entier de 1 à "
            f"{MAX_CYCLE_NO}."
        )
    if value < 1:
        return (
            f"Cycle {value} refusé : les cycles se numérotent à partir de 1 (saisissez 1 pour "
            "un premier cycle, sinon le numéro du cycle prescrit)."
        )
    if value > MAX_CYCLE_NO:
        return (
            f"Cycle {value} invraisemblable : saisissez un nombre entier de 1 à {MAX_CYCLE_NO}."
        )
    return None


def _check_request(request: DraftRequest, protocol: Protocol, today: date) -> list[int]:
    problem = cycle_no_problem(request.cycle_no)
    if problem:
        raise PrescriptionError(problem, code=CYCLE_NO_INVALID)
    problem = date_window_problem("Date de début du cycle", request.cycle_start_date, today)
    if problem:
        raise PrescriptionError(problem, code=DATE_OUT_OF_WINDOW)
    available = rules.protocol_days(protocol)
    chosen = sorted(set(request.days)) if request.days else available
    missing = [d for d in chosen if d not in available]
    if missing or not chosen:
        raise PrescriptionError(
            "Jours choisis absents du protocole : "
            + ", ".join(f"J{d}" for d in missing or ["?"])
            + f". Jours du protocole : {', '.join(f'J{d}' for d in available)}."
        )
    return chosen


def _protocol_lines(rx_id: str, protocol: Protocol, days: list[int], start: date) -> list[Line]:
    lines = []
    for day in days:
        for pl in protocol.lines:
            if day not in rules.parse_days(pl.days):
                continue
            line_no = len(lines) + 1
            lines.append(
                Line(
                    line_id=f"{rx_id}-L{line_no}",
                    prescription_id=rx_id,
                    line_no=line_no,
                    protocol_line_no=pl.line_no,
                    line_kind=pl.line_kind,
                    drug_id=pl.drug_id,
                    drug_inn=pl.drug_inn,
                    label=pl.label,
                    day_no=day,
                    planned_date=rules.planned_date(start, day),
                    route=pl.route,
                    duration_min=pl.duration_min,
                    diluent=pl.diluent,
                    volume_ml=pl.volume_ml,
                    container=pl.container,
                    dose_basis=pl.dose_basis,
                    protocol_dose=pl.dose,
                    max_dose=drug_rules.effective_max(pl.max_dose, pl.drug_safety),
                    liste_en_sus=pl.liste_en_sus,
                    comment=pl.comment,
                )
            )
    return lines


@dataclass(frozen=True)
class Started:
    """What a create request gave: the prescription, and whether an earlier request with the
    same request key had already created it (`already`: nothing was created this time)."""

    prescription: Prescription
    already: bool


def start_draft(
    store: Store,
    user: User,
    request: DraftRequest,
    settings: SiteSettings,
    today: date,
    *,
    request_key: str | None = None,
    now: datetime | None = None,
) -> Prescription:
    """A draft from the thesaurus: every line of the chosen days, each dose computed. The same
    `request_key` again (a double click, the back button) returns the first request's draft.
    `now`: the moment recorded as its creation (default: the wall clock)."""
    return start_draft_or_earlier(
        store, user, request, settings, today, request_key=request_key, now=now
    ).prescription


def start_draft_or_earlier(
    store: Store,
    user: User,
    request: DraftRequest,
    settings: SiteSettings,
    today: date,
    *,
    request_key: str | None = None,
    now: datetime | None = None,
) -> Started:
    """`start_draft`, saying whether the draft was created now or by an earlier request with
    the same key (the form then tells the user it was already created)."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    continued = request.snapshot_prescription_id
    action = TAKE_OVER_ACTION if continued else DRAFT_ACTION
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, action, user.username)
        if first is not None:
            return Started(prescription_or_refuse(cur, first), already=True)
        if continued and repo.taken_over(cur, continued):
            raise PrescriptionError(
                f"La prescription {continued} est déjà reprise par "
                f"{repo.taken_over(cur, continued)}."
            )
        identity = patient_identity(cur, request.patient_id, today)
        protocol = prescribable_protocol(cur, request.protocol_id)
        days = _check_request(request, protocol, today)
        prescriber = _prescriber(cur, user, request.prescriber_staff_id, continued)
        number = repo.next_rx_number(cur)
        rx_id = f"PS{number:06d}"
        lines = _protocol_lines(rx_id, protocol, days, request.cycle_start_date)
        left_out: list[str] = []
        already_given: list[str] = []
        if continued:  # what the production decided is kept, never silently undone
            production = repo.snapshot_prescription(cur, continued) or {"lines": [], "given": []}
            lines, left_out = carry_forward(
                rx_id, lines, continued, production["lines"], production["given"]
            )
            already_given = given_text(production["given"])
        inputs, lines = dose_now(
            cur, protocol, identity, lines, settings, today, request.cycle_start_date
        )
        now = now or datetime.now()
        rx = Prescription(
            prescription_id=rx_id,
            rx_number=number,
            version_no=1,
            supersedes_id=None,
            patient_id=identity.patient_id,
            protocol_id=protocol.protocol_id,
            protocol_name=protocol.name,
            cycle_length_days=protocol.cycle_length_days,
            cycle_no=request.cycle_no,
            cycle_start_date=request.cycle_start_date,
            ward_id=request.ward_id or identity.ward_id,
            prescriber=prescriber,
            status=Status.DRAFT,
            dosing=inputs,
            created_at=now,
            created_by=user.username,
            created_by_name=user.display_name,
            signed_at=None,
            signed_by=None,
            status_reason=None,
            status_changed_at=None,
            status_changed_by=None,
            snapshot_prescription_id=request.snapshot_prescription_id,
            lines=lines,
        )
        problems = dates_problems(rx, today)
        if problems:
            raise PrescriptionError(" ".join(problems))
        repo.insert_prescription(cur, rx)
        after = audit_summary(rx)
        if rx.snapshot_prescription_id:
            after["continues"] = rx.snapshot_prescription_id
            after["modifications_carried"] = {
                line.line_id: line.modification_pct for line in rx.lines if line.modification_pct
            }
            after["left_out"] = left_out
            # the production lines already prepared or administered, not continued (not given
            # twice): they stay in the snapshot's history, which validation reads
            after["already_given"] = already_given
        audit.record(cur, user.actor, "prescription.draft_created", RECORD, rx_id, after=after)
        request_keys.remember(cur, request_key, action, user.username, rx_id)
    return Started(rx, already=False)


def take_over(
    store: Store,
    user: User,
    snapshot_prescription_id: str,
    settings: SiteSettings,
    today: date,
    *,
    request_key: str | None = None,
    now: datetime | None = None,
) -> Prescription:
    """A production prescription of the snapshot (made before the outage, not yet given)
    continued in the fallback: a draft of the same protocol, cycle, days and dates, in the
    production prescriber's name (see `_prescriber`), each line keeping the production's dose
    modification and reason (see carry_forward.py), its doses recomputed from today's
    measurements. Doing it twice returns the prescription already continuing it; the same
    `request_key` again returns the first request's prescription, even one cancelled since."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cur = store.cursor()
    first = request_keys.earlier(cur, request_key, TAKE_OVER_ACTION, user.username)
    if first is not None:
        return prescription_or_refuse(cur, first)
    already = repo.taken_over(cur, snapshot_prescription_id)
    if already:
        return prescription_or_refuse(cur, already)
    source = repo.snapshot_prescription(cur, snapshot_prescription_id)
    if source is None:
        raise PrescriptionError(
            f"Prescription {snapshot_prescription_id} absente de l'instantané."
        )
    if source["status"] in ("cancelled", "administered"):
        raise PrescriptionError(
            f"La prescription {snapshot_prescription_id} est "
            f"{'annulée' if source['status'] == 'cancelled' else 'déjà administrée'} dans "
            "l'instantané : rien à reprendre."
        )
    request = DraftRequest(
        patient_id=source["patient_id"],
        protocol_id=source["protocol_id"],
        cycle_no=source["cycle_no"],
        cycle_start_date=source["cycle_start_date"],
        days=tuple(source["days"]) or None,
        ward_id=source["ward_id"],
        prescriber_staff_id=source["prescriber_id"],
        snapshot_prescription_id=snapshot_prescription_id,
    )
    return start_draft(store, user, request, settings, today, request_key=request_key, now=now)


@dataclass(frozen=True)
class CycleSuggestion:
    """The cycle the new-prescription form proposes, and the last one known it follows
    (`last_cycle_no` None: the patient has no earlier cycle of this protocol, neither in the
    snapshot nor in the fallback)."""

    cycle_no: int
    start: date
    last_cycle_no: int | None
    last_start: date | None
    # the patient's fallback prescriptions of this protocol still alive, drafts included (the
    # last cycle known leaves drafts out): a second one may be a duplicate, in French
    in_fallback: tuple[str, ...] = ()


def suggested_cycle(
    store: Store, user: User, patient_id: str, protocol_id: str, cycle_length_days: int,
    today: date, *, protocol_name: str | None = None,
) -> CycleSuggestion:
    """The next cycle after the patient's last cycle of this protocol, starting a cycle length
    after it (never before today); cycle 1 today when none is known. Only a suggestion: the
    form says where it comes from, and names the fallback prescriptions of this protocol
    (`protocol_name`) the patient already has."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cur = store.cursor()
    in_fallback = tuple(
        f"{row['prescription_id']} — {row['protocol_name']}, cycle {row['cycle_no']} du "
        f"{french.day(row['cycle_start_date'])} (« {STATUS_LABELS[Status(row['status'])]} »)"
        for row in repo.patient_prescriptions(cur, patient_id)
        if row["protocol_name"] == protocol_name
        and row["status"] not in (Status.CANCELLED.value, Status.SUPERSEDED.value)
    )
    last = repo.last_cycle(cur, patient_id, protocol_id)
    if last is None:
        return CycleSuggestion(
            cycle_no=1, start=today, last_cycle_no=None, last_start=None, in_fallback=in_fallback
        )
    cycle_no, start = last
    return CycleSuggestion(
        cycle_no=cycle_no + 1,
        start=max(start + timedelta(days=cycle_length_days), today),
        last_cycle_no=cycle_no,
        last_start=start,
        in_fallback=in_fallback,
    )
