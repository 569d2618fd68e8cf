"""Issue 11: every row of every business table is reproduced by the audit trail. A direct edit
of the store file (a measurement 83,7 → 8,0, a role → admin, a row deleted or added) is named
by `audit verify`; a change without an audit record cannot be committed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from factory import write_snapshot
from web_helpers import create_account

from chemo_fallback import audit, row_seals
from chemo_fallback.auth import accounts
from chemo_fallback.cli import main
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store, migrate
from chemo_fallback.store.database import STORE_FILE

TODAY = date(2026, 11, 20)


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, int]:
    """A store with an account and one weight of 83,7 kg."""
    folder = tmp_path / "data"
    store = Store.open(folder)
    activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    create_account(store, "pharmacist", "mdupont")
    who = accounts.find_user(store, "mdupont")
    weight = record_measurement(store, who, "IPP00000001", "weight", 83.7, TODAY, today=TODAY)
    assert store.rows_check.ok
    assert row_seals.check(store.cursor()).ok
    store.close()
    return folder, weight.measurement_id


def _edit(folder: Path, *sql: str) -> None:
    con = duckdb.connect(str(folder / STORE_FILE))
    for statement in sql:
        con.execute(statement)
    con.close()


def _rows_check(folder: Path) -> row_seals.RowsCheck:
    store = Store.open(folder)
    try:
        return store.rows_check
    finally:
        store.close()


def test_a_measurement_edited_in_the_file_is_named(data, capsys) -> None:
    folder, measurement_id = data
    _edit(folder, f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = "
                  f"{measurement_id}")

    check = _rows_check(folder)
    assert not check.ok
    [problem] = check.problems
    assert (problem.table, problem.key, problem.kind) == (
        "patient_measurements", str(measurement_id), "modified"
    )
    assert problem.audit_id is not None

    assert main(["audit", "verify", "--data-dir", str(folder)]) == 3
    out = capsys.readouterr().out
    assert "ENREGISTREMENTS MODIFIÉS HORS DE L'APPLICATION" in out
    assert f"mesure « {measurement_id} » (table patient_measurements) : modifié" in out


def test_a_role_raised_to_admin_is_named(data, capsys) -> None:
    folder, _ = data
    _edit(folder, "UPDATE users SET role = 'admin' WHERE username = 'mdupont'")

    check = _rows_check(folder)
    assert [(p.table, p.key, p.kind) for p in check.problems] == [("users", "mdupont", "modified")]
    main(["audit", "verify", "--data-dir", str(folder)])
    assert "compte « mdupont »" in capsys.readouterr().out


def test_rows_deleted_or_added_outside_the_app_are_named(data) -> None:
    folder, measurement_id = data
    _edit(
        folder,
        f"DELETE FROM patient_measurements WHERE measurement_id = {measurement_id}",
        "INSERT INTO users (username, display_name, role, password_hash, active, "
        "failed_attempts, created_at) VALUES ('intrus', 'Intrus', 'admin', 'x', true, 0, "
        "now())",
    )
    kinds = {(p.table, p.key): p.kind for p in _rows_check(folder).problems}
    assert kinds == {
        ("patient_measurements", str(measurement_id)): "deleted",
        ("users", "intrus"): "added",
    }


def test_an_altered_row_is_never_sealed_by_later_work(data) -> None:
    """The alarm stays: later legitimate transactions do not adopt the edited row."""
    folder, measurement_id = data
    _edit(folder, f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = "
                  f"{measurement_id}")
    store = Store.open(folder)
    who = accounts.find_user(store, "mdupont")
    record_measurement(store, who, "IPP00000002", "weight", 70, TODAY, today=TODAY)
    assert [p.key for p in row_seals.check(store.cursor()).problems] == [str(measurement_id)]
    store.close()
    assert [p.key for p in _rows_check(folder).problems] == [str(measurement_id)]


def test_the_seal_cache_edited_in_the_file_changes_nothing(data) -> None:
    """`row_seals` is rebuilt from the trail at each start: forging it hides nothing."""
    folder, measurement_id = data
    _edit(
        folder,
        f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = {measurement_id}",
        "DELETE FROM row_seals",
    )
    assert [p.key for p in _rows_check(folder).problems] == [str(measurement_id)]


def test_a_forged_seal_in_the_trail_breaks_the_chain(data) -> None:
    folder, measurement_id = data
    _edit(
        folder,
        f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = {measurement_id}",
        "UPDATE audit_log SET rows_json = '[]' WHERE rows_json IS NOT NULL",
    )
    store = Store.open(folder)
    try:
        assert not store.audit_check.ok
    finally:
        store.close()


def test_a_change_without_an_audit_record_is_refused(tmp_path) -> None:
    store = Store.open(tmp_path / "data")
    create_account(store, "pharmacist", "mdupont")
    with (
        pytest.raises(row_seals.UnauditedChange, match="sans enregistrement d'audit"),
        store.transaction() as cur,
    ):
        cur.execute("UPDATE users SET role = 'admin' WHERE username = 'mdupont'")
    assert accounts.find_user(store, "mdupont").role == "pharmacist"
    assert row_seals.check(store.cursor()).ok
    store.close()


def test_every_table_of_the_store_is_sealed_or_named_as_bookkeeping(tmp_path) -> None:
    store = Store.open(tmp_path / "data")
    sealed = row_seals.sealed_tables(store.cursor())
    store.close()
    assert {"users", "patient_measurements", "rx_prescriptions", "rx_lines",
            "validation_decisions", "signatures", "printed_documents"} <= set(sealed)
    assert not set(sealed) & row_seals.EXCLUDED


def test_a_migration_seals_what_it_changes_but_not_what_was_altered_before(
    data, monkeypatch
) -> None:
    folder, measurement_id = data
    store = Store.open(folder)
    with store.transaction() as cur:
        note = cur.execute(
            "INSERT INTO notes (patient_id, text, written_at, author, author_name, author_role) "
            "VALUES ('IPP00000001', 'à revoir', now(), 'mdupont', 'M. Dupont', 'pharmacist') "
            "RETURNING note_id"
        ).fetchone()[0]
        audit.record(cur, audit.command_line_actor(), "note.added", "note", note)
    store.close()
    _edit(folder, f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = "
                  f"{measurement_id}")

    upgrade = ("9999_rewrite_notes.sql", "UPDATE notes SET text = upper(text);")
    real = migrate.available
    monkeypatch.setattr(migrate, "available", lambda: [*real(), upgrade])
    store = Store.open(folder)
    try:
        [migrated] = store.cursor().execute(
            "SELECT rows_json FROM audit_log WHERE action = 'store.migrated'"
        ).fetchall()
        assert f'"notes","{note}"' in migrated[0]
        assert '"patient_measurements"' not in migrated[0]
        assert [p.key for p in store.rows_check.problems] == [str(measurement_id)]
        assert store.audit_check.ok
    finally:
        store.close()


def test_an_upgraded_store_seals_its_existing_rows_once(data) -> None:
    """A store from before the seals (no rows_json yet) gets a baseline at its upgrade."""
    folder, _ = data
    con = duckdb.connect(str(folder / STORE_FILE))
    for statement in (
        "DROP TABLE row_seals",
        "ALTER TABLE audit_log DROP COLUMN rows_json",
        "DELETE FROM schema_migrations WHERE name IN ('0013_row_seals.sql', "
        "'0016_row_seal_quick.sql')",
    ):
        con.execute(statement)
    _rechain_without_seals(con)  # the hashes such a store had
    con.close()
    (folder / "audit-anchor.log").unlink()

    store = Store.open(folder)
    try:
        assert store.audit_check.ok
        assert store.rows_check.ok and store.rows_check.rows > 0
        [(action, sealed)] = store.cursor().execute(
            "SELECT action, rows_json FROM audit_log WHERE rows_json IS NOT NULL"
        ).fetchall()
        assert action == "store.migrated" and '"users","mdupont"' in sealed
    finally:
        store.close()


def _rechain_without_seals(con) -> None:
    rows = con.execute(
        f"SELECT {', '.join(audit.COLUMNS)} FROM audit_log ORDER BY audit_id"
    ).fetchall()
    prev = audit.GENESIS
    for row in rows:
        digest = audit._digest(prev, tuple(row))
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE audit_id = ?",
                    [prev, digest, row[0]])
        prev = digest
    con.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", [rows[-1][0], prev])


def test_the_audit_page_names_the_altered_rows(data) -> None:
    folder, measurement_id = data
    _edit(folder, f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = "
                  f"{measurement_id}")
    store = Store.open(folder)
    try:
        check = row_seals.check(store.cursor())
        assert f"mesure « {measurement_id} »" in check.message()
        assert "ENREGISTREMENTS MODIFIÉS" in store.rows_check.headline()
    finally:
        store.close()


async def test_the_audit_page_and_every_page_show_the_alarm(user, data) -> None:
    from web_helpers import sign_in

    from chemo_fallback.web import state

    folder, _ = data
    _edit(folder, "UPDATE users SET role = 'admin' WHERE username = 'mdupont'")
    store = Store.open(folder)
    try:
        state.install(state.AppState(store=store))
        await sign_in(user, store, "admin")
        await user.should_see(marker="rows-alarm")
        await user.open("/admin/audit")
        await user.should_see("compte « mdupont » (table users) : modifié hors de l'application")
    finally:
        store.close()


def test_a_forged_record_appended_after_the_anchor_is_named_in_the_trail(data) -> None:
    """A forger who edits a row and appends a record sealing it, with a correct chain, gets
    past the seals; the record lies after the anchor's last one, and the store says so in the
    trail itself (and `audit verify` prints it) the next time it opens."""
    folder, measurement_id = data
    con = duckdb.connect(str(folder / STORE_FILE))
    con.execute(f"UPDATE patient_measurements SET value = 8.0 WHERE measurement_id = "
                f"{measurement_id}")
    [(digest,)] = con.execute(
        "SELECT sha256(CAST(to_json(t) AS VARCHAR)) FROM patient_measurements t "
        f"WHERE measurement_id = {measurement_id}"
    ).fetchall()
    con.execute("BEGIN TRANSACTION")
    forged = audit.record(con, audit.command_line_actor(), "note.added", "note", "x")
    audit.attach_rows(con, forged, f'[["patient_measurements","{measurement_id}","{digest}"]]')
    con.execute("COMMIT")
    con.close()

    store = Store.open(folder)
    try:
        assert store.anchor_check.beyond == 1
        assert "1 enregistrement(s) après le n°" in store.anchor_check.message()
        [(record_id,)] = store.cursor().execute(
            "SELECT record_id FROM audit_log WHERE action = 'audit.unanchored'"
        ).fetchall()
        assert record_id == f"{forged}-{forged}"
    finally:
        store.close()
