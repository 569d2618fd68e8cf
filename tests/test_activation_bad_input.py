"""Bad exports: each is refused with a French message, or its bad rows rejected with file, line
and column, and the previously active snapshot stays in use."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from factory import ROWS, csv_text, edit_manifest, rewrite_table, write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits

LENIENT = Limits(max_reject_ratio=1.0)  # to look at row rejects without the table refusal


def _patients_with(*changes: dict) -> bytes:
    rows = [dict(r) for r in ROWS["patients"]]
    for row, change in zip(rows, changes, strict=False):
        row.update(change)
    return csv_text("patients", rows).encode("utf-8")


def _rejects(report, table: str) -> list[tuple]:
    entry = next(t for t in report.tables if t.table == table)
    return [(r.file, r.line, r.column, r.reason) for r in entry.rejects]


@pytest.fixture
def previous(store, tmp_path: Path):
    """An already active snapshot, which every refusal must leave in place."""
    report = activate_snapshot(store, write_snapshot(tmp_path / "previous"))
    assert report.status == "activated"
    return report.snapshot_id


def _assert_previous_kept(store, previous_id: str, report) -> None:
    assert report.status == "refused"
    assert report.errors and all(isinstance(e, str) and e for e in report.errors)
    assert store.active_snapshot().snapshot_id == previous_id
    assert store.cursor().execute("SELECT count(*) FROM ref.patients").fetchone() == (3,)
    assert len(list(store.reference_dir.glob("*"))) == 1
    last = store.activations(1)[0]
    assert last[1] == "refused"
    assert json.loads(last[5])["errors"] == report.errors


def test_missing_table(store, previous, snapshot_dir: Path) -> None:
    edit_manifest(snapshot_dir, lambda m: m["tables"].pop("stock_lots"))
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "Table « stock par lot » (stock_lots) absente du manifeste" in report.errors[0]


def test_missing_file(store, previous, snapshot_dir: Path) -> None:
    (snapshot_dir / "suppliers.csv").unlink()
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "suppliers.csv (table « fournisseurs ») est absent" in report.errors[0]


def test_all_file_problems_are_reported_at_once(store, previous, snapshot_dir: Path) -> None:
    (snapshot_dir / "suppliers.csv").unlink()
    edit_manifest(snapshot_dir, lambda m: m["tables"].pop("stock_lots"))
    (snapshot_dir / "wards.csv").write_bytes(b"ward_id,name\nX,Y\n")
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert len(report.errors) == 3


def test_missing_column(store, previous, snapshot_dir: Path) -> None:
    text = csv_text("patients", ROWS["patients"]).replace("birth_date", "naissance")
    rewrite_table(snapshot_dir, "patients", text.encode())
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "patients.csv : colonne(s) obligatoire(s) absente(s) : birth_date" in report.errors[0]


def test_wrong_checksum(store, previous, snapshot_dir: Path) -> None:
    path = snapshot_dir / "patients.csv"
    path.write_bytes(path.read_bytes().replace(b"62.5", b"26.5"))
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "patients.csv : l'empreinte SHA-256 ne correspond pas au manifeste" in report.errors[0]


def test_truncated_file_with_its_checksum_refreshed(store, previous, snapshot_dir: Path) -> None:
    content = (snapshot_dir / "lab_results.csv").read_bytes()
    rewrite_table(snapshot_dir, "lab_results", content[: content.rindex(b"\n", 0, -1) + 1])
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "le manifeste annonce 2 ligne(s), le fichier en contient 1" in report.errors[0]


def test_file_cut_in_the_middle_of_a_line(store, previous, snapshot_dir: Path) -> None:
    content = (snapshot_dir / "patients.csv").read_bytes()
    rewrite_table(snapshot_dir, "patients", content[: len(content) - 30])
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "patients.csv : 1 ligne(s) rejetée(s) sur 3 (plus de 1 %)" in report.errors[0]
    assert ("patients.csv", 4, None, "ligne incomplète : il manque des colonnes (fichier "
            "tronqué ?)") in _rejects(report, "patients")


def test_wrong_encoding_declared(store, previous, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "fr", "csv-fr")
    edit_manifest(folder, lambda m: m["tables"]["patients"].update(encoding="utf-8"))
    report = activate_snapshot(store, folder)
    _assert_previous_kept(store, previous, report)
    assert "patients.csv n'est pas en UTF-8 comme annoncé" in report.errors[0]
    assert "ligne 2" in report.errors[0]


def test_bytes_invalid_in_both_encodings(store, previous, snapshot_dir: Path) -> None:
    content = (snapshot_dir / "wards.csv").read_bytes().replace(b"HDJ", b"H\x81\xffJ")
    rewrite_table(snapshot_dir, "wards", content)
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "ni en UTF-8 ni en Windows-1252" in report.errors[0]


def test_duplicate_ids_reject_every_copy_and_their_dependants(store, snapshot_dir: Path) -> None:
    content = _patients_with({}, {"patient_id": "IPP00000001"})
    rewrite_table(snapshot_dir, "patients", content)
    report = activate_snapshot(store, snapshot_dir, limits=LENIENT)
    assert report.status == "activated"
    rejects = _rejects(report, "patients")
    assert [(r[1], r[2]) for r in rejects] == [(2, "patient_id"), (3, "patient_id")]
    assert "IPP en double" in rejects[0][3]
    # The patient's prescriptions, their lines and preparation and labs are orphans now.
    orphan = _rejects(report, "prescriptions")
    assert [(r[1], r[2]) for r in orphan] == [(2, "patient_id"), (3, "patient_id")]
    assert "inconnu(e) dans la table patients" in orphan[0][3]
    assert [r[1] for r in _rejects(report, "prescription_lines")] == [2, 3]
    assert [r[1] for r in _rejects(report, "preparations")] == [2]
    cur = store.cursor()
    assert cur.execute("SELECT count(*) FROM ref.patients").fetchone() == (1,)
    for t in report.tables:
        assert t.reconciled, t.table


def test_duplicate_ids_refuse_the_table_under_the_default_ratio(
    store, previous, snapshot_dir: Path
) -> None:
    rewrite_table(snapshot_dir, "patients", _patients_with({}, {"patient_id": "IPP00000001"}))
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "patients.csv : 2 ligne(s) rejetée(s) sur 3 (plus de 1 %)" in report.errors[0]


def test_orphan_reference(store, snapshot_dir: Path) -> None:
    lines = [dict(r) for r in ROWS["protocol_lines"]]
    lines[1]["drug_id"] = "INCONNU"
    rewrite_table(snapshot_dir, "protocol_lines", csv_text("protocol_lines", lines).encode())
    report = activate_snapshot(store, snapshot_dir, limits=LENIENT)
    assert _rejects(report, "protocol_lines") == [
        ("protocol_lines.csv", 3, "drug_id",
         "code médicament inconnu(e) dans la table drugs (absent(e) ou rejeté(e))"),
    ]


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"weight_kg": -62}, "weight_kg", "poids invraisemblable (attendu entre 0,5 et 350 kg)"),
        ({"weight_kg": 720}, "weight_kg", "poids invraisemblable (attendu entre 0,5 et 350 kg)"),
        ({"height_cm": 16.5}, "height_cm", "taille invraisemblable (attendu entre 30 et 250 cm)"),
        ({"birth_date": "1850-01-01"}, "birth_date", "date de naissance invraisemblable"),
        ({"birth_date": "2030-01-01"}, "birth_date", "date de naissance invraisemblable"),
        ({"sex": "X"}, "sex", "sexe : code non reconnu (attendus : F, M"),
        ({"last_name": None}, "last_name", "nom d'usage manquant(e) : valeur obligatoire"),
    ],
)
def test_implausible_values_reject_the_row(store, snapshot_dir, change, column, reason) -> None:
    rewrite_table(snapshot_dir, "patients", _patients_with({}, change))
    report = activate_snapshot(store, snapshot_dir, limits=LENIENT)
    assert report.status == "activated"
    rejects = _rejects(report, "patients")
    assert [(r[0], r[1], r[2]) for r in rejects] == [("patients.csv", 3, column)]
    assert rejects[0][3].startswith(reason)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("14/03/1958", "date de naissance : date attendue au format AAAA-MM-JJ"),
        ("1958-02-30", "date de naissance : date attendue au format AAAA-MM-JJ"),
        ("hier", "date de naissance : date attendue au format AAAA-MM-JJ"),
    ],
)
def test_unparseable_dates(store, snapshot_dir: Path, value: str, reason: str) -> None:
    rewrite_table(snapshot_dir, "patients", _patients_with({}, {}, {"birth_date": value}))
    report = activate_snapshot(store, snapshot_dir, limits=LENIENT)
    assert _rejects(report, "patients") == [("patients.csv", 4, "birth_date", reason)]


def test_line_numbers_stay_exact_after_a_rejected_line(store, snapshot_dir: Path) -> None:
    # Line 2 fails on reading (not a number), line 4 fails the plausibility check later:
    # the second must still be reported on line 4 of the file.
    rewrite_table(
        snapshot_dir, "patients", _patients_with({"weight_kg": "lourd"}, {}, {"weight_kg": 900})
    )
    report = activate_snapshot(store, snapshot_dir, limits=LENIENT)
    assert [(r[1], r[2]) for r in _rejects(report, "patients")] == [
        (2, "weight_kg"), (4, "weight_kg")
    ]
    assert _rejects(report, "patients")[0][3] == (
        "poids : nombre attendu (séparateur décimal : point)"
    )


def test_french_decimal_expected(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "fr", "csv-fr")
    content = (folder / "patients.csv").read_bytes().replace(b"62,5", b"62.5")
    rewrite_table(folder, "patients", content)
    report = activate_snapshot(store, folder, limits=LENIENT)
    [(file, line, column, reason)] = _rejects(report, "patients")
    assert (file, line, column) == ("patients.csv", 2, "weight_kg")
    assert reason == "poids : nombre attendu (séparateur décimal : virgule)"


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n"])
def test_empty_file(store, previous, snapshot_dir: Path, content: bytes) -> None:
    rewrite_table(snapshot_dir, "drugs", content)
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "drugs.csv est vide" in report.errors[0]


def test_header_only_for_an_indispensable_table(store, previous, snapshot_dir: Path) -> None:
    rewrite_table(snapshot_dir, "drugs", csv_text("drugs", []).encode(), rows=0)
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert any("aucune ligne chargée pour « médicaments (DCI) »" in e for e in report.errors)


def test_header_only_for_an_optional_table_is_fine(store, snapshot_dir: Path) -> None:
    rewrite_table(snapshot_dir, "stock_lots", csv_text("stock_lots", []).encode(), rows=0)
    assert activate_snapshot(store, snapshot_dir).status == "activated"


def _zip(folder: Path, target: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, f"export/{path.name}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


def test_zip_snapshot_loads(store, snapshot_dir: Path, tmp_path: Path) -> None:
    report = activate_snapshot(store, _zip(snapshot_dir, tmp_path / "export.zip"))
    assert report.status == "activated"
    assert not list(store.work_dir.glob("*"))  # scratch space removed


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil.csv", "export/../../evil.csv"])
def test_zip_with_a_path_escaping_its_folder(store, previous, snapshot_dir, tmp_path, name) -> None:
    archive = _zip(snapshot_dir, tmp_path / "evil.zip", {name: b"x"})
    report = activate_snapshot(store, archive)
    _assert_previous_kept(store, previous, report)
    assert "un chemin qui sort de son dossier" in report.errors[0]
    assert not (tmp_path / "evil.csv").exists()


def test_manifest_pointing_outside_the_folder(store, previous, snapshot_dir: Path) -> None:
    edit_manifest(snapshot_dir, lambda m: m["tables"]["wards"].update(file="../../etc/passwd"))
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert "hors du dossier de l'instantané" in report.errors[0]


def test_huge_file_over_the_size_cap(store, previous, snapshot_dir: Path) -> None:
    report = activate_snapshot(store, snapshot_dir, limits=Limits(max_file_bytes=300))
    _assert_previous_kept(store, previous, report)
    assert "au-delà de la limite de 300 o" in report.errors[0]


def test_zip_over_the_size_cap_is_refused_before_extraction(
    store, previous, snapshot_dir: Path, tmp_path: Path
) -> None:
    archive = _zip(snapshot_dir, tmp_path / "big.zip", {"export/padding.bin": b"0" * 5000})
    report = activate_snapshot(store, archive, limits=Limits(max_file_bytes=4000))
    _assert_previous_kept(store, previous, report)
    assert "padding.bin fait" in report.errors[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "manifest.json est absent"),
        (b"{not json", "manifest.json est illisible"),
        (b'{"format_version": 1}', "manifest.json est incomplet ou invalide"),
    ],
)
def test_bad_manifest(store, previous, snapshot_dir: Path, content, message: str) -> None:
    if content is None:
        (snapshot_dir / "manifest.json").unlink()
    else:
        (snapshot_dir / "manifest.json").write_bytes(content)
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert message in report.errors[0]


def test_not_a_snapshot_at_all(store, previous, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("bonjour")
    report = activate_snapshot(store, tmp_path / "notes.txt")
    _assert_previous_kept(store, previous, report)
    assert "ni un dossier d'instantané ni une archive .zip" in report.errors[0]


@pytest.mark.parametrize("content", [b"\rI", b"ward_id,name\rHDJ,Onco\r", b'"ward_id\n'])
def test_odd_line_breaks_or_quotes_in_the_header(store, previous, snapshot_dir, content) -> None:
    # Found by the property test: a lone carriage return in the header raised a traceback.
    rewrite_table(snapshot_dir, "wards", content)
    report = activate_snapshot(store, snapshot_dir)
    _assert_previous_kept(store, previous, report)
    assert report.errors[0].startswith(("wards.csv", "La ligne d'en-tête de wards.csv"))
