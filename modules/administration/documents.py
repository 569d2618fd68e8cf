"""The administration plans on paper (A4 portrait, black on white, readable at a glance):

- `administration_plan`: one patient's day, each step with its planned times, what to set up
  (route, volume, duration, rate), its preparation (register number, expiry, chain status), the
  four checks to tick and a line to write what was given and sign;
- `administration_ward_plans`: every patient's plan of a ward and a day in one PDF, each
  patient from a new page, named in the page header;
- `administration_blank_plan`: the same form empty, identity fields to write, for a patient
  the fallback does not know yet.

Rendered from the stored content only (documents_content.py): a reprint is identical, plus its
DUPLICATA mark. Importing this module registers the three kinds."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.base import CELL_FONT, HEADER_GREY
from chemo_fallback.documents.layout import PageHeading
from chemo_fallback.modules.administration.documents_content import (
    NOT_GIVEN_RULE,
    BlankPlanContent,
    PlanContent,
    PlanStepRow,
    WardPlansContent,
)
from chemo_fallback.modules.fabrication.documents_content import VINCA_WARNING
from chemo_fallback.modules.fabrication.documents_text import Boxed, Text, bold, plain

PLAN_KIND = "administration_plan"
WARD_KIND = "administration_ward_plans"
BLANK_KIND = "administration_blank_plan"
BOX = "☐"
LINE = "__________"
LONG = "______________________"

PATIENT = bold(17, 20)
IDENTITY = bold(12, 14.5)
NORMAL = plain(9.5, 11.8)
SMALL = plain(8, 9.6)
NUMBER = bold(20, 22)
TIME = bold(12, 14)
DRUG = bold(12, 14.5)
STRONG = bold(9.5, 11.8)
WARNING = bold(10.5, 13, space_before=2)
CHECK = plain(8.5, 11)
WRITE = plain(9, 15)  # room to write by hand between the lines
HEADING = bold(11, 13.5, space_before=4, space_after=2)
WIDTHS = (0.07, 0.15, 0.58, 0.2)  # number, times, what to give, checks


def _grid(rows: list[list], widths: list[float], style: list) -> Table:
    grid = Table(rows, colWidths=widths)
    grid.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), *style]))
    return grid


def _write_line() -> Text:
    return Text(f"Début réel : {LINE}   Fin réelle : {LINE}   {BOX} Administrée   "
                f"{BOX} En partie : {LONG}\n"
                f"{BOX} Non administrée, motif : {LONG}   IDE (nom, signature) : {LONG}", WRITE)


def _step_block(r: DocumentRenderer, number: list[Flowable], times: list[Flowable],
                body: list[Flowable]) -> Table:
    width = r.frame_width
    checks = [Text("Vérifié :", STRONG), Text(f"{BOX} Identité  {BOX} Aspect", CHECK),
              Text(f"{BOX} Péremption  {BOX} Voie", CHECK)]
    return _grid(
        [[number, times, body, checks], [_write_line(), "", "", ""]],
        [width * w for w in WIDTHS],
        [
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
            ("INNERGRID", (0, 0), (-1, 0), 0.4, colors.black),
            ("LINEABOVE", (0, 1), (-1, 1), 0.4, colors.black),
            ("SPAN", (0, 1), (-1, 1)),
            ("BACKGROUND", (0, 0), (0, 0), HEADER_GREY),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ],
    )


def _step(r: DocumentRenderer, s: PlanStepRow) -> Flowable:
    times = [Text("Prévu", SMALL), Text(s.start, TIME), Text(f"→ {s.end}", STRONG)]
    if s.together:
        times.append(Text(s.together, SMALL))
    body: list[Flowable] = [Text(s.kind.upper(), SMALL), Text(s.drug, DRUG),
                            Text(s.administration, NORMAL)]
    if s.vinca:
        body.append(Boxed(VINCA_WARNING, WARNING, line_width=1.6))
    if s.preparation:
        body.append(Text(s.preparation, STRONG))
    body += [Text(f"• {note}", SMALL) for note in s.notes]
    body += [Boxed(f"BLOQUANT — {b}", WARNING, line_width=1.6) for b in s.blocking]
    body += [Text(f"Déjà enregistré : {rec}", SMALL) for rec in s.recorded]
    return KeepTogether([_step_block(r, [Text(s.number, NUMBER)], times, body),
                         Spacer(1, 2 * mm)])


def _checks(checks: list[str]) -> Boxed:
    lines = "\n".join(f"{BOX} {c}" for c in checks)
    return Boxed("Avant chaque administration, vérifier et cocher sur l'étape :\n" + lines,
                 plain(9, 11.5), line_width=1.2)


def _closing(r: DocumentRenderer) -> list[Flowable]:
    incidents = _grid(
        [[[Text("Incidents (extravasation, réaction…) : heure, ce qui s'est passé, ce qui a été "
                "fait, IDE", STRONG), Spacer(1, 22 * mm)]]],
        [r.frame_width], [("BOX", (0, 0), (-1, -1), 1.0, colors.black)],
    )
    return [
        KeepTogether([
            Spacer(1, 2 * mm), incidents, Spacer(1, 2 * mm),
            Text(NOT_GIVEN_RULE, STRONG),
            Text(f"Plan saisi dans le secours d'après ce plan signé : par {LONG} le {LINE}",
                 WRITE),
        ]),
    ]


def plan_story(r: DocumentRenderer, c: PlanContent) -> list[Flowable]:
    story: list[Flowable] = [
        Text(c.patient_name, PATIENT),
        Text(f"{c.patient_born} — IPP {c.patient_id}", IDENTITY),
        Text(f"Unité : {c.ward} — {c.day}", IDENTITY),
    ]
    if not c.patient_known:
        story.append(Boxed("Patient introuvable dans le secours : vérifiez son identité avec "
                           "le bracelet et la prescription avant toute administration.",
                           WARNING, line_width=1.6))
    story += [Text(p, NORMAL) for p in c.prescriptions]
    story += [Spacer(1, 1.5 * mm), _checks(c.checks),
              Text(f"Heures prévues à partir de la première perfusion à {c.first_start} et des "
                   "durées prescrites ; « en même temps » : les deux passent ensemble (en Y).",
                   plain(9, 11.5, space_before=3, space_after=3))]
    story += [_step(r, s) for s in c.steps]
    return [*story, *_closing(r)]


def plan_patient_line(c: PlanContent) -> str:
    return f"{c.patient_name} — {c.patient_born} — IPP {c.patient_id}"


@register_document
class AdministrationPlanDocument(DocumentRenderer):
    kind = PLAN_KIND
    title = "Plan d'administration"
    model = PlanContent
    margins_mm = (14, 14, 20, 17)

    def document_title(self, data: PlanContent) -> str:
        return f"Plan d'administration — {data.day}"

    def patient_line(self, data: PlanContent) -> str:
        return plan_patient_line(data)

    def story(self, data: PlanContent) -> list[Flowable]:
        return plan_story(self, data)


@register_document
class AdministrationWardPlansDocument(DocumentRenderer):
    kind = WARD_KIND
    title = "Plans d'administration de l'unité"
    model = WardPlansContent
    margins_mm = (14, 14, 20, 17)

    def document_title(self, data: WardPlansContent) -> str:
        return (f"Plans d'administration — {data.ward} — {data.day} "
                f"({len(data.plans)} patient{'s' if len(data.plans) > 1 else ''})")

    def story(self, data: WardPlansContent) -> list[Flowable]:
        story: list[Flowable] = []
        for index, plan in enumerate(data.plans):
            if index:
                story.append(PageBreak())
            story.append(PageHeading(f"Plan d'administration — {plan.day}",
                                     plan_patient_line(plan)))
            story += plan_story(self, plan)
        return story


def _blank_step(r: DocumentRenderer, number: int) -> Flowable:
    times = [Text("Prévu", SMALL), Text(f"{LINE[:5]}:{LINE[:4]}", TIME),
             Text(f"→ {LINE[:5]}:{LINE[:4]}", STRONG)]
    body = [
        Text(f"Produit et dose : {LONG}{LONG}", WRITE),
        Text(f"Voie : {LINE}   Volume : {LINE} mL   Durée : {LINE}   Débit : {LINE} mL/h", WRITE),
        Text(f"Préparation n° (étiquette) : {LINE}   Péremption : {LINE}", WRITE),
    ]
    return KeepTogether([_step_block(r, [Text(str(number), NUMBER)], times, body),
                         Spacer(1, 2 * mm)])


@register_document
class AdministrationBlankPlanDocument(DocumentRenderer):
    kind = BLANK_KIND
    title = "Plan d'administration vierge"
    model = BlankPlanContent
    margins_mm = (14, 14, 20, 17)

    def document_title(self, data: BlankPlanContent) -> str:
        return "Plan d'administration vierge — patient inconnu du secours"

    def story(self, data: BlankPlanContent) -> list[Flowable]:
        ward = data.ward or LONG
        day = data.day or LINE
        story: list[Flowable] = [
            Boxed("Patient inconnu du secours : remplir à la main d'après la prescription "
                  "signée ; créer le patient dans le secours (« Nouveau patient ») dès que "
                  "possible, puis saisir ce qui a été administré d'après ce plan signé.",
                  WARNING, line_width=1.6),
            Spacer(1, 2 * mm),
            Text(f"Nom : {LONG}   Prénom : {LONG}   Nom de naissance : {LINE}", WRITE),
            Text(f"Né(e) le : {LINE}   Sexe : {LINE[:6]}   IPP : {LONG}", WRITE),
            Text(f"Unité : {ward}   Jour : {day}", WRITE),
            Text(f"Protocole : {LONG}   Cycle : {LINE[:6]}   Jour du cycle : {LINE[:6]}", WRITE),
            Text(f"Prescripteur : {LONG}   Poids : {LINE[:6]} kg   Taille : {LINE[:6]} cm",
                 WRITE),
            Spacer(1, 1.5 * mm),
            _checks(data.checks),
            Spacer(1, 2 * mm),
        ]
        story += [_blank_step(self, n) for n in range(1, data.rows + 1)]
        return [*story, *_closing(self)]
