//! The triage counts kept per open incident equal a recount from the records after every kind
//! of change: a new child, a device change, check-ins, a child moved out, a rebuild; a closed
//! incident counts from the records again (issue 13, item 13b).

use domain::Role;
use reqwest::Method as M;
use serde_json::{json, Value};
use store::testing::Draft;

use crate::*;

async fn new_child(w: &World, family: &str, kana: &str, battery: Option<&str>) -> String {
    let mut j = child_json(family, kana);
    if let Some(b) = battery {
        j["devices"] =
            json!([{ "name": "人工呼吸器", "uses_electricity": true, "battery_minutes": b }]);
    }
    let form: store::children::ChildForm = serde_json::from_value(j).unwrap();
    w.app
        .store
        .register_child(
            w.user(Role::Advisor),
            &form.draft(test_now()),
            true,
            test_now(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn kept_triage_counts_equal_a_recount_after_every_change() {
    for backend in backends() {
        let w = world(backend).await;
        let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let advisor = w.user(Role::Advisor).clone();
        let a = new_child(&w, "甲", "コウ", None).await;
        let b = new_child(&w, "乙", "オツ", Some("120")).await;
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            "/api/v1/incidents",
            Some(json!({ "title": "県内の停電", "municipality_codes": ["390003"] })),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let incident = v["id"].as_str().unwrap().to_string();
        let triage = format!("/api/v1/incidents/{incident}/triage");
        let checkins = format!("/api/v1/incidents/{incident}/checkins");
        // The counts the list shows (kept), checked against a recount from the records.
        let check = |step: &'static str| {
            let (w, cons, triage, incident, advisor) = (
                &w,
                cons.clone(),
                triage.clone(),
                incident.clone(),
                advisor.clone(),
            );
            async move {
                let (s, t) = call(w, &cons, M::GET, &triage, None).await;
                assert_eq!(s, 200, "{t}");
                let recount = w
                    .app
                    .store
                    .recount_triage(&advisor, &incident)
                    .await
                    .unwrap();
                let kept = w
                    .app
                    .store
                    .kept_triage_counts(&advisor, &incident)
                    .await
                    .unwrap();
                // Open incidents read kept counts; a closed one has none.
                assert_eq!(kept.is_some(), step != "closed", "{backend} {step}");
                if let Some(kept) = kept {
                    assert_eq!(
                        serde_json::to_value(&kept).unwrap(),
                        serde_json::to_value(&recount).unwrap(),
                        "{backend} {step}: kept"
                    );
                }
                assert_eq!(
                    t["counts"],
                    serde_json::to_value(&recount).unwrap(),
                    "{backend} {step}"
                );
                t["counts"].clone()
            }
        };
        let status = |c: &Value, s: &str| -> i64 {
            c["by_status"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p[0] == s)
                .map(|p| p[1].as_i64().unwrap())
                .unwrap()
        };
        let c = check("opened").await;
        // 甲 has suction but no power data (unknown), 乙 a ventilator with 120 minutes.
        assert_eq!(
            (c["total"].as_i64(), c["unknown"].as_i64()),
            (Some(2), Some(1))
        );

        let later = new_child(&w, "丙", "ヘイ", None).await;
        let c = check("new child").await;
        assert_eq!(
            (c["total"].as_i64(), c["unknown"].as_i64()),
            (Some(3), Some(2))
        );

        let (s, v) = call(
            &w,
            &cons,
            M::PUT,
            &format!("/api/v1/children/{a}/power"),
            Some(json!({ "devices": [{ "kind": "suction", "watts": "60", "internal_minutes": "30" }] })),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let c = check("device change").await;
        assert_eq!(c["unknown"], 1);

        for (child, st) in [
            (&a, "unreached"),
            (&a, "safe_at_home"),
            (&b, "needs_help"),
            (&later, "evacuated"),
        ] {
            let (s, v) = call(
                &w,
                &cons,
                M::POST,
                &checkins,
                Some(json!({ "child_id": child, "status": st })),
            )
            .await;
            assert_eq!(s, 204, "{v}");
            w.app.clock.advance(chrono::Duration::minutes(1));
        }
        let c = check("check-ins").await;
        assert_eq!(
            (
                status(&c, "safe_at_home"),
                status(&c, "unreached"),
                status(&c, "needs_help")
            ),
            (1, 0, 1)
        );
        assert_eq!(c["not_called"], 0);

        // At once: check-ins on the same children and a change of one child's devices.
        let ci = |child: &str, st: &str| {
            call(
                &w,
                &cons,
                M::POST,
                &checkins,
                Some(json!({ "child_id": child, "status": st })),
            )
        };
        let later_power = format!("/api/v1/children/{later}/power");
        let (r1, r2, r3, r4) = tokio::join!(
            ci(&a, "needs_help"),
            ci(&later, "hospitalized"),
            ci(&a, "evacuated"),
            call(
                &w,
                &cons,
                M::PUT,
                &later_power,
                Some(
                    json!({ "devices": [{ "kind": "suction", "watts": "60", "internal_minutes": "50" }] })
                ),
            ),
        );
        assert_eq!((r1.0, r2.0, r3.0, r4.0), (204, 204, 204, 200), "{r4:?}");
        let before_move = check("concurrent").await;

        // 乙 moves out: off the list, with the state of their check-in.
        let mut j = child_json("乙", "オツ");
        j["status"] = json!("moved_out");
        let form: store::children::ChildForm = serde_json::from_value(j).unwrap();
        w.app
            .store
            .update_child(&advisor, &b, &form.draft(test_now()), None, test_now())
            .await
            .unwrap();
        let c = check("moved out").await;
        assert_eq!(c["total"], 2);
        assert_eq!(
            status(&c, "needs_help"),
            status(&before_move, "needs_help") - 1,
            "{backend}: 乙's needs_help left with them"
        );

        // A wholesale rebuild keeps the same counts.
        w.app.store.rebuild_power_estimates().await.unwrap();
        let again = check("rebuild").await;
        assert_eq!(again, c);

        // Closed: the report has the counts, and the list still counts (from the records).
        let lead = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let (s, r) = call(
            &w,
            &lead,
            M::POST,
            &format!("/api/v1/incidents/{incident}/close"),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let closed = check("closed").await;
        assert_eq!(closed, c);
    }
}
