"""Issue 15, part 1: the re-integration package on a store holding one of every record type
(test_i15_export_helpers.everything): every type appears, CSV read back with pandas matches
the store, the manifest's counts and SHA-256, two exports of one period identical, the export
changes nothing but its own run, `since_last` holds only what changed, fail-closed refusals."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from prescription_helpers import activate_demo
from test_i15_export_helpers import everything, purchasing
from web_helpers import create_account

from chemo_fallback import row_seals
from chemo_fallback.auth import accounts
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.prescription import notes
from chemo_fallback.reintegration import flat_files
from chemo_fallback.reintegration.collect import RECORD_TYPES
from chemo_fallback.reintegration.flat_files import ExportRefused
from chemo_fallback.reintegration.service import export_package
from chemo_fallback.store import Store


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One store with every record type, built once and copied for each test."""
    data = tmp_path_factory.mktemp("export-template") / "data"
    store = Store.open(data)
    try:
        everything(store)
    finally:
        store.close()
    return data


@pytest.fixture
def full(template, tmp_path: Path):
    shutil.copytree(template, tmp_path / "data")
    store = Store.open(tmp_path / "data")
    yield store, accounts.find_user(store, "admin"), tmp_path
    store.close()


def read(out: Path, name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(out / "csv" / f"{name}.csv", dtype=str, keep_default_na=False, **kwargs)


def business_rows(store) -> dict[str, list]:
    cur = store.cursor()
    return {rt.name: cur.execute(f"SELECT * FROM {rt.source.split()[0]} ORDER BY ALL").fetchall()
            for rt in RECORD_TYPES}


def test_every_record_type_appears_and_reads_back_as_the_store_holds_it(full) -> None:
    store, admin, tmp = full
    result = export_package(store, admin, tmp / "out")
    out = result.out_dir
    empty = [rt.file for rt in RECORD_TYPES if result.counts[rt.file] == 0]
    assert empty == []
    cur = store.cursor()
    for rt in RECORD_TYPES:
        frame = read(out, rt.name)
        assert tuple(frame.columns) == rt.columns, rt.file
        assert len(frame) == result.counts[rt.file]
        keys = cur.execute(f"SELECT t.{rt.key[0]} FROM {rt.source} WHERE {rt.where} "
                           "ORDER BY 1").fetchall()
        assert list(frame[rt.key[0]]) == [str(k[0]) for k in keys], rt.file
    prescriptions = read(out, "prescriptions").set_index("prescription_id")
    for pid, status, created in cur.execute(
            "SELECT prescription_id, status, created_at FROM rx_prescriptions").fetchall():
        assert prescriptions.loc[pid, "status"] == status
        assert prescriptions.loc[pid, "created_at"] == created.replace(microsecond=0).isoformat()
    doses = read(out, "preparations")
    stored = dict(cur.execute("SELECT register_no, dose FROM fab_preparations").fetchall())
    assert {int(n): float(d) for n, d in zip(doses.register_no, doses.dose, strict=True)} == \
        pytest.approx(stored)
    outcomes = set(read(out, "administrations").outcome)
    assert outcomes == {"given", "partial", "not_given", "incident"}
    interventions = read(out, "interventions")
    assert list(interventions.answered_by_prescription_id) == ["PS000002-2"]
    assert read(out, "notes").text[0] == "'=Appeler la famille; merci"  # no formula runs
    assert set(read(out, "receptions").cause) == {"reception"}
    assert set(read(out, "mouvements_stock").cause) == {"discard"}


def test_the_manifest_gives_each_files_rows_and_sha256(full) -> None:
    store, admin, tmp = full
    result = export_package(store, admin, tmp / "out")
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == result.manifest
    names = sorted(p.relative_to(result.out_dir).as_posix()
                   for p in result.out_dir.rglob("*") if p.is_file())
    assert [f["name"] for f in manifest["files"]] == [n for n in names if n != "manifest.json"]
    for entry in manifest["files"]:
        data = (result.out_dir / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        if entry["name"].startswith("csv/"):
            assert data.count(b"\r\n") - 1 == entry["rows"] or b'"' in data
    assert manifest["snapshot"]["snapshot_id"] == store.active_snapshot().snapshot_id
    assert manifest["audit"]["records"] > 0 and manifest["audit"]["anchor"]["agrees"] is True
    assert manifest["audit"]["anchor"]["anchored_id"] == manifest["audit"]["last_id"]
    assert manifest["period"] == {"since": None, "until": manifest["period"]["until"],
                                  "since_last": False, "previous_export": None}
    stored = hashlib.sha256((result.out_dir / "manifest.json").read_bytes()).hexdigest()
    row = store.cursor().execute(
        "SELECT manifest_sha256, out_path FROM exp_runs WHERE run_id = ?",
        [result.run_id]).fetchone()
    assert row == (stored, str(result.out_dir))


def test_two_exports_of_one_period_are_identical_but_for_their_date(full) -> None:
    store, admin, tmp = full
    now = datetime.now().replace(microsecond=0)
    first = export_package(store, admin, tmp / "one", now=now)
    second = export_package(store, admin, tmp / "two", now=now)
    files = sorted(p.relative_to(first.out_dir) for p in first.out_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.out_dir)
                           for p in second.out_dir.rglob("*") if p.is_file())
    for name in files:
        one, two = (first.out_dir / name).read_bytes(), (second.out_dir / name).read_bytes()
        if name.name == "manifest.json":
            one, two = (json.loads(one), json.loads(two))
            one.pop("exported_at"), two.pop("exported_at")
        assert one == two, name


def test_the_export_changes_nothing_but_records_its_run(full) -> None:
    store, admin, tmp = full
    before = business_rows(store)
    audit_before = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    result = export_package(store, admin, tmp / "out")
    assert business_rows(store) == before
    actions = store.cursor().execute(
        "SELECT action, record_type, record_id FROM audit_log WHERE audit_id > ?",
        [audit_before]).fetchall()
    assert actions == [("reintegration.exported", "reintegration_export", str(result.run_id))]
    assert row_seals.check(store.cursor()).ok


def test_since_last_holds_only_what_changed_after_the_previous_export(full) -> None:
    store, admin, tmp = full
    export_package(store, admin, tmp / "first")
    pharmacist = accounts.find_user(store, "pharmacist")
    notes.add_note(store, pharmacist, "IPP10002366", "Rappeler demain")
    later = export_package(store, admin, tmp / "second", since_last=True,
                           now=datetime.now() + timedelta(seconds=1))
    assert {f: n for f, n in later.counts.items() if n} == {"notes.csv": 1}
    assert list(read(later.out_dir, "notes").text) == ["Rappeler demain"]
    period = later.manifest["period"]
    assert period["since_last"] is True and period["previous_export"] == 1
    assert later.report.numbering.ok  # numbers given earlier are not a gap


def test_register_numbers_are_contiguous_and_continue_the_history(full) -> None:
    store, admin, tmp = full
    result = export_package(store, admin, tmp / "out")
    numbers = [int(n) for n in read(result.out_dir, "preparations").register_no]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    reg = result.report.numbering
    assert reg.ok and reg.first == reg.history_last + 1 and reg.last == numbers[-1]
    report = (result.out_dir / "rapprochement" / "rapprochement.csv").read_text()
    assert "register,gap_free,true" in report


def test_windows_1252_refuses_a_character_it_cannot_hold_naming_where(full) -> None:
    store, admin, tmp = full
    with pytest.raises(ExportRefused) as refused:
        export_package(store, admin, tmp / "out", encoding="windows-1252", separator=";")
    message = str(refused.value)
    assert "patients.csv" in message and "ligne 1" in message and "last_name" in message
    assert "Ł" in message and refused.value.code == "export_character_not_encodable"
    assert not (tmp / "out").exists()
    assert store.cursor().execute("SELECT count(*) FROM exp_runs").fetchone()[0] == 0


def test_windows_1252_and_semicolons_read_back(store, tmp_path) -> None:
    activate_demo(store)
    purchasing(store)
    admin = create_account(store, "admin")
    result = export_package(store, admin, tmp_path / "out", encoding="windows-1252",
                            separator=";")
    frame = read(result.out_dir, "mouvements_stock", sep=";", encoding="cp1252")
    assert list(frame.reason) == ["flacon cassé"]
    assert (result.out_dir / "csv" / "mouvements_stock.csv").read_bytes().count(b"\xe9") == 1


def test_refusals_write_nothing(full) -> None:
    store, admin, tmp = full
    with pytest.raises(PermissionDenied):
        export_package(store, accounts.find_user(store, "pharmacist"), tmp / "a")
    (tmp / "busy").mkdir()
    (tmp / "busy" / "x.txt").write_text("x")
    with pytest.raises(ExportRefused, match="n'est pas vide"):
        export_package(store, admin, tmp / "busy")
    with pytest.raises(ExportRefused, match="Aucun export précédent"):
        export_package(store, admin, tmp / "b", since_last=True)
    with pytest.raises(ExportRefused):
        flat_files.check_options("latin-1", ",")
    assert store.cursor().execute("SELECT count(*) FROM exp_runs").fetchone()[0] == 0
