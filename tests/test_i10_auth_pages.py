"""The audit page in French (issue 10, item 7) and the French 404 page (item 10)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from nicegui import Client, __version__
from nicegui.testing import User
from web_helpers import create_account, sign_in

from chemo_fallback import audit, audit_trail
from chemo_fallback.auth import accounts
from chemo_fallback.auth.signature import confirm_signer
from chemo_fallback.french import NBSP
from chemo_fallback.web import state

CLI = audit.command_line_actor()


def test_values_read_the_french_way() -> None:
    text = audit_trail.value_text
    assert text(True) == "oui"
    assert text(False) == "non"
    assert text(None) == "—"
    assert text(2400.5, "dose") == f"2{NBSP}400,5"
    assert text(12345, "signature_id") == "12345"  # an identifier is not a quantity
    assert text("2026-11-23", "cycle_start_date") == "23/11/2026"
    assert text("2026-11-23T08:15:00", "given_at") == "23/11/2026 à 08:15"
    assert text("2026-11-23 08:15:42", "locked_until") == "23/11/2026 à 08:15:42"
    assert text("pharmacist", "role") == "pharmacien"
    assert text("change_requested", "status") == "modification demandée"
    assert text("weight", "kind") == "poids"
    assert text(["a", "b"]) == "a, b"
    assert text([]) == "aucun"
    assert text({"L1": 8.0, "L2": 133.25}, "doses") == "(L1 : 8 ; L2 : 133,25)"


def test_a_change_reads_field_by_field() -> None:
    lines = audit_trail.change_lines(
        json.dumps({"status": "signed", "failed_attempts": 0}),
        json.dumps({"status": "validated", "failed_attempts": 0, "single_pharmacist": True}),
    )
    assert lines == [
        "statut : signée, à valider → validée",
        "essais infructueux : 0",
        "pharmacien seul : oui",
    ]
    assert audit_trail.change_lines(None, None) == []
    assert audit_trail.change_lines(None, '"texte"') == ["texte"]


def test_every_recorded_action_and_role_has_a_french_label() -> None:
    for action in ("signature.failed", "signature", "prescription.change_requested"):
        assert action in audit_trail.ACTION_LABELS
    assert audit_trail.ACTION_LABELS["signature.failed"] == "échec de signature"
    assert audit_trail.ACTION_LABELS["prescription.change_requested"] == "modification demandée"
    assert audit_trail.role_label("nurse") == "infirmier(e)"
    assert audit_trail.role_label("?") == "inconnu"


def test_the_csv_is_readable_and_keeps_the_stored_json(store) -> None:
    admin = create_account(store, "admin")
    create_account(store, "nurse")
    rows = audit_trail.search(store, admin.actor, audit_trail.AuditFilter(record_id="nurse"))
    text = audit_trail.to_csv(rows).decode("utf-8-sig")
    header, line = list(csv.reader(io.StringIO(text), delimiter=";"))[:2]
    assert header[-2:] == ["avant (JSON enregistré)", "après (JSON enregistré)"]
    assert line[3:7] == ["administrateur", "compte créé", "compte", "nurse"]
    assert "nom affiché : Test nurse ; rôle : infirmier(e)" in line[8]
    assert json.loads(line[-1])["role"] == "nurse"  # the stored JSON, for a machine check


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_the_audit_page_reads_in_french(user: User, app_state) -> None:
    store = app_state.store
    nurse = create_account(store, "nurse", "ide1")
    for _ in range(3):  # three failed signatures, then an unlock ends the streak
        with pytest.raises(accounts.AuthError):
            confirm_signer(store, nurse, "pas le bon")
    accounts.unlock(store, CLI, "ide1")
    with store.transaction() as cur:
        audit.record(
            cur,
            CLI,
            "prescription.change_requested",
            "prescription",
            "RX7",
            before={"status": "signed"},
            after={"status": "change_requested", "doses": {"L1": 2400.0}, "codes": ["A", "B"]},
        )
    await sign_in(user, store, "admin")
    await user.open("/admin/audit")
    [table] = user.find(marker="audit-table").elements
    by_action: dict[str, dict] = {}
    for row in table.rows:  # newest first: keep the latest record of each action
        by_action.setdefault(row["action"], row)
    series = "série d'échecs de mot de passe close (nombre d'essais)"
    assert {"échec de signature", series, "modification demandée"} <= set(by_action)
    assert not any(re.fullmatch(r"[a-z_]+\.[a-z_.]+", r["action"]) for r in table.rows)
    failed = by_action["échec de signature"]
    assert failed["role"] == "infirmier(e)"
    assert failed["record"] == "compte ide1"
    assert failed["change"] == "adresse du poste : —\nnombre d'échecs à la suite : 1"
    ended = by_action[series]
    lines = ended["change"].splitlines()
    assert lines[:2] == ["adresses des postes : aucun", "nombre d'échecs à la suite : 3"]
    assert lines[2].startswith("premier échec le : ") and lines[4].startswith("dernier échec le")
    assert lines[5] == "dont échecs de signature : 3"
    assert ended["reason"] == "série close : déverrouillage"
    asked = by_action["modification demandée"]
    assert asked["change"].splitlines() == [
        "statut : signée, à valider → modification demandée",
        "codes : A, B",
        f"doses : (L1 : 2{NBSP}400)",
    ]
    assert asked["role"] == "administrateur"
    assert '"change_requested"' in asked["raw"]  # the stored JSON stays at hand
    for row in table.rows:
        assert "{" not in row["change"], row
        assert re.fullmatch(r"\d\d/\d\d/\d{4} à \d\d:\d\d:\d\d", row["at"])
    assert [c["label"] for c in table.columns][-2:] == ["Modification", "Motif"]


async def _open_missing(user: User, path: str) -> None:
    """`user.open` insists on a 200: read the 404 answer, then look at the page it built."""
    response = await user.http_client.get(path)
    assert response.status_code == 404
    client_id = re.search(r"'client_id': '([0-9a-f-]+)'", response.text).group(1)
    user.client = Client.instances[client_id]


async def test_an_unknown_address_is_a_french_page_inside_the_frame(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await _open_missing(user, "/prescriptons/PS1")
    await user.should_see("Page introuvable")
    await user.should_see(
        "L'adresse demandée « /prescriptons/PS1 » n'existe pas dans l'application."
    )
    await user.should_see(marker="current-user")  # the frame: header and menu
    await user.should_see(marker="menu-Prescriptions")
    await user.should_see(marker="not-found-home")
    await user.should_not_see("This page doesn't exist")


async def test_an_unknown_address_leads_an_anonymous_user_to_sign_in(user: User, app_state) -> None:
    await _open_missing(user, "/nulle-part")
    await user.should_see("Page introuvable")
    await user.should_see(marker="not-found-login")
    await user.should_not_see(marker="current-user")
    await user.should_not_see(marker="menu-Patients")


async def test_a_missing_file_keeps_a_plain_404(user: User, app_state) -> None:
    response = await user.http_client.get(f"/_nicegui/{__version__}/libraries/nothing.js")
    assert response.status_code == 404
    assert "Page introuvable" not in response.text
