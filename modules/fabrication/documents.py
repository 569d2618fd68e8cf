"""The fabrication module's printed documents (chemo_fallback.documents): the fabrication sheet,
the preparation label, the day's batch of both, and the register (PDF and CSV).

Each is a pydantic content, built once here from the computation (`PreparationPlan`) and the
records, stored by `documents.store.record_document` and rendered from it only: a reprint is
the same document, marked DUPLICATA. Importing this module registers the four kinds."""

from __future__ import annotations

from chemo_fallback.modules.fabrication.documents_batch import FabricationBatchDocument
from chemo_fallback.modules.fabrication.documents_content import (
    LIGHT_WARNING,
    PREPARATION_BLOCKED,
    VINCA_WARNING,
    BatchContent,
    BatchItem,
    LabelContent,
    SheetContent,
    SheetVial,
    batch_content,
    is_vinca_alkaloid,
    sheet_content,
)
from chemo_fallback.modules.fabrication.documents_label import (
    FabricationLabelDocument,
    label_content,
)
from chemo_fallback.modules.fabrication.documents_register import (
    FabricationRegisterDocument,
    RegisterContent,
    RegisterRow,
    register_content,
    register_csv,
)
from chemo_fallback.modules.fabrication.documents_sheet import FabricationSheetDocument
from chemo_fallback.modules.fabrication.reliquat_document import (  # registers its kind too
    FabricationReliquatsDocument,
)

SHEET_KIND = FabricationSheetDocument.kind
LABEL_KIND = FabricationLabelDocument.kind
BATCH_KIND = FabricationBatchDocument.kind
REGISTER_KIND = FabricationRegisterDocument.kind

__all__ = [
    "BATCH_KIND",
    "LABEL_KIND",
    "LIGHT_WARNING",
    "PREPARATION_BLOCKED",
    "REGISTER_KIND",
    "SHEET_KIND",
    "VINCA_WARNING",
    "BatchContent",
    "BatchItem",
    "FabricationBatchDocument",
    "FabricationLabelDocument",
    "FabricationRegisterDocument",
    "FabricationReliquatsDocument",
    "FabricationSheetDocument",
    "LabelContent",
    "RegisterContent",
    "RegisterRow",
    "SheetContent",
    "SheetVial",
    "batch_content",
    "is_vinca_alkaloid",
    "label_content",
    "register_content",
    "register_csv",
    "sheet_content",
]
