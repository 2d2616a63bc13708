-- Notifications name the child and the urgency at read time: a row keeps what happened as a
-- code (`kind`, rendered from the message catalogue), the request it is about (whose child
-- and urgency are joined when it is read, so a renamed child or a changed urgency shows as it
-- is now) and one detail (a coordinator's name, an activity's date). text_ja/text_en stay the
-- fallback for rows written before this migration.
ALTER TABLE notifications ADD COLUMN kind TEXT;
ALTER TABLE notifications ADD COLUMN request_id TEXT REFERENCES dispatch_requests(id);
ALTER TABLE notifications ADD COLUMN detail TEXT;
