-- Consultations can be opened and corrected (issue 13): an edit carries the version its form
-- was loaded at, so a change made meanwhile by someone else is refused instead of overwritten.
ALTER TABLE consultations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- 経過: the course of the case after the first contact, as dated entries by their author.
-- Entries are only added (never edited or deleted), so the course reads as it was written.
CREATE TABLE consultation_course_entries (
    id TEXT PRIMARY KEY,
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    entry_date TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX consultation_course_entries_by_consultation ON consultation_course_entries(consultation_id, entry_date, created_at);
