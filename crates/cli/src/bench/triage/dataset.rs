//! The generated center: power-dependent children, their devices, units, guardians and
//! check-ins, written with bulk inserts, and the open incident.

use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use domain::disaster::IncidentInput;
use domain::kana::normalize_for_search;
use domain::Role;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::bulk::{Cell, Rows};
use store::disaster::CheckinStatus;
use store::Store;

use crate::demo::{areas, FAMILY, GIVEN, PARENT};

use super::TRIAGE_PREFECTURE;

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

/// What the seeding wrote.
pub(super) struct Seeded {
    pub(super) incident_id: String,
    pub(super) token: String,
    pub(super) line: String,
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
pub(super) async fn seed(store: &Store, n: usize, seed: u64) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now = Utc::now();
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    let center = store
        .add_center(
            &domain::center::new_center(
                "triage",
                "東京都医療的ケア児支援センター（ベンチ）",
                TRIAGE_PREFECTURE,
            )
            .map_err(|e| crate::print_store_error(e.into()))?,
            now,
        )
        .await
        .map_err(crate::print_store_error)?;
    let password = store::users::generate_password(&["bench.triage.advisor", "ベンチ 相談員"]);
    let advisor = store
        .add_user(
            &domain::account::NewUser {
                center_code: "triage",
                login: "bench.triage.advisor",
                display_name: "ベンチ 相談員",
                role: Role::Advisor,
                password: &password,
                professions: vec!["nurse".into()],
                municipalities: Vec::new(),
            }
            .parse()
            .map_err(|e| crate::print_store_error(e.into()))?,
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
            }
            .parse(now)
            .map_err(|e| crate::print_store_error(e.into()))?,
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
