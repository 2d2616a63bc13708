//! The demo's coordinator roster and dispatch requests (Kochi model).

use chrono::{DateTime, Utc};
use store::{Actor, Store, StoreError};

/// The roster (each coordinator user, plus two external coordinators without a login) and a
/// few dispatch requests: open, proposed, and accepted with a home visit.
pub(super) async fn demo_dispatch(
    store: &Store,
    lead: &Actor,
    coordinators: &[&Actor],
    jurisdiction: &str,
    areas: &[String],
    children: &[(String, i64)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use domain::dispatch::{CoordinatorDraft, CoordinatorInput, RequestDraft, RequestInput};
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
                .save_coordinator(lead, None, &CoordinatorDraft::parse(&input, today)?, now)
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
                .save_coordinator(lead, None, &CoordinatorDraft::parse(&input, today)?, now)
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
                &RequestDraft::parse(&RequestInput {
                    child_id: child.clone(),
                    topics: vec![topics[i % topics.len()].to_string()],
                    sides: ["medical", "welfare", "both", "medical"][i].to_string(),
                    urgency: ["routine", "soon", "routine", "urgent"][i].to_string(),
                    note: "退院後の在宅生活の立ち上げを支援してほしい（デモ）".into(),
                    ..Default::default()
                })?,
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
                }
                .parse()?,
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
                        }
                        .parse(today)?,
                        now,
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

pub(super) fn short_area(code: &str) -> String {
    domain::municipality::lookup(code)
        .map(|g| g.name.clone())
        .unwrap_or_default()
}
