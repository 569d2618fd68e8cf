"""Read-only use cases of the prescription module: a prescription with its versions, the
choices of the new-prescription form, and the lists of today and the days to come."""

from __future__ import annotations

from datetime import date

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription import rules
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.models import (
    STATUS_LABELS,
    DecisionShown,
    ListEntry,
    MeasureUsed,
    PatientContext,
    Prescription,
    RecordTrail,
    Status,
)
from chemo_fallback.modules.prescription.service import prescription_or_refuse
from chemo_fallback.patients.measurements import latest_measurements
from chemo_fallback.patients.models import (
    NO_SNAPSHOT,
    NoActiveSnapshot,
    PatientIdentity,
    status_label,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store


def _cursor(store: Store):
    if store.active_snapshot() is None:
        raise NoActiveSnapshot(NO_SNAPSHOT)
    return store.cursor()


def read_prescription(store: Store, user: User, prescription_id: str) -> Prescription:
    require(user.role, Permission.PRESCRIPTION_READ)
    return prescription_or_refuse(_cursor(store), prescription_id)


def versions(store: Store, user: User, rx: Prescription) -> list[tuple[str, int, str]]:
    """(id, version, French status) of every version of this prescription, oldest first."""
    require(user.role, Permission.PRESCRIPTION_READ)
    return [
        (rx_id, version, STATUS_LABELS[status])
        for rx_id, version, status in repo.versions(store.cursor(), rx.rx_number)
    ]


def form_choices(store: Store, user: User) -> dict:
    """Protocols, prescribers and wards of the snapshot, for the new-prescription form."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cur = _cursor(store)
    return {
        "protocols": repo.protocol_list(cur),
        "prescribers": repo.prescribers(cur),
        "wards": repo.wards(cur),
        "drugs": repo.drug_list(cur),
    }


def patient_prescriptions(store: Store, user: User, patient_id: str) -> list[dict]:
    require(user.role, Permission.PRESCRIPTION_READ)
    rows = repo.patient_prescriptions(_cursor(store), patient_id)
    for row in rows:
        row["status_label"] = STATUS_LABELS[row["status"]]
    return rows


def question_text(request: DecisionShown) -> str:
    """"Modification demandée par <pharmacist> le <date-time> : <SFPC label> — <text>"."""
    return (
        f"Modification demandée par {request.pharmacist_name} le "
        f"{french.moment(request.decided_at)} : {request.question}"
    )


def _latest_requests(cur, prescription_ids: list[str]) -> dict[str, DecisionShown]:
    """The latest request for a change on each of these prescriptions."""
    found: dict[str, DecisionShown] = {}
    for decision in repo.decisions_of(cur, prescription_ids):
        if decision.decision == "intervention":
            found[decision.prescription_id] = decision  # oldest first: the last one wins
    return found


def worklist(
    store: Store, user: User, first: date, last: date, ward_id: str | None = None,
    change_requested: bool = False,
) -> list[ListEntry]:
    """Every prescription day between `first` and `last`, by day then ward; with
    `change_requested`, the prescriptions the pharmacy sent back for a change (whatever their
    days), each with the pharmacist's question."""
    require(user.role, Permission.PRESCRIPTION_READ)
    cur = _cursor(store)
    rows = repo.worklist_rows(cur, first, last, ward_id or None, change_requested)
    asked = _latest_requests(
        cur,
        sorted({r["prescription_id"] for r in rows if r["status"] == Status.CHANGE_REQUESTED}),
    )
    entries = []
    for row in rows:
        own = row["source"] == "secours"
        label = STATUS_LABELS[row["status"]] if own else status_label(row["status"])
        question = None
        if own and row["status"] == Status.CHANGE_REQUESTED:
            request = asked.get(row["prescription_id"])
            question = question_text(request) if request else row["status_reason"]
        entries.append(
            ListEntry(
                planned_date=row["planned_date"],
                ward_id=row["ward_id"],
                ward_name=row["ward_name"],
                patient_id=row["patient_id"],
                patient_name=row["patient_name"],
                birth_date=row["birth_date"],
                protocol_name=row["protocol_name"] or "protocole inconnu",
                cycle_no=row["cycle_no"],
                day_no=row["day_no"],
                prescription_id=row["prescription_id"],
                source=row["source"],
                status=label,
                prescriber_name=row["prescriber_name"],
                drugs=row["drugs"] or "—",
                continues=row["continues"],
                status_code=row["status"] if own else None,
                question=question,
            )
        )
    return entries


def change_requested_count(store: Store, user: User, ward_id: str | None = None) -> int:
    """How many of the fallback's prescriptions wait for the prescriber's correction."""
    require(user.role, Permission.PRESCRIPTION_READ)
    return repo.change_requested_count(_cursor(store), ward_id or None)


def trail(store: Store, user: User, rx: Prescription) -> RecordTrail:
    """Who signed and decided what on this prescription; on a corrected version, the request
    for a change it answers."""
    require(user.role, Permission.PRESCRIPTION_READ)
    return record_trail(_cursor(store), rx)


def record_trail(cur, rx: Prescription) -> RecordTrail:
    answers = None
    if rx.supersedes_id:
        answers = _latest_requests(cur, [rx.supersedes_id]).get(rx.supersedes_id)
    return RecordTrail(
        signatures=repo.signatures_of(cur, rx.prescription_id),
        decisions=repo.decisions_of(cur, [rx.prescription_id]),
        go_aheads=repo.go_aheads_of(cur, rx.prescription_id),
        answers=answers,
    )


def ward_choices(store: Store, user: User) -> dict[str, str]:
    require(user.role, Permission.PRESCRIPTION_READ)
    return {w["ward_id"]: w["name"] for w in repo.wards(_cursor(store))}


def protocol_days(store: Store, user: User, protocol_id: str) -> list[int]:
    """The days of the cycle the protocol gives something on (J1, J8, …)."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    protocol = repo.load_protocol(_cursor(store), protocol_id)
    return rules.protocol_days(protocol) if protocol else []


def patient_context(
    store: Store, user: User, patient_id: str, settings: SiteSettings, today: date
) -> PatientContext:
    """The patient and the measurements a new prescription would use, with what is missing."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cur = _cursor(store)
    identity = patient_identity(cur, patient_id, today)
    latest = latest_measurements(cur, patient_id)
    height, weight, creatinine = (
        MeasureUsed(value=m.value, measured_on=m.measured_on, source=m.label_fr) if m else None
        for m in (latest.height, latest.weight, latest.creatinine)
    )
    return PatientContext(
        identity=identity,
        height=height,
        weight=weight,
        creatinine=creatinine,
        problems=rules.measure_problems(height, weight, today, settings.weight_max_age_days),
    )


def identity(store: Store, user: User, patient_id: str, today: date) -> PatientIdentity:
    require(user.role, Permission.PRESCRIPTION_READ)
    return patient_identity(_cursor(store), patient_id, today)
