"""The command line and demo mode, as an administrator runs them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factory import write_snapshot

from chemo_fallback.cli import main
from chemo_fallback.config import DEMO_SNAPSHOT, resolve_data_dir
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store
from chemo_fallback.web.server import ensure_demo_snapshot


def test_generate_then_activate_from_the_command_line(tmp_path: Path, capsys) -> None:
    out, data = tmp_path / "snap", tmp_path / "data"
    assert (
        main(
            [
                "snapshot",
                "generate",
                "--out",
                str(out),
                "--patients",
                "30",
                "--seed",
                "4",
                "--dialect",
                "csv-fr",
            ]
        )
        == 0
    )
    assert main(["snapshot", "activate", str(out), "--data-dir", str(data)]) == 0
    printed = capsys.readouterr().out
    assert "[9/14] Lecture de prescription_lines.csv…" in printed  # progress on the console
    assert "Instantané activé sans rejet." in printed
    store = Store.open(data)
    try:
        assert store.cursor().execute("SELECT count(*) FROM ref.patients").fetchone() == (30,)
    finally:
        store.close()


def test_refused_activation_exits_non_zero_with_the_reasons(tmp_path: Path, capsys) -> None:
    folder = write_snapshot(tmp_path / "snap")
    (folder / "drugs.csv").write_text("drug_id\n", encoding="utf-8")
    code = main(["snapshot", "activate", str(folder), "--data-dir", str(tmp_path / "d")])
    assert code == 2
    printed = capsys.readouterr().out
    assert "Activation refusée : l'instantané précédent reste actif." in printed
    assert "ERREUR : drugs.csv : colonne(s) obligatoire(s) absente(s) : inn, dose_unit" in printed


def test_size_and_reject_limits_from_the_command_line(tmp_path: Path, capsys) -> None:
    folder = write_snapshot(tmp_path / "snap")
    assert (
        main(
            [
                "snapshot",
                "activate",
                str(folder),
                "--data-dir",
                str(tmp_path / "d"),
                "--max-file-mb",
                "0",
            ]
        )
        == 2
    )
    assert "au-delà de la limite de 0 o" in capsys.readouterr().out


def test_data_dir_resolution(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHEMO_FALLBACK_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "option") == tmp_path / "option"
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("CHEMO_FALLBACK_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(None) == tmp_path / "xdg" / "chemo-fallback"


def test_shipped_demo_snapshot_is_reanchored_to_today_without_reject(store) -> None:
    ensure_demo_snapshot(store, DEMO_SNAPSHOT, progress=lambda _m: None)
    active = store.active_snapshot()
    assert active.demo and active.exported_at.date() == date.today()
    report = store.activations(1)[0][5]
    assert '"rows_rejected":0' in report and '"status":"activated"' in report
    today = (
        store.cursor()
        .execute("SELECT count(*) FROM ref.prescription_lines WHERE planned_date = current_date")
        .fetchone()[0]
    )
    assert today > 0  # today's worklists are never empty in the demo
    recent_labs = (
        store.cursor()
        .execute("SELECT count(*) FROM ref.lab_results WHERE sampled_at >= current_date - 3")
        .fetchone()[0]
    )
    assert recent_labs > 0

    ensure_demo_snapshot(store, DEMO_SNAPSHOT, progress=lambda _m: None)  # same day: no-op
    assert len(store.activations()) == 1


def test_demo_mode_never_runs_over_a_real_snapshot(store, tmp_path: Path) -> None:
    activate_snapshot(store, write_snapshot(tmp_path / "real"))
    with pytest.raises(ChemoFallbackError, match="contient un instantané réel"):
        ensure_demo_snapshot(store, DEMO_SNAPSHOT, progress=lambda _m: None)


def test_storage_secret_is_made_once_per_installation(tmp_path: Path) -> None:
    from chemo_fallback.web.server import storage_secret

    first = storage_secret(tmp_path)
    assert len(first) >= 40 and storage_secret(tmp_path) == first
    assert (tmp_path / "storage-secret").stat().st_mode & 0o077 == 0
    other = tmp_path / "autre"
    other.mkdir()
    assert storage_secret(other) != first


def test_tls_needs_both_files(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--tls-cert", str(tmp_path / "c.pem"), "--data-dir", str(tmp_path)]) == 1
    assert "Indiquez à la fois --tls-cert et --tls-key" in capsys.readouterr().err
    assert (
        main(
            [
                "serve",
                "--tls-cert",
                str(tmp_path / "c.pem"),
                "--tls-key",
                str(tmp_path / "k.pem"),
                "--data-dir",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert "Fichier TLS introuvable" in capsys.readouterr().err
