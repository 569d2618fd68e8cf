"""Reference data of the synthetic site: wards, drugs, products (presentations) and suppliers.

Published typical values (see shared/domain-primer.md), good enough for a demo, not a clinical
reference. This data does not depend on the seed: a site's thesaurus is the same whatever its
patients, so two demo snapshots differ only in their activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Seed of the reference codes (GTIN, UCD): fixed so the catalogue never moves between seeds.
CODES_SEED = 20_261_123


@dataclass(frozen=True)
class Ward:
    ward_id: str
    name: str
    kind: str
    building: str
    phone: str
    specialty: str  # of its prescribers


WARDS = (
    Ward(
        "HDJ-ONCO",
        "HDJ Oncologie médicale",
        "hôpital de jour",
        "Bâtiment A",
        "poste 4512",
        "Oncologie médicale",
    ),
    Ward(
        "ONCO-HC",
        "Oncologie médicale — hospitalisation",
        "hospitalisation complète",
        "Bâtiment A",
        "poste 4520",
        "Oncologie médicale",
    ),
    Ward(
        "HEMATO",
        "Hématologie clinique",
        "hospitalisation complète",
        "Bâtiment B",
        "poste 4630",
        "Hématologie",
    ),
    Ward(
        "HDJ-HEMATO",
        "HDJ Hématologie",
        "hôpital de jour",
        "Bâtiment B",
        "poste 4634",
        "Hématologie",
    ),
    Ward(
        "ONCO-THORAX",
        "Oncologie thoracique",
        "hospitalisation complète",
        "Bâtiment C",
        "poste 4711",
        "Pneumologie",
    ),
    Ward(
        "PNEUMO",
        "Pneumologie",
        "hospitalisation complète",
        "Bâtiment C",
        "poste 4702",
        "Pneumologie",
    ),
    Ward(
        "GYNECO",
        "Gynécologie — Sénologie",
        "hospitalisation de semaine",
        "Bâtiment D",
        "poste 4805",
        "Gynécologie médicale",
    ),
    Ward(
        "HGE",
        "Hépato-gastro-entérologie",
        "hospitalisation complète",
        "Bâtiment A",
        "poste 4540",
        "Gastro-entérologie",
    ),
    Ward(
        "USP",
        "Unité de soins palliatifs",
        "hospitalisation complète",
        "Bâtiment E",
        "poste 4901",
        "Soins palliatifs",
    ),
)
WARD_IDS = tuple(w.ward_id for w in WARDS)


@dataclass(frozen=True)
class Drug:
    drug_id: str
    inn: str
    atc: str
    dose_unit: str = "mg"
    cumulative_limit: float | None = None
    cumulative_limit_unit: str | None = None
    diluents: str | None = None
    final_conc_min: float | None = None
    final_conc_max: float | None = None
    stability_hours: float | None = None
    storage: str | None = "15-25"
    protect_from_light: bool = False
    containers: str | None = None
    routes: str = "IV"  # allowed routes, "|"-separated
    max_dose_per_administration: float | None = None  # absolute, in dose_unit
    intrathecal_capable: bool = False
    ui_per_mg: float | None = None  # only for drugs dosed in both units (bleomycin)
    compounded: bool = True  # prepared by the unit (a preparation record exists)
    reducible: bool = True  # toxicity reductions apply (not to antibodies, steroids)


_MAB = {"reducible": False}
DRUGS = (
    Drug(
        "OXALIPLATINE",
        "oxaliplatine",
        "L01XA03",
        diluents="G5",
        final_conc_min=0.2,
        final_conc_max=0.7,
        stability_hours=48,
        storage="2-8",
        containers="poche",
    ),
    Drug(
        "FLUOROURACILE",
        "fluorouracile",
        "L01BC02",
        diluents="NACL09|G5",
        final_conc_min=0.35,
        final_conc_max=50,
        stability_hours=168,
        storage="15-25",
        protect_from_light=True,
        containers="seringue|poche|diffuseur",
    ),
    Drug(
        "ACIDE_FOLINIQUE",
        "acide folinique",
        "V03AF03",
        diluents="NACL09|G5",
        final_conc_min=0.2,
        final_conc_max=4,
        stability_hours=24,
        storage="2-8",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "IRINOTECAN",
        "irinotécan",
        "L01CE02",
        diluents="NACL09|G5",
        final_conc_min=0.12,
        final_conc_max=2.8,
        stability_hours=72,
        storage="2-8",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "PACLITAXEL",
        "paclitaxel",
        "L01CD01",
        diluents="NACL09|G5",
        final_conc_min=0.3,
        final_conc_max=1.2,
        stability_hours=27,
        storage="15-25",
        containers="poche",
    ),
    Drug(
        "CARBOPLATINE",
        "carboplatine",
        "L01XA02",
        diluents="G5|NACL09",
        final_conc_min=0.5,
        final_conc_max=4,
        stability_hours=24,
        storage="2-8",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "CISPLATINE",
        "cisplatine",
        "L01XA01",
        diluents="NACL09",
        final_conc_min=0.05,
        final_conc_max=1,
        stability_hours=24,
        storage="15-25",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "DOXORUBICINE",
        "doxorubicine",
        "L01DB01",
        cumulative_limit=450,
        cumulative_limit_unit="mg/m2",
        diluents="NACL09|G5",
        final_conc_min=0.1,
        final_conc_max=2,
        stability_hours=168,
        storage="2-8",
        protect_from_light=True,
        containers="seringue|poche",
    ),
    Drug(
        "CYCLOPHOSPHAMIDE",
        "cyclophosphamide",
        "L01AA01",
        diluents="NACL09|G5",
        final_conc_min=0.2,
        final_conc_max=20,
        stability_hours=48,
        storage="2-8",
        containers="poche|seringue",
    ),
    Drug(
        "VINCRISTINE",
        "vincristine",
        "L01CA02",
        diluents="NACL09",
        final_conc_min=0.01,
        final_conc_max=0.1,
        stability_hours=168,
        storage="2-8",
        protect_from_light=True,
        containers="poche",
        max_dose_per_administration=2,
    ),
    Drug(
        "DOCETAXEL",
        "docétaxel",
        "L01CD02",
        diluents="NACL09|G5",
        final_conc_min=0.3,
        final_conc_max=0.74,
        stability_hours=48,
        storage="2-8",
        containers="poche",
    ),
    Drug(
        "ETOPOSIDE",
        "étoposide",
        "L01CB01",
        diluents="NACL09|G5",
        final_conc_min=0.2,
        final_conc_max=0.4,
        stability_hours=24,
        storage="15-25",
        containers="poche",
    ),
    Drug(
        "GEMCITABINE",
        "gemcitabine",
        "L01BC05",
        diluents="NACL09",
        final_conc_min=0.1,
        final_conc_max=38,
        stability_hours=72,
        storage="15-25",
        containers="poche",
    ),
    Drug(
        "RITUXIMAB",
        "rituximab",
        "L01FA01",
        diluents="NACL09|G5",
        final_conc_min=1,
        final_conc_max=4,
        stability_hours=720,
        storage="2-8",
        containers="poche",
        routes="IV|SC",
        **_MAB,
    ),
    Drug(
        "TRASTUZUMAB",
        "trastuzumab",
        "L01FD01",
        diluents="NACL09",
        final_conc_min=0.4,
        final_conc_max=4,
        stability_hours=720,
        storage="2-8",
        containers="poche",
        routes="IV|SC",
        **_MAB,
    ),
    Drug(
        "PEMBROLIZUMAB",
        "pembrolizumab",
        "L01FF02",
        diluents="NACL09|G5",
        final_conc_min=1,
        final_conc_max=10,
        stability_hours=96,
        storage="2-8",
        containers="poche",
        **_MAB,
    ),
    Drug(
        "BORTEZOMIB",
        "bortézomib",
        "L01XG01",
        diluents="NACL09",
        final_conc_min=2.5,
        final_conc_max=2.5,
        stability_hours=8,
        storage="<25",
        containers="seringue",
        routes="IV|SC",
    ),
    Drug(
        "AZACITIDINE",
        "azacitidine",
        "L01BC07",
        diluents="EPPI",
        final_conc_min=25,
        final_conc_max=25,
        stability_hours=22,
        storage="2-8",
        containers="seringue",
        routes="SC|IV",
    ),
    Drug(
        "BLEOMYCINE",
        "bléomycine",
        "L01DC01",
        dose_unit="UI",
        cumulative_limit=400_000,
        cumulative_limit_unit="UI",
        diluents="NACL09",
        final_conc_min=100,
        final_conc_max=3000,
        stability_hours=24,
        storage="2-8",
        containers="poche|seringue",
        routes="IV|IM|SC",
        ui_per_mg=1000,
    ),
    Drug(
        "VINBLASTINE",
        "vinblastine",
        "L01CA01",
        diluents="NACL09",
        final_conc_min=0.01,
        final_conc_max=0.5,
        stability_hours=168,
        storage="2-8",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "DACARBAZINE",
        "dacarbazine",
        "L01AX04",
        diluents="NACL09|G5",
        final_conc_min=1,
        final_conc_max=4,
        stability_hours=24,
        storage="15-25",
        protect_from_light=True,
        containers="poche",
    ),
    Drug(
        "PREDNISONE",
        "prednisone",
        "H02AB07",
        containers="per os",
        routes="PO",
        compounded=False,
        reducible=False,
    ),
    # Premedications: given from the ward's stock, never compounded by the unit.
    Drug(
        "ONDANSETRON",
        "ondansétron",
        "A04AA01",
        containers="poche|per os",
        routes="IV|PO",
        compounded=False,
        reducible=False,
    ),
    Drug(
        "DEXAMETHASONE",
        "dexaméthasone",
        "H02AB02",
        containers="poche|per os",
        routes="IV|PO",
        compounded=False,
        reducible=False,
    ),
    Drug(
        "DEXCHLORPHENIRAMINE",
        "dexchlorphéniramine",
        "R06AB02",
        containers="seringue",
        routes="IV|IM",
        compounded=False,
        reducible=False,
    ),
    Drug(
        "PARACETAMOL",
        "paracétamol",
        "N02BE01",
        containers="per os|poche",
        routes="PO|IV",
        compounded=False,
        reducible=False,
    ),
    Drug(
        "ATROPINE",
        "atropine",
        "A03BA01",
        containers="seringue",
        routes="SC|IV|IM",
        compounded=False,
        reducible=False,
    ),
)
DRUG_INDEX = {d.drug_id: i for i, d in enumerate(DRUGS)}


@dataclass(frozen=True)
class Product:
    drug_id: str
    content: float  # mg or UI per vial
    volume_ml: float  # after reconstitution for powders
    form: str = "solution"
    recon_diluent: str | None = None
    density: float = 1.01
    in_use_hours: float = 24
    storage: str = "15-25"
    light: bool = False
    unit_price: float = 10.0  # euros HT per vial, a plausible public-market order of magnitude

    @property
    def product_id(self) -> str:
        unit = "UI" if self.drug_id == "BLEOMYCINE" else "MG"
        return f"{self.drug_id}-{self.content:g}{unit}"

    @property
    def concentration(self) -> float:
        return round(self.content / self.volume_ml, 4)

    @property
    def name(self) -> str:
        inn = DRUGS[DRUG_INDEX[self.drug_id]].inn
        unit = "UI" if self.drug_id == "BLEOMYCINE" else "mg"
        if self.form == "poudre":
            return f"{inn.capitalize()} {self.content:g} {unit} poudre pour solution"
        conc = f"{self.concentration:g}".replace(".", ",")
        vol = f"{self.volume_ml:g}".replace(".", ",")
        return f"{inn.capitalize()} {conc} {unit}/mL {self.content:g} {unit}/{vol} mL"


def _sol(drug: str, conc: float, contents: tuple[float, ...], **kw) -> list[Product]:
    return [Product(drug, c, round(c / conc, 2), **kw) for c in contents]


_SUS = ("RITUXIMAB", "TRASTUZUMAB", "PEMBROLIZUMAB", "BORTEZOMIB", "AZACITIDINE")
PRODUCTS: tuple[Product, ...] = tuple(
    _sol("OXALIPLATINE", 5, (50, 100, 200), in_use_hours=48, unit_price=9.5)
    + _sol("FLUOROURACILE", 50, (250, 500, 1000, 5000), in_use_hours=168, unit_price=3.2)
    + _sol("ACIDE_FOLINIQUE", 10, (50, 100, 350), storage="2-8", light=True, unit_price=4.1)
    + _sol("IRINOTECAN", 20, (40, 100, 300, 500), density=1.04, light=True, unit_price=12.0)
    + _sol("PACLITAXEL", 6, (30, 100, 300), density=1.0, in_use_hours=672, unit_price=14.0)
    + _sol("CARBOPLATINE", 10, (50, 150, 450, 600), light=True, unit_price=8.0)
    + _sol("CISPLATINE", 1, (10, 50, 100), light=True, unit_price=6.5)
    + _sol(
        "DOXORUBICINE",
        2,
        (10, 50, 200),
        storage="2-8",
        light=True,
        in_use_hours=168,
        unit_price=11.0,
    )
    + [
        Product(
            "CYCLOPHOSPHAMIDE",
            c,
            c / 20,
            form="poudre",
            recon_diluent="NACL09",
            in_use_hours=24,
            unit_price=p,
        )
        for c, p in ((500, 6.0), (1000, 9.0))
    ]
    + _sol("VINCRISTINE", 1, (1, 2), storage="2-8", light=True, unit_price=18.0)
    + _sol("DOCETAXEL", 20, (20, 80, 160), density=1.07, in_use_hours=672, unit_price=25.0)
    + _sol("ETOPOSIDE", 20, (100, 200, 1000), density=1.03, unit_price=7.5)
    + _sol("GEMCITABINE", 100, (200, 1000, 2000), in_use_hours=672, unit_price=13.0)
    + _sol("RITUXIMAB", 10, (100, 500), storage="2-8", unit_price=690.0)
    + [
        Product(
            "TRASTUZUMAB",
            150,
            7.15,
            form="poudre",
            recon_diluent="EPPI",
            storage="2-8",
            in_use_hours=48,
            unit_price=265.0,
        )
    ]
    + _sol("PEMBROLIZUMAB", 25, (100,), storage="2-8", unit_price=2630.0)
    + [
        Product(
            "BORTEZOMIB",
            3.5,
            1.4,
            form="poudre",
            recon_diluent="NACL09",
            in_use_hours=8,
            light=True,
            unit_price=190.0,
        ),
        Product(
            "AZACITIDINE",
            100,
            4,
            form="poudre",
            recon_diluent="EPPI",
            in_use_hours=22,
            unit_price=58.0,
        ),
        Product(
            "BLEOMYCINE",
            15_000,
            5,
            form="poudre",
            recon_diluent="NACL09",
            storage="2-8",
            unit_price=21.0,
        ),
    ]
    + _sol("VINBLASTINE", 1, (10,), storage="2-8", light=True, unit_price=16.0)
    + [
        Product(
            "DACARBAZINE", c, c / 10, form="poudre", recon_diluent="EPPI", light=True, unit_price=p
        )
        for c, p in ((100, 9.0), (500, 28.0), (1000, 49.0))
    ]
)


def _check_digit(digits: str) -> str:
    """GS1 mod-10 check digit (EAN-13, GTIN-14): weights 3,1,3,... from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def product_codes() -> tuple[list[str], list[str], list[str]]:
    """(cip13, ucd13, gtin) per product: French prefixes, valid check digits, all distinct."""
    rng = np.random.default_rng(CODES_SEED)
    cip_body = rng.choice(10**8, size=len(PRODUCTS), replace=False)
    ucd_body = rng.choice(10**7, size=len(PRODUCTS), replace=False)
    cips = [f"3400{b:08d}" for b in cip_body]
    cips = [c + _check_digit(c) for c in cips]
    ucds = [f"34008{b:07d}" for b in ucd_body]
    ucds = [u + _check_digit(u) for u in ucds]
    return cips, ucds, ["0" + c for c in cips]


def wards_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [(w.ward_id, w.name, w.kind, w.building, w.phone) for w in WARDS],
        columns=["ward_id", "name", "kind", "building", "phone"],
    )


def drugs_frame() -> pd.DataFrame:
    rows = [
        (
            d.drug_id,
            d.inn,
            d.dose_unit,
            d.atc,
            d.cumulative_limit,
            d.cumulative_limit_unit,
            d.diluents,
            d.final_conc_min,
            d.final_conc_max,
            d.stability_hours,
            d.storage,
            d.protect_from_light,
            d.containers,
            d.routes,
            d.max_dose_per_administration,
            d.intrathecal_capable,
            d.ui_per_mg,
        )
        for d in DRUGS
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "drug_id",
            "inn",
            "dose_unit",
            "atc",
            "cumulative_limit",
            "cumulative_limit_unit",
            "diluents",
            "final_conc_min",
            "final_conc_max",
            "stability_hours",
            "storage",
            "protect_from_light",
            "containers",
            "routes",
            "max_dose_per_administration",
            "intrathecal_capable",
            "ui_per_mg",
        ],
    )


def products_frame() -> pd.DataFrame:
    cips, ucds, gtins = product_codes()
    rows = [
        (
            p.product_id,
            p.drug_id,
            p.name,
            p.form,
            p.content,
            p.volume_ml,
            p.concentration,
            p.recon_diluent,
            p.density,
            p.in_use_hours,
            p.storage,
            p.light,
            gtin,
            ucd,
            cip,
            p.drug_id in _SUS,
        )
        for p, cip, ucd, gtin in zip(PRODUCTS, cips, ucds, gtins, strict=True)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "product_id",
            "drug_id",
            "name",
            "form",
            "vial_content",
            "vial_volume_ml",
            "concentration",
            "reconstitution_diluent",
            "density_g_ml",
            "in_use_stability_hours",
            "storage",
            "protect_from_light",
            "gtin",
            "ucd13",
            "cip13",
            "liste_en_sus",
        ],
    )


@dataclass(frozen=True)
class Supplier:
    supplier_id: str
    name: str
    email: str
    fax: str
    phone: str


# Fictitious companies; ".example" addresses and numbers from the range ARCEP reserves for
# fiction (01 99 00 xx xx), so a demo purchase order can never reach a real company.
SUPPLIERS = (
    Supplier(
        "ONCOPHARM",
        "Oncopharm Distribution SAS",
        "commandes@oncopharm.example",
        "01 99 00 41 10",
        "01 99 00 41 00",
    ),
    Supplier(
        "PHARMAVIENNE",
        "Laboratoires Pharmavienne",
        "adv.hopitaux@pharmavienne.example",
        "01 99 00 52 20",
        "01 99 00 52 00",
    ),
    Supplier(
        "EUROHOSP",
        "Eurohosp Santé GmbH — filiale France",
        "orders.fr@eurohosp.example",
        "01 99 00 63 30",
        "01 99 00 63 00",
    ),
    Supplier(
        "MEDILINE",
        "Médiline Hospitalier",
        "commandes@mediline.example",
        "01 99 00 74 40",
        "01 99 00 74 00",
    ),
    Supplier(
        "GENTHERA",
        "Genthéra Biosimilaires",
        "service.clients@genthera.example",
        "01 99 00 85 50",
        "01 99 00 85 00",
    ),
)


def suppliers_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [(s.supplier_id, s.name, s.email, s.fax, s.phone) for s in SUPPLIERS],
        columns=["supplier_id", "name", "email", "fax", "phone"],
    )
