-- Coordinator roster and dispatch (コーディネーター名簿・派遣), activities, advice, notifications,
-- payment statements, and dated welfare-service history (which decides payability).

-- A coordinator on a center's roster. user_id is NULL for external people without a login
-- (many coordinators work at hospitals or providers). Lists are comma-separated codes.
CREATE TABLE coordinators (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    user_id TEXT REFERENCES users(id),
    name TEXT NOT NULL,
    name_kana TEXT,
    organization TEXT,
    affiliation_code TEXT,
    professions TEXT NOT NULL,
    covers TEXT NOT NULL,
    topics TEXT NOT NULL,
    training_year INTEGER,
    followup_trainings TEXT,
    max_active_cases INTEGER NOT NULL,
    availability TEXT NOT NULL,
    leave_until TEXT,
    phone TEXT,
    email TEXT,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX coordinators_center ON coordinators(center_id, name);
CREATE UNIQUE INDEX coordinators_user ON coordinators(user_id);

-- Per-center dispatch weights (JSON of domain::dispatch::RawWeights); absent = defaults.
CREATE TABLE dispatch_settings (
    center_id TEXT PRIMARY KEY REFERENCES centers(id),
    weights TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);

-- 派遣依頼. status: open (no live dispatch) | proposed | active | completed | cancelled.
CREATE TABLE dispatch_requests (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    consultation_id TEXT REFERENCES consultations(id),
    municipality_code TEXT NOT NULL,
    topics TEXT NOT NULL,
    sides TEXT NOT NULL,
    urgency TEXT NOT NULL,
    preferred_dates TEXT,
    note TEXT,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX dispatch_requests_center ON dispatch_requests(center_id, status, created_at);
CREATE INDEX dispatch_requests_child ON dispatch_requests(child_id);

-- One coordinator on one request (a pair request has two). status: see DispatchStatus.
CREATE TABLE dispatches (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES dispatch_requests(id),
    center_id TEXT NOT NULL REFERENCES centers(id),
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    side TEXT,
    status TEXT NOT NULL,
    score INTEGER,
    reasons TEXT NOT NULL,
    override_reason TEXT,
    proposed_by TEXT NOT NULL REFERENCES users(id),
    proposed_at TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    responded_at TEXT,
    responded_on TEXT,
    decline_reason TEXT,
    closed_at TEXT
);
CREATE INDEX dispatches_request ON dispatches(request_id);
CREATE INDEX dispatches_coordinator ON dispatches(coordinator_id, status);
CREATE INDEX dispatches_center ON dispatches(center_id, proposed_on);

-- The timeline of a request: state changes, advice asked and given, notes.
CREATE TABLE dispatch_events (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES dispatch_requests(id),
    dispatch_id TEXT REFERENCES dispatches(id),
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    body TEXT
);
CREATE INDEX dispatch_events_request ON dispatch_events(request_id, at);

-- Visits, calls and meetings of a dispatch. Never edited: a wrong entry is voided (with a
-- reason) and entered again, so an approved payment month stays explainable.
CREATE TABLE dispatch_activities (
    id TEXT PRIMARY KEY,
    dispatch_id TEXT NOT NULL REFERENCES dispatches(id),
    center_id TEXT NOT NULL REFERENCES centers(id),
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    travel_tenths_km INTEGER NOT NULL,
    travel_minutes INTEGER NOT NULL,
    notes TEXT,
    voided_at TEXT,
    void_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX dispatch_activities_dispatch ON dispatch_activities(dispatch_id, on_date);
CREATE INDEX dispatch_activities_month ON dispatch_activities(center_id, coordinator_id, on_date);

-- In-app notifications (お知らせ), one row per recipient.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    at TEXT NOT NULL,
    text_ja TEXT NOT NULL,
    text_en TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, at);

-- Payment rates per center (単価), whole yen.
CREATE TABLE payment_rates (
    center_id TEXT PRIMARY KEY REFERENCES centers(id),
    per_visit INTEGER NOT NULL,
    per_hour INTEGER NOT NULL,
    per_km INTEGER NOT NULL,
    per_travel_hour INTEGER NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);

-- One approval of a coordinator's month: the first freezes the statement, later ones approve
-- amendment lines. Lines are never updated or deleted.
CREATE TABLE payment_approvals (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    total INTEGER NOT NULL,
    approved_by TEXT NOT NULL REFERENCES users(id),
    approved_at TEXT NOT NULL
);
CREATE INDEX payment_approvals_month ON payment_approvals(center_id, month, coordinator_id);

-- A line as approved: the activity's computed line at that moment. An amendment approval
-- holds the new line of each changed activity and the difference to what was approved before.
CREATE TABLE payment_lines (
    id TEXT PRIMARY KEY,
    approval_id TEXT NOT NULL REFERENCES payment_approvals(id),
    activity_id TEXT NOT NULL REFERENCES dispatch_activities(id),
    on_date TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    activity_kind TEXT NOT NULL,
    payable INTEGER NOT NULL,
    reason TEXT,
    visit_yen INTEGER NOT NULL,
    time_yen INTEGER NOT NULL,
    travel_yen INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    difference INTEGER NOT NULL,
    amendment_reason TEXT
);
CREATE INDEX payment_lines_approval ON payment_lines(approval_id);

-- Dated welfare-service use (福祉サービスの利用歴). NULL start = before records began;
-- NULL end = ongoing. Decides whether an activity is paid by the prefecture.
CREATE TABLE child_service_periods (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    code TEXT NOT NULL,
    started_on TEXT,
    ended_on TEXT,
    created_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX child_service_periods_child ON child_service_periods(child_id, code);

-- Services recorded before dates were kept: in use since before records began.
INSERT INTO child_service_periods (id, child_id, code, started_on, ended_on, created_by, created_at)
SELECT s.child_id || ':' || s.code, s.child_id, s.code, NULL, NULL, NULL, c.created_at
FROM child_welfare_services s JOIN children c ON c.id = s.child_id;
