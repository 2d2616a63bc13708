//! Each power-dependent child's outage estimate, precomputed for the triage list.
//!
//! `domain::power::assess` needs a child's equipment list, medical care items, household
//! sources and handed-out units. Computing it for every child of an area on each
//! triage request read about 130,000 rows from six tables (315 ms for 20,000 children). Instead,
//! every write that changes one of those inputs calls [`refresh`] for the children it touched,
//! in its own transaction, and the triage reads `child_power_estimates` alone — the same
//! pattern as the consultation statistics (`stats::apply`).
//!
//! The rows are a cache of a pure function of the records: [`Store::ensure_power_estimates`]
//! recomputes all of them at start-up when `domain::power::ESTIMATE_VERSION` changed (and the
//! first time, after the migration), and `bulk_insert` recomputes them after loading rows
//! into the tables they derive from.

use std::collections::HashMap;

use crate::db::Conn;
use domain::power::{
    assess, power_care_codes, DeviceDraft, DeviceKind, Estimate, PowerSources, ESTIMATE_VERSION,
};

use crate::devices::DeviceRecord;
use crate::disaster::{decode_rows, json_rows};
use crate::{placeholders, Backend, Result, Store, StoreError};

/// Tables whose rows feed the estimates or the latest check-ins; loading rows into any of them
/// in bulk must be followed by [`rebuild`].
pub(crate) const SOURCE_TABLES: &[&str] = &[
    "children",
    "child_devices",
    "child_medical_care",
    "child_power",
    "power_units",
    "checkins",
];

/// `store_meta` key holding the `ESTIMATE_VERSION` the rows were computed with.
const META_KEY: &str = "power_estimates";

/// Children per recomputation: each id is one bind parameter.
const CHUNK: usize = 500;

/// Rows per INSERT. SQLite looks each `$n` up by a linear search over the statement's
/// parameters, so binding grows with the square of their number (see `bulk`).
const ROWS_PER_INSERT: usize = 50;

/// Which children to recompute.
enum Which<'a> {
    /// These (any status; those no longer active or dependent lose their row).
    Ids(&'a [String]),
    /// Every active child with power data.
    All,
}

/// One child's row of `child_power_estimates`.
struct EstimateRow {
    child_id: String,
    center_id: String,
    municipality_code: String,
    kana: String,
    estimate: Estimate,
    device_kinds: Vec<DeviceKind>,
    car_inverter: bool,
    generator: bool,
}

/// Recomputes the estimates of `child_ids` inside the caller's transaction.
pub(crate) async fn refresh(conn: &mut Conn, backend: Backend, child_ids: &[String]) -> Result<()> {
    for chunk in child_ids.chunks(CHUNK) {
        // Open incidents keep their triage counts: these children's part out, then in again.
        let counts = crate::triage_counts::Snapshot::take(conn, chunk).await?;
        let rows = compute(conn, backend, Which::Ids(chunk)).await?;
        let sql = format!(
            "DELETE FROM child_power_estimates WHERE child_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = crate::db::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
        write(conn, &rows).await?;
        counts.apply(conn).await?;
    }
    Ok(())
}

/// Recomputes every estimate and every latest check-in inside the caller's transaction.
pub(crate) async fn rebuild(conn: &mut Conn, backend: Backend) -> Result<()> {
    // The kept triage counts derive from these rows (see triage_counts::lock).
    crate::db::require_write_lock(conn)?;
    let rows = compute(conn, backend, Which::All).await?;
    crate::db::query("DELETE FROM child_power_estimates")
        .execute(&mut *conn)
        .await?;
    write(conn, &rows).await?;
    crate::db::query("DELETE FROM checkin_latest")
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "INSERT INTO checkin_latest (incident_id, child_id, checkin_id, status, note, at, by_user, checkin_count) \
         SELECT incident_id, child_id, id, status, note, at, by_user, n FROM (\
           SELECT k.*, \
             ROW_NUMBER() OVER (PARTITION BY incident_id, child_id ORDER BY at DESC, id DESC) AS rn, \
             COUNT(*) OVER (PARTITION BY incident_id, child_id) AS n \
           FROM checkins k) latest WHERE rn = 1",
    )
    .execute(&mut *conn)
    .await?;
    crate::db::query(
        "INSERT INTO store_meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(META_KEY)
    .bind(ESTIMATE_VERSION.to_string())
    .execute(&mut *conn)
    .await?;
    crate::triage_counts::rebuild(conn).await?;
    Ok(())
}

impl Store {
    /// Recomputes every precomputed estimate and latest check-in from the records, in one
    /// transaction. The use cases keep them in step on their own; this is for data changed
    /// outside them (a repair by hand) and proves in tests that the kept rows equal a fresh
    /// computation.
    pub async fn rebuild_power_estimates(&self) -> Result<()> {
        let mut w = self.begin_write().await?;
        rebuild(&mut w.tx, self.backend()).await?;
        w.commit().await
    }

    /// Recomputes every precomputed estimate when they were made by other estimate rules than
    /// this build's (or never made). Runs at start-up.
    pub(crate) async fn ensure_power_estimates(&self) -> Result<()> {
        let stored: Option<String> =
            crate::db::query_scalar("SELECT value FROM store_meta WHERE key = $1")
                .bind(META_KEY)
                .fetch_optional(self.pool())
                .await?;
        if stored.as_deref() == Some(ESTIMATE_VERSION.to_string().as_str()) {
            return Ok(());
        }
        self.rebuild_power_estimates().await
    }
}

async fn write(conn: &mut Conn, rows: &[EstimateRow]) -> Result<()> {
    const COLUMNS: usize = 12;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * COLUMNS + 1, COLUMNS)))
            .collect();
        let sql = format!(
            "INSERT INTO child_power_estimates (child_id, center_id, municipality_code, \
             prefecture_code, parent_code, kana, sort_class, minutes, estimate, device_kinds, \
             car_inverter, generator) VALUES {}",
            tuples.join(",")
        );
        let mut q = crate::db::query(&sql);
        for r in chunk {
            let (class, minutes) = r.estimate.sort_key();
            let json = serde_json::to_string(&r.estimate)
                .map_err(|e| StoreError::Config(format!("estimate: {e}")))?;
            q = q
                .bind(&r.child_id)
                .bind(&r.center_id)
                .bind(&r.municipality_code)
                .bind(r.municipality_code.get(..2).unwrap_or("").to_string())
                .bind(
                    domain::municipality::lookup(&r.municipality_code)
                        .and_then(|g| g.parent_code.clone()),
                )
                .bind(&r.kana)
                .bind(i64::from(class))
                .bind(i64::from(minutes))
                .bind(json)
                .bind(
                    r.device_kinds
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(","),
                )
                .bind(i64::from(r.car_inverter))
                .bind(i64::from(r.generator));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Loads the inputs of the chosen children (one JSON-aggregated row per query, see
/// `json_rows`) and computes their estimates; children not dependent on power are left out.
async fn compute(conn: &mut Conn, backend: Backend, which: Which<'_>) -> Result<Vec<EstimateRow>> {
    let ids: &[String] = match which {
        Which::Ids([]) => return Ok(Vec::new()),
        Which::Ids(ids) => ids,
        Which::All => &[],
    };
    // `{col} IN (…)` for the chosen ids, or no restriction.
    let only = |col: &str| {
        if ids.is_empty() {
            "1 = 1".to_string()
        } else {
            format!("{col} IN ({})", placeholders(1, ids.len()))
        }
    };
    // Codes are fixed identifiers from the embedded code list, never user input.
    let care_list = power_care_codes()
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",");
    let children_sql = format!(
        "SELECT {} FROM children c LEFT JOIN child_power s ON s.child_id = c.id \
         WHERE {} AND c.status = 'active' AND (\
           EXISTS (SELECT 1 FROM child_devices d WHERE d.child_id = c.id AND d.uses_electricity = 1) OR \
           EXISTS (SELECT 1 FROM child_medical_care m WHERE m.child_id = c.id AND m.code IN ({care_list})))",
        json_rows(
            backend,
            "c.id, c.center_id, c.family_name_kana, c.given_name_kana, c.municipality_code, \
             s.portable_wh, s.car_inverter, s.generator, s.oxygen_cylinder_hours"
        ),
        only("c.id")
    );
    let devices_sql = format!(
        "SELECT {} FROM child_devices p WHERE {} AND p.uses_electricity = 1",
        json_rows(
            backend,
            "p.child_id, p.position, p.kind, p.watts, p.internal_minutes, p.spare_count, \
             p.spare_minutes, p.minutes_per_hour"
        ),
        only("p.child_id")
    );
    let care_sql = format!(
        "SELECT {} FROM child_medical_care m WHERE {} AND m.code IN ({care_list})",
        json_rows(backend, "m.child_id, m.code"),
        only("m.child_id")
    );
    let units_sql = format!(
        "SELECT {} FROM power_units u WHERE {} AND u.returned_on IS NULL",
        json_rows(backend, "u.child_id, u.capacity_wh"),
        only("u.child_id")
    );
    let mut raw = Vec::with_capacity(4);
    for sql in [&children_sql, &devices_sql, &care_sql, &units_sql] {
        let mut q = crate::db::query_scalar::<String>(sql);
        for id in ids {
            q = q.bind(id);
        }
        raw.push(q.fetch_one(&mut *conn).await?);
    }
    let [children_raw, devices_raw, care_raw, units_raw] =
        <[String; 4]>::try_from(raw).map_err(|_| StoreError::Config("estimate inputs".into()))?;

    type DeviceRow = (
        String,
        i64,
        String,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
        i64,
    );
    let mut rows = decode_rows::<DeviceRow>(&devices_raw)?;
    // Each child's devices in the order of its list, as the pages show them.
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut devices: HashMap<String, Vec<DeviceDraft>> = HashMap::new();
    for (child, _, kind, watts, internal, spare_count, spare_minutes, mph) in rows {
        let Some(rec) = DeviceRecord::from_row((
            kind,
            None,
            1,
            watts,
            internal,
            spare_count,
            spare_minutes,
            mph,
            None,
        )) else {
            continue;
        };
        devices.entry(child).or_default().push(rec.draft());
    }
    let mut care: HashMap<String, Vec<String>> = HashMap::new();
    for (child, code) in decode_rows::<(String, String)>(&care_raw)? {
        care.entry(child).or_default().push(code);
    }
    let mut units_wh: HashMap<String, i64> = HashMap::new();
    for (c, wh) in decode_rows::<(String, i64)>(&units_raw)? {
        *units_wh.entry(c).or_default() += wh;
    }

    type ChildRow = (
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let mut out = Vec::new();
    for (id, center_id, family_kana, given_kana, m, wh, car, gen, ox) in
        decode_rows::<ChildRow>(&children_raw)?
    {
        // A child without a child_power row has no household sources.
        let has_details = wh.is_some();
        let (wh, car, gen, ox) = match (wh, car, gen, ox) {
            (Some(wh), Some(car), Some(gen), Some(ox)) => (wh, car != 0, gen != 0, ox),
            _ => (0, false, false, 0),
        };
        let sources = PowerSources {
            portable_wh: u32::try_from(wh.saturating_add(units_wh.get(&id).copied().unwrap_or(0)))
                .unwrap_or(u32::MAX),
            car_inverter: car,
            generator: gen,
            oxygen_cylinder_hours: u32::try_from(ox).unwrap_or(0),
        };
        let child_devices = devices.remove(&id).unwrap_or_default();
        let child_care = care.remove(&id).unwrap_or_default();
        let child_care: Vec<&str> = child_care.iter().map(String::as_str).collect();
        let est = assess(&child_devices, &sources, has_details, &child_care);
        if est == Estimate::NotDependent {
            continue;
        }
        out.push(EstimateRow {
            child_id: id,
            center_id,
            municipality_code: m,
            kana: format!("{family_kana} {given_kana}"),
            estimate: est,
            device_kinds: child_devices.iter().map(|d| d.device.kind).collect(),
            car_inverter: car,
            generator: gen,
        });
    }
    Ok(out)
}
