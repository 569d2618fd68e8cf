-- Lab results recorded during the outage from a paper report (neutrophils, platelets,
-- haemoglobin, creatinine, bilirubin, transaminases…). The value and unit as typed AND the
-- value in the test's canonical unit (what doses and checks use) are both kept. Never edited: a
-- wrong result is corrected by a new row pointing at it (replaces_id, with a reason); a wrong
-- creatinine recorded earlier as a measurement is corrected by pointing at it
-- (replaces_measurement_id). confirm_codes / confirm_reason: the questions the user confirmed
-- ("vérifiez l'unité") and why.
CREATE SEQUENCE lab_record_seq START 1;

CREATE TABLE patient_lab_results (
    lab_record_id            BIGINT PRIMARY KEY DEFAULT nextval('lab_record_seq'),
    patient_id               VARCHAR NOT NULL,  -- snapshot IPP or local_patients.patient_id
    test_code                VARCHAR NOT NULL,  -- PNN, PLQ, HB, LEUCO, CREAT, CLCR, BILI, ASAT, ALAT
    value                    DOUBLE NOT NULL,   -- as typed
    unit                     VARCHAR NOT NULL,  -- as chosen (e.g. /mm³, mg/L)
    value_normalised         DOUBLE NOT NULL,
    unit_normalised          VARCHAR NOT NULL,  -- G/L, µmol/L, g/dL, UI/L, mL/min
    sampled_at               TIMESTAMP NOT NULL,
    recorded_at              TIMESTAMP NOT NULL,
    recorded_by              VARCHAR NOT NULL,  -- user name
    recorded_by_name         VARCHAR NOT NULL,  -- as displayed when recorded
    comment                  VARCHAR,
    replaces_id              BIGINT,
    replaces_measurement_id  BIGINT,
    replace_reason           VARCHAR,
    confirm_codes            VARCHAR,           -- codes separated by ","
    confirm_reason           VARCHAR
);

-- A height or weight whose BMI is unusual, or that looks swapped, is recorded only when
-- confirmed with a reason; both are kept with the measurement.
ALTER TABLE patient_measurements ADD COLUMN confirm_codes VARCHAR;
ALTER TABLE patient_measurements ADD COLUMN confirm_reason VARCHAR;
