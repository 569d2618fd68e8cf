"""Issue 15 part 3, the drill mode: refused next to a real snapshot, deterministic for a seed,
every stage of a day recorded through the services (the buyer's orders of the first day
delivered, received and closed on the second), the audit trail and the row seals intact, the
command line. Two drill days on the demo snapshot, played once for the module."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from factory import write_snapshot

from chemo_fallback.cli import main
from chemo_fallback.drill import simulate
from chemo_fallback.drill.summary import day_line
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store

DEMO_DAY = date(2026, 11, 23)  # the demo snapshot's export day: the drill's first day
DAYS = 2
# What the wall clock writes (the audit trail: when the drill really ran; the activation;
# password salts), and what carries it (a printed document's header names the audit trail's
# head, whose hash covers each record's wall-clock time): left out of the comparison of two
# runs. Every business record, a document's print time included, is dated by the drill.
WALL_CLOCK_TABLES = {"audit_log", "audit_head", "row_seals", "snapshot_activations",
                     "request_keys", "schema_migrations"}
WALL_CLOCK_COLUMNS = {("users", "password_hash"), ("users", "created_at"),
                      ("printed_documents", "data_json"), ("printed_documents", "data_sha256")}



def business_digest(store: Store) -> str:
    """A SHA-256 over every row of every business table, in key order."""
    cur = store.cursor()
    tables = [r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY 1").fetchall()]
    digest = hashlib.sha256()
    for table in tables:
        if table in WALL_CLOCK_TABLES:
            continue
        columns = [r[0] for r in cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' AND table_catalog = current_database() "
            "ORDER BY ordinal_position", [table]).fetchall()
            if (table, r[0]) not in WALL_CLOCK_COLUMNS]
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = cur.execute(f'SELECT {listed} FROM main."{table}" ORDER BY ALL').fetchall()
        digest.update(f"{table}:{columns}:{rows!r}".encode())
    return digest.hexdigest()


def counts(store: Store, sql: str) -> int:
    return store.cursor().execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def drilled(tmp_path_factory):
    """Two drill days, seed 7, on a fresh data directory: (store, reports)."""
    store = Store.open(tmp_path_factory.mktemp("drill") / "data")
    reports = simulate.run(store, DAYS, 7)
    yield store, reports
    store.close()


def test_refused_on_a_data_directory_holding_a_real_snapshot(store, tmp_path: Path) -> None:
    assert activate_snapshot(store, write_snapshot(tmp_path / "real")).status == "activated"
    with pytest.raises(simulate.DrillRefused, match="instantané réel") as refused:
        simulate.run(store, 1, 1)
    assert refused.value.code == "drill_real_snapshot"
    assert counts(store, "SELECT count(*) FROM rx_prescriptions") == 0
    assert counts(store, "SELECT count(*) FROM users") == 0


def test_never_activates_a_real_snapshot_on_an_empty_directory(store, tmp_path: Path) -> None:
    real = write_snapshot(tmp_path / "real")
    with pytest.raises(simulate.DrillRefused, match="données fictives"):
        simulate.run(store, 1, 1, snapshot=real)
    assert store.active_snapshot() is None
    with pytest.raises(simulate.DrillRefused, match="de 1 à"):
        simulate.run(store, 0, 1)
    with pytest.raises(simulate.DrillRefused, match="cycles par jour") as refused:
        simulate.run(store, 1, 1, max_cycles_per_day=0)
    assert refused.value.code == "drill_cycles_invalid"
    assert store.active_snapshot() is None


def test_a_lighter_drill_plays_at_most_its_cycles_a_day(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "light")
    try:
        [report] = simulate.run(store, 1, 7, max_cycles_per_day=1)
        assert report.counts["take_overs"] + report.counts["prescriptions"] == 1
        assert report.counts["weights"] == 1 and report.counts["releases"] > 0
    finally:
        store.close()


def test_a_day_goes_through_every_stage(drilled) -> None:
    store, reports = drilled
    assert [r.day for r in reports] == [DEMO_DAY, DEMO_DAY + timedelta(days=1)]
    assert all(not r.refusals for r in reports), [r.refusals for r in reports]
    c = sum((r.counts for r in reports), start=Counter())
    for key in ("weights", "take_overs", "validations", "feux_verts", "preparations", "vials",
                "releases", "rounds", "dispensed", "received", "administrations", "orders",
                "order_receptions"):
        assert c[key] > 0, (key, dict(c))
    assert counts(store, "SELECT count(*) FROM rx_prescriptions WHERE status = 'validated'"
                  ) == c["validations"]
    assert counts(store, "SELECT count(*) FROM fab_vial_scans") == c["vials"]
    assert counts(store, "SELECT count(*) FROM rel_decisions WHERE decision = 'released'"
                  ) == c["releases"]
    assert counts(store, "SELECT count(*) FROM disp_rounds") == c["rounds"]
    assert counts(store, "SELECT count(*) FROM adm_records") == (
        c["administrations"] + c["not_given"])
    # what the drill decided is dated in its days, by its clock, not the wall clock's
    days = "(DATE '2026-11-23', DATE '2026-11-24')"
    for table, column in (("rx_prescriptions", "created_at"), ("rx_prescriptions", "signed_at"),
                          ("validation_decisions", "decided_at"),
                          ("patient_measurements", "recorded_at"),
                          ("ord_orders", "created_at"), ("ord_stock_movements", "recorded_at")):
        assert counts(store, f"SELECT count(*) FROM {table} WHERE "
                             f"CAST({column} AS DATE) NOT IN {days}") == 0, (table, column)
    assert counts(store, "SELECT count(*) FROM signatures WHERE record_type = 'prescription' "
                         f"AND CAST(signed_at AS DATE) NOT IN {days}") == 0
    # each prescription's signature is the moment its record says it was signed
    signed = store.cursor().execute("""SELECT count(*), count(*) FILTER (s.signed_at <>
        p.signed_at) FROM rx_prescriptions p JOIN signatures s ON s.record_type = 'prescription'
        AND s.record_id = p.prescription_id AND s.meaning IN ('prescrit', 'transcrit')"""
    ).fetchone()
    assert signed[0] > 0 and signed[1] == 0, signed
    # the drill's accounts, clearly named
    users = {r[0] for r in store.cursor().execute("SELECT username FROM users").fetchall()}
    assert users and all(u.startswith("exercice-") for u in users)
    assert "Jour du 23/11/2026 : pesées" in day_line(reports[0])
    assert "réceptions de commande" in day_line(reports[1])


def test_the_buyer_orders_the_forecast_then_receives_and_closes(drilled) -> None:
    """Day 1 at 16:00: the forecast's suggestions ordered per supplier and sent; day 2: each
    confirmed (the supplier's reference, delivery promised after the lead time), received by
    scan (a few lines in two parts) and closed."""
    store, [first, second] = drilled
    assert first.counts["orders"] == first.counts["orders_sent"] > 0
    assert first.counts["order_receptions"] == 0  # nothing sent before the first day
    rows = store.cursor().execute(
        """SELECT order_id, status, origin, CAST(sent_at AS DATE), CAST(confirmed_at AS DATE),
                  supplier_reference, promised_date, CAST(closed_at AS DATE)
             FROM ord_orders WHERE CAST(created_at AS DATE) = DATE '2026-11-23'""").fetchall()
    assert len(rows) == first.counts["orders"] == second.counts["orders_closed"]
    for _id, status, origin, sent, confirmed, reference, promised, closed in rows:
        assert (status, origin, sent) == ("closed", "suggestion", DEMO_DAY)
        assert confirmed == closed == DEMO_DAY + timedelta(days=1)
        assert reference and promised > confirmed
    lines = store.cursor().execute(
        """SELECT l.order_line_id, l.quantity_vials, sum(m.quantity), count(m.movement_id),
                  min(m.entry), min(m.lot), min(m.expiry_date)
             FROM ord_order_lines l JOIN ord_stock_movements m USING (order_line_id)
            WHERE m.cause = 'reception' GROUP BY ALL""").fetchall()
    assert sum(n for *_, n, _e, _l, _x in lines) == second.counts["order_receptions"]
    for _line, ordered, received, _n, entry, lot, expiry in lines:
        assert received == ordered and entry == "scan" and lot.startswith("EXO")
        assert expiry == DEMO_DAY + timedelta(days=366)
    assert any(n == 2 for *_, n, _e, _l, _x in lines)  # a line delivered in two parts


def test_the_audit_trail_and_the_row_seals_verify(drilled, tmp_path: Path) -> None:
    store, _ = drilled
    reopened = Store.open(store.data_dir)  # what `audit verify` reads
    try:
        assert reopened.audit_check.ok and reopened.anchor_check.ok and reopened.rows_check.ok
        assert counts(reopened, "SELECT count(*) FROM audit_log") > 100
    finally:
        reopened.close()


def test_the_same_seed_records_the_same_day(drilled, tmp_path: Path) -> None:
    store, first = drilled
    again = Store.open(tmp_path / "again")
    try:
        second = simulate.run(again, DAYS, 7)
        assert [dict(r.counts) for r in second] == [dict(r.counts) for r in first]
        assert [r.refusals for r in second] == [r.refusals for r in first]
        assert counts(again, "SELECT count(*) FROM ord_stock_movements") > 0
        assert business_digest(again) == business_digest(store)
    finally:
        again.close()


def test_the_command_line_plays_the_days_and_verifies(tmp_path: Path, capsys) -> None:
    data = tmp_path / "cli"
    assert main(["simulate", "--data-dir", str(data), "--days", "1", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "Jour du 23/11/2026 : pesées" in out and "préparations" in out
    assert "Exercice terminé" in out and "Piste d'audit intègre" in out
