"""What the controls and the release work on and return. Pure frozen dataclasses: no database,
no UI. A control session (`Control`) is one row of rel_controls, never edited (a re-weighing is
a new one); a decision (`Decision`) is the pharmacist's release or rejection; `Blocker` is one
reason a release would be refused now (rules.release_blockers lists every one at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chemo_fallback.errors import ChemoFallbackError

Verdict = Literal["within", "out", "not_done"]
VERDICT_LABELS: dict[str, str] = {
    "within": "dans la tolérance",
    "out": "HORS TOLÉRANCE",
    "not_done": "contrôle gravimétrique non fait",
}
DECISION_LABELS = {"released": "libérée", "rejected": "rejetée"}


class ControlRefused(ChemoFallbackError):
    """The control was not recorded; the French message says why and what to do."""


class ReleaseRefused(ChemoFallbackError):
    """The release or the rejection was not recorded; the message says why and what to do."""


@dataclass(frozen=True)
class Control:
    """One control session of a preparation, as recorded (bounds as the sheet printed them)."""

    control_id: int
    preparation_id: str
    mass_measured_g: float | None
    target_mass_g: float | None
    mass_low_g: float | None
    mass_high_g: float | None
    gravimetric_verdict: Verdict
    visual_ok: bool
    visual_comment: str | None
    analytical_method: str | None
    analytical_result: str | None
    analytical_conform: bool | None
    controlled_at: datetime
    controlled_by: str
    controlled_by_name: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Control:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.gravimetric_verdict]

    @property
    def has_analytical(self) -> bool:
        return self.analytical_method is not None


@dataclass(frozen=True)
class Decision:
    decision_id: int
    preparation_id: str
    control_id: int | None
    decision: Literal["released", "rejected"]
    override_reason: str | None
    reason: str | None
    pharmacist: str
    pharmacist_name: str
    decided_at: datetime
    signature_id: int | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Decision:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]


@dataclass(frozen=True)
class Blocker:
    """One reason the release is refused now. `liftable`: a pharmacist's written reason
    ("Libérer malgré l'écart") lifts it — only the gravimetric verdict is."""

    code: str
    message: str
    liftable: bool = False


@dataclass(frozen=True)
class ReleaseFacts:
    """What the release rules read of a preparation: its fabrication record, its latest
    control and its decisions, gathered by the repository."""

    preparation_id: str
    register_no: int
    fab_status: str  # fab_preparations.status
    prepared_by: str | None
    expires_at: datetime | None
    latest_control: Control | None
    decisions: tuple[Decision, ...] = ()

    @property
    def decided(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None
