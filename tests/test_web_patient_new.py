"""The "Nouveau patient" page as a user sees it: creation, duplicate warning, errors."""

from __future__ import annotations

import json
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
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows()))
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def only(user: User, marker: str):
    [element] = user.find(marker=marker).elements
    return element


def choose(user: User, marker: str, value) -> None:
    """Pick a radio button or a select option (its value, as the browser would send it)."""
    element = only(user, marker)
    with user.client:
        element.value = value


async def fill(user: User, last: str, first: str, born: str, sex="F", ward="HEMATO") -> None:
    await user.should_see(marker="new-create", retries=SLOW)
    user.find(marker="new-last-name").clear().type(last)
    user.find(marker="new-first-name").clear().type(first)
    user.find(marker="new-birth-date").clear().type(born)
    choose(user, "new-sex", sex)
    choose(user, "new-ward", ward)


def created_audit(store) -> list[tuple]:
    return (
        store.cursor()
        .execute(
            "SELECT actor, record_type, record_id, after_json, reason FROM audit_log "
            "WHERE action = 'patient.created' ORDER BY audit_id"
        )
        .fetchall()
    )


async def test_create_a_patient_then_open_and_find_it(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.should_see(marker="menu-Nouveau patient")
    user.find(marker="menu-Nouveau patient").click()
    await fill(user, "Aaron", "Zoé", "02/01/1990")
    user.find(marker="new-birth-name").type("Babin")
    user.find(marker="new-create").click()
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)
    await user.should_see("AARON Zoé")
    await user.should_see("née BABIN")
    await user.should_see("Née le 02/01/1990 (36 ans)")
    await user.should_see("Unité : Hématologie clinique")
    await user.should_see(marker="identity-local")
    await user.should_see("Patient créé pendant la panne : ni traitement antérieur")
    [(actor, record_type, record_id, after, reason)] = created_audit(app_state.store)
    assert (actor, record_type, record_id, reason) == ("pharmacist", "patient", "SEC000001", None)
    assert json.loads(after)["birth_name"] == "Babin"

    await user.open("/patients")
    user.find(marker="patient-search").type("babin").trigger("keydown.enter")
    await user.should_see("1 patient trouvé.", retries=SLOW)
    [row] = only(user, "patient-results").rows
    assert (row["patient_id"], row["last_name"], row["origin"]) == (
        "SEC000001",
        "AARON (née BABIN)",
        "créé pendant la panne",
    )
    user.find(marker="patient-results").trigger("rowClick", [{}, row, 0])
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)


async def test_a_possible_duplicate_is_shown_then_confirmed_with_a_reason(
    user: User, app_state
) -> None:
    await sign_in(user, app_state.store, "prescriber")
    await user.open("/patients/nouveau")
    await fill(user, "DUPONT", "helene", "14/03/1958")
    user.find(marker="new-create").click()
    await user.should_see("Doublon possible", retries=SLOW)
    [candidate] = only(user, "duplicate-candidates").rows
    assert candidate["patient_id"] == "IPP00000001"
    assert candidate["last_name"] == "DUPONT (née MARTIN)"
    assert candidate["reasons"] == "même date de naissance, même nom d'usage"
    assert candidate["ward"] == "HDJ Oncologie médicale" and candidate["origin"] == "instantané"
    user.find(marker="duplicate-confirm").click()
    await user.should_see("Motif trop court", retries=SLOW)
    assert created_audit(app_state.store) == []
    user.find(marker="duplicate-reason").type("Homonyme : autre adresse, carte vitale vérifiée")
    user.find(marker="duplicate-confirm").click()
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)
    [(actor, _type, record_id, after, reason)] = created_audit(app_state.store)
    assert (actor, record_id) == ("prescriber", "SEC000001")
    assert reason == "Homonyme : autre adresse, carte vitale vérifiée"
    assert json.loads(after)["possible_duplicates"] == ["IPP00000001"]


async def test_changing_the_form_hides_the_warning(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients/nouveau")
    await fill(user, "Martin", "Hélène", "14/03/1958")
    user.find(marker="new-create").click()
    await user.should_see("Doublon possible", retries=SLOW)
    [candidate] = only(user, "duplicate-candidates").rows
    assert candidate["reasons"] == (
        "même date de naissance, nom d'usage saisi identique à son nom de naissance"
    )
    user.find(marker="new-birth-date").clear().type("15/03/1958")
    await user.should_not_see(marker="duplicate-confirm")
    user.find(marker="new-create").click()
    await user.should_see("IPP : SEC000001 (provisoire)", retries=SLOW)


async def test_every_problem_is_shown_and_nothing_typed_is_lost(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients/nouveau")
    await user.should_see(marker="new-create", retries=SLOW)
    user.find(marker="new-first-name").type("Jean 2")
    user.find(marker="new-birth-date").type("31/02/1980")
    user.find(marker="new-create").click()
    for message in [
        "Nom d'usage manquant : saisissez-le tel qu'il figure sur une pièce d'identité.",
        "Prénom invalide : « Jean 2 ».",
        "Sexe manquant : choisissez Femme ou Homme.",
        "Date de naissance impossible : « 31/02/1980 » n'existe pas au calendrier.",
    ]:
        await user.should_see(message, retries=SLOW)
    assert only(user, "new-first-name").value == "Jean 2"
    assert only(user, "new-birth-date").value == "31/02/1980"
    user.find(marker="new-birth-date").clear().type("01/01/2030")
    user.find(marker="new-create").click()
    await user.should_see(
        "Date de naissance dans le futur (01/01/2030) : vérifiez-la.", retries=SLOW
    )
    assert created_audit(app_state.store) == []


async def test_the_search_page_leads_to_the_new_patient_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.open("/patients")
    user.find(marker="search-new-patient").click()
    await user.should_see(marker="new-create", retries=SLOW)
    await sign_in(user, app_state.store, "nurse")
    await user.open("/patients")
    await user.should_see(marker="patient-search")
    await user.should_not_see(marker="search-new-patient")
