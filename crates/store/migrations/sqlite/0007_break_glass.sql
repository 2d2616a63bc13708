-- Break-the-glass (緊急アクセス): a user opens a child outside their scope by stating a reason.
-- The grant is time-limited, audited, and listed on the advisor's home page.
CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX break_glass_user_child ON break_glass(user_id, child_id, expires_at);
CREATE INDEX break_glass_center ON break_glass(center_id, started_at);
