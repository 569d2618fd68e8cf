"""Issue 13, item 1: the release's pure rules — the gravimetric verdict just inside and just
outside the bounds the sheet printed, what a control must hold, and what blocks a release."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from chemo_fallback.modules.release import rules
from chemo_fallback.modules.release.models import (
    Control,
    ControlRefused,
    Decision,
    ReleaseFacts,
)

NOW = datetime(2026, 11, 23, 11, 0)
# The 5-FU bolus of the demo: 16,8872 g ± 5 % → printed 16,89 g, from 16,04 g to 17,73 g.
PLAN = {"target_mass_g": 16.8872, "mass_low_g": 16.04284, "mass_high_g": 17.73156,
        "tolerance_pct": 5.0}


def test_the_release_rules_import_no_database_nor_ui() -> None:
    code = ("import sys, chemo_fallback.modules.release.rules, "
            "chemo_fallback.modules.release.models; print(' '.join(sys.modules))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & loaded


@pytest.mark.parametrize(("mass", "verdict"), [
    (10.0, "within"), (9.5, "within"), (10.5, "within"),  # bounds included
    (9.49, "out"), (10.51, "out"), (9.4999, "out"), (10.5001, "out"), (0.5, "out"),
])
def test_gravimetric_verdict_just_inside_and_just_outside(mass, verdict) -> None:
    assert rules.gravimetric_verdict(mass, 9.5, 10.5) == verdict


@pytest.mark.parametrize("mass", [0.0, -1.0, float("nan"), float("inf"), None, "17", True])
def test_a_mass_that_is_not_a_positive_number_is_refused(mass) -> None:
    with pytest.raises(ControlRefused, match="Masse mesurée invalide") as refused:
        rules.gravimetric_verdict(mass, 9.5, 10.5)
    assert refused.value.code == "control_mass_invalid"


@pytest.mark.parametrize(("low", "high"), [(10.5, 9.5), (0.0, 10.0), (float("nan"), 10.0),
                                           (9.5, float("inf")), (None, 10.0)])
def test_bounds_that_make_no_sense_are_refused(low, high) -> None:
    with pytest.raises(ControlRefused, match="Bornes de tolérance invalides") as refused:
        rules.gravimetric_verdict(10.0, low, high)
    assert refused.value.code == "control_bounds_invalid"


def test_the_verdict_applies_the_bounds_as_the_sheet_printed_them() -> None:
    sheet = rules.sheet_mass(PLAN)
    assert (sheet.target_g, sheet.low_g, sheet.high_g) == (16.89, 16.04, 17.73)
    assert sheet.text() == ("masse cible 16,89\u00a0g — acceptée de 16,04\u00a0g à "
                            "17,73\u00a0g (± 5\u00a0%)")
    # 17,73 g is accepted as printed (17,73156 unrounded); 17,74 g is not
    assert rules.control_verdict(17.73, sheet) == "within"
    assert rules.control_verdict(17.74, sheet) == "out"
    assert rules.control_verdict(16.04, sheet) == "within"
    assert rules.control_verdict(16.03, sheet) == "out"
    assert rules.printed_mass(2.345) == 2.35  # half-up, as printed
    # no mass, or a sheet without target (no density known): not done, never judged
    assert rules.control_verdict(None, sheet) == "not_done"
    assert rules.sheet_mass({**PLAN, "target_mass_g": None}) is None
    assert rules.control_verdict(17.0, None) == "not_done"


def test_a_typed_mass_takes_a_decimal_comma() -> None:
    assert rules.mass_from_text("17,25") == 17.25
    assert rules.mass_from_text(" 17.25 ") == 17.25
    assert rules.mass_from_text("") is None
    with pytest.raises(ControlRefused, match="Valeur non reconnue") as refused:
        rules.mass_from_text("17,2 g")
    assert refused.value.code == "control_mass_unreadable"
    with pytest.raises(ControlRefused, match="Masse mesurée invalide"):
        rules.mass_from_text("0")


def test_control_inputs() -> None:
    kept = rules.control_inputs(True, "  RAS  ", "  ", None, None)
    assert (kept.visual_comment, kept.analytical_method, kept.analytical_conform) == (
        "RAS", None, None)
    whole = rules.control_inputs(True, None, "HPLC", "98 %", True)
    assert (whole.analytical_method, whole.analytical_result, whole.analytical_conform) == (
        "HPLC", "98 %", True)
    for args, code in [
        ((None, None, None, None, None), "control_visual_missing"),
        ((False, " ", None, None, None), "control_visual_comment_missing"),
        ((True, None, "HPLC", None, True), "control_analytical_incomplete"),
        ((True, None, None, "98 %", None), "control_analytical_incomplete"),
        ((True, None, "HPLC", "98 %", "oui"), "control_analytical_incomplete"),
        ((True, "x" * 501, None, None, None), "control_text_too_long"),
    ]:
        with pytest.raises(ControlRefused) as refused:
            rules.control_inputs(*args)
        assert refused.value.code == code


def control(verdict="within", mass=17.0, visual_ok=True, conform=None, low=16.04) -> Control:
    return Control(
        control_id=1, preparation_id="FAB1", mass_measured_g=mass, target_mass_g=16.89,
        mass_low_g=low, mass_high_g=17.73 if low else None, gravimetric_verdict=verdict,
        visual_ok=visual_ok, visual_comment=None if visual_ok else "trouble",
        analytical_method="HPLC" if conform is not None else None,
        analytical_result="80 %" if conform is not None else None, analytical_conform=conform,
        controlled_at=NOW, controlled_by="ctrl", controlled_by_name="Contrôleur",
    )


def facts(latest=None, status="controlled", prepared_by="prep", expires=NOW + timedelta(days=2),
          decisions=()) -> ReleaseFacts:
    return ReleaseFacts("FAB1", 1, status, prepared_by, expires, latest, tuple(decisions))


def codes(blockers) -> list[str]:
    return [b.code for b in blockers]


def test_a_controlled_preparation_within_tolerance_has_no_blocker() -> None:
    assert rules.release_blockers(facts(control()), "pharma", NOW) == []


def test_every_blocker_at_once() -> None:
    found = rules.release_blockers(
        facts(control("out", 19.0, visual_ok=False, conform=False), status="prepared",
              prepared_by="pharma", expires=NOW), "pharma", NOW)
    assert codes(found) == [
        "release_not_controlled", "release_by_preparer", "release_expired",
        "release_visual_not_ok", "release_analytical_nonconform",
        "release_mass_out_of_tolerance",
    ]
    assert [b.liftable for b in found] == [False] * 5 + [True]
    assert codes(rules.release_blockers(facts(None), "pharma", NOW)) == ["release_no_control"]
    assert codes(rules.release_blockers(facts(control(), expires=None), "pharma", NOW)) == [
        "release_expiry_unknown"]
    # one minute before its expiry it is still released
    assert rules.release_blockers(facts(control(), expires=NOW + timedelta(minutes=1)),
                                  "pharma", NOW) == []


def test_only_the_gravimetric_verdict_is_lifted_and_only_with_a_reason() -> None:
    out = rules.release_blockers(facts(control("out", 19.0)), "pharma", NOW)
    assert codes(rules.still_blocking(out, None)) == ["release_mass_out_of_tolerance"]
    [short] = rules.still_blocking(out, "ok")
    assert "motif trop court" in short.message
    assert rules.still_blocking(out, "Tare de la seringue vérifiée") == []
    assert codes(rules.lifted_blockers(out, "Tare de la seringue vérifiée")) == [
        "release_mass_out_of_tolerance"]
    assert rules.lifted_blockers(out, "ok") == []
    not_done = rules.release_blockers(facts(control("not_done", None, low=None)), "pharma", NOW)
    assert codes(not_done) == ["release_mass_not_controlled"]
    assert "la fiche ne donne pas de masse cible" in not_done[0].message
    assert rules.still_blocking(not_done, "Balance en panne") == []
    visual = rules.release_blockers(facts(control("out", 19.0, visual_ok=False)), "pharma", NOW)
    assert codes(rules.still_blocking(visual, "Tare vérifiée")) == ["release_visual_not_ok"]
    # a reason where there is no écart is refused rather than recorded
    assert codes(rules.still_blocking([], "par précaution")) == ["release_override_not_needed"]


def test_a_decision_taken_blocks_everything_else() -> None:
    taken = Decision(1, "FAB1", 1, "released", None, None, "p2", "Paul Garnier", NOW, 3)
    found = rules.release_blockers(facts(control(), decisions=[taken]), "pharma", NOW)
    assert codes(found) == ["release_already_decided"]
    assert "déjà libérée par Paul Garnier le 23/11/2026 à 11:00" in found[0].message
    assert codes(rules.still_blocking(found, "motif")) == ["release_already_decided"]
