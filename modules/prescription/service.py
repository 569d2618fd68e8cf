"""Prescription use cases: one function each, permission checked, every state change audited in
the transaction that makes it. Reads the thesaurus from the snapshot, writes the fallback's own
records. Doses come from the dose engine only (chemo_fallback.dosing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, Role, require
from chemo_fallback.dosing import DoseInputError
from chemo_fallback.modules.prescription import drug_checks, drug_rules, rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.carry_forward import carry_forward, given_text
from chemo_fallback.modules.prescription.dates import (  # noqa: F401 (the window, re-exported)
    DATE_OUT_OF_WINDOW,
    DAYS_OUT_OF_ORDER,
    FURTHEST_START_DAYS,
    LATEST_PAST_START_DAYS,
    date_window_problem,
    dates_problems,
)
from chemo_fallback.modules.prescription.dosing_inputs import (
    current_inputs,
    first_day,
    patient_identity,
)
from chemo_fallback.modules.prescription.models import (
    STATUS_LABELS,
    DosingInputs,
    DraftRequest,
    Line,
    OffProtocolLine,
    Prescriber,
    Prescription,
    PrescriptionError,
    Protocol,
    Status,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

RECORD = "prescription"
# Request-key actions (chemo_fallback.request_keys): one per kind of create
DRAFT_ACTION = "prescription.start_draft"
TAKE_OVER_ACTION = "prescription.take_over"
LINE_ACTION = "prescription.add_off_protocol_line"
# Stable codes (docs/clinical-rules.md)
CYCLE_NO_INVALID = "cycle_no_invalid"
MAX_CYCLE_NO = 200


def prescription_or_refuse(cur, prescription_id: str) -> Prescription:
    rx = repo.load_prescription(cur, prescription_id)
    if rx is None:
        raise PrescriptionError(
            f"Prescription {prescription_id} introuvable : rouvrez-la depuis la liste."
        )
    return rx


def draft_or_refuse(cur, prescription_id: str, user: User) -> Prescription:
    """A draft this user may change: a prescriber's own draft, or a pharmacist's transcription
    (a pharmacist never edits a physician's own prescription, nor another physician)."""
    rx = prescription_or_refuse(cur, prescription_id)
    if not rx.editable:
        raise PrescriptionError(
            f"La prescription {prescription_id} est « {rx.status_label} » : elle ne se modifie "
            "plus. Pour la changer, créez une version corrigée."
        )
    refusal = rules.edit_refusal(rx, user.username, user.role)
    if refusal:
        raise PrescriptionError(refusal)
    return rx


def _line(rx: Prescription, line_id: str) -> Line:
    for line in rx.lines:
        if line.line_id == line_id:
            return line
    raise PrescriptionError(f"Ligne {line_id} absente de la prescription {rx.prescription_id}.")


def _dose_lines(lines: list[Line], inputs, settings: SiteSettings) -> list[Line]:
    """Every line's dose recomputed; every line's problem reported at once."""
    done, problems, codes = [], [], []
    for line in lines:
        try:
            derivation = rules.compute_dose(line, inputs, settings)
        except DoseInputError as exc:
            problems.append(f"{line.title} (J{line.day_no}) : {exc}")
            codes.append(exc.code)
            continue
        done.append(
            line.model_copy(
                update={
                    "derivation": derivation,
                    "final_dose": derivation.final_dose if derivation else None,
                    "dose_unit": derivation.unit if derivation else None,
                }
            )
        )
    if problems:
        raise PrescriptionError(
            "Dose impossible à calculer. " + " ".join(problems),
            code=next((code for code in codes if code), None),  # the engine's rule, if any
        )
    return done


def dose_now(
    cur,
    protocol: Protocol,
    identity,
    lines: list[Line],
    settings: SiteSettings,
    today: date,
    cycle_start: date,
) -> tuple[DosingInputs, list[Line]]:
    """Today's inputs (the latest measurements, the age on the first day of administration of
    these `lines`) and every line's dose from them, through the drug rules and the engine. The
    one path of start_draft, recompute and move_day, and of the check at signature: a dose
    recorded is always the dose these rules give for its dates."""
    inputs = current_inputs(
        cur, identity, protocol, settings, today, age_on=first_day(lines, cycle_start)
    )
    return inputs, _dose_lines(drug_checks.limited(cur, lines), inputs, settings)


def audit_summary(rx: Prescription) -> dict:
    return {
        "patient_id": rx.patient_id,
        "protocol": rx.protocol_id,
        "cycle_no": rx.cycle_no,
        "cycle_start_date": rx.cycle_start_date.isoformat(),
        "version": rx.version_no,
        "status": rx.status.value,
        "prescriber": rx.prescriber.name,
        "doses": {line.line_id: line.final_dose for line in rx.lines},
    }


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


def prescribable_protocol(cur, protocol_id: str) -> Protocol:
    protocol = repo.load_protocol(cur, protocol_id)
    if protocol is None:
        raise PrescriptionError(
            f"Protocole « {protocol_id} » absent du thésaurus de l'instantané : choisissez-le "
            "dans la liste."
        )
    problems = rules.protocol_problems(protocol)
    if problems:
        raise PrescriptionError(
            f"Le protocole {protocol.name} ne peut pas être prescrit tel quel : "
            + " ; ".join(problems)
            + ". Faites corriger le thésaurus par un pharmacien, ou prescrivez la ligne hors "
            "protocole avec un produit disponible.",
            code="protocol_not_prescribable",
        )
    return protocol


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
) -> Prescription:
    """A draft from the thesaurus: every line of the chosen days, each dose computed. The same
    `request_key` again (a double click, the back button) returns the first request's draft."""
    return start_draft_or_earlier(
        store, user, request, settings, today, request_key=request_key
    ).prescription


def start_draft_or_earlier(
    store: Store,
    user: User,
    request: DraftRequest,
    settings: SiteSettings,
    today: date,
    *,
    request_key: str | None = None,
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
        now = datetime.now()
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
    return start_draft(store, user, request, settings, today, request_key=request_key)


def recompute(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date
) -> Prescription:
    """A draft's doses recomputed from the latest height, weight and creatinine."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        protocol = prescribable_protocol(cur, rx.protocol_id)
        identity = patient_identity(cur, rx.patient_id, today)
        inputs, lines = dose_now(
            cur, protocol, identity, rx.lines, settings, today, rx.cycle_start_date
        )
        after = rx.model_copy(update={"dosing": inputs, "lines": lines})
        repo.save_dosing(cur, prescription_id, inputs)
        for line in lines:
            repo.replace_line(cur, line)
        audit.record(
            cur,
            user.actor,
            "prescription.recomputed",
            RECORD,
            prescription_id,
            before=audit_summary(rx),
            after=audit_summary(after),
        )
    return after


def modify_dose(
    store: Store,
    user: User,
    prescription_id: str,
    line_id: str,
    modification_pct: float | None,
    reason: str | None,
    settings: SiteSettings,
) -> Line:
    """A reduction or an increase in %, always with its reason (0 or None: back to the
    protocol's dose). The % applies to the dose the patient would otherwise receive (after the
    maximum per dose); one that would leave the final dose unchanged is refused by the engine,
    with the explanation. Saving the dialog with nothing changed records nothing."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    pct = modification_pct or None
    text = rules.required_text(reason, "Le motif de la modification") if pct else None
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        line = _line(rx, line_id)
        if line.protocol_dose <= 0:
            raise PrescriptionError(f"{line.title} : ligne sans dose, rien à modifier.")
        if (pct, text) == (line.modification_pct or None, line.modification_reason or None):
            return line  # the same % and reason saved again: no write, no audit, no error
        changed = line.model_copy(update={"modification_pct": pct, "modification_reason": text})
        # The drug rules first, as on every path: the line's maximum becomes today's drug
        # maximum (a newer snapshot may have lowered it) before the engine caps the modified
        # dose with it.
        checked = drug_checks.limited(
            cur, [changed], refusal="Modification de dose impossible"
        )
        [dosed] = _dose_lines(checked, rx.dosing, settings)
        repo.replace_line(cur, dosed)
        audit.record(
            cur,
            user.actor,
            "prescription.dose_modified",
            RECORD,
            prescription_id,
            before={"line_id": line_id, "modification_pct": line.modification_pct,
                    "dose": line.final_dose},
            after={"line_id": line_id, "modification_pct": pct, "dose": dosed.final_dose},
            reason=text,
        )
    return dosed


def add_off_protocol_line(
    store: Store,
    user: User,
    prescription_id: str,
    wanted: OffProtocolLine,
    settings: SiteSettings,
    *,
    request_key: str | None = None,
) -> Line:
    """A line the protocol does not hold: only with a reason, flagged "hors protocole". The
    same `request_key` again returns the line the first request added."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    reason = rules.required_text(wanted.reason, "Le motif d'une ligne hors protocole")
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, LINE_ACTION, user.username)
        if first is not None:
            return _line(prescription_or_refuse(cur, prescription_id), first)
        rx = draft_or_refuse(cur, prescription_id, user)
        drug = {d["drug_id"]: d for d in repo.drug_list(cur)}.get(wanted.drug_id)
        if drug is None:
            raise PrescriptionError(
                f"Médicament « {wanted.drug_id} » absent de l'instantané : choisissez-le dans la "
                "liste."
            )
        mismatch = rules.line_kind_mismatch(
            wanted.line_kind, drug["inn"], repo.cytotoxic_markers(cur, wanted.drug_id)
        )
        if mismatch:
            raise PrescriptionError(
                f"Ligne hors protocole refusée : {mismatch}", code=rules.LINE_KIND_MISMATCH
            )
        compounded = wanted.line_kind == "chemotherapy" and wanted.route != "PO"
        if compounded and not drug["has_products"]:
            raise PrescriptionError(
                f"Aucun produit de {drug['inn']} dans l'instantané : la pharmacie ne peut pas le "
                "préparer."
            )
        if not 1 <= wanted.day_no <= rx.cycle_length_days:
            raise PrescriptionError(
                f"Jour J{wanted.day_no} hors du cycle ({rx.cycle_length_days} jours) : choisissez "
                f"un jour de J1 à J{rx.cycle_length_days}."
            )
        line_no = max((line.line_no for line in rx.lines), default=0) + 1
        line = Line(
            line_id=f"{prescription_id}-L{line_no}",
            prescription_id=prescription_id,
            line_no=line_no,
            protocol_line_no=None,
            line_kind=wanted.line_kind,
            drug_id=wanted.drug_id,
            drug_inn=drug["inn"],
            label=None,
            day_no=wanted.day_no,
            planned_date=_date_of_day(rx, wanted.day_no),
            route=wanted.route,
            duration_min=wanted.duration_min,
            diluent=wanted.diluent,
            volume_ml=wanted.volume_ml,
            container=wanted.container,
            dose_basis=wanted.dose_basis,
            protocol_dose=wanted.dose,
            max_dose=None,
            off_protocol=True,
            off_protocol_reason=reason,
            liste_en_sus=drug["liste_en_sus"],
        )
        if wanted.dose <= 0:
            raise PrescriptionError("La dose d'une ligne hors protocole doit être positive.")
        for value, label, upper in (
            (wanted.duration_min, "La durée de perfusion (min)", 20_160),
            (wanted.volume_ml, "Le volume final (mL)", 5000),
        ):
            if value is not None and not 0 < value <= upper:
                raise PrescriptionError(
                    f"{label} doit être comprise entre 0 et {french.number(upper)} : "
                    "corrigez-la ou laissez-la vide."
                )
        checked = drug_checks.limited(cur, [line], refusal="Ligne hors protocole refusée")
        [dosed] = _dose_lines(checked, rx.dosing, settings)
        repo.insert_line(cur, dosed)
        audit.record(
            cur,
            user.actor,
            "prescription.line_added",
            RECORD,
            prescription_id,
            after={"line_id": dosed.line_id, "drug_id": dosed.drug_id, "day_no": dosed.day_no,
                   "dose": dosed.final_dose, "off_protocol": True},
            reason=reason,
        )
        request_keys.remember(cur, request_key, LINE_ACTION, user.username, dosed.line_id)
    return dosed


def _date_of_day(rx: Prescription, day_no: int) -> date:
    for day, planned in rx.days:
        if day == day_no:
            return planned
    return rules.planned_date(rx.cycle_start_date, day_no)


def set_indication_code(
    store: Store, user: User, prescription_id: str, drug_id: str, code: str
) -> None:
    """The "liste en sus" indication, for every line of that drug in the prescription."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cleaned = rules.check_indication_code(code)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        lines = [line for line in rx.lines if line.drug_id == drug_id and line.liste_en_sus]
        if not lines:
            raise PrescriptionError(
                f"{drug_id} n'est pas un médicament de la liste en sus de cette prescription."
            )
        for line in lines:
            repo.replace_line(cur, line.model_copy(update={"indication_code": cleaned}))
        audit.record(
            cur,
            user.actor,
            "prescription.indication_set",
            RECORD,
            prescription_id,
            before={"drug_id": drug_id, "codes": sorted({str(x.indication_code) for x in lines})},
            after={"drug_id": drug_id, "code": cleaned},
        )


def move_day(
    store: Store,
    user: User,
    prescription_id: str,
    day_no: int,
    new_date: date,
    settings: SiteSettings,
    today: date,
) -> Prescription:
    """The planned date of one day of the cycle (e.g. D8 postponed), for every line of that day:
    within the window of a new cycle's start around today, and the days kept in order.

    Every line's dose is then recomputed for the new dates, as "Recalculer les doses" does
    (`dose_now`): a creatinine too old on the new day of administration refuses an AUC dose,
    and a first day moved across a birthday changes the age. A refusal writes nothing; the
    audit record has the doses before and after."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        lines = [line for line in rx.lines if line.day_no == day_no]
        if not lines:
            raise PrescriptionError(f"Aucune ligne au jour J{day_no} dans cette prescription.")
        problem = date_window_problem(f"Nouvelle date de J{day_no}", new_date, today)
        if problem:
            raise PrescriptionError(problem, code=DATE_OUT_OF_WINDOW)
        earlier = [p for d, p in rx.days if d < day_no]
        later = [p for d, p in rx.days if d > day_no]
        if (earlier and new_date <= max(earlier)) or (later and new_date >= min(later)):
            raise PrescriptionError(
                f"J{day_no} le {new_date:%d/%m/%Y} : les jours du cycle doivent rester dans "
                "l'ordre (chaque jour après le précédent et avant le suivant).",
                code=DAYS_OUT_OF_ORDER,
            )
        moved = [
            line.model_copy(update={"planned_date": new_date}) if line.day_no == day_no else line
            for line in rx.lines
        ]
        protocol = prescribable_protocol(cur, rx.protocol_id)
        identity = patient_identity(cur, rx.patient_id, today)
        try:
            inputs, dosed = dose_now(
                cur, protocol, identity, moved, settings, today, rx.cycle_start_date
            )
        except PrescriptionError as exc:
            raise PrescriptionError(
                f"J{day_no} ne peut pas être déplacé au {new_date:%d/%m/%Y}, les doses ne se "
                f"calculent pas pour cette date : {exc} La date n'a pas été changée.",
                code=exc.code,
            ) from exc
        after = rx.model_copy(update={"dosing": inputs, "lines": dosed})
        repo.save_dosing(cur, prescription_id, inputs)
        for line in dosed:
            repo.replace_line(cur, line)
        audit.record(
            cur,
            user.actor,
            "prescription.day_moved",
            RECORD,
            prescription_id,
            before=_day_summary(rx, day_no, lines[0].planned_date),
            after=_day_summary(after, day_no, new_date),
        )
    return after


def _day_summary(rx: Prescription, day_no: int, when: date) -> dict:
    return {
        "day_no": day_no,
        "date": when.isoformat(),
        "age_years": rx.dosing.age_years,
        "doses": {line.line_id: line.final_dose for line in rx.lines},
    }


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
