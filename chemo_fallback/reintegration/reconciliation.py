"""The reconciliation report: what the package holds and what to check before re-entering it.

Built as data first (`Report`), then rendered as PDF (reconciliation_document) and CSV, so both
say the same. It holds: the rows per record type; the register numbers given in the period and
a check that the fallback's register has no gap (from the first number after the snapshot's
history to the last one given); what is still open at export time (prescriptions not
validated, preparations not released, orders not received); the audit trail with its anchor.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import duckdb
from pydantic import BaseModel, ConfigDict

from chemo_fallback.modules.ordering.models import ORDER_STATUS_LABELS
from chemo_fallback.modules.prescription.models import STATUS_LABELS
from chemo_fallback.modules.release.chain import CHAIN_LABELS, preparation_chain
from chemo_fallback.reintegration.collect import Table
from chemo_fallback.spreadsheet import safe_row

PDF = "rapprochement/rapprochement.pdf"
CSV = "rapprochement/rapprochement.csv"
RX_OPEN = ("draft", "signed", "change_requested")
PREP_OPEN = ("sheet_printed", "in_progress", "prepared", "controlled")
ORDER_OPEN = ("draft", "sent", "confirmed", "shipped", "partially_received")


class Count(BaseModel):
    file: str
    label: str
    rows: int


class OpenItem(BaseModel):
    kind: str  # prescription, preparation, order
    record_id: str
    status: str
    status_label: str
    detail: str


class Register(BaseModel):
    history_last: int | None  # the snapshot's last register number
    first: int | None  # the fallback's first and last numbers
    last: int | None
    period_first: int | None  # the numbers given in the period
    period_last: int | None
    period_count: int
    missing: list[int]  # gaps in the fallback's register
    duplicates: list[int]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicates


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    since: datetime | None
    until: datetime
    counts: list[Count]
    numbering: Register
    open_items: list[OpenItem]
    audit_records: int
    audit_last_hash: str | None
    anchor_id: int | None
    anchor_hash: str | None
    anchor_agrees: bool | None

    @property
    def problems(self) -> list[str]:
        """French, for the summary and the page."""
        found = []
        if self.numbering.missing:
            found.append("numéros manquants dans l'ordonnancier : "
                         + ", ".join(str(n) for n in self.numbering.missing[:20]))
        if self.numbering.duplicates:
            found.append("numéros en double dans l'ordonnancier : "
                         + ", ".join(str(n) for n in self.numbering.duplicates[:20]))
        if self.anchor_agrees is False:
            found.append("la piste d'audit ne correspond plus à son ancre")
        return found


def _register(cur: duckdb.DuckDBPyConnection, tables: dict[str, Table]) -> Register:
    history = cur.execute("SELECT max(register_no) FROM ref.preparations").fetchone()[0]
    numbers = [r[0] for r in cur.execute(
        "SELECT register_no FROM fab_preparations ORDER BY register_no").fetchall()]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1}) if numbers else []
    missing: list[int] = []
    if numbers:
        start = history + 1 if history is not None else numbers[0]
        have = set(numbers)
        missing = [n for n in range(start, numbers[-1] + 1) if n not in have]
    given = [r["register_no"] for r in tables["preparations"].rows]
    return Register(history_last=history, first=numbers[0] if numbers else None,
                    last=numbers[-1] if numbers else None,
                    period_first=min(given) if given else None,
                    period_last=max(given) if given else None, period_count=len(given),
                    missing=missing, duplicates=duplicates)


def _open_items(cur: duckdb.DuckDBPyConnection) -> list[OpenItem]:
    items = []
    for pid, status, patient, protocol, cycle in cur.execute(
            "SELECT prescription_id, status, patient_id, protocol_name, cycle_no FROM "
            "rx_prescriptions WHERE status IN (SELECT unnest(?)) ORDER BY prescription_id",
            [list(RX_OPEN)]).fetchall():
        items.append(OpenItem(kind="prescription", record_id=pid, status=status,
                              status_label=STATUS_LABELS.get(status, status),
                              detail=f"{patient} · {protocol} · cycle {cycle}"))
    preps = cur.execute(
        "SELECT preparation_id, register_no, patient_id, drug_id, planned_date FROM "
        "fab_preparations ORDER BY register_no").fetchall()
    chain = preparation_chain(cur, [p[0] for p in preps])
    for pid, number, patient, drug, planned in preps:
        status = chain.get(pid, "")
        if status in PREP_OPEN:
            items.append(OpenItem(kind="preparation", record_id=pid, status=status,
                                  status_label=CHAIN_LABELS.get(status, status),
                                  detail=f"n° {number} · {patient} · {drug} · {planned}"))
    for oid, status, supplier in cur.execute(
            "SELECT order_id, status, supplier_id FROM ord_orders WHERE status IN "
            "(SELECT unnest(?)) ORDER BY order_id", [list(ORDER_OPEN)]).fetchall():
        items.append(OpenItem(kind="order", record_id=oid, status=status,
                              status_label=ORDER_STATUS_LABELS.get(status, status),
                              detail=f"fournisseur {supplier}"))
    return items


def build(cur: duckdb.DuckDBPyConnection, tables: dict[str, Table], since: datetime | None,
          until: datetime, trail: dict) -> Report:
    anchor = trail.get("anchor") or {}
    return Report(
        since=since, until=until,
        counts=[Count(file=t.record_type.file, label=t.record_type.label, rows=len(t.rows))
                for t in tables.values()],
        numbering=_register(cur, tables), open_items=_open_items(cur),
        audit_records=trail["records"], audit_last_hash=trail["last_hash"],
        anchor_id=anchor.get("anchored_id"), anchor_hash=anchor.get("anchored_hash"),
        anchor_agrees=anchor.get("agrees"))


def csv_text(report: Report) -> str:
    """section, item, value, detail: one line per fact of the report."""
    out = io.StringIO()
    raw = csv.writer(out, lineterminator="\r\n")

    class _Safe:
        @staticmethod
        def writerow(row: list) -> None:
            raw.writerow(safe_row(row))

    writer = _Safe()
    writer.writerow(["section", "item", "value", "detail"])
    for count in report.counts:
        writer.writerow(["count", count.file, count.rows, count.label])
    reg = report.numbering
    for item, value in (("history_last", reg.history_last), ("first", reg.first),
                        ("last", reg.last), ("period_first", reg.period_first),
                        ("period_last", reg.period_last), ("period_count", reg.period_count),
                        ("gap_free", "true" if reg.ok else "false")):
        writer.writerow(["register", item, "" if value is None else value, ""])
    for number in reg.missing:
        writer.writerow(["register_missing", number, "", "numéro manquant"])
    for number in reg.duplicates:
        writer.writerow(["register_duplicate", number, "", "numéro en double"])
    for item in report.open_items:
        writer.writerow([f"open_{item.kind}", item.record_id, item.status, item.detail])
    writer.writerow(["audit", "records", report.audit_records, ""])
    writer.writerow(["audit", "last_hash", report.audit_last_hash or "", ""])
    writer.writerow(["audit", "anchor_id", "" if report.anchor_id is None else report.anchor_id,
                     ""])
    writer.writerow(["audit", "anchor_hash", report.anchor_hash or "", ""])
    agrees = "" if report.anchor_agrees is None else str(report.anchor_agrees).lower()
    writer.writerow(["audit", "anchor_agrees", agrees, ""])
    return out.getvalue()


def files(report: Report) -> dict[str, bytes]:
    from chemo_fallback.reintegration.reconciliation_document import render

    return {PDF: render(report), CSV: csv_text(report).encode("utf-8")}
