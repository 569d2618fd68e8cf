"""The status report for the crisis cell (« Rapport de situation », kind `crisis_status_report`,
one A4 page, French): the dashboard's numbers (reads.situation) and the moment they were read.
The Situation itself is the stored content, so the paper holds the numbers the screen showed;
a reprint renders the stored data again, marked DUPLICATA."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.dashboard.models import Situation, Tally
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.base import CELL_FONT
from chemo_fallback.documents.store import (
    PrintedDocument,
    documents_for,
    record_document,
    reprint,
)
from chemo_fallback.store import Store

KIND = "crisis_status_report"
RECORD_TYPE = "crisis_day"
TITLE = "Rapport de situation"
FRESHNESS_TEXT = {"fresh": "à jour", "stale": "de plus de 24 h", "old": "de plus de 72 h"}


def read_line(situation: Situation) -> str:
    return (f"Chiffres lus le {french.moment(situation.read_at)} — journée du "
            f"{french.day(situation.day)}")


def snapshot_line(situation: Situation) -> str:
    if situation.snapshot_exported_at is None:
        return "Aucun instantané actif."
    return (f"Données du {french.moment(situation.snapshot_exported_at)} "
            f"({situation.snapshot_age}, {FRESHNESS_TEXT[situation.snapshot_freshness]})")


def summary_lines(situation: Situation) -> list[tuple[str, str]]:
    """The headline numbers, shared by the page and the report."""
    late = ", ".join(f"{t.count} {t.label.lower()}" for t in situation.late if t.count)
    return [
        ("Prescriptions du jour", french.number(situation.prescriptions_total)),
        ("Préparations du jour", french.number(situation.preparations_total)),
        ("Libérées aujourd'hui", french.number(situation.released_today)),
        ("Administrées aujourd'hui",
         f"{french.number(situation.administered)} sur "
         f"{french.number(situation.doses_planned)} étape(s) prévue(s)"),
        ("En retard", f"{french.number(situation.late_total)}" + (f" ({late})" if late else "")),
        ("Alertes de stock", french.number(situation.alerts_total)),
        ("Commandes en cours",
         f"{french.number(situation.open_orders)} dont "
         f"{french.number(situation.late_orders)} en retard"),
        ("Instantané", snapshot_line(situation)),
        ("Réintégration", situation.last_export),
    ]


@register_document
class StatusReportRenderer(DocumentRenderer):
    kind = KIND
    title = TITLE
    model = Situation
    margins_mm = (15, 15, 22, 16)

    def document_title(self, data: Situation) -> str:
        return f"{TITLE} du {french.day(data.day)}"

    def _tallies(self, heading: str, tallies: list[Tally], width: float) -> Table:
        rows = [[self.text(heading, "cell_header"), self.text("Nombre", "cell_header")]]
        rows += [[self.text(t.label, "cell"), self.text(french.number(t.count), "cell_right")]
                 for t in tallies]
        grid = Table(rows, colWidths=[width * 0.78, width * 0.22])
        grid.setStyle(TableStyle([
            CELL_FONT,
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        return grid

    def _side_by_side(self, left: list[Flowable], right: list[Flowable]) -> Table:
        half = self.frame_width / 2
        grid = Table([[left, right]], colWidths=[half, half])
        grid.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (0, -1), 6)]))
        return grid

    def story(self, data: Situation) -> list[Flowable]:
        half = self.frame_width / 2 - 6
        story: list[Flowable] = [
            self.text(self.document_title(data), "title"),
            self.text(read_line(data), "heading"),
            self.key_values(summary_lines(data), 0.28),
            Spacer(1, 6),
        ]
        late_rows = [
            [t.label, t.rule,
             french.number(t.count) if t.checked else "—", t.examples_text]
            for t in data.late
        ]
        story += [self.text("En retard", "heading"),
                  self.table(("Quoi", "Règle", "Nombre", "Premiers numéros"), late_rows,
                             (1.4, 2.6, 0.8, 1.6), align_right=(2,)),
                  Spacer(1, 6)]
        story.append(self._side_by_side(
            [self._tallies("Prescriptions du jour (par statut)", data.prescriptions, half),
             Spacer(1, 6),
             self._tallies(
                 f"Administrations du jour ({french.number(data.doses_planned)} étapes prévues)",
                 data.administrations, half),
             Spacer(1, 6),
             self._tallies("Alertes de stock", data.stock_alerts, half)],
            [self._tallies("Préparations du jour (chaîne)", data.preparations, half)],
        ))
        return story


def print_status_report(store: Store, user: User, situation: Situation) -> PrintedDocument:
    """Record the report of this situation (as the dashboard read it) and its first print."""
    require(user.role, Permission.SNAPSHOT_VIEW)
    with store.transaction() as cur:
        document = record_document(cur, user.actor, KIND, RECORD_TYPE,
                                   situation.day.isoformat(), situation)
    return document


def reports_of_day(store: Store, user: User, situation: Situation) -> list[PrintedDocument]:
    """The reports printed for the situation's day, latest first."""
    require(user.role, Permission.SNAPSHOT_VIEW)
    return [d for d in documents_for(store, RECORD_TYPE, situation.day.isoformat())
            if d.kind == KIND]


def reprint_report(store: Store, user: User, document_id: int) -> bytes:
    """The same page again, marked DUPLICATA (documents.store.reprint)."""
    require(user.role, Permission.SNAPSHOT_VIEW)
    return reprint(store, user, document_id)
