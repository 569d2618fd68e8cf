"""Patient search and patient record pages, as a user sees them (NiceGUI's `user` fixture)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui.testing import User
from test_patient_search import snapshot_rows
from web_helpers import SLOW, sign_in

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import patient_pages, state


@pytest.fixture
def app_state(store, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(patient_pages, "today", lambda: date(2026, 11, 20))
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows(60)))
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def search(user: User, text: str, expected: str) -> None:
    """Type and press Enter; the search runs in a worker thread (the first one builds the
    lookup table), so wait for its message."""
    user.find(marker="patient-search").clear().type(text).trigger("keydown.enter")
    await user.should_see(expected, retries=SLOW)


def result_rows(user: User) -> list[dict]:
    [table] = user.find(marker="patient-results").elements  # only found when visible
    return table.rows


async def test_search_then_open_the_patient_by_clicking_the_row(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.should_see(marker="menu-Patients")
    await user.open("/patients")
    await search(user, "BEZIER", "1 patient trouvé.")
    assert result_rows(user) == [
        {
            "patient_id": "IPP00000003",
            "last_name": "BÉZIER",
            "first_name": "Zoé",
            "birth_date": "30/12/1970",
            "sex": "F",
            "ward": "Hématologie clinique",
            "origin": "",
        }
    ]
    row = result_rows(user)[0]
    user.find(marker="patient-results").trigger("rowClick", [{}, row, 0])
    await user.should_see("BÉZIER Zoé", retries=SLOW)
    await user.should_see("IPP : IPP00000003")
    await user.should_see("Née le 30/12/1970 (55 ans)")
    await user.should_see("Aucun cycle en cours ni prévu.")


async def test_results_show_birth_names_and_the_refine_message(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients")
    await search(user, "helene dupont", "1 patient trouvé.")
    assert [r["last_name"] for r in result_rows(user)] == ["DUPONT (née MARTIN)"]
    await search(user, "martin", "Plus de 50 patients correspondent")
    assert len(result_rows(user)) == 50
    await search(user, "dupont 14/03/1958", "1 patient trouvé.")
    await search(user, "zzz", "Aucun patient ne correspond à « zzz ».")
    await user.should_not_see(marker="patient-results")


async def test_bad_input_is_explained(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "preparer")
    await user.open("/patients")
    for typed, message in [
        ("a", "Recherche trop courte"),
        ("31/02/2020", "Date impossible : « 31/02/2020 » n'existe pas au calendrier."),
        ("14/03/58", "saisissez l'année sur 4 chiffres"),
    ]:
        await search(user, typed, message)
        await user.should_not_see(marker="patient-results")
    user.find(marker="patient-search").clear()
    user.find(marker="patient-search-button").click()
    await user.should_see("Saisissez un IPP, un nom, un prénom ou une date de naissance")


async def test_search_from_the_address(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await user.open("/patients?q=IPP00000001")
    await user.should_see("2 patients trouvés.")
    assert [r["patient_id"] for r in result_rows(user)] == ["IPP00000001", "IPP000000012"]


async def test_patient_page_shows_identity_measures_protocols_history_labs(
    user: User, app_state
) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients/IPP00000001")
    await user.should_see("DUPONT Hélène", retries=SLOW)
    await user.should_see("née MARTIN")
    await user.should_see("Femme")
    await user.should_see("Née le 14/03/1958 (68 ans)")
    await user.should_see("IPP : IPP00000001")
    await user.should_see("Unité : HDJ Oncologie médicale")
    [measures] = user.find(marker="patient-measurements").elements
    assert [(r["date"], r["height"], r["weight"], r["bsa"]) for r in measures.rows] == [
        ("19/11/2026", "165", "62,5", "1,69"),
        ("18/11/2026", "165", "62,5", "1,69 (calculée, Mosteller)"),
        ("06/11/2026", "165", "62,5", "1,69 (calculée, Mosteller)"),
        ("20/10/2026", "165", "64", "1,71"),
    ]
    assert measures.rows[1]["source"] == "Dossier patient"
    assert patient_pages.fr_number(1.7, 2, fixed=True) == "1,70"
    assert patient_pages.fr_number(62.0) == "62" and patient_pages.fr_number(None) == "—"
    assert measures.rows[0]["source"] == "Prescription RX2 (mFOLFOX6, cycle 3)"
    await user.should_see("mFOLFOX6 — cycle 2 — début le 09/11/2026 — administré")
    await user.should_see("mFOLFOX6 — cycle 3 — début le 23/11/2026 — prévu")
    await user.should_see("mFOLFOX6 — cycle 1 — début le 26/10/2026 — annulé")
    await user.should_see("Prescription RX1 prescrite par LEFÈVRE Anne le 06/11/2026 à 10:15")
    [lines] = user.find(marker="lines-RX1").elements
    assert lines.rows == [
        {
            "line_id": "RX1-2",
            "date": "09/11/2026",
            "day": "J1",
            "drug": "oxaliplatine",
            "dose": "143,6 mg",
            "route": "IV",
            "status": "administré",
            "preparations": "n° 250001 (administré)",
        }
    ]
    [labs] = user.find(marker="latest-labs").elements
    assert [(r["test"], r["value"], r["unit"], r["date"]) for r in labs.rows] == [
        ("Polynucléaires neutrophiles (PNN)", "2,1", "G/L", "19/11/2026 à 07:30"),
        ("Plaquettes (PLQ)", "180", "G/L", "19/11/2026 à 07:30"),
    ]
    current = user.find(marker="current-protocols").elements.pop()
    history = user.find(marker="treatment-history").elements.pop()
    assert [c.props["label"] for c in current.default_slot.children] == [
        "mFOLFOX6 — cycle 2 — début le 09/11/2026 — administré",
        "mFOLFOX6 — cycle 3 — début le 23/11/2026 — prévu",
    ]
    assert [c.props["label"] for c in history.default_slot.children] == [
        "mFOLFOX6 — cycle 1 — début le 26/10/2026 — annulé",
    ]


async def test_an_ipp_with_a_slash_opens_its_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.open("/patients")
    await search(user, "ab/12", "1 patient trouvé.")
    user.find(marker="patient-results").trigger("rowClick", [{}, result_rows(user)[0], 0])
    await user.should_see("IPP : AB/12", retries=SLOW)
    await user.should_see("VIDAL Rose")


async def test_unknown_patient_gets_a_message(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.open("/patients/INCONNU42")
    await user.should_see(
        "Patient inconnu : aucun patient n'a l'IPP « INCONNU42 » dans l'instantané actif ni "
        "parmi les patients créés pendant la panne.",
        retries=SLOW,
    )
    user.find(marker="back-to-search").click()
    await user.should_see(marker="patient-search")


async def test_every_role_searches_patients_even_a_buyer(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "buyer")
    await user.should_see(marker="menu-Patients")
    await user.open("/patients")
    await user.should_not_see("Accès refusé : cette page n'est pas ouverte à votre rôle.")
    await user.should_see(marker="patient-search")
