"""Issue 10, validation service: a request for a change is its own status and audit action;
a feu vert sent twice with one request key is recorded once; the dialog's blockers are the
refusals of `validate` (one function runs the checks for both); a decision taken cannot be
taken again; the worklist shows every signed prescription, and says what its filters hide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prescription_helpers import TODAY, activate_demo, audit_rows
from test_validation_safety import transcribed
from test_validation_service import INTERVAL, at, created_at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import request_keys
from chemo_fallback.modules.prescription import queries
from chemo_fallback.modules.prescription.models import Status
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import repository as repo
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.modules.validation.models import Override, ValidationError
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def go_ahead_count(store, rx_id: str) -> int:
    return store.cursor().execute(
        "SELECT count(*) FROM go_aheads WHERE prescription_id = ?", [rx_id]
    ).fetchone()[0]


def test_the_same_go_ahead_request_twice_records_one(demo) -> None:
    nurse = create_account(demo, "nurse")
    rx_id = signed_mfolfox6(demo)
    created_at(demo, rx_id, at(TODAY, 7))
    key = request_keys.new_key()
    sent = dict(day_no=1, given_by="Dr Colin", given_at=at(TODAY, 8), now=at(TODAY, 9),
                request_key=key)
    first = record_go_ahead(demo, nurse, rx_id, **sent)
    again = record_go_ahead(demo, nurse, rx_id, **sent)
    assert again == first
    assert go_ahead_count(demo, rx_id) == 1
    assert len(audit_rows(demo, "prescription.go_ahead")) == 1
    # another form (another key) is another feu vert; no key (a script) is not idempotent
    record_go_ahead(demo, nurse, rx_id, **{**sent, "request_key": None})
    assert go_ahead_count(demo, rx_id) == 2


def test_a_request_for_a_change_is_not_a_refusal(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    decisions.request_change(demo, pharmacist, rx_id, "4", "Réduire à 75 mg/m² ?", SETTINGS,
                             TODAY)
    rx = queries.read_prescription(demo, pharmacist, rx_id)
    assert rx.status == Status.CHANGE_REQUESTED and rx.status_label == "modification demandée"
    assert rx.status_reason == "Modification demandée : Surdosage — Réduire à 75 mg/m² ?"
    [audit] = audit_rows(demo, "prescription.change_requested")
    assert audit["after_json"] == {"status": "change_requested", "intervention_code": "4"}
    assert audit["reason"] == "Réduire à 75 mg/m² ?"
    assert audit_rows(demo, "prescription.rejected") == []
    [decision] = repo.decisions(demo.cursor(), rx_id)
    assert (decision["decision"], decision["intervention_code"], decision["reason"]) == (
        "intervention", "4", "Réduire à 75 mg/m² ?"
    )
    # the findings shown when asking are kept with the decision
    assert INTERVAL in {f.code for f in decision["findings"]}


def test_a_refusal_keeps_its_own_status_and_action(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    decisions.reject(demo, pharmacist, rx_id, "Cycle déjà administré")
    assert queries.read_prescription(demo, pharmacist, rx_id).status == Status.REJECTED
    assert len(audit_rows(demo, "prescription.rejected")) == 1
    assert audit_rows(demo, "prescription.change_requested") == []


def test_an_intervention_text_has_a_length_limit(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    with pytest.raises(ValidationError, match="2001 caractères : 2000 au plus") as refused:
        decisions.request_change(demo, pharmacist, rx_id, "4", "x" * 2001)
    assert refused.value.code == "decision_text_too_long"
    with pytest.raises(ValidationError, match="2000 au plus"):
        decisions.reject(demo, pharmacist, rx_id, "y" * 2500)
    assert queries.read_prescription(demo, pharmacist, rx_id).status == Status.SIGNED
    assert repo.decisions(demo.cursor(), rx_id) == []
    decisions.request_change(demo, pharmacist, rx_id, "4", "z" * 2000)  # the limit itself


def _refusal(store, user, rx_id, overrides, settings=SETTINGS):
    """What validate refuses with (code, message), or None when it validates."""
    try:
        decisions.validate(store, user, rx_id, overrides, settings, TODAY)
    except ValidationError as exc:
        return exc.code, str(exc)
    return None


def test_the_dialog_blockers_are_the_refusals_of_validate(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    # nothing lifted, then one point lifted with a reason too short
    for overrides in ([], [Override(key=INTERVAL, reason="ok")]):
        blockers = decisions.validation_blockers(demo, pharmacist, rx_id, overrides, SETTINGS,
                                                 TODAY)
        assert len(blockers) == 3
        code, message = _refusal(demo, pharmacist, rx_id, overrides)
        assert code == "validation_points_not_lifted"
        assert all(b in message for b in blockers)
    assert any("levé sans motif" in b for b in decisions.validation_blockers(
        demo, pharmacist, rx_id, [Override(key=INTERVAL, reason="ok")], SETTINGS, TODAY))
    # the transcriber: not independent, said before the password too
    transcriber = create_account(demo, "pharmacist", "transcripteur")
    own = transcribed(demo, transcriber)
    blockers = decisions.validation_blockers(demo, transcriber, own, lift(demo, transcriber,
                                             own), SETTINGS, TODAY)
    code, message = _refusal(demo, transcriber, own, lift(demo, transcriber, own))
    assert code == "validation_not_independent" and blockers == [message]
    # everything lifted: nothing blocks, and validate goes through
    lifted = lift(demo, pharmacist, rx_id)
    assert decisions.validation_blockers(demo, pharmacist, rx_id, lifted, SETTINGS, TODAY) == []
    assert _refusal(demo, pharmacist, rx_id, lifted) is None
    # decided: the same request again is told so, and records nothing
    blockers = decisions.validation_blockers(demo, pharmacist, rx_id, lifted, SETTINGS, TODAY)
    code, message = _refusal(demo, pharmacist, rx_id, lifted)
    assert code == "validation_already_decided" and blockers == [message]
    assert "Décision déjà prise" in message and "« validée »" in message
    assert len(repo.decisions(demo.cursor(), rx_id)) == 1


def test_a_second_decision_is_refused_clearly(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    decisions.request_change(demo, pharmacist, rx_id, "4", "Décaler le cycle")
    for again in (
        lambda: decisions.request_change(demo, pharmacist, rx_id, "4", "Décaler le cycle"),
        lambda: decisions.reject(demo, pharmacist, rx_id, "Doublon"),
        lambda: decisions.validate(demo, pharmacist, rx_id, lift(demo, pharmacist, rx_id),
                                   SETTINGS, TODAY),
    ):
        with pytest.raises(ValidationError, match="Décision déjà prise") as refused:
            again()
        assert refused.value.code == "validation_already_decided"
    assert len(repo.decisions(demo.cursor(), rx_id)) == 1
    assert len(audit_rows(demo, "prescription.change_requested")) == 1


def test_the_first_checker_cannot_validate_twice(demo) -> None:
    settings = SiteSettings(validation_double_check=True)
    first = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    lifted = lift(demo, first, rx_id)
    assert decisions.validate(demo, first, rx_id, lifted, settings, TODAY) == "first_check"
    blockers = decisions.validation_blockers(demo, first, rx_id, lifted, settings, TODAY)
    code, message = _refusal(demo, first, rx_id, lifted, settings)
    assert code == "validation_same_pharmacist_twice" and blockers == [message]
    assert "autre pharmacien" in message
    review = validation.review(demo, first, rx_id, settings, TODAY)
    assert review.read_only and review.first_check_done
    second = create_account(demo, "pharmacist", "pharmacien2")
    assert not validation.review(demo, second, rx_id, settings, TODAY).read_only


def test_only_reasons_of_three_characters_count_as_lifted(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    given = [Override(key=INTERVAL, reason=" ok "), Override(key="interval_short_next",
                                                             reason="C5 annulé")]
    assert [(f.key, why) for f, why in decisions.lifted(findings, given)] == [
        ("interval_short_next", "C5 annulé")
    ]
    assert decisions.lifted(findings, []) == []


def test_the_worklist_shows_every_signed_prescription(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    late = signed_mfolfox6(demo, cycle=5, start=TODAY - timedelta(days=3))
    today = signed_mfolfox6(demo, cycle=6)
    far = signed_mfolfox6(demo, cycle=9, start=TODAY + timedelta(days=10))
    listed = validation.worklist(demo, pharmacist, SETTINGS, TODAY)
    assert [e.prescription.prescription_id for e in listed.entries] == [late, today, far]
    assert (listed.awaiting, listed.hidden) == (3, 0)
    assert [e.first_day for e in listed.entries] == [
        TODAY - timedelta(days=3), TODAY, TODAY + timedelta(days=10)
    ]
    narrowed = validation.worklist(demo, pharmacist, SETTINGS, TODAY,
                                   first_day=TODAY + timedelta(days=10))
    assert [e.prescription.prescription_id for e in narrowed.entries] == [far]
    assert (narrowed.awaiting, narrowed.hidden) == (3, 2)
    # a decided one leaves the worklist
    decisions.reject(demo, pharmacist, late, "Doublon")
    assert validation.worklist(demo, pharmacist, SETTINGS, TODAY).awaiting == 2
