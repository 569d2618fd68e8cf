"""The canonical snapshot tables: what a production export must hold, column by column.

Everything the activation does (typed reading, integrity checks, reject reasons, the
documentation in docs/snapshot-format.md) is derived from these declarations, so a column is
described once. Pure data: no I/O, no DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SqlType = Literal["VARCHAR", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN"]

# Values a site's export may use for a yes/no flag (compared lower-cased).
TRUE_WORDS = ("1", "o", "oui", "y", "yes", "true", "vrai", "t", "x")
FALSE_WORDS = ("0", "n", "non", "no", "false", "faux", "f", "")


# What a snapshot without heights or weights loses (Column.when_absent).
MEASURE_ABSENT = (
    "les doses en mg/m² ou mg/kg ne se calculent qu'avec une mesure saisie dans le secours"
)

@dataclass(frozen=True)
class Column:
    name: str
    type: SqlType
    label: str  # French, used in reject reasons and documentation
    required: bool = False
    minimum: float | None = None  # inclusive, numbers only
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # Dates: earliest plausible value, and how many days after the export date are plausible
    # (0: not in the future; None: no upper bound checked).
    earliest: str | None = None
    days_after_export: int | None = None
    pattern: str | None = None  # regular expression a VARCHAR must match
    unit: str = ""
    # A VARCHAR holding a list of codes separated by "|", each among these (a site's own codes
    # are mapped element by element through mapping.toml's values).
    list_choices: tuple[str, ...] = ()
    # What a site that declares this column absent (mapping.toml) loses, for the report.
    when_absent: str | None = None


@dataclass(frozen=True)
class Reference:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class RowRule:
    """A cross-column plausibility rule: `bad_when` is a SQL predicate true for a bad row."""

    column: str
    bad_when: str
    reason: str  # French


@dataclass(frozen=True)
class TableRule:
    """A plausibility rule on the table as a whole: a mapping that swapped two columns makes
    every row plausible one by one (heights of 75 "cm", weights of 170 "kg") and only the whole
    shows it. `bad_when` is an SQL predicate over aggregates of the table; `figures` an SQL text
    expression saying what was measured, shown with the French `reason`."""

    bad_when: str
    reason: str
    figures: str


# Heights and weights swapped by a mapping: a median height under 1 m with a median weight over
# 100 kg is no population a chemotherapy unit treats (children under 1 m weigh under 20 kg).
SWAPPED_MEASURES = TableRule(
    "count(height_cm) >= 3 AND count(weight_kg) >= 3 AND median(height_cm) < 100 "
    "AND median(weight_kg) > 100",
    "tailles et poids invraisemblables dans l'ensemble : les colonnes taille et poids semblent "
    "inversées (correspondance mapping.toml ou export). Corrigez la correspondance puis "
    "relancez",
    "concat('taille médiane ', replace(CAST(round(median(height_cm), 1) AS VARCHAR), '.', ','), "
    "' cm, poids médian ', replace(CAST(round(median(weight_kg), 1) AS VARCHAR), '.', ','), "
    "' kg sur ', count(*), ' ligne(s)')",
)


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    rules: tuple[RowRule, ...] = ()
    table_rules: tuple[TableRule, ...] = ()
    must_not_be_empty: bool = False
    description: str = ""
    # Name of a table the activation keeps in the reference database, listing the key and the
    # `kept_columns` (as read, as text; see readers.kept_columns) and the reasons of every
    # rejected row, so that what was rejected still fails closed downstream: a protocol with a
    # rejected line is incomplete, and the prescription refuses it instead of silently
    # prescribing the lines left; a rejected lab result newer than the one a check would use
    # blocks the validation instead of letting an older result pass.
    kept_rejects: str | None = None
    kept_columns: tuple[str, ...] = ()  # besides the key
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _ref(cols: str, parent: str, parent_cols: str | None = None) -> Reference:
    names = tuple(cols.split(","))
    return Reference(names, parent, tuple((parent_cols or cols).split(",")))


ID = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
CLINICAL_PAST = "2000-01-01"
DAYS_PATTERN = r"^\d{1,3}(-\d{1,3})?([,;] ?\d{1,3}(-\d{1,3})?)*$"
DOSE_BASES = ("mg/m2", "mg/kg", "AUC", "mg", "UI/m2", "UI/kg", "UI")
DOSE_UNITS = ("mg", "UI")
ROUTES = ("IV", "SC", "PO", "IT", "IM", "IVES")
DILUENTS = ("NACL09", "G5", "EPPI")
CONTAINERS = ("poche", "seringue", "diffuseur", "per os")
STORAGE = ("2-8", "15-25", "<25")

WARDS = Table(
    "wards",
    "services / unités de soins",
    (
        Column("ward_id", "VARCHAR", "code de l'unité", required=True, pattern=ID),
        Column("name", "VARCHAR", "libellé de l'unité", required=True),
        Column("kind", "VARCHAR", "type d'unité"),
        Column("building", "VARCHAR", "bâtiment"),
        Column("phone", "VARCHAR", "téléphone"),
    ),
    key=("ward_id",),
    must_not_be_empty=True,
)

STAFF = Table(
    "staff",
    "annuaire des professionnels",
    (
        Column("staff_id", "VARCHAR", "identifiant du professionnel", required=True, pattern=ID),
        Column("last_name", "VARCHAR", "nom", required=True),
        Column("first_name", "VARCHAR", "prénom", required=True),
        Column(
            "role",
            "VARCHAR",
            "fonction",
            required=True,
            choices=("prescriber", "pharmacist", "preparer", "nurse", "buyer", "other"),
        ),
        Column("rpps", "VARCHAR", "numéro RPPS", pattern=r"^\d{11}$"),
        Column("ward_id", "VARCHAR", "unité de rattachement"),
        Column("specialty", "VARCHAR", "spécialité"),
    ),
    key=("staff_id",),
    references=(_ref("ward_id", "wards"),),
    must_not_be_empty=True,
)

PATIENTS = Table(
    "patients",
    "patients",
    (
        Column("patient_id", "VARCHAR", "IPP", required=True, pattern=ID),
        Column("last_name", "VARCHAR", "nom d'usage", required=True),
        Column("first_name", "VARCHAR", "prénom", required=True),
        Column("birth_name", "VARCHAR", "nom de naissance"),
        Column("sex", "VARCHAR", "sexe", required=True, choices=("F", "M")),
        Column(
            "birth_date",
            "DATE",
            "date de naissance",
            required=True,
            earliest="1900-01-01",
            days_after_export=0,
        ),
        Column("height_cm", "DOUBLE", "taille", minimum=30, maximum=250, unit="cm",
               when_absent=MEASURE_ABSENT),
        Column("weight_kg", "DOUBLE", "poids", minimum=0.5, maximum=350, unit="kg",
               when_absent=MEASURE_ABSENT),
        Column(
            "measured_on",
            "DATE",
            "date de la mesure taille/poids",
            earliest=CLINICAL_PAST,
            days_after_export=1,
        ),
        Column("ward_id", "VARCHAR", "unité de prise en charge"),
    ),
    key=("patient_id",),
    references=(_ref("ward_id", "wards"),),
    table_rules=(SWAPPED_MEASURES,),
    must_not_be_empty=True,
)

DRUGS = Table(
    "drugs",
    "médicaments (DCI)",
    (
        Column("drug_id", "VARCHAR", "code médicament", required=True, pattern=ID),
        Column("inn", "VARCHAR", "DCI", required=True),
        Column("dose_unit", "VARCHAR", "unité de dose", required=True, choices=DOSE_UNITS),
        Column("atc", "VARCHAR", "code ATC"),
        Column("cumulative_limit", "DOUBLE", "dose cumulée maximale (vie entière)", minimum=0),
        Column(
            "cumulative_limit_unit",
            "VARCHAR",
            "unité de la dose cumulée maximale",
            choices=("mg/m2", "mg", "UI", "UI/m2"),
        ),
        Column("diluents", "VARCHAR", "solvants autorisés (codes séparés par |)"),
        Column("final_conc_min", "DOUBLE", "concentration finale minimale", minimum=0, unit="/mL"),
        Column("final_conc_max", "DOUBLE", "concentration finale maximale", minimum=0, unit="/mL"),
        Column(
            "stability_hours",
            "DOUBLE",
            "stabilité de la préparation",
            minimum=0,
            maximum=2160,
            unit="h",
        ),
        Column("storage", "VARCHAR", "conservation de la préparation", choices=STORAGE),
        Column("protect_from_light", "BOOLEAN", "à l'abri de la lumière"),
        Column(
            "containers",
            "VARCHAR",
            "contenants autorisés (séparés par |)",
            list_choices=CONTAINERS,
        ),
        # Drug-level safety data (issue 9): checked on every line of the drug, whatever path
        # creates it. A compounded drug without `routes` cannot be checked: its lines are refused.
        Column("routes", "VARCHAR", "voies autorisées (séparées par |)", list_choices=ROUTES,
               when_absent="une ligne préparée de ces médicaments est refusée (voies inconnues)"),
        Column(
            "max_dose_per_administration",
            "DOUBLE",
            "dose maximale absolue par administration",
            minimum=0.000001,
            maximum=10_000_000,
        ),
        Column("intrathecal_capable", "BOOLEAN", "administrable par voie intrathécale"),
        Column("ui_per_mg", "DOUBLE", "UI par mg", minimum=0.000001, maximum=10_000_000),
    ),
    key=("drug_id",),
    rules=(
        RowRule(
            "final_conc_max",
            "final_conc_min IS NOT NULL AND final_conc_max IS NOT NULL "
            "AND final_conc_min > final_conc_max",
            "concentration minimale supérieure à la maximale",
        ),
        RowRule(
            "cumulative_limit_unit",
            "cumulative_limit IS NOT NULL AND cumulative_limit_unit IS NULL",
            "dose cumulée maximale sans unité",
        ),
    ),
    must_not_be_empty=True,
)

PRODUCTS = Table(
    "products",
    "produits et présentations",
    (
        Column("product_id", "VARCHAR", "code produit", required=True, pattern=ID),
        Column("drug_id", "VARCHAR", "code médicament", required=True),
        Column("name", "VARCHAR", "libellé du produit", required=True),
        Column(
            "form", "VARCHAR", "forme", required=True, choices=("solution", "poudre", "comprime")
        ),
        Column("vial_content", "DOUBLE", "quantité par flacon", required=True, minimum=0.001),
        Column("vial_volume_ml", "DOUBLE", "volume du flacon", minimum=0, maximum=1000, unit="mL"),
        Column("concentration", "DOUBLE", "concentration (après reconstitution)", minimum=0),
        Column("reconstitution_diluent", "VARCHAR", "solvant de reconstitution"),
        Column("density_g_ml", "DOUBLE", "densité", minimum=0.5, maximum=2.5, unit="g/mL"),
        Column(
            "in_use_stability_hours",
            "DOUBLE",
            "stabilité après ouverture",
            minimum=0,
            maximum=2160,
            unit="h",
        ),
        Column("storage", "VARCHAR", "conservation du flacon", choices=STORAGE),
        Column("protect_from_light", "BOOLEAN", "à l'abri de la lumière"),
        Column("gtin", "VARCHAR", "GTIN", pattern=r"^\d{14}$"),
        Column("ucd13", "VARCHAR", "code UCD 13", pattern=r"^\d{13}$"),
        Column("cip13", "VARCHAR", "code CIP 13", pattern=r"^\d{13}$"),
        Column("liste_en_sus", "BOOLEAN", "liste en sus"),
    ),
    key=("product_id",),
    references=(_ref("drug_id", "drugs"),),
    must_not_be_empty=True,
)

PROTOCOLS = Table(
    "protocols",
    "protocoles (thésaurus)",
    (
        Column("protocol_id", "VARCHAR", "code protocole", required=True, pattern=ID),
        Column("name", "VARCHAR", "libellé du protocole", required=True),
        Column(
            "cycle_length_days",
            "BIGINT",
            "durée du cycle",
            required=True,
            minimum=1,
            maximum=365,
            unit="j",
        ),
        Column("cycles_planned", "BIGINT", "nombre de cycles prévus", minimum=1, maximum=200),
        Column("indication", "VARCHAR", "indication"),
        Column(
            "bsa_formula",
            "VARCHAR",
            "formule de surface corporelle",
            choices=("mosteller", "dubois"),
        ),
        Column(
            "bsa_cap_m2", "DOUBLE", "plafond de surface corporelle", minimum=1, maximum=3, unit="m²"
        ),
        Column(
            "anc_min_g_l",
            "DOUBLE",
            "seuil de polynucléaires neutrophiles",
            minimum=0,
            maximum=20,
            unit="G/L",
        ),
        Column(
            "platelets_min_g_l",
            "DOUBLE",
            "seuil de plaquettes",
            minimum=0,
            maximum=1000,
            unit="G/L",
        ),
        Column(
            "clearance_min_ml_min",
            "DOUBLE",
            "seuil de clairance de la créatinine",
            minimum=0,
            maximum=200,
            unit="mL/min",
        ),
        Column("active", "BOOLEAN", "protocole actif"),
    ),
    key=("protocol_id",),
    must_not_be_empty=True,
)

PROTOCOL_LINES = Table(
    "protocol_lines",
    "lignes de protocole",
    (
        Column("protocol_id", "VARCHAR", "code protocole", required=True),
        Column(
            "line_no", "BIGINT", "ordre d'administration", required=True, minimum=1, maximum=999
        ),
        Column(
            "line_kind",
            "VARCHAR",
            "type de ligne",
            required=True,
            choices=("chemotherapy", "premedication", "hydration", "supportive"),
        ),
        Column("drug_id", "VARCHAR", "code médicament"),
        Column("label", "VARCHAR", "libellé (hydratation, prémédication)"),
        Column("dose", "DOUBLE", "dose", required=True, minimum=0, maximum=10_000_000),
        Column("dose_basis", "VARCHAR", "base de calcul", required=True, choices=DOSE_BASES),
        Column("days", "VARCHAR", "jours d'administration", required=True, pattern=DAYS_PATTERN),
        Column("route", "VARCHAR", "voie", required=True, choices=ROUTES),
        Column(
            "duration_min", "DOUBLE", "durée de perfusion", minimum=0, maximum=20_160, unit="min"
        ),
        Column("diluent", "VARCHAR", "solvant", choices=DILUENTS),
        Column("volume_ml", "DOUBLE", "volume final", minimum=0, maximum=5000, unit="mL"),
        Column("container", "VARCHAR", "contenant", choices=CONTAINERS),
        Column("max_dose", "DOUBLE", "dose maximale par administration", minimum=0),
        Column("comment", "VARCHAR", "commentaire"),
        Column(
            "runs_with_line_no", "BIGINT", "passe en même temps que la ligne", minimum=1,
            maximum=999,
            when_absent="les lignes que le protocole passe en même temps (en Y) sont "
            "planifiées l'une après l'autre sur le plan d'administration",
        ),
    ),
    key=("protocol_id", "line_no"),
    references=(_ref("protocol_id", "protocols"), _ref("drug_id", "drugs")),
    rules=(
        RowRule(
            "drug_id",
            "line_kind = 'chemotherapy' AND drug_id IS NULL",
            "ligne de chimiothérapie sans médicament",
        ),
        RowRule(
            "dose",
            "dose_basis = 'AUC' AND dose > 12",
            "AUC cible invraisemblable (supérieure à 12)",
        ),
        RowRule(
            "dose",
            "dose_basis IN ('mg/m2', 'mg/kg') AND dose > 50000",
            "dose par m² ou par kg invraisemblable (supérieure à 50 000)",
        ),
        RowRule(
            "dose",
            # Any route: an oral chemotherapy (prednisone 0 mg) would otherwise yield
            # dose-less lines that sign.
            "line_kind = 'chemotherapy' AND dose <= 0",
            "ligne de chimiothérapie sans dose (dose nulle ou négative), quelle que soit la "
            "voie : le protocole ne sera pas prescriptible",
        ),
        RowRule(
            "dose",
            # Any kind: a docetaxel line mis-typed "premedication" with dose 0 would otherwise
            # be prescribed, signed and validated as a dose-less line. Only a line naming no
            # drug (a hydration bag: a volume, not a dose) may carry no dose.
            "line_kind <> 'chemotherapy' AND drug_id IS NOT NULL AND dose <= 0",
            "ligne qui nomme un médicament sans dose (dose nulle ou négative), quel que soit "
            "son type : le protocole ne sera pas prescriptible",
        ),
    ),
    must_not_be_empty=True,
    kept_rejects="protocol_line_rejects",
)

PRESCRIPTIONS = Table(
    "prescriptions",
    "historique des prescriptions",
    (
        Column("prescription_id", "VARCHAR", "numéro de prescription", required=True, pattern=ID),
        Column("patient_id", "VARCHAR", "IPP", required=True),
        Column("protocol_id", "VARCHAR", "code protocole", required=True),
        Column("cycle_no", "BIGINT", "numéro de cycle", required=True, minimum=1, maximum=200),
        Column(
            "cycle_start_date",
            "DATE",
            "date de début du cycle",
            required=True,
            earliest=CLINICAL_PAST,
            days_after_export=730,
        ),
        Column("prescriber_id", "VARCHAR", "prescripteur"),
        Column("ward_id", "VARCHAR", "unité"),
        Column(
            "status",
            "VARCHAR",
            "statut",
            required=True,
            choices=("planned", "validated", "administered", "cancelled"),
        ),
        Column("height_cm", "DOUBLE", "taille", minimum=30, maximum=250, unit="cm",
               when_absent=MEASURE_ABSENT),
        Column("weight_kg", "DOUBLE", "poids", minimum=0.5, maximum=350, unit="kg",
               when_absent=MEASURE_ABSENT),
        Column("bsa_m2", "DOUBLE", "surface corporelle", minimum=0.1, maximum=3.5, unit="m²"),
        Column(
            "prescribed_at",
            "TIMESTAMP",
            "date de prescription",
            earliest=CLINICAL_PAST,
            days_after_export=1,
        ),
    ),
    key=("prescription_id",),
    references=(
        _ref("patient_id", "patients"),
        _ref("protocol_id", "protocols"),
        _ref("prescriber_id", "staff", "staff_id"),
        _ref("ward_id", "wards"),
    ),
    table_rules=(SWAPPED_MEASURES,),
)

PRESCRIPTION_LINES = Table(
    "prescription_lines",
    "lignes de prescription",
    (
        Column("line_id", "VARCHAR", "identifiant de ligne", required=True, pattern=ID),
        Column("prescription_id", "VARCHAR", "numéro de prescription", required=True),
        Column("protocol_line_no", "BIGINT", "ligne du protocole", minimum=1, maximum=999),
        Column("drug_id", "VARCHAR", "code médicament", required=True),
        Column("day_no", "BIGINT", "jour du cycle", required=True, minimum=1, maximum=365),
        Column(
            "planned_date",
            "DATE",
            "date prévue",
            required=True,
            earliest=CLINICAL_PAST,
            days_after_export=730,
        ),
        Column("dose", "DOUBLE", "dose prescrite", required=True, minimum=0, maximum=10_000_000),
        Column("dose_unit", "VARCHAR", "unité", required=True, choices=DOSE_UNITS),
        Column("route", "VARCHAR", "voie", choices=ROUTES),
        Column(
            "modification_pct",
            "DOUBLE",
            "modification de dose",
            minimum=-100,
            maximum=100,
            unit="%",
        ),
        Column("modification_reason", "VARCHAR", "motif de modification"),
        Column(
            "status",
            "VARCHAR",
            "statut",
            required=True,
            choices=("planned", "validated", "prepared", "administered", "cancelled"),
        ),
    ),
    key=("line_id",),
    references=(_ref("prescription_id", "prescriptions"), _ref("drug_id", "drugs")),
    rules=(RowRule("dose", "dose <= 0", "dose nulle ou négative"),),
)

PREPARATIONS = Table(
    "preparations",
    "historique des préparations (ordonnancier)",
    (
        Column(
            "preparation_id", "VARCHAR", "identifiant de préparation", required=True, pattern=ID
        ),
        Column("line_id", "VARCHAR", "ligne de prescription", required=True),
        Column("register_no", "BIGINT", "numéro d'ordonnancier", required=True, minimum=1),
        Column(
            "prepared_at",
            "TIMESTAMP",
            "date de préparation",
            required=True,
            earliest=CLINICAL_PAST,
            days_after_export=1,
        ),
        Column("dose", "DOUBLE", "dose préparée", required=True, minimum=0, maximum=10_000_000),
        Column("product_id", "VARCHAR", "produit utilisé"),
        Column("lot", "VARCHAR", "lot"),
        Column("operator_id", "VARCHAR", "préparateur"),
        Column("controller_id", "VARCHAR", "contrôleur"),
        Column(
            "status",
            "VARCHAR",
            "statut",
            required=True,
            choices=("released", "administered", "destroyed"),
        ),
        Column(
            "expires_at",
            "TIMESTAMP",
            "péremption de la préparation",
            earliest=CLINICAL_PAST,
            days_after_export=800,
        ),
    ),
    key=("preparation_id",),
    unique=(("register_no",),),
    references=(
        _ref("line_id", "prescription_lines"),
        _ref("product_id", "products"),
        _ref("operator_id", "staff", "staff_id"),
        _ref("controller_id", "staff", "staff_id"),
    ),
)

LAB_RESULTS = Table(
    "lab_results",
    "résultats de biologie",
    (
        Column("lab_id", "VARCHAR", "identifiant du résultat", required=True, pattern=ID),
        Column("patient_id", "VARCHAR", "IPP", required=True),
        Column(
            "test_code",
            "VARCHAR",
            "examen",
            required=True,
            choices=("PNN", "PLQ", "HB", "LEUCO", "CREAT", "CLCR", "BILI", "ASAT", "ALAT"),
        ),
        Column("value", "DOUBLE", "valeur", required=True, minimum=0, maximum=100_000),
        Column("unit", "VARCHAR", "unité", required=True),
        Column(
            "sampled_at",
            "TIMESTAMP",
            "date du prélèvement",
            required=True,
            earliest=CLINICAL_PAST,
            days_after_export=1,
        ),
    ),
    key=("lab_id",),
    references=(_ref("patient_id", "patients"),),
    kept_rejects="lab_result_rejects",
    kept_columns=("patient_id", "test_code", "value", "unit", "sampled_at"),
)

STOCK_LOTS = Table(
    "stock_lots",
    "stock par lot",
    (
        Column("product_id", "VARCHAR", "code produit", required=True),
        Column("lot", "VARCHAR", "lot", required=True),
        Column(
            "expiry_date",
            "DATE",
            "date de péremption",
            required=True,
            earliest=CLINICAL_PAST,
            days_after_export=3650,
        ),
        Column(
            "quantity", "DOUBLE", "quantité (flacons)", required=True, minimum=0, maximum=1_000_000
        ),
        Column("location", "VARCHAR", "emplacement"),
    ),
    key=("product_id", "lot"),
    references=(_ref("product_id", "products"),),
)

SUPPLIERS = Table(
    "suppliers",
    "fournisseurs",
    (
        Column("supplier_id", "VARCHAR", "code fournisseur", required=True, pattern=ID),
        Column("name", "VARCHAR", "raison sociale", required=True),
        Column("email", "VARCHAR", "courriel de commande"),
        Column("fax", "VARCHAR", "fax"),
        Column("phone", "VARCHAR", "téléphone"),
    ),
    key=("supplier_id",),
)

SUPPLIER_PRODUCTS = Table(
    "supplier_products",
    "référencement fournisseurs",
    (
        Column("supplier_id", "VARCHAR", "code fournisseur", required=True),
        Column("product_id", "VARCHAR", "code produit", required=True),
        Column("supplier_ref", "VARCHAR", "référence fournisseur"),
        Column(
            "pack_size",
            "BIGINT",
            "conditionnement (flacons par boîte)",
            required=True,
            minimum=1,
            maximum=10_000,
        ),
        Column("unit_price", "DOUBLE", "prix unitaire HT", minimum=0, unit="€"),
        Column("lead_time_days", "BIGINT", "délai de livraison", minimum=0, maximum=365, unit="j"),
        Column("formulary", "BOOLEAN", "référencé au livret / marché"),
        Column("preferred", "BOOLEAN", "fournisseur principal"),
    ),
    key=("supplier_id", "product_id"),
    references=(_ref("supplier_id", "suppliers"), _ref("product_id", "products")),
)

# Dependency order: a table comes after every table it references, so a rejected parent row
# makes its children orphans in the same activation.
TABLES: tuple[Table, ...] = (
    WARDS,
    STAFF,
    PATIENTS,
    DRUGS,
    PRODUCTS,
    PROTOCOLS,
    PROTOCOL_LINES,
    PRESCRIPTIONS,
    PRESCRIPTION_LINES,
    PREPARATIONS,
    LAB_RESULTS,
    STOCK_LOTS,
    SUPPLIERS,
    SUPPLIER_PRODUCTS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
