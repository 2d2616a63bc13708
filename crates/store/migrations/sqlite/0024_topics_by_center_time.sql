-- A consultation list filtered by topic (相談内容の分類) walked the center's consultations newest
-- first and looked up each one's topics until it had a page: about 700 index seeks for 50 rows
-- when a topic covers one consultation in thirteen. Each topic row now carries its
-- consultation's center and time, copied from the consultation by the statement that writes
-- the topic rows (consultations::write_topics), so the list reads a page straight off
-- (center_id, code, occurred_at, consultation_id).
ALTER TABLE consultation_topics ADD COLUMN center_id TEXT;
ALTER TABLE consultation_topics ADD COLUMN occurred_at TEXT;
UPDATE consultation_topics SET
    center_id = (SELECT k.center_id FROM consultations k WHERE k.id = consultation_topics.consultation_id),
    occurred_at = (SELECT k.occurred_at FROM consultations k WHERE k.id = consultation_topics.consultation_id);
CREATE INDEX consultation_topics_center_time
    ON consultation_topics(center_id, code, occurred_at, consultation_id);
