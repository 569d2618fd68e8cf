-- A validation by the pharmacist who transcribed or signed the prescription, allowed only by the
-- site setting single_pharmacist_allowed (a night with one pharmacist), is marked as such.
ALTER TABLE validation_decisions ADD COLUMN single_pharmacist BOOLEAN NOT NULL DEFAULT false;
