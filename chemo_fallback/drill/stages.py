"""A drill day's stages, in the order a unit works them."""

from __future__ import annotations

from chemo_fallback.drill.day_fabricate import end_of_day_reliquats, production
from chemo_fallback.drill.day_prescribe import morning
from chemo_fallback.drill.day_ward import ward

DAY = (morning, production, ward, end_of_day_reliquats)
