"""docs/clinical-rules.md names every clinical rule code the code can produce: each finding of
the validation, each refusal of the dose engine and of the prescription, lab and measurement
services that carries a code. The codes are found in the source (not in a list to keep in sync):
a `code=` argument (a text, or a module constant holding it), the first argument of an entry
problem or question, a `code = "…"` assignment, or the code given to a shared check helper."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
DOC = ROOT / "docs" / "clinical-rules.md"
SOURCES = [
    *sorted((ROOT / "chemo_fallback" / "dosing").glob("*.py")),
    *sorted((ROOT / "chemo_fallback" / "patients").glob("*.py")),
    *sorted((ROOT / "modules" / "prescription").glob("*.py")),
    *sorted((ROOT / "modules" / "validation").glob("*.py")),
    *sorted((ROOT / "modules" / "fabrication").glob("*.py")),
    *sorted((ROOT / "modules" / "release").glob("*.py")),
    *sorted((ROOT / "modules" / "administration").glob("*.py")),
    *sorted((ROOT / "modules" / "ordering").glob("*.py")),
]
CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)*$")
FIRST_ARG_IS_CODE = {"EntryProblem", "Question", "_low"}
SECOND_ARG_IS_CODE = {"_count_check", "_change"}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _constants(trees: list[ast.Module]) -> dict[str, str]:
    """Module-level NAME = "code" assignments of every source (a code kept as a constant)."""
    found = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                name, text = _name(node.targets[0]), _text(node.value)
                if name and name.isupper() and text:
                    found[name] = text
    return found


def codes_in(tree: ast.Module, constants: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg != "code":
                    continue
                if c := _text(kw.value):
                    found.add(c)
                elif (name := _name(kw.value)) in constants:
                    found.add(constants[name])
            name = _name(node.func)
            if name in FIRST_ARG_IS_CODE and node.args and (c := _text(node.args[0])):
                found.add(c)
            if name in SECOND_ARG_IS_CODE and len(node.args) > 1 and (c := _text(node.args[1])):
                found.add(c)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = _name(node.targets[0])
            if target == "code" and (c := _text(node.value)):
                found.add(c)
    return found


def all_codes() -> set[str]:
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in SOURCES]
    constants = _constants(trees)
    return set().union(*(codes_in(tree, constants) for tree in trees))


def test_the_source_scan_finds_the_rule_codes() -> None:
    # Guards the scan itself: if it finds nothing, the next test would pass for nothing.
    codes = all_codes()
    for known in ("dose_deviation", "labs_anc_low", "never_vinca_route", "bmi_unusual",
                  "dose_bmi_impossible", "lab_correction_invalid", "go_ahead_wrong_day"):
        assert known in codes
    assert len(codes) > 60


def test_every_rule_code_is_documented() -> None:
    documented = set(re.findall(r"`([a-z]+(?:_[a-z0-9]+)*)`", DOC.read_text(encoding="utf-8")))
    missing = sorted(all_codes() - documented)
    assert not missing, f"missing from docs/clinical-rules.md: {missing}"
