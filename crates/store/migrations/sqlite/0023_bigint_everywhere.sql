-- PostgreSQL's 0023 widens its last INTEGER columns to BIGINT. SQLite stores every integer in
-- up to 8 bytes whatever the declared type, so there is nothing to change here; the file keeps
-- both backends' migration numbers in step.
SELECT 1;
