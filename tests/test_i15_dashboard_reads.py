"""Issue 15 item 2, the crisis dashboard's reads (dashboard.reads.situation) on the demo store
with a record at each stage (i15_dashboard_helpers): prescriptions by status, preparations along
the chain, released and administered counts, the four lateness rules before and after their
hour, stock alerts, open and late orders, the snapshot's age, the last export; every role reads
it, nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from i14_helpers import make_order
from i15_dashboard_helpers import day_at_every_stage, moment
from prescription_helpers import TODAY, activate_demo
from test_i13_dispensing_helpers import SETTINGS, account, validated_mfolfox6

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import PermissionDenied, Role
from chemo_fallback.dashboard import reads
from chemo_fallback.dashboard.models import NOT_CHECKED
from chemo_fallback.patients.models import NoActiveSnapshot


def counts(tallies) -> dict[str, int]:
    return {t.key: t.count for t in tallies if t.count}


def late(situation) -> dict[str, tuple[bool, int, list[str]]]:
    return {t.key: (t.checked, t.count, t.examples) for t in situation.late}


@pytest.fixture
def day(store):
    made = day_at_every_stage(store)
    return store, made["rx"], made["preps"]


def test_the_evening_situation_counts_every_stage(day) -> None:
    store, rx_id, preps = day
    buyer = account(store, "buyer")
    audit_before = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    s = reads.situation(store, buyer, SETTINGS, moment(19))
    assert (s.day, s.read_at) == (TODAY, moment(19))
    assert counts(s.prescriptions) == {"validated": 1} and s.prescriptions_total == 1
    # folinic controlled, oxaliplatin released, pump dispensed, bolus received then not given
    assert counts(s.preparations) == {"controlled": 1, "released": 1, "dispensed": 1,
                                      "not_given": 1}
    assert s.released_today == 3
    assert s.doses_planned == 7 and counts(s.administrations) == {"given": 1, "not_given": 1}
    assert s.administered == 1
    lines = [f"{rx_id}-L{n}" for n in (2, 3, 4, 5, 7)]
    assert late(s) == {
        "unprinted": (True, 0, []),
        "unreleased": (True, 1, [preps["folinic"]]),
        "unreceived": (True, 1, [preps["pump"]]),
        "unrecorded": (True, 5, lines),
    }
    assert s.late_total == 7
    assert s.snapshot_freshness == "fresh" and s.snapshot_age == "il y a 17 h"
    assert s.last_export == reads.NO_EXPORT
    assert s.alerts_total == sum(t.count for t in s.stock_alerts) > 0
    assert [t.key for t in s.stock_alerts] == ["negative", "over_planned", "below_minimum",
                                               "expired", "expiring"]
    audit_after = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert audit_after == audit_before  # a read writes nothing


def test_before_their_hour_the_timed_rules_are_not_checked_and_waits_are_measured(day) -> None:
    store, _rx_id, preps = day
    s = reads.situation(store, account(store, "nurse"), SETTINGS, moment(9.5))
    # controlled at 08:00 (1 h 30 ago < 2 h), handed over at 08:30 (1 h ago: not more than 1 h)
    assert late(s) == {"unprinted": (False, 0, []), "unreleased": (True, 0, []),
                       "unreceived": (True, 0, []), "unrecorded": (False, 0, [])}
    assert [t.examples_text for t in s.late if not t.checked] == [NOT_CHECKED, NOT_CHECKED]
    s = reads.situation(store, account(store, "nurse"), SETTINGS, moment(10.25))
    assert late(s)["unreleased"] == (True, 1, [preps["folinic"]])  # 2 h 15 after its control
    assert late(s)["unreceived"] == (True, 1, [preps["pump"]])
    assert late(s)["unprinted"] == (True, 0, [])


def test_validated_lines_without_their_sheet_are_late_after_the_cut_off(store) -> None:
    rx_id = validated_mfolfox6(store)
    preparer = account(store, "preparer")
    early = reads.situation(store, preparer, SETTINGS, moment(9.9))
    assert counts(early.preparations) == {"to_prepare": 4}
    assert late(early)["unprinted"] == (False, 0, [])
    s = reads.situation(store, preparer, SETTINGS, moment(10))
    checked, count, examples = late(s)["unprinted"]
    assert (checked, count) == (True, 4) and all(e.startswith(f"{rx_id}-L") for e in examples)
    assert s.released_today == 0 and s.administered == 0


def test_open_and_late_orders(store) -> None:
    activate_demo(store)
    buyer = account(store, "buyer")
    make_order(store, buyer)  # a draft: not awaited
    make_order(store, buyer, status="sent")
    make_order(store, buyer, status="confirmed", promised_date=TODAY)
    s = reads.situation(store, account(store, "admin"), SETTINGS, moment(12))
    assert (s.open_orders, s.late_orders) == (2, 0)
    s = reads.situation(store, account(store, "admin"), SETTINGS, moment(12) + timedelta(days=1))
    assert (s.open_orders, s.late_orders) == (2, 1)


def test_every_role_reads_it_and_an_unknown_role_does_not(day) -> None:
    store = day[0]
    numbers = {reads.situation(store, account(store, role.value), SETTINGS, moment(12)
                               ).model_dump_json() for role in Role}
    assert len(numbers) == 1  # the same numbers for everyone
    stranger = User("x", "X", "visitor", True, 0, None, None, False)
    with pytest.raises(PermissionDenied):
        reads.situation(store, stranger, SETTINGS, moment(12))


def test_without_a_snapshot_it_says_so(store) -> None:
    with pytest.raises(NoActiveSnapshot) as refused:
        reads.situation(store, account(store, "admin"), SETTINGS, moment(12))
    assert "instantané" in str(refused.value).lower()


def test_the_last_export_is_read_from_the_export_runs(store, tmp_path) -> None:
    from chemo_fallback.reintegration.service import export_package

    activate_demo(store)
    admin = account(store, "admin")
    assert reads.situation(store, admin, SETTINGS, moment(12)).last_export == reads.NO_EXPORT
    export_package(store, admin, tmp_path / "paquet", now=moment(11))
    shown = reads.situation(store, admin, SETTINGS, moment(12)).last_export
    assert shown.startswith("Dernier export de réintégration le ")
    assert shown.endswith("par Test admin (données jusqu'au 23/11/2026 à 11:00).")
