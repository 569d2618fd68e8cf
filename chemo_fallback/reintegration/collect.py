"""What the re-integration package holds: one CSV per record type (docs/reintegration-format.md).

Each record type names its table, its key (rows are ordered by it), its columns in a fixed
order, and the columns that date a row: a row belongs to the period [since, until] when one of
them falls in it (created, or changed: signed, validated, made, received, closed…). A line of a
prescription or of an order is dated by its parent, being written with it and never edited.
Reads only; the caller opens one read transaction so every file sees the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

EARLIEST = datetime(1900, 1, 1)  # "since the beginning"


@dataclass(frozen=True)
class RecordType:
    name: str  # file stem, e.g. "prescriptions" → prescriptions.csv
    label: str  # French, for the reconciliation report
    source: str  # FROM clause; the record's own table is aliased t
    key: tuple[str, ...]
    columns: tuple[str, ...]  # output names; plain names are t.<name>
    dated_by: tuple[str, ...]  # SQL expressions
    where: str = "true"
    expressions: tuple[tuple[str, str], ...] = ()  # output name → SQL, for joined columns

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def select(self) -> str:
        exprs = dict(self.expressions)
        cols = ", ".join(f"{exprs.get(c, 't.' + c)} AS {c}" for c in self.columns)
        dated = " OR ".join(f"({d} >= ? AND {d} <= ?)" for d in self.dated_by)
        order = ", ".join(f"{exprs.get(k, 't.' + k)}" for k in self.key)
        return (f"SELECT {cols} FROM {self.source} WHERE ({self.where}) AND ({dated}) "
                f"ORDER BY {order}")


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


RX_DATES = ("p.created_at", "p.signed_at", "p.status_changed_at")
ORDER_DATES = ("o.created_at", "o.sent_at", "o.confirmed_at", "o.shipped_at", "o.received_at",
               "o.closed_at", "o.status_changed_at")
MOVEMENT_COLUMNS = _cols(
    "movement_id product_id lot expiry_date quantity cause order_id order_line_id entry gtin "
    "raw_scan reason recorded_at recorded_by recorded_by_name")

RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType(
        "patients", "patients créés pendant la panne", "local_patients t", ("patient_id",),
        _cols("patient_id last_name first_name birth_name sex birth_date ward_id created_at "
              "created_by"),
        ("t.created_at",)),
    RecordType(
        "mesures", "mesures (taille, poids, créatinine)", "patient_measurements t",
        ("measurement_id",),
        _cols("measurement_id patient_id kind value unit measured_on recorded_at recorded_by "
              "recorded_by_name comment replaces_id replace_reason confirm_codes "
              "confirm_reason"),
        ("t.recorded_at",)),
    RecordType(
        "biologie", "résultats de biologie saisis", "patient_lab_results t", ("lab_record_id",),
        _cols("lab_record_id patient_id test_code value unit value_normalised unit_normalised "
              "sampled_at recorded_at recorded_by recorded_by_name comment replaces_id "
              "replaces_measurement_id replace_reason confirm_codes confirm_reason"),
        ("t.recorded_at",)),
    RecordType(
        "prescriptions", "prescriptions (toutes les versions)", "rx_prescriptions t",
        ("prescription_id",),
        _cols("prescription_id rx_number version_no supersedes_id snapshot_prescription_id "
              "patient_id protocol_id protocol_name cycle_length_days cycle_no "
              "cycle_start_date ward_id prescriber_staff_id prescriber_name transcribed status "
              "created_at created_by created_by_name signed_at signed_by status_reason "
              "status_changed_at status_changed_by dosing_json"),
        ("t.created_at", "t.signed_at", "t.status_changed_at")),
    RecordType(
        "lignes_prescription", "lignes de prescription",
        "rx_lines t JOIN rx_prescriptions p ON p.prescription_id = t.prescription_id",
        ("line_id",),
        _cols("line_id prescription_id line_no protocol_line_no line_kind drug_id drug_inn "
              "label day_no planned_date route duration_min diluent volume_ml container "
              "dose_basis protocol_dose max_dose modification_pct modification_reason "
              "final_dose dose_unit off_protocol off_protocol_reason liste_en_sus "
              "indication_code comment derivation_json"),
        RX_DATES),
    RecordType(
        "validations", "décisions de validation pharmaceutique", "validation_decisions t",
        ("decision_id",),
        _cols("decision_id prescription_id decision pharmacist pharmacist_name decided_at "
              "reason intervention_code single_pharmacist signature_id findings_json "
              "overrides_json"),
        ("t.decided_at",)),
    RecordType(
        "interventions", "interventions pharmaceutiques et leurs réponses",
        "validation_decisions t JOIN rx_prescriptions p ON p.prescription_id = t.prescription_id"
        " LEFT JOIN rx_prescriptions a ON a.supersedes_id = t.prescription_id",
        ("decision_id", "answered_by_prescription_id"),
        _cols("decision_id prescription_id pharmacist pharmacist_name decided_at "
              "intervention_code reason prescription_status answered_by_prescription_id "
              "answered_at answered_by answer_status"),
        ("t.decided_at", "a.created_at", "p.status_changed_at"),
        where="t.decision = 'intervention'",
        expressions=(("prescription_status", "p.status"),
                     ("answered_by_prescription_id", "a.prescription_id"),
                     ("answered_at", "a.created_at"), ("answered_by", "a.created_by"),
                     ("answer_status", "a.status"))),
    RecordType(
        "notes", "notes entre professionnels", "notes t", ("note_id",),
        _cols("note_id patient_id prescription_id text written_at author author_name "
              "author_role"),
        ("t.written_at",)),
    RecordType(
        "feux_verts", "feux verts (OK chimio)", "go_aheads t", ("go_ahead_id",),
        _cols("go_ahead_id prescription_id day_no planned_date given_by given_at recorded_by "
              "recorded_by_name recorded_at comment"),
        ("t.recorded_at",)),
    RecordType(
        "signatures", "signatures électroniques", "signatures t", ("signature_id",),
        _cols("signature_id username display_name role signed_at meaning record_type "
              "record_id"),
        ("t.signed_at",)),
    RecordType(
        "preparations", "préparations (ordonnancier)", "fab_preparations t", ("register_no",),
        _cols("register_no preparation_id line_id prescription_id patient_id drug_id dose "
              "dose_unit planned_date status expires_at replaces_id created_at created_by "
              "started_at prepared_at prepared_by prepared_by_name diluent_lot controlled_at "
              "controlled_by controlled_by_name status_reason status_changed_at "
              "status_changed_by plan_json register_json"),
        ("t.created_at", "t.started_at", "t.prepared_at", "t.controlled_at",
         "t.status_changed_at")),
    RecordType(
        "flacons", "flacons scannés (lots)", "fab_vial_scans t", ("scan_id",),
        _cols("scan_id preparation_id product_id gtin lot expiry serial raw scanned_at "
              "scanned_by"),
        ("t.scanned_at",)),
    RecordType(
        "reliquats", "reliquats", "fab_reliquats t", ("reliquat_id",),
        _cols("reliquat_id product_id lot amount dose_unit opened_at usable_until "
              "source_preparation_id status recorded_at recorded_by closed_at closed_by "
              "close_reason"),
        ("t.recorded_at", "t.closed_at")),
    RecordType(
        "controles", "contrôles des préparations", "rel_controls t", ("control_id",),
        _cols("control_id preparation_id mass_measured_g target_mass_g mass_low_g mass_high_g "
              "gravimetric_verdict visual_ok visual_comment analytical_method "
              "analytical_result analytical_conform controlled_at controlled_by "
              "controlled_by_name"),
        ("t.controlled_at",)),
    RecordType(
        "liberations", "libérations et refus", "rel_decisions t", ("decision_id",),
        _cols("decision_id preparation_id control_id decision override_reason reason "
              "pharmacist pharmacist_name decided_at signature_id"),
        ("t.decided_at",)),
    RecordType(
        "tournees", "tournées de livraison", "disp_rounds t", ("round_id",),
        _cols("round_id ward_id day label status created_at created_by handed_over_at "
              "handed_over_by carried_by_name received_at received_by_name"),
        ("t.created_at", "t.handed_over_at", "t.received_at")),
    RecordType(
        "dispensations", "préparations dispensées et leur réception", "disp_items t",
        ("item_id",),
        _cols("item_id round_id preparation_id scanned_at scanned_by received_at received_by "
              "received_by_name"),
        ("t.scanned_at", "t.received_at")),
    RecordType(
        "administrations", "administrations (faites, partielles, non faites, incidents)",
        "adm_records t", ("record_id",),
        _cols("record_id prescription_id line_id patient_id planned_date outcome "
              "preparation_id started_at ended_at given_by_name amount_given reason incident "
              "action_taken from_paper entered_at entered_by entered_by_name replaces_id"),
        ("t.entered_at",)),
    RecordType(
        "commandes", "commandes fournisseurs", "ord_orders t", ("order_id",),
        _cols("order_id order_no supplier_id status origin delivery_address note created_at "
              "created_by created_by_name sent_at sent_by confirmed_at confirmed_by "
              "supplier_reference promised_date shipped_at shipped_by received_at closed_at "
              "closed_by status_reason status_changed_at status_changed_by"),
        tuple(d.replace("o.", "t.") for d in ORDER_DATES)),
    RecordType(
        "lignes_commande", "lignes de commande",
        "ord_order_lines t JOIN ord_orders o ON o.order_id = t.order_id", ("order_line_id",),
        _cols("order_line_id order_id line_no product_id supplier_ref pack_size packs "
              "quantity_vials unit_price explanation"),
        ORDER_DATES),
    RecordType(
        "receptions", "réceptions de commandes", "ord_stock_movements t", ("movement_id",),
        MOVEMENT_COLUMNS, ("t.recorded_at",), where="t.cause = 'reception'"),
    RecordType(
        "mouvements_stock", "autres mouvements de stock (destructions, corrections)",
        "ord_stock_movements t", ("movement_id",), MOVEMENT_COLUMNS, ("t.recorded_at",),
        where="t.cause <> 'reception'"),
)
BY_NAME = {r.name: r for r in RECORD_TYPES}


@dataclass(frozen=True)
class Table:
    record_type: RecordType
    rows: list[dict]


def collect(cur: duckdb.DuckDBPyConnection, since: datetime | None, until: datetime
            ) -> dict[str, Table]:
    """Every record type's rows of the period, in key order."""
    start = since or EARLIEST
    out = {}
    for rt in RECORD_TYPES:
        params = [v for _ in rt.dated_by for v in (start, until)]
        result = cur.execute(rt.select(), params)
        names = [d[0] for d in result.description]
        out[rt.name] = Table(rt, [dict(zip(names, r, strict=True)) for r in result.fetchall()])
    return out
