"""The production queue: the day's validated lines of compounded drugs, each with its feu vert,
its preparation's status and, before its sheet is printed, the computation the sheet would
print (and what blocks it). Grouped by drug so that vials are shared."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.modules.fabrication.models import LineToPrepare, PreparationPlan
from chemo_fallback.modules.fabrication.rules import plan_preparation
from chemo_fallback.modules.release.chain import label as chain_label
from chemo_fallback.modules.release.chain import line_chain
from chemo_fallback.modules.validation.repository import patient_names
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

TO_PREPARE = "to_prepare"
STATUS_LABELS = {
    TO_PREPARE: "à préparer",
    "sheet_printed": "fiche imprimée",
    "in_progress": "en cours",
    "prepared": "préparée",
    "controlled": "contrôlée",
    "cancelled": "annulée",
}
QUEUE_STATUSES = (TO_PREPARE, "sheet_printed", "in_progress", "prepared", "controlled")


@dataclass(frozen=True)
class QueueItem:
    line: dict  # the prescription line and its prescription (repository.lines_to_prepare)
    patient_name: str
    status: str
    preparation: dict | None  # once its sheet is printed
    waits_go_ahead: bool  # a costly drug, made only after the ward's feu vert
    go_ahead: bool  # the feu vert is recorded
    plan: PreparationPlan | None  # what the sheet would print (before it is printed)
    problems: tuple[str, ...]  # French: why it cannot be printed now
    chain: str | None = None  # once printed: its status along the whole chain (release.chain)

    @property
    def line_id(self) -> str:
        return self.line["line_id"]

    @property
    def status_label(self) -> str:
        """What the unit calls its status now: past the isolator, the chain's (libérée,
        dispensée, administrée…)."""
        return chain_label(self.chain) if self.chain else STATUS_LABELS[self.status]

    @property
    def printable(self) -> bool:
        return self.status == TO_PREPARE and not self.problems

    @property
    def go_ahead_label(self) -> str:
        if not self.waits_go_ahead:
            return "peut être préparé à l'avance"
        return "feu vert reçu" if self.go_ahead else "attend le feu vert"


@dataclass(frozen=True)
class Queue:
    day: date
    items: tuple[QueueItem, ...]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(QUEUE_STATUSES, 0)
        for item in self.items:
            found[item.status] += 1
        return found

    def by_drug(self) -> list[tuple[str, list[QueueItem]]]:
        groups: dict[str, list[QueueItem]] = {}
        for item in self.items:
            groups.setdefault(item.line["drug_inn"] or item.line["drug_id"], []).append(item)
        return sorted(groups.items(), key=lambda g: g[0].casefold())


def line_to_prepare(line: dict) -> LineToPrepare:
    return LineToPrepare(
        line_id=line["line_id"], drug_id=line["drug_id"], dose=line["final_dose"],
        dose_unit=line["dose_unit"], route=line["route"], container=line["container"],
        diluent=line["diluent"], volume_ml=line["volume_ml"], duration_min=line["duration_min"],
    )


def plan_line(
    cur, line: dict, settings: SiteSettings, at: datetime, drawn: dict[str, float] | None = None
) -> tuple[PreparationPlan | None, tuple[str, ...]]:
    """The computation for one line at `at`, drawing first from the usable reliquats (less
    what `drawn` already takes from them: reliquat id → amount); or why it cannot be
    computed."""
    drug = repo.drugs(cur, [line["drug_id"]]).get(line["drug_id"])
    if drug is None:
        return None, (f"Médicament {line['drug_id']} absent de l'instantané (drugs).",)
    products = repo.products(cur, [drug.drug_id])[drug.drug_id]
    opened = [
        replace(o, amount=o.amount - (drawn or {}).get(o.reliquat_id, 0.0))
        for o in repo.usable_reliquats(cur, [p.product_id for p in products], at)
    ]
    opened = [o for o in opened if o.amount > 1e-9]
    try:
        plan = plan_preparation(
            line_to_prepare(line), drug, products, settings, prepared_at=at, opened=opened
        )
    except ChemoFallbackError as exc:
        return None, (str(exc),)
    return plan, tuple(f.message for f in plan.blocking_findings)


def production_queue(
    store: Store, user: User, day: date, settings: SiteSettings, *, now: datetime | None = None
) -> Queue:
    require(user.role, Permission.FABRICATION_READ)
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
    now = now or datetime.now()
    cur = store.cursor()
    lines = repo.lines_to_prepare(cur, day)
    preparations = repo.live_preparations(cur, [r["line_id"] for r in lines])
    go_aheads = repo.go_ahead_days(cur, sorted({r["prescription_id"] for r in lines}))
    names = patient_names(cur, sorted({r["patient_id"] for r in lines}))
    costly = set(settings.costly_drugs_wait_go_ahead)
    chains = line_chain(cur, list(preparations))
    items = []
    for line in lines:
        preparation = preparations.get(line["line_id"])
        waits = line["drug_id"] in costly
        given = (line["prescription_id"], line["day_no"]) in go_aheads
        plan, problems = (None, ())
        if preparation is None:
            plan, problems = plan_line(cur, line, settings, now)
            if waits and not given:
                problems = (*problems, GO_AHEAD_MISSING)
        items.append(
            QueueItem(
                line=line,
                patient_name=names.get(line["patient_id"], line["patient_id"]),
                status=preparation["status"] if preparation else TO_PREPARE,
                preparation=preparation,
                waits_go_ahead=waits,
                go_ahead=given,
                plan=plan,
                problems=problems,
                chain=chains.get(line["line_id"], (None, None))[0],
            )
        )
    return Queue(day, tuple(items))


GO_AHEAD_MISSING = (
    "Médicament coûteux : la préparation attend le feu vert de l'équipe soignante "
    "(enregistrez-le depuis la validation, « Feu vert »)."
)
