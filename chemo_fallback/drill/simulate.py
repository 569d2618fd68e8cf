"""`chemo-fallback simulate`: N days of a unit's work, played through the services the pages
call, day by day from the snapshot's export day, at the hours a unit works. Every choice
(which patient, which intervention, which control out of tolerance) comes from
`random.Random(seed)`; every service is given the drill's moment (`now=`, `today=`): two runs
with one seed on fresh directories record the same thing. The audit trail keeps the wall
clock: it says when the drill really wrote each record."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.drill.actors import Team, drill_team
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

MAX_DAYS = 366


class DrillRefused(ChemoFallbackError):
    """The drill does not run here (a real snapshot, a bad number of days)."""


@dataclass
class Drill:
    """What every stage of a day reads and writes: the store, the team, the day, the seeded
    choices, the day's counts and the refusals met (a drill meets them as staff would)."""

    store: Store
    team: Team
    settings: SiteSettings
    rng: random.Random
    day: date
    # at most this many cycles (take-overs and new ones) prescribed a day; None: every one due
    max_cycles: int | None = None
    counts: Counter = field(default_factory=Counter)
    refusals: list[str] = field(default_factory=list)

    def at(self, hours: float) -> datetime:
        """The drill's moment on its day, given as `now=` to every service it calls."""
        return datetime.combine(self.day, time()) + timedelta(hours=hours)

    def attempt(self, what: str, action: Callable, *args, **kwargs):
        """Run one service call: its result (True for a service that returns nothing), or
        None when refused; a refusal is counted and kept (French), never fatal."""
        try:
            result = action(*args, **kwargs)
        except ChemoFallbackError as exc:
            self.counts["refused"] += 1
            self.refusals.append(f"{self.day:%d/%m/%Y} {what} : {exc}")
            return None
        return True if result is None else result


@dataclass
class DayReport:
    day: date
    counts: Counter
    refusals: list[str]


def refuse_real_snapshot(store: Store) -> None:
    active = store.active_snapshot()
    if active is not None and not active.demo:
        raise DrillRefused(
            f"Le dossier de données {store.data_dir} contient un instantané réel : l'exercice "
            "ne s'y lance jamais (il écrirait des prescriptions fictives à côté de vraies). "
            "Choisissez un dossier vide ou de démonstration (--data-dir).",
            code="drill_real_snapshot",
        )


def refuse_real_folder(folder: Path) -> None:
    """A snapshot folder whose manifest does not say demo (the generator's and the demo's do)
    is never activated by the drill; nor an archive, unread before its activation."""
    from chemo_fallback.snapshot.manifest import load_manifest

    if not folder.is_dir():
        raise DrillRefused(
            f"Instantané introuvable ou archive : {folder}. Donnez le dossier d'un instantané "
            "de démonstration ou généré (chemo-fallback snapshot generate --out DOSSIER).",
            code="drill_snapshot_refused")
    try:
        demo = load_manifest(folder).demo
    except Exception:
        return  # the activation reports what is wrong with it
    if not demo:
        raise DrillRefused(
            f"L'instantané {folder} n'est pas un instantané de démonstration ou généré : "
            "l'exercice ne joue que sur des données fictives (chemo-fallback snapshot "
            "generate en écrit un).", code="drill_real_snapshot")


def prepare(store: Store, snapshot: Path | None, progress: Callable[[str], None]) -> date:
    """The snapshot the drill plays on: the one given, else the demo one, activated unless it
    is already the active one; returns the day the drill starts (its export day)."""
    from chemo_fallback.snapshot.activation import activate_snapshot

    refuse_real_snapshot(store)
    active = store.active_snapshot()
    wanted = Path(snapshot or DEMO_SNAPSHOT).resolve()
    if active is None or Path(active.source_path).resolve() != wanted:
        refuse_real_folder(wanted)
        progress(f"Activation de l'instantané {wanted}…")
        report = activate_snapshot(store, wanted, refuse_demo=False)
        if report.status != "activated":
            raise DrillRefused("Instantané refusé :\n" + report.to_text(),
                               code="drill_snapshot_refused")
        active = store.active_snapshot()
        if active is None or not active.demo:
            raise DrillRefused(
                f"L'instantané {wanted} n'est pas un instantané de démonstration ou généré : "
                "l'exercice ne joue que sur des données fictives.", code="drill_real_snapshot")
    return active.exported_at.date()


def first_drill_day(store: Store, start: date) -> date:
    """The day after the last day an earlier drill played, else the snapshot's export day."""
    last = store.cursor().execute(
        "SELECT max(cycle_start_date) FROM rx_prescriptions WHERE created_by LIKE 'exercice-%'"
    ).fetchone()[0]
    return max(start, last + timedelta(days=1)) if last else start


def run(store: Store, days: int, seed: int, *, snapshot: Path | None = None,
        settings: SiteSettings | None = None, max_cycles_per_day: int | None = None,
        progress: Callable[[str], None] = lambda _m: None,
        on_day: Callable[[DayReport], None] = lambda _r: None) -> list[DayReport]:
    """Play `days` days from the day after an earlier drill's last (else the snapshot's export
    day). `max_cycles_per_day`: a lighter drill on a large snapshot, at most that many cycles
    prescribed a day (the take-overs first, in the seed's order; the rest wait for no one:
    they are simply not played); None plays every cycle due."""
    from chemo_fallback.drill import stages

    if not 1 <= days <= MAX_DAYS:
        raise DrillRefused(f"Nombre de jours invalide ({days}) : de 1 à {MAX_DAYS}.",
                           code="drill_days_invalid")
    if max_cycles_per_day is not None and max_cycles_per_day < 1:
        raise DrillRefused(f"Nombre de cycles par jour invalide ({max_cycles_per_day}) : "
                           "1 au moins.", code="drill_cycles_invalid")
    start = first_drill_day(store, prepare(store, snapshot, progress))
    settings = settings or SiteSettings()
    team = drill_team(store, None)
    rng = random.Random(seed)
    reports = []
    for n in range(days):
        drill = Drill(store, team, settings, rng, start + timedelta(days=n),
                      max_cycles=max_cycles_per_day)
        for stage in stages.DAY:
            stage(drill)
        report = DayReport(drill.day, drill.counts, drill.refusals)
        reports.append(report)
        on_day(report)
    return reports
