"""Issue 15, part 1: the package's FHIR R4B Bundle validates with fhir.resources and every
reference resolves inside it; the reconciliation report names a gap in the register; the
command line `chemo-fallback export` writes the package."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from test_i15_export_helpers import everything
from test_i15_export_service import full, template  # noqa: F401  (fixtures)

from chemo_fallback import cli
from chemo_fallback.reintegration import reconciliation
from chemo_fallback.reintegration.reconciliation_document import render
from chemo_fallback.reintegration.service import export_package
from chemo_fallback.store import Store


def references(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def test_the_bundle_validates_and_every_reference_resolves(full) -> None:  # noqa: F811
    store, admin, tmp = full
    result = export_package(store, admin, tmp / "out")
    data = json.loads((result.out_dir / "fhir" / "bundle.json").read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)  # raises on an invalid resource
    assert bundle.type == "collection"
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(urls) == len(set(urls)) and all(u.startswith("urn:uuid:") for u in urls)
    unresolved = [r for e in data["entry"] for r in references(e["resource"]) if r not in urls]
    assert unresolved == []
    kinds = {}
    for entry in data["entry"]:
        kinds.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert set(kinds) == {"Patient", "Medication", "MedicationRequest", "MedicationDispense",
                          "MedicationAdministration"}
    lines = store.cursor().execute("SELECT count(*) FROM rx_lines").fetchone()[0]
    assert len(kinds["MedicationRequest"]) == lines
    assert len(kinds["MedicationDispense"]) == result.counts["dispensations.csv"]
    assert len(kinds["MedicationAdministration"]) == result.counts["administrations.csv"]
    statuses = sorted(r["status"] for r in kinds["MedicationAdministration"])
    assert statuses == ["completed", "not-done", "stopped", "stopped"]
    ids = {r["identifier"][0]["value"] for r in kinds["Patient"]}
    assert {"SEC000001", "IPP10002366", "IPP10000740"} <= ids
    corrected = [r for r in kinds["MedicationRequest"]
                 if r["groupIdentifier"]["value"] == "PS000002-2"]
    assert corrected and all("priorPrescription" in r for r in corrected)


def test_a_since_last_bundle_still_resolves_what_it_refers_to(full) -> None:  # noqa: F811
    store, admin, tmp = full
    export_package(store, admin, tmp / "first")
    from chemo_fallback.auth import accounts
    from chemo_fallback.modules.administration import recording
    from chemo_fallback.modules.administration.models import Outcome, RecordRequest

    nurse = accounts.find_user(store, "nurse")
    line_id = store.cursor().execute(
        "SELECT line_id FROM adm_records WHERE outcome = 'not_given'").fetchone()[0]
    recording.record(store, nurse, RecordRequest(
        line_id=line_id, outcome=Outcome.NOT_GIVEN, reason="patient parti", replaces_id=4,
        correction_reason="heure corrigée"), now=datetime.now())
    later = export_package(store, admin, tmp / "second", since_last=True)
    data = json.loads((later.out_dir / "fhir" / "bundle.json").read_text(encoding="utf-8"))
    urls = {e["fullUrl"] for e in data["entry"]}
    assert [r for e in data["entry"] for r in references(e["resource"]) if r not in urls] == []
    given = [e["resource"] for e in data["entry"]
             if e["resource"]["resourceType"] == "MedicationAdministration"]
    assert len(given) == 1 and later.counts["administrations.csv"] == 1
    assert {e["resource"]["resourceType"] for e in data["entry"]} == {
        "Patient", "Medication", "MedicationRequest", "MedicationAdministration"}


def test_a_gap_in_the_register_is_named_in_the_report() -> None:
    report = reconciliation.Report(
        since=None, until=datetime(2026, 11, 23, 18), counts=[],
        numbering=reconciliation.Register(
            history_last=250444, first=250445, last=250448, period_first=250445,
            period_last=250448, period_count=3, missing=[250446], duplicates=[]),
        open_items=[], audit_records=12, audit_last_hash="ab" * 32, anchor_id=12,
        anchor_hash="ab" * 32, anchor_agrees=True)
    assert report.problems == ["numéros manquants dans l'ordonnancier : 250446"]
    assert "register_missing,250446" in reconciliation.csv_text(report)
    pdf = render(report)
    assert pdf == render(report)  # invariant: the same report, the same bytes
    text = _pdf_text(pdf)
    assert "NUMÉROS MANQUANTS" in text and "250446" in text


def _pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def test_the_command_line_writes_the_package(tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "data"
    store = Store.open(data_dir)
    try:
        everything(store)
    finally:
        store.close()
    out = tmp_path / "paquet"
    code = cli.main(["export", "--data-dir", str(data_dir), "--out", str(out),
                     "--separator", ";"])
    printed = capsys.readouterr().out
    assert code == 0 and "Export n° 1" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["separator"] == ";" and manifest["exported_by"].startswith("cli:")
    assert (out / "fhir" / "bundle.json").is_file()
    assert (out / "rapprochement" / "rapprochement.pdf").read_bytes().startswith(b"%PDF")
    again = cli.main(["export", "--data-dir", str(data_dir), "--out", str(tmp_path / "p2"),
                      "--since-last"])
    assert again == 0
    refused = cli.main(["export", "--data-dir", str(data_dir), "--out", str(out)])
    assert refused == 1 and "n'est pas vide" in capsys.readouterr().err
