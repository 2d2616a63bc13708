-- Disaster preparedness (災害への備え): each child's power-dependent devices and other power
-- sources, portable power units handed out by the center, and power-outage incidents with
-- their safety check-ins (安否確認).

-- A device that uses electricity, with what the outage estimate needs (domain::power).
CREATE TABLE power_devices (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    watts BIGINT,
    internal_minutes BIGINT,
    spare_count BIGINT NOT NULL,
    spare_minutes BIGINT,
    minutes_per_hour BIGINT NOT NULL,
    settings TEXT
);
CREATE INDEX power_devices_child ON power_devices(child_id);

-- The household's own sources besides device batteries.
CREATE TABLE child_power (
    child_id TEXT PRIMARY KEY REFERENCES children(id),
    portable_wh BIGINT NOT NULL,
    car_inverter BIGINT NOT NULL,
    generator BIGINT NOT NULL,
    oxygen_cylinder_hours BIGINT NOT NULL,
    notes TEXT,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);

-- A portable power unit the center handed out (貸与・給付した蓄電池); counts in the estimate
-- until returned.
CREATE TABLE power_units (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    handed_on TEXT NOT NULL,
    model TEXT NOT NULL,
    capacity_wh BIGINT NOT NULL,
    serial TEXT,
    returned_on TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX power_units_child ON power_units(child_id);

-- A power-outage incident. municipality_codes: comma-separated affected areas.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    center_id TEXT NOT NULL REFERENCES centers(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    municipality_codes TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expected_restoration_at TEXT,
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES users(id),
    closed_at TEXT,
    closed_by TEXT REFERENCES users(id),
    report TEXT
);
CREATE INDEX incidents_center ON incidents(center_id, status, started_at);

-- Safety check-ins, append-only: the latest per child is the child's state in the incident,
-- so several staff can work the list at once without overwriting each other.
CREATE TABLE checkins (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    status TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX checkins_incident ON checkins(incident_id, child_id, at);
