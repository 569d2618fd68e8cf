"""For the documents/export tests of issue 14: the text of a PDF, and a copy of the demo
snapshot whose referencing holds a formula as a supplier reference and a missing price."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from prescription_helpers import DEMO_SNAPSHOT, TODAY

from chemo_fallback.snapshot.activation import activate_snapshot

FORMULA_REF = '=HYPERLINK("http://example.invalid","x")'


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def activate_tricky_demo(store, tmp_path: Path, *, formula_for: tuple[str, str] | None = None,
                         no_price_for: tuple[str, str] | None = None) -> None:
    """The demo's data, not marked demo (no watermark across the text pdftotext reads), with
    `formula_for` (supplier, product)'s reference set to a formula and `no_price_for`'s unit
    price left empty."""
    folder = tmp_path / "tricky-demo"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    path = folder / "supplier_products.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        pair = (row["supplier_id"], row["product_id"])
        if pair == formula_for:
            row["supplier_ref"] = FORMULA_REF
        if pair == no_price_for:
            row["unit_price"] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["demo"] = False
    manifest["tables"]["supplier_products"]["sha256"] = hashlib.sha256(
        path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    # the demo is exported on TODAY already: nothing to re-anchor (refused on a real snapshot)
    assert json.loads((DEMO_SNAPSHOT / "manifest.json").read_text())["exported_at"].startswith(
        TODAY.isoformat())
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.to_text()
