"""Audit scenarios of the patients area, loaded by test_every_write_is_audited.py: each write
function of chemo_fallback/patients/ and a scenario that exercises it."""

from __future__ import annotations

from datetime import date, datetime

from factory import write_snapshot

from chemo_fallback.auth import accounts
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.patients.models import NewPatient
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)


def _local_patient(store, tmp_path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    pharmacist = accounts.find_user(store, "pharmacist")
    # A namesake born the same day as Hélène Dupont: created with a reason.
    create_local_patient(
        store,
        pharmacist,
        NewPatient(last_name="Dupont", first_name="Hélène", sex="F", birth_date=date(1958, 3, 14)),
        confirm_not_duplicate_reason="Homonyme vérifié sur la carte d'identité",
        today=TODAY,
    )


def _measurement(store, tmp_path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    pharmacist = accounts.find_user(store, "pharmacist")
    # 6,25 kg for 165 cm is an impossible BMI (refused); 52,6 is a plausible typing slip.
    wrong = record_measurement(store, pharmacist, "IPP00000001", "weight", 52.6, TODAY, today=TODAY)
    record_measurement(
        store,
        pharmacist,
        "IPP00000001",
        "weight",
        62.5,
        TODAY,
        replaces_id=wrong.measurement_id,
        reason="chiffres inversés",
        today=TODAY,
    )


def _lab_result(store, tmp_path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    pharmacist = accounts.find_user(store, "pharmacist")
    now = datetime(2026, 11, 20, 12, 0)
    sampled = datetime(2026, 11, 20, 8, 0)
    wrong = record_lab_result(
        store, pharmacist, "IPP00000001", "PNN", 12, "G/L", sampled, now=now
    )
    record_lab_result(
        store,
        pharmacist,
        "IPP00000001",
        "PNN",
        1200,
        "/mm³",
        sampled,
        replaces_id=wrong.lab_record_id,
        reason="unité du compte rendu : /mm³",
        now=now,
    )


SCENARIOS = {
    "chemo_fallback/patients/local.py:create_local_patient": _local_patient,
    "chemo_fallback/patients/measurements.py:record_measurement": _measurement,
    "chemo_fallback/patients/labs.py:record_lab_result": _lab_result,
}
