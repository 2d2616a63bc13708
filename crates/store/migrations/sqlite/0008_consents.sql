-- Consent records per child (情報提供への同意) and referrals to another center (他センターへの紹介).
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    recipient_kind TEXT NOT NULL,
    recipient_code TEXT,
    recipient_name TEXT NOT NULL,
    items TEXT NOT NULL,
    given_on TEXT NOT NULL,
    given_by TEXT NOT NULL,
    method TEXT NOT NULL,
    expires_on TEXT,
    withdrawn_on TEXT,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX consents_child ON consents(child_id);

-- A child shared with another center. The receiving center reads the record; it never edits it.
CREATE TABLE child_shares (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    from_center_id TEXT NOT NULL REFERENCES centers(id),
    to_center_id TEXT NOT NULL REFERENCES centers(id),
    consent_id TEXT REFERENCES consents(id),
    override_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX child_shares_to ON child_shares(to_center_id, child_id);
CREATE INDEX child_shares_child ON child_shares(child_id);
