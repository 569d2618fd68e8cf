"""Printing: documents stored as data first, rendered to PDF from that data (see base.py).

The UI helper lives in `chemo_fallback.documents.web`, kept out of this package's imports so
that services can print without loading NiceGUI.
"""

from chemo_fallback.documents.base import (
    DocumentError,
    DocumentRenderer,
    date_fr,
    datetime_fr,
    format_dose_fr,
    format_number_fr,
    register_document,
    renderer_for,
)
from chemo_fallback.documents.layout import PrintHeader
from chemo_fallback.documents.store import (
    DocumentPrint,
    PrintedDocument,
    documents_for,
    get_document,
    print_document,
    prints_of,
    record_document,
    render_stored,
    reprint,
)

__all__ = [
    "DocumentError",
    "DocumentPrint",
    "DocumentRenderer",
    "PrintHeader",
    "PrintedDocument",
    "date_fr",
    "datetime_fr",
    "documents_for",
    "format_dose_fr",
    "format_number_fr",
    "get_document",
    "print_document",
    "prints_of",
    "record_document",
    "register_document",
    "render_stored",
    "renderer_for",
    "reprint",
]
