"""The measurements of the patient record page as a user sees them: the values used for
doses with their source, the form "Saisir une mesure", corrections, and who sees what."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui.testing import User
from test_patient_search import snapshot_rows
from test_web_patient_new import choose, only
from web_helpers import SLOW, sign_in

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import patient_pages, state


@pytest.fixture
def app_state(store, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(patient_pages, "today", lambda: date(2026, 11, 20))
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows()))
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def audit(store, action: str) -> list[tuple]:
    return (
        store.cursor()
        .execute(
            "SELECT actor, record_type, record_id, before_json, after_json, reason "
            "FROM audit_log WHERE action = ? ORDER BY audit_id",
            [action],
        )
        .fetchall()
    )


async def open_record(user: User, store, role: str, patient_id="IPP00000001") -> None:
    await sign_in(user, store, role)
    await user.open(f"/patients/{patient_id}")
    await user.should_see(marker="patient-identity", retries=SLOW)


def latest(user: User) -> dict[str, tuple]:
    rows = only(user, "latest-measurements").rows
    return {r["kind"]: (r["value"], r["date"], r["source"]) for r in rows}


async def test_record_a_weight_with_a_decimal_comma(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")
    assert latest(user) == {
        "Taille": ("165 cm", "19/11/2026", "prescription RX2 du 19/11/2026 (instantané)"),
        "Poids": ("62,5 kg", "19/11/2026", "prescription RX2 du 19/11/2026 (instantané)"),
        "Créatinine": ("—", "—", "aucune valeur datée"),
    }
    await user.should_see("Aucune mesure saisie pendant la panne.")
    assert only(user, "measure-date").value == "20/11/2026"  # today by default
    user.find(marker="measure-value").type("61,8")
    user.find(marker="measure-comment").type("pesée en HDJ")
    user.find(marker="measure-save").click()
    await user.should_see("Mesure n° 1 enregistrée : Poids 61,8 kg du 20/11/2026.", retries=SLOW)
    await user.should_see(marker="recorded-measurements", retries=SLOW)
    assert latest(user)["Poids"] == (
        "61,8 kg",
        "20/11/2026",
        "saisie pendant la panne (mesure n° 1, par Test nurse)",
    )
    [row] = only(user, "recorded-measurements").rows
    assert (row["number"], row["kind"], row["value"], row["by"], row["comment"], row["state"]) == (
        1,
        "Poids",
        "61,8 kg",
        "Test nurse",
        "pesée en HDJ",
        "",
    )
    assert only(user, "measure-value").value == ""  # ready for the next one
    [(actor, record_type, record_id, before, after, reason)] = audit(
        app_state.store, "measurement.recorded"
    )
    assert (actor, record_type, record_id, before, reason) == (
        "nurse",
        "patient_measurement",
        "1",
        None,
        None,
    )
    assert json.loads(after) == {
        "measurement_id": 1,
        "patient_id": "IPP00000001",
        "kind": "weight",
        "value": 61.8,
        "unit": "kg",
        "measured_on": "2026-11-20",
        "comment": "pesée en HDJ",
        "replaces_id": None,
    }


async def test_an_implausible_weight_is_refused_and_kept_in_the_form(user: User, app_state) -> None:
    await open_record(user, app_state.store, "pharmacist")
    user.find(marker="measure-value").type("625")
    user.find(marker="measure-save").click()
    await user.should_see(
        "Poids invraisemblable : 625 kg (attendu entre 0,5 et 350 kg). Saisissez le poids en "
        "kilogrammes (par exemple 68,5, pas 68500 g).",
        retries=SLOW,
    )
    assert only(user, "measure-value").value == "625"
    assert audit(app_state.store, "measurement.recorded") == []
    user.find(marker="measure-value").clear().type("62,5 kg")
    user.find(marker="measure-date").clear().type("21/11/2026")
    user.find(marker="measure-save").click()
    await user.should_see("Valeur non reconnue : « 62,5 kg ».", retries=SLOW)
    await user.should_see("Date de la mesure dans le futur (21/11/2026)")
    # creatinine is a lab result with its unit now (issue 9): see test_web_patient_labs.py
    assert list(only(user, "measure-kind").options) == ["height", "weight"]


async def test_a_correction_keeps_the_wrong_value_visible(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")
    choose(user, "measure-kind", "height")
    user.find(marker="measure-value").type("156")
    user.find(marker="measure-save").click()
    await user.should_see("Mesure n° 1 enregistrée : Taille 156 cm", retries=SLOW)
    choose(user, "measure-kind", "weight")
    choose(user, "measure-replaces", 1)
    assert only(user, "measure-kind").value == "height"  # follows what is corrected
    user.find(marker="measure-value").type("165")
    user.find(marker="measure-save").click()
    await user.should_see("Motif de la correction manquant", retries=SLOW)
    user.find(marker="measure-reason").type("chiffres inversés")
    user.find(marker="measure-save").click()
    await user.should_see("Mesure n° 2 enregistrée : Taille 165 cm", retries=SLOW)
    rows = only(user, "recorded-measurements").rows
    assert [(r["number"], r["value"], r["state"]) for r in rows] == [
        (2, "165 cm", "corrige la mesure n° 1 : chiffres inversés"),
        (1, "156 cm", "remplacée par la mesure n° 2"),
    ]
    assert list(only(user, "measure-replaces").options) == [2]
    [(_actor, _type, record_id, before, _after, reason)] = audit(
        app_state.store, "measurement.corrected"
    )
    assert (record_id, json.loads(before)["value"], reason) == ("2", 156, "chiffres inversés")


async def test_who_sees_the_form_and_the_new_prescription_button(user: User, app_state) -> None:
    await open_record(user, app_state.store, "preparer")
    await user.should_see(marker="latest-measurements")
    await user.should_not_see(marker="measure-form")
    await user.should_not_see(marker="new-prescription")
    await open_record(user, app_state.store, "pharmacist", "AB/12")
    assert only(user, "new-prescription").props["href"] == (
        "/prescriptions/nouvelle?patient=AB%2F12"
    )
    await user.should_see(marker="measure-form")
