-- Browsing the audit log (監査ログの閲覧, Store::audit_search): newest first by sequence, within
-- one center, often narrowed to one user or one record ("who viewed this child").
-- Each index ends in seq so a page is read in order and stops after its rows.
CREATE INDEX audit_center_seq ON audit_log(center_id, seq);
CREATE INDEX audit_actor_seq ON audit_log(actor_id, seq);
DROP INDEX audit_entity;
CREATE INDEX audit_entity ON audit_log(entity, entity_id, seq);
