-- The figures' breakdowns by the child (age band, municipality, medical care) and the 実人数
-- count read every consultation of a center's period. The index on (center_id, occurred_on, id)
-- found them, but each row was then fetched from the table: at national scale, 40,000 random
-- page reads for one prefecture's fiscal year, 1.7–1.9 s of the server's CPU per report.
-- With the child and municipality in the index those scans read the index alone.
DROP INDEX consultations_center_on;
CREATE INDEX consultations_center_on
    ON consultations(center_id, occurred_on, child_id, municipality_code, person_id, id);
-- Statistics for the new index (and 0024's topic index) at once: without them the planner
-- took this index for a child's timeline, which its own (child_id, occurred_at) index serves.
ANALYZE consultations;
ANALYZE consultation_topics;
