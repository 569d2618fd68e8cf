"""Handing a printed document to the browser, which opens it for printing.

Recording and rendering touch the store and take a moment: they run in a worker thread so
that the page stays responsive (no blocking work in NiceGUI's event loop).
"""

from __future__ import annotations

from nicegui import run, ui
from pydantic import BaseModel

from chemo_fallback.auth.accounts import User
from chemo_fallback.documents.store import PrintedDocument, get_document, print_document, reprint
from chemo_fallback.store import Store

PDF = "application/pdf"


def offer_pdf(pdf: bytes, filename: str) -> None:
    ui.download.content(pdf, filename, PDF)


async def print_and_offer(
    store: Store, user: User, kind: str, record_type: str, record_id: str, data: BaseModel | dict
) -> PrintedDocument:
    document, pdf = await run.io_bound(
        print_document, store, user, kind, record_type, record_id, data
    )
    offer_pdf(pdf, document.filename)
    return document


async def reprint_and_offer(
    store: Store, user: User, document_id: int, reason: str | None = None
) -> bytes:
    pdf = await run.io_bound(reprint, store, user, document_id, reason)
    offer_pdf(pdf, get_document(store, document_id).filename)
    return pdf
