-- The power-outage triage list reads every power-dependent child of a center at once
-- (store::disaster::area_data). Covering indexes let it take devices from the index alone
-- instead of one table lookup per device, and find the center's handed-out units without
-- scanning every center's.
CREATE INDEX power_devices_triage ON power_devices(child_id, position, kind, watts, internal_minutes, spare_count, spare_minutes, minutes_per_hour);
CREATE INDEX devices_electric ON devices(child_id, uses_electricity, position, battery_minutes);
CREATE INDEX power_units_center ON power_units(center_id, returned_on, child_id, capacity_wh);
