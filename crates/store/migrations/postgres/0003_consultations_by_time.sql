-- Consultation lists filter by period and show newest first: index the instant per center so
-- a page is read in order and stops after its rows (see Store::list_consultations).
CREATE INDEX consultations_center_at ON consultations(center_id, occurred_at, id);
-- A child's timeline orders by (occurred_at, id) too; with id in the index the planner reads
-- the child's rows in order instead of walking the center's newest consultations.
DROP INDEX consultations_child;
CREATE INDEX consultations_child ON consultations(child_id, occurred_at, id);
-- Organizations filtered by kind (hospital, school…) in name order.
CREATE INDEX organizations_center_kind ON organizations(center_id, kind, name, id);
