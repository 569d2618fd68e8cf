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


def settle(element: ui.element, seconds: float) -> None:
    """Keep `element` disabled `seconds` more, after a request that succeeded: for an action
    no request key can make idempotent (an export, which only reads), the second click of a
    double click may arrive after a quick first request has ended. Called right after the
    `disabled` block, with no await in between, so no click gets through."""
    element.disable()
    ui.timer(seconds, lambda: None if element.is_deleted else element.enable(), once=True)
