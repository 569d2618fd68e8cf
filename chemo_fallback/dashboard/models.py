"""What the crisis dashboard shows, as data: one `Situation` read at one moment. The page draws
it and the status report prints it (it is the report's stored content), so the numbers on the
screen and on the paper are the same numbers. Pure pydantic: no database, no UI."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

NOT_CHECKED = "pas encore vérifié (avant l'heure de la règle)"


class Tally(BaseModel):
    """One count of a breakdown (a status, an alert kind), with its French label."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    label: str
    count: int


class Late(BaseModel):
    """One rule of what is late (docs/clinical-rules.md, "Crisis dashboard")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    label: str  # French: what is late
    rule: str  # French: when it counts as late
    checked: bool  # False before the rule's hour: nothing is late yet by that rule
    count: int
    examples: list[str]  # the first few: preparation or prescription numbers (no patient name)

    @property
    def examples_text(self) -> str:
        if not self.checked:
            return NOT_CHECKED
        return ", ".join(self.examples) + (" …" if self.count > len(self.examples) else "")


class Situation(BaseModel):
    """The unit's day at `read_at` (the report prints this moment)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    day: date
    read_at: datetime
    prescriptions: list[Tally]  # today's prescriptions by status
    preparations: list[Tally]  # today's preparations along the chain (release.chain)
    released_today: int
    doses_planned: int  # administration steps of today's validated prescriptions
    administrations: list[Tally]  # today's steps by recorded outcome
    late: list[Late]
    stock_alerts: list[Tally]
    open_orders: int
    late_orders: int
    snapshot_exported_at: datetime | None
    snapshot_age: str  # "il y a 3 h"
    snapshot_freshness: str  # fresh / stale / old (snapshot.freshness)
    last_export: str  # French: the last re-integration export, or that there was none

    @property
    def prescriptions_total(self) -> int:
        return sum(t.count for t in self.prescriptions)

    @property
    def preparations_total(self) -> int:
        return sum(t.count for t in self.preparations)

    @property
    def administered(self) -> int:
        """Given, wholly or in part."""
        return sum(t.count for t in self.administrations if t.key in ("given", "partial"))

    @property
    def late_total(self) -> int:
        return sum(item.count for item in self.late)

    @property
    def alerts_total(self) -> int:
        return sum(t.count for t in self.stock_alerts)
