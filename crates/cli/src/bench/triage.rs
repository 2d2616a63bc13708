//! `tsunagu bench triage`: the power-outage triage list at the API.
//!
//! For each case (a prefecture-sized center and one holding every child) it creates a fresh
//! database, seeds one center (東京都) with N power-dependent children — 1–3 devices each with
//! draw, batteries and duty, household sources, portable units handed out by the center,
//! guardians with phones, about 10% with a gap in the data (so unknown estimates exist) and a
//! few hundred check-ins —, opens an incident covering the whole prefecture through
//! `Store::open_incident`, starts the real server as a child process on a loopback port (as
//! `bench run` does) and times sequential `GET /api/v1/incidents/{id}/triage` with a bearer
//! token — the list as the API answers it (counts for every child, the first 100 rows), a
//! 1,000-row page, and a walk through every page — against two baselines measured the same way
//! in the same run: `GET /healthz` (the HTTP stack alone) and `GET /api/v1/incidents` (a
//! trivial authenticated API call).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{Duration, NaiveDate, Utc};
use domain::kana::normalize_for_search;
use domain::Role;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::bulk::{Cell, Rows};
use store::disaster::{CheckinStatus, IncidentInput};
use store::Store;

use super::run::{cpu_seconds, start_server, with_database};
use crate::demo::{areas, FAMILY, GIVEN, PARENT};

/// The prefecture of the generated center: 東京都, the largest number of children.
pub const TRIAGE_PREFECTURE: &str = "130001";
/// Issue targets (ms) at the API.
const PREFECTURE_TARGET_MS: f64 = 20.0;
const ALL_TARGET_MS: f64 = 100.0;

/// What to measure.
pub struct TriageOptions {
    /// Power-dependent children of the "all children" case.
    pub children: usize,
    /// Power-dependent children of the prefecture case (0: skip it).
    pub prefecture_children: usize,
    /// Timed requests per endpoint.
    pub requests: usize,
    /// Untimed requests before them.
    pub warmups: usize,
    /// Folder for the SQLite databases (a fresh one per case); default: a temporary folder
    /// removed afterwards.
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL server URL: a fresh database per case is created on it and dropped after.
    pub database_url: Option<String>,
    /// Generator seed.
    pub seed: u64,
}

/// One endpoint's figures.
#[derive(Clone, Debug)]
pub struct Timed {
    /// Row label.
    pub name: String,
    /// Median, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// Slowest, ms.
    pub max: f64,
    /// Response body size, bytes.
    pub bytes: usize,
    /// Server CPU (user + system) per request, ms.
    pub cpu_ms: f64,
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// `prefecture` or `all`.
    pub case: &'static str,
    /// Backend name.
    pub backend: String,
    /// Children seeded (all power-dependent).
    pub children: usize,
    /// Rows the triage returned.
    pub rows: i64,
    /// Of which with an unknown estimate.
    pub unknown: i64,
    /// Seed summary line.
    pub seeded: String,
    /// Target, ms.
    pub target_ms: f64,
    /// healthz, incidents list, triage.
    pub timed: Vec<Timed>,
}

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.rng.gen_range(0..v.len())]
    }
    fn id(&mut self, at: chrono::DateTime<Utc>) -> String {
        let bytes: [u8; 10] = self.rng.gen();
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes)
            .into_uuid()
            .to_string()
    }
    fn mobile(&mut self) -> String {
        format!(
            "090-{:04}-{:04}",
            self.rng.gen_range(0..10000),
            self.rng.gen_range(0..10000)
        )
    }
}

const CHILD_COLUMNS: &[&str] = &[
    "id",
    "center_id",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "search_kana",
    "search_name",
    "search_given_kana",
    "search_given_name",
    "birth_date",
    "sex",
    "municipality_code",
    "address",
    "phone",
    "care_setting",
    "status",
    "status_since",
    "uses_no_welfare",
    "version",
    "created_at",
    "updated_at",
];
const POWER_DEVICE_COLUMNS: &[&str] = &[
    "id",
    "child_id",
    "position",
    "kind",
    "name",
    "uses_electricity",
    "watts",
    "internal_minutes",
    "spare_count",
    "spare_minutes",
    "minutes_per_hour",
    "settings",
];
const CHILD_POWER_COLUMNS: &[&str] = &[
    "child_id",
    "portable_wh",
    "car_inverter",
    "generator",
    "oxygen_cylinder_hours",
    "notes",
    "updated_by",
    "updated_at",
];
const UNIT_COLUMNS: &[&str] = &[
    "id",
    "center_id",
    "child_id",
    "handed_on",
    "model",
    "capacity_wh",
    "serial",
    "returned_on",
    "created_by",
    "created_at",
];
const GUARDIAN_COLUMNS: &[&str] = &[
    "id",
    "child_id",
    "position",
    "name",
    "name_kana",
    "relation",
    "phone",
    "phone2",
    "is_primary",
];
const CHECKIN_COLUMNS: &[&str] = &[
    "id",
    "incident_id",
    "child_id",
    "status",
    "note",
    "at",
    "by_user",
];

/// (kind, name, watts range, continuous?) of the generated devices.
const KINDS: &[(&str, &str, (i64, i64), bool)] = &[
    ("ventilator", "人工呼吸器", (30, 90), true),
    ("oxygen_concentrator", "酸素濃縮装置", (100, 350), true),
    ("suction", "吸引器", (40, 150), false),
    ("feeding_pump", "経管栄養ポンプ", (5, 20), false),
    ("pulse_oximeter", "パルスオキシメーター", (1, 5), true),
    ("nebulizer", "ネブライザー", (10, 60), false),
    ("cough_assist", "排痰補助装置", (60, 200), false),
    ("electric_bed", "電動ベッド", (80, 200), false),
];

/// The database URL of one case, freshly created.
async fn fresh_database(opts: &TriageOptions, children: usize) -> anyhow::Result<String> {
    match &opts.database_url {
        None => {
            let root = opts.data_dir.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("tsunagu-bench-triage-{}", std::process::id()))
            });
            let dir = root.join(format!("triage-{children}"));
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("cannot empty {}", dir.display()))?;
            }
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Ok(format!("sqlite://{}", dir.join("tsunagu.db").display()))
        }
        Some(url) => {
            let name = pg_name(children);
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                .await
                .with_context(|| format!("cannot connect to {url}"))?;
            // The name is built from numbers, never from input.
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&mut admin)
            .await?;
            Ok(with_database(url, &name))
        }
    }
}

fn pg_name(children: usize) -> String {
    format!("tsunagu_bench_triage_{}_{children}", std::process::id())
}

/// Remove a case's database.
async fn drop_database(opts: &TriageOptions, children: usize) -> anyhow::Result<()> {
    match &opts.database_url {
        None => {
            if opts.data_dir.is_none() {
                let root = std::env::temp_dir()
                    .join(format!("tsunagu-bench-triage-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(root);
            }
            Ok(())
        }
        Some(url) => {
            let name = pg_name(children);
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
            // The killed server's connections may still be closing, and the seeding pool may
            // have left one open (see Store::close): FORCE ends them (PostgreSQL 13+).
            for _ in 0..50 {
                if sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .is_ok()
                {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            bail!("could not drop the bench database {name}")
        }
    }
}

/// What the seeding wrote.
struct Seeded {
    incident_id: String,
    token: String,
    line: String,
}

/// `Store::bulk_insert` in statements of at most `ROWS_PER_STATEMENT` rows, in one transaction.
/// SQLite looks each `$n` up by name in a list of all of the statement's parameters
/// (`sqlite3_bind_parameter_name`), so binding is quadratic in the parameters per statement:
/// at bulk_insert's 30,000 it took 80 s for the 20,000-children set, 90% of it in that lookup.
async fn insert(store: &Store, tables: &[&Rows]) -> anyhow::Result<()> {
    const ROWS_PER_STATEMENT: usize = 50;
    let mut parts: Vec<Rows> = Vec::new();
    for t in tables {
        for chunk in t.rows.chunks(ROWS_PER_STATEMENT) {
            let mut part = Rows::new(t.table, t.columns);
            for r in chunk {
                part.push(r.clone());
            }
            parts.push(part);
        }
    }
    let refs: Vec<&Rows> = parts.iter().collect();
    store.bulk_insert(&refs).await?;
    Ok(())
}

/// Seed one center with `n` power-dependent children and open the incident.
async fn seed(store: &Store, n: usize, seed: u64) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now = Utc::now();
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    let center = store
        .add_center(
            "triage",
            "東京都医療的ケア児支援センター（ベンチ）",
            TRIAGE_PREFECTURE,
            now,
        )
        .await
        .map_err(crate::print_store_error)?;
    let password = store::users::generate_password(&["bench.triage.advisor", "ベンチ 相談員"]);
    let advisor = store
        .add_user(
            store::users::NewUser {
                center_code: "triage",
                login: "bench.triage.advisor",
                display_name: "ベンチ 相談員",
                role: Role::Advisor,
                password: &password,
                professions: vec!["nurse".into()],
                municipalities: Vec::new(),
            },
            now,
        )
        .await
        .map_err(crate::print_store_error)?;
    let token = store
        .create_token(&advisor.login, 1, now)
        .await
        .map_err(crate::print_store_error)?;

    let places = areas(TRIAGE_PREFECTURE);
    let today = now.date_naive();
    let stamp = store::ts(now);
    let mut children = Rows::new("children", CHILD_COLUMNS);
    let mut power = Rows::new("child_devices", POWER_DEVICE_COLUMNS);
    let mut sources = Rows::new("child_power", CHILD_POWER_COLUMNS);
    let mut units = Rows::new("power_units", UNIT_COLUMNS);
    let mut guardians = Rows::new("guardians", GUARDIAN_COLUMNS);
    let mut ids: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let (fam, fam_k) = *g.pick(FAMILY);
        let (given, given_k) = *g.pick(GIVEN);
        let birth: NaiveDate = today - Duration::days(g.rng.gen_range(30..18 * 365));
        let id = g.id(now);
        let muni = g.pick(&places).clone();
        children.push(vec![
            id.clone().into(),
            center.id.clone().into(),
            fam.into(),
            given.into(),
            fam_k.into(),
            given_k.into(),
            normalize_for_search(&format!("{fam_k}{given_k}")).into(),
            normalize_for_search(&format!("{fam}{given}")).into(),
            normalize_for_search(given_k).into(),
            normalize_for_search(given).into(),
            birth.to_string().into(),
            (if g.rng.gen_bool(0.5) {
                "female"
            } else {
                "male"
            })
            .into(),
            muni.into(),
            "（架空住所）".into(),
            Cell::Null,
            "at_home".into(),
            "active".into(),
            birth.to_string().into(),
            false.into(),
            1.into(),
            stamp.clone().into(),
            stamp.clone().into(),
        ]);
        // About 10% have a gap in their data; half of those have their devices listed with
        // a battery time at most (no power details yet, so no draw: unknown when portable
        // power is shared).
        let gap = g.rng.gen_bool(0.10);
        let record_only = gap && g.rng.gen_bool(0.5);
        let count = g.rng.gen_range(1..=3usize);
        let mut kinds: Vec<usize> = Vec::new();
        // Most have a ventilator or oxygen first; the rest any kind.
        let first = if g.rng.gen_bool(0.7) {
            g.rng.gen_range(0..2)
        } else {
            g.rng.gen_range(0..KINDS.len())
        };
        kinds.push(first);
        while kinds.len() < count {
            let k = g.rng.gen_range(0..KINDS.len());
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        let gap_at = g.rng.gen_range(0..kinds.len());
        for (pos, &k) in kinds.iter().enumerate() {
            let (code, name, (lo, hi), continuous) = KINDS[k];
            let internal: Option<i64> = Some(g.rng.gen_range(30..=600));
            if record_only {
                let battery = if pos == gap_at { None } else { internal };
                power.push(vec![
                    g.id(now).into(),
                    id.clone().into(),
                    i64::try_from(pos).unwrap_or(0).into(),
                    code.into(),
                    Some(name.to_string()).into(),
                    true.into(),
                    // Typed nulls: PostgreSQL will not take an untyped one for an integer.
                    Option::<i64>::None.into(),
                    battery.into(),
                    0.into(),
                    Option::<i64>::None.into(),
                    60.into(),
                    Cell::Null,
                ]);
                continue;
            }
            let spare_count: i64 = if g.rng.gen_bool(0.4) {
                g.rng.gen_range(1..=2)
            } else {
                0
            };
            let mut spare_minutes = (spare_count > 0).then(|| g.rng.gen_range(60..=300));
            let mut watts = Some(g.rng.gen_range(lo..=hi));
            let mut internal = internal;
            if gap && pos == gap_at {
                match g.rng.gen_range(0..3) {
                    0 => internal = None,
                    1 if spare_count > 0 => spare_minutes = None,
                    _ => watts = None,
                }
            }
            let minutes_per_hour: i64 = if continuous {
                60
            } else {
                g.rng.gen_range(5..=45)
            };
            power.push(vec![
                g.id(now).into(),
                id.clone().into(),
                i64::try_from(pos).unwrap_or(0).into(),
                code.into(),
                Some(name.to_string()).into(),
                true.into(),
                watts.into(),
                internal.into(),
                spare_count.into(),
                spare_minutes.into(),
                minutes_per_hour.into(),
                Cell::Null,
            ]);
        }
        if !record_only {
            // A missing draw only matters when portable power is shared: give those children
            // a station so the gap shows.
            let portable: i64 = if gap || g.rng.gen_bool(0.35) {
                *g.pick(&[300i64, 500, 1000, 1500, 2000])
            } else {
                0
            };
            let oxygen: i64 = if kinds.contains(&1) {
                g.rng.gen_range(0..=12)
            } else {
                0
            };
            sources.push(vec![
                id.clone().into(),
                portable.into(),
                g.rng.gen_bool(0.2).into(),
                g.rng.gen_bool(0.05).into(),
                oxygen.into(),
                Cell::Null,
                advisor.user_id.clone().into(),
                stamp.clone().into(),
            ]);
        }
        // About 12% were handed a unit by the center; a few gave it back.
        if g.rng.gen_bool(0.12) {
            let returned = g.rng.gen_bool(0.1);
            units.push(vec![
                g.id(now).into(),
                center.id.clone().into(),
                id.clone().into(),
                (today - Duration::days(g.rng.gen_range(10..700)))
                    .to_string()
                    .into(),
                "ポータブル電源（貸与）".into(),
                (*g.pick(&[500i64, 1000, 1500])).into(),
                Some(format!("SN{:08}", g.rng.gen_range(0..100_000_000u32))).into(),
                returned.then(|| today.to_string()).into(),
                advisor.user_id.clone().into(),
                stamp.clone().into(),
            ]);
        }
        let (parent, parent_k) = *g.pick(PARENT);
        let second = g.rng.gen_bool(0.6);
        let phone2 = g.rng.gen_bool(0.3).then(|| g.mobile());
        guardians.push(vec![
            g.id(now).into(),
            id.clone().into(),
            0.into(),
            format!("{fam} {parent}").into(),
            Some(format!("{fam_k} {parent_k}")).into(),
            (if g.rng.gen_bool(0.7) { "母" } else { "父" }).into(),
            Some(g.mobile()).into(),
            phone2.into(),
            true.into(),
        ]);
        if second {
            let (other, other_k) = *g.pick(PARENT);
            guardians.push(vec![
                g.id(now).into(),
                id.clone().into(),
                1.into(),
                format!("{fam} {other}").into(),
                Some(format!("{fam_k} {other_k}")).into(),
                "祖母".into(),
                Some(g.mobile()).into(),
                Cell::Null,
                false.into(),
            ]);
        }
        ids.push(id);
    }
    insert(store, &[&children, &power, &sources, &units, &guardians]).await?;

    // The incident, through the audited use case: the whole prefecture, three hours ago.
    let start = (now - Duration::hours(3)).with_timezone(&domain::dates::jst());
    let incident_id = store
        .open_incident(
            &advisor,
            &IncidentInput {
                title: "ベンチ：都内全域の停電".into(),
                municipality_codes: vec![TRIAGE_PREFECTURE.into()],
                started_at: start.format("%Y-%m-%dT%H:%M").to_string(),
                expected_restoration_at: String::new(),
            },
            now,
        )
        .await
        .map_err(crate::print_store_error)?;
    // A few hundred check-ins: one child in 40 called (10–400 children), 1–3 calls each.
    let called = (n / 40).clamp(10.min(n), 400);
    let mut checkins = Rows::new("checkins", CHECKIN_COLUMNS);
    let statuses = CheckinStatus::all();
    for k in 0..called {
        let child = g.pick(&ids).clone();
        for _ in 0..g.rng.gen_range(1..=3) {
            let at = now - Duration::minutes(170) + Duration::seconds(g.rng.gen_range(0..10_000));
            let status = statuses[(k + g.rng.gen_range(0..statuses.len())) % statuses.len()];
            checkins.push(vec![
                g.id(at).into(),
                incident_id.clone().into(),
                child.clone().into(),
                status.code().into(),
                g.rng
                    .gen_bool(0.3)
                    .then(|| "バッテリー残量を確認".to_string())
                    .into(),
                store::ts(at).into(),
                advisor.user_id.clone().into(),
            ]);
        }
    }
    insert(store, &[&checkins]).await?;
    store.analyze().await?;
    let line = format!(
        "seeded in {:.1} s: {} children, {} devices, {} household \
         sources, {} handed-out units, {} guardians, {} check-ins",
        started.elapsed().as_secs_f64(),
        children.len(),
        power.len(),
        sources.len(),
        units.len(),
        guardians.len(),
        checkins.len()
    );
    Ok(Seeded {
        incident_id,
        token,
        line,
    })
}

/// Sequential GETs on one keep-alive connection: `warmups` untimed, then `n` timed.
async fn time_get(
    http: &reqwest::Client,
    name: &str,
    url: &str,
    token: Option<&str>,
    warmups: usize,
    n: usize,
    pid: u32,
) -> anyhow::Result<(Timed, Vec<u8>)> {
    let get = || {
        let r = http.get(url);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    };
    let mut body = Vec::new();
    for _ in 0..warmups {
        let r = get().send().await?;
        let status = r.status();
        body = r.bytes().await?.to_vec();
        if status != 200 {
            bail!(
                "{name}: status {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            );
        }
    }
    let mut lat: Vec<f64> = Vec::with_capacity(n);
    let cpu_before = cpu_seconds(pid);
    for _ in 0..n {
        let t = Instant::now();
        let r = get().send().await?;
        let status = r.status();
        body = r.bytes().await?.to_vec();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!("{name}: status {status}");
        }
    }
    let cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000.0 / n.max(1) as f64;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let idx = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[idx]
    };
    Ok((
        Timed {
            name: name.to_string(),
            p50: pct(0.50),
            p95: pct(0.95),
            max: lat.last().copied().unwrap_or(0.0),
            bytes: body.len(),
            cpu_ms,
        },
        body,
    ))
}

/// Times reading the whole list page by page (1,000 rows each), as a client exporting it
/// would: one walk untimed, then `requests / 5` (at least 3) timed walks. Answers the figures
/// and the last walk's rows in order: (child id, estimate known).
async fn time_walk(
    http: &reqwest::Client,
    triage: &str,
    token: &str,
    opts: &TriageOptions,
    pid: u32,
) -> anyhow::Result<(Timed, Vec<(String, bool)>)> {
    let walk = || async {
        let mut listed: Vec<(String, bool)> = Vec::new();
        let mut bytes = 0usize;
        loop {
            let r = http
                .get(format!("{triage}?limit=1000&offset={}", listed.len()))
                .bearer_auth(token)
                .send()
                .await?;
            let status = r.status();
            let body = r.bytes().await?;
            if status != 200 {
                bail!("walk: status {status}");
            }
            bytes += body.len();
            let page: serde_json::Value = serde_json::from_slice(&body)?;
            let rows = page["rows"].as_array().cloned().unwrap_or_default();
            let total = usize::try_from(page["counts"]["total"].as_i64().unwrap_or(0))?;
            for row in &rows {
                listed.push((
                    row["child_id"].as_str().unwrap_or_default().to_string(),
                    row["estimate"]["status"] == "known",
                ));
            }
            if rows.is_empty() || listed.len() >= total {
                return Ok::<_, anyhow::Error>((listed, bytes));
            }
        }
    };
    let (mut listed, mut bytes) = walk().await?;
    let n = (opts.requests / 5).max(3);
    let mut lat = Vec::with_capacity(n);
    let cpu_before = cpu_seconds(pid);
    for _ in 0..n {
        let t = Instant::now();
        (listed, bytes) = walk().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000.0 / n as f64;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    Ok((
        Timed {
            name: format!("every page at limit=1000 ({n} timed walks)"),
            p50: pct(0.5),
            p95: pct(0.95),
            max: lat.last().copied().unwrap_or(0.0),
            bytes,
            cpu_ms,
        },
        listed,
    ))
}

/// Seed, serve and time one case.
async fn run_case(
    case: &'static str,
    children: usize,
    target_ms: f64,
    opts: &TriageOptions,
) -> anyhow::Result<CaseReport> {
    let url = fresh_database(opts, children).await?;
    let store = Store::connect(&url).await?;
    let backend = store.backend().name().to_string();
    println!("== {case}: {children} children ({backend}) ==");
    let seeded = seed(&store, children, opts.seed).await?;
    println!("  {}", seeded.line);
    // The server gets the database to itself.
    store.close().await;
    let (server, _) = start_server(&url).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()?;
    let base = &server.base;
    let mut timed = Vec::new();
    let (t, _) = time_get(
        &http,
        "baseline GET /healthz",
        &format!("{base}/healthz"),
        None,
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let (t, _) = time_get(
        &http,
        "baseline GET /api/v1/incidents",
        &format!("{base}/api/v1/incidents"),
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let triage = format!("{base}/api/v1/incidents/{}/triage", seeded.incident_id);
    let (t, body) = time_get(
        &http,
        "GET …/triage (first page, 100 rows)",
        &triage,
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let first_page: serde_json::Value =
        serde_json::from_slice(&body).context("the triage answer is not JSON")?;
    let (t, _) = time_get(
        &http,
        "GET …/triage?limit=1000",
        &format!("{triage}?limit=1000"),
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let (t, listed) = time_walk(&http, &triage, &seeded.token, opts, server.pid).await?;
    timed.push(t);
    drop(server);
    let total = first_page["counts"]["total"].as_i64().unwrap_or(-1);
    let unknown = first_page["counts"]["unknown"].as_i64().unwrap_or(-1);
    // Every seeded child depends on power and lives in the prefecture: all must be listed,
    // unknown estimates first, and the pages together hold each child once.
    let page_rows = first_page["rows"].as_array().map_or(0, Vec::len);
    if total != i64::try_from(children).unwrap_or(-1) || page_rows != children.min(100) {
        bail!("the triage counted {total} and showed {page_rows} rows for {children} children");
    }
    let mut ids: Vec<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if listed.len() != children || ids.len() != children {
        bail!(
            "walking every page listed {} rows, {} children, for {children}",
            listed.len(),
            ids.len()
        );
    }
    if unknown <= 0 && children >= 50 {
        bail!("no unknown estimates on the list; the generator should make some");
    }
    let first_known = listed
        .iter()
        .position(|(_, known)| *known)
        .unwrap_or(listed.len());
    if i64::try_from(first_known).unwrap_or(-1) != unknown
        || listed[first_known..].iter().any(|(_, known)| !known)
    {
        bail!("unknown estimates are not listed first");
    }
    drop_database(opts, children).await?;
    Ok(CaseReport {
        case,
        backend,
        children,
        rows: total,
        unknown,
        seeded: seeded.line,
        target_ms,
        timed,
    })
}

/// Run the cases: the prefecture-sized one (if any, and smaller), then all children.
pub async fn run(opts: &TriageOptions) -> anyhow::Result<Vec<CaseReport>> {
    if opts.children == 0 || opts.requests == 0 {
        bail!("--children and --requests must be at least 1");
    }
    let mut reports = Vec::new();
    if opts.prefecture_children > 0 && opts.prefecture_children < opts.children {
        reports.push(
            run_case(
                "prefecture",
                opts.prefecture_children,
                PREFECTURE_TARGET_MS,
                opts,
            )
            .await?,
        );
    }
    reports.push(run_case("all children", opts.children, ALL_TARGET_MS, opts).await?);
    Ok(reports)
}

/// The Markdown tables of one invocation.
pub fn table(reports: &[CaseReport], opts: &TriageOptions) -> String {
    let mut s = String::new();
    for r in reports {
        let (health, list) = match r.timed.as_slice() {
            [h, l, ..] => (h.p50.max(1e-9), l.p50.max(1e-9)),
            _ => (1.0, 1.0),
        };
        s.push_str(&format!(
            "{} · triage, {} · {} power-dependent children in 東京都 · {} sequential requests \
             after {} warm-ups\n\n\
             | request | rows | bytes | p50 ms | p95 ms | max ms | server CPU ms/req | p50 ratio to /healthz | p50 ratio to /api/v1/incidents |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            r.backend, r.case, r.children, opts.requests, opts.warmups
        ));
        for (i, t) in r.timed.iter().enumerate() {
            let rows = match i {
                0 => String::new(),
                1 => "1".to_string(),
                2 => r.rows.min(100).to_string(),
                3 => r.rows.min(1000).to_string(),
                _ => r.rows.to_string(),
            };
            s.push_str(&format!(
                "| {} | {rows} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.1} |\n",
                t.name,
                t.bytes,
                t.p50,
                t.p95,
                t.max,
                t.cpu_ms,
                t.p50 / health,
                t.p50 / list
            ));
        }
        s.push_str(&format!(
            "\n{}; {} unknown estimates listed first\n\n",
            r.seeded, r.unknown
        ));
    }
    s.push_str(
        "| case | children | triage p50 ms | triage p95 ms | target | met (p95)? |\n|---|---:|---:|---:|---|---|\n",
    );
    for r in reports {
        // The target applies to the list as the API answers it: its first page.
        if let Some(t) = r.timed.get(2) {
            s.push_str(&format!(
                "| {} ({}) | {} | {:.1} | {:.1} | < {:.0} ms | {} |\n",
                r.case,
                r.backend,
                r.children,
                t.p50,
                t.p95,
                r.target_ms,
                if t.p95 < r.target_ms { "yes" } else { "**no**" }
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[tokio::test]
    async fn seeding_lists_every_child_with_some_unknown_estimates() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let seeded = seed(&store, 200, 7).await.unwrap();
        let actor = store
            .token_actor(&seeded.token, Utc::now())
            .await
            .unwrap()
            .unwrap();
        let t = store
            .triage(
                &actor,
                &seeded.incident_id,
                store::disaster::TriagePage::parse("", "1000").unwrap(),
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(t.rows.len(), 200);
        assert!(t.counts.unknown > 0 && t.counts.unknown < 60);
        assert!(t.rows.iter().all(|r| !r.contacts.is_empty()));
        assert!(t.rows.iter().any(|r| r.checkin.is_some()));
    }
}
