"""Registers every page group of the web app. Called once by the server and by UI tests."""

from __future__ import annotations

from chemo_fallback.modules.prescription import pages as prescription_pages
from chemo_fallback.modules.validation import pages as validation_pages
from chemo_fallback.web import (
    audit_pages,
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
)


def register_pages() -> None:
    for group in PAGE_GROUPS:
        group.register()
