"""Issue 15, part 1: docs/reintegration-format.md describes every file of the package, with
its key and its columns in the order the files write them."""

from __future__ import annotations

from pathlib import Path

from chemo_fallback.reintegration.collect import RECORD_TYPES

DOC = Path(__file__).parent.parent / "docs" / "reintegration-format.md"


def test_every_csv_file_is_documented_with_its_columns_in_order() -> None:
    rows = {line.split("|")[1].strip(" `"): line for line in DOC.read_text().splitlines()
            if line.startswith("| `") and ".csv` |" in line.split("|")[1] + "|"}
    for rt in RECORD_TYPES:
        line = rows.get(rt.file)
        assert line is not None, f"{rt.file} missing from {DOC.name}"
        documented = [c.strip(" `") for c in line.split("|")[5].split(",")]
        assert documented == list(rt.columns), rt.file
