-- Patients created during the outage (missing from the snapshot). Their IPP is provisional,
-- made by the fallback ("SEC000001"), so it can never be mistaken for a production IPP; the
-- production software gives the real one when the patient is re-entered after the crisis.
CREATE SEQUENCE local_patient_seq START 1;

CREATE TABLE local_patients (
    patient_id   VARCHAR PRIMARY KEY,    -- 'SEC' || 6 digits
    last_name    VARCHAR NOT NULL,       -- nom d'usage
    first_name   VARCHAR NOT NULL,
    birth_name   VARCHAR,                -- nom de naissance, when different
    sex          VARCHAR NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date   DATE NOT NULL,
    ward_id      VARCHAR,                -- a ward of the snapshot (ref.wards) when created
    created_at   TIMESTAMP NOT NULL,
    created_by   VARCHAR NOT NULL        -- user name
);

-- Height, weight and serum creatinine recorded during the outage. Never edited: a wrong value
-- is corrected by a new row pointing at it (replaces_id, with a reason), and both stay visible.
CREATE SEQUENCE measurement_seq START 1;

CREATE TABLE patient_measurements (
    measurement_id    BIGINT PRIMARY KEY DEFAULT nextval('measurement_seq'),
    patient_id        VARCHAR NOT NULL,  -- snapshot IPP or local_patients.patient_id
    kind              VARCHAR NOT NULL CHECK (kind IN ('height', 'weight', 'creatinine')),
    value             DOUBLE NOT NULL,
    unit              VARCHAR NOT NULL,  -- cm, kg, µmol/L
    measured_on       DATE NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    recorded_by       VARCHAR NOT NULL,  -- user name
    recorded_by_name  VARCHAR NOT NULL,  -- as displayed when recorded
    comment           VARCHAR,
    replaces_id       BIGINT,            -- the wrong measurement this one corrects
    replace_reason    VARCHAR
);
