"""What is late on the crisis dashboard, four rules (docs/clinical-rules.md, "Crisis
dashboard"): a validated line of today still without its sheet after PRINT_CUTOFF; a preparation
controlled at the isolator and neither released nor rejected RELEASE_WAIT later; a preparation
handed over to a ward and not received RECEPTION_WAIT later; after END_OF_DAY, a step of today's
validated prescriptions with nothing recorded. Reads only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb

from chemo_fallback import french
from chemo_fallback.dashboard.models import Late
from chemo_fallback.modules.administration import repository as adm_repo
from chemo_fallback.modules.fabrication import repository as fab_repo
from chemo_fallback.modules.release.chain import preparation_chain

PRINT_CUTOFF = time(10, 0)
RELEASE_WAIT = timedelta(hours=2)
RECEPTION_WAIT = timedelta(hours=1)
END_OF_DAY = time(18, 0)
EXAMPLES = 5  # the first few numbers shown with a count


def _hour(moment: time) -> str:
    return f"{moment.hour} h" if not moment.minute else f"{moment.hour} h {moment.minute:02d}"


def _hours(wait: timedelta) -> str:
    return f"{french.number(wait.total_seconds() / 3600)} h"


def _late(key: str, label: str, rule: str, checked: bool, found: list[str]) -> Late:
    found = sorted(found) if checked else []
    return Late(key=key, label=label, rule=rule, checked=checked, count=len(found),
                examples=found[:EXAMPLES])


def unprinted(cur: duckdb.DuckDBPyConnection, day: date, now: datetime) -> Late:
    checked = now >= datetime.combine(day, PRINT_CUTOFF)
    lines = fab_repo.lines_to_prepare(cur, day) if checked else []
    live = fab_repo.live_preparations(cur, [r["line_id"] for r in lines])
    return _late(
        "unprinted", "Lignes validées du jour sans fiche de fabrication",
        f"à partir de {_hour(PRINT_CUTOFF)}, une ligne validée à préparer aujourd'hui dont la "
        "fiche n'est pas imprimée (feu vert attendu compris)",
        checked, [r["line_id"] for r in lines if r["line_id"] not in live],
    )


def unreleased(cur: duckdb.DuckDBPyConnection, now: datetime) -> Late:
    rows = cur.execute(
        "SELECT preparation_id FROM fab_preparations WHERE status = 'controlled' "
        "AND controlled_at < ?", [now - RELEASE_WAIT],
    ).fetchall()
    chain = preparation_chain(cur, [r[0] for r in rows])
    return _late(
        "unreleased", "Préparations contrôlées non libérées",
        f"contrôlée à l'isolateur depuis plus de {_hours(RELEASE_WAIT)}, ni libérée ni rejetée",
        True, [p for p, status in chain.items() if status == "controlled"],
    )


def unreceived(cur: duckdb.DuckDBPyConnection, now: datetime) -> Late:
    rows = cur.execute(
        """SELECT i.preparation_id FROM disp_items i JOIN disp_rounds r USING (round_id)
           WHERE i.received_at IS NULL AND r.handed_over_at IS NOT NULL
             AND r.handed_over_at < ?""", [now - RECEPTION_WAIT],
    ).fetchall()
    chain = preparation_chain(cur, [r[0] for r in rows])
    return _late(
        "unreceived", "Préparations dispensées non reçues",
        f"remise au transport depuis plus de {_hours(RECEPTION_WAIT)} sans réception par le "
        "service",
        True, [p for p, status in chain.items() if status == "dispensed"],
    )


def unrecorded(cur: duckdb.DuckDBPyConnection, day: date, now: datetime,
               day_lines: list[dict], recorded: set[str]) -> Late:
    checked = now >= datetime.combine(day, END_OF_DAY)
    return _late(
        "unrecorded", "Administrations du jour non enregistrées",
        f"à partir de {_hour(END_OF_DAY)}, une étape prévue aujourd'hui (prescription "
        "validée) sans administration enregistrée (administrée, non administrée, incident)",
        checked, [r["line_id"] for r in day_lines if r["line_id"] not in recorded],
    )


def late_items(cur: duckdb.DuckDBPyConnection, day: date, now: datetime) -> list[Late]:
    lines = adm_repo.day_lines(cur, day)
    recorded = {r.line_id for r in adm_repo.records_for(cur, [r["line_id"] for r in lines])}
    return [unprinted(cur, day, now), unreleased(cur, now), unreceived(cur, now),
            unrecorded(cur, day, now, lines, recorded)]
