"""The first page, as a user sees it (NiceGUI's in-process `user` fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factory import edit_manifest, rewrite_table, write_snapshot
from nicegui.testing import User
from web_helpers import sign_in

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.freshness import age_text, freshness
from chemo_fallback.snapshot.source import Limits
from chemo_fallback.web import state


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_no_snapshot_tells_what_to_do(user: User, app_state) -> None:
    await sign_in(user, app_state.store)
    await user.open("/")
    await user.should_see("Aucun instantané actif.")
    await user.should_see("chemo-fallback snapshot activate")


async def test_active_snapshot_and_its_report(user: User, app_state, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "s")
    content = (folder / "patients.csv").read_bytes().replace(b"55.2", b"lourd")
    rewrite_table(folder, "patients", content)
    activate_snapshot(app_state.store, folder, limits=Limits(max_reject_ratio=1.0))

    await sign_in(user, app_state.store)
    await user.open("/")
    await user.should_see("Chimio 5.9 — CH de test")
    await user.should_see("Export du 20/11/2026 à 02:00")
    await user.should_see("Instantané activé avec 1 ligne(s) rejetée(s).")
    await user.should_see(marker="snapshot-badge")
    await user.should_see("Données du 20/11/2026 à 02:00")
    await user.should_see("patients (patients.csv) : 1 rejet(s)")
    # Shown twice: in the active snapshot's card and in the activation history.
    for table in user.find(marker="reject-table-patients").elements:
        assert [(r["line"], r["column"], r["reason"]) for r in table.rows] == [
            (4, "weight_kg", "poids : nombre attendu (séparateur décimal : point)")
        ]
    await user.should_not_see("DÉMO")


async def test_refused_attempt_is_listed_with_its_reasons(
    user: User, app_state, tmp_path: Path
) -> None:
    activate_snapshot(app_state.store, write_snapshot(tmp_path / "ok"))
    bad = write_snapshot(tmp_path / "bad")
    edit_manifest(bad, lambda m: m["tables"].pop("drugs"))
    activate_snapshot(app_state.store, bad)

    await sign_in(user, app_state.store)
    await user.open("/")
    await user.should_see("refusé")
    await user.should_see("Table « médicaments (DCI) » (drugs) absente du manifeste")


async def test_demo_banner_in_demo_mode(user: User, app_state, tmp_path: Path) -> None:
    app_state.demo = True
    await sign_in(user, app_state.store)
    await user.open("/")
    await user.should_see("DÉMO — données fictives, ne pas utiliser pour un patient")


def test_freshness_levels_and_age_text() -> None:
    now = datetime(2026, 11, 23, 12, 0)
    assert freshness(now - timedelta(hours=23, minutes=59), now) == "fresh"
    assert freshness(now - timedelta(hours=24, minutes=1), now) == "stale"
    assert freshness(now - timedelta(hours=72, minutes=1), now) == "old"
    assert age_text(now - timedelta(minutes=5), now) == "il y a 5 min"
    assert age_text(now - timedelta(hours=5), now) == "il y a 5 h"
    assert age_text(now - timedelta(days=2, hours=3), now) == "il y a 2 j 3 h"
    assert age_text(now + timedelta(hours=2), now) == "dans le futur (horloge à vérifier)"


@pytest.mark.parametrize(
    ("age_hours", "color"), [(2, "bg-green-700"), (30, "bg-orange-600"), (80, "bg-red-700")]
)
async def test_freshness_badge_turns_orange_then_red(
    user: User, app_state, tmp_path: Path, age_hours: int, color: str
) -> None:
    folder = write_snapshot(tmp_path / "s")
    exported = datetime.now() - timedelta(hours=age_hours)
    edit_manifest(folder, lambda m: m.update(exported_at=exported.isoformat(timespec="seconds")))
    activate_snapshot(app_state.store, folder, limits=Limits(max_reject_ratio=1.0))
    await sign_in(user, app_state.store)
    [badge] = user.find(marker="snapshot-badge").elements
    assert color in badge.classes
