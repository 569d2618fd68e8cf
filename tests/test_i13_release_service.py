"""Issue 13, item 1: the controls after the isolator and the pharmacist's release on the demo
snapshot — a validated mFOLFOX6 for today, its 5-FU bolus (836 mg from one 1 000 mg vial)
printed, made by a preparer, controlled at the isolator by another. The sheet prints its
target mass 16,89 g, accepted from 16,04 g to 17,73 g (± 5 %)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prescription_helpers import TODAY, activate_demo, audit_rows
from test_i12_fab_service import FU_1000, SETTINGS, vial
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import audit, row_seals
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.fabrication import register, steps
from chemo_fallback.modules.fabrication.printing import create_preparations
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.release import chain, service
from chemo_fallback.modules.release.models import ControlRefused, ReleaseRefused
from chemo_fallback.modules.validation import decisions

LOW, HIGH = 16.04, 17.73  # the bolus's bounds as its sheet prints them


def validated_day(store):
    """The demo, a validated mFOLFOX6 for today; the pharmacist, two preparers."""
    activate_demo(store)
    pharmacist = create_account(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return (pharmacist, create_account(store, "preparer"),
            create_account(store, "preparer", "preparer2"))


def bolus_line(store, user) -> str:
    queue = production_queue(store, user, TODAY, SETTINGS, now=at(TODAY, 8))
    [item] = [i for i in queue.items if i.line["drug_id"] == "FLUOROURACILE"
              and i.line["final_dose"] == 836.0]
    return item.line_id


def made_bolus(store, preparer, controller, *, serial: str = "SN0001",
               hour: float = 8) -> str:
    """The bolus printed, its vial scanned, made by `preparer`, controlled at the isolator by
    `controller`: what the release starts from."""
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [bolus_line(store, preparer)], SETTINGS,
                                    at(TODAY, hour))
    prep_id = new.preparation_id
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000, serial=serial), SETTINGS,
                    now=at(TODAY, hour + 0.5))
    steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-77",
                        now=at(TODAY, hour + 0.5))
    steps.control(store, controller, prep_id, now=at(TODAY, hour + 1))
    return prep_id


@pytest.fixture
def unit(store):
    pharmacist, preparer, preparer2 = validated_day(store)
    prep_id = made_bolus(store, preparer, preparer2)
    return store, pharmacist, preparer, preparer2, prep_id


def weigh(store, user, prep_id: str, mass: float | None, **kwargs) -> int:
    return service.record_controls(store, user, prep_id, mass_measured_g=mass,
                                   visual_ok=kwargs.pop("visual_ok", True),
                                   now=kwargs.pop("now", at(TODAY, 10)), **kwargs)


def control_row(store, control_id: int) -> tuple:
    return store.cursor().execute(
        "SELECT mass_measured_g, target_mass_g, mass_low_g, mass_high_g, gravimetric_verdict, "
        "controlled_by FROM rel_controls WHERE control_id = ?", [control_id]).fetchone()


def status(store, prep_id: str) -> str:
    return chain.preparation_chain(store.cursor(), [prep_id])[prep_id]


@pytest.mark.parametrize(("mass", "verdict"), [
    (LOW, "within"), (HIGH, "within"), (16.9, "within"),
    (LOW - 0.01, "out"), (HIGH + 0.01, "out"), (8.4, "out"),
])
def test_the_verdict_is_computed_from_the_sheets_bounds(unit, mass, verdict) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    control_id = weigh(store, pharmacist, prep_id, mass)
    assert control_row(store, control_id) == (
        mass, 16.89, LOW, HIGH, verdict, "pharmacist")


def test_a_release_within_tolerance_is_signed_and_audited(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    control_id = weigh(store, pharmacist, prep_id, 17.1)
    assert status(store, prep_id) == "controlled"
    decision_id = service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert status(store, prep_id) == "released"
    row = store.cursor().execute(
        "SELECT d.control_id, d.decision, d.override_reason, s.meaning, s.username "
        "FROM rel_decisions d JOIN signatures s USING (signature_id) WHERE decision_id = ?",
        [decision_id]).fetchone()
    assert row == (control_id, "released", None, "libéré", "pharmacist")
    [recorded] = audit_rows(store, "preparation.controls_recorded")
    assert recorded["record_id"] == prep_id
    assert recorded["after_json"]["gravimetric_verdict"] == "within"
    [released] = audit_rows(store, "preparation.released")
    assert (released["actor"], released["record_id"], released["reason"]) == (
        "pharmacist", prep_id, None)
    assert released["after_json"]["decision_id"] == decision_id
    [signed] = [r for r in audit_rows(store, "signature") if r["record_id"] == prep_id]
    assert signed["after_json"]["meaning"] == "libéré"
    # released twice: refused, nothing more recorded
    with pytest.raises(ReleaseRefused, match="déjà libérée par Test pharmacist") as refused:
        service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert refused.value.code == "release_already_decided"
    with pytest.raises(ControlRefused, match="déjà libérée"):
        weigh(store, pharmacist, prep_id, 17.0)
    assert store.cursor().execute("SELECT count(*) FROM rel_decisions").fetchone()[0] == 1
    assert audit.verify(store.cursor()).ok and row_seals.check(store.cursor()).ok


def test_release_is_blocked_without_controls_and_until_the_isolator_check(store) -> None:
    pharmacist, preparer, preparer2 = validated_day(store)
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [bolus_line(store, preparer)], SETTINGS,
                                    at(TODAY, 8))
    prep_id = new.preparation_id
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000), SETTINGS, now=at(TODAY, 8.5))
    steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-77", now=at(TODAY, 8.5))
    # made, not controlled at the isolator: no release controls, no release
    with pytest.raises(ControlRefused, match="pas encore contrôlée à l'isolateur") as refused:
        weigh(store, pharmacist, prep_id, 17.0)
    assert refused.value.code == "control_not_controlled_at_isolator"
    blockers = service.release_blockers(store, pharmacist, prep_id, now=at(TODAY, 9))
    assert any("pas encore contrôlée à l'isolateur" in b for b in blockers)
    assert any("Aucun contrôle enregistré" in b for b in blockers)
    steps.control(store, preparer2, prep_id, now=at(TODAY, 9))
    with pytest.raises(ReleaseRefused, match="Aucun contrôle enregistré") as refused:
        service.release(store, pharmacist, prep_id, now=at(TODAY, 9))
    assert refused.value.code == "release_no_control"
    assert store.cursor().execute("SELECT count(*) FROM signatures WHERE meaning = 'libéré'"
                                  ).fetchone()[0] == 0


def test_out_of_tolerance_blocks_unless_overridden_with_a_reason(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    weigh(store, pharmacist, prep_id, HIGH + 0.01)
    [blocker] = service.release_blockers(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert "Masse mesurée 17,74\u00a0g HORS TOLÉRANCE (acceptée de 16,04\u00a0g à " \
           "17,73\u00a0g)" in blocker
    with pytest.raises(ReleaseRefused, match="HORS TOLÉRANCE") as refused:
        service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert refused.value.code == "release_mass_out_of_tolerance"
    for empty in ("", "   ", "ok"):  # no reason, or one too short, lifts nothing
        with pytest.raises(ReleaseRefused, match="HORS TOLÉRANCE"):
            service.release(store, pharmacist, prep_id, override_reason=empty,
                            now=at(TODAY, 11))
    assert status(store, prep_id) == "controlled"
    reason = "Écart de 0,01 g dû à la tare de la seringue, vérifié avec le préparateur"
    decision_id = service.release(store, pharmacist, prep_id, override_reason=reason,
                                  now=at(TODAY, 11))
    assert store.cursor().execute(
        "SELECT override_reason FROM rel_decisions WHERE decision_id = ?", [decision_id]
    ).fetchone() == (reason,)
    [released] = audit_rows(store, "preparation.released")
    assert released["reason"] == f"libérée malgré l'écart : {reason}"
    assert released["after_json"]["lifted"] == ["release_mass_out_of_tolerance"]
    assert released["after_json"]["gravimetric_verdict"] == "out"
    assert status(store, prep_id) == "released"


def test_an_override_lifts_only_the_gravimetric_verdict(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    weigh(store, pharmacist, prep_id, 30.0, visual_ok=False,
          visual_comment="Particules visibles")
    with pytest.raises(ReleaseRefused, match="Aspect non conforme") as refused:
        service.release(store, pharmacist, prep_id, override_reason="Validé par téléphone",
                        now=at(TODAY, 11))
    assert refused.value.code == "release_visual_not_ok"
    # a re-weighing is a new control; the decision reads the latest one
    weigh(store, pharmacist, prep_id, 17.0, analytical_method="HPLC",
          analytical_result="82 % de la dose", analytical_conform=False, now=at(TODAY, 11))
    with pytest.raises(ReleaseRefused, match="Contrôle analytique non conforme \\(HPLC"):
        service.release(store, pharmacist, prep_id, override_reason="Validé par téléphone",
                        now=at(TODAY, 11))
    assert store.cursor().execute("SELECT count(*) FROM rel_controls").fetchone()[0] == 2
    # a reason where nothing is out of tolerance justifies nothing: refused
    weigh(store, pharmacist, prep_id, 17.0, now=at(TODAY, 11.5))
    with pytest.raises(ReleaseRefused, match="Aucun écart à justifier") as refused:
        service.release(store, pharmacist, prep_id, override_reason="par précaution",
                        now=at(TODAY, 12))
    assert refused.value.code == "release_override_not_needed"
    service.release(store, pharmacist, prep_id, now=at(TODAY, 12))
    assert status(store, prep_id) == "released"


def test_no_weighing_possible_needs_a_written_reason(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    control_id = weigh(store, pharmacist, prep_id, None)
    assert control_row(store, control_id)[4] == "not_done"
    with pytest.raises(ReleaseRefused, match="Contrôle gravimétrique non fait") as refused:
        service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert refused.value.code == "release_mass_not_controlled"
    service.release(store, pharmacist, prep_id, override_reason="Balance en panne, contrôle "
                    "visuel renforcé", now=at(TODAY, 11))
    assert status(store, prep_id) == "released"


def test_the_preparer_who_made_it_can_never_release_it(store) -> None:
    pharmacist, _preparer, preparer2 = validated_day(store)
    # the pharmacist made it this time; a preparer controlled it at the isolator
    prep_id = made_bolus(store, pharmacist, preparer2)
    weigh(store, preparer2, prep_id, 17.0)
    with pytest.raises(ReleaseRefused, match="Vous avez fait cette préparation") as refused:
        service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    assert refused.value.code == "release_by_preparer"
    with pytest.raises(ReleaseRefused, match="Vous avez fait cette préparation"):
        service.release(store, pharmacist, prep_id, override_reason="urgence", now=at(TODAY, 11))
    with pytest.raises(PermissionDenied):  # a preparer never releases
        service.release(store, preparer2, prep_id, now=at(TODAY, 11))
    other = create_account(store, "pharmacist", "pharmacien2")
    service.release(store, other, prep_id, now=at(TODAY, 11))
    assert status(store, prep_id) == "released"


def test_an_expired_preparation_is_not_released(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    weigh(store, pharmacist, prep_id, 17.0)
    expires = store.cursor().execute("SELECT expires_at FROM fab_preparations WHERE "
                                     "preparation_id = ?", [prep_id]).fetchone()[0]
    with pytest.raises(ReleaseRefused, match="Préparation périmée depuis le 30/11/2026 à "
                       "08:00") as refused:
        service.release(store, pharmacist, prep_id, now=expires)
    assert refused.value.code == "release_expired"
    service.release(store, pharmacist, prep_id, now=expires - timedelta(minutes=1))


def test_control_inputs_are_checked(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    for mass in (0.0, -3.0, float("nan"), float("inf")):
        with pytest.raises(ControlRefused, match="Masse mesurée invalide") as refused:
            weigh(store, pharmacist, prep_id, mass)
        assert refused.value.code == "control_mass_invalid"
    with pytest.raises(ControlRefused, match="Contrôle visuel non renseigné"):
        weigh(store, pharmacist, prep_id, 17.0, visual_ok=None)
    with pytest.raises(ControlRefused, match="décrivez ce qui ne va pas"):
        weigh(store, pharmacist, prep_id, 17.0, visual_ok=False)
    with pytest.raises(ControlRefused, match="Contrôle analytique incomplet"):
        weigh(store, pharmacist, prep_id, 17.0, analytical_method="HPLC")
    with pytest.raises(ControlRefused, match="Contrôle analytique incomplet"):
        weigh(store, pharmacist, prep_id, 17.0, analytical_conform=True)
    with pytest.raises(PermissionDenied):
        weigh(store, create_account(store, "nurse"), prep_id, 17.0)
    assert store.cursor().execute("SELECT count(*) FROM rel_controls").fetchone()[0] == 0


def test_the_same_request_twice_records_once(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    first = weigh(store, pharmacist, prep_id, 17.0, request_key="controlkey01")
    assert weigh(store, pharmacist, prep_id, 17.0, request_key="controlkey01") == first
    decision = service.release(store, pharmacist, prep_id, now=at(TODAY, 11),
                               request_key="releasekey01")
    assert service.release(store, pharmacist, prep_id, now=at(TODAY, 11),
                           request_key="releasekey01") == decision
    counts = store.cursor().execute(
        "SELECT (SELECT count(*) FROM rel_controls), (SELECT count(*) FROM rel_decisions), "
        "(SELECT count(*) FROM signatures WHERE meaning = 'libéré')").fetchone()
    assert counts == (1, 1, 1)
    assert len(audit_rows(store, "preparation.released")) == 1


def test_a_rejected_preparation_goes_back_to_the_queue_under_a_new_number(unit) -> None:
    store, pharmacist, preparer, _preparer2, prep_id = unit
    weigh(store, pharmacist, prep_id, 19.2)
    with pytest.raises(ReleaseRefused, match="Motif du rejet obligatoire") as refused:
        service.reject(store, pharmacist, prep_id, "  ", now=at(TODAY, 11))
    assert refused.value.code == "release_reject_reason_missing"
    service.reject(store, pharmacist, prep_id, "Masse hors tolérance après nouvelle pesée",
                   now=at(TODAY, 11))
    assert status(store, prep_id) == "rejected"
    fab = store.cursor().execute(
        "SELECT status, status_reason, status_changed_by FROM fab_preparations "
        "WHERE preparation_id = ?", [prep_id]).fetchone()
    assert fab == ("cancelled", "Rejetée à la libération : Masse hors tolérance après "
                   "nouvelle pesée", "pharmacist")
    [decision] = audit_rows(store, "preparation.release_rejected")
    assert decision["reason"] == "Masse hors tolérance après nouvelle pesée"
    [marked] = audit_rows(store, "preparation.rejected")
    assert (marked["before_json"], marked["after_json"]) == (
        {"status": "controlled"}, {"status": "cancelled"})
    with pytest.raises(ReleaseRefused, match="déjà rejetée"):
        service.release(store, pharmacist, prep_id, now=at(TODAY, 12))
    with pytest.raises(ReleaseRefused, match="déjà rejetée"):
        service.reject(store, pharmacist, prep_id, "encore", now=at(TODAY, 12))
    # the queue lists the line again, to prepare; printing it gives a new number
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 12))
    [item] = [i for i in queue.items if i.line["final_dose"] == 836.0
              and i.line["drug_id"] == "FLUOROURACILE"]
    assert item.status == "to_prepare" and item.printable
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [item.line_id], SETTINGS, at(TODAY, 12))
    old_no = int(prep_id.removeprefix("FAB"))
    assert new.register_no > old_no and new.preparation_id != prep_id
    entries = {e["preparation_id"]: e for e in register.register_entries(
        store, preparer, TODAY, TODAY)}
    assert entries[prep_id]["status_label"] == "rejetée après contrôle"
    assert entries[prep_id]["cancel_reason"].startswith("Rejetée à la libération : Masse")
    assert entries[prep_id]["controller"] == "Test preparer"  # kept as fixed at control
    assert entries[new.preparation_id]["replaces_register_no"] == old_no
    assert chain.line_chain(store.cursor(), [item.line_id])[item.line_id] == (
        "sheet_printed", new.preparation_id)
    assert audit.verify(store.cursor()).ok and row_seals.check(store.cursor()).ok


def test_only_a_controlled_preparation_is_rejected_here(store) -> None:
    pharmacist, preparer, _preparer2 = validated_day(store)
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [bolus_line(store, preparer)], SETTINGS,
                                    at(TODAY, 8))
    with pytest.raises(ReleaseRefused, match="s'annule depuis sa page") as refused:
        service.reject(store, pharmacist, new.preparation_id, "poche percée",
                       now=at(TODAY, 9))
    assert refused.value.code == "release_not_controlled"
    with pytest.raises(ReleaseRefused, match="inconnue") as refused:
        service.reject(store, pharmacist, "FAB1", "poche percée", now=at(TODAY, 9))
    assert refused.value.code == "release_preparation_unknown"


def test_the_same_rejection_twice_records_once(unit) -> None:
    store, pharmacist, _preparer, _, prep_id = unit
    first = service.reject(store, pharmacist, prep_id, "Poche percée", at(TODAY, 11),
                           request_key="rejectkey01")
    assert service.reject(store, pharmacist, prep_id, "Poche percée", at(TODAY, 11),
                          request_key="rejectkey01") == first
    assert store.cursor().execute("SELECT count(*) FROM rel_decisions").fetchone()[0] == 1
    assert len(audit_rows(store, "preparation.rejected")) == 1
