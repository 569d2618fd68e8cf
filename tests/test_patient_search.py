"""Patient search and patient record services, on a temporary store with a small snapshot."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from factory import ROWS, write_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.patients.models import (
    NO_SNAPSHOT,
    NoActiveSnapshot,
    PatientNotFound,
    status_label,
)
from chemo_fallback.patients.query import (
    SQL_SEARCH_KEY_MACRO,
    PatientQuery,
    QueryProblem,
    normalize,
    parse_query,
    search_sql,
)
from chemo_fallback.patients.record import load_patient_record, mosteller_bsa_m2
from chemo_fallback.patients.search import search_patients
from chemo_fallback.snapshot.activation import activate_snapshot

TODAY = date(2026, 11, 20)


def _patient(patient_id: str, last: str, first: str, born: str, **more) -> dict:
    return {
        "patient_id": patient_id,
        "last_name": last,
        "first_name": first,
        "sex": "F",
        "birth_date": born,
        "ward_id": "HEMATO",
        **more,
    }


def snapshot_rows(extra_martins: int = 0) -> dict:
    """The factory's snapshot, with homonyms, compound names and a cancelled old cycle."""
    rows = copy.deepcopy(ROWS)
    rows["patients"] += [
        _patient("IPP000000012", "Abadie", "Jeanne", "1980-01-02"),
        _patient("IPP00000004", "Dupont", "Marc", "1961-05-06", sex="M"),
        _patient("IPP00000005", "Le Goff", "Jean-Pierre", "1955-09-10", sex="M"),
        _patient("IPP00000006", "N'Diaye", "Aïssatou", "1990-02-03"),
        _patient("IPP00000007", "Martin", "Chloé", "1975-04-05"),
        _patient("AB/12", "Vidal", "Rose", "1948-08-08"),  # IDs may hold a slash
        *(
            _patient(f"M{i:04d}", "Martin", f"Prénom{i:02d}", "1970-01-01")
            for i in range(extra_martins)
        ),
    ]
    rows["prescriptions"][0]["bsa_m2"] = None  # computed by Mosteller on the record
    rows["prescriptions"].append(
        {
            **rows["prescriptions"][0],
            "prescription_id": "RX0",
            "cycle_no": 1,
            "cycle_start_date": "2026-10-26",
            "status": "cancelled",
            "prescribed_at": "2026-10-20 09:00:00",
            "weight_kg": 64.0,
            "bsa_m2": 1.71,
        }
    )
    return rows


@pytest.fixture
def active(store, tmp_path: Path):
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=snapshot_rows(60)))
    return store


def ids(store, text: str, **kwargs) -> list[str]:
    outcome = search_patients(store, "nurse", text, today=TODAY, **kwargs)
    assert outcome.kind != "invalid", outcome.message
    return [h.patient_id for h in outcome.hits]


def test_names_ignore_accents_and_case(active) -> None:
    assert ids(active, "BEZIER") == ["IPP00000003"]
    assert ids(active, "bézier") == ids(active, "Bezier") == ids(active, "zoe") == ["IPP00000003"]
    assert ids(active, "HÉLÈNE") == ["IPP00000001"]


def test_every_word_must_match_a_name_prefix(active) -> None:
    assert ids(active, "helene dupont") == ["IPP00000001"]
    assert ids(active, "Dupont Hélène") == ["IPP00000001"]
    assert ids(active, "dup") == ["IPP00000001", "IPP00000004"]  # Dupont Hélène, Dupont Marc
    assert ids(active, "dupont h") == ["IPP00000001"]  # an initial helps once a name is typed
    assert ids(active, "dupont marc") == ["IPP00000004"]
    assert ids(active, "dupont zoe") == []


def test_birth_name_and_compound_names(active) -> None:
    martins = ids(active, "martin chloe")
    assert martins == ["IPP00000007"]
    assert "IPP00000001" in ids(active, "martin helene")  # née Martin
    for typed in ("le goff", "goff", "legoff", "jean-pierre", "jean pierre", "jeanpierre"):
        assert ids(active, typed) == ["IPP00000005"], typed
    assert ids(active, "N'Diaye") == ids(active, "ndiaye") == ["IPP00000006"]
    assert ids(active, "aissatou") == ["IPP00000006"]


def test_usual_name_ranks_before_birth_name_then_first_names(active) -> None:
    hits = search_patients(active, "nurse", "martin", today=TODAY, limit=100).hits
    assert [h.last_name for h in hits[:-1]] == ["Martin"] * 61
    assert hits[-1].patient_id == "IPP00000001"  # Dupont, née Martin, last
    assert [h.first_name for h in hits[:2]] == ["Chloé", "Prénom00"]  # alphabetical


def test_birth_date_in_french_or_iso_format(active) -> None:
    for typed in ("14/03/1958", "14.03.1958", "14-03-1958", "1958-03-14", "14/3/1958"):
        assert ids(active, typed) == ["IPP00000001"], typed
    assert ids(active, "dupont 14/03/1958") == ["IPP00000001"]
    assert ids(active, "moreau 14/03/1958") == []
    none = search_patients(active, "nurse", "moreau 14/03/1958", today=TODAY)
    assert none.kind == "none"
    assert none.message.startswith("Aucun patient ne correspond à « moreau 14/03/1958 ».")


def test_ipp_prefix_exact_first_and_any_case(active) -> None:
    assert ids(active, "IPP00000001") == ["IPP00000001", "IPP000000012"]  # Abadie second
    assert ids(active, "ipp0000000") == [  # no exact IPP: by name
        "IPP000000012",
        "IPP00000003",
        "IPP00000001",
        "IPP00000004",
        "IPP00000005",
        "IPP00000007",
        "IPP00000002",
        "IPP00000006",
    ]
    assert ids(active, "m00") == [f"M{i:04d}" for i in range(50)]
    assert ids(active, "ipp00000004 dupont") == ["IPP00000004"]


def test_results_are_capped_with_a_refine_message(active) -> None:
    outcome = search_patients(active, "nurse", "martin", today=TODAY)
    assert outcome.kind == "more" and outcome.more and len(outcome.hits) == 50
    assert outcome.message == (
        "Plus de 50 patients correspondent : seuls les 50 premiers sont affichés. Précisez la "
        "recherche (prénom, date de naissance, IPP)."
    )
    exact = search_patients(active, "nurse", "martin", today=TODAY, limit=62)
    assert exact.kind == "found" and exact.message == "62 patients trouvés."
    assert search_patients(active, "nurse", "bezier", today=TODAY).message == "1 patient trouvé."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Saisissez un IPP, un nom, un prénom ou une date de naissance (JJ/MM/AAAA)."),
        ("   ", "Saisissez un IPP, un nom, un prénom ou une date de naissance (JJ/MM/AAAA)."),
        (
            "a",
            "Recherche trop courte : saisissez au moins 2 lettres du nom ou du prénom, le "
            "début de l'IPP ou une date de naissance (JJ/MM/AAAA).",
        ),
        ("a b", "Recherche trop courte"),
        ("-- ' ;", "Recherche trop courte"),
        ("31/02/2020", "Date impossible : « 31/02/2020 » n'existe pas au calendrier."),
        ("14/03/58", "Année incomplète dans « 14/03/58 » : saisissez l'année sur 4 chiffres"),
        (
            "14/03",
            "Date non reconnue : « 14/03 ». Saisissez la date de naissance au format "
            "JJ/MM/AAAA (par exemple 14/03/1958).",
        ),
        ("01/01/2030", "Date de naissance dans le futur : « 01/01/2030 »."),
        ("01/01/1850", "Date de naissance invraisemblable : « 01/01/1850 » (avant 1900)."),
        ("14/03/1958 15/03/1958", "Une seule date de naissance par recherche."),
        ("IPP1 IPP2", "Un seul IPP par recherche."),
        ("a b c d e f g", "Trop de mots (7) : 6 au plus."),
        ("x" * 121, "Recherche trop longue : 120 caractères au plus."),
    ],
)
def test_bad_input_gets_a_french_message(active, typed: str, message: str) -> None:
    outcome = search_patients(active, "nurse", typed, today=TODAY)
    assert outcome.kind == "invalid" and outcome.hits == []
    assert outcome.message.startswith(message)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_typed_text_is_read_without_raising(text: str) -> None:
    parsed = parse_query(text, TODAY)
    if isinstance(parsed, QueryProblem):
        assert parsed.message
        return
    sql, params = search_sql(parsed, 51)
    assert sql.count("?") == len(params)
    # What was typed reaches the SQL only as parameters: the text depends on the shape only.
    shape = PatientQuery(
        ("x",) * len(parsed.words), parsed.ipp_prefix and "X", parsed.birth_date and TODAY
    )
    assert sql == search_sql(shape, 51)[0]


def test_python_and_sql_normalisation_agree() -> None:
    names = [
        "Bézier",
        "HÉLÈNE",
        "Cœur",
        "Lætitia",
        "N'Diaye",
        "Jean-François",
        "Ç",
        "Anaïs",
        "Noël",
        "Façade  Très",
        "ÆSOP",
        "Öztürk",
        "Nuñez",
        "Ångström",
        "O’Brien",
    ]
    con = duckdb.connect()
    con.execute(SQL_SEARCH_KEY_MACRO)
    for name in names:
        assert con.execute("SELECT search_key(?)", [name]).fetchone()[0] == normalize(name), name
    assert normalize("Jean-François  O'Brien") == "jean francois o brien"


def test_no_active_snapshot_and_roles(store) -> None:
    outcome = search_patients(store, "pharmacist", "dupont", today=TODAY)
    assert (outcome.kind, outcome.message) == ("invalid", NO_SNAPSHOT)
    with pytest.raises(PermissionDenied):
        search_patients(store, "intrus", "dupont")  # an unknown role may do nothing
    with pytest.raises(NoActiveSnapshot):
        load_patient_record(store, "nurse", "IPP00000001")


def test_lookup_table_follows_the_active_snapshot(active, tmp_path: Path) -> None:
    assert ids(active, "moreau") == ["IPP00000002"]
    rows = snapshot_rows()
    rows["patients"][1]["last_name"] = "Morel"
    activate_snapshot(active, write_snapshot(tmp_path / "next", rows=rows))
    assert ids(active, "moreau") == []
    assert ids(active, "morel") == ["IPP00000002"]


def test_patient_record(active) -> None:
    record = load_patient_record(active, "nurse", "IPP00000001", today=TODAY)
    who = record.identity
    assert (who.last_name, who.first_name, who.birth_name, who.sex_label) == (
        "Dupont",
        "Hélène",
        "Martin",
        "Femme",
    )
    assert (who.birth_date, who.age_years, who.ward_name) == (
        date(1958, 3, 14),
        68,
        "HDJ Oncologie médicale",
    )
    assert [
        (m.measured_on, m.source, m.weight_kg, m.bsa_m2, m.bsa_computed)
        for m in record.measurements
    ] == [
        (date(2026, 11, 19), "prescription", 62.5, 1.69, False),  # RX2
        (date(2026, 11, 18), "patient", 62.5, 1.69, True),
        (date(2026, 11, 6), "prescription", 62.5, 1.69, True),  # RX1, BSA missing
        (date(2026, 10, 20), "prescription", 64.0, 1.71, False),  # RX0
    ]
    # RX1 (14-day cycle from 09/11) is still going on the 20th; RX2 starts on the 23rd.
    assert [(rx.prescription_id, rx.status_label) for rx in record.current] == [
        ("RX1", "administré"),
        ("RX2", "prévu"),
    ]
    assert [(rx.prescription_id, rx.status_label) for rx in record.history] == [("RX0", "annulé")]
    [line] = record.current[0].lines
    assert (line.drug_inn, line.dose, line.dose_unit, line.status_label) == (
        "oxaliplatine",
        143.6,
        "mg",
        "administré",
    )
    assert [(p.register_no, p.status_label) for p in line.preparations] == [(250001, "administré")]
    assert [(lab.test_code, lab.value, lab.unit) for lab in record.latest_labs] == [
        ("PNN", 2.1, "G/L"),
        ("PLQ", 180.0, "G/L"),
    ]
    later = load_patient_record(active, "nurse", "IPP00000001", today=date(2026, 11, 25))
    assert [rx.prescription_id for rx in later.current] == ["RX2"]
    assert [rx.prescription_id for rx in later.history] == ["RX1", "RX0"]


def test_unknown_patient_and_patient_without_history(active) -> None:
    with pytest.raises(PatientNotFound, match="Patient inconnu : aucun patient n'a l'IPP « X9 »"):
        load_patient_record(active, "nurse", "X9", today=TODAY)
    record = load_patient_record(active, "nurse", "IPP00000003", today=TODAY)
    assert record.current == record.history == record.latest_labs == []
    assert len(record.measurements) == 1
    with pytest.raises(PermissionDenied):
        load_patient_record(active, "intrus", "IPP00000003")


def test_status_labels_and_mosteller() -> None:
    codes = [
        "planned",
        "validated",
        "administered",
        "cancelled",
        "prepared",
        "released",
        "destroyed",
    ]
    assert [status_label(c) for c in codes] == [
        "prévu",
        "validé",
        "administré",
        "annulé",
        "préparé",
        "libéré",
        "détruit",
    ]
    assert status_label("bizarre") == "bizarre" and status_label(None) == "—"
    assert mosteller_bsa_m2(170, 70) == 1.82
    assert mosteller_bsa_m2(None, 70) is None and mosteller_bsa_m2(170, 0) is None


def test_query_reading_is_pure_and_services_import_no_ui() -> None:
    def loaded_by(module: str) -> set[str]:
        code = f"import sys, {module}; print(' '.join(sys.modules))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        return set(out.stdout.split())

    pure = loaded_by("chemo_fallback.patients.query") | loaded_by("chemo_fallback.patients.models")
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & pure
    assert "nicegui" not in loaded_by("chemo_fallback.patients.record")
    assert parse_query("Dupont 14/03/1958 ipp12", TODAY) == PatientQuery(
        ("dupont",), "IPP12", date(1958, 3, 14)
    )
