"""Every function that writes to the store writes an audit record in the same transaction.

The write functions are found by reading the source (any function holding an INSERT, UPDATE
or DELETE statement, or opening a store transaction); each must have a scenario below that
exercises it and shows the audit trail growing by a valid record. A new write function without
a scenario fails this test.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from factory import edit_manifest, write_snapshot
from web_helpers import PASSWORD, create_account

from chemo_fallback import audit, row_seals
from chemo_fallback.auth import accounts
from chemo_fallback.auth.signature import Meaning, record_signature
from chemo_fallback.snapshot.activation import activate_snapshot

ROOT = Path(__file__).parent.parent
WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)

# Writes that are not state changes of the fallback's records, and why.
NOT_RECORDS = {
    "chemo_fallback/audit.py:record": "the audit trail itself",
    "chemo_fallback/store/migrate.py:apply_pending": "schema migrations",
    "chemo_fallback/snapshot/readers.py:_load_csv": "builds the new reference database",
    "chemo_fallback/snapshot/readers.py:_load_parquet": "builds the new reference database",
    "chemo_fallback/snapshot/integrity.py:check_table": "builds the new reference database",
    "chemo_fallback/snapshot/integrity.py:keep_rejected_keys": "builds the new reference database",
    "chemo_fallback/snapshot/readers.py:_keep_unread_csv_rows": "builds the new reference database",
    "chemo_fallback/snapshot/readers.py:_insert_unread": "builds the new reference database",
    "chemo_fallback/snapshot/activation.py:_shift_dates": "builds the new reference database",
    "chemo_fallback/store/rows.py:insert": "the generic writer; each caller has its scenario",
    "chemo_fallback/store/rows.py:update": "the generic writer; each caller has its scenario",
    "chemo_fallback/audit.py:attach_rows": "seals the rows into the transaction's own record",
    "chemo_fallback/row_seals.py:seal": "seals the rows into the transaction's own record",
    "chemo_fallback/row_seals.py:start": "rebuilds the seal cache from the trail",
    "chemo_fallback/store/database.py:_record_unanchored": (
        "audited as audit.unanchored (tests/test_i11_row_seals.py)"
    ),
    "chemo_fallback/store/database.py:_start_seals": (
        "audited as store.migrated (tests/test_i11_row_seals.py)"
    ),
    "chemo_fallback/request_keys.py:remember": (
        "part of a create's transaction, whose own audit record that create writes"
    ),
}


def write_functions() -> set[str]:
    found = set()
    for folder in ("chemo_fallback", "modules"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                texts = [
                    n.value
                    for n in ast.walk(node)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                opens = any(
                    isinstance(n, ast.Attribute) and n.attr == "transaction" for n in ast.walk(node)
                ) or any(  # the generic writer of chemo_fallback/store/rows.py
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id in ("insert", "update") for n in ast.walk(node)
                )
                if node.name != "transaction" and (opens or any(WRITE_SQL.match(t) for t in texts)):
                    found.add(f"{path.relative_to(ROOT).as_posix()}:{node.name}")
    return found


def _activation(store, tmp_path):
    activate_snapshot(store, write_snapshot(tmp_path / "ok"))


def _refused_activation(store, tmp_path):
    bad = write_snapshot(tmp_path / "bad")
    edit_manifest(bad, lambda m: m["tables"].pop("drugs"))
    activate_snapshot(store, bad)


def _login(store, tmp_path):
    accounts.authenticate(store, "pharmacist", PASSWORD)


def _unlock(store, tmp_path):
    accounts.unlock(store, audit.command_line_actor(), "pharmacist")


def _deactivate(store, tmp_path):
    accounts.set_active(store, audit.command_line_actor(), "pharmacist", False, "départ")


def _create_user(store, tmp_path):
    create_account(store, "nurse")


def _signature(store, tmp_path):
    user = accounts.find_user(store, "pharmacist")
    with store.transaction() as cur:
        record_signature(cur, user, Meaning.VALIDATED, "prescription", "RX1")


SCENARIOS = {
    "chemo_fallback/store/database.py:switch_to": _activation,
    "chemo_fallback/store/database.py:_insert_activation": _activation,
    "chemo_fallback/store/database.py:record_refused": _refused_activation,
    "chemo_fallback/auth/accounts.py:create_user": _create_user,
    "chemo_fallback/auth/accounts.py:check_password": _login,
    "chemo_fallback/auth/accounts.py:unlock": _unlock,
    "chemo_fallback/auth/accounts.py:set_active": _deactivate,
    "chemo_fallback/auth/signature.py:record_signature": _signature,
}
# Each area keeps its scenarios in tests/audit_scenarios_<area>.py (a SCENARIOS dict, same shape).
for _path in sorted(Path(__file__).parent.glob("audit_scenarios_*.py")):
    SCENARIOS.update(importlib.import_module(_path.stem).SCENARIOS)


def test_every_write_function_has_an_audit_scenario() -> None:
    found = write_functions()
    assert found - set(NOT_RECORDS) == set(SCENARIOS), (
        "write functions without an audit scenario here: "
        f"{sorted(found - set(NOT_RECORDS) - set(SCENARIOS))}; scenarios for nothing: "
        f"{sorted(set(SCENARIOS) - found)}"
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_write_appends_a_valid_audit_record(store, tmp_path, name: str) -> None:
    create_account(store, "pharmacist")
    before = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    SCENARIOS[name](store, tmp_path)
    after = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert after > before
    assert audit.verify(store.cursor()).ok
    # every row the write changed is sealed in the trail: the tables still match it
    assert row_seals.check(store.cursor()).ok, row_seals.check(store.cursor()).message()
