-- The power-outage triage list (store::disaster::triage) used to compute every child's
-- estimate from six tables on each request: 315 ms for 20,000 children. These tables keep what
-- it needs precomputed, written in the same transaction as the records they derive from
-- (store::power_estimates), so the list reads one indexed table and the page it shows.

-- Each active, power-dependent child's estimate (domain::power::estimate) with the place and
-- kana it is filtered and ordered by. Rows are recomputed from the records whenever
-- store_meta.power_estimates differs from domain::power::ESTIMATE_VERSION (at start-up;
-- this also fills the table the first time).
CREATE TABLE child_power_estimates (
    child_id TEXT COLLATE "C" PRIMARY KEY REFERENCES children(id),
    center_id TEXT NOT NULL REFERENCES centers(id),
    municipality_code TEXT NOT NULL,
    -- First two digits of the municipality code: a prefecture-wide incident matches on it.
    prefecture_code TEXT NOT NULL,
    -- The designated city of a ward (政令市の区), which an incident may name instead.
    parent_code TEXT,
    kana TEXT COLLATE "C" NOT NULL,
    -- 0: unknown (call first), 1: known; see domain::power::Estimate::sort_key.
    sort_class BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    -- domain::power::Estimate as JSON.
    estimate TEXT NOT NULL,
    -- Device kind codes, comma-separated, in the record's order.
    device_kinds TEXT NOT NULL,
    car_inverter BIGINT NOT NULL,
    generator BIGINT NOT NULL
);
CREATE INDEX child_power_estimates_order ON child_power_estimates(center_id, sort_class, minutes, kana, child_id, municipality_code, prefecture_code, parent_code);

-- The latest check-in per child and incident, with how many there were: the triage list's
-- counts and state column. Kept by store::disaster::check_in beside the append-only checkins.
CREATE TABLE checkin_latest (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    child_id TEXT NOT NULL REFERENCES children(id),
    checkin_id TEXT NOT NULL REFERENCES checkins(id),
    status TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    checkin_count BIGINT NOT NULL,
    PRIMARY KEY (incident_id, child_id)
);
INSERT INTO checkin_latest (incident_id, child_id, checkin_id, status, note, at, by_user, checkin_count)
SELECT incident_id, child_id, id, status, note, at, by_user, n FROM (
    SELECT k.*,
           ROW_NUMBER() OVER (PARTITION BY incident_id, child_id ORDER BY at DESC, id DESC) AS rn,
           COUNT(*) OVER (PARTITION BY incident_id, child_id) AS n
    FROM checkins k
) latest WHERE rn = 1;

-- Small facts about derived data, e.g. which estimate rules computed child_power_estimates.
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
