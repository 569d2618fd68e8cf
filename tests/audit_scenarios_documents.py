"""Audit scenarios of the printing infrastructure, and the sample document the tests print.

The sample lives here (not in test_documents.py) because the audit test imports this file on
its own and needs a registered document kind; test_documents.py imports it from here.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from chemo_fallback.auth import accounts
from chemo_fallback.documents import (
    DocumentRenderer,
    date_fr,
    format_dose_fr,
    print_document,
    record_document,
    register_document,
    reprint,
)

ACCENTS = "é è à ç œ « » ² µ ≥ ≤ → —"


class SampleLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    drug: str
    dose_mg: float = Field(gt=0)
    route: str


class SampleSheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient_name: str
    birth_date: date
    ipp: str
    note: str
    lines: list[SampleLine] = Field(min_length=1)


@register_document
class SampleSheetDocument(DocumentRenderer):
    kind = "test_sample_sheet"
    title = "Fiche d'essai"
    model = SampleSheet

    def patient_line(self, data: SampleSheet) -> str:
        return f"{data.patient_name} — né(e) le {date_fr(data.birth_date)} — IPP {data.ipp}"

    def story(self, data: SampleSheet) -> list:
        return [
            self.text("Fiche d'essai : préparation", "title"),
            self.text(data.note),
            self.warning("Vérifier la clairance ≥ 60 mL/min avant de préparer"),
            *self.heading("Médicaments"),
            self.table(
                ["Médicament", "Dose (mg)", "Voie"],
                [[line.drug, format_dose_fr(line.dose_mg), line.route] for line in data.lines],
                (3, 1, 1),
                align_right=(1,),
            ),
        ]


def sample_sheet(lines: int = 3) -> SampleSheet:
    return SampleSheet(
        patient_name="DUPONT Marie-Hélène",
        birth_date=date(1956, 4, 3),
        ipp="00123456",
        note=f"Accents et signes : {ACCENTS} ; surface 1,84 m² ; 5 µg/mL.",
        lines=[
            SampleLine(drug=f"Oxaliplatine n° {i + 1}", dose_mg=156.4 + i, route="IV")
            for i in range(lines)
        ],
    )


def _pharmacist(store) -> accounts.User:
    user = accounts.find_user(store, "pharmacist")
    assert user is not None
    return user


def _record(store, tmp_path):
    with store.transaction() as cur:
        record_document(
            cur, _pharmacist(store).actor, SampleSheetDocument.kind, "test", "T1", sample_sheet()
        )


def _print(store, tmp_path):
    print_document(
        store, _pharmacist(store), SampleSheetDocument.kind, "test", "T1", sample_sheet()
    )


def _reprint(store, tmp_path):
    document, _pdf = print_document(
        store, _pharmacist(store), SampleSheetDocument.kind, "test", "T1", sample_sheet()
    )
    before = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    reprint(store, _pharmacist(store), document.document_id, "copie pour le service")
    after = store.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert after == before + 1  # the reprint itself is audited, not only the first print


SCENARIOS = {
    "chemo_fallback/documents/store.py:record_document": _record,
    "chemo_fallback/documents/store.py:print_document": _print,
    "chemo_fallback/documents/store.py:reprint": _reprint,
}
