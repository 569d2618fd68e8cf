"""The site's thesaurus: the 14 regimens of the domain primer, with premedication and hydration.

Doses are the published standard ones of the primer's table. Lab thresholds are those a
pharmacist checks before validating; antibodies carry none (no haematological gate).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from chemo_fallback.snapshot.generator.catalogue import DRUG_INDEX


@dataclass(frozen=True)
class Line:
    kind: str  # chemotherapy, premedication, hydration
    drug_id: str | None
    dose: float
    basis: str
    days: str
    route: str = "IV"
    duration_min: float | None = None
    diluent: str | None = None
    volume_ml: float | None = None
    container: str | None = "poche"
    max_dose: float | None = None
    label: str | None = None
    comment: str | None = None
    runs_with: int | None = None  # the line number it runs together with ("en Y")


@dataclass(frozen=True)
class Protocol:
    protocol_id: str
    name: str
    cycle_days: int
    cycles_planned: int
    indication: str
    lines: tuple[Line, ...]
    anc_min: float | None = 1.5
    platelets_min: float | None = 100
    clearance_min: float | None = None
    bsa_cap: float | None = None
    lab_days: tuple[int, ...] = (1,)  # days of the cycle preceded by a blood count


def _chemo(drug: str, dose: float, basis: str, days: str = "1", **kw) -> Line:
    return Line("chemotherapy", drug, dose, basis, days, **kw)


def _antiemetics(days: str = "1", dexa_mg: float = 8) -> tuple[Line, ...]:
    return (
        Line(
            "premedication",
            "ONDANSETRON",
            8,
            "mg",
            days,
            duration_min=15,
            diluent="NACL09",
            volume_ml=50,
        ),
        Line(
            "premedication",
            "DEXAMETHASONE",
            dexa_mg,
            "mg",
            days,
            duration_min=15,
            diluent="NACL09",
            volume_ml=50,
        ),
    )


def _antihistamine(days: str = "1") -> Line:
    return Line(
        "premedication", "DEXCHLORPHENIRAMINE", 5, "mg", days, duration_min=5, container="seringue"
    )


def _keep_vein_open(days: str = "1", volume: float = 250) -> Line:
    # Hydration carries no drug: dose 0 and the volume tell the nurse what to hang.
    return Line(
        "hydration",
        None,
        0,
        "mg",
        days,
        duration_min=60,
        diluent="NACL09",
        volume_ml=volume,
        label=f"NaCl 0,9 % {volume:g} mL (garde-veine)",
    )


_FU_BOLUS = _chemo(
    "FLUOROURACILE", 400, "mg/m2", duration_min=10, container="seringue", comment="Bolus IV lent"
)
_FU_PUMP = _chemo(
    "FLUOROURACILE",
    2400,
    "mg/m2",
    duration_min=2760,
    diluent="NACL09",
    volume_ml=230,
    container="diffuseur",
    comment="Diffuseur 5 mL/h sur 46 h",
)
_AF = _chemo("ACIDE_FOLINIQUE", 400, "mg/m2", duration_min=120, diluent="G5", volume_ml=250)
_PACLI_COMMENT = "Tubulure sans PVC avec filtre 0,22 µm"

PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(
        "MFOLFOX6",
        "mFOLFOX6",
        14,
        12,
        "Cancer colorectal",
        (
            *_antiemetics(),
            _keep_vein_open(),
            _chemo(
                "OXALIPLATINE",
                85,
                "mg/m2",
                duration_min=120,
                diluent="G5",
                volume_ml=250,
                comment="Glucose 5 % exclusivement",
            ),
            replace(_AF, runs_with=4, comment="En Y avec l'oxaliplatine"),
            _FU_BOLUS,
            _FU_PUMP,
        ),
    ),
    Protocol(
        "FOLFIRI",
        "FOLFIRI",
        14,
        12,
        "Cancer colorectal métastatique",
        (
            *_antiemetics(),
            Line(
                "premedication",
                "ATROPINE",
                0.25,
                "mg",
                "1",
                route="SC",
                container="seringue",
                comment="Si syndrome cholinergique",
            ),
            _keep_vein_open(),
            _chemo("IRINOTECAN", 180, "mg/m2", duration_min=90, diluent="NACL09", volume_ml=250),
            replace(_AF, runs_with=5, comment="En Y avec l'irinotécan"),
            _FU_BOLUS,
            _FU_PUMP,
        ),
    ),
    Protocol(
        "RCHOP21",
        "R-CHOP 21",
        21,
        6,
        "Lymphome B diffus à grandes cellules",
        (
            Line("premedication", "PARACETAMOL", 1000, "mg", "1", route="PO", container="per os"),
            _antihistamine(),
            *_antiemetics(),
            _keep_vein_open(volume=500),
            _chemo(
                "RITUXIMAB",
                375,
                "mg/m2",
                duration_min=240,
                diluent="NACL09",
                volume_ml=500,
                comment="Débit progressif",
            ),
            _chemo(
                "CYCLOPHOSPHAMIDE", 750, "mg/m2", duration_min=60, diluent="NACL09", volume_ml=250
            ),
            _chemo("DOXORUBICINE", 50, "mg/m2", duration_min=15, container="seringue"),
            _chemo(
                "VINCRISTINE",
                1.4,
                "mg/m2",
                duration_min=10,
                diluent="NACL09",
                volume_ml=50,
                max_dose=2,
                comment="Voie IV exclusivement — mortel par une autre voie",
            ),
            _chemo("PREDNISONE", 100, "mg", "1-5", route="PO", container="per os"),
        ),
    ),
    Protocol(
        "AC60",
        "AC 60",
        21,
        4,
        "Cancer du sein",
        (
            *_antiemetics(dexa_mg=12),
            _keep_vein_open(),
            _chemo("DOXORUBICINE", 60, "mg/m2", duration_min=15, container="seringue"),
            _chemo(
                "CYCLOPHOSPHAMIDE", 600, "mg/m2", duration_min=60, diluent="NACL09", volume_ml=250
            ),
        ),
    ),
    Protocol(
        "PACLI_HEBDO",
        "Paclitaxel hebdomadaire",
        7,
        12,
        "Cancer du sein",
        (
            _antihistamine(),
            Line(
                "premedication",
                "DEXAMETHASONE",
                10,
                "mg",
                "1",
                duration_min=15,
                diluent="NACL09",
                volume_ml=50,
            ),
            _chemo(
                "PACLITAXEL",
                80,
                "mg/m2",
                duration_min=60,
                diluent="NACL09",
                volume_ml=250,
                comment=_PACLI_COMMENT,
            ),
        ),
    ),
    Protocol(
        "CARBO_PACLI",
        "Carboplatine – paclitaxel",
        21,
        6,
        "Cancer de l'ovaire, cancer bronchique",
        (
            _antihistamine(),
            *_antiemetics(dexa_mg=20),
            _keep_vein_open(),
            _chemo(
                "PACLITAXEL",
                175,
                "mg/m2",
                duration_min=180,
                diluent="NACL09",
                volume_ml=500,
                comment=_PACLI_COMMENT,
            ),
            _chemo(
                "CARBOPLATINE",
                5,
                "AUC",
                duration_min=60,
                diluent="G5",
                volume_ml=250,
                comment="Calvert, DFG plafonné à 125 mL/min",
            ),
        ),
        clearance_min=30,
    ),
    Protocol(
        "DOCETAXEL",
        "Docétaxel 75",
        21,
        6,
        "Cancer de la prostate, cancer du sein",
        (
            *_antiemetics(),
            _keep_vein_open(),
            _chemo("DOCETAXEL", 75, "mg/m2", duration_min=60, diluent="NACL09", volume_ml=250),
        ),
        bsa_cap=2.0,
    ),
    Protocol(
        "GEMCITABINE",
        "Gemcitabine J1 J8 J15",
        28,
        6,
        "Adénocarcinome du pancréas",
        (
            _keep_vein_open("1,8,15"),
            _chemo(
                "GEMCITABINE",
                1000,
                "mg/m2",
                "1,8,15",
                duration_min=30,
                diluent="NACL09",
                volume_ml=250,
            ),
        ),
        lab_days=(1, 8, 15),
    ),
    Protocol(
        "CISPLATINE_ETOPOSIDE",
        "Cisplatine – étoposide",
        21,
        4,
        "Cancer bronchique à petites cellules",
        (
            *_antiemetics("1-3", dexa_mg=12),
            Line(
                "hydration",
                None,
                0,
                "mg",
                "1",
                duration_min=120,
                diluent="NACL09",
                volume_ml=1000,
                label="NaCl 0,9 % 1000 mL + KCl 2 g + MgSO4 1,5 g (pré-hydratation)",
            ),
            _chemo("CISPLATINE", 75, "mg/m2", duration_min=60, diluent="NACL09", volume_ml=500),
            _chemo(
                "ETOPOSIDE", 100, "mg/m2", "1-3", duration_min=60, diluent="NACL09", volume_ml=500
            ),
            Line(
                "hydration",
                None,
                0,
                "mg",
                "1",
                duration_min=120,
                diluent="NACL09",
                volume_ml=1000,
                label="NaCl 0,9 % 1000 mL (post-hydratation)",
            ),
        ),
        clearance_min=60,
        bsa_cap=2.0,
    ),
    Protocol(
        "ABVD",
        "ABVD",
        28,
        6,
        "Lymphome de Hodgkin",
        (
            *_antiemetics("1,15"),
            _keep_vein_open("1,15"),
            _chemo("DOXORUBICINE", 25, "mg/m2", "1,15", duration_min=15, container="seringue"),
            _chemo(
                "BLEOMYCINE",
                10_000,
                "UI/m2",
                "1,15",
                duration_min=15,
                diluent="NACL09",
                volume_ml=100,
            ),
            _chemo(
                "VINBLASTINE",
                6,
                "mg/m2",
                "1,15",
                duration_min=10,
                diluent="NACL09",
                volume_ml=50,
                comment="Voie IV exclusivement — mortel par une autre voie",
            ),
            _chemo(
                "DACARBAZINE",
                375,
                "mg/m2",
                "1,15",
                duration_min=60,
                diluent="NACL09",
                volume_ml=500,
                comment="À l'abri de la lumière",
            ),
        ),
        lab_days=(1, 15),
    ),
    Protocol(
        "TRASTUZUMAB_CHARGE",
        "Trastuzumab — dose de charge",
        21,
        1,
        "Cancer du sein HER2+ (cycle 1)",
        (_chemo("TRASTUZUMAB", 8, "mg/kg", duration_min=90, diluent="NACL09", volume_ml=250),),
        anc_min=None,
        platelets_min=None,
    ),
    Protocol(
        "TRASTUZUMAB",
        "Trastuzumab — entretien",
        21,
        18,
        "Cancer du sein HER2+ (cycles 2 et suivants)",
        (_chemo("TRASTUZUMAB", 6, "mg/kg", duration_min=30, diluent="NACL09", volume_ml=250),),
        anc_min=None,
        platelets_min=None,
    ),
    Protocol(
        "PEMBROLIZUMAB",
        "Pembrolizumab 200 mg",
        21,
        35,
        "Cancer bronchique non à petites cellules, mélanome",
        (_chemo("PEMBROLIZUMAB", 200, "mg", duration_min=30, diluent="NACL09", volume_ml=100),),
        anc_min=None,
        platelets_min=None,
    ),
    Protocol(
        "BORTEZOMIB_SC",
        "Bortézomib sous-cutané",
        21,
        8,
        "Myélome multiple",
        (
            _chemo(
                "BORTEZOMIB",
                1.3,
                "mg/m2",
                "1,4,8,11",
                route="SC",
                container="seringue",
                comment="Solution à 2,5 mg/mL",
            ),
        ),
        anc_min=1.0,
        platelets_min=30,
    ),
    Protocol(
        "AZACITIDINE_SC",
        "Azacitidine sous-cutanée",
        28,
        12,
        "Syndrome myélodysplasique, leucémie aiguë myéloïde",
        (
            Line("premedication", "ONDANSETRON", 8, "mg", "1-7", route="PO", container="per os"),
            _chemo(
                "AZACITIDINE",
                75,
                "mg/m2",
                "1-7",
                route="SC",
                container="seringue",
                comment="Au-delà de 4 mL, répartir en deux seringues",
            ),
        ),
        anc_min=None,
        platelets_min=None,
    ),
)
PROTOCOL_INDEX = {p.protocol_id: i for i, p in enumerate(PROTOCOLS)}


def expand_days(days: str) -> list[int]:
    """ "1-5" -> [1..5]; "1,8,15" -> [1, 8, 15]."""
    out: list[int] = []
    for part in days.replace(";", ",").split(","):
        first, _, last = part.strip().partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def protocols_frame() -> pd.DataFrame:
    rows = [
        (
            p.protocol_id,
            p.name,
            p.cycle_days,
            p.cycles_planned,
            p.indication,
            "mosteller",
            p.bsa_cap,
            p.anc_min,
            p.platelets_min,
            p.clearance_min,
            True,
        )
        for p in PROTOCOLS
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "protocol_id",
            "name",
            "cycle_length_days",
            "cycles_planned",
            "indication",
            "bsa_formula",
            "bsa_cap_m2",
            "anc_min_g_l",
            "platelets_min_g_l",
            "clearance_min_ml_min",
            "active",
        ],
    )


def protocol_lines_frame() -> pd.DataFrame:
    rows = []
    for p in PROTOCOLS:
        for no, ln in enumerate(p.lines, start=1):
            assert ln.drug_id is None or ln.drug_id in DRUG_INDEX, ln.drug_id
            rows.append(
                (
                    p.protocol_id,
                    no,
                    ln.kind,
                    ln.drug_id,
                    ln.label,
                    ln.dose,
                    ln.basis,
                    ln.days,
                    ln.route,
                    ln.duration_min,
                    ln.diluent,
                    ln.volume_ml,
                    ln.container,
                    ln.max_dose,
                    ln.comment,
                    ln.runs_with,
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "protocol_id",
            "line_no",
            "line_kind",
            "drug_id",
            "label",
            "dose",
            "dose_basis",
            "days",
            "route",
            "duration_min",
            "diluent",
            "volume_ml",
            "container",
            "max_dose",
            "comment",
            "runs_with_line_no",
        ],
    )
    frame["runs_with_line_no"] = frame["runs_with_line_no"].astype("Int64")  # no "4.0"
    return frame
