"""Lab entry on the patient record page, and the confirmation asked for an unusual value, as a
user sees them (issue 9, items 3, 4 and 11)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui.testing import User
from test_patient_search import snapshot_rows
from test_web_patient_measurements import audit, latest, open_record
from test_web_patient_new import choose, only
from web_helpers import SLOW

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import patient_pages, state

MOREAU = "IPP00000002"  # 77 years, 81 kg


@pytest.fixture
def app_state(store, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(patient_pages, "today", lambda: date(2026, 11, 20))
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows()))
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_a_count_per_mm3_is_recorded_and_shown_in_g_per_l(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")
    await user.should_see(marker="lab-form", retries=SLOW)
    assert only(user, "lab-unit").options == ["G/L", "10⁹/L", "/mm³", "/µL", "10³/µL"]
    choose(user, "lab-unit", "/mm³")
    user.find(marker="lab-value").type("1 200")
    user.find(marker="lab-save").click()
    await user.should_see("Heure du prélèvement manquante", retries=SLOW)
    user.find(marker="lab-time").type("08:30")
    user.find(marker="lab-save").click()
    await user.should_see(
        "Résultat n° 1 enregistré : Polynucléaires neutrophiles (PNN) 1\u00a0200 /mm³ "
        "(soit 1,2 G/L), prélevé le 20/11/2026 à 08:30.",
        retries=SLOW,
    )
    await user.should_see(marker="recorded-labs", retries=SLOW)
    [row] = only(user, "recorded-labs").rows
    assert (row["value"], row["normalised"], row["by"]) == (
        "1\u00a0200 /mm³",
        "1,2 G/L",
        "Test nurse",
    )
    rows = only(user, "latest-labs").rows
    assert any(
        r["test"].startswith("Polynucléaires")
        and r["source"] == "saisi pendant la panne (résultat n° 1)"
        for r in rows
    )
    [(actor, record_type, record_id, _before, _after, _reason)] = audit(
        app_state.store, "lab.recorded"
    )
    assert (actor, record_type, record_id) == ("nurse", "patient_lab_result", "1")


async def test_a_creatinine_asks_to_check_the_unit_then_feeds_the_dose(
    user: User, app_state
) -> None:
    await open_record(user, app_state.store, "pharmacist", MOREAU)
    await user.should_see(marker="lab-form", retries=SLOW)
    choose(user, "lab-test", "CREAT")
    assert only(user, "lab-unit").value is None  # never assumed
    assert only(user, "lab-unit").options == ["µmol/L", "mg/L", "mg/dL"]
    choose(user, "lab-unit", "µmol/L")
    user.find(marker="lab-value").type("30")
    user.find(marker="lab-time").type("07:45")
    user.find(marker="lab-save").click()
    await user.should_see("Vérifiez l'unité : une créatininémie de 30 µmol/L", retries=SLOW)
    assert audit(app_state.store, "lab.recorded") == []
    user.find(marker="lab-confirm").click()
    await user.should_see("Motif de la confirmation manquant", retries=SLOW)
    user.find(marker="lab-confirm-reason").type("relu sur le compte rendu")
    user.find(marker="lab-confirm").click()
    await user.should_see("Résultat n° 1 enregistré : Créatinine 30 µmol/L", retries=SLOW)
    [(_a, _t, _id, _b, _after, reason)] = audit(app_state.store, "lab.recorded")
    assert reason == "relu sur le compte rendu"
    await user.should_see(marker="recorded-labs", retries=SLOW)
    assert latest(user)["Créatinine"][0] == "30 µmol/L"  # what doses now use
    [row] = only(user, "recorded-labs").rows
    assert row["state"] == "confirmé : relu sur le compte rendu"


async def test_an_unusual_bmi_asks_for_a_reason(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")  # Hélène, 165 cm
    user.find(marker="measure-value").type("163,4")
    user.find(marker="measure-save").click()
    await user.should_see("Indice de masse corporelle inhabituel : 60 kg/m²", retries=SLOW)
    assert audit(app_state.store, "measurement.recorded") == []
    user.find(marker="measure-confirm-reason").type("pesée contrôlée")
    user.find(marker="measure-confirm").click()
    await user.should_see("Mesure n° 1 enregistrée : Poids 163,4 kg", retries=SLOW)
    await user.should_see(marker="recorded-measurements", retries=SLOW)
    [row] = only(user, "recorded-measurements").rows
    assert row["state"] == "confirmée : pesée contrôlée"
    user.find(marker="measure-value").type("25")
    user.find(marker="measure-save").click()
    await user.should_see("Indice de masse corporelle impossible", retries=SLOW)


async def test_who_may_enter_labs(user: User, app_state) -> None:
    await open_record(user, app_state.store, "preparer")
    await user.should_see(marker="latest-measurements", retries=SLOW)
    await user.should_not_see(marker="lab-form")


async def test_no_unit_is_assumed(user: User, app_state) -> None:
    await open_record(user, app_state.store, "nurse")
    await user.should_see(marker="lab-form", retries=SLOW)
    assert only(user, "lab-unit").value is None
    user.find(marker="lab-value").type("1,8")
    user.find(marker="lab-time").type("08:30")
    user.find(marker="lab-save").click()
    await user.should_see(
        "Unité manquante : choisissez l'unité écrite sur le compte rendu", retries=SLOW
    )
    assert audit(app_state.store, "lab.recorded") == []


async def test_the_save_button_is_disabled_while_the_result_is_recorded(
    user: User, app_state, monkeypatch
) -> None:
    """A double click cannot send the entry twice: the button is off until the answer."""
    from chemo_fallback.web import patient_labs

    await open_record(user, app_state.store, "nurse")
    await user.should_see(marker="lab-form", retries=SLOW)
    save = only(user, "lab-save")
    seen = []
    real = patient_labs.record_lab_result

    def spying(*args, **kwargs):
        seen.append(save.enabled)
        return real(*args, **kwargs)

    monkeypatch.setattr(patient_labs, "record_lab_result", spying)
    choose(user, "lab-unit", "G/L")
    user.find(marker="lab-value").type("1,8")
    user.find(marker="lab-time").type("08:30")
    user.find(marker="lab-save").click()
    await user.should_see("Résultat n° 1 enregistré", retries=SLOW)
    assert seen == [False]  # disabled during the call
    assert save.enabled  # and usable again after
