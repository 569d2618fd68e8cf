"""The audit trail: every activation is audited in its transaction, and any tampering with a
record, or its removal, is detected and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import edit_manifest, write_snapshot

from chemo_fallback import audit
from chemo_fallback.cli import main
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

PHARMACIST = audit.Actor("mdupont", "pharmacist", "Marie Dupont")


def _trail(store) -> list[tuple]:
    return (
        store.cursor()
        .execute(
            "SELECT audit_id, actor, role, action, record_type, record_id, before_json, "
            "after_json, reason FROM audit_log ORDER BY audit_id"
        )
        .fetchall()
    )


@pytest.fixture
def audited_store(store, tmp_path: Path):
    """Three activations: accepted, refused, accepted (by a named user)."""
    activate_snapshot(store, write_snapshot(tmp_path / "a"))
    bad = write_snapshot(tmp_path / "b")
    edit_manifest(bad, lambda m: m["tables"].pop("drugs"))
    activate_snapshot(store, bad)
    activate_snapshot(store, write_snapshot(tmp_path / "c"), actor=PHARMACIST)
    return store


def test_activations_write_their_audit_records(audited_store) -> None:
    trail = _trail(audited_store)
    assert [(r[0], r[3], r[4], r[5]) for r in trail] == [
        (1, "snapshot.activated", "snapshot_activation", "1"),
        (2, "snapshot.refused", "snapshot_activation", "2"),
        (3, "snapshot.activated", "snapshot_activation", "3"),
    ]
    assert trail[0][1].startswith("cli:") and trail[0][2] == "admin"
    assert trail[0][6] is None  # nothing was active before
    assert "Table « médicaments (DCI) » (drugs) absente du manifeste" in trail[1][8]
    assert trail[2][1:3] == ("mdupont", "pharmacist")
    assert '"source_path"' in trail[2][6] and trail[2][6] != trail[2][7]  # before and after
    assert audit.verify(audited_store.cursor()).ok


@pytest.fixture
def chained_store(store):
    """Three audit records, as any module's service writes them."""
    for n, (action, before, after, reason) in enumerate(
        [
            ("user.created", None, {"role": "pharmacist"}, None),
            ("snapshot.refused", None, {"source_path": "/x"}, "Table absente"),
            ("snapshot.activated", {"snapshot_id": "2026"}, {"snapshot_id": "2027"}, None),
        ],
        1,
    ):
        with store.transaction() as cur:
            audit.record(
                cur, PHARMACIST, action, "thing", n, before=before, after=after, reason=reason
            )
    return store


TAMPERING = {
    "occurred_at": "occurred_at + INTERVAL 1 SECOND",
    "actor": "'intrus'",
    "role": "role || 'x'",
    "action": "action || 'x'",
    "record_type": "record_type || 'x'",
    "record_id": "record_id || '9'",
    "before_json": "coalesce(before_json, '{}') || ' '",
    "after_json": "after_json || ' '",
    "reason": "coalesce(reason, '') || '.'",
    # Change the first hexadecimal digit, whatever it is.
    "prev_hash": "CASE WHEN prev_hash[1] = 'f' THEN 'e' ELSE 'f' END || prev_hash[2:]",
    "hash": "CASE WHEN hash[1] = 'f' THEN 'e' ELSE 'f' END || hash[2:]",
}


@pytest.mark.parametrize("target", [1, 2, 3])
@pytest.mark.parametrize("column", list(TAMPERING))
def test_changing_any_field_of_any_record_is_detected(chained_store, target, column) -> None:
    cur = chained_store.cursor()
    cur.execute(f"UPDATE audit_log SET {column} = {TAMPERING[column]} WHERE audit_id = ?", [target])
    check = audit.verify(cur)
    assert not check.ok
    assert check.first_broken_id == target
    assert f"PISTE D'AUDIT ROMPUE à l'enregistrement n° {target}" in check.message()


@pytest.mark.parametrize("target", [1, 2, 3])
def test_deleting_any_record_is_detected(chained_store, target: int) -> None:
    cur = chained_store.cursor()
    cur.execute("DELETE FROM audit_log WHERE audit_id = ?", [target])
    check = audit.verify(cur)
    assert not check.ok
    assert check.first_broken_id == target


def test_audit_verify_command_and_start_up_check(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    activate_snapshot(store, write_snapshot(tmp_path / "a"))
    store.close()
    assert main(["audit", "verify", "--data-dir", str(data)]) == 0
    assert "Piste d'audit intègre : 1 enregistrement(s) vérifié(s)." in capsys.readouterr().out

    store = Store.open(data)
    store.cursor().execute("UPDATE audit_log SET actor = 'quelqu''un' WHERE audit_id = 1")
    store.close()
    assert main(["audit", "verify", "--data-dir", str(data)]) == 3
    assert "PISTE D'AUDIT ROMPUE à l'enregistrement n° 1" in capsys.readouterr().out
    reopened = Store.open(data)
    assert reopened.audit_check is not None and not reopened.audit_check.ok
    reopened.close()
