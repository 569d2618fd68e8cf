"""How old the active snapshot is, as staff must always see it. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

Freshness = Literal["fresh", "stale", "old"]
STALE_HOURS = 24  # orange: yesterday's prescriptions and labs may be missing
OLD_HOURS = 72  # red: several days of history are missing


def freshness(exported_at: datetime, now: datetime) -> Freshness:
    hours = (now - exported_at).total_seconds() / 3600
    if hours > OLD_HOURS:
        return "old"
    if hours > STALE_HOURS:
        return "stale"
    return "fresh"


def age_text(exported_at: datetime, now: datetime) -> str:
    """'il y a 3 h', 'il y a 2 j 5 h' — short enough for a header."""
    minutes = int((now - exported_at).total_seconds() // 60)
    if minutes < 0:
        return "dans le futur (horloge à vérifier)"
    if minutes < 60:
        return f"il y a {minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"il y a {hours} h"
    days, hours = divmod(hours, 24)
    return f"il y a {days} j {hours} h" if hours else f"il y a {days} j"
