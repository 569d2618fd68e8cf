"""Issue 10, items 1, 9 and 10 on the patient pages as a user sees them: each form sends one
request key per entry (the confirmed attempt the same as the questioned one, a new key after
a recorded entry), a measurement dated decades ago asks to check the year, and the search page
finds a local patient by "sec" and a patient by the digits of its IPP."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui.testing import User
from test_patient_search import snapshot_rows
from test_web_patient_new import choose, fill, only
from web_helpers import SLOW, sign_in

from chemo_fallback.patients import labs, local, measurements
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import (
    patient_labs,
    patient_measurements,
    patient_new_page,
    patient_pages,
    state,
)


@pytest.fixture
def app_state(store, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(patient_pages, "today", lambda: date(2026, 11, 20))
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows()))
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def spy(monkeypatch, module, name: str, real) -> list[str | None]:
    """The request keys the page sends to the use case `name` of `module`."""
    keys: list[str | None] = []

    def recording(*args, **kwargs):
        keys.append(kwargs.get("request_key"))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return keys


def count(store, table: str) -> int:
    return store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


async def open_record(user: User, store, role: str = "nurse"):
    signed_in = await sign_in(user, store, role)
    await user.open("/patients/IPP00000001")
    await user.should_see(marker="measure-form", retries=SLOW)
    return signed_in


async def test_a_weight_dated_decades_ago_asks_then_the_confirmation_sends_the_same_key(
    user: User, app_state, monkeypatch
) -> None:
    keys = spy(
        monkeypatch, patient_measurements, "record_measurement", measurements.record_measurement
    )
    nurse = await open_record(user, app_state.store)
    user.find(marker="measure-value").type("62")
    user.find(marker="measure-date").clear().type("19/11/1996")
    user.find(marker="measure-save").click()
    await user.should_see(
        "Date de la mesure très ancienne : 19/11/1996 (il y a 30 ans). Vérifiez l'année",
        retries=SLOW,
    )
    assert count(app_state.store, "patient_measurements") == 0
    user.find(marker="measure-confirm-reason").type("reprise de l'ancien dossier papier")
    user.find(marker="measure-confirm").click()
    await user.should_see("Mesure n° 1 enregistrée : Poids 62 kg du 19/11/1996.", retries=SLOW)
    assert len(keys) == 2 and keys[0] is not None and keys[0] == keys[1]
    # the confirm button clicked again (its request sent twice): the same measurement
    assert (
        measurements.record_measurement(
            app_state.store,
            nurse,
            "IPP00000001",
            "weight",
            62,
            date(1996, 11, 19),
            confirm_reason="reprise de l'ancien dossier papier",
            today=date(2026, 11, 20),
            request_key=keys[1],
        ).measurement_id
        == 1
    )
    assert count(app_state.store, "patient_measurements") == 1
    # the next entry is a new record, with a new key
    user.find(marker="measure-value").type("61,5")
    user.find(marker="measure-date").clear().type("20/11/2026")
    user.find(marker="measure-save").click()
    await user.should_see("Mesure n° 2 enregistrée : Poids 61,5 kg", retries=SLOW)
    assert keys[2] not in (None, keys[0])


async def test_the_lab_form_sends_one_key_per_result(user: User, app_state, monkeypatch) -> None:
    keys = spy(monkeypatch, patient_labs, "record_lab_result", labs.record_lab_result)
    await open_record(user, app_state.store)
    choose(user, "lab-unit", "G/L")
    user.find(marker="lab-value").type("1,9")
    user.find(marker="lab-time").type("08:30")
    user.find(marker="lab-date").clear().type("20/11/2016")
    user.find(marker="lab-save").click()
    await user.should_see("Date du prélèvement très ancienne : 20/11/2016", retries=SLOW)
    user.find(marker="lab-confirm-reason").type("bilan de 2016 retrouvé")
    user.find(marker="lab-confirm").click()
    await user.should_see("Résultat n° 1 enregistré", retries=SLOW)
    user.find(marker="lab-value").type("2,1")
    user.find(marker="lab-time").type("08:30")
    user.find(marker="lab-date").clear().type("20/11/2026")
    user.find(marker="lab-save").click()
    await user.should_see("Résultat n° 2 enregistré", retries=SLOW)
    assert keys[0] == keys[1] and None not in keys and keys[2] != keys[1]
    assert count(app_state.store, "patient_lab_results") == 2


async def test_the_duplicate_confirmation_sends_the_key_of_the_first_attempt(
    user: User, app_state, monkeypatch
) -> None:
    keys = spy(monkeypatch, patient_new_page, "create_local_patient", local.create_local_patient)
    pharmacist = await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients/nouveau")
    await fill(user, "DUPONT", "helene", "14/03/1958")
    user.find(marker="new-create").click()
    await user.should_see("Doublon possible", retries=SLOW)
    user.find(marker="duplicate-reason").type("Homonyme : autre adresse, carte vitale vérifiée")
    user.find(marker="duplicate-confirm").click()
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)
    assert len(keys) == 2 and keys[0] is not None and keys[0] == keys[1]
    # the same request again (a double click on the confirmation): no second patient
    again = local.create_local_patient(
        app_state.store,
        pharmacist,
        local.NewPatient(
            last_name="DUPONT", first_name="helene", sex="F", birth_date=date(1958, 3, 14)
        ),
        confirm_not_duplicate_reason="Homonyme : autre adresse, carte vitale vérifiée",
        request_key=keys[0],
    )
    assert again.patient_id == "SEC000001" and count(app_state.store, "local_patients") == 1


async def test_the_search_page_finds_sec_and_the_digits_of_an_ipp(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients/nouveau")
    await fill(user, "Quesnel", "Albane", "02/03/1971")
    user.find(marker="new-create").click()
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)
    found = {
        "sec": ("1 patient trouvé.", ["SEC000001"]),
        "00000001": ("2 patients trouvés.", ["IPP00000001", "IPP000000012"]),  # exact first
    }
    for typed, (message, expected) in found.items():
        await user.open(f"/patients?q={typed}")
        await user.should_see(message, retries=SLOW)
        assert [r["patient_id"] for r in only(user, "patient-results").rows] == expected
