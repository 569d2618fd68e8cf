"""Patients: search, the patient record, patients created during the outage, and height,
weight and creatinine.

Every role that may read patients (Permission.PATIENT_READ) uses the same search box: hospital
ID (IPP), names without caring for accents or case, birth date, or a mix. It finds the
snapshot's patients (`ref.patients`) and those created during the outage (`local_patients`,
provisional IPP "SEC…", marked as such). Other modules ask `identity.find_identity` who a
patient is and `measurements.latest_measurements` what to compute doses from.

    query.py         pure: normalising text, reading what was typed, building the search SQL
    rules.py         pure: checks on what is entered (identity, measurements), duplicate names
    models.py        the pydantic results (units in names) and the French labels of codes
    search.py        the search service, on in-memory lookup tables
    identity.py      a patient's identity, from the snapshot or created locally
    local.py         creating a patient during the outage, with duplicate detection
    measurements.py  recording and correcting measurements; the latest value of each
    record.py        the patient record: identity, measurements, protocols, history, labs
"""
