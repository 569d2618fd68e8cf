"""The audit trail as an administrator reads it: status, filters, CSV export; admin only."""

from __future__ import annotations

from datetime import date

import pytest
from nicegui.testing import User
from web_helpers import create_account, sign_in

from chemo_fallback import audit, audit_trail
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.web import state


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def test_search_filters_and_csv(store) -> None:
    admin = create_account(store, "admin")
    create_account(store, "nurse", "ide1")
    every = audit_trail.search(store, admin.actor, audit_trail.AuditFilter())
    assert [r.action for r in every] == ["user.created", "user.created"]
    only = audit_trail.search(store, admin.actor, audit_trail.AuditFilter(record_id="ide1"))
    assert [(r.record_id, r.action_label) for r in only] == [("ide1", "compte créé")]
    none = audit_trail.search(
        store, admin.actor, audit_trail.AuditFilter(day_to=date(2020, 1, 1))
    )
    assert none == []
    text = audit_trail.to_csv(every).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("n°;date et heure;utilisateur;rôle;action")
    assert ";compte créé;compte;ide1;" in text
    with pytest.raises(PermissionDenied):
        audit_trail.search(store, audit.Actor("ide1", "nurse"), audit_trail.AuditFilter())


async def test_admin_reads_filters_and_exports(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/audit")
    await user.should_see("Piste d'audit intègre")
    await user.should_see("Ancre de la piste d'audit : accord jusqu'à l'enregistrement n° ")
    [table] = user.find(marker="audit-table").elements
    assert [r["action"] for r in table.rows] == ["connexion", "compte créé"]
    user.find(marker="filter-actor").type("cli:")
    user.find(marker="filter").click()
    assert [r["action"] for r in table.rows] == ["compte créé"]
    user.find(marker="filter-from").type("31/02/2026")
    user.find(marker="filter").click()
    await user.should_see("Date invalide : saisissez-la au format JJ/MM/AAAA")
    user.find(marker="filter-from").clear()
    user.find(marker="filter").click()
    user.find(marker="export-csv").click()
    response = await user.download.next()
    assert "compte créé" in response.content.decode("utf-8-sig")


async def test_a_pharmacist_is_refused_the_audit_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.should_not_see(marker="menu-Piste d'audit")
    await user.open("/admin/audit")
    await user.should_see("Accès refusé : cette page n'est pas ouverte à votre rôle.")
    await user.should_not_see(marker="audit-table")
