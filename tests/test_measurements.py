"""Height and weight: recording, corrections, and the latest height, weight and creatinine.
(Creatinine is entered as a lab result since issue 9: see test_patient_labs.py.)"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from factory import write_snapshot
from test_patient_search import snapshot_rows
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.measurements import (
    latest_measurements,
    record_measurement,
    recorded_measurements,
)
from chemo_fallback.patients.models import InvalidEntry, NewPatient, PatientNotFound
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)
HELENE = "IPP00000001"  # snapshot: patient file 18/11, prescriptions RX1 06/11 and RX2 19/11


def lab(lab_id: str, patient_id: str, value: float, unit: str, sampled_at: str) -> dict:
    return {
        "lab_id": lab_id,
        "patient_id": patient_id,
        "test_code": "CREAT",
        "value": value,
        "unit": unit,
        "sampled_at": sampled_at,
    }


@pytest.fixture
def active(store, tmp_path: Path):
    rows = snapshot_rows()
    rows["lab_results"] += [
        lab("CR1", HELENE, 70, "µmol/L", "2026-11-12 08:00:00"),
        lab("CR2", HELENE, 74, "µmol/L", "2026-11-18 08:00:00"),
        lab("CR3", "IPP00000002", 9.5, "mg/L", "2026-11-17 08:00:00"),
    ]
    rows["patients"][2]["measured_on"] = None  # Bézier: an undated height and weight
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=rows))
    return store


@pytest.fixture
def nurse(store):
    return create_account(store, "nurse")


def summary(value) -> tuple | None:
    return value and (value.value, value.measured_on, value.source, value.label_fr)


def test_latest_values_come_from_the_newest_source(active) -> None:
    latest = latest_measurements(active, HELENE)
    assert summary(latest.height) == (
        165.0,
        date(2026, 11, 19),
        "snapshot_prescription",
        "prescription RX2 du 19/11/2026 (instantané)",
    )
    assert summary(latest.creatinine) == (
        74.0,
        date(2026, 11, 18),
        "snapshot_lab",
        "biologie, prélèvement du 18/11/2026 à 08:00 (instantané)",
    )
    converted = latest_measurements(active, "IPP00000002").creatinine
    assert (converted.value, converted.unit) == (84.0, "µmol/L")  # 9.5 mg/L × 8.84
    assert converted.label_fr.endswith("(instantané), converti de 9,5 mg/L")
    assert latest_measurements(active, "IPP00000003") == latest_measurements(active, "NOBODY")
    assert latest_measurements(active, "IPP00000003").weight is None  # undated: not used


def test_a_recorded_value_wins_from_its_date_on(active, nurse) -> None:
    older = record_measurement(active, nurse, HELENE, "weight", 60, date(2026, 11, 10), today=TODAY)
    assert latest_measurements(active, HELENE).weight.source == "snapshot_prescription"
    same_day = record_measurement(
        active,
        nurse,
        HELENE,
        "weight",
        61.2,
        date(2026, 11, 19),
        comment=" pesée  du matin ",
        today=TODAY,
    )
    weight = latest_measurements(active, HELENE).weight
    assert summary(weight) == (
        61.2,
        date(2026, 11, 19),
        "fallback",
        f"saisie pendant la panne (mesure n° {same_day.measurement_id}, par Test nurse)",
    )
    assert same_day.comment == "pesée du matin" and older.measurement_id < same_day.measurement_id
    record_lab_result(
        active,
        nurse,
        HELENE,
        "CREAT",
        95,
        "µmol/L",
        datetime(2026, 11, 20, 8, 0),
        now=datetime(2026, 11, 20, 12, 0),
    )
    assert latest_measurements(active, HELENE).creatinine.value == 95
    assert latest_measurements(active, HELENE).height.source == "snapshot_prescription"
    [(actor, record_type, after, reason)] = (
        active.cursor()
        .execute(
            "SELECT actor, record_type, after_json, reason FROM audit_log "
            "WHERE action = 'measurement.recorded' AND record_id = ?",
            [str(same_day.measurement_id)],
        )
        .fetchall()
    )
    assert (actor, record_type, reason) == ("nurse", "patient_measurement", None)
    assert json.loads(after) == {
        "measurement_id": same_day.measurement_id,
        "patient_id": HELENE,
        "kind": "weight",
        "value": 61.2,
        "unit": "kg",
        "measured_on": "2026-11-19",
        "comment": "pesée du matin",
        "replaces_id": None,
    }


def test_a_correction_replaces_without_erasing(active, nurse) -> None:
    wrong = record_measurement(
        active, nurse, HELENE, "weight", 56.5, date(2026, 11, 20), today=TODAY
    )
    assert latest_measurements(active, HELENE).weight.value == 56.5
    with pytest.raises(InvalidEntry, match="Motif de la correction manquant"):
        record_measurement(
            active,
            nurse,
            HELENE,
            "weight",
            65,
            date(2026, 11, 20),
            replaces_id=wrong.measurement_id,
            today=TODAY,
        )
    fixed = record_measurement(
        active,
        nurse,
        HELENE,
        "weight",
        65,
        date(2026, 11, 20),
        replaces_id=wrong.measurement_id,
        reason="chiffres inversés",
        today=TODAY,
    )
    assert latest_measurements(active, HELENE).weight.value == 65
    history = recorded_measurements(active, HELENE)
    assert [(m.measurement_id, m.value, m.replaced_by, m.replaces_id) for m in history] == [
        (fixed.measurement_id, 65, None, wrong.measurement_id),
        (wrong.measurement_id, 56.5, fixed.measurement_id, None),
    ]
    [(before, after, reason)] = (
        active.cursor()
        .execute(
            "SELECT before_json, after_json, reason FROM audit_log "
            "WHERE action = 'measurement.corrected'"
        )
        .fetchall()
    )
    assert reason == "chiffres inversés"
    assert (json.loads(before)["value"], json.loads(after)["replaces_id"]) == (
        56.5,
        wrong.measurement_id,
    )
    # Once replaced, the wrong one stays replaced; corrections must keep the kind and patient.
    for kwargs, message in [
        ({"replaces_id": wrong.measurement_id}, "a déjà été corrigée par la mesure n°"),
        (
            {"kind": "height", "value": 165, "replaces_id": fixed.measurement_id},
            "est de type « Poids » : corrigez-la par une mesure du même type.",
        ),
        (
            {"patient_id": "IPP00000002", "replaces_id": fixed.measurement_id},
            "n'est pas une mesure de ce patient",
        ),
        ({"replaces_id": 999}, "Mesure à corriger introuvable"),
        ({"replaces_id": None}, "Motif de correction sans mesure corrigée"),
    ]:
        args = {"patient_id": HELENE, "kind": "weight", "value": 66, **kwargs}
        with pytest.raises(InvalidEntry, match=message):
            record_measurement(
                active,
                nurse,
                args.pop("patient_id"),
                args.pop("kind"),
                args.pop("value"),
                date(2026, 11, 20),
                reason="erreur",
                today=TODAY,
                **args,
            )
    assert len(recorded_measurements(active, HELENE)) == 2


@pytest.mark.parametrize(
    ("kind", "value", "on", "message"),
    [
        (
            "height",
            1.72,
            date(2026, 11, 20),
            "Taille invraisemblable : 1,72 cm (attendu entre 30 et 250 cm). Saisissez la taille en "
            "centimètres (par exemple 172, pas 1,72).",
        ),
        (
            "weight",
            68500,
            date(2026, 11, 20),
            "Poids invraisemblable : 68\u00a0500 kg (attendu entre 0,5 et 350 kg). Saisissez le "
            "poids en kilogrammes (par exemple 68,5, pas 68500 g).",
        ),
        (
            "creatinine",
            95,
            date(2026, 11, 20),
            "La créatinine se saisit comme un résultat de biologie (« Saisir un résultat de "
            "biologie », examen Créatinine), avec l'unité du compte rendu.",
        ),
        (
            "weight",
            60,
            date(2026, 11, 21),
            "Date de la mesure dans le futur (21/11/2026) : saisissez le jour où la mesure a été "
            "faite.",
        ),
        (
            "weight",
            60,
            date(1958, 3, 13),
            "Date de la mesure (13/03/1958) antérieure à la naissance du patient (14/03/1958) : "
            "vérifiez la date.",
        ),
        ("weight", None, None, "Valeur manquante : saisissez le poids en kg."),
        ("bmi", 22, date(2026, 11, 20), "Type de mesure inconnu : choisissez Taille ou Poids."),
    ],
)
def test_implausible_values_are_refused_with_what_to_do(
    active, nurse, kind, value, on, message
) -> None:
    with pytest.raises(InvalidEntry) as refused:
        record_measurement(active, nurse, HELENE, kind, value, on, today=TODAY)
    assert refused.value.problems[0].startswith(message)
    assert recorded_measurements(active, HELENE) == []


def test_who_may_record_and_for_whom(active, store) -> None:
    for role in ("preparer", "buyer", "admin"):
        with pytest.raises(PermissionDenied):
            record_measurement(store, create_account(store, role), HELENE, "weight", 60, TODAY)
    pharmacist = create_account(store, "pharmacist")
    with pytest.raises(PatientNotFound):
        record_measurement(store, pharmacist, "NOBODY", "weight", 60, TODAY, today=TODAY)
    local = create_local_patient(
        store,
        pharmacist,
        NewPatient(last_name="Aaron", first_name="Zoé", sex="F", birth_date=date(1990, 1, 1)),
        today=TODAY,
    )
    record_measurement(store, pharmacist, local.patient_id, "height", 170, TODAY, today=TODAY)
    record_measurement(store, pharmacist, local.patient_id, "weight", 58.4, TODAY, today=TODAY)
    latest = latest_measurements(store, local.patient_id)
    assert (latest.height.value, latest.weight.value, latest.creatinine) == (170, 58.4, None)
    record = load_patient_record(store, "buyer", local.patient_id, today=TODAY)
    assert record.latest == latest and len(record.recorded) == 2
