"""Patients: search across the active snapshot, and the read-only patient record.

Every role that may read patients (Permission.PATIENT_READ) uses the same search box: hospital
ID (IPP), names without caring for accents or case, birth date, or a mix. Only the reference
snapshot (`ref.patients`) is searched for now; patients created locally during the outage will
be added by the prescription module.

    query.py    pure: normalising text, reading what was typed, building the search SQL
    search.py   the search service, on an in-memory lookup table rebuilt per activation
    record.py   the patient record: identity, height/weight history, protocols, history, labs
    models.py   the pydantic results (units in names) and the French labels of status codes
"""
