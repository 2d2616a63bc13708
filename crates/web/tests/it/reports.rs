//! The figures the prefecture asks for stay exact: reports answered from the maintained
//! aggregates equal the same reports computed from the records, after every kind of write.

use chrono::NaiveDate;
use domain::Role;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn assert_paths_agree(w: &World, role: Role, from: &str, to: &str, what: &str) {
    let actor = w.user(role);
    let fast = w
        .app
        .store
        .consultation_report(actor, day(from), day(to))
        .await
        .unwrap();
    let scanned = w
        .app
        .store
        .consultation_report_scanned(actor, day(from), day(to))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&fast).unwrap(),
        serde_json::to_value(&scanned).unwrap(),
        "{} {what}: {from}..{to}",
        w.app.backend
    );
}

#[tokio::test]
async fn aggregated_figures_equal_scanned_figures_after_inserts_and_edits() {
    for backend in backends() {
        let w = world(backend).await;
        let store = &w.app.store;
        let advisor = w.user(Role::Advisor);
        let now = test_now();
        let mut children = Vec::new();
        for (i, kana) in ["アイダ", "イノウエ", "ウエダ"].iter().enumerate() {
            let mut f = child_json("試験", kana);
            f["municipality_code"] = json!(if i == 0 { "392014" } else { "392022" });
            let form = serde_json::from_value(f).unwrap();
            children.push(
                store
                    .register_child(advisor, &form, true, now)
                    .await
                    .unwrap(),
            );
        }
        let topics = ["medical_care", "school", "disaster", "short_stay"];
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut ids = Vec::new();
        for i in 0..60 {
            // Spread over two fiscal years, across the April boundary.
            let date = day("2025-02-01") + chrono::Duration::days(rng.gen_range(0..600));
            let subject = match i % 5 {
                0 => {
                    json!({ "person": { "name": format!("相談者{}", i % 3), "anonymous": false } })
                }
                1 => json!({ "person": { "anonymous": true } }),
                _ => json!({ "child_id": children[i % 3] }),
            };
            let mut body = json!({
                "occurred_at": format!("{date}T10:00:00+09:00"),
                "channel": if i % 2 == 0 { "phone" } else { "email" },
                "requester_kind": if i % 3 == 0 { "family" } else { "hospital" },
                "topics": [topics[i % 4], topics[(i + 1) % 4]],
                "summary": "集計検証",
            });
            for (k, v) in subject.as_object().unwrap() {
                body[k] = v.clone();
            }
            let form = serde_json::from_value(body).unwrap();
            ids.push(
                store
                    .record_consultation(advisor, &form, now)
                    .await
                    .unwrap(),
            );
        }
        assert_paths_agree(
            &w,
            Role::Advisor,
            "2025-04-01",
            "2026-03-31",
            "after inserts",
        )
        .await;
        // Edits move consultations across months and fiscal years, change topics, channel and
        // subject (a child's consultation becomes anonymous and back).
        for (n, id) in ids.iter().enumerate().filter(|(n, _)| n % 4 == 0) {
            let body = json!({
                "occurred_at": format!("2026-0{}-15T09:00:00+09:00", 1 + n % 5),
                "channel": "visit_center",
                "requester_kind": "school",
                "topics": ["finance"],
                "summary": "訂正",
                "person": if n % 8 == 0 { json!({ "anonymous": true }) } else { serde_json::Value::Null },
                "child_id": if n % 8 == 0 { json!("") } else { json!(children[0]) },
            });
            let form = serde_json::from_value(body).unwrap();
            store
                .update_consultation(advisor, id, &form, None, now)
                .await
                .unwrap();
        }
        for (from, to) in [
            ("2025-04-01", "2026-03-31"),
            ("2024-04-01", "2025-03-31"),
            ("2026-01-01", "2026-06-30"),
            ("2025-02-01", "2026-10-31"),
            ("2025-04-15", "2025-12-20"),
        ] {
            assert_paths_agree(&w, Role::Advisor, from, to, "after edits").await;
            assert_paths_agree(&w, Role::Municipal, from, to, "municipal scope").await;
        }
        // The national view sums every center; the other center has nothing yet.
        let national = store
            .consultation_report_all_centers(day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        let own = store
            .consultation_report(advisor, day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        assert_eq!(national.total, own.total);
        assert_eq!(national.distinct_people, own.distinct_people);
        assert!(own.total > 0 && own.distinct_people > 0 && own.unidentified > 0);
        // A rebuild from the records changes nothing.
        store.rebuild_consultation_stats().await.unwrap();
        let rebuilt = store
            .consultation_report(advisor, day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&rebuilt).unwrap(),
            serde_json::to_value(&own).unwrap()
        );
    }
}
