-- Browsing the audit log (監査ログの閲覧, Store::audit_search): newest first by sequence, often
-- narrowed to one user or one record ("who viewed this child"). Each index ends in seq so a
-- page is read in order and stops after its rows. Unfiltered pages walk the primary key
-- backwards and stop after 100 rows of the center, so no per-center index is needed.
CREATE INDEX audit_actor_seq ON audit_log(actor_id, seq);
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, seq);
