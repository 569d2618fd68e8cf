"""Issue 11: the audit trail's head is anchored outside the store, so that what someone with
file access does to the trail is detected: a record rewritten with every later hash
recomputed, the last records deleted with the head row, the whole trail deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from chemo_fallback import audit, audit_anchor
from chemo_fallback.cli import main
from chemo_fallback.store import Store
from chemo_fallback.store.database import STORE_FILE

ACTOR = audit.Actor("mdupont", "pharmacist", "Marie Dupont")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    store = Store.open(folder)
    for n in range(6):
        with store.transaction() as cur:
            audit.record(cur, ACTOR, "note.added", "note", str(n), after={"n": n})
    store.close()
    return folder


def _rechain(con) -> None:
    """What a careful forger does: recompute every hash and the head after an edit."""
    rows = con.execute(
        f"SELECT {', '.join(audit.COLUMNS)} FROM audit_log ORDER BY audit_id"
    ).fetchall()
    prev = audit.GENESIS
    for row in rows:
        digest = audit._digest(prev, tuple(row))
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE audit_id = ?",
                    [prev, digest, row[0]])
        prev = digest
    con.execute("DELETE FROM audit_head")
    if rows:
        con.execute("INSERT INTO audit_head VALUES (true, ?, ?)", [rows[-1][0], prev])


def _tamper(folder: Path, sql: str) -> None:
    import duckdb

    con = duckdb.connect(str(folder / STORE_FILE))
    con.execute(sql)
    _rechain(con)
    con.close()


def _reopened(folder: Path):
    store = Store.open(folder)
    checks = store.audit_check, store.anchor_check
    store.close()
    return checks


def test_every_transaction_moves_the_anchor(data: Path) -> None:
    heads = audit_anchor.read(data / audit_anchor.ANCHOR_FILE)
    assert [h[0] for h in heads] == [1, 2, 3, 4, 5, 6]
    chain, anchor = _reopened(data)
    assert chain.ok and anchor.ok and anchor.agreed == 6


def test_a_rewritten_actor_with_recomputed_hashes_is_detected(data: Path) -> None:
    _tamper(data, "UPDATE audit_log SET actor = 'quelquun' WHERE audit_id = 3")
    chain, anchor = _reopened(data)
    assert not anchor.ok and anchor.agreed == 2
    assert "l'enregistrement n° 3 n'a plus l'empreinte ancrée" in anchor.problem
    assert not chain.ok and chain.first_broken_id == 3  # the app's alarm shows it too


def test_the_last_records_deleted_with_the_head_are_detected(data: Path) -> None:
    _tamper(data, "DELETE FROM audit_log WHERE audit_id > 4")
    _chain, anchor = _reopened(data)
    assert not anchor.ok and anchor.agreed == 4
    assert "n° 5 est connu de l'ancre mais absent de la piste (la piste s'arrête au n° 4)" in (
        anchor.problem)


def test_an_emptied_trail_is_detected(data: Path) -> None:
    _tamper(data, "DELETE FROM audit_log")
    chain, anchor = _reopened(data)
    assert not anchor.ok and not chain.ok
    assert "la piste s'arrête au n° 0" in anchor.problem


def test_audit_verify_says_how_far_store_and_anchor_agree(data: Path, capsys) -> None:
    assert main(["audit", "verify", "--data-dir", str(data)]) == 0
    assert "accord jusqu'à l'enregistrement n° 6" in capsys.readouterr().out
    _tamper(data, "DELETE FROM audit_log WHERE audit_id > 4")
    assert main(["audit", "verify", "--data-dir", str(data)]) == 3
    out = capsys.readouterr().out
    assert "PISTE D'AUDIT CONTREDITE PAR SON ANCRE" in out and "accord jusqu'au n° 4" in out


def test_the_anchor_can_live_on_a_second_medium(tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "usb" / "anchor.log"
    elsewhere.parent.mkdir()
    monkeypatch.setenv(audit_anchor.ANCHOR_ENV, str(elsewhere))
    store = Store.open(tmp_path / "data")
    with store.transaction() as cur:
        audit.record(cur, ACTOR, "note.added", "note", "1")
    store.close()
    assert audit_anchor.read(elsewhere) == [(1, audit_anchor.read(elsewhere)[0][1])]
    assert not (tmp_path / "data" / audit_anchor.ANCHOR_FILE).exists()
