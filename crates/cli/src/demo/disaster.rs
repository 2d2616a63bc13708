//! The demo's disaster data: power details, plans, a drill and an open outage.

use chrono::{DateTime, Duration, Utc};
use store::{Actor, Store, StoreError};

/// Power details for the children whose record lists electric devices, two disaster plans
/// (one past its review date), a drill, and one open outage with two check-ins, so the
/// triage list, the plan pages and the emergency sheets have something to show.
pub(super) async fn demo_disaster(
    store: &Store,
    lead: &Actor,
    areas: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use domain::disaster::{DrillInput, IncidentInput, PowerInput, PowerUnitInput};
    use domain::plan::{Destination, Person, PlanInput};
    use domain::power::DeviceInput;
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
                }
                .parse()?,
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
                    }
                    .parse(today)?,
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
                    &domain::plan::PlanDraft::parse(
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
                    )?,
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
                &DrillInput {
                    held_on: (today - Duration::days(14)).to_string(),
                    participants: "家族、訪問看護師、センター職員（デモ）".into(),
                    scenario: "夜間の停電（デモ）".into(),
                    worked: "ポータブル電源への切り替えは5分でできた".into(),
                    problems: "吸引器の予備バッテリーがない".into(),
                }
                .parse(today)?,
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
            }
            .parse(now)?,
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
