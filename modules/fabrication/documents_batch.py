"""The day's batch (kind `fabrication_batch`): every sheet and label of a selection in one PDF,
in the queue's order, each preparation's sheet (A4) followed by its label (label size): one
print run at the start of the day instead of hours of hand-made sheets.

Sheet pages carry the usual header and footer, with their own patient in the header; label
pages carry none (a label is the label) and are not counted in "Page x sur y"."""

from __future__ import annotations

from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
)

from chemo_fallback.documents import register_document
from chemo_fallback.documents.layout import PageHeading, draw_demo_watermark, framed_page
from chemo_fallback.modules.fabrication.documents_content import BatchContent
from chemo_fallback.modules.fabrication.documents_label import (
    LabelBlock,
    label_page_template,
    label_template_id,
)
from chemo_fallback.modules.fabrication.documents_sheet import (
    FabricationSheetDocument,
    sheet_patient_line,
    sheet_story,
    sheet_title,
)

KIND = "fabrication_batch"
SHEET = "sheet"


@register_document
class FabricationBatchDocument(FabricationSheetDocument):
    kind = KIND
    title = "Lot de fabrication"
    model = BatchContent

    def document_title(self, data: BatchContent) -> str:
        count = len(data.items)
        numbers = sorted(item.sheet.register_no for item in data.items)
        if count == 1:
            return f"Lot de fabrication — n° {numbers[0]}"
        return f"Lot de fabrication — {count} préparations (n° {numbers[0]} à {numbers[-1]})"

    def patient_line(self, data: BatchContent) -> None:
        return None  # each sheet names its patient in its own page header (PageHeading)

    def story(self, data: BatchContent) -> list[Flowable]:
        story: list[Flowable] = []
        for index, item in enumerate(data.items):
            if index:
                story += [NextPageTemplate(SHEET), PageBreak()]
            story.append(PageHeading(sheet_title(item.sheet), sheet_patient_line(item.sheet)))
            story += sheet_story(self, item.sheet)
            story += [NextPageTemplate(label_template_id(item.label)), PageBreak()]
            story.append(LabelBlock(item.label))
        return story

    def doc_template(self, buffer, header, data: BatchContent):
        settings = self.doc_settings(header)
        doc = BaseDocTemplate(buffer, **settings)

        def on_sheet(canv, _doc) -> None:
            framed_page(canv)
            draw_demo_watermark(canv, header)

        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="sheet-frame")
        templates = [PageTemplate(id=SHEET, frames=[frame], onPage=on_sheet,
                                  pagesize=self.pagesize)]
        labels = {}
        for item in data.items:
            labels.setdefault(label_template_id(item.label), item.label)
        templates += [
            label_page_template(label, header, template_id)
            for template_id, label in labels.items()
        ]
        doc.addPageTemplates(templates)
        return doc

    def build(self, doc, header, data, canvasmaker) -> None:
        doc.build(self.story(data), canvasmaker=canvasmaker)
