//! The fictional demo dataset: the five seed center models (Kochi, Nara, Kitakyushu, Setagaya,
//! Toyama) with staff shaped like DESIGN.md, children with plausible medical care, and
//! consultations over three fiscal years. Every name is assembled from common kana/kanji parts;
//! no real child or family is represented. Deterministic: the same run gives the same data.

mod centers;
mod disaster;
mod dispatch;
mod names;

pub(crate) use centers::areas;
pub(crate) use names::{FAMILY, GIVEN, PARENT, RESPONSES, STAFF, SUMMARIES};

use centers::CENTERS;
use disaster::demo_disaster;
use dispatch::{demo_dispatch, short_area};
use names::TOPIC_SUMMARIES;

use chrono::{DateTime, Duration, Utc};
use domain::account::NewUser;
use domain::organization::OrganizationForm;
use domain::power::DeviceInput;
use domain::Role;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use store::children::{ChildForm, GuardianForm};
use store::consultations::{ConsultationForm, PersonForm};
use store::{Actor, Store, StoreError};

/// Password of every demo login (printed by `tsunagu demo`; demo data only).
pub const DEMO_PASSWORD: &str = "hinata-demo-2026";

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
            .add_center(
                &domain::center::new_center(spec.code, spec.name, spec.jurisdiction)?,
                now,
            )
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
                    &NewUser {
                        center_code: spec.code,
                        login,
                        display_name: name,
                        role: *role,
                        password: DEMO_PASSWORD,
                        professions: professions.iter().map(|p| p.to_string()).collect(),
                        municipalities,
                    }
                    .parse()?,
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
                }
                .parse()?,
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
                }
                .parse()?,
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
                }
                .parse()?,
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
            let id = store
                .register_child(
                    &lead,
                    &form.parse(domain::dates::jst_date(now), None)?,
                    true,
                    now,
                )
                .await?;
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
            store
                .record_consultation(staff, &form.parse(now)?, now)
                .await?;
        }
        if let Some(admin) = actors
            .iter()
            .find(|a| a.role == Role::Admin && spec.kochi_model)
        {
            store
                .set_payment_rates(
                    admin,
                    &domain::payment::Rates::parse(domain::payment::RawRates {
                        per_visit: 5000,
                        per_hour: 3000,
                        per_km: 30,
                        per_travel_hour: 1000,
                    })?,
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
