"""Issue 13, item 3, on paper: the patient's plan, a ward's plans for a day in ONE PDF (each
patient from a new page, named in its header) and the blank plan, read back with pdftotext;
their pages are kept as PNG in test-artifacts/ to be looked at. A reprint is the same document
marked DUPLICATA. A step without a route prints BLOQUANT."""

from __future__ import annotations

import subprocess
from datetime import date, datetime

from prescription_helpers import RECENT_PATIENT, TODAY
from test_browser import ARTIFACTS
from test_i12_fab_docs import flat, pdf_text
from test_i13_administration_service import OTHER_PATIENT, ward

from chemo_fallback.documents import PrintHeader, renderer_for
from chemo_fallback.documents.store import get_document, reprint
from chemo_fallback.modules.administration import documents, printing
from chemo_fallback.modules.administration.documents_content import plan_content
from chemo_fallback.modules.administration.models import (
    PatientPlan,
    PlanPrescription,
    PlanStep,
    TimingLine,
)
from chemo_fallback.modules.administration.rules import plan_timing

__all__ = ["ward"]  # the fixture


def keep(pdf: bytes, name: str) -> int:
    """The PDF and its pages as PNG in test-artifacts/; returns the page count."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)],
                   check=True)
    return len(list(ARTIFACTS.glob(f"{name}-*.png")))


def test_the_patient_plan_reads_back_every_step(ward, tmp_path) -> None:
    store, nurse = ward["store"], ward["nurse"]
    printed = printing.print_patient_plan(store, nurse, RECENT_PATIENT, TODAY)
    assert printed.filename.startswith("plan-d-administration-lundi-23-11-2026-")
    assert keep(printed.pdf, "administration-plan") == 2
    text = flat(pdf_text(printed.pdf, tmp_path, raw=True))
    for expected in (
        "Plan d'administration — lundi 23/11/2026",
        "GARNIER Hamid — né le 16/03/1956 — IPP IPP10002366",  # every page's header
        "Unité : Hépato-gastro-entérologie — lundi 23/11/2026",
        "mFOLFOX6 — cycle 6, J1 — prescrit par",
        "Identité : nom, prénom, date de naissance et IPP du bracelet = étiquette = plan",
        "Péremption : date et heure de péremption de l'étiquette non dépassées",
        "Aspect : limpide, sans particule",
        "Voie : voie de l'étiquette = voie prescrite",
        "Heures prévues à partir de la première perfusion à 09:00",
        "ONDANSÉTRON 8 mg", "IV · NaCl 0,9 % 50 mL · en 15 min · débit 200 mL/h · poche",
        "OXALIPLATINE 178 mg",
        "IV · Glucose 5 % 285,6 mL (volume de la préparation) · en 2 h · débit 142,8 mL/h",
        f"Préparation {ward['oxali']} (ordonnancier n° {ward['oxali'][3:]}) — périme le "
        "25/11/2026 à 08:00 — libérée",
        "en même temps que l'étape 4", "ACIDE FOLINIQUE 836 mg",
        "Préparation de la pharmacie : pas encore imprimée (à préparer)",
        "FLUOROURACILE 5 020 mg", "débit 5 mL/h · diffuseur portable (élastomérique)",
        "→ 25/11/2026 à 10:40",
        "Diffuseur portable : la perfusion continue jusqu'au 25/11/2026 à 10:40",
        "Pas de débit calculé : volume non renseigné.",
        "Début réel :", "Fin réelle :", "☐ Administrée", "☐ En partie :",
        "☐ Non administrée, motif :", "IDE (nom, signature) :",
        "Incidents (extravasation, réaction…)",
        "Toute dose non administrée est enregistrée avec son motif : le prescripteur et le "
        "pharmacien en sont informés.",
        "Page 1 sur 2", "Page 2 sur 2",
    ):
        assert expected in text, expected
    times = [t for t in ("09:00", "09:15", "09:30", "10:30", "12:30", "12:40") if t in text]
    assert len(times) == 6
    # a reprint: the same pages, marked DUPLICATA
    again = reprint(store, nurse, printed.document_id, "plan taché")
    assert "DUPLICATA" in pdf_text(again, tmp_path)
    assert get_document(store, printed.document_id).kind == documents.PLAN_KIND


def test_a_wards_plans_for_a_day_come_in_one_pdf(ward, tmp_path) -> None:
    store, nurse = ward["store"], ward["nurse"]
    printed = printing.print_ward_plans(store, nurse, TODAY, "HGE")
    pages = keep(printed.pdf, "administration-ward-plans")
    assert pages >= 4  # two patients, each from a new page
    firsts = {}
    for page in range(1, pages + 1):
        text = flat(pdf_text(printed.pdf, tmp_path, page=page, raw=True))
        assert f"Page {page} sur {pages}" in text
        header = ("GAILLARD Martine (née JOLY)" if "GAILLARD Martine (née JOLY) —" in text
                  else "GARNIER Hamid")
        assert f"{header} — " in text  # each page names its own patient in the header
        firsts.setdefault(header, page)
    assert firsts["GAILLARD Martine (née JOLY)"] == 1 and firsts["GARNIER Hamid"] > 1
    text = flat(pdf_text(printed.pdf, tmp_path, raw=True))
    assert "Plans d'administration — Hépato-gastro-entérologie — lundi 23/11/2026 (2 patients)" \
        in flat(subprocess.run(["pdfinfo", "-"], input=printed.pdf, capture_output=True,
                               check=True).stdout.decode())
    for expected in ("RITUXIMAB", "VINCRISTINE", "VOIE INTRAVEINEUSE STRICTE — MORTEL PAR UNE "
                     "AUTRE VOIE", "PARACÉTAMOL 1 000 mg", "Prise orale : 5 min comptées",
                     "OXALIPLATINE 178 mg", f"IPP {OTHER_PATIENT}", "16:05", "→ 16:10"):
        assert expected in text, expected


def test_the_blank_plan_has_identity_fields_and_empty_steps(ward, tmp_path) -> None:
    store, nurse = ward["store"], ward["nurse"]
    printed = printing.print_blank_plan(store, nurse, "HGE", TODAY)
    assert keep(printed.pdf, "administration-blank-plan") == 3
    text = flat(pdf_text(printed.pdf, tmp_path, raw=True))
    for expected in ("Plan d'administration vierge — patient inconnu du secours",
                     "Patient inconnu du secours : remplir à la main", "Nom :", "Prénom :",
                     "Né(e) le :", "IPP :", "Unité : Hépato-gastro-entérologie",
                     "Jour : lundi 23/11/2026", "Protocole :", "Prescripteur :",
                     "Produit et dose :", "Préparation n° (étiquette) :", "Débit :",
                     "☐ Non administrée, motif :", "Vérifié :"):
        assert expected in text, expected
    assert text.count("Produit et dose :") == 10
    undated = printing.print_blank_plan(store, nurse, None, None)
    assert "Unité : ______" in flat(pdf_text(undated.pdf, tmp_path))


def test_a_step_without_route_prints_blocking(tmp_path) -> None:
    day = date(2026, 11, 23)
    timing_line = TimingLine(line_id="L1", line_no=1, route=None, duration_min=30,
                             volume_ml=100)
    [timing] = plan_timing([timing_line], datetime(2026, 11, 23, 9))
    step = PlanStep(line_id="L1", prescription_id="PS1", line_no=1, line_kind="chemotherapy",
                    title="cisplatine", dose="130\u00a0mg", route=None, duration_min=30,
                    diluent="NACL09", volume_ml=100, volume_source="prescription",
                    container="poche", comment=None, compounded=True, preparation=None,
                    timing=timing)
    plan = PatientPlan(patient_id="IPP9", day=day, identity=None, ward_id=None, ward_name=None,
                       first_start=datetime(2026, 11, 23, 9), steps=[step], prescriptions=[
                           PlanPrescription(prescription_id="PS1", protocol_name="X",
                                            cycle_no=1, day_no=1, prescriber_name="Dr Y",
                                            ward_id=None)])
    content = plan_content(plan)
    header = PrintHeader(document_number="000001", title="Plan", establishment="CHU",
                         printed_at=datetime(2026, 11, 23, 8), printed_by_name="IDE",
                         printed_by_role="infirmier(e)")
    pdf = renderer_for(documents.PLAN_KIND).render(header, content)
    text = flat(pdf_text(pdf, tmp_path, raw=True))
    assert "BLOQUANT — Voie d'administration non renseignée : ne pas administrer" in text
    assert "VOIE NON RENSEIGNÉE" in text
    assert "Patient introuvable dans le secours" in text
