"""CSV meant to be opened in a spreadsheet: no cell may run as a formula.

A user name typed on the login page (`=HYPERLINK("http://…")`) ends up in the audit trail and
then in its CSV export; Excel or LibreOffice would run it. A text cell starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is prefixed with an apostrophe, which the spreadsheet
shows as text (OWASP's "CSV injection" advice). A number stays a number ("-20,5").
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER = re.compile(r"^[+-]?\d[\d\u00a0\u202f ]*([.,]\d+)?( ?%)?$")


def safe_cell(value: object) -> object:
    """`value` as it may be written to a spreadsheet CSV."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if NUMBER.match(value):
        return value
    return "'" + value


def safe_row(values: list[object]) -> list[object]:
    return [safe_cell(v) for v in values]
