"""The package's FHIR R4B Bundle (type collection), built and validated with fhir.resources.

Resources: Patient (every patient a resource refers to), Medication (every drug referred to),
MedicationRequest (one per prescription line), MedicationDispense (one per dispensed
preparation), MedicationAdministration (one per administration record). Every reference is a
fullUrl `urn:uuid:` of an entry of the same bundle: a line, patient or drug outside the period
that an exported record refers to is included too. The uuids are uuid5 of the record's kind and
id, so two exports of the same data give the same bundle. Date-times carry the local offset
(FHIR requires a zone once a time is given).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

import duckdb
from fhir.resources.R4B.bundle import Bundle

from chemo_fallback.reintegration.collect import Table

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:chemo-fallback:reintegration")
SYSTEM = "urn:chemo-fallback:"
RX_STATUS = {"draft": "draft", "signed": "active", "validated": "active",
             "change_requested": "on-hold", "rejected": "cancelled", "cancelled": "cancelled",
             "superseded": "stopped"}
ADM_STATUS = {"given": "completed", "partial": "stopped", "not_given": "not-done",
              "incident": "stopped"}
GENDER = {"F": "female", "M": "male"}


def urn(kind: str, record_id: object) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{record_id}')}"


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).astimezone().isoformat()
    return value.isoformat()


def _ident(kind: str, value: object) -> list[dict]:
    return [{"system": f"{SYSTEM}{kind}", "value": str(value)}]


def _rows(cur, sql: str, params: list) -> list[dict]:
    result = cur.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


class _Entries:
    def __init__(self) -> None:
        self.resources: dict[str, dict] = {}

    def add(self, full_url: str, resource: dict) -> None:
        self.resources[full_url] = {k: v for k, v in resource.items() if v not in (None, [])}


def _patients(cur, ids: set[str], out: _Entries) -> None:
    rows = _rows(cur, "SELECT * FROM (SELECT patient_id, last_name, first_name, sex, "
                 "birth_date, true AS local FROM local_patients WHERE patient_id IN "
                 "(SELECT unnest(?)) UNION ALL SELECT patient_id, last_name, first_name, sex, "
                 "birth_date, false FROM ref.patients WHERE patient_id IN (SELECT unnest(?)) "
                 "AND patient_id NOT IN (SELECT patient_id FROM local_patients)) "
                 "ORDER BY patient_id", [sorted(ids), sorted(ids)])
    for r in rows:
        out.add(urn("patient", r["patient_id"]), {
            "resourceType": "Patient", "id": urn("patient", r["patient_id"])[9:],
            "identifier": _ident("local-patient" if r["local"] else "ipp", r["patient_id"]),
            "name": [{"family": r["last_name"], "given": [r["first_name"]]}],
            "gender": GENDER.get(r["sex"], "unknown"), "birthDate": _when(r["birth_date"])})


def _medications(cur, ids: set[str], out: _Entries) -> None:
    for r in _rows(cur, "SELECT drug_id, inn, atc FROM ref.drugs WHERE drug_id IN "
                   "(SELECT unnest(?)) ORDER BY drug_id", [sorted(ids)]):
        coding = ([{"system": "http://www.whocc.no/atc", "code": r["atc"]}]
                  if r["atc"] else None)
        out.add(urn("medication", r["drug_id"]), {
            "resourceType": "Medication", "id": urn("medication", r["drug_id"])[9:],
            "identifier": _ident("drug", r["drug_id"]),
            "code": {"text": r["inn"], "coding": coding}})


def _medication(row: dict, known: set[str]) -> dict:
    if row.get("drug_id") and row["drug_id"] in known:
        return {"medicationReference": {"reference": urn("medication", row["drug_id"])}}
    return {"medicationCodeableConcept": {"text": row.get("label") or row.get("drug_inn")
                                          or row.get("drug_id") or "non précisé"}}


def _request(line: dict, drugs: set[str], lines: dict[str, dict]) -> dict:
    dose = None
    if line["final_dose"] is not None:
        dose = [{"doseQuantity": {"value": line["final_dose"], "unit": line["dose_unit"]}}]
    text = f"J{line['day_no']} le {line['planned_date']:%d/%m/%Y}"
    prior = line.get("prior_line_id")
    return {
        "resourceType": "MedicationRequest", "id": urn("line", line["line_id"])[9:],
        "identifier": _ident("prescription-line", line["line_id"]),
        "groupIdentifier": _ident("prescription", line["prescription_id"])[0],
        "status": RX_STATUS.get(line["status"], "unknown"), "intent": "order",
        **_medication(line, drugs),
        "subject": {"reference": urn("patient", line["patient_id"])},
        "authoredOn": _when(line["signed_at"] or line["created_at"]),
        "requester": {"display": line["prescriber_name"]},
        "priorPrescription": ({"reference": urn("line", prior)} if prior in lines else None),
        "dosageInstruction": [{"text": text, "route": {"text": line["route"]}
                               if line["route"] else None, "doseAndRate": dose}],
    }


LINE_SQL = """SELECT l.line_id, l.prescription_id, l.line_no, l.drug_id, l.drug_inn, l.label,
    l.day_no, l.planned_date, l.route, l.final_dose, l.dose_unit, p.patient_id, p.status,
    p.signed_at, p.created_at, p.prescriber_name, pl.line_id AS prior_line_id
  FROM rx_lines l JOIN rx_prescriptions p ON p.prescription_id = l.prescription_id
  LEFT JOIN rx_lines pl ON pl.prescription_id = p.supersedes_id AND pl.line_no = l.line_no
  WHERE l.line_id IN (SELECT unnest(?)) ORDER BY l.line_id"""


def build(cur: duckdb.DuckDBPyConnection, tables: dict[str, Table]) -> Bundle:
    dispensed = _rows(cur, """SELECT i.*, p.line_id, p.patient_id, p.drug_id, p.dose,
            p.dose_unit, p.prepared_at, r.handed_over_at, r.ward_id
        FROM disp_items i JOIN fab_preparations p USING (preparation_id)
        JOIN disp_rounds r ON r.round_id = i.round_id
        WHERE i.item_id IN (SELECT unnest(?)) ORDER BY i.item_id""",
                      [[r["item_id"] for r in tables["dispensations"].rows]])
    given = tables["administrations"].rows
    line_ids = ({r["line_id"] for r in tables["lignes_prescription"].rows}
                | {r["line_id"] for r in dispensed} | {r["line_id"] for r in given})
    lines = {r["line_id"]: r for r in _rows(cur, LINE_SQL, [sorted(line_ids)])}
    replaced = {r[0] for r in cur.execute(
        "SELECT replaces_id FROM adm_records WHERE replaces_id IS NOT NULL").fetchall()}
    out = _Entries()
    patients = ({r["patient_id"] for r in lines.values()} | {r["patient_id"] for r in given}
                | {r["patient_id"] for r in tables["patients"].rows})
    _patients(cur, patients, out)
    _medications(cur, {r["drug_id"] for r in [*lines.values(), *dispensed] if r["drug_id"]},
                 out)
    drugs = {r["identifier"][0]["value"] for r in out.resources.values()
             if r["resourceType"] == "Medication"}
    for line in lines.values():
        out.add(urn("line", line["line_id"]), _request(line, drugs, lines))
    for item in dispensed:
        out.add(urn("dispense", item["preparation_id"]), {
            "resourceType": "MedicationDispense", "id": urn("dispense", item["preparation_id"])[9:],
            "identifier": _ident("preparation", item["preparation_id"]),
            "status": "completed" if item["received_at"] else "in-progress",
            **_medication(item, drugs),
            "subject": {"reference": urn("patient", item["patient_id"])},
            "authorizingPrescription": [{"reference": urn("line", item["line_id"])}],
            "quantity": {"value": item["dose"], "unit": item["dose_unit"]},
            "whenPrepared": _when(item["prepared_at"]),
            "whenHandedOver": _when(item["handed_over_at"]),
            "destination": {"display": item["ward_id"]}})
    for rec in given:
        out.add(urn("administration", rec["record_id"]), _administration(rec, lines, drugs,
                                                                         replaced))
    entries = [{"fullUrl": u, "resource": r} for u, r in out.resources.items()]
    bundle_id = urn("bundle", ",".join(sorted(out.resources)))[9:]
    return Bundle.model_validate({"resourceType": "Bundle", "id": bundle_id,
                                  "type": "collection", "entry": entries or None})


def _administration(rec: dict, lines: dict[str, dict], drugs: set[str],
                    replaced: set[int]) -> dict:
    line = lines[rec["line_id"]]
    status = ("entered-in-error" if rec["record_id"] in replaced
              else ADM_STATUS.get(rec["outcome"], "unknown"))
    if rec["started_at"]:
        effective = {"effectivePeriod": {"start": _when(rec["started_at"]),
                                         "end": _when(rec["ended_at"])}}
    else:
        effective = {"effectiveDateTime": _when(rec["planned_date"])}
    notes = [t for t in (rec["amount_given"] and f"Administré en partie : {rec['amount_given']}",
                         rec["incident"] and f"Incident : {rec['incident']}",
                         rec["action_taken"] and f"Conduite tenue : {rec['action_taken']}")
             if t]
    return {
        "resourceType": "MedicationAdministration",
        "id": urn("administration", rec["record_id"])[9:],
        "identifier": _ident("administration", rec["record_id"]), "status": status,
        "statusReason": [{"text": rec["reason"]}] if rec["reason"] else None,
        **_medication(line, drugs),
        "subject": {"reference": urn("patient", rec["patient_id"])},
        "request": {"reference": urn("line", rec["line_id"])},
        "performer": ([{"actor": {"display": rec["given_by_name"]}}]
                      if rec["given_by_name"] else None),
        "note": [{"text": t} for t in notes] or None, **effective}


def to_json(bundle: Bundle) -> bytes:
    data = json.loads(bundle.model_dump_json(exclude_none=True))
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
