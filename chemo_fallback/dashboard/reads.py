"""The crisis dashboard's numbers, read at one moment through the modules' repositories: today's
prescriptions by status, preparations along the chain, releases and administrations of the day,
what is late (late.py), stock alerts, open and late orders, the snapshot's age and the last
re-integration export. `situation()` is the one source of the page and of the status report.
Reads only: every role may see these counts (no patient is named)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import duckdb

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.dashboard.late import late_items
from chemo_fallback.dashboard.models import Situation, Tally
from chemo_fallback.modules.administration import repository as adm_repo
from chemo_fallback.modules.administration.models import OUTCOME_LABELS
from chemo_fallback.modules.fabrication import repository as fab_repo
from chemo_fallback.modules.ordering import alerts
from chemo_fallback.modules.ordering import orders as order_service
from chemo_fallback.modules.ordering import repository as ord_repo
from chemo_fallback.modules.ordering.models import OPEN_STATUSES
from chemo_fallback.modules.ordering.stock import current_stock
from chemo_fallback.modules.prescription.models import STATUS_LABELS, Status
from chemo_fallback.modules.release.chain import CHAIN_LABELS, preparation_chain
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.reintegration import runs
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.freshness import age_text, freshness
from chemo_fallback.store import Store

# A corrected version replaces the old one: the old one is not counted twice.
PRESCRIPTION_STATUSES = [s for s in Status if s != Status.SUPERSEDED]
NO_EXPORT = "Aucun export de réintégration n'a encore été fait."


def _tallies(counts: Counter, labels: dict, keys) -> list[Tally]:
    return [Tally(key=str(k), label=labels[k], count=counts.get(str(k), 0)) for k in keys]


def prescriptions_by_status(cur: duckdb.DuckDBPyConnection, day: date) -> list[Tally]:
    """Prescriptions (one per version, superseded ones left out) with a line planned `day`."""
    rows = cur.execute(
        """SELECT status, count(*) FROM rx_prescriptions p
           WHERE status <> 'superseded' AND EXISTS (
               SELECT 1 FROM rx_lines l
               WHERE l.prescription_id = p.prescription_id AND l.planned_date = ?)
           GROUP BY status""", [day],
    ).fetchall()
    return _tallies(Counter(dict(rows)), STATUS_LABELS, PRESCRIPTION_STATUSES)


def preparations_by_status(cur: duckdb.DuckDBPyConnection, day: date) -> list[Tally]:
    """Today's compounded lines along the chain: those without a sheet yet ("à préparer"),
    then every preparation planned `day` (rejected and cancelled ones too)."""
    lines = fab_repo.lines_to_prepare(cur, day)
    live = fab_repo.live_preparations(cur, [r["line_id"] for r in lines])
    ids = [r[0] for r in cur.execute(
        "SELECT preparation_id FROM fab_preparations WHERE planned_date = ?", [day]).fetchall()]
    counts = Counter(preparation_chain(cur, ids).values())
    counts["to_prepare"] = sum(1 for r in lines if r["line_id"] not in live)
    return _tallies(counts, CHAIN_LABELS, CHAIN_LABELS)


def released_on(cur: duckdb.DuckDBPyConnection, day: date) -> int:
    """Preparations whose latest decision is a release signed on `day`."""
    return cur.execute(
        """SELECT count(*) FROM (
               SELECT arg_max(decision, decision_id) AS decision,
                      arg_max(decided_at, decision_id) AS decided_at
               FROM rel_decisions GROUP BY preparation_id)
           WHERE decision = 'released' AND CAST(decided_at AS DATE) = ?""", [day],
    ).fetchone()[0]


def administrations(cur: duckdb.DuckDBPyConnection, day: date) -> tuple[int, list[Tally]]:
    """Today's steps of validated prescriptions, and their outcomes as last recorded."""
    lines = adm_repo.day_lines(cur, day)
    records = adm_repo.records_for(cur, [r["line_id"] for r in lines])
    counts = Counter(str(r.outcome) for r in records if not r.replaced)
    return len(lines), _tallies(counts, OUTCOME_LABELS, OUTCOME_LABELS)


def stock_alerts(cur: duckdb.DuckDBPyConnection, settings: SiteSettings,
                 day: date) -> list[Tally]:
    found = alerts.stock_alerts(current_stock(cur, settings), day,
                                settings.stock_expiry_alert_days)
    counts = Counter(str(k) for k, items in alerts.by_kind(found).items() for _ in items)
    return _tallies(counts, alerts.ALERT_LABELS, alerts.KIND_ORDER)


def orders(cur: duckdb.DuckDBPyConnection, day: date) -> tuple[int, int]:
    """Orders awaited from suppliers, and how many of them are late (Order.late)."""
    found = ord_repo.orders(cur, tuple(str(s) for s in OPEN_STATUSES))
    lines = ord_repo.order_lines(cur, [o.order_id for o in found])
    late = sum(
        1 for o in found
        if o.late(day, order_service.lead_time_days(cur, o, lines.get(o.order_id, [])))
    )
    return len(found), late


def last_export(cur: duckdb.DuckDBPyConnection) -> str:
    """The last re-integration export (issue 15 part 1, reintegration.runs), in French."""
    run = runs.last_run(cur)
    if run is None:
        return NO_EXPORT
    return (f"Dernier export de réintégration le {french.moment(run['exported_at'])} par "
            f"{run['exported_by_name']} (données jusqu'au {french.moment(run['until_at'])}).")


def situation(store: Store, user: User, settings: SiteSettings, now: datetime) -> Situation:
    """The whole dashboard at `now` (the page and the printed report both show this)."""
    require(user.role, Permission.SNAPSHOT_VIEW)
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
    now = now.replace(microsecond=0)
    day = now.date()
    cur = store.cursor()
    planned, outcomes = administrations(cur, day)
    open_orders, late_orders = orders(cur, day)
    active = store.active_snapshot()
    exported_at = active.exported_at if active else None
    return Situation(
        day=day,
        read_at=now,
        prescriptions=prescriptions_by_status(cur, day),
        preparations=preparations_by_status(cur, day),
        released_today=released_on(cur, day),
        doses_planned=planned,
        administrations=outcomes,
        late=late_items(cur, day, now),
        stock_alerts=stock_alerts(cur, settings, day),
        open_orders=open_orders,
        late_orders=late_orders,
        snapshot_exported_at=exported_at,
        snapshot_age=age_text(exported_at, now) if exported_at else "aucun instantané actif",
        snapshot_freshness=freshness(exported_at, now) if exported_at else "old",
        last_export=last_export(cur),
    )
