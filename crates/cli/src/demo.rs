//! The fictional demo dataset: the five seed center models (Kochi, Nara, Kitakyushu, Setagaya,
//! Toyama) with staff shaped like DESIGN.md, children with plausible medical care, and
//! consultations over three fiscal years. Every name is assembled from common kana/kanji parts;
//! no real child or family is represented. Deterministic: the same run gives the same data.

use chrono::{DateTime, Duration, Utc};
use domain::power::DeviceInput;
use domain::Role;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use store::children::{ChildForm, GuardianForm};
use store::consultations::{ConsultationForm, PersonForm};
use store::organizations::OrganizationForm;
use store::users::NewUser;
use store::{Actor, Store, StoreError};

/// Password of every demo login (printed by `tsunagu demo`; demo data only).
pub const DEMO_PASSWORD: &str = "hinata-demo-2026";

pub(crate) const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("岡田", "オカダ"),
    ("髙木", "タカギ"),
    ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"),
    ("近藤", "コンドウ"),
    ("坂本", "サカモト"),
];
pub(crate) const GIVEN: &[(&str, &str)] = &[
    ("陽翔", "ハルト"),
    ("蓮", "レン"),
    ("湊", "ミナト"),
    ("蒼", "アオイ"),
    ("樹", "イツキ"),
    ("悠真", "ユウマ"),
    ("結菜", "ユイナ"),
    ("陽葵", "ヒマリ"),
    ("芽依", "メイ"),
    ("紬", "ツムギ"),
    ("凛", "リン"),
    ("さくら", "サクラ"),
    ("葵", "アオイ"),
    ("大和", "ヤマト"),
    ("颯太", "ソウタ"),
    ("結衣", "ユイ"),
    ("美月", "ミツキ"),
    ("晴", "ハル"),
    ("こはる", "コハル"),
    ("一花", "イチカ"),
    ("律", "リツ"),
    ("朝陽", "アサヒ"),
    ("心春", "コハル"),
    ("奏", "カナデ"),
];
pub(crate) const PARENT: &[(&str, &str)] = &[
    ("美咲", "ミサキ"),
    ("由美", "ユミ"),
    ("直子", "ナオコ"),
    ("健太", "ケンタ"),
    ("大輔", "ダイスケ"),
    ("愛", "アイ"),
    ("裕子", "ユウコ"),
    ("拓也", "タクヤ"),
    ("真由美", "マユミ"),
    ("翔", "ショウ"),
];
pub(crate) const STAFF: &[&str] = &[
    "青木 光",
    "石田 恵",
    "上田 修",
    "遠藤 誠",
    "大野 優子",
    "川口 茂",
    "北村 陽子",
    "工藤 進",
    "小松 智子",
    "斉藤 学",
    "酒井 久美",
    "島田 勝",
    "杉山 薫",
    "高田 誠一",
    "竹内 舞",
    "千葉 浩",
    "土屋 綾",
    "中島 隆",
    "西田 聡美",
    "野口 亮",
];

struct CenterSpec {
    code: &'static str,
    name: &'static str,
    jurisdiction: &'static str,
    children: usize,
    staff: &'static [(Role, &'static str, &'static [&'static str])],
    /// Dispatches coordinators and produces the prefecture's payment statements (the Kochi
    /// model); the other models do neither, so their menus stay without that work.
    kochi_model: bool,
}

const CENTERS: &[CenterSpec] = &[
    CenterSpec {
        code: "kochi",
        name: "高知県医療的ケア児等支援センター（デモ）",
        jurisdiction: "390003",
        children: 80,
        kochi_model: true,
        staff: &[
            (Role::Admin, "kochi.admin", &[]),
            (Role::Advisor, "kochi.advisor", &["nurse"]),
            (Role::Coordinator, "kochi.coord01", &["public_health_nurse"]),
            (Role::Coordinator, "kochi.coord02", &["nurse"]),
            (Role::Coordinator, "kochi.coord03", &["social_worker"]),
            (Role::Coordinator, "kochi.coord04", &["nurse"]),
            (Role::Coordinator, "kochi.coord05", &["social_worker"]),
            (Role::Coordinator, "kochi.coord06", &["public_health_nurse"]),
            (Role::Coordinator, "kochi.coord07", &["nurse"]),
            (Role::Coordinator, "kochi.coord08", &["social_worker"]),
            (Role::Coordinator, "kochi.coord09", &["nurse"]),
            (Role::Coordinator, "kochi.coord10", &["social_worker"]),
            (Role::Municipal, "kochi.city", &[]),
        ],
    },
    CenterSpec {
        code: "nara",
        name: "奈良県医療的ケア児支援センター（デモ）",
        jurisdiction: "290009",
        children: 60,
        kochi_model: false,
        staff: &[
            (Role::Admin, "nara.admin", &[]),
            (Role::Advisor, "nara.nurse", &["nurse"]),
            (Role::Consultant, "nara.welfare", &["social_worker"]),
        ],
    },
    CenterSpec {
        code: "kitakyushu",
        name: "北九州市医療的ケア児支援センター（デモ）",
        jurisdiction: "401005",
        children: 55,
        kochi_model: false,
        staff: &[
            (Role::Admin, "kitakyushu.admin", &[]),
            (Role::Advisor, "kitakyushu.coord", &["social_worker"]),
            (Role::Viewer, "kitakyushu.city", &[]),
        ],
    },
    CenterSpec {
        code: "setagaya",
        name: "世田谷区医療的ケア児相談支援センター（デモ）",
        jurisdiction: "131121",
        children: 70,
        kochi_model: false,
        staff: &[
            (Role::Admin, "setagaya.admin", &[]),
            (Role::Advisor, "setagaya.coord", &["nurse"]),
            (Role::Consultant, "setagaya.consult1", &["social_worker"]),
            (Role::Consultant, "setagaya.consult2", &["nurse"]),
            (Role::Viewer, "setagaya.pr", &[]),
            (Role::Auditor, "setagaya.audit", &[]),
        ],
    },
    CenterSpec {
        code: "toyama",
        name: "富山県医療的ケア児等支援センター（デモ）",
        jurisdiction: "160008",
        children: 50,
        kochi_model: false,
        staff: &[
            (Role::Admin, "toyama.admin", &[]),
            (Role::Advisor, "toyama.advisor", &["nurse"]),
            (Role::Consultant, "toyama.consult", &["social_worker"]),
        ],
    },
];

/// The municipalities children of a center live in: the prefecture's municipalities, a city's
/// wards, or the municipality itself.
pub(crate) fn areas(jurisdiction: &str) -> Vec<String> {
    let under: Vec<String> = domain::municipality::all()
        .iter()
        .filter(|g| {
            g.parent_code.as_deref() == Some(jurisdiction)
                && g.kind != domain::municipality::LocalGovKind::Prefecture
        })
        .map(|g| g.code.clone())
        .collect();
    if under.is_empty() {
        vec![jurisdiction.to_string()]
    } else {
        under
    }
}

fn pick<'a, T>(rng: &mut SmallRng, v: &'a [T]) -> &'a T {
    &v[rng.gen_range(0..v.len())]
}

/// Load the dataset; returns (login, role, center) for the printout.
pub async fn load(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let mut rng = SmallRng::seed_from_u64(20261128);
    let mut logins = Vec::new();
    let today = domain::dates::jst_date(now);
    let care_codes: Vec<String> = domain::vocab::entries(domain::vocab::VocabKind::MedicalCareItem)
        .iter()
        .map(|e| e.code.clone())
        .collect();
    let welfare_codes: Vec<String> =
        domain::vocab::entries(domain::vocab::VocabKind::WelfareService)
            .iter()
            .map(|e| e.code.clone())
            .collect();
    let requester_codes: Vec<String> =
        domain::vocab::entries(domain::vocab::VocabKind::RequesterKind)
            .iter()
            .map(|e| e.code.clone())
            .collect();
    let mut staff_i = 0;
    for spec in CENTERS {
        store
            .add_center(spec.code, spec.name, spec.jurisdiction, now)
            .await?;
        store
            .set_center_work(spec.code, spec.kochi_model, spec.kochi_model, now)
            .await?;
        let areas = areas(spec.jurisdiction);
        let mut actors: Vec<Actor> = Vec::new();
        for (role, login, professions) in spec.staff {
            let name = STAFF[staff_i % STAFF.len()];
            staff_i += 1;
            let municipalities = if *role == Role::Municipal {
                vec![areas[0].clone()]
            } else {
                Vec::new()
            };
            let a = store
                .add_user(
                    NewUser {
                        center_code: spec.code,
                        login,
                        display_name: name,
                        role: *role,
                        password: DEMO_PASSWORD,
                        professions: professions.iter().map(|p| p.to_string()).collect(),
                        municipalities,
                    },
                    now,
                )
                .await?;
            logins.push((
                login.to_string(),
                role.code().to_string(),
                spec.code.to_string(),
            ));
            actors.push(a);
        }
        let Some(lead) = actors.iter().find(|a| a.role == Role::Advisor).cloned() else {
            continue;
        };
        let coordinators: Vec<&Actor> = actors
            .iter()
            .filter(|a| a.role == Role::Coordinator)
            .collect();
        let writers: Vec<&Actor> = actors
            .iter()
            .filter(|a| matches!(a.role, Role::Advisor | Role::Consultant))
            .collect();
        let hospital = store
            .add_organization(
                &lead,
                &OrganizationForm {
                    kind: "hospital".into(),
                    name: format!("{}総合医療センター（デモ）", short_area(&areas[0])),
                    municipality_code: areas[0].clone(),
                    ..Default::default()
                },
                now,
            )
            .await?;
        store
            .add_organization(
                &lead,
                &OrganizationForm {
                    kind: "nicu".into(),
                    name: "県立こども病院NICU（デモ）".into(),
                    municipality_code: areas[0].clone(),
                    ..Default::default()
                },
                now,
            )
            .await?;
        let school = store
            .add_organization(
                &lead,
                &OrganizationForm {
                    kind: "special_school".into(),
                    name: "つなぐ特別支援学校（デモ）".into(),
                    municipality_code: areas[0].clone(),
                    ..Default::default()
                },
                now,
            )
            .await?;
        let mut children = Vec::new();
        for _ in 0..spec.children {
            let (fam, fam_k) = *pick(&mut rng, FAMILY);
            let (given, given_k) = *pick(&mut rng, GIVEN);
            let age_days = rng.gen_range(30..(18 * 365));
            let birth = today - Duration::days(age_days);
            let ventilator = rng.gen_bool(0.15);
            let mut care = Vec::new();
            if ventilator {
                care.push("ventilator".to_string());
                care.push("tracheostomy".to_string());
            }
            for _ in 0..rng.gen_range(1..4) {
                let c = pick(&mut rng, &care_codes).clone();
                if !care.contains(&c) {
                    care.push(c);
                }
            }
            let welfare = if rng.gen_bool(0.3) {
                Vec::new()
            } else {
                vec![pick(&mut rng, &welfare_codes).clone()]
            };
            // The record's equipment list: one device per care item that needs one, kinds set
            // (the power details are filled in for some of them by demo_disaster).
            let devices: Vec<DeviceInput> = care
                .iter()
                .filter_map(|c| domain::power::care_device(c))
                .fold(Vec::new(), |mut kinds, k| {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                    kinds
                })
                .into_iter()
                .map(|k| DeviceInput {
                    kind: k.code().into(),
                    // Battery times as families report them; about one in eight not yet
                    // known, so the outage list has children to call first.
                    internal_minutes: {
                        use domain::power::DeviceKind::*;
                        let range = match k {
                            Ventilator => Some(60..600),
                            Suction => Some(30..90),
                            FeedingPump => Some(240..720),
                            InfusionPump => Some(360..1440),
                            Nebulizer => Some(20..60),
                            // Concentrators and cyclers have no battery of their own.
                            _ => None,
                        };
                        if rng.gen_bool(0.125) {
                            String::new()
                        } else {
                            range.map_or_else(|| "0".to_string(), |r| rng.gen_range(r).to_string())
                        }
                    },
                    ..Default::default()
                })
                .collect();
            let muni = pick(&mut rng, &areas).clone();
            let (pg, pgk) = *pick(&mut rng, PARENT);
            let form = ChildForm {
                family_name: fam.into(),
                given_name: given.into(),
                family_name_kana: fam_k.into(),
                given_name_kana: given_k.into(),
                birth_date: birth.to_string(),
                sex: if rng.gen_bool(0.5) {
                    "female".into()
                } else {
                    "male".into()
                },
                municipality_code: muni,
                address: "（デモ住所）".into(),
                phone: format!(
                    "0{}-{:04}-{:04}",
                    rng.gen_range(10..99),
                    rng.gen_range(0..10000),
                    rng.gen_range(0..10000)
                ),
                care_setting: if age_days < 120 && rng.gen_bool(0.5) {
                    "in_nicu".into()
                } else {
                    "at_home".into()
                },
                primary_hospital_id: hospital.clone(),
                school_id: if age_days > 6 * 365 {
                    school.clone()
                } else {
                    String::new()
                },
                // Most children are active; some moved away, moved on to adult services or
                // closed, so the registry's status filter has something to show.
                status: match rng.gen_range(0..25) {
                    0 => "moved_out".into(),
                    1 => "adult_services".into(),
                    2 => "closed".into(),
                    _ => "active".into(),
                },
                // The doctor's watch level (見守り) for most items that have one, so the
                // 医療的ケアスコア（参考） is complete for most children and not for all.
                medical_care_watch: care
                    .iter()
                    .filter_map(|c| {
                        let item = domain::vocab::medical_care_item(c)?;
                        let level = match (item.watch_high, item.watch_mid) {
                            (Some(_), Some(_)) => *pick(&mut rng, &["high", "mid", "low", ""]),
                            (Some(_), None) => *pick(&mut rng, &["high", "low", ""]),
                            _ => "",
                        };
                        (!level.is_empty()).then(|| (c.clone(), level.to_string()))
                    })
                    .collect(),
                medical_care: care,
                welfare_services: welfare,
                guardians: vec![GuardianForm {
                    name: format!("{fam} {pg}"),
                    name_kana: format!("{fam_k} {pgk}"),
                    relation: if rng.gen_bool(0.7) {
                        "母".into()
                    } else {
                        "父".into()
                    },
                    phone: format!(
                        "090-{:04}-{:04}",
                        rng.gen_range(0..10000),
                        rng.gen_range(0..10000)
                    ),
                    is_primary: true,
                    ..Default::default()
                }],
                devices,
                coordinator_ids: if coordinators.is_empty() {
                    Vec::new()
                } else {
                    vec![pick(&mut rng, &coordinators).user_id.clone()]
                },
                ..Default::default()
            };
            let id = store.register_child(&lead, &form, true, now).await?;
            children.push((id, age_days));
        }
        // Consultations over the current and two previous fiscal years.
        let fy_start = domain::dates::FiscalYear::of(today).prev().prev().start();
        let span_days = (today - fy_start).num_days().max(1);
        let count = spec.children * 4;
        for i in 0..count {
            let staff = *pick(&mut rng, &writers);
            let days_ago = rng.gen_range(0..span_days);
            let at = now - Duration::days(days_ago) - Duration::minutes(rng.gen_range(0..600));
            let (child_id, person) = if i % 9 == 0 {
                (
                    String::new(),
                    Some(PersonForm {
                        anonymous: i % 18 == 0,
                        name: if i % 18 == 0 {
                            String::new()
                        } else {
                            format!("{} 様", pick(&mut rng, FAMILY).0)
                        },
                        name_kana: String::new(),
                        distinct: false,
                    }),
                )
            } else {
                let (cid, age) = pick(&mut rng, &children);
                if *age < days_ago {
                    (
                        String::new(),
                        Some(PersonForm {
                            anonymous: true,
                            ..Default::default()
                        }),
                    )
                } else {
                    (cid.clone(), None)
                }
            };
            // A summary written for its topic, so the record reads as one call.
            let (topic, summary) = *pick(&mut rng, TOPIC_SUMMARIES);
            let followup = if days_ago < 10 && i % 3 == 0 {
                (today + Duration::days(rng.gen_range(-3..7))).to_string()
            } else {
                String::new()
            };
            let form = ConsultationForm {
                occurred_at: at.to_rfc3339(),
                channel: if rng.gen_bool(0.7) {
                    "phone".into()
                } else {
                    pick(&mut rng, &["email", "visit_center", "home_visit"]).to_string()
                },
                requester_kind: pick(&mut rng, &requester_codes).clone(),
                child_id,
                person,
                topics: vec![topic.to_string()],
                summary: summary.to_string(),
                response: pick(&mut rng, RESPONSES).to_string(),
                staff_id: staff.user_id.clone(),
                duration_minutes: Some(rng.gen_range(5..90)),
                followup_due: followup,
                ..Default::default()
            };
            store.record_consultation(staff, &form, now).await?;
        }
        if let Some(admin) = actors
            .iter()
            .find(|a| a.role == Role::Admin && spec.kochi_model)
        {
            store
                .set_payment_rates(
                    admin,
                    domain::payment::RawRates {
                        per_visit: 5000,
                        per_hour: 3000,
                        per_km: 30,
                        per_travel_hour: 1000,
                    },
                    now,
                )
                .await?;
        }
        demo_disaster(store, &lead, &areas, now).await?;
        // Only the Kochi model dispatches coordinators (and so has a roster and requests).
        if spec.kochi_model {
            demo_dispatch(
                store,
                &lead,
                &coordinators,
                spec.jurisdiction,
                &areas,
                &children,
                now,
            )
            .await?;
        }
    }
    Ok(logins)
}

/// The roster (each coordinator user, plus two external coordinators without a login) and a
/// few dispatch requests: open, proposed, and accepted with a home visit.
async fn demo_dispatch(
    store: &Store,
    lead: &Actor,
    coordinators: &[&Actor],
    jurisdiction: &str,
    areas: &[String],
    children: &[(String, i64)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use domain::dispatch::{CoordinatorInput, RequestInput};
    let today = domain::dates::jst_date(now);
    let topics = [
        "tube_feeding_gastric",
        "suction",
        "ventilator",
        "school",
        "short_stay",
        "disaster",
    ];
    let mut roster = Vec::new();
    for (i, c) in coordinators.iter().enumerate() {
        let covers = if i % 4 == 0 {
            vec![jurisdiction.to_string()]
        } else {
            vec![
                areas[i % areas.len()].clone(),
                areas[(i + 1) % areas.len()].clone(),
            ]
        };
        let input = CoordinatorInput {
            login: c.login.clone(),
            name: c.display_name.clone(),
            professions: vec![if i % 2 == 0 { "nurse" } else { "social_worker" }.to_string()],
            covers: vec![covers.join(" ")],
            topics: vec![
                topics[i % topics.len()].to_string(),
                topics[(i + 2) % topics.len()].to_string(),
            ],
            training_year: (2018 + (i % 7)).to_string(),
            max_active_cases: (3 + i % 4).to_string(),
            affiliation_code: areas[i % areas.len()].clone(),
            organization: format!(
                "{}訪問看護ステーション（デモ）",
                short_area(&areas[i % areas.len()])
            ),
            ..Default::default()
        };
        roster.push(
            store
                .save_coordinator(lead, None, &input, today, now)
                .await?,
        );
    }
    for (name, prof, org) in [
        (
            "外部 看護（デモ）",
            "nurse",
            "県立病院 地域医療連携室（デモ）",
        ),
        (
            "外部 相談（デモ）",
            "consultation_specialist",
            "相談支援事業所ひなた（デモ）",
        ),
    ] {
        let input = CoordinatorInput {
            name: name.into(),
            professions: vec![prof.into()],
            covers: vec![jurisdiction.into()],
            topics: vec!["school".into(), "welfare_service".into()],
            organization: org.into(),
            max_active_cases: "4".into(),
            ..Default::default()
        };
        roster.push(
            store
                .save_coordinator(lead, None, &input, today, now)
                .await?,
        );
    }
    // The first request started in the middle of last month, so last month has a statement
    // to review and approve.
    use chrono::Datelike;
    let last_month_day = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .and_then(|d| d.with_day(10))
        .unwrap_or(today);
    let earlier = domain::dates::jst_midnight_utc(last_month_day) + chrono::Duration::hours(10);
    for (i, (child, _)) in children.iter().take(4).enumerate() {
        let (today, now) = if i == 0 {
            (last_month_day, earlier)
        } else {
            (today, now)
        };
        let request = store
            .create_dispatch_request(
                lead,
                &RequestInput {
                    child_id: child.clone(),
                    topics: vec![topics[i % topics.len()].to_string()],
                    sides: ["medical", "welfare", "both", "medical"][i].to_string(),
                    urgency: ["routine", "soon", "routine", "urgent"][i].to_string(),
                    note: "退院後の在宅生活の立ち上げを支援してほしい（デモ）".into(),
                    ..Default::default()
                },
                today,
                now,
            )
            .await?;
        if i >= 2 {
            continue;
        }
        let rec = store.recommend(lead, &request, today).await?;
        let Some(best) = rec.candidates.first() else {
            continue;
        };
        let dispatch = store
            .propose_dispatch(
                lead,
                &request,
                &store::dispatch::ProposalInput {
                    coordinator_ids: vec![best.coordinator_id.clone()],
                    override_reason: String::new(),
                },
                today,
                now,
            )
            .await?;
        if i == 0 {
            if let Some(d) = dispatch.first() {
                store.dispatch_action(lead, d, "accept", "", now).await?;
                store
                    .record_activity(
                        lead,
                        d,
                        &store::dispatch::ActivityInput {
                            kind: "visit".into(),
                            on_date: today.to_string(),
                            minutes: "60".into(),
                            travel_km: "8.5".into(),
                            travel_minutes: "20".into(),
                            notes: "初回訪問。ご家族と支援の方針を確認（デモ）".into(),
                        },
                        today,
                        now,
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

fn short_area(code: &str) -> String {
    domain::municipality::lookup(code)
        .map(|g| g.name.clone())
        .unwrap_or_default()
}

pub(crate) const SUMMARIES: &[&str] = &[
    "退院後の在宅生活について相談したい",
    "吸引の手技について訪問看護と共有したい",
    "短期入所先を探している",
    "保育所への入所について相談",
    "就学先（特別支援学校）について相談",
    "災害時の電源確保が心配",
    "きょうだいの育児と介護の両立が難しい",
    "レスパイト先の情報がほしい",
    "医療機器の購入費助成について",
    "主治医との連携方法について",
];
/// (topic code, a summary of a call about it): what the demo's consultations say.
const TOPIC_SUMMARIES: &[(&str, &str)] = &[
    ("discharge", "NICUからの退院後の在宅生活について相談したい"),
    ("discharge", "退院前カンファレンスに参加してほしい"),
    ("medical_care", "吸引の手技について訪問看護と共有したい"),
    ("medical_care", "胃ろうからの注入方法を保育士に伝えたい"),
    ("short_stay", "短期入所先を探している"),
    ("short_stay", "レスパイト先の情報がほしい"),
    ("nursery", "保育所への入所について相談"),
    ("school", "就学先（特別支援学校）について相談"),
    ("school", "通学時の医療的ケアを誰が担うか相談したい"),
    ("disaster", "災害時の電源確保が心配"),
    ("disaster", "停電時に人工呼吸器のバッテリーがもつか不安"),
    ("family_life", "きょうだいの育児と介護の両立が難しい"),
    ("equipment", "医療機器の購入費助成について"),
    ("equipment", "吸引器の日常生活用具給付について知りたい"),
    ("medical_institution", "主治医との連携方法について"),
    ("medical_institution", "近くで受診できる小児科を探している"),
    (
        "welfare_service",
        "居宅介護を使いたいが事業所が見つからない",
    ),
    ("finance", "特別児童扶養手当の申請について"),
    ("health", "発達の遅れについて相談したい"),
    ("transition_adult", "18歳以降に使えるサービスを知りたい"),
    (
        "coordinator_support",
        "担当コーディネーターとして支援方針の助言がほしい",
    ),
    ("other", "一般的な問い合わせ"),
];
pub(crate) const RESPONSES: &[&str] = &[
    "利用できるサービスを説明し、相談支援事業所を紹介した",
    "コーディネーターの派遣を調整することとした",
    "関係機関に情報提供し、後日連絡することとした",
    "市町村の担当課につないだ",
    "家庭訪問の日程を調整した",
];

/// Power details for the children whose record lists electric devices, two disaster plans
/// (one past its review date), a drill, and one open outage with two check-ins, so the
/// triage list, the plan pages and the emergency sheets have something to show.
async fn demo_disaster(
    store: &Store,
    lead: &Actor,
    areas: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use domain::plan::{Destination, Person, PlanInput};
    use domain::power::DeviceInput;
    use store::disaster::{IncidentInput, PowerInput, PowerUnitInput};
    let today = domain::dates::jst_date(now);
    let area = areas[0].clone();
    let sheets = store.emergency_sheets(lead, None, Some(&area), now).await?;
    let dependent: Vec<&store::plans::EmergencySheet> = sheets
        .iter()
        .filter(|s| !s.devices.is_empty())
        .take(6)
        .collect();
    for (i, s) in dependent.iter().enumerate() {
        // The power page fills in the same list the record started: each device keeps its
        // kind and gains its draw, batteries and settings. The second child's suction unit
        // has no battery time yet, so the triage list puts that child first ("call first").
        let devices: Vec<DeviceInput> = s
            .devices
            .iter()
            .map(|d| {
                use domain::power::DeviceKind::*;
                let (watts, minutes, per_hour, settings) = match d.kind {
                    Ventilator => ("60", "240", "", "SIMV 一回換気量 150mL（デモ）"),
                    Suction if i % 3 == 1 => ("", "", "15", ""),
                    Suction => ("80", "45", "10", ""),
                    OxygenConcentrator => ("300", "0", "", "酸素 1L/分（デモ）"),
                    FeedingPump => ("10", "480", "", "40mL/時（デモ）"),
                    InfusionPump => ("5", "720", "", "2mL/時（デモ）"),
                    _ => ("30", "120", "", ""),
                };
                DeviceInput {
                    kind: d.kind.code().into(),
                    name: d.name.clone().unwrap_or_default(),
                    watts: watts.into(),
                    internal_minutes: d
                        .internal_minutes
                        .filter(|_| d.kind == Ventilator)
                        .map_or_else(|| minutes.to_string(), |m| m.to_string()),
                    minutes_per_hour: per_hour.into(),
                    settings: settings.into(),
                    ..Default::default()
                }
            })
            .collect();
        store
            .save_child_power(
                lead,
                &s.child_id,
                &PowerInput {
                    devices,
                    portable_wh: if i == 0 { "500".into() } else { String::new() },
                    car_inverter: i % 2 == 0,
                    oxygen_cylinder_hours: if i % 3 == 2 {
                        "6".into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
                now,
            )
            .await?;
        if i == 2 {
            // A unit the center lent: it counts in this child's estimate.
            store
                .add_power_unit(
                    lead,
                    &s.child_id,
                    &PowerUnitInput {
                        handed_on: (domain::dates::jst_date(now) - chrono::Duration::days(60))
                            .to_string(),
                        model: "ポータブル電源 1000Wh（デモ）".into(),
                        capacity_wh: "1000".into(),
                        serial: "DEMO-0001".into(),
                    },
                    domain::dates::jst_date(now),
                    now,
                )
                .await?;
        }
        if i < 2 {
            let guardian = s.guardians.first().cloned();
            store
                .save_plan(
                    lead,
                    &s.child_id,
                    &PlanInput {
                        hazards: vec!["flood".into(), "power_outage".into()],
                        floor: "2".into(),
                        primary: Destination {
                            kind: "welfare_shelter".into(),
                            name: "市立福祉避難所（デモ）".into(),
                            detail: String::new(),
                        },
                        secondary: Destination {
                            kind: "hospital".into(),
                            name: "県立総合病院（デモ）".into(),
                            detail: String::new(),
                        },
                        transport: "自家用車".into(),
                        contacts: guardian
                            .map(|(relation, name, phone)| {
                                vec![Person {
                                    name,
                                    relation,
                                    phone: phone.unwrap_or_default(),
                                }]
                            })
                            .unwrap_or_default(),
                        diagnoses: "（デモ）慢性呼吸不全".into(),
                        medicines: "（デモ）去痰薬".into(),
                        allergies: "なし".into(),
                        medicine_days: "7".into(),
                        // The second plan was agreed over a year ago: it shows as overdue.
                        agreed_on: if i == 0 {
                            (today - Duration::days(30)).to_string()
                        } else {
                            (today - Duration::days(400)).to_string()
                        },
                        ..Default::default()
                    },
                    today,
                    now,
                )
                .await?;
        }
    }
    if let Some(first) = dependent.first() {
        store
            .record_drill(
                lead,
                &first.child_id,
                &store::plans::DrillInput {
                    held_on: (today - Duration::days(14)).to_string(),
                    participants: "家族、訪問看護師、センター職員（デモ）".into(),
                    scenario: "夜間の停電（デモ）".into(),
                    worked: "ポータブル電源への切り替えは5分でできた".into(),
                    problems: "吸引器の予備バッテリーがない".into(),
                },
                today,
                now,
            )
            .await?;
    }
    let incident = store
        .open_incident(
            lead,
            &IncidentInput {
                title: "（デモ）台風による停電".into(),
                municipality_codes: vec![area],
                ..Default::default()
            },
            now,
        )
        .await?;
    for (s, status) in dependent.iter().zip(["safe_at_home", "needs_help"]) {
        store
            .check_in(
                lead,
                &incident,
                &s.child_id,
                status,
                "（デモ）電話で確認",
                now,
            )
            .await?;
    }
    Ok(())
}
