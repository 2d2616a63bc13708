//! A coordinator's access to a child through a dispatch lasts while the dispatch is live and
//! 30 days after it ends; an explicit assignment never lapses; the lapse is audited once
//! (issue 13, item 13a).

use chrono::Duration;
use domain::Role;
use serde_json::json;
use store::testing::Draft;

use crate::*;

#[tokio::test]
async fn dispatch_access_lapses_thirty_days_after_the_last_dispatch() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let coord = w.user(Role::Coordinator).clone();
        let mut coordinator = token_for(&w.app, &coord.login).await;
        let post = |token: String, path: String, body: serde_json::Value| {
            let base = w.app.addr.clone();
            async move { api_request(&base, &token, reqwest::Method::POST, &path, Some(body)).await }
        };
        let (s, v) = post(
            advisor.clone(),
            "/api/v1/coordinators".into(),
            json!({ "login": coord.login, "name": "高知 看子", "professions": ["nurse"], "covers": ["392014"],
                    "max_active_cases": "5" }),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let roster_id = v["id"].as_str().unwrap().to_string();
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("派遣", "ハケン")).unwrap();
        let child = w
            .app
            .store
            .register_child(
                w.user(Role::Advisor),
                &form.draft(test_now()),
                true,
                test_now(),
            )
            .await
            .unwrap();
        // A second child explicitly assigned to her: never lapses.
        let mut assigned_form: store::children::ChildForm =
            serde_json::from_value(child_json("担当", "タントウ")).unwrap();
        assigned_form.coordinator_ids = vec![coord.user_id.clone()];
        let assigned = w
            .app
            .store
            .register_child(
                w.user(Role::Advisor),
                &assigned_form.draft(test_now()),
                true,
                test_now(),
            )
            .await
            .unwrap();

        let (s, v) = post(
            advisor.clone(),
            "/api/v1/dispatch-requests".into(),
            json!({ "child_id": child, "sides": "medical" }),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let request = v["id"].as_str().unwrap().to_string();
        let (s, v) = post(
            advisor.clone(),
            format!("/api/v1/dispatch-requests/{request}/proposals"),
            json!({ "coordinator_ids": [roster_id] }),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let dispatch = v["ids"][0].as_str().unwrap().to_string();
        let actions = format!("/api/v1/dispatches/{dispatch}/actions");
        let child_url = format!("/api/v1/children/{child}");
        let get = |token: &str, path: &str| {
            let (base, token, path) = (w.app.addr.clone(), token.to_string(), path.to_string());
            async move { api_request(&base, &token, reqwest::Method::GET, &path, None).await }
        };
        assert_eq!(get(&coordinator, &child_url).await.0, 403);
        let (s, v) = post(
            coordinator.clone(),
            actions.clone(),
            json!({ "action": "accept" }),
        )
        .await;
        assert_eq!(s, 200, "{backend}: {v}");
        let (s, v) = get(&coordinator, &child_url).await;
        assert_eq!(s, 200);
        assert_eq!(v["dispatch_access"][0]["until"], serde_json::Value::Null);
        assert_eq!(
            v["coordinator_ids"],
            json!([]),
            "dispatch access is not an assignment"
        );

        // Completed today (2026-11-20 JST): access through 2026-12-20.
        let (s, v) = post(
            coordinator.clone(),
            actions.clone(),
            json!({ "action": "complete" }),
        )
        .await;
        assert_eq!(s, 200, "{backend}: {v}");
        let (_, v) = get(&advisor, &child_url).await;
        assert_eq!(
            v["dispatch_access"][0]["until"], "2026-12-20",
            "{backend}: {v}"
        );
        // Staff editing the record keep her dispatch access (the form lists assignments only).
        let (s, v) = api_request(
            &w.app.addr,
            &advisor,
            reqwest::Method::PATCH,
            &child_url,
            Some(json!({ "notes": "編集" })),
        )
        .await;
        assert_eq!(s, 200, "{backend}: {v}");
        assert_eq!(v["dispatch_access"][0]["until"], "2026-12-20");
        // The child page says until when.
        let b = login(&w.app, &w.user(Role::Advisor).login).await;
        let page = get_text(&b.http, format!("{}/children/{child}", b.base)).await;
        assert_eq!(
            text_of_id(&page, "dispatch-access"),
            format!("{}（2026-12-20 まで）", coord.display_name)
        );

        // The last day (2026-12-20 JST) still opens the record; the token is renewed since
        // test tokens last 30 days.
        w.app.clock.advance(Duration::days(30));
        coordinator = w
            .app
            .store
            .create_token(&coord.login, 30, w.app.clock.now())
            .await
            .unwrap();
        assert_eq!(get(&coordinator, &child_url).await.0, 200, "{backend}");
        let lapsed = |w: &World| {
            let store = w.app.store.clone();
            let child = child.clone();
            async move {
                store
                    .audit_for_entity("child", &child)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|r| r.action == "child.access.lapsed")
                    .count()
            }
        };
        assert_eq!(lapsed(&w).await, 0);

        // The next day it lapses at her next request: audited once, the assignment stays.
        w.app.clock.advance(Duration::days(1));
        assert_eq!(get(&coordinator, &child_url).await.0, 403, "{backend}");
        assert_eq!(get(&coordinator, &child_url).await.0, 403);
        assert_eq!(lapsed(&w).await, 1, "{backend}: audited once");
        assert_eq!(
            get(&coordinator, &format!("/api/v1/children/{assigned}"))
                .await
                .0,
            200
        );
        let advisor = w
            .app
            .store
            .create_token(&w.user(Role::Advisor).login, 30, w.app.clock.now())
            .await
            .unwrap();
        let (_, v) = get(&advisor, &child_url).await;
        assert_eq!(v["dispatch_access"], json!([]), "{backend}: {v}");
        let (_, list) = get(&coordinator, "/api/v1/children").await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![assigned.as_str()], "{backend}");
    }
}
