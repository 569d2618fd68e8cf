"""Issue 10, item 9: the search does what its help says ("IPP (ou son début)"): the letters of
a local IPP ("SEC", "sec") find the patients created during the outage, and an IPP typed
without its letters ("10002266" for "IPP10002266") finds the patient, its beginning too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot
from test_patient_search import _patient, snapshot_rows
from web_helpers import create_account

from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.models import NewPatient
from chemo_fallback.patients.search import search_patients
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)


@pytest.fixture
def active(store, tmp_path: Path):
    rows = snapshot_rows()
    rows["patients"] += [
        _patient("IPP10002266", "Garnier", "Hamid", "1960-06-01", sex="M"),
        _patient("IPP10002366", "Roux", "Léa", "1962-07-02"),
        _patient("10009999", "Sécher", "Paul", "1950-01-01", sex="M"),  # digits only, "Séch…"
    ]
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=rows))
    return store


@pytest.fixture
def create(active):
    """Creates a local patient (as a pharmacist), returns its IPP."""
    pharmacist = create_account(active, "pharmacist")

    def created(last: str, first: str, born: date) -> str:
        new = NewPatient(last_name=last, first_name=first, sex="F", birth_date=born)
        return create_local_patient(active, pharmacist, new, today=TODAY).patient_id

    return created


def ids(store, typed: str) -> list[str]:
    return [h.patient_id for h in search_patients(store, "nurse", typed, today=TODAY).hits]


def test_the_letters_of_a_local_ipp_find_the_local_patients(active, create) -> None:
    assert ids(active, "SEC") == ["10009999"]  # no local patient yet: the name "Sécher"
    first = create("Aaron", "Zoé", date(1990, 1, 1))
    second = create("Zola", "Anne", date(1991, 2, 2))
    assert (first, second) == ("SEC000001", "SEC000002")
    for typed in ("SEC", "sec", "Sec", "SEC0", "sec00000"):
        assert set(ids(active, typed)) >= {first, second}, typed
    assert ids(active, "SEC000002") == [second]
    assert set(ids(active, "sec")) == {first, second, "10009999"}  # and the name "Sécher"
    assert ids(active, "sec zola") == [second]  # every word must match, IPP or name
    assert ids(active, "sec paul") == ["10009999"]
    assert ids(active, "SEC 02/02/1991") == [second]


def test_an_ipp_without_its_letters_finds_the_patient(active) -> None:
    assert ids(active, "10002266") == ["IPP10002266"]
    assert ids(active, "IPP10002266") == ["IPP10002266"]
    assert ids(active, "ipp10002266") == ["IPP10002266"]
    # the beginning of the digits too, in alphabetical order (Garnier, Roux, Sécher)
    assert ids(active, "1000") == ["IPP10002266", "IPP10002366", "10009999"]
    assert ids(active, "100023") == ["IPP10002366"]
    assert ids(active, "10009999") == ["10009999"]
    # the digits of the other IPPs: "00000001" is IPP00000001 (first) and IPP000000012
    assert ids(active, "00000001") == ["IPP00000001", "IPP000000012"]
    assert ids(active, "12") == ["AB/12"]  # after the letters and the slash
    # letters typed still have to be the IPP's own
    assert ids(active, "IPP1000") == ["IPP10002266", "IPP10002366"]
    assert ids(active, "SEC10002266") == []
    assert ids(active, "2266") == []  # the beginning of the digits, not their end


def test_a_local_patient_is_found_by_its_digits(active, create) -> None:
    first = create("Aaron", "Zoé", date(1990, 1, 1))
    assert ids(active, "000001") == [first]
    assert ids(active, "000001 aaron") == [first]
    assert ids(active, "000001 zola") == []
