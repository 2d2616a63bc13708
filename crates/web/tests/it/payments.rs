//! Payment statements: no statement without rates; an activity is paid only on days the child
//! used no welfare service; approving an ended month locks it; later changes become amendment
//! lines, never edits; the CSV opens in Excel (CP932).

use domain::Role;
use serde_json::json;
use store::testing::Draft;

use crate::*;

#[tokio::test]
async fn statement_follows_service_history_locks_on_approval_and_amends_after() {
    use reqwest::Method as M;
    for backend in backends() {
        let w = world(backend).await;
        let adv = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let admin = token_for(&w.app, &w.user(Role::Admin).login).await;
        let coord = token_for(&w.app, &w.user(Role::Coordinator).login).await;
        let consultant = token_for(&w.app, &w.user(Role::Consultant).login).await;

        let (_, v) = call(
            &w,
            &adv,
            M::POST,
            "/api/v1/coordinators",
            Some(json!({
            "login": w.user(Role::Coordinator).login, "name": "支払 看子", "professions": ["nurse"],
            "covers": ["392014"], "max_active_cases": "5" })),
        )
        .await;
        let coordinator = v["id"].as_str().unwrap().to_string();
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("支払", "シハライ")).unwrap();
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
        let (_, v) = call(
            &w,
            &adv,
            M::POST,
            "/api/v1/dispatch-requests",
            Some(json!({ "child_id": child, "sides": "medical" })),
        )
        .await;
        let request = v["id"].as_str().unwrap().to_string();
        let (_, v) = call(
            &w,
            &adv,
            M::POST,
            &format!("/api/v1/dispatch-requests/{request}/proposals"),
            Some(json!({ "coordinator_ids": [coordinator] })),
        )
        .await;
        let dispatch = v["ids"][0].as_str().unwrap().to_string();
        assert_eq!(
            call(
                &w,
                &coord,
                M::POST,
                &format!("/api/v1/dispatches/{dispatch}/actions"),
                Some(json!({ "action": "accept" }))
            )
            .await
            .0,
            200
        );

        // 11-20: a 90-minute visit, 12.5 km and 30 minutes each way in all.
        let acts = format!("/api/v1/dispatches/{dispatch}/activities");
        let (s, v) = call(
            &w,
            &coord,
            M::POST,
            &acts,
            Some(
                json!({ "kind": "visit", "on_date": "2026-11-20", "minutes": "90",
            "travel_km": "12.5", "travel_minutes": "30" }),
            ),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let visit = v["id"].as_str().unwrap().to_string();
        // The family starts 計画相談支援 on 11-25: from then on the prefecture does not pay.
        let (s, v) = call(
            &w,
            &consultant,
            M::POST,
            &format!("/api/v1/children/{child}/service-periods"),
            Some(json!({ "code": "plan_consultation", "started_on": "2026-11-25" })),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = call(&w, &consultant, M::POST, &format!("/api/v1/children/{child}/service-periods"),
            Some(json!({ "code": "plan_consultation", "started_on": "2026-11-25", "ended_on": "2026-11-01" }))).await;
        assert_eq!(s, 422, "end before start: {v}");
        w.app.clock.advance(chrono::Duration::days(6)); // 2026-11-26
        let (s, v) = call(
            &w,
            &coord,
            M::POST,
            &acts,
            Some(json!({ "kind": "call", "on_date": "2026-11-26", "minutes": "30" })),
        )
        .await;
        assert_eq!(s, 201, "{v}");

        // No rates yet: a clear refusal, no statement.
        let st = format!("/api/v1/payments/statements/{coordinator}?month=2026-11");
        let (s, v) = call(&w, &adv, M::GET, &st, None).await;
        assert_eq!(s, 422, "{backend}: {v}");
        assert!(
            v["fields"]["rates"].as_str().unwrap().contains("単価"),
            "{v}"
        );
        // Only an admin sets rates; bad rates are refused with every field named.
        assert_eq!(call(&w, &adv, M::PUT, "/api/v1/payments/rates",
            Some(json!({ "per_visit": 5000, "per_hour": 3000, "per_km": 30, "per_travel_hour": 1000 }))).await.0, 403);
        let (s, v) = call(&w, &admin, M::PUT, "/api/v1/payments/rates",
            Some(json!({ "per_visit": -1, "per_hour": 3000, "per_km": 30, "per_travel_hour": 2000000 }))).await;
        assert_eq!(s, 422);
        assert_eq!(v["fields"].as_object().unwrap().len(), 2, "{v}");
        assert_eq!(call(&w, &admin, M::PUT, "/api/v1/payments/rates",
            Some(json!({ "per_visit": 5000, "per_hour": 3000, "per_km": 30, "per_travel_hour": 1000 }))).await.0, 200);

        let (s, v) = call(&w, &adv, M::GET, &st, None).await;
        assert_eq!(s, 200, "{v}");
        // 5000 + 3000×1.5 + 30×12.5 + 1000×0.5 = 10,375; the call after 11-25 pays nothing.
        assert_eq!(v["total"], 10375, "{backend}: {v}");
        assert_eq!(v["lines"].as_array().unwrap().len(), 2);
        assert_eq!(v["lines"][1]["payable"], false);
        assert_eq!(v["lines"][1]["not_payable_reason"], "plan_consultation");
        assert_eq!(v["month_ended"], false);
        // The month is not over: no approval.
        let approve = format!("/api/v1/payments/statements/{coordinator}/approve");
        let (s, v) = call(
            &w,
            &adv,
            M::POST,
            &approve,
            Some(json!({ "month": "2026-11" })),
        )
        .await;
        assert_eq!(s, 422);
        assert!(v["fields"]["month"].is_string(), "{v}");

        // December: approve November, which locks it.
        w.app.clock.advance(chrono::Duration::days(6)); // 2026-12-02
        let (s, v) = call(
            &w,
            &adv,
            M::POST,
            &approve,
            Some(json!({ "month": "2026-11" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let (s, v) = call(
            &w,
            &adv,
            M::POST,
            &approve,
            Some(json!({ "month": "2026-11" })),
        )
        .await;
        assert_eq!(s, 422, "approving again is refused: {v}");
        let (_, v) = call(&w, &adv, M::GET, &st, None).await;
        assert_eq!(v["approved_total"], 10375);
        assert_eq!(v["amendments"].as_array().unwrap().len(), 0);

        // The visit turns out to be a mistake: voiding it does not touch the approved lines; it
        // shows as an amendment of −10,375, approved separately.
        w.app
            .store
            .void_activity(
                w.user(Role::Advisor),
                &visit,
                "別の児童の訪問と取り違えたため",
                test_now(),
            )
            .await
            .unwrap();
        let (_, v) = call(&w, &adv, M::GET, &st, None).await;
        assert_eq!(v["total"], 0);
        assert_eq!(v["approved_total"], 10375, "{v}");
        assert_eq!(v["amendments"][0]["difference"], -10375, "{v}");
        assert_eq!(v["amendments"][0]["reason"], "voided");
        let (_, month) = call(&w, &adv, M::GET, "/api/v1/payments?month=2026-11", None).await;
        assert_eq!(month["coordinators"][0]["pending_amendments"], 1, "{month}");
        assert_eq!(
            call(
                &w,
                &adv,
                M::POST,
                &approve,
                Some(json!({ "month": "2026-11" }))
            )
            .await
            .0,
            201
        );
        let (_, v) = call(&w, &adv, M::GET, &st, None).await;
        assert_eq!(v["approved_total"], 0);
        assert_eq!(v["approvals"].as_array().unwrap().len(), 2);
        assert_eq!(v["approvals"][1]["kind"], "amendment");
        assert_eq!(v["approvals"][1]["total"], -10375);

        // The CSV (CP932 by default) holds the lines and the total.
        let res = client()
            .get(format!(
                "{}/payments/{coordinator}/statement.csv?month=2026-11",
                w.app.addr
            ))
            .bearer_auth(&adv)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=Shift_JIS");
        let bytes = res.bytes().await.unwrap();
        let text = domain::export::decode_csv_bytes(&bytes).unwrap();
        assert!(
            text.contains("合計") && text.contains("支払 看子"),
            "{text}"
        );
        assert!(text.contains("2026-11-26"));

        // Coordinators and consultants see no statements.
        assert_eq!(call(&w, &coord, M::GET, &st, None).await.0, 403);
        assert_eq!(call(&w, &consultant, M::GET, &st, None).await.0, 403);
        // Everything is audited.
        let log = w
            .app
            .store
            .audit_for_entity("coordinator", &coordinator)
            .await
            .unwrap();
        for action in [
            "payment.statement.view",
            "payment.approve",
            "payment.approve.amendment",
        ] {
            assert!(
                log.iter().any(|r| r.action == action),
                "{backend}: {action}"
            );
        }
    }
}

#[tokio::test]
async fn child_form_services_open_and_close_dated_periods() {
    for backend in backends() {
        let w = world(backend).await;
        let adv = w.user(Role::Advisor);
        let mut form: store::children::ChildForm =
            serde_json::from_value(child_json("期間", "キカン")).unwrap();
        let child = w
            .app
            .store
            .register_child(adv, &form.draft(test_now()), true, test_now())
            .await
            .unwrap();
        form.welfare_services = vec!["after_school_day".into()];
        w.app
            .store
            .update_child(adv, &child, &form.draft(test_now()), None, test_now())
            .await
            .unwrap();
        let p = w
            .app
            .store
            .service_periods(adv, &child, test_now())
            .await
            .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].started_on.as_deref(), Some("2026-11-20"));
        assert_eq!(p[0].ended_on, None);
        form.welfare_services = vec![];
        let later = test_now() + chrono::Duration::days(10);
        w.app
            .store
            .update_child(adv, &child, &form.draft(later), None, later)
            .await
            .unwrap();
        let p = w
            .app
            .store
            .service_periods(adv, &child, later)
            .await
            .unwrap();
        assert_eq!(
            p[0].ended_on.as_deref(),
            Some("2026-11-29"),
            "{backend}: ends the day before"
        );
    }
}
