//! `tsunagu bench seed`: a deterministic synthetic dataset at national scale.
//!
//! One center per prefecture (47), children, coordinators and organizations shared out by the
//! prefecture's number of municipalities (a stand-in for its size), and consultations over five
//! complete fiscal years (令和3年度–令和7年度). Names are assembled from the demo's kana/kanji
//! parts; nothing describes a real person. Same seed, same scale ⇒ the same rows, ids included.

use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::kana::normalize_for_search;
use domain::municipality::LocalGovKind;
use domain::vocab::{entries, VocabKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::bulk::{Cell, Rows};
use store::Store;

use crate::demo::{areas, FAMILY, GIVEN, PARENT, RESPONSES, STAFF, SUMMARIES};

/// Password of every generated login (fictional benchmark data only).
pub const BENCH_PASSWORD: &str = "tsunagu-bench-2026";
/// First fiscal year of generated consultations (令和3年度).
pub const FIRST_FISCAL_YEAR: i32 = 2021;
/// Number of complete fiscal years generated.
pub const FISCAL_YEARS: i32 = 5;
/// Default generator seed.
pub const DEFAULT_SEED: u64 = 20_000;

/// How much data to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// Name used on the command line and in tables.
    pub name: &'static str,
    /// Registered children.
    pub children: usize,
    /// Coordinator logins.
    pub coordinators: usize,
    /// Organizations.
    pub organizations: usize,
    /// Consultations over the five fiscal years.
    pub consultations: usize,
}

impl Scale {
    /// Every scale the tools know.
    pub const ALL: [Scale; 3] = [
        Scale {
            name: "national",
            children: 20_000,
            coordinators: 2_000,
            organizations: 20_000,
            consultations: 2_000_000,
        },
        Scale {
            name: "tenth",
            children: 2_000,
            coordinators: 200,
            organizations: 2_000,
            consultations: 200_000,
        },
        // CI smoke test: every path runs, in seconds.
        Scale {
            name: "smoke",
            children: 2_000,
            coordinators: 200,
            organizations: 2_000,
            consultations: 20_000,
        },
    ];

    /// Look a scale up by name.
    pub fn parse(name: &str) -> anyhow::Result<Scale> {
        match Scale::ALL.iter().find(|s| s.name == name) {
            Some(s) => Ok(*s),
            None => bail!("unknown scale {name}: use national, tenth or smoke"),
        }
    }
}

/// What the generator wrote.
#[derive(Clone, Debug, Default)]
pub struct SeedSummary {
    /// Rows written per table.
    pub rows: Vec<(&'static str, u64)>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Logins of one generated center, for the bench runner.
pub fn center_login(prefecture_code: &str, who: &str) -> String {
    format!("bench.{}.{who}", &prefecture_code[..2])
}

/// Split `total` over `weights` (largest remainder), so the parts always add up.
fn share(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut parts: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((total * weights[i]) % sum));
    let mut left = total - parts.iter().sum::<usize>();
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.rng.gen_range(0..v.len())]
    }
    /// A UUIDv7 whose time part is `at` and whose random part comes from the seeded generator.
    fn id(&mut self, at: chrono::DateTime<Utc>) -> String {
        let bytes: [u8; 10] = self.rng.gen();
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes)
            .into_uuid()
            .to_string()
    }
    fn phone(&mut self, mobile: bool) -> String {
        if mobile {
            format!(
                "090-{:04}-{:04}",
                self.rng.gen_range(0..10000),
                self.rng.gen_range(0..10000)
            )
        } else {
            format!(
                "0{}-{:03}-{:04}",
                self.rng.gen_range(10..99),
                self.rng.gen_range(0..1000),
                self.rng.gen_range(0..10000)
            )
        }
    }
}

fn codes(kind: VocabKind) -> Vec<String> {
    entries(kind).iter().map(|e| e.code.clone()).collect()
}

struct CenterSeed {
    id: String,
    areas: Vec<String>,
    writers: Vec<String>,
    coordinators: Vec<String>,
    hospitals: Vec<String>,
    /// (child id, birth date, municipality)
    children: Vec<(String, NaiveDate, String)>,
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
    "primary_hospital_id",
    "status",
    "status_since",
    "uses_no_welfare",
    "version",
    "created_at",
    "updated_at",
];
const CONSULTATION_COLUMNS: &[&str] = &[
    "id",
    "center_id",
    "occurred_at",
    "occurred_on",
    "channel",
    "requester_kind",
    "child_id",
    "person_id",
    "summary",
    "response",
    "staff_id",
    "duration_minutes",
    "followup_due",
    "followup_assignee_id",
    "followup_done_at",
    "municipality_code",
    "created_at",
    "updated_at",
];

/// Generate and load the dataset into an empty database, reporting progress through `progress`.
pub async fn seed(
    store: &Store,
    scale: Scale,
    seed: u64,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<SeedSummary> {
    if store.center_count().await? != 0 {
        bail!("the database already holds data; bench seed needs an empty database");
    }
    let started = Instant::now();
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    let mut summary = SeedSummary::default();
    let mut count =
        |table: &'static str, n: u64| match summary.rows.iter_mut().find(|(t, _)| *t == table) {
            Some((_, c)) => *c += n,
            None => summary.rows.push((table, n)),
        };
    let created = Utc
        .with_ymd_and_hms(FIRST_FISCAL_YEAR, 3, 1, 0, 0, 0)
        .single()
        .context("seed epoch")?;
    let password_hash = store::users::hash_password(BENCH_PASSWORD)?;
    let prefectures: Vec<(String, String)> = domain::municipality::all()
        .iter()
        .filter(|m| m.kind == LocalGovKind::Prefecture)
        .map(|m| (m.code.clone(), m.name.clone()))
        .collect();
    let area_lists: Vec<Vec<String>> = prefectures.iter().map(|(c, _)| areas(c)).collect();
    let weights: Vec<usize> = area_lists.iter().map(Vec::len).collect();
    let children_per = share(scale.children, &weights);
    let coordinators_per = share(scale.coordinators, &weights);
    let orgs_per = share(scale.organizations, &weights);
    let consultations_per = share(scale.consultations, &children_per);

    let care_codes = codes(VocabKind::MedicalCareItem);
    let welfare_codes = codes(VocabKind::WelfareService);
    let org_kinds = entries(VocabKind::OrganizationKind);

    // Centers go through the audited use case; the bulk rows below are synthetic.
    let mut centers: Vec<CenterSeed> = Vec::new();
    for (i, (code, name)) in prefectures.iter().enumerate() {
        let slug = format!("pref{}", &code[..2]);
        let c = store
            .add_center(
                &domain::center::new_center(
                    &slug,
                    &format!("{name}医療的ケア児支援センター（ベンチ）"),
                    code,
                )
                .map_err(|e| crate::print_store_error(e.into()))?,
                created,
            )
            .await
            .map_err(crate::print_store_error)?;
        let mut users = Rows::new(
            "users",
            &[
                "id",
                "center_id",
                "login",
                "display_name",
                "role",
                "professions",
                "municipality_codes",
                "password_hash",
                "disabled",
                "failed_logins",
                "created_at",
            ],
        );
        let mut seed_center = CenterSeed {
            id: c.id.clone(),
            areas: area_lists[i].clone(),
            writers: Vec::new(),
            coordinators: Vec::new(),
            hospitals: Vec::new(),
            children: Vec::new(),
        };
        let mut staff: Vec<(String, &str, String, String)> = vec![
            (
                center_login(code, "admin"),
                "admin",
                String::new(),
                String::new(),
            ),
            (
                center_login(code, "advisor"),
                "advisor",
                "nurse".into(),
                String::new(),
            ),
            (
                center_login(code, "consult1"),
                "consultant",
                "social_worker".into(),
                String::new(),
            ),
            (
                center_login(code, "consult2"),
                "consultant",
                "nurse".into(),
                String::new(),
            ),
            (
                center_login(code, "city"),
                "municipal",
                String::new(),
                seed_center.areas[0].clone(),
            ),
        ];
        for k in 0..coordinators_per[i] {
            let prof = if k % 2 == 0 { "nurse" } else { "social_worker" };
            staff.push((
                center_login(code, &format!("coord{:03}", k + 1)),
                "coordinator",
                prof.into(),
                String::new(),
            ));
        }
        for (login, role, professions, munis) in staff {
            let id = g.id(created);
            if matches!(role, "advisor" | "consultant") {
                seed_center.writers.push(id.clone());
            }
            if role == "coordinator" {
                seed_center.coordinators.push(id.clone());
            }
            let display = g.pick(STAFF).to_string();
            users.push(vec![
                id.into(),
                c.id.clone().into(),
                login.into(),
                display.into(),
                role.into(),
                professions.into(),
                munis.into(),
                password_hash.clone().into(),
                0.into(),
                0.into(),
                store::ts(created).into(),
            ]);
        }
        let mut orgs = Rows::new(
            "organizations",
            &[
                "id",
                "center_id",
                "kind",
                "name",
                "municipality_code",
                "phone",
                "created_at",
            ],
        );
        for k in 0..orgs_per[i] {
            let kind = &org_kinds[k % org_kinds.len()];
            let muni = g.pick(&seed_center.areas).clone();
            let id = g.id(created);
            if kind.code == "hospital" {
                seed_center.hospitals.push(id.clone());
            }
            let place = domain::municipality::lookup(&muni)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            let phone = g.phone(false);
            orgs.push(vec![
                id.into(),
                c.id.clone().into(),
                kind.code.clone().into(),
                format!("{place}{}{}（架空）", kind.ja, k + 1).into(),
                muni.into(),
                phone.into(),
                store::ts(created).into(),
            ]);
        }
        store.bulk_insert(&[&users, &orgs]).await?;
        count("users", users.len() as u64);
        count("organizations", orgs.len() as u64);
        centers.push(seed_center);
    }
    progress(&format!(
        "centers {}, users and organizations loaded ({:.1} s)",
        centers.len(),
        started.elapsed().as_secs_f64()
    ));

    // Children: reference date is the end of the last generated fiscal year.
    let reference = NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR + FISCAL_YEARS, 3, 31)
        .context("reference date")?;
    for (i, c) in centers.iter_mut().enumerate() {
        let mut children = Rows::new("children", CHILD_COLUMNS);
        let mut care = Rows::new("child_medical_care", &["child_id", "code", "detail"]);
        let mut welfare = Rows::new("child_welfare_services", &["child_id", "code"]);
        let mut guardians = Rows::new(
            "guardians",
            &[
                "id",
                "child_id",
                "position",
                "name",
                "name_kana",
                "relation",
                "phone",
                "is_primary",
            ],
        );
        let mut devices = Rows::new(
            "child_devices",
            &[
                "id",
                "child_id",
                "position",
                "kind",
                "name",
                "uses_electricity",
                "internal_minutes",
                "spare_count",
                "minutes_per_hour",
            ],
        );
        let mut coords = Rows::new("child_coordinators", &["child_id", "user_id"]);
        for _ in 0..children_per[i] {
            let (fam, fam_k) = *g.pick(FAMILY);
            let (given, given_k) = *g.pick(GIVEN);
            let birth = reference - Duration::days(g.rng.gen_range(30..18 * 365));
            let id = g.id(created);
            let muni = g.pick(&c.areas).clone();
            let ventilator = g.rng.gen_bool(0.15);
            let mut items: Vec<String> = Vec::new();
            if ventilator {
                items.extend(["ventilator".to_string(), "tracheostomy".to_string()]);
            }
            for _ in 0..g.rng.gen_range(1..4) {
                let code = g.pick(&care_codes).clone();
                if !items.contains(&code) {
                    items.push(code);
                }
            }
            let services: Vec<String> = if g.rng.gen_bool(0.3) {
                Vec::new()
            } else {
                let mut v = vec![g.pick(&welfare_codes).clone()];
                let second = g.pick(&welfare_codes).clone();
                if g.rng.gen_bool(0.4) && !v.contains(&second) {
                    v.push(second);
                }
                v
            };
            let hospital: Option<String> = if c.hospitals.is_empty() {
                None
            } else {
                Some(g.pick(&c.hospitals).clone())
            };
            let status = if g.rng.gen_bool(0.03) {
                "moved_out"
            } else {
                "active"
            };
            let phone = g.phone(false);
            children.push(vec![
                id.clone().into(),
                c.id.clone().into(),
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
                muni.clone().into(),
                "（架空住所）".into(),
                phone.into(),
                "at_home".into(),
                hospital.into(),
                status.into(),
                birth.to_string().into(),
                services.is_empty().into(),
                1.into(),
                store::ts(created).into(),
                store::ts(created).into(),
            ]);
            for code in &items {
                care.push(vec![id.clone().into(), code.clone().into(), Cell::Null]);
            }
            for code in &services {
                welfare.push(vec![id.clone().into(), code.clone().into()]);
            }
            let (parent, parent_k) = *g.pick(PARENT);
            let gid = g.id(created);
            let phone = g.phone(true);
            guardians.push(vec![
                gid.into(),
                id.clone().into(),
                0.into(),
                format!("{fam} {parent}").into(),
                format!("{fam_k} {parent_k}").into(),
                (if g.rng.gen_bool(0.7) { "母" } else { "父" }).into(),
                phone.into(),
                true.into(),
            ]);
            if ventilator {
                let did = g.id(created);
                let minutes: i64 = g.rng.gen_range(60..600);
                devices.push(vec![
                    did.into(),
                    id.clone().into(),
                    0.into(),
                    "ventilator".into(),
                    Some("人工呼吸器".to_string()).into(),
                    true.into(),
                    Some(minutes).into(),
                    0.into(),
                    60.into(),
                ]);
            }
            if !c.coordinators.is_empty() {
                let coordinator = g.pick(&c.coordinators).clone();
                coords.push(vec![id.clone().into(), coordinator.into()]);
            }
            c.children.push((id, birth, muni));
        }
        store
            .bulk_insert(&[&children, &care, &welfare, &guardians, &devices, &coords])
            .await?;
        for r in [&children, &care, &welfare, &guardians, &devices, &coords] {
            count(r.table, r.len() as u64);
        }
    }
    progress(&format!(
        "children {} loaded ({:.1} s)",
        scale.children,
        started.elapsed().as_secs_f64()
    ));

    let channels = codes(VocabKind::ConsultationChannel);
    let requesters = codes(VocabKind::RequesterKind);
    let topics = codes(VocabKind::ConsultationTopic);
    let jst = domain::dates::jst();
    let first_day = NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR, 4, 1).context("first day")?;
    let span_days = (reference - first_day).num_days() + 1;
    let mut written = 0usize;
    let mut last_report = Instant::now();
    const BATCH: usize = 20_000;
    for (i, c) in centers.iter().enumerate() {
        let mut left = consultations_per[i];
        while left > 0 {
            let n = left.min(BATCH);
            left -= n;
            let mut consultations = Rows::new("consultations", CONSULTATION_COLUMNS);
            let mut topic_rows = Rows::new(
                "consultation_topics",
                &["consultation_id", "code", "center_id", "occurred_at"],
            );
            let mut persons = Rows::new(
                "persons",
                &[
                    "id",
                    "center_id",
                    "name",
                    "name_kana",
                    "anonymous",
                    "created_at",
                ],
            );
            for _ in 0..n {
                let day = first_day + Duration::days(g.rng.gen_range(0..span_days));
                let minute = g.rng.gen_range(8 * 60 + 30..18 * 60);
                let local = day
                    .and_hms_opt(minute / 60, minute % 60, g.rng.gen_range(0..60))
                    .context("time of day")?;
                let at = jst
                    .from_local_datetime(&local)
                    .single()
                    .context("JST time")?
                    .with_timezone(&Utc);
                let id = g.id(at);
                let roll: f64 = g.rng.gen();
                // A consultation is about a child already born on that day; a few tries find
                // one, as most registered children were born before the period.
                let mut about_child = None;
                if roll < 0.85 && !c.children.is_empty() {
                    for _ in 0..4 {
                        let (cid, birth, muni) = g.pick(&c.children);
                        if *birth <= day {
                            about_child = Some((cid.clone(), muni.clone()));
                            break;
                        }
                    }
                }
                let (child_id, person_id, muni): (Option<String>, Option<String>, Option<String>) =
                    match about_child {
                        Some((cid, muni)) => (Some(cid), None, Some(muni)),
                        None => {
                            let pid = g.id(at);
                            let anonymous = roll >= 0.95;
                            let (fam, fam_k) = *g.pick(FAMILY);
                            persons.push(vec![
                                pid.clone().into(),
                                c.id.clone().into(),
                                (!anonymous).then(|| format!("{fam} 様")).into(),
                                (!anonymous).then(|| fam_k.to_string()).into(),
                                anonymous.into(),
                                store::ts(at).into(),
                            ]);
                            (None, Some(pid), None)
                        }
                    };
                let channel = if g.rng.gen_bool(0.6) {
                    "phone".to_string()
                } else {
                    g.pick(&channels).clone()
                };
                let requester = g.pick(&requesters).clone();
                let staff = g.pick(&c.writers).clone();
                let minutes: i64 = g.rng.gen_range(5..90);
                let followup = g.rng.gen_bool(0.1);
                let due = followup.then(|| (day + Duration::days(7)).to_string());
                let done = followup.then(|| store::ts(at + Duration::days(5)));
                let mut chosen: Vec<String> = Vec::new();
                for _ in 0..g.rng.gen_range(1..4) {
                    let t = g.pick(&topics).clone();
                    if !chosen.contains(&t) {
                        chosen.push(t);
                    }
                }
                for t in chosen {
                    topic_rows.push(vec![
                        id.clone().into(),
                        t.into(),
                        c.id.clone().into(),
                        store::ts(at).into(),
                    ]);
                }
                consultations.push(vec![
                    id.into(),
                    c.id.clone().into(),
                    store::ts(at).into(),
                    day.to_string().into(),
                    channel.into(),
                    requester.into(),
                    child_id.into(),
                    person_id.into(),
                    g.pick(SUMMARIES).to_string().into(),
                    g.pick(RESPONSES).to_string().into(),
                    staff.clone().into(),
                    Some(minutes).into(),
                    due.into(),
                    followup.then_some(staff).into(),
                    done.into(),
                    muni.into(),
                    store::ts(at).into(),
                    store::ts(at).into(),
                ]);
            }
            store
                .bulk_insert(&[&persons, &consultations, &topic_rows])
                .await?;
            for r in [&persons, &consultations, &topic_rows] {
                count(r.table, r.len() as u64);
            }
            written += n;
            if last_report.elapsed().as_secs() >= 5 || written == scale.consultations {
                last_report = Instant::now();
                progress(&format!(
                    "consultations {written}/{} ({:.0}%, {:.1} s)",
                    scale.consultations,
                    100.0 * written as f64 / scale.consultations.max(1) as f64,
                    started.elapsed().as_secs_f64()
                ));
            }
        }
    }
    progress("building the report aggregates…");
    store.rebuild_consultation_stats().await?;
    store.analyze().await?;
    summary.seconds = started.elapsed().as_secs_f64();
    progress(&format!("done in {:.1} s", summary.seconds));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn shares_always_add_up_to_the_total() {
        for total in [0, 1, 47, 2_000, 20_000, 2_000_000] {
            let parts = share(total, &[179, 40, 33, 1, 62, 0]);
            assert_eq!(parts.iter().sum::<usize>(), total);
            assert_eq!(parts[5], 0, "a zero weight gets nothing");
        }
    }

    #[test]
    fn scales_parse_by_name_and_unknown_names_are_refused() {
        assert_eq!(Scale::parse("national").unwrap().consultations, 2_000_000);
        assert_eq!(Scale::parse("tenth").unwrap().children, 2_000);
        assert!(Scale::parse("galactic").is_err());
    }

    async fn fingerprint(seed: u64) -> (Vec<(String, String)>, i64, i64, String) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let store = Store::connect(&url).await.unwrap();
        let tiny = Scale {
            name: "test",
            children: 120,
            coordinators: 50,
            organizations: 100,
            consultations: 1_500,
        };
        super::seed(&store, tiny, seed, |_| {}).await.unwrap();
        let children: Vec<(String, String)> =
            store::db::query_as("SELECT id, search_kana FROM children ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let consultations: i64 = store::db::query_scalar("SELECT COUNT(*) FROM consultations")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let ventilated: i64 = store::db::query_scalar(
            "SELECT COUNT(*) FROM child_medical_care WHERE code = 'ventilator'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        let last: String = store::db::query_scalar("SELECT MAX(id) FROM consultations")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(
            super::seed(&store, tiny, seed, |_| {}).await.is_err(),
            "a second seed into the same database is refused"
        );
        (children, consultations, ventilated, last)
    }

    #[tokio::test]
    async fn the_same_seed_gives_the_same_rows_and_another_seed_does_not() {
        let a = fingerprint(7).await;
        let b = fingerprint(7).await;
        let c = fingerprint(8).await;
        assert_eq!(a.0.len(), 120);
        assert_eq!(a.1, 1_500);
        assert!(a.2 > 0, "some children are on ventilators");
        assert_eq!(a, b);
        assert_ne!(a.0, c.0);
    }
}
