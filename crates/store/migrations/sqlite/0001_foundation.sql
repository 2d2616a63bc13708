-- Foundation schema. Kept column-for-column in step with migrations/postgres (a test compares them).
-- Flags are INTEGER 0/1 and timestamps UTC RFC 3339 text so one portable query works on both backends.

CREATE TABLE centers (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    professions TEXT NOT NULL DEFAULT '',
    municipality_codes TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX users_center ON users(center_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    municipality_code TEXT,
    address TEXT,
    phone TEXT,
    email TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX organizations_center ON organizations(center_id, name);

CREATE TABLE children (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name_kana TEXT NOT NULL,
    given_name_kana TEXT NOT NULL,
    search_kana TEXT NOT NULL,
    search_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    care_setting TEXT NOT NULL,
    discharged_on TEXT,
    primary_hospital_id TEXT REFERENCES organizations(id),
    primary_doctor TEXT,
    school_id TEXT REFERENCES organizations(id),
    status TEXT NOT NULL,
    status_since TEXT NOT NULL,
    uses_no_welfare INTEGER NOT NULL,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX children_kana ON children(center_id, search_kana, id);
CREATE INDEX children_name ON children(center_id, search_name, id);
CREATE INDEX children_muni ON children(center_id, municipality_code);
CREATE INDEX children_dup ON children(search_kana, birth_date);

CREATE TABLE child_medical_care (
    child_id TEXT NOT NULL REFERENCES children(id),
    code TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (child_id, code)
);
CREATE INDEX child_medical_care_code ON child_medical_care(code, child_id);

CREATE TABLE child_welfare_services (
    child_id TEXT NOT NULL REFERENCES children(id),
    code TEXT NOT NULL,
    PRIMARY KEY (child_id, code)
);

CREATE TABLE guardians (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_kana TEXT,
    relation TEXT NOT NULL,
    phone TEXT,
    phone2 TEXT,
    email TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX guardians_child ON guardians(child_id);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    uses_electricity INTEGER NOT NULL,
    battery_minutes INTEGER
);
CREATE INDEX devices_child ON devices(child_id);

CREATE TABLE child_coordinators (
    child_id TEXT NOT NULL REFERENCES children(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (child_id, user_id)
);
CREATE INDEX child_coordinators_user ON child_coordinators(user_id, child_id);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    name TEXT,
    name_kana TEXT,
    anonymous INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    occurred_at TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    channel TEXT NOT NULL,
    requester_kind TEXT NOT NULL,
    requester_name TEXT,
    requester_org TEXT,
    child_id TEXT REFERENCES children(id),
    person_id TEXT REFERENCES persons(id),
    summary TEXT NOT NULL,
    response TEXT,
    staff_id TEXT NOT NULL REFERENCES users(id),
    duration_minutes INTEGER,
    followup_due TEXT,
    followup_assignee_id TEXT REFERENCES users(id),
    followup_done_at TEXT,
    municipality_code TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX consultations_center_on ON consultations(center_id, occurred_on, id);
CREATE INDEX consultations_child ON consultations(child_id, occurred_at);
CREATE INDEX consultations_followup ON consultations(followup_assignee_id, followup_done_at, followup_due);

CREATE TABLE consultation_topics (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    code TEXT NOT NULL,
    PRIMARY KEY (consultation_id, code)
);
CREATE INDEX consultation_topics_code ON consultation_topics(code, consultation_id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    center_id TEXT,
    actor_id TEXT,
    actor_login TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
