"""Issue 13, item 3: the pure timing rules of the administration plan (mFOLFOX6 D1 with the
oxaliplatin and the folinic acid together and its 46-hour pump, R-CHOP D1 with its oral
drugs), the blocking step without a route, the label code read from a scanner, and what a
record must hold. No database: the rules module imports none."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from chemo_fallback.modules.administration.models import Outcome, RecordRequest, TimingLine
from chemo_fallback.modules.administration.rules import (
    DEFAULT_STEP_MIN,
    label_problems,
    plan_timing,
    preparation_id_from,
    record_problems,
)

START = datetime(2026, 11, 23, 9, 0)


def line(no: int, route: str | None = "IV", minutes: float | None = None,
         volume: float | None = None, container: str | None = "poche",
         runs_with: int | None = None) -> TimingLine:
    return TimingLine(line_id=f"L{no}", line_no=no, protocol_line_no=no,
                      runs_with_line_no=runs_with, route=route, duration_min=minutes,
                      volume_ml=volume, container=container)


MFOLFOX6_D1 = [
    line(1, minutes=15, volume=50),  # ondansetron
    line(2, minutes=15, volume=50),  # dexamethasone
    line(3, minutes=60, volume=250),  # NaCl 0,9 % (garde-veine)
    line(4, minutes=120, volume=284),  # oxaliplatin, the bag's final volume
    line(5, minutes=120, volume=250, runs_with=4),  # folinic acid, en Y with line 4
    line(6, minutes=10, container="seringue"),  # 5-FU bolus
    line(7, minutes=2760, volume=230, container="diffuseur"),  # 5-FU 46 h
]
RCHOP_D1 = [
    line(1, route="PO", container="per os"),  # paracetamol
    line(2, minutes=5, container="seringue"),  # dexchlorpheniramine
    line(3, minutes=15, volume=50),
    line(4, minutes=15, volume=50),
    line(5, minutes=60, volume=500),
    line(6, minutes=240, volume=500),  # rituximab
    line(7, minutes=60, volume=250),  # cyclophosphamide
    line(8, minutes=15, container="seringue"),  # doxorubicin
    line(9, minutes=10, volume=50),  # vincristine, minibag
    line(10, route="PO", container="per os"),  # prednisone
]


def hm(moment: datetime) -> str:
    return f"{moment:%d %H:%M}"


def test_mfolfox6_d1_times_rates_the_lines_together_and_the_46_hour_pump() -> None:
    steps = plan_timing(MFOLFOX6_D1, START)
    assert [(hm(s.start), hm(s.end)) for s in steps] == [
        ("23 09:00", "23 09:15"), ("23 09:15", "23 09:30"), ("23 09:30", "23 10:30"),
        ("23 10:30", "23 12:30"), ("23 10:30", "23 12:30"),  # together
        ("23 12:30", "23 12:40"), ("23 12:40", "25 10:40"),  # the pump ends two days later
    ]
    assert [s.rate_ml_h for s in steps] == [200, 200, 250, 142, 125, None, 5]
    assert steps[4].together_with == "L4" and steps[3].together_with is None
    pump = steps[6]
    assert pump.continues and pump.end == pump.start + timedelta(hours=46)
    assert "jusqu'au 25/11/2026 à 10:40" in pump.notes[0].message
    assert [n.code for n in steps[5].notes] == ["administration_rate_no_volume"]
    assert not any(s.blocking for s in steps)


def test_a_pump_does_not_hold_the_next_step() -> None:
    steps = plan_timing([line(1, minutes=2760, volume=230, container="diffuseur"),
                         line(2, minutes=15, volume=50)], START)
    assert hm(steps[1].start) == f"23 09:{DEFAULT_STEP_MIN:02d}"


def test_rchop_d1_counts_a_default_time_for_the_oral_drugs_and_says_so() -> None:
    steps = plan_timing(RCHOP_D1, START)
    assert [hm(s.start)[3:] for s in steps] == [
        "09:00", "09:05", "09:10", "09:25", "09:40", "10:40", "14:40", "15:40", "15:55",
        "16:05"]
    assert hm(steps[-1].end) == "23 16:10"
    assert [s.rate_ml_h for s in steps] == [None, None, 200, 200, 500, 125, 250, None, 300,
                                            None]
    oral = steps[0]
    assert oral.duration_default and oral.duration_min == DEFAULT_STEP_MIN
    assert [n.message for n in oral.notes] == ["Prise orale : 5 min comptées pour le plan."]
    assert [n.code for n in steps[1].notes] == ["administration_rate_no_volume"]


def test_a_step_without_route_is_blocking_and_without_duration_has_no_rate() -> None:
    [step] = plan_timing([line(1, route=None, volume=100)], START)
    assert step.blocking
    codes = [n.code for n in step.notes]
    assert codes == ["administration_route_missing", "administration_duration_default",
                     "administration_rate_no_duration"]
    assert "ne pas administrer" in step.notes[0].message


def test_a_line_running_with_a_line_absent_that_day_follows_the_others() -> None:
    steps = plan_timing([line(1, minutes=30, volume=100), line(5, minutes=60, volume=250,
                                                               runs_with=4)], START)
    assert hm(steps[1].start) == "23 09:30"
    assert steps[1].notes[0].code == "administration_runs_with_absent"


@pytest.mark.parametrize(("scanned", "expected"), [
    ("FAB250445", "FAB250445"), ("]C0FAB250445", "FAB250445"), (" fab250445\r\n", "FAB250445"),
    ("250445", "FAB250445"), ("0340079254953", ""), ("", ""),
    ("FAB-12", ""), ("01034007925495391727", ""),
])
def test_the_label_code_as_a_scanner_types_it(scanned: str, expected: str) -> None:
    assert preparation_id_from(scanned) == expected


FACTS = {"preparation_id": "FAB9", "register_no": 9, "patient_id": "IPP1", "patient_name": "A",
         "line_id": "L4", "drug": "oxaliplatine 178 mg", "planned_date": START.date(),
         "expires_at": START + timedelta(days=2), "chain_status": "released",
         "chain_label": "libérée"}


def test_label_problems_per_case() -> None:
    def codes(facts=FACTS, **kw) -> list[str]:
        args = {"patient_id": "IPP1", "patient_name": "A", "line_id": "L4", "step_title": "x",
                "day": START.date(), "moment": START, **kw}
        return [p.code for p in label_problems(facts, **args)]

    assert codes() == []
    assert codes(patient_id="IPP2") == ["label_other_patient"]
    assert codes(line_id="L5") == ["label_other_step"]
    assert codes(day=START.date() + timedelta(days=1)) == ["label_other_day"]
    assert codes(moment=START + timedelta(days=3)) == ["label_expired"]
    assert codes({**FACTS, "chain_status": "controlled"}) == ["label_not_released"]
    assert codes({**FACTS, "chain_status": "given"}) == ["label_already_given"]
    assert codes({**FACTS, "expires_at": None}) == ["label_expiry_unknown"]
    # not given, an incident: only that it is this patient's preparation
    assert codes({**FACTS, "chain_status": "controlled"}, giving=False) == []


def test_record_problems_name_what_each_outcome_needs() -> None:
    def codes(**kw) -> list[str]:
        args = {"line_id": "L4", "outcome": Outcome.GIVEN, **kw}
        return [p.code for p in record_problems(
            RecordRequest(**args), planned_date=START.date(), now=START + timedelta(hours=2),
            compounded=False, current=None, replacing=None)]

    assert codes(started_at=START, checks_done=True) == []
    assert codes(started_at=START) == ["administration_checks_not_done"]
    assert codes(started_at=START, from_paper=True) == ["administration_paper_nurse_missing"]
    assert codes(outcome=Outcome.NOT_GIVEN) == ["administration_not_given_reason_missing"]
    assert codes(outcome=Outcome.NOT_GIVEN, reason="refus") == []
    assert codes(outcome=Outcome.PARTIAL, started_at=START, checks_done=True) == [
        "administration_partial_amount_missing"]
    assert codes(outcome=Outcome.INCIDENT, started_at=START + timedelta(days=1),
                 incident="x", action_taken="y") == ["administration_time_future"]
    assert codes(outcome=Outcome.INCIDENT, started_at=START, incident="x") == [
        "administration_incident_incomplete"]
    assert codes(started_at=START, checks_done=True, replaces_id=3) == [
        "administration_correction_unknown", "administration_correction_reason_missing"]


def test_the_rules_import_no_database_nor_ui() -> None:
    code = ("import sys, chemo_fallback.modules.administration.rules, "
            "chemo_fallback.modules.administration.models; "
            "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    assert not {"duckdb", "nicegui", "reportlab", "pandas"} & loaded
