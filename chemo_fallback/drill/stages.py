"""A drill day's stages, in the order a unit works them."""

from __future__ import annotations

from chemo_fallback.drill.day_fabricate import end_of_day_reliquats, production
from chemo_fallback.drill.day_order import deliveries, purchasing
from chemo_fallback.drill.day_prescribe import morning
from chemo_fallback.drill.day_ward import ward

# the deliveries at 8:00 (orders sent on earlier days), the buyer's orders at 16:00
DAY = (deliveries, morning, production, ward, purchasing, end_of_day_reliquats)
