"""The release's pure rules: the gravimetric verdict (the mass measured against the bounds the
fabrication sheet printed: computed, never typed), what a control must hold, and every reason
a release is refused now (all at once, so that the pharmacist sees them together). No
database, no UI: a test imports this module without duckdb or nicegui.

The bounds are compared as the sheet printed them, to the centigram ("acceptée de 16,04 g à
17,73 g"): what the controller reads on the sheet is what the verdict applies, bounds
included. Only the gravimetric verdict (out of tolerance, or no weighing possible) is lifted,
by a pharmacist's written reason; every other blocker needs a new control or a rejection."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chemo_fallback import french
from chemo_fallback.modules.release.models import (
    DECISION_LABELS,
    Blocker,
    Control,
    ControlRefused,
    ReleaseFacts,
    ReleaseRefused,
    Verdict,
)
from chemo_fallback.patients.rules import parse_decimal

MASS_DECIMALS = 2  # the sheet prints masses to the centigram
MIN_OVERRIDE_REASON = 3  # characters: a shorter reason lifts nothing
MAX_TEXT = 500  # a comment, a method, a result: a line or two on the record
MAX_REASON = 2000  # a rejection's or an override's reason
FAB_STATUS_LABELS = {
    "sheet_printed": "fiche imprimée",
    "in_progress": "en cours de préparation",
    "prepared": "préparée, pas encore contrôlée à l'isolateur",
    "controlled": "contrôlée à l'isolateur",
    "cancelled": "annulée",
}


def grams(value: float | None) -> str:
    return french.quantity(value, "g", MASS_DECIMALS)


def printed_mass(value: float | None) -> float | None:
    """A mass as the sheet printed it: rounded half-up to the centigram."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-MASS_DECIMALS)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _finite_positive(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def checked_mass(mass_g: Any) -> float:
    """A measured mass: a finite number of grams above zero, or a French refusal."""
    if not _finite_positive(mass_g):
        raise ControlRefused(
            f"Masse mesurée invalide ({mass_g!r}) : saisissez la masse lue sur la balance, en "
            "grammes, supérieure à zéro (par exemple 17,25).", code="control_mass_invalid",
        )
    return float(mass_g)


def gravimetric_verdict(mass_measured_g: float, low_g: float, high_g: float) -> Verdict:
    """"within" when low ≤ mass ≤ high (bounds included), else "out". A mass or bounds that
    are not finite numbers above zero are refused, never judged."""
    mass = checked_mass(mass_measured_g)
    if not (_finite_positive(low_g) and _finite_positive(high_g) and low_g <= high_g):
        raise ControlRefused(
            f"Bornes de tolérance invalides sur la fiche ({low_g!r} à {high_g!r}) : le "
            "verdict ne peut pas être calculé. Prévenez le pharmacien (fiche à refaire).",
            code="control_bounds_invalid",
        )
    return "within" if low_g <= mass <= high_g else "out"


@dataclass(frozen=True)
class SheetMass:
    """The gravimetric target and bounds the sheet printed (plan_json), to the centigram."""

    target_g: float
    low_g: float
    high_g: float
    tolerance_pct: float | None

    def text(self) -> str:
        tolerance = (f" (± {french.percent(self.tolerance_pct)})"
                     if self.tolerance_pct is not None else "")
        return (f"masse cible {grams(self.target_g)} — acceptée de {grams(self.low_g)} à "
                f"{grams(self.high_g)}{tolerance}")


def sheet_mass(plan: dict) -> SheetMass | None:
    """The sheet's target and bounds; None when the sheet has none (no density known, so no
    gravimetric control possible: the verdict is "not_done")."""
    values = [plan.get(k) for k in ("target_mass_g", "mass_low_g", "mass_high_g")]
    if any(v is None for v in values):
        return None
    target, low, high = (printed_mass(v) for v in values)
    assert target is not None and low is not None and high is not None
    return SheetMass(target, low, high, plan.get("tolerance_pct"))


def control_verdict(mass_measured_g: float | None, sheet: SheetMass | None) -> Verdict:
    """The verdict a control records: "not_done" without a mass or without the sheet's
    bounds, else the gravimetric verdict against the printed bounds."""
    if mass_measured_g is None:
        return "not_done"
    mass = checked_mass(mass_measured_g)
    if sheet is None:
        return "not_done"
    return gravimetric_verdict(mass, sheet.low_g, sheet.high_g)


def mass_from_text(text: str | None) -> float | None:
    """What the controller typed ("17,25" or "17.25"); None for an empty field."""
    if not (text or "").strip():
        return None
    value = parse_decimal(text)
    if isinstance(value, str):
        raise ControlRefused(f"Masse mesurée : {value}", code="control_mass_unreadable")
    return checked_mass(value)


def _text(value: str | None, what: str, limit: int = MAX_TEXT) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ControlRefused(
            f"{what} fait {len(text)} caractères : {limit} au plus. Résumez-le.",
            code="control_text_too_long",
        )
    return text or None


@dataclass(frozen=True)
class ControlInputs:
    visual_ok: bool
    visual_comment: str | None
    analytical_method: str | None
    analytical_result: str | None
    analytical_conform: bool | None


def control_inputs(
    visual_ok: Any,
    visual_comment: str | None,
    analytical_method: str | None,
    analytical_result: str | None,
    analytical_conform: Any,
) -> ControlInputs:
    """The visual check is always answered (conform or not; why, when not); an analytical
    control is either absent or whole (method, result, conform or not)."""
    if not isinstance(visual_ok, bool):
        raise ControlRefused(
            "Contrôle visuel non renseigné : indiquez si l'aspect est conforme (limpidité, "
            "absence de particules, contenant intact, étiquette).", code="control_visual_missing",
        )
    comment = _text(visual_comment, "Le commentaire du contrôle visuel")
    if not visual_ok and comment is None:
        raise ControlRefused(
            "Aspect non conforme : décrivez ce qui ne va pas (particules, trouble, fuite…).",
            code="control_visual_comment_missing",
        )
    method = _text(analytical_method, "La méthode analytique")
    result = _text(analytical_result, "Le résultat analytique")
    whole = method is not None and result is not None and isinstance(analytical_conform, bool)
    nothing = method is None and result is None and analytical_conform is None
    if not (whole or nothing):
        raise ControlRefused(
            "Contrôle analytique incomplet : donnez la méthode, le résultat et s'il est "
            "conforme, ou laissez les trois vides s'il n'y a pas de contrôle analytique.",
            code="control_analytical_incomplete",
        )
    return ControlInputs(visual_ok, comment, method, result,
                         analytical_conform if whole else None)


def override_text(reason: str | None) -> str | None:
    """An override's reason, trimmed; None when nothing was written."""
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON:
        raise ReleaseRefused(
            f"Le motif fait {len(text)} caractères : {MAX_REASON} au plus. Résumez-le.",
            code="release_reason_too_long",
        )
    return text or None


# --- What blocks a release -------------------------------------------------------------------


def _mass_blocker(control: Control) -> Blocker | None:
    if control.gravimetric_verdict == "within":
        return None
    if control.gravimetric_verdict == "out":
        return Blocker(
            code="release_mass_out_of_tolerance",
            message=f"Masse mesurée {grams(control.mass_measured_g)} HORS TOLÉRANCE (acceptée de "
            f"{grams(control.mass_low_g)} à {grams(control.mass_high_g)}) : repesez (nouveau "
            "contrôle), rejetez la préparation, ou libérez malgré l'écart avec un motif écrit",
            liftable=True,
        )
    why = ("la fiche ne donne pas de masse cible" if control.mass_low_g is None
           else "aucune masse n'a été saisie")
    return Blocker(
        code="release_mass_not_controlled",
        message=f"Contrôle gravimétrique non fait ({why}) : libérez malgré l'absence de "
        "pesée avec un motif écrit, ou rejetez la préparation",
        liftable=True,
    )


def _decided_blocker(facts: ReleaseFacts) -> Blocker | None:
    decision = facts.decided
    if decision is None:
        return None
    return Blocker(
        code="release_already_decided",
        message=f"Préparation {facts.preparation_id} (ordonnancier n° {facts.register_no}) déjà "
        f"{DECISION_LABELS[decision.decision]} par {decision.pharmacist_name} le "
        f"{french.moment(decision.decided_at)} : rechargez la page pour voir la décision",
    )


def release_blockers(facts: ReleaseFacts, pharmacist: str, now: datetime) -> list[Blocker]:
    """Every reason `pharmacist` cannot release the preparation at `now`, in the order a
    pharmacist reads them; the liftable ones (gravimetric) are lifted by `still_blocking`."""
    decided = _decided_blocker(facts)
    if decided is not None:
        return [decided]
    found: list[Blocker] = []
    if facts.fab_status != "controlled":
        status = FAB_STATUS_LABELS.get(facts.fab_status, facts.fab_status)
        found.append(Blocker(
            code="release_not_controlled",
            message=f"Préparation {facts.preparation_id} : {status}. Seule une préparation "
            "contrôlée à l'isolateur (par une autre personne que le préparateur) se libère",
        ))
    if facts.prepared_by is not None and facts.prepared_by == pharmacist:
        found.append(Blocker(
            code="release_by_preparer",
            message="Vous avez fait cette préparation : elle est libérée par un autre pharmacien",
        ))
    if facts.expires_at is None:
        found.append(Blocker(
            code="release_expiry_unknown",
            message="Péremption de la préparation inconnue (fiche sans date limite) : rejetez-la, "
            "elle sera refaite avec une fiche complète",
        ))
    elif now >= facts.expires_at:
        found.append(Blocker(
            code="release_expired",
            message=f"Préparation périmée depuis le {french.moment(facts.expires_at)} : rejetez-la "
            "(sa ligne revient dans la file, sous un nouveau numéro)",
        ))
    control = facts.latest_control
    if control is None:
        found.append(Blocker(
            code="release_no_control",
            message="Aucun contrôle enregistré (pesée, aspect) : enregistrez le contrôle avant de "
            "libérer",
        ))
        return found
    if not control.visual_ok:
        found.append(Blocker(
            code="release_visual_not_ok",
            message="Aspect non conforme au contrôle visuel ("
            f"{control.visual_comment or 'sans détail'}) : rejetez la préparation, ou refaites "
            "le contrôle s'il a été mal saisi",
        ))
    if control.analytical_conform is False:
        found.append(Blocker(
            code="release_analytical_nonconform",
            message=f"Contrôle analytique non conforme ({control.analytical_method} : "
            f"{control.analytical_result}) : rejetez la préparation",
        ))
    mass = _mass_blocker(control)
    if mass is not None:
        found.append(mass)
    return found


def still_blocking(blockers: list[Blocker], override_reason: str | None) -> list[Blocker]:
    """What still refuses the release once the override's reason is read: a liftable blocker
    is lifted by a reason of 3 characters at least; a reason with nothing to lift is refused
    (the record would justify an écart that does not exist)."""
    reason = (override_reason or "").strip()
    lifted = len(reason) >= MIN_OVERRIDE_REASON
    left = []
    for blocker in blockers:
        if blocker.liftable and lifted:
            continue
        if blocker.liftable and reason:
            blocker = Blocker(blocker.code, blocker.message + " (motif trop court : écrivez "
                              "pourquoi vous libérez malgré l'écart)", liftable=True)
        left.append(blocker)
    if reason and not any(b.liftable for b in blockers) and not _decided(blockers):
        left.append(Blocker(
            code="release_override_not_needed",
            message="Aucun écart à justifier : la masse mesurée est dans la tolérance. "
            "Libérez sans motif d'écart (bouton « Libérer »)",
        ))
    return left


def _decided(blockers: list[Blocker]) -> bool:
    return any(b.code == "release_already_decided" for b in blockers)


def lifted_blockers(blockers: list[Blocker], override_reason: str | None) -> list[Blocker]:
    """The liftable blockers this reason lifts: what the signature dialog and the audit
    record say was released despite the écart."""
    reason = (override_reason or "").strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        return []
    return [b for b in blockers if b.liftable]
