"""Activation is atomic: killed or refused, it leaves the previous snapshot active, the store
opening cleanly, and the fallback's own records untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from factory import write_snapshot

from chemo_fallback import audit
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

# Runs the real command line in a child process, made to stop at a chosen step so the test can
# kill it there with SIGKILL. The pause is injected from outside: the product has no test hook.
CHILD = textwrap.dedent(
    """
    import sys, time
    from chemo_fallback.snapshot import integrity
    from chemo_fallback.store import database

    where = sys.argv[1]
    if where == "while-reading":
        check = integrity.check_table
        def slow_check(con, tf, day):
            check(con, tf, day)
            if tf.table.name == "prescriptions":
                print("PAUSED", flush=True)
                time.sleep(120)
        integrity.check_table = slow_check
    else:  # after the new file is complete and renamed, before the switch
        def slow_switch(self, values, reference_file, actor):
            print("PAUSED", flush=True)
            time.sleep(120)
        database.Store.switch_to = slow_switch

    from chemo_fallback.cli import main
    sys.exit(main(["snapshot", "activate", sys.argv[2], "--data-dir", sys.argv[3]]))
    """
)


@pytest.mark.parametrize("where", ["while-reading", "before-switch"])
def test_activation_killed_midway_keeps_the_previous_snapshot(tmp_path: Path, where: str) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    first = activate_snapshot(store, write_snapshot(tmp_path / "first"))
    store.close()
    second = write_snapshot(tmp_path / "second", "csv-fr")

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, where, str(second), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in child.stdout:
            if "PAUSED" in line:
                break
        else:
            pytest.fail(f"the child never reached the pause (exit {child.wait()})")
        assert list((data / "reference").glob("*")) != []
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()

    reopened = Store.open(data)  # the lock died with the child; leftovers are cleaned
    try:
        assert reopened.active_snapshot().snapshot_id == first.snapshot_id
        assert reopened.cursor().execute("SELECT count(*) FROM ref.patients").fetchone() == (3,)
        assert [p.name for p in (data / "reference").iterdir()] == [f"{first.snapshot_id}.duckdb"]
        assert not (data / "work").exists()
        statuses = [row[1] for row in reopened.activations()]
        assert statuses == ["active"]  # the killed attempt left no half-written record
    finally:
        reopened.close()


def test_a_second_activation_replaces_the_first_and_keeps_fallback_records(
    tmp_path: Path, store
) -> None:
    first = activate_snapshot(store, write_snapshot(tmp_path / "first"))
    # A record created in the fallback itself, as later modules do in the store.
    with store.transaction() as cur:
        cur.execute(
            "CREATE TABLE fallback_notes (note_id INTEGER PRIMARY KEY, patient_id VARCHAR, "
            "text VARCHAR)"
        )
        cur.execute("INSERT INTO fallback_notes VALUES (1, 'IPP00000001', 'Patient vu à 7 h')")
        audit.record(cur, audit.command_line_actor(), "note.added", "note", "1")

    second = activate_snapshot(store, write_snapshot(tmp_path / "second", "parquet"))

    assert second.status == "activated"
    assert store.active_snapshot().snapshot_id == second.snapshot_id
    assert [r[1] for r in store.activations()] == ["active", "superseded"]
    assert store.cursor().execute("SELECT patient_id, text FROM fallback_notes").fetchall() == [
        ("IPP00000001", "Patient vu à 7 h")
    ]
    kept = sorted(p.name for p in store.reference_dir.iterdir())
    assert kept == sorted([f"{first.snapshot_id}.duckdb", f"{second.snapshot_id}.duckdb"])

    third = activate_snapshot(store, write_snapshot(tmp_path / "third", "xlsx"))
    kept = sorted(p.name for p in store.reference_dir.iterdir())
    assert kept == sorted([f"{second.snapshot_id}.duckdb", f"{third.snapshot_id}.duckdb"])


def test_store_reopens_on_the_active_snapshot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    report = activate_snapshot(store, write_snapshot(tmp_path / "s"))
    store.close()
    again = Store.open(data)
    try:
        assert again.active_snapshot().snapshot_id == report.snapshot_id
        assert again.cursor().execute("SELECT count(*) FROM ref.drugs").fetchone() == (2,)
    finally:
        again.close()


def test_store_locked_by_a_running_process_gives_a_french_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from chemo_fallback.store import Store; "
            f"s = Store.open(Path({str(data)!r})); print('OPEN', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "OPEN"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "chemo_fallback.cli",
                "snapshot",
                "activate",
                str(write_snapshot(tmp_path / "s")),
                "--data-dir",
                str(data),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "est déjà ouverte par un autre processus" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_technical_failure_midway_is_a_recorded_refusal(
    tmp_path: Path, store, monkeypatch
) -> None:
    first = activate_snapshot(store, write_snapshot(tmp_path / "first"))
    from chemo_fallback.snapshot import integrity

    def disk_full(con, tf, day):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(integrity, "check_table", disk_full)
    report = activate_snapshot(store, write_snapshot(tmp_path / "second"))
    assert report.status == "refused"
    assert report.errors[0].startswith("Erreur technique pendant l'activation (OSError")
    assert store.active_snapshot().snapshot_id == first.snapshot_id
    assert [p.name for p in store.reference_dir.iterdir()] == [f"{first.snapshot_id}.duckdb"]
