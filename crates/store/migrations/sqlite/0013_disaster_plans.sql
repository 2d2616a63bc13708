-- Disaster individual support plans (災害時個別支援計画), versioned: every save is a new row,
-- never updated; and evacuation drills (避難訓練) that check them.
CREATE TABLE disaster_plans (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    center_id TEXT NOT NULL REFERENCES centers(id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    warnings TEXT NOT NULL,
    agreed_on TEXT,
    review_due TEXT,
    drill_id TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (child_id, version)
);
CREATE INDEX disaster_plans_center ON disaster_plans(center_id, review_due);

CREATE TABLE drills (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    center_id TEXT NOT NULL REFERENCES centers(id),
    held_on TEXT NOT NULL,
    participants TEXT NOT NULL,
    scenario TEXT NOT NULL,
    worked TEXT,
    problems TEXT,
    plan_version INTEGER,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX drills_child ON drills(child_id, held_on);
