"""The reconciliation report as a PDF (French), rendered from `reconciliation.Report` only, in
reportlab's invariant mode: the same report gives the same bytes. A gap in the register, or an
audit trail its anchor contradicts, is printed in red and named."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from chemo_fallback import french
from chemo_fallback.documents.base import DocumentRenderer
from chemo_fallback.documents.layout import PrintHeader
from chemo_fallback.reintegration.reconciliation import Report

KIND_LABELS = {"prescription": "Prescriptions non validées",
               "preparation": "Préparations non libérées",
               "order": "Commandes non reçues"}


class ReconciliationDocument(DocumentRenderer):
    kind = "reintegration_reconciliation"
    title = "Rapport de rapprochement — export de réintégration"
    model = Report

    def story(self, data: Report) -> list[Flowable]:
        since = french.moment(data.since, seconds=True) if data.since else "début de la panne"
        story: list[Flowable] = [
            self.text(f"Période : du {since} au {french.moment(data.until, seconds=True)}"),
            Spacer(1, 6),
        ]
        story += self.heading("Enregistrements exportés, par type")
        story.append(self.table(
            ["Fichier", "Type d'enregistrement", "Lignes"],
            [[c.file, c.label, french.number(c.rows, 0)] for c in data.counts]
            + [["", "Total", french.number(sum(c.rows for c in data.counts), 0)]],
            [1.2, 2.4, 0.6], align_right=(2,)))
        story += self._register(data)
        story += self._open(data)
        story += self._audit(data)
        return story

    def _register(self, data: Report) -> list[Flowable]:
        reg = data.numbering
        out = self.heading("Ordonnancier (numéros de préparation)")
        pairs = [
            ("Dernier numéro de l'historique", _n(reg.history_last)),
            ("Numéros du logiciel de secours", f"{_n(reg.first)} à {_n(reg.last)}"
             if reg.first is not None else "aucun"),
            ("Numéros donnés dans la période", f"{_n(reg.period_first)} à {_n(reg.period_last)}"
             f" ({reg.period_count} préparation(s))" if reg.period_count else "aucun"),
        ]
        out.append(self.key_values(pairs, 0.4))
        if reg.ok:
            out.append(self.text("Aucun numéro manquant ni en double : la suite est continue."))
        if reg.missing:
            out.append(self.warning(
                "NUMÉROS MANQUANTS dans l'ordonnancier : "
                + ", ".join(str(n) for n in reg.missing)
                + ". Retrouvez ces préparations avant la réintégration."))
        if reg.duplicates:
            out.append(self.warning("NUMÉROS EN DOUBLE : "
                                    + ", ".join(str(n) for n in reg.duplicates)))
        return out

    def _open(self, data: Report) -> list[Flowable]:
        out = self.heading("Encore en cours au moment de l'export")
        for kind, label in KIND_LABELS.items():
            items = [i for i in data.open_items if i.kind == kind]
            out.append(self.text(f"{label} : {len(items)}", "heading"))
            if items:
                out.append(self.table(["Identifiant", "Statut", "Détail"],
                                      [[i.record_id, i.status_label, i.detail] for i in items],
                                      [1, 1.2, 2.6]))
        return out

    def _audit(self, data: Report) -> list[Flowable]:
        out = self.heading("Piste d'audit")
        pairs = [("Enregistrements jusqu'à la fin de la période", french.number(
            data.audit_records, 0)), ("Dernière empreinte", data.audit_last_hash or "—")]
        if data.anchor_id is not None:
            pairs.append(("Ancre (dernier enregistrement ancré)",
                          f"n° {data.anchor_id} · {data.anchor_hash}"))
        else:
            pairs.append(("Ancre", "aucun enregistrement ancré"))
        out.append(self.key_values(pairs, 0.4))
        if data.anchor_agrees is False:
            out.append(self.warning("LA PISTE D'AUDIT NE CORRESPOND PLUS À SON ANCRE : ne "
                                    "réintégrez rien ; prévenez l'administrateur."))
        return out


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


def render(report: Report) -> bytes:
    header = PrintHeader(
        document_number=f"EXP-{report.until:%Y%m%d-%H%M%S}",
        title=ReconciliationDocument.title, establishment="Export de réintégration",
        printed_at=report.until, printed_by_name="chemo-fallback",
        printed_by_role="export de réintégration")
    return ReconciliationDocument().render(header, report)
