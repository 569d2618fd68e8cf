"""Electronic signature: password re-entered, name, role, date-time and meaning recorded with
the signed record and audited; the reusable dialog."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.auth.signature import Meaning, confirm_signer, record_signature
from chemo_fallback.web import state
from chemo_fallback.web.signature_dialog import open_signature_dialog


def test_signature_records_name_role_time_and_meaning(store) -> None:
    pharmacist = create_account(store, "pharmacist", "pgarnier")
    confirm_signer(store, pharmacist, PASSWORD)
    with store.transaction() as cur:
        signature = record_signature(cur, pharmacist, Meaning.VALIDATED, "prescription", "RX42")
    assert (signature.username, signature.role, signature.meaning) == (
        "pgarnier",
        "pharmacien",
        "validé",
    )
    assert signature.manifestation().startswith("Validé par Test pharmacist (pharmacien) le ")
    last = (
        store.cursor()
        .execute(
            "SELECT actor, action, record_type, record_id FROM audit_log ORDER BY audit_id DESC"
        )
        .fetchone()
    )
    assert last == ("pgarnier", "signature", "prescription", "RX42")
    assert audit.verify(store.cursor()).ok


def test_wrong_password_refuses_the_signature(store) -> None:
    pharmacist = create_account(store, "pharmacist")
    with pytest.raises(accounts.AuthError, match=r"^Signature refusée : mot de passe incorrect"):
        confirm_signer(store, pharmacist, "pas le bon")


def test_a_failed_change_leaves_no_signature(store) -> None:
    pharmacist = create_account(store, "pharmacist")
    with pytest.raises(RuntimeError), store.transaction() as cur:
        record_signature(cur, pharmacist, Meaning.RELEASED, "preparation", "P1")
        raise RuntimeError("the signed change failed")
    assert store.cursor().execute("SELECT count(*) FROM signatures").fetchone() == (0,)


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_signature_dialog(user: User, app_state) -> None:
    signer = await sign_in(user, app_state.store, "pharmacist")
    signed: list[str] = []

    @ui.page("/essai-signature")
    def page() -> None:
        def done() -> None:
            with app_state.store.transaction() as cur:
                record_signature(cur, signer, Meaning.VALIDATED, "prescription", "RX1")
            signed.append("RX1")
            ui.label("Prescription validée").mark("done")

        ui.button(
            "Valider",
            on_click=lambda: open_signature_dialog(
                signer, Meaning.VALIDATED, "Validation de la prescription RX1", done
            ),
        ).mark("validate")

    await user.open("/essai-signature")
    user.find(marker="validate").click()
    await user.should_see("Signature électronique")
    await user.should_see("Signification : « validé »")
    user.find(marker="signature-password").type("pas le bon")
    user.find(marker="signature-sign").click()
    await user.should_see("Signature refusée", retries=SLOW)
    assert signed == []
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see(marker="done", retries=SLOW)
    assert signed == ["RX1"]
