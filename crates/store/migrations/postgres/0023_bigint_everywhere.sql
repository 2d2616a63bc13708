-- Every integer column is BIGINT, as the store reads integers as i64. The native PostgreSQL
-- driver (stop 17, replacing sqlx's Any driver, which widened INT4 silently) refuses to decode
-- an INT4 column into i64, so the ten INTEGER columns left by 0017 and 0018 are widened.
ALTER TABLE child_devices
    ALTER COLUMN position TYPE BIGINT,
    ALTER COLUMN uses_electricity TYPE BIGINT,
    ALTER COLUMN watts TYPE BIGINT,
    ALTER COLUMN internal_minutes TYPE BIGINT,
    ALTER COLUMN spare_count TYPE BIGINT,
    ALTER COLUMN spare_minutes TYPE BIGINT,
    ALTER COLUMN minutes_per_hour TYPE BIGINT;
ALTER TABLE centers
    ALTER COLUMN runs_dispatch TYPE BIGINT,
    ALTER COLUMN runs_payments TYPE BIGINT;
ALTER TABLE users ALTER COLUMN must_change_password TYPE BIGINT;
