"""The prescription's printable summary for the patient file (A4, French).

The whole prescription, the patient's identity, its signatures, the pharmacists' decisions
(with each point lifted and its reason), the feux verts and the notes are stored as the
document's data at the first print; the PDF is rendered from that data, so a reprint is
identical (chemo_fallback.documents) and says what the record held when it was printed."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from reportlab.platypus import Flowable, Spacer

from chemo_fallback import french
from chemo_fallback.documents import DocumentRenderer, date_fr, datetime_fr, register_document
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription.models import (
    LINE_KIND_LABELS,
    Line,
    Note,
    Prescription,
    RecordTrail,
)
from chemo_fallback.modules.prescription.wording import (
    administration_text,
    age_text,
    bsa_text,
    decision_text,
    dose_text,
    go_ahead_text,
    measure_text,
)
from chemo_fallback.patients.models import PatientIdentity

KIND = "prescription_summary"
BASIS_TEXT = {"mg/m2": "mg/m²", "UI/m2": "UI/m²", "AUC": "ASC"}
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


class PrescriptionSummary(BaseModel):
    identity: PatientIdentity
    prescription: Prescription
    signature: str | None  # "Prescrit par … le …", as the signature service words it
    notes: list[Note]
    # Signatures, decisions and feux verts (None in documents printed before it was stored).
    trail: RecordTrail | None = None


def _protocol_dose(line: Line) -> str:
    if line.protocol_dose <= 0:
        return "—"
    return (
        f"{format_dose_fr(line.protocol_dose)} {BASIS_TEXT.get(line.dose_basis, line.dose_basis)}"
    )


def _short_day(day: date) -> str:
    """"lun. 23/11": the year is in the cycle's dates above, the weekday avoids a slip."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def _remarks(line: Line) -> str:
    parts = []
    if line.off_protocol:
        parts.append(f"HORS PROTOCOLE : {line.off_protocol_reason}")
    if line.modification_pct:
        parts.append(
            f"Modifiée de {french.percent(line.modification_pct, signed=True)} : "
            f"{line.modification_reason}"
        )
    if line.liste_en_sus:
        parts.append(f"Liste en sus, indication {line.indication_code or 'NON RENSEIGNÉE'}")
    if line.comment:
        parts.append(line.comment)
    return "\n".join(parts) or ""


@register_document
class PrescriptionSummaryDocument(DocumentRenderer):
    kind = KIND
    title = "Prescription de chimiothérapie"
    model = PrescriptionSummary

    def patient_line(self, data: PrescriptionSummary) -> str:
        who = data.identity
        return (
            f"{who.last_name.upper()} {who.first_name} — {who.born_word} le "
            f"{date_fr(who.birth_date)} — IPP {who.patient_id}"
        )

    def story(self, data: PrescriptionSummary) -> list[Flowable]:
        rx, who = data.prescription, data.identity
        end = rx.cycle_start_date + timedelta(days=rx.cycle_length_days - 1)
        story: list[Flowable] = [
            self.text(f"{rx.protocol_name} — cycle {rx.cycle_no}", "title"),
            self.text(
                f"Prescription {rx.prescription_id}, version {rx.version_no} — "
                f"statut : {rx.status_label}"
            ),
        ]
        if rx.status.value in ("draft", "cancelled", "superseded"):
            story.append(
                self.warning(
                    f"Prescription {rx.status_label.upper()} : ne pas préparer sur ce document."
                    + (f" Motif : {rx.status_reason}" if rx.status_reason else "")
                )
            )
        story += self.heading("Patient")
        story.append(
            self.key_values(
                [
                    (
                        "Patient",
                        f"{who.last_name.upper()} {who.first_name}"
                        + (f", {who.born_word} {who.birth_name.upper()}" if who.birth_name else "")
                        + f" — {who.sex_label}, {who.born_word} le {date_fr(who.birth_date)} "
                        f"({who.age_years} ans)",
                    ),
                    ("IPP", who.patient_id),
                    ("Unité", who.ward_name or who.ward_id or "—"),
                ]
            )
        )
        story += self.heading("Prescription")
        prescriber = rx.prescriber.name
        if rx.prescriber.transcribed:
            prescriber += f" (transcrite par {rx.created_by_name}, {datetime_fr(rx.created_at)})"
        pairs = [
            (
                "Protocole",
                f"{rx.protocol_name} ({rx.protocol_id}), cycle de {rx.cycle_length_days} j",
            ),
            ("Cycle", f"n° {rx.cycle_no}, du {date_fr(rx.cycle_start_date)} au {date_fr(end)}"),
            ("Prescripteur", prescriber),
            ("Signature", data.signature or "non signée"),
        ]
        if rx.supersedes_id:
            pairs.append(("Remplace", f"la version {rx.supersedes_id}"))
        if rx.snapshot_prescription_id:
            pairs.append(("Reprend", f"la prescription {rx.snapshot_prescription_id} du "
                                     "logiciel de production"))
        story.append(self.key_values(pairs))
        story += self.heading("Mesures et paramètres du calcul")
        d = rx.dosing
        cap = (
            f", plafond {format_dose_fr(d.bsa_cap_m2)} m² ({d.bsa_cap_source})"
            if d.bsa_cap_m2
            else ""
        )
        story.append(
            self.key_values(
                [
                    ("Taille", measure_text("Taille", d.height, "cm").split(" : ", 1)[1]),
                    ("Poids", measure_text("Poids", d.weight, "kg").split(" : ", 1)[1]),
                    (
                        "Créatininémie",
                        measure_text("Créatininémie", d.creatinine, "µmol/L").split(" : ", 1)[1],
                    ),
                    (
                        "Surface corporelle",
                        f"{bsa_text(rx)} ; formule {d.bsa_formula.capitalize()} "
                        f"({d.bsa_formula_source}){cap}",
                    ),
                    ("Calcul", f"le {date_fr(d.computed_on)} ; {age_text(d)}"),
                ]
            )
        )
        if data.trail is not None:
            story += self.trail_story(data.trail)
        story += self.heading("Lignes")
        rows = [
            [
                self.text(f"J{line.day_no}\n{_short_day(line.planned_date)}", "cell"),
                self.text(
                    f"{line.title}\n{LINE_KIND_LABELS.get(line.line_kind, line.line_kind)}",
                    "cell",
                ),
                _protocol_dose(line),
                self.text(dose_text(line), "cell_header"),
                administration_text(line),
                self.text(_remarks(line), "cell"),
            ]
            for line in rx.lines
        ]
        story.append(
            self.table(
                ["Jour", "Médicament", "Dose protocole", "Dose", "Administration", "Remarques"],
                rows,
                (1.0, 2.6, 1.35, 1.2, 2.2, 2.4),
                align_right=(2, 3),
            )
        )
        story += self.heading("Détail du calcul des doses")
        for line in rx.lines:
            if line.derivation is None:
                continue
            steps = " → ".join(step.description for step in line.derivation.steps)
            story.append(self.text(f"J{line.day_no} {line.title} : {steps}", "small"))
        if data.notes:
            story += self.heading("Notes entre professionnels")
            for note in data.notes:
                story.append(
                    self.text(
                        f"{datetime_fr(note.written_at)} — {note.author_name} "
                        f"({note.author_role}) : {note.text}",
                        "small",
                    )
                )
        story.append(Spacer(1, 6))
        return story

    def trail_story(self, trail: RecordTrail) -> list[Flowable]:
        """Who signed and decided what, as the record held it when printed."""
        story = self.heading("Signatures, décisions et feux verts")
        if trail.answers is not None:
            story.append(
                self.text(
                    f"Version corrigée répondant à la demande de la pharmacie sur "
                    f"{trail.answers.prescription_id} : {decision_text(trail.answers)}"
                )
            )
        pairs = [("Signature", s.text) for s in trail.signatures] or [
            ("Signature", "aucune signature")
        ]
        for decision in trail.decisions:
            pairs.append(("Pharmacie", decision_text(decision)))
            pairs += [
                ("Point levé", f"{point.message} — motif : {point.reason}")
                for point in decision.lifted
            ]
        if not trail.decisions:
            pairs.append(("Pharmacie", "aucune décision pharmaceutique à l'impression"))
        pairs += [("Feu vert", go_ahead_text(g)) for g in trail.go_aheads]
        if not trail.go_aheads:
            pairs.append(("Feu vert", "aucun feu vert enregistré à l'impression"))
        story.append(self.key_values(pairs, label_weight=0.18))
        return story
