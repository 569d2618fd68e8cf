"""Issue 12, fabrication documents: the sheet and the label read back with pdftotext show every
mention (demo values: oxaliplatine 170 mg in a 250 mL bag of glucose 5 %), their Code 128
barcode decodes back to the preparation identifier, the label fits on one label page whatever
the demo drug and a long patient name, and a plan with a blocking finding is never printed.

The helpers here are shared with test_i12_fab_docs_batch.py."""

from __future__ import annotations

import csv
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.documents import PrintHeader, renderer_for
from chemo_fallback.modules.fabrication import documents as fd
from chemo_fallback.modules.fabrication.models import (
    DrugPreparationData,
    FabricationError,
    LineToPrepare,
    PreparationPlan,
    Product,
)
from chemo_fallback.modules.fabrication.rules import plan_preparation
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.site_settings import SiteSettings

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
AT = datetime(2026, 11, 23, 9, 0)
SETTINGS = SiteSettings()


def _rows(table: str) -> list[dict[str, str]]:
    with (DEMO_SNAPSHOT / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DRUGS = {r["drug_id"]: DrugPreparationData.from_row(r) for r in _rows("drugs")}
PRODUCTS = [Product.from_row(r) for r in _rows("products")]
# (drug, dose, route, container, diluent, volume mL, duration min): a line of every compounded
# demo drug, printable (no blocking finding); bags, a pump, syringes, powders, several vials.
DEMO_LINES = (
    ("OXALIPLATINE", 170.0, "IV", "poche", "G5", 250.0, 120.0),
    ("ACIDE_FOLINIQUE", 800.0, "IV", "poche", "NACL09", 250.0, 120.0),
    ("FLUOROURACILE", 800.0, "IV", "seringue", None, None, 5.0),
    ("FLUOROURACILE", 4800.0, "IV", "diffuseur", "NACL09", 230.0, 2760.0),
    ("IRINOTECAN", 360.0, "IV", "poche", "G5", 250.0, 90.0),
    ("PACLITAXEL", 315.0, "IV", "poche", "NACL09", 500.0, 180.0),
    ("CARBOPLATINE", 600.0, "IV", "poche", "G5", 500.0, 60.0),
    ("CISPLATINE", 130.0, "IV", "poche", "NACL09", 500.0, 60.0),
    ("DOXORUBICINE", 90.0, "IV", "poche", "NACL09", 250.0, 30.0),
    ("CYCLOPHOSPHAMIDE", 1200.0, "IV", "poche", "NACL09", 250.0, 60.0),
    ("VINCRISTINE", 2.0, "IV", "poche", "NACL09", 50.0, 10.0),
    ("DOCETAXEL", 140.0, "IV", "poche", "NACL09", 250.0, 60.0),
    ("ETOPOSIDE", 180.0, "IV", "poche", "NACL09", 500.0, 60.0),
    ("GEMCITABINE", 1800.0, "IV", "poche", "NACL09", 250.0, 30.0),
    ("RITUXIMAB", 700.0, "IV", "poche", "NACL09", 250.0, 240.0),
    ("TRASTUZUMAB", 480.0, "IV", "poche", "NACL09", 250.0, 90.0),
    ("PEMBROLIZUMAB", 200.0, "IV", "poche", "NACL09", 100.0, 30.0),
    ("BORTEZOMIB", 2.5, "SC", "seringue", None, None, None),
    ("AZACITIDINE", 130.0, "SC", "seringue", None, None, None),
    ("BLEOMYCINE", 18000.0, "IV", "poche", "NACL09", 100.0, 15.0),
    ("VINBLASTINE", 10.0, "IV", "poche", "NACL09", 50.0, 10.0),
    ("DACARBAZINE", 700.0, "IV", "poche", "NACL09", 250.0, 60.0),
)
PATIENT = PatientIdentity(
    patient_id="IPP10006045", last_name="Barré", first_name="Marie-Hélène", birth_name="Tessier",
    sex="F", birth_date=date(1957, 4, 9), age_years=69, ward_id="HDJ-ONCO",
    ward_name="HDJ Oncologie médicale",
)
LONG_PATIENT = PATIENT.model_copy(update={
    "last_name": "Saint-Martin-de-la-Tour-d'Auvergne", "first_name": "Marie-Hélène-Clémentine",
    "birth_name": "Lefebvre-Desmarais", "ward_name": "Oncologie médicale — hospitalisation",
})
RX = {
    "prescription_id": "RX-00042", "rx_number": "ORD0100042", "version_no": 2,
    "prescriber_name": "Dr Jean-Claude FRANÇOIS", "ward_id": "HDJ-ONCO",
    "ward_name": "HDJ Oncologie médicale", "protocol_name": "mFOLFOX6", "cycle_no": 3,
    "day_no": 1, "planned_date": date(2026, 11, 23),
}

LONG_RX = {**RX, "ward_id": "ONCO-HC", "ward_name": "Oncologie médicale — hospitalisation"}


def demo_plan(drug_id: str, dose: float, route: str = "IV", container: str | None = "poche",
              diluent: str | None = "G5", volume: float | None = 250.0,
              duration: float | None = 120.0) -> PreparationPlan:
    drug = DRUGS[drug_id]
    line = LineToPrepare("L-1", drug_id, dose, drug.dose_unit, route, container, diluent, volume,
                         duration)
    return plan_preparation(line, drug, PRODUCTS, SETTINGS, prepared_at=AT)


def oxaliplatin() -> PreparationPlan:
    return demo_plan("OXALIPLATINE", 170.0)


def preparation(register_no: int = 250445) -> dict:
    return {"preparation_id": f"FAB{register_no}", "register_no": register_no, "created_at": AT}


def contents(plan: PreparationPlan, register_no: int = 250445, patient: PatientIdentity = PATIENT,
             settings: SiteSettings = SETTINGS,
             prescription: dict | None = None) -> tuple[fd.SheetContent, fd.LabelContent]:
    args = {"preparation": preparation(register_no), "plan": plan, "patient": patient,
            "prescription": prescription or RX, "settings": settings}
    return fd.sheet_content(**args), fd.label_content(**args)


def header(kind: str, content, *, demo: bool = False) -> PrintHeader:
    renderer = renderer_for(kind)
    return PrintHeader(
        document_number="000042", title=renderer.document_title(content),
        establishment="Centre hospitalier de démonstration",
        patient_line=renderer.patient_line(content), printed_at=datetime(2026, 11, 23, 8, 30),
        printed_by_name="Paul Préparateur", printed_by_role="préparateur en pharmacie",
        demo=demo, audit_head="n° 57 · 3f9a1c2e",
    )


def render(kind: str, content, **header_args) -> bytes:
    return renderer_for(kind).render(header(kind, content, **header_args), content)


def pdf_path(pdf: bytes, tmp_path: Path, name: str = "document.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None, raw: bool = False) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    mode = "-raw" if raw else "-layout"
    path = pdf_path(pdf, tmp_path, "text.pdf")
    return subprocess.run(["pdftotext", mode, *pages, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def flat(text: str) -> str:
    """One line, single spaces, no-break spaces as spaces: what a reader sees."""
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_info(pdf: bytes, tmp_path: Path) -> str:
    path = pdf_path(pdf, tmp_path, "info.pdf")
    return subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(path)], capture_output=True,
                          text=True, check=True).stdout


def page_count(pdf: bytes, tmp_path: Path) -> int:
    line = next(x for x in pdf_info(pdf, tmp_path).splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def barcodes(pdf: bytes, tmp_path: Path, page: int = 1) -> list[tuple[str, str]]:
    """(text, format) of every barcode found on the page rendered at 300 dpi."""
    path = pdf_path(pdf, tmp_path, "codes.pdf")
    prefix = tmp_path / f"codes-{page}"
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(prefix)], check=True)
    image = Image.open(f"{prefix}.png")
    return [(code.text, str(code.format)) for code in zxingcpp.read_barcodes(image)]


def save_artifact(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)


# --- The sheet ---------------------------------------------------------------------------------


def test_the_sheet_shows_every_mention_of_the_preparation(tmp_path) -> None:
    sheet, _label = contents(oxaliplatin())
    pdf = render(fd.SHEET_KIND, sheet)
    save_artifact("fabrication-sheet.pdf", pdf)
    assert page_count(pdf, tmp_path) == 1
    # raw: in drawing order, so that the lines of a table's cell follow one another
    text = flat(pdf_text(pdf, tmp_path, raw=True))
    for mention in (
        # the register number, big, and the preparation identifier
        "N° d'ordonnancier", "250445", "FAB250445",
        # the patient with two identifiers, the ward, the prescriber, the prescription
        "BARRÉ Marie-Hélène (née TESSIER)", "née le 09/04/1957 — IPP IPP10006045",
        "Unité : HDJ Oncologie médicale", "prescripteur : Dr Jean-Claude FRANÇOIS",
        "Prescription n° ORD0100042 version 2 — mFOLFOX6, cycle 3, J1 du 23/11/2026",
        # drug (INN and product), dose, route, duration, container
        "OXALIPLATINE — 170 mg", "Produit : Oxaliplatine 5 mg/mL 200 mg/40 mL",
        "Voie intraveineuse (IV), durée 2 h — contenant : poche",
        # the whole calculation: dose → vials → volume → diluent → final volume and
        # concentration against its range → expiry → storage → target mass
        "1. Dose à préparer : 170 mg",
        "Flacons neufs : 1 flacon, 200 mg = 200 mg, reste 30 mg dans le dernier flacon",
        "Volume à prélever : 170 mg ÷ 5 mg/mL = 34 mL",
        "Solvant : poche de 250 mL de Glucose 5 % ; médicament ajouté à la poche",
        "Volume final : 250 mL + 34 mL = 284 mL",
        "Concentration finale : 170 mg ÷ 284 mL = 0,599 mg/mL ; plage de stabilité "
        "[0,2 – 0,7] mg/mL : CONFORME",
        "Péremption : préparation le 23/11/2026 à 09:00 + 48 h de stabilité = "
        "25/11/2026 à 09:00",
        "Masse cible (volume prélevé) : 34 mL × 1,01 g/mL = 34,34 g ; acceptée de 32,62 g à "
        "36,06 g (± 5 %)",
        # expiry and storage, boxed
        "Péremption : 25/11/2026 à 09:00 — Conserver entre +2 et +8 °C (réfrigérateur)",
        # the vial with empty fields for its lot and expiry, the diluent's lot
        "Produit Flacon À prélever Volume Lot Péremption",
        "Oxaliplatine 5 mg/mL 200 mg/40 mL neuf 170 mg 34 mL",
        "Lot du solvant : ________________",
        "Solvant : Glucose 5 % — 250 mL — médicament ajouté à la poche de solvant",
        "Volume final : 284 mL — concentration finale 0,599 mg/mL (plage [0,2 – 0,7] mg/mL)",
        "Masse mesurée : ________________ g (cible 34,34 g, de 32,62 g à 36,06 g (± 5 %))",
        # what is left of the vial
        "Reste du dernier flacon Oxaliplatine 5 mg/mL 200 mg/40 mL : 30 mg (6 mL), à garder en "
        "reliquat",
        # checkboxes and signatures of the preparer and the controller
        "Préparateur", "Contrôleur", "☐ Identité du patient vérifiée (nom, naissance, IPP)",
        "☐ Masse mesurée dans les bornes (gravimétrie)", "Signature :",
        # the page frame: title, patient on every page, audit anchor
        "Fiche de fabrication n° 250445", "Page 1 sur 1", "piste d'audit n° 57 · 3f9a1c2e",
    ):
        assert mention in text, mention
    # oxaliplatine is neither a vinca alkaloid nor protected from light in the demo data
    assert fd.VINCA_WARNING not in text and fd.LIGHT_WARNING not in text


def test_a_vinca_alkaloid_sheet_carries_the_fatal_route_warning(tmp_path) -> None:
    sheet, _label = contents(demo_plan("VINCRISTINE", 2.0, diluent="NACL09", volume=50.0,
                                       duration=10.0))
    text = flat(pdf_text(render(fd.SHEET_KIND, sheet), tmp_path))
    assert "VOIE INTRAVEINEUSE STRICTE — MORTEL PAR UNE AUTRE VOIE" in text
    assert "Conserver entre +2 et +8 °C (réfrigérateur) — Protéger de la lumière" in text


def test_a_powder_and_several_vials_show_reconstitution_and_each_vial(tmp_path) -> None:
    plan = demo_plan("TRASTUZUMAB", 480.0, diluent="NACL09", duration=90.0)
    sheet, _label = contents(plan)
    pdf = render(fd.SHEET_KIND, sheet)
    assert page_count(pdf, tmp_path) == 1  # four vial rows still fit on the page
    text = flat(pdf_text(pdf, tmp_path))
    assert ("Reconstitution : chaque flacon de Trastuzumab 150 mg poudre pour solution avec "
            "7,15 mL de EPPI → 20,98 mg/mL") in text
    assert text.count("Trastuzumab 150 mg poudre pour solution neuf 150 mg 7,15 mL") == 3
    assert text.count("Trastuzumab 150 mg poudre pour solution neuf 30 mg 1,43 mL") == 1
    assert "Volume à prélever : 480 mg ÷ 20,98 mg/mL = 22,88 mL" in text


def test_a_reliquat_drawn_first_is_a_row_with_its_known_lot(tmp_path) -> None:
    from chemo_fallback.modules.fabrication.models import OpenedVial

    opened = OpenedVial("R-7", "OXALIPLATINE-100MG", "LOT-RELIQ-7", 60.0,
                        datetime(2026, 11, 23, 7, 0), datetime(2026, 11, 25, 7, 0))
    drug = DRUGS["OXALIPLATINE"]
    line = LineToPrepare("L-1", "OXALIPLATINE", 170.0, "mg", "IV", "poche", "G5", 250.0, 120.0)
    plan = plan_preparation(line, drug, PRODUCTS, SETTINGS, prepared_at=AT, opened=[opened])
    sheet, _label = contents(plan)
    text = flat(pdf_text(render(fd.SHEET_KIND, sheet), tmp_path))
    assert "Reliquat(s) utilisé(s) d'abord : 60 mg" in text
    layout = pdf_text(render(fd.SHEET_KIND, sheet), tmp_path)
    row = next(line for line in layout.splitlines() if "reliquat" in line)
    assert flat(row) == "Oxaliplatine 5 mg/mL 100 mg/20 mL reliquat 60 mg 12 mL LOT-RELIQ-7"
    # its lot is known: printed, not to write; what was left in it and its in-use expiry
    assert "reste 60 mg, ouvert le 23/11/2026 à 07:00, utilisable jusqu'au 25/11/2026 à " \
           "07:00" in text


def test_the_sheet_barcode_decodes_to_the_preparation_identifier(tmp_path) -> None:
    sheet, _label = contents(oxaliplatin())
    assert barcodes(render(fd.SHEET_KIND, sheet), tmp_path) == [("FAB250445", "Code 128")]


# --- The label ---------------------------------------------------------------------------------


def test_the_label_shows_every_mention_french_rules_ask(tmp_path) -> None:
    _sheet, label = contents(oxaliplatin())
    pdf = render(fd.LABEL_KIND, label)
    save_artifact("fabrication-label.pdf", pdf)
    info = pdf_info(pdf, tmp_path)
    assert "Pages:           1" in info
    assert "283.465 x 141.732 pts" in info  # 100 × 50 mm, the default label size
    text = flat(pdf_text(pdf, tmp_path))
    for mention in (
        "BARRÉ Marie-Hélène (née TESSIER)",  # patient: name, birth date, IPP
        "née le 09/04/1957 — IPP IPP10006045",
        "Unité : HDJ Oncologie médicale",  # ward
        "OXALIPLATINE 170 mg",  # drug and dose
        "dans Glucose 5 % 250 mL (poche)",  # composition
        "Volume total 284 mL — 0,599 mg/mL",  # total volume and final concentration
        "Voie intraveineuse (IV) — en 2 h",  # route and duration
        "N° 250445",  # register number
        "FAB250445",  # the barcode's identifier in clear
        "Péremption : 25/11/2026 à 09:00",  # expiry date-time
        "Conserver entre +2 et +8 °C (réfrigérateur)",  # storage
        "Préparée le 23/11/2026 à 09:00",
        "Pharmacie à usage intérieur — Unité de préparation des anticancéreux",  # settings
        "Adresse de la PUI à paramétrer (site-settings.toml)",
    ):
        assert mention in text, mention
    assert fd.VINCA_WARNING not in text and fd.LIGHT_WARNING not in text
    # no page frame on a label: it is the label
    assert "Page 1" not in text and "Imprimé le" not in text


def test_the_label_warns_of_a_vinca_alkaloid_and_of_light(tmp_path) -> None:
    for drug_id in ("VINCRISTINE", "VINBLASTINE"):
        dose = 2.0 if drug_id == "VINCRISTINE" else 10.0
        _sheet, label = contents(demo_plan(drug_id, dose, diluent="NACL09", volume=50.0,
                                           duration=10.0))
        text = flat(pdf_text(render(fd.LABEL_KIND, label), tmp_path))
        assert "VOIE INTRAVEINEUSE STRICTE — MORTEL PAR UNE AUTRE VOIE" in text, drug_id
        assert "Protéger de la lumière" in text, drug_id  # both are protected in the demo


def test_light_protection_alone_is_on_the_label(tmp_path) -> None:
    _sheet, label = contents(demo_plan("DOXORUBICINE", 90.0, diluent="NACL09", duration=30.0))
    text = flat(pdf_text(render(fd.LABEL_KIND, label), tmp_path))
    assert "Protéger de la lumière" in text and fd.VINCA_WARNING not in text


@pytest.mark.parametrize("inn", ["vincristine", "Vinblastine", "VINORELBINE", "vindésine",
                                 "vinflunine", "vinorelbine tartrate"])
def test_every_vinca_alkaloid_is_recognised_by_its_inn(inn) -> None:
    assert fd.is_vinca_alkaloid(inn)


@pytest.mark.parametrize("inn", ["oxaliplatine", "vinpocétine", "navitoclax", "étoposide"])
def test_other_drugs_are_not_vinca_alkaloids(inn) -> None:
    assert not fd.is_vinca_alkaloid(inn)


def test_the_label_barcode_decodes_to_the_preparation_identifier(tmp_path) -> None:
    _sheet, label = contents(oxaliplatin())
    assert barcodes(render(fd.LABEL_KIND, label), tmp_path) == [("FAB250445", "Code 128")]


def test_every_demo_drug_fits_one_label_with_a_long_patient_name(tmp_path) -> None:
    """Default settings (100 × 50 mm); no mention dropped: each is found on the one page."""
    for index, (drug_id, dose, route, container, diluent, volume, duration) in enumerate(
        DEMO_LINES
    ):
        plan = demo_plan(drug_id, dose, route, container, diluent, volume, duration)
        assert not plan.blocking, (drug_id, plan.blocking_findings)
        _sheet, label = contents(plan, 250500 + index, patient=LONG_PATIENT,
                                 prescription=LONG_RX)
        pdf = render(fd.LABEL_KIND, label)
        assert page_count(pdf, tmp_path) == 1, drug_id
        text = flat(pdf_text(pdf, tmp_path))
        for mention in (
            "SAINT-MARTIN-DE-LA-TOUR-D'AUVERGNE", "Marie-Hélène-Clémentine",
            "LEFEBVRE-DESMARAIS", "IPP IPP10006045", "Oncologie médicale — hospitalisation",
            label.drug, label.volume, label.route, f"N° {250500 + index}", label.expiry,
            label.storage, "Adresse de la PUI", *label.warnings,
        ):
            assert flat(mention) in text, (drug_id, mention)
        if index % 7 == 0:  # the barcode still scans on a crowded label
            assert barcodes(pdf, tmp_path) == [(f"FAB{250500 + index}", "Code 128")], drug_id


def test_a_label_that_cannot_fit_is_refused_before_anything_prints() -> None:
    tiny = SiteSettings(label_width_mm=40, label_height_mm=25,
                        pharmacy_address="Centre hospitalier, 1 avenue de la République, " * 5)
    with pytest.raises(FabricationError, match="ne tient pas sur une étiquette de 40 × 25 mm") \
            as refused:
        contents(oxaliplatin(), patient=LONG_PATIENT, settings=tiny)
    assert refused.value.code == "label_too_small"


def test_a_larger_label_size_from_the_settings_is_the_page_size(tmp_path) -> None:
    _sheet, label = contents(oxaliplatin(),
                             settings=SiteSettings(label_width_mm=120, label_height_mm=70))
    assert "340.158 x 198.425 pts" in pdf_info(render(fd.LABEL_KIND, label), tmp_path)


# --- Refusals ----------------------------------------------------------------------------------


def test_a_plan_with_a_blocking_finding_is_never_printed() -> None:
    # oxaliplatine is made in glucose 5 % only: NaCl 0,9 % is a blocking finding
    plan = demo_plan("OXALIPLATINE", 170.0, diluent="NACL09")
    assert plan.blocking
    for build in (fd.sheet_content, fd.label_content):
        with pytest.raises(FabricationError) as refused:
            build(preparation=preparation(), plan=plan, patient=PATIENT, prescription=RX,
                  settings=SETTINGS)
        assert refused.value.code == "preparation_blocked"
        message = str(refused.value)
        assert "FAB250445" in message and "non imprimable" in message
        for finding in plan.blocking_findings:  # every blocking finding, not the first
            assert finding.message in message


def test_an_empty_or_mismatched_batch_is_refused() -> None:
    with pytest.raises(FabricationError) as empty:
        fd.batch_content([])
    assert empty.value.code == "batch_empty"
    sheet, _label = contents(oxaliplatin(), 250445)
    _sheet, other_label = contents(oxaliplatin(), 250446)
    with pytest.raises(FabricationError) as mismatch:
        fd.batch_content([(sheet, other_label)])
    assert mismatch.value.code == "batch_mismatch"
