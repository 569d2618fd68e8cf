"""Patients created during the outage: checks, duplicate detection, search, identity."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from test_patient_search import snapshot_rows
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.patients.local import create_local_patient, find_duplicates
from chemo_fallback.patients.models import (
    InvalidEntry,
    NewPatient,
    NoActiveSnapshot,
    PossibleDuplicates,
)
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.patients.rules import levenshtein, parse_day, parse_decimal
from chemo_fallback.patients.search import search_patients
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)
HELENE_BORN = date(1958, 3, 14)  # Hélène Dupont, née Martin, IPP00000001 in the snapshot


@pytest.fixture
def active(store, tmp_path: Path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows(3)))
    return store


@pytest.fixture
def pharmacist(store):
    return create_account(store, "pharmacist")


def new(last="Aaron", first="Zoé", born=date(1990, 1, 1), **more) -> NewPatient:
    return NewPatient(
        last_name=last, first_name=first, sex=more.pop("sex", "F"), birth_date=born, **more
    )


def audit_rows(store, action: str) -> list[tuple]:
    return (
        store.cursor()
        .execute(
            "SELECT actor, record_type, record_id, after_json, reason FROM audit_log "
            "WHERE action = ? ORDER BY audit_id",
            [action],
        )
        .fetchall()
    )


def test_create_then_open_and_find_it(active, pharmacist) -> None:
    created = create_local_patient(
        active, pharmacist, new(birth_name="Babin", ward_id="HEMATO"), today=TODAY
    )
    assert (created.patient_id, created.source, created.age_years) == ("SEC000001", "local", 36)
    assert (created.ward_name, created.birth_name) == ("Hématologie clinique", "Babin")
    assert find_identity(active, "SEC000001", TODAY) == created
    with active.transaction() as cur:  # a caller's cursor, e.g. inside its own transaction
        assert find_identity(cur, "SEC000001", TODAY) == created
    assert find_identity(active, "IPP00000001", TODAY).source == "snapshot"
    assert find_identity(active, "NOBODY") is None
    hits = search_patients(active, "buyer", "aaron", today=TODAY).hits
    assert [(h.patient_id, h.source) for h in hits] == [("SEC000001", "local")]
    assert [h.patient_id for h in search_patients(active, "nurse", "babin", today=TODAY).hits] == [
        "SEC000001"
    ]
    record = load_patient_record(active, "nurse", "SEC000001", today=TODAY)
    assert record.identity == created
    assert record.current == record.history == record.measurements == record.latest_labs == []
    [(actor, record_type, record_id, after, reason)] = audit_rows(active, "patient.created")
    assert (actor, record_type, record_id, reason) == ("pharmacist", "patient", "SEC000001", None)
    assert json.loads(after) == {
        "patient_id": "SEC000001",
        "last_name": "Aaron",
        "first_name": "Zoé",
        "birth_name": "Babin",
        "sex": "F",
        "birth_date": "1990-01-01",
        "ward_id": "HEMATO",
    }


def test_local_patients_sort_among_the_snapshot_ones(active, pharmacist) -> None:
    create_local_patient(active, pharmacist, new("Martin", "Denise", date(1940, 2, 2)), today=TODAY)
    create_local_patient(active, pharmacist, new("MARTIN", "Aline", date(1941, 2, 2)), today=TODAY)
    hits = search_patients(active, "nurse", "martin", today=TODAY).hits
    assert [(h.first_name, h.source) for h in hits] == [
        ("Aline", "local"),
        ("Chloé", "snapshot"),
        ("Denise", "local"),
        ("Prénom00", "snapshot"),
        ("Prénom01", "snapshot"),
        ("Prénom02", "snapshot"),
        ("Hélène", "snapshot"),  # Dupont, née Martin: birth names after usual names
    ]
    assert [h.patient_id for h in search_patients(active, "nurse", "sec00", today=TODAY).hits] == [
        "SEC000002",
        "SEC000001",
    ]


@pytest.mark.parametrize(
    ("last", "first", "birth_name", "sex", "reason"),
    [
        ("DUPONT", "helene", None, "F", "même nom d'usage"),
        ("dupont", "Léna", None, "F", "même nom d'usage"),  # a twin sister: still to look at
        ("Martin", "Hélène", None, "F", "nom d'usage saisi identique à son nom de naissance"),
        ("Durand", "Hélène", "MARTIN", "F", "même nom de naissance"),
        ("Dupond", "Hélène", None, "F", "nom d'orthographe proche"),
        ("Dupont-Leroy", "Hélène", None, "F", "nom composé en partie commun"),
        ("Durand", "Hélène", None, "F", "même prénom et même sexe (nom d'usage peut-être changé)"),
    ],
)
def test_possible_duplicates_ignore_accents_case_and_name_changes(
    active, last, first, birth_name, sex, reason
) -> None:
    candidate = NewPatient(
        last_name=last, first_name=first, birth_name=birth_name, sex=sex, birth_date=HELENE_BORN
    )
    [found] = find_duplicates(active, candidate)
    assert found.patient.patient_id == "IPP00000001"
    assert found.reasons[0] == f"même date de naissance, {reason}"


def test_swapped_names_and_what_is_not_a_duplicate(active) -> None:
    swapped = new("Hélène", "DUPONT", HELENE_BORN)
    [found] = find_duplicates(active, swapped)
    assert found.reasons == ["même date de naissance, nom et prénom inversés"]
    assert find_duplicates(active, new("Dupont", "Hélène", date(1958, 3, 15))) == []  # homonym
    assert find_duplicates(active, new("Durand", "Marie", HELENE_BORN)) == []
    assert find_duplicates(active, new("Durand", "Hélène", HELENE_BORN, sex="M")) == []
    assert find_duplicates(active, new("Dupont", "Hélène", None)) == []


def test_a_duplicate_needs_a_written_reason(active, pharmacist) -> None:
    same = new("DUPONT", "Helene", HELENE_BORN, ward_id="HDJ-ONCO")
    with pytest.raises(PossibleDuplicates) as refused:
        create_local_patient(active, pharmacist, same, today=TODAY)
    assert [c.patient.patient_id for c in refused.value.candidates] == ["IPP00000001"]
    assert str(refused.value).startswith("Un patient existant pourrait être la même personne")
    with pytest.raises(InvalidEntry, match="Motif trop court"):
        create_local_patient(
            active, pharmacist, same, confirm_not_duplicate_reason=" non ", today=TODAY
        )
    assert active.cursor().execute("SELECT count(*) FROM local_patients").fetchone() == (0,)
    assert audit_rows(active, "patient.created") == []
    reason = "Homonyme : autre adresse, vérifié avec la carte d'identité"
    created = create_local_patient(
        active, pharmacist, same, confirm_not_duplicate_reason=reason, today=TODAY
    )
    [(_actor, _type, record_id, after, recorded_reason)] = audit_rows(active, "patient.created")
    assert (record_id, recorded_reason) == (created.patient_id, reason)
    assert json.loads(after)["possible_duplicates"] == ["IPP00000001"]
    # The one just created is a candidate too, for the next attempt.
    with pytest.raises(PossibleDuplicates) as again:
        create_local_patient(active, pharmacist, same, today=TODAY)
    assert [(c.patient.patient_id, c.patient.source) for c in again.value.candidates] == [
        ("IPP00000001", "snapshot"),
        ("SEC000001", "local"),
    ]


def test_every_problem_is_listed_in_french(active, pharmacist) -> None:
    bad = NewPatient(
        last_name="  ",
        first_name="Jean 2",
        birth_name="O'Neil",
        sex=None,
        birth_date=date(2027, 1, 1),
        ward_id="NOWHERE",
    )
    with pytest.raises(InvalidEntry) as refused:
        create_local_patient(active, pharmacist, bad, today=TODAY)
    assert refused.value.problems == [
        "Nom d'usage manquant : saisissez-le tel qu'il figure sur une pièce d'identité.",
        "Prénom invalide : « Jean 2 ». Lettres seulement, avec espaces, tirets ou apostrophes "
        "(pas de chiffres ni d'autres signes).",
        "Sexe manquant : choisissez Femme ou Homme.",
        "Date de naissance dans le futur (01/01/2027) : vérifiez-la.",
        "Unité inconnue : « NOWHERE » n'est pas une unité de l'instantané actif. Choisissez-la "
        "dans la liste.",
    ]
    with pytest.raises(InvalidEntry, match=r"invraisemblable \(31/12/1899, avant 1900\)"):
        create_local_patient(active, pharmacist, new(born=date(1899, 12, 31)), today=TODAY)
    with pytest.raises(InvalidEntry, match="Date de naissance manquante"):
        create_local_patient(active, pharmacist, new(born=None), today=TODAY)
    assert active.cursor().execute("SELECT count(*) FROM local_patients").fetchone() == (0,)


def test_roles_and_snapshot_needed(store, tmp_path: Path) -> None:
    pharmacist = create_account(store, "pharmacist")
    with pytest.raises(NoActiveSnapshot):
        create_local_patient(store, pharmacist, new(), today=TODAY)
    activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    for role in ("nurse", "preparer", "buyer", "admin"):
        with pytest.raises(PermissionDenied):
            create_local_patient(store, create_account(store, role), new(), today=TODAY)
    prescriber = create_account(store, "prescriber")
    assert create_local_patient(store, prescriber, new(), today=TODAY).patient_id == "SEC000001"


def test_typed_numbers_and_dates() -> None:
    assert parse_decimal("62,5") == parse_decimal(" 62.5 ") == 62.5
    assert parse_decimal("1 250") == 1250.0
    assert parse_decimal("").startswith("Valeur manquante")
    assert parse_decimal("62,5 kg").startswith("Valeur non reconnue : « 62,5 kg ».")
    assert parse_decimal("1.250,5").startswith("Valeur ambiguë")
    assert parse_day("14/03/1958", "Date") == parse_day("1958-03-14", "Date") == HELENE_BORN
    assert parse_day("31/02/2020", "Date de la mesure") == (
        "Date de la mesure impossible : « 31/02/2020 » n'existe pas au calendrier."
    )
    assert parse_day("14/03/58", "Date").startswith("Date non reconnue : « 14/03/58 ».")
    assert levenshtein("dupont", "dupond") == 1 and levenshtein("", "abc") == 3


def test_first_names_typed_in_one_case_are_written_as_in_the_snapshot(active, pharmacist) -> None:
    created = create_local_patient(
        active, pharmacist, new("  le   Goff ", "JEAN-PIERRE", sex="M"), today=TODAY
    )
    assert (created.last_name, created.first_name) == ("le Goff", "Jean-Pierre")
    other = create_local_patient(active, pharmacist, new("Aaron", "marie-ève"), today=TODAY)
    assert other.first_name == "Marie-Ève"
    kept = create_local_patient(active, pharmacist, new("Abel", "McKenzie"), today=TODAY)
    assert kept.first_name == "McKenzie"


def test_rules_are_pure() -> None:
    code = "import sys, chemo_fallback.patients.rules; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & set(out.stdout.split())
