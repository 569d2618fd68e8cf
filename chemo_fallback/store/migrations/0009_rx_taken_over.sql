-- A prescription taken over from the snapshot (prescribed in the production software before the
-- outage) keeps the production id it continues, for the re-integration afterwards.
ALTER TABLE rx_prescriptions ADD COLUMN snapshot_prescription_id VARCHAR;
