"""A state-changing button is disabled while its request runs.

NiceGUI ignores the events of a disabled element on the server side, so a second click that
arrives while the first request runs does nothing: a double click records once. The service
behind it is idempotent as well (chemo_fallback.request_keys), for what the browser sends
again after a reload or the back button.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nicegui import ui


@asynccontextmanager
async def disabled(*elements: ui.element) -> AsyncIterator[None]:
    """Disable `elements` (buttons, usually) for the time of the block."""
    for element in elements:
        element.disable()
    try:
        yield
    finally:
        for element in elements:
            if not element.is_deleted:
                element.enable()
