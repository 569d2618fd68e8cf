"""A preparation rejected at the release (modules/release): the fabrication record is marked
cancelled with the reason, in the release's transaction. Its register entry stays, fixed at
its control and shown "rejetée après contrôle" (register.register_entries); its line goes back
to the production queue (repository.live_preparations ignores cancelled preparations) and the
next print gives it a new preparation under a new register number that points at this one
(printing._replaced)."""

from __future__ import annotations

from datetime import datetime

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo

REJECTED_PREFIX = "Rejetée à la libération : "


class RejectionRefused(ChemoFallbackError):
    """The preparation cannot be marked rejected; the message says why."""


def reject_preparation(cur, user: User, preparation_id: str, reason: str,
                       now: datetime) -> None:
    """Mark the controlled preparation rejected (status cancelled, "Rejetée à la libération :
    <reason>") with its audit record, in the caller's transaction (which records the
    pharmacist's decision). The caller checked the permission and the reason."""
    row = repo.preparation(cur, preparation_id)
    if row is None:
        raise RejectionRefused(
            f"Préparation {preparation_id} inconnue : vérifiez le numéro (code-barres de "
            "l'étiquette).", code="rejection_preparation_unknown",
        )
    if row["status"] != "controlled":
        raise RejectionRefused(
            f"Préparation {preparation_id} (ordonnancier n° {row['register_no']}) : seule une "
            "préparation contrôlée à l'isolateur se rejette à la libération ; avant, elle "
            "s'annule depuis sa page de fabrication.", code="rejection_not_controlled",
        )
    text = (reason or "").strip()
    if not text:
        raise RejectionRefused("Motif obligatoire pour rejeter une préparation.",
                               code="rejection_reason_missing")
    status_reason = REJECTED_PREFIX + text
    repo.update_preparation(cur, preparation_id, {
        "status": "cancelled", "status_reason": status_reason, "status_changed_at": now,
        "status_changed_by": user.username,
    })
    audit.record(
        cur, user.actor, "preparation.rejected", "preparation", preparation_id,
        before={"status": "controlled"}, after={"status": "cancelled"}, reason=status_reason,
    )
