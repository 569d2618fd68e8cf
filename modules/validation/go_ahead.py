"""The clinical team's "feu vert" (OK chimio) for one day of a prescription: recorded and
audited in one transaction, and read back. A feu vert is for one day of the prescription, given
that day or the day before, never before the prescription existed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import rules as rx_rules
from chemo_fallback.modules.prescription.models import Prescription, Status
from chemo_fallback.modules.validation import repository as repo
from chemo_fallback.modules.validation.models import ValidationError
from chemo_fallback.modules.validation.service import RECORD, prescription_or_refuse
from chemo_fallback.store import Store

GO_AHEAD_ACTION = "prescription.go_ahead"


def record_go_ahead(
    store: Store,
    user: User,
    prescription_id: str,
    day_no: int,
    given_by: str,
    given_at: datetime,
    comment: str | None = None,
    now: datetime | None = None,
    *,
    request_key: str | None = None,
) -> int:
    """The clinical team's "OK chimio" for one day of the prescription: who gave it, when, who
    recorded it. It says the patient is fit for that day's doses, so it is given on that day or
    the day before, never before the prescription existed nor in the future. The same request
    sent again (`request_key`: a double click, a reload) returns the first one's id."""
    require(user.role, Permission.GO_AHEAD_RECORD)
    who = rx_rules.required_text(given_by, "Le nom de la personne qui donne le feu vert")
    now = now or datetime.now()
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, GO_AHEAD_ACTION, user.username)
        if first is not None:
            return int(first)
        rx = prescription_or_refuse(cur, prescription_id)
        if rx.status not in (Status.SIGNED, Status.VALIDATED):
            raise ValidationError(
                f"Feu vert impossible : la prescription est « {rx.status_label} »."
            )
        days = dict(rx.days)
        if day_no not in days:
            raise ValidationError(f"J{day_no} n'est pas un jour de cette prescription.")
        _check_go_ahead_time(rx, day_no, days[day_no], given_at, now)
        go_ahead_id = repo.insert_go_ahead(cur, rx, day_no, days[day_no], who, given_at, user,
                                           now, (comment or "").strip() or None)
        audit.record(
            cur,
            user.actor,
            GO_AHEAD_ACTION,
            RECORD,
            prescription_id,
            after={"day_no": day_no, "given_by": who, "given_at": given_at.isoformat()},
        )
        request_keys.remember(cur, request_key, GO_AHEAD_ACTION, user.username, go_ahead_id)
    return go_ahead_id


def _check_go_ahead_time(
    rx: Prescription, day_no: int, planned: date, given_at: datetime, now: datetime
) -> None:
    if given_at > now:
        raise ValidationError(
            "L'heure du feu vert est dans le futur : corrigez-la.", code="go_ahead_in_future"
        )
    eve = planned - timedelta(days=1)
    if given_at.date() not in (eve, planned):
        raise ValidationError(
            f"Feu vert du {given_at:%d/%m/%Y %H:%M} refusé : le feu vert de J{day_no} (prévu le "
            f"{planned:%d/%m/%Y}) se donne le jour même ou la veille ({eve:%d/%m/%Y}), quand "
            "l'équipe a vu le patient. Corrigez la date, ou choisissez le bon jour du cycle.",
            code="go_ahead_wrong_day",
        )
    # The form types the time to the minute: a feu vert in the minute the prescription was
    # created is not before it.
    if given_at < rx.created_at.replace(second=0, microsecond=0):
        raise ValidationError(
            f"Feu vert du {given_at:%d/%m/%Y %H:%M} refusé : il précède la prescription "
            f"{rx.prescription_id} (créée le {rx.created_at:%d/%m/%Y à %H:%M}). Un feu vert "
            "porte sur une prescription existante : corrigez l'heure.",
            code="go_ahead_before_prescription",
        )


def go_aheads_of(store: Store, user: User, prescription_id: str) -> list[dict]:
    require(user.role, Permission.PRESCRIPTION_READ)
    return repo.go_aheads(store.cursor(), prescription_id)
