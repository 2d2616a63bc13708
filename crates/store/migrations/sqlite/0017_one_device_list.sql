-- One equipment list per child (使用している医療機器). Until now a child had two: the record's
-- `devices` (name, electric?, battery minutes) and the power page's `power_devices` (kind,
-- draw, batteries, duty, settings). The emergency sheet, the triage and the estimate read only
-- the second, so a ventilator entered on the record could be missing from them. Both lists
-- are merged here without losing a row: every power device, then every record device after
-- the child's power devices. A record device whose name is exactly a kind's label (or a common
-- synonym) takes that kind, any other name is その他 (the name is kept); nothing is guessed.
CREATE TABLE child_devices (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    settings TEXT,
    uses_electricity INTEGER NOT NULL,
    watts INTEGER,
    internal_minutes INTEGER,
    spare_count INTEGER NOT NULL,
    spare_minutes INTEGER,
    minutes_per_hour INTEGER NOT NULL
);

INSERT INTO child_devices (id, child_id, position, kind, name, settings, uses_electricity, watts,
                           internal_minutes, spare_count, spare_minutes, minutes_per_hour)
SELECT id, child_id, position, kind, name, settings, 1, watts, internal_minutes, spare_count,
       spare_minutes, minutes_per_hour
FROM power_devices;

INSERT INTO child_devices (id, child_id, position, kind, name, settings, uses_electricity, watts,
                           internal_minutes, spare_count, spare_minutes, minutes_per_hour)
SELECT d.id, d.child_id,
       d.position + 1 + COALESCE((SELECT MAX(p.position) FROM power_devices p WHERE p.child_id = d.child_id), -1),
       CASE TRIM(d.name)
         WHEN '人工呼吸器' THEN 'ventilator'
         WHEN '在宅人工呼吸器' THEN 'ventilator'
         WHEN '吸引器' THEN 'suction'
         WHEN '吸引機' THEN 'suction'
         WHEN '酸素濃縮装置' THEN 'oxygen_concentrator'
         WHEN '酸素濃縮器' THEN 'oxygen_concentrator'
         WHEN '経管栄養ポンプ' THEN 'feeding_pump'
         WHEN '栄養ポンプ' THEN 'feeding_pump'
         WHEN 'パルスオキシメーター' THEN 'pulse_oximeter'
         WHEN 'ネブライザー' THEN 'nebulizer'
         WHEN '排痰補助装置' THEN 'cough_assist'
         WHEN 'カフアシスト' THEN 'cough_assist'
         WHEN '輸液ポンプ' THEN 'infusion_pump'
         WHEN 'シリンジポンプ' THEN 'infusion_pump'
         WHEN '電動ベッド' THEN 'electric_bed'
         ELSE 'other'
       END,
       d.name, NULL, d.uses_electricity, NULL, d.battery_minutes, 0, NULL, 60
FROM devices d;

DROP INDEX IF EXISTS power_devices_triage;
DROP INDEX IF EXISTS power_devices_child;
DROP INDEX IF EXISTS devices_electric;
DROP INDEX IF EXISTS devices_child;
DROP TABLE power_devices;
DROP TABLE devices;

CREATE INDEX child_devices_child ON child_devices(child_id, position);
