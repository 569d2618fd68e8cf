"""Vial scanning: every refusal code of modules/fabrication/scanning.py is documented in
docs/clinical-rules.md (the same source scan as test_clinical_rules_doc, which does not read
modules/fabrication yet), and the module stays pure (no database, no UI, no PDF)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from test_clinical_rules_doc import DOC, _constants, codes_in

SCANNING = Path(__file__).parent.parent / "modules" / "fabrication" / "scanning.py"
EXPECTED = {
    "vial_code_unreadable", "vial_code_linear", "vial_code_ambiguous", "vial_gtin_missing",
    "vial_gtin_invalid", "vial_lot_missing", "vial_expected_gtin_unknown", "vial_wrong_product",
    "vial_expiry_unknown", "vial_expired", "vial_expires_before_preparation",
    "vial_serial_reused", "lot_expiry_conflict",
}


def _scanning_codes() -> set[str]:
    tree = ast.parse(SCANNING.read_text(encoding="utf-8"))
    return codes_in(tree, _constants([tree]))


def test_the_scan_finds_every_scanning_code() -> None:
    assert _scanning_codes() == EXPECTED


def test_every_scanning_code_is_documented_in_its_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Scan des flacons", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z]+(?:_[a-z0-9]+)*)`", section))
    assert not _scanning_codes() - documented


def test_scanning_imports_no_database_nor_ui() -> None:
    code = ("import sys; import chemo_fallback.modules.fabrication.scanning; "
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "biip" in loaded
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & loaded
