"""Registers every page group of the web app. Called once by the server and by UI tests."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from nicegui import Client, app
from nicegui.page import page
from starlette.exceptions import HTTPException

from chemo_fallback.modules.administration import pages as administration_pages
from chemo_fallback.modules.fabrication import pages as fabrication_pages
from chemo_fallback.modules.ordering import pages as ordering_pages
from chemo_fallback.modules.prescription import pages as prescription_pages
from chemo_fallback.modules.release import pages as release_pages
from chemo_fallback.modules.release.pages import dispensing_pages
from chemo_fallback.modules.validation import pages as validation_pages
from chemo_fallback.web import (
    access,
    audit_pages,
    dashboard_page,
    export_page,
    login_page,
    patient_pages,
    snapshot_admin_pages,
    snapshot_pages,
    user_pages,
)

PAGE_GROUPS = (
    login_page,
    snapshot_pages,
    snapshot_admin_pages,
    user_pages,
    audit_pages,
    patient_pages,
    prescription_pages,
    validation_pages,
    fabrication_pages,
    release_pages,
    dispensing_pages,
    administration_pages,
    ordering_pages,
    dashboard_page,
    export_page,
)


def register_pages() -> None:
    for group in PAGE_GROUPS:
        group.register()
    app.add_exception_handler(404, not_found)  # replaces NiceGUI's English page


async def not_found(request: Request, exception: Exception) -> Response:
    """An unknown address: the French page, in the app's frame (NiceGUI's own 404 handler,
    same rule for what is not a page: an API or a file keeps its plain 404 answer)."""
    endpoint = request.scope.get("endpoint")
    if (
        endpoint is not None
        and endpoint is not app
        and not request.scope.get("nicegui_page_path")
        and isinstance(exception, HTTPException)
    ):
        return await http_exception_handler(request, exception)
    with Client(page(""), request=request) as client:
        access.not_found_page(request.url.path)
    return client.build_response(request, 404)
