"""Issue 10, items 1 and 10 for the patient entries: the same request sent twice (a double
click, a reload) records once, through the service; and a height, weight or lab result dated
more than a year ago asks for a confirmation instead of being recorded silently."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from factory import write_snapshot
from test_patient_search import snapshot_rows
from web_helpers import create_account

from chemo_fallback import request_keys
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.patients.lab_records import recorded_labs_of
from chemo_fallback.patients.lab_rules import OLD_ENTRY_DAYS, old_date_question
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.measurements import record_measurement, recorded_measurements
from chemo_fallback.patients.models import (
    InvalidEntry,
    NeedsConfirmation,
    NewPatient,
    PossibleDuplicates,
)
from chemo_fallback.request_keys import RequestKeyError
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
HELENE = "IPP00000001"  # born 14/03/1958, weighed 62,5 kg and 165 cm in the snapshot


@pytest.fixture
def active(store, tmp_path: Path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows()))
    return store


@pytest.fixture
def nurse(store):
    return create_account(store, "nurse")


def audit_count(store, action: str) -> int:
    return (
        store.cursor()
        .execute("SELECT count(*) FROM audit_log WHERE action = ?", [action])
        .fetchone()[0]
    )


def weigh(store, user, value=63.4, on=date(2026, 11, 19), **kwargs):
    return record_measurement(store, user, HELENE, "weight", value, on, today=TODAY, **kwargs)


def labs(store) -> list:
    return recorded_labs_of(store.cursor(), [HELENE])[HELENE]


# --- item 1: every create happens once ----------------------------------------------------


def test_a_measurement_sent_twice_with_its_key_is_recorded_once(active, nurse) -> None:
    key = request_keys.new_key()
    first = weigh(active, nurse, request_key=key)
    again = weigh(active, nurse, request_key=key)
    assert again == first
    assert [m.measurement_id for m in recorded_measurements(active, HELENE)] == [
        first.measurement_id
    ]
    assert audit_count(active, "measurement.recorded") == 1
    # another key (the next entry of the form) is another measurement
    weigh(active, nurse, request_key=request_keys.new_key())
    assert len(recorded_measurements(active, HELENE)) == 2
    # without a key (a script), no idempotency
    weigh(active, nurse)
    assert len(recorded_measurements(active, HELENE)) == 3


def test_a_refused_or_questioned_attempt_keeps_the_key_for_the_confirmed_one(active, nurse) -> None:
    key = request_keys.new_key()
    with pytest.raises(InvalidEntry):
        weigh(active, nurse, value=6250, request_key=key)
    with pytest.raises(NeedsConfirmation):
        weigh(active, nurse, on=date(2024, 6, 1), request_key=key)
    assert recorded_measurements(active, HELENE) == []
    confirmed = weigh(
        active, nurse, on=date(2024, 6, 1), confirm_reason="repris du dossier", request_key=key
    )
    # the confirm button sends the same key: its double click records once too
    again = weigh(
        active, nurse, on=date(2024, 6, 1), confirm_reason="repris du dossier", request_key=key
    )
    assert again.measurement_id == confirmed.measurement_id
    assert len(recorded_measurements(active, HELENE)) == 1


def test_a_lab_result_sent_twice_with_its_key_is_recorded_once(active, nurse) -> None:
    key = request_keys.new_key()
    at = datetime(2026, 11, 20, 8, 0)
    first = record_lab_result(
        active, nurse, HELENE, "PNN", 1.8, "G/L", at, now=NOW, request_key=key
    )
    again = record_lab_result(
        active, nurse, HELENE, "PNN", 1.8, "G/L", at, now=NOW, request_key=key
    )
    assert again.lab_record_id == first.lab_record_id
    assert [lab.lab_record_id for lab in labs(active)] == [first.lab_record_id]
    assert audit_count(active, "lab.recorded") == 1
    record_lab_result(
        active, nurse, HELENE, "PNN", 1.8, "G/L", at, now=NOW, request_key=request_keys.new_key()
    )
    assert len(labs(active)) == 2


def test_a_new_patient_sent_twice_with_its_key_is_created_once(active, store) -> None:
    pharmacist = create_account(store, "pharmacist")
    zoe = NewPatient(last_name="Aaron", first_name="Zoé", sex="F", birth_date=date(1990, 1, 1))
    key = request_keys.new_key()
    first = create_local_patient(active, pharmacist, zoe, today=TODAY, request_key=key)
    # the second request is the first one again, not a "possible duplicate" of it
    again = create_local_patient(active, pharmacist, zoe, today=TODAY, request_key=key)
    assert again == first and first.patient_id.startswith("SEC")
    assert store.cursor().execute("SELECT count(*) FROM local_patients").fetchone()[0] == 1
    assert audit_count(active, "patient.created") == 1
    with pytest.raises(PossibleDuplicates):  # a new form, a new key: the duplicate check
        create_local_patient(active, pharmacist, zoe, today=TODAY, request_key="another-key-1")
    assert find_identity(active, first.patient_id, TODAY) == first


def test_a_key_is_one_request_of_one_user(active, nurse, store) -> None:
    key = request_keys.new_key()
    weigh(active, nurse, request_key=key)
    at = datetime(2026, 11, 20, 8, 0)
    with pytest.raises(RequestKeyError) as reused:
        record_lab_result(active, nurse, HELENE, "PNN", 1.8, "G/L", at, now=NOW, request_key=key)
    assert reused.value.code == "request_key_reused"
    with pytest.raises(RequestKeyError):
        weigh(active, create_account(store, "pharmacist"), request_key=key)
    with pytest.raises(RequestKeyError) as malformed:
        weigh(active, nurse, request_key="x")
    assert malformed.value.code == "request_key_malformed"
    assert len(recorded_measurements(active, HELENE)) == 1 and labs(active) == []


# --- item 10: a date long ago asks for a confirmation --------------------------------------


def test_a_measurement_dated_decades_ago_asks_to_check_the_year(active, nurse) -> None:
    with pytest.raises(NeedsConfirmation) as asked:
        weigh(active, nurse, on=date(1996, 11, 19))  # 1996 typed for 2026
    [(code, question)] = asked.value.questions
    assert code == "measurement_date_old"
    assert question == (
        "Date de la mesure très ancienne : 19/11/1996 (il y a 30 ans). Vérifiez l'année : une "
        "valeur de plus d'un an n'est utilisée par aucune dose ni aucun contrôle. Si la date est "
        "juste (valeur reprise d'un ancien dossier), confirmez en indiquant pourquoi."
    )
    assert recorded_measurements(active, HELENE) == []
    recorded = weigh(active, nurse, on=date(1996, 11, 19), confirm_reason="ancien dossier papier")
    assert (recorded.confirm_codes, recorded.confirm_reason) == (
        "measurement_date_old",
        "ancien dossier papier",
    )


def test_the_threshold_is_one_year_and_refusals_stay_refusals(active, nurse) -> None:
    limit = TODAY - timedelta(days=OLD_ENTRY_DAYS)
    weigh(active, nurse, on=limit)  # exactly a year: recorded without a question
    with pytest.raises(NeedsConfirmation, match="il y a plus d'un an"):
        weigh(active, nurse, on=limit - timedelta(days=1))
    with pytest.raises(InvalidEntry, match="antérieure à la naissance"):
        weigh(active, nurse, on=date(1958, 3, 13), confirm_reason="sûr")
    with pytest.raises(InvalidEntry, match="dans le futur"):
        weigh(active, nurse, on=date(2026, 11, 21), confirm_reason="sûr")
    assert old_date_question("c", "Date", TODAY, TODAY) is None
    assert len(recorded_measurements(active, HELENE)) == 1


def test_a_lab_sampled_years_ago_asks_to_check_the_year(active, nurse) -> None:
    at = datetime(2016, 11, 20, 8, 0)  # 2016 typed for 2026
    with pytest.raises(NeedsConfirmation) as asked:
        record_lab_result(active, nurse, HELENE, "PLQ", 180, "G/L", at, now=NOW)
    [(code, question)] = asked.value.questions
    assert code == "lab_sampled_long_ago"
    assert question.startswith("Date du prélèvement très ancienne : 20/11/2016 (il y a 10 ans).")
    assert labs(active) == []
    recorded = record_lab_result(
        active, nurse, HELENE, "PLQ", 180, "G/L", at, now=NOW, confirm_reason="bilan ancien"
    )
    assert recorded.confirm_codes == "lab_sampled_long_ago"
    with pytest.raises(InvalidEntry, match="antérieur à la naissance"):
        record_lab_result(
            active,
            nurse,
            HELENE,
            "PLQ",
            180,
            "G/L",
            datetime(1950, 1, 1, 8),
            now=NOW,
            confirm_reason="sûr",
        )
