-- Where a coordinator's access to a child comes from: 'assigned' (ticked on the child form, or
-- the coordinator registered the child) never lapses; 'dispatch' (added when they accepted a
-- dispatch for the child) lasts while a dispatch of theirs for the child is accepted or active,
-- then until access_until (JST date, inclusive: the day the last one was completed or
-- cancelled + 30 days). The row is removed, and `child.access.lapsed` audited, when the
-- coordinator's next request is resolved after that day (store::access).
-- Rows from before this migration cannot be told apart and stay 'assigned'.
ALTER TABLE child_coordinators ADD COLUMN origin TEXT NOT NULL DEFAULT 'assigned';
ALTER TABLE child_coordinators ADD COLUMN access_until TEXT;

-- The triage counts of each open incident (store/src/triage_counts.rs): bucket 'total',
-- 'unknown' or 'status:<code>', kept in the transactions that change them. Open incidents
-- made before this are counted at start-up.
CREATE TABLE incident_triage_counts (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    bucket TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (incident_id, bucket)
);
