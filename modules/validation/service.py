"""Validation use cases, reading side: the findings of one prescription or of a whole
worklist (gathered in batch), and what the review page shows. The pharmacist's decisions are in
`decisions`, their independence from the prescription in `independence`, and the clinical
team's "feu vert" in `go_ahead`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import repository as rx_repo
from chemo_fallback.modules.prescription.models import Prescription, Status
from chemo_fallback.modules.validation import repository as repo
from chemo_fallback.modules.validation.models import (
    Finding,
    GivenDose,
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
    cur = reading_cursor(store)
    rx = prescription_or_refuse(cur, prescription_id)
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
    cur = reading_cursor(store)
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
    cur = reading_cursor(store)
    rx = prescription_or_refuse(cur, prescription_id)
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


def reading_cursor(store: Store):
    """A cursor on the store, once a snapshot is active (the checks read its history)."""
    if store.active_snapshot() is None:
        raise NoActiveSnapshot(NO_SNAPSHOT)
    return store.cursor()


def prescription_or_refuse(cur, prescription_id: str) -> Prescription:
    rx = rx_repo.load_prescription(cur, prescription_id)
    if rx is None:
        raise ValidationError(f"Prescription {prescription_id} introuvable.")
    return rx
