"""The activation report: what was loaded, what was rejected and why, in French.

Stored as JSON with the activation, so the report shown later is the one produced then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["activated", "refused"]


class Reject(BaseModel):
    file: str
    line: int | None  # header = line 1 for CSV and XLSX; first row = line 1 for Parquet
    column: str | None  # the column's name in the file
    reason: str  # French
    value: str | None = None

    def describe(self) -> str:
        where = f"ligne {self.line}" if self.line is not None else "ligne inconnue"
        column = f", colonne {self.column}" if self.column else ""
        return f"{self.file}, {where}{column} : {self.reason}"


class TableReport(BaseModel):
    table: str
    label: str
    file: str
    format: str
    encoding: str | None = None
    rows_declared: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejects: list[Reject] = Field(default_factory=list)  # capped; rows_rejected is exact
    warnings: list[str] = Field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        return self.rows_loaded + self.rows_rejected == self.rows_declared == self.rows_read


class ActivationReport(BaseModel):
    status: Status = "refused"
    snapshot_id: str | None = None
    source_path: str
    source_system: str | None = None
    source_version: str | None = None
    site: str | None = None
    exported_at: datetime | None = None
    demo: bool = False
    shift_days: int = 0
    started_at: datetime
    finished_at: datetime | None = None
    errors: list[str] = Field(default_factory=list)  # why it was refused
    warnings: list[str] = Field(default_factory=list)
    tables: list[TableReport] = Field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables)

    @property
    def duration_seconds(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def headline(self) -> str:
        if self.status == "refused":
            return "Activation refusée : l'instantané précédent reste actif."
        if self.rows_rejected:
            return f"Instantané activé avec {self.rows_rejected} ligne(s) rejetée(s)."
        return "Instantané activé sans rejet."

    def to_text(self) -> str:
        """The report as plain French text (console, and the file saved beside the store)."""
        out = [self.headline(), f"Source : {self.source_path}"]
        if self.exported_at:
            out.append(
                f"Export : {self.source_system} {self.source_version or ''} — {self.site} — "
                f"{self.exported_at:%d/%m/%Y %H:%M}".replace("  ", " ")
            )
        if self.shift_days:
            out.append(f"Démonstration : dates décalées de {self.shift_days} jour(s).")
        out += [f"ERREUR : {e}" for e in self.errors]
        out += [f"Attention : {w}" for w in self.warnings]
        for t in self.tables:
            if self.status == "refused" and not t.rows_read:
                out.append(f"- {t.label} ({t.file}) : {t.rows_declared} annoncée(s), non lue")
                continue
            out.append(
                f"- {t.label} ({t.file}) : {t.rows_declared} annoncée(s), {t.rows_read} lue(s), "
                f"{t.rows_loaded} chargée(s), {t.rows_rejected} rejetée(s)"
            )
            out += [f"    attention : {w}" for w in t.warnings]
            out += [f"    rejet : {r.describe()}" for r in t.rejects]
            hidden = t.rows_rejected - len({r.line for r in t.rejects})
            if hidden > 0:
                out.append(f"    … et {hidden} autre(s) ligne(s) rejetée(s) non détaillée(s)")
        return "\n".join(out)
