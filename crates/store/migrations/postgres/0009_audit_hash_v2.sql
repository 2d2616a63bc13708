-- Audit hash payload version. Version 1 joined fields with '|' and read NULL as '', so a value
-- could move across a field boundary (or NULL become '') without changing the hash. Version 2
-- hashes a JSON array, which keeps boundaries and NULLs. Existing rows stay version 1 and are
-- verified as such; new rows are written as version 2. Adding a column is not an UPDATE, so the
-- append-only triggers are unaffected.
ALTER TABLE audit_log ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
