"""Read-only use cases of the prescription module: a prescription with its versions, the
choices of the new-prescription form, and the lists of today and the days to come."""

from __future__ import annotations

from datetime import date, timedelta

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription import rules
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.models import (
    STATUS_LABELS,
    ListEntry,
    MeasureUsed,
    PatientContext,
    Prescription,
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


def suggested_cycle(
    store: Store, user: User, patient_id: str, protocol_id: str, cycle_length_days: int,
    today: date,
) -> tuple[int, date]:
    """The next cycle number and its start date, after the patient's last cycle of this
    protocol (cycle 1 today when there is none). Only a suggestion: the form shows it."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    last = repo.last_cycle(_cursor(store), patient_id, protocol_id)
    if last is None:
        return 1, today
    cycle_no, start = last
    return cycle_no + 1, max(start + timedelta(days=cycle_length_days), today)


def patient_prescriptions(store: Store, user: User, patient_id: str) -> list[dict]:
    require(user.role, Permission.PRESCRIPTION_READ)
    rows = repo.patient_prescriptions(_cursor(store), patient_id)
    for row in rows:
        row["status_label"] = STATUS_LABELS[row["status"]]
    return rows


def worklist(
    store: Store, user: User, first: date, last: date, ward_id: str | None = None
) -> list[ListEntry]:
    """Every prescription day between `first` and `last`, by day then ward."""
    require(user.role, Permission.PRESCRIPTION_READ)
    entries = []
    for row in repo.worklist_rows(_cursor(store), first, last, ward_id or None):
        own = row["source"] == "secours"
        label = STATUS_LABELS[row["status"]] if own else status_label(row["status"])
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
            )
        )
    return entries


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
