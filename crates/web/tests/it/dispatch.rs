//! Coordinator dispatch as the advisor and the coordinator use it, through the API, on each
//! backend: roster, request from a consultation, recommendation with reasons, refusals and an
//! audited override, the coordinator's answer, activities and their bad inputs, advice,
//! notifications and figures.

use domain::Role;
use serde_json::{json, Value};
use store::testing::Draft;

use crate::*;

struct Api {
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        api_request(&self.base, &self.token, method, path, body).await
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

async fn api_as(w: &World, role: Role) -> Api {
    Api {
        base: w.app.addr.clone(),
        token: token_for(&w.app, &w.user(role).login).await,
    }
}

/// The fields a 422 names (its `fields` object maps field → message).
fn field_codes(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

#[tokio::test]
async fn advisor_dispatches_coordinator_accepts_records_activities_and_asks_advice() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = api_as(&w, Role::Advisor).await;
        let consultant = api_as(&w, Role::Consultant).await;
        let coordinator = api_as(&w, Role::Coordinator).await;
        let coord_login = w.user(Role::Coordinator).login.clone();

        // Roster: bad input is refused with every field named, and nothing is written.
        let (s, v) = advisor
            .post(
                "/api/v1/coordinators",
                json!({ "name": "", "professions": ["astronaut"], "covers": ["123456"], "max_active_cases": "0" }),
            )
            .await;
        assert_eq!(s, 422, "{backend}: {v}");
        let fields = field_codes(&v);
        for f in ["name", "professions", "covers", "max_active_cases"] {
            assert!(
                fields.iter().any(|x| x == f),
                "{backend}: {f} in {fields:?}"
            );
        }
        let (_, roster) = advisor.get("/api/v1/coordinators").await;
        assert_eq!(roster["items"].as_array().unwrap().len(), 0);
        // A consultant may read the roster but not write it.
        let (s, _) = consultant
            .post("/api/v1/coordinators", json!({ "name": "x" }))
            .await;
        assert_eq!(s, 403);

        // Three coordinators: the logged-in nurse covering 高知市 who knows tube feeding, an
        // external nurse covering 南国市 only, and an external social worker on leave.
        let (s, v) = advisor
            .post(
                "/api/v1/coordinators",
                json!({ "login": coord_login, "name": "高知 看子", "professions": ["nurse"], "covers": ["392014"],
                        "topics": ["tube_feeding_gastric"], "max_active_cases": "1", "organization": "高知訪問看護",
                        "affiliation_code": "392014" }),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let mine = v["id"].as_str().unwrap().to_string();
        let (_, v) = advisor
            .post(
                "/api/v1/coordinators",
                json!({ "name": "南国 看太", "professions": ["nurse"], "covers": ["392049"], "max_active_cases": "5" }),
            )
            .await;
        let nankoku = v["id"].as_str().unwrap().to_string();
        let (_, v) = advisor
            .post(
                "/api/v1/coordinators",
                json!({ "name": "休暇 福子", "professions": ["social_worker"], "covers": ["390003"], "max_active_cases": "5",
                        "availability": "on_leave", "leave_until": "2026-12-31" }),
            )
            .await;
        assert!(v["id"].is_string(), "{backend}: {v}");
        // The same login cannot be on the roster twice.
        let (s, v) = advisor
            .post(
                "/api/v1/coordinators",
                json!({ "login": coord_login, "name": "二重", "professions": ["nurse"], "covers": ["392014"], "max_active_cases": "1" }),
            )
            .await;
        assert_eq!(s, 422);
        assert_eq!(field_codes(&v), ["login"]);

        // A consultation about a child in 高知市, and a request made from it.
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
        let (s, v) = consultant
            .post(
                "/api/v1/consultations",
                json!({ "channel": "phone", "requester_kind": "family", "child_id": child,
                        "topics": ["medical_care"], "summary": "胃ろうの相談" }),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let consultation = v["id"].as_str().unwrap().to_string();
        let (s, v) = consultant
            .post(
                "/api/v1/dispatch-requests",
                json!({ "child_id": child, "consultation_id": consultation, "sides": "medical",
                        "topics": ["tube_feeding_gastric"], "urgency": "soon" }),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let request = v["id"].as_str().unwrap().to_string();
        let (s, v) = consultant
            .post("/api/v1/dispatch-requests", json!({ "sides": "sideways" }))
            .await;
        assert_eq!(s, 422);
        assert_eq!(field_codes(&v).len(), 2, "{v}");

        // Recommendation: only the nurse covering 高知市 is a candidate, with her reasons; the
        // others are listed with the rule they break.
        let (s, rec) = advisor
            .get(&format!(
                "/api/v1/dispatch-requests/{request}/recommendation"
            ))
            .await;
        assert_eq!(s, 200, "{rec}");
        let cands = rec["candidates"].as_array().unwrap();
        assert_eq!(cands.len(), 1, "{rec}");
        assert_eq!(cands[0]["coordinator_id"], mine.as_str());
        let reasons: Vec<&str> = cands[0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ja"].as_str().unwrap())
            .collect();
        assert!(reasons.contains(&"高知市を担当"), "{reasons:?}");
        assert!(reasons.contains(&"看護師"), "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("胃ろう") || r.contains("経管")),
            "{reasons:?}"
        );
        assert!(reasons.contains(&"1件中0件対応中"), "{reasons:?}");
        let excluded = rec["excluded"].as_array().unwrap();
        assert_eq!(excluded.len(), 2);
        // Recommending is for leads.
        let (s, _) = consultant
            .get(&format!(
                "/api/v1/dispatch-requests/{request}/recommendation"
            ))
            .await;
        assert_eq!(s, 403);

        // Out of area: refused with the reason, audited; with a stated reason it goes through.
        let proposals = format!("/api/v1/dispatch-requests/{request}/proposals");
        let (s, v) = advisor
            .post(&proposals, json!({ "coordinator_ids": [nankoku] }))
            .await;
        assert_eq!(s, 422);
        assert!(
            v["message"].as_str().unwrap_or("").contains("担当地域外")
                || v.to_string().contains("担当地域外"),
            "{v}"
        );
        let (s, _) = advisor
            .post(
                &proposals,
                json!({ "coordinator_ids": [nankoku], "override_reason": "短い" }),
            )
            .await;
        assert_eq!(s, 422);
        let log = w
            .app
            .store
            .audit_for_entity("dispatch_request", &request)
            .await
            .unwrap();
        assert_eq!(
            log.iter()
                .filter(|r| r.action == "dispatch.propose.refused")
                .count(),
            2,
            "{backend}: both refusals audited"
        );
        let (_, detail) = advisor
            .get(&format!("/api/v1/dispatch-requests/{request}"))
            .await;
        assert_eq!(
            detail["dispatches"].as_array().unwrap().len(),
            0,
            "refusals change nothing"
        );

        // Propose to the nurse; the coordinator sees it in the inbox and a notification.
        let (s, v) = advisor
            .post(&proposals, json!({ "coordinator_ids": [mine] }))
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let dispatch = v["ids"][0].as_str().unwrap().to_string();
        // Capacity: she holds 1 of 1 now; a second request cannot go to her, even with a reason.
        let (_, v) = consultant
            .post(
                "/api/v1/dispatch-requests",
                json!({ "child_id": child, "sides": "medical" }),
            )
            .await;
        let second = v["id"].as_str().unwrap().to_string();
        let (s, v) = advisor
            .post(
                &format!("/api/v1/dispatch-requests/{second}/proposals"),
                json!({ "coordinator_ids": [mine], "override_reason": "どうしてもこの人にお願いしたい" }),
            )
            .await;
        assert_eq!(s, 422);
        assert!(v.to_string().contains("上限"), "{v}");

        let (_, n) = coordinator.get("/api/v1/notifications").await;
        assert_eq!(n["unread"], 1, "{backend}: {n}");
        // Before accepting, an activity is refused.
        let activities = format!("/api/v1/dispatches/{dispatch}/activities");
        let (s, v) = coordinator
            .post(
                &activities,
                json!({ "kind": "visit", "on_date": "2026-11-20", "minutes": "60" }),
            )
            .await;
        assert_eq!(s, 422, "{v}");
        // Decline needs a reason; accept works and opens the child's record to her.
        let actions = format!("/api/v1/dispatches/{dispatch}/actions");
        let (s, _) = coordinator
            .post(&actions, json!({ "action": "decline" }))
            .await;
        assert_eq!(s, 422);
        let child_url = format!("/api/v1/children/{child}");
        assert_eq!(coordinator.get(&child_url).await.0, 403);
        let (s, v) = coordinator
            .post(&actions, json!({ "action": "accept" }))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(coordinator.get(&child_url).await.0, 200);
        // Accepting twice is not a transition.
        let (s, _) = coordinator
            .post(&actions, json!({ "action": "accept" }))
            .await;
        assert_eq!(s, 422);
        // A coordinator cannot withdraw an offer.
        let (_, adv_n) = advisor.get("/api/v1/notifications").await;
        assert!(
            adv_n["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["text"]["ja"].as_str().unwrap_or("").contains("受諾")),
            "{adv_n}"
        );

        // Activities: future, before the proposal, negative minutes and distance are refused.
        for (body, field) in [
            (
                json!({ "kind": "visit", "on_date": "2026-11-21", "minutes": "60" }),
                "on_date",
            ),
            (
                json!({ "kind": "visit", "on_date": "2026-11-19", "minutes": "60" }),
                "on_date",
            ),
            (
                json!({ "kind": "visit", "on_date": "2026-11-20", "minutes": "-5" }),
                "minutes",
            ),
            (
                json!({ "kind": "visit", "on_date": "2026-11-20", "minutes": "30", "travel_km": "-3" }),
                "travel_km",
            ),
            (
                json!({ "kind": "party", "on_date": "2026-11-20", "minutes": "30" }),
                "kind",
            ),
        ] {
            let (s, v) = coordinator.post(&activities, body.clone()).await;
            assert_eq!(s, 422, "{backend}: {body}");
            assert_eq!(field_codes(&v), [field], "{backend}: {body} → {v}");
        }
        let (s, v) = coordinator
            .post(
                &activities,
                json!({ "kind": "visit", "on_date": "2026-11-20", "minutes": "90", "travel_km": "12.5", "travel_minutes": "30", "notes": "胃ろう周りの確認" }),
            )
            .await;
        assert_eq!(s, 201, "{v}");

        // Advice: she asks, the advisor answers; both on the timeline.
        let advice = format!("/api/v1/dispatch-requests/{request}/advice");
        assert_eq!(
            coordinator.post(&advice, json!({ "text": "" })).await.0,
            422
        );
        assert_eq!(
            coordinator
                .post(&advice, json!({ "text": "栄養剤の量について相談したい" }))
                .await
                .0,
            204
        );
        assert_eq!(
            advisor
                .post(&advice, json!({ "text": "主治医に確認してください" }))
                .await
                .0,
            204
        );
        let (_, d) = coordinator
            .get(&format!("/api/v1/dispatch-requests/{request}"))
            .await;
        let kinds: Vec<&str> = d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "requested",
                "proposed",
                "accept",
                "start",
                "activity",
                "advice_asked",
                "advice_given"
            ],
            "{backend}"
        );
        assert_eq!(d["dispatches"][0]["status"], "active");
        assert_eq!(d["summary"]["status"], "active");
        assert_eq!(d["activities"][0]["travel_tenths_km"], 125);
        // A consultant cannot act on the dispatch.
        assert_eq!(
            consultant
                .post(&actions, json!({ "action": "complete" }))
                .await
                .0,
            403
        );

        // Complete; figures count it with 0 days to acceptance.
        assert_eq!(
            coordinator
                .post(&actions, json!({ "action": "complete" }))
                .await
                .0,
            200
        );
        let (s, f) = advisor.get("/api/v1/reports/dispatch?fy=2026").await;
        assert_eq!(s, 200, "{f}");
        assert_eq!(f["total"], 1);
        assert_eq!(f["median_days_to_accept"], 0.0);
        assert_eq!(f["by_municipality"][0][0], "392014");
        assert_eq!(f["declined"], 0);

        // Everything above is in the audit log.
        let log = w
            .app
            .store
            .audit_for_entity("dispatch_request", &request)
            .await
            .unwrap();
        for action in [
            "dispatch.request",
            "dispatch.propose",
            "dispatch.accept",
            "dispatch.activity",
            "dispatch.advice.ask",
            "dispatch.advice",
            "dispatch.complete",
            "dispatch.view",
        ] {
            assert!(
                log.iter().any(|r| r.action == action),
                "{backend}: {action} audited"
            );
        }
    }
}

#[tokio::test]
async fn pair_request_recommends_a_medical_and_welfare_pair_jointly() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = api_as(&w, Role::Advisor).await;
        for (name, prof) in [
            ("看護 一", "nurse"),
            ("看護 二", "nurse"),
            ("福祉 一", "consultation_specialist"),
        ] {
            let (s, v) = advisor
                .post(
                    "/api/v1/coordinators",
                    json!({ "name": name, "professions": [prof], "covers": ["390003"], "max_active_cases": "3" }),
                )
                .await;
            assert_eq!(s, 201, "{v}");
        }
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("両方", "リョウホウ")).unwrap();
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
        let (_, v) = advisor
            .post(
                "/api/v1/dispatch-requests",
                json!({ "child_id": child, "sides": "both" }),
            )
            .await;
        let request = v["id"].as_str().unwrap().to_string();
        let (_, rec) = advisor
            .get(&format!(
                "/api/v1/dispatch-requests/{request}/recommendation"
            ))
            .await;
        let pairs = rec["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 2, "{backend}: two nurses × one welfare");
        for p in pairs {
            assert_eq!(p["welfare"]["name"], "福祉 一");
        }
        let ids = json!([
            pairs[0]["medical"]["coordinator_id"],
            pairs[0]["welfare"]["coordinator_id"]
        ]);
        let (s, v) = advisor
            .post(
                &format!("/api/v1/dispatch-requests/{request}/proposals"),
                json!({ "coordinator_ids": ids }),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let (_, d) = advisor
            .get(&format!("/api/v1/dispatch-requests/{request}"))
            .await;
        let mut sides: Vec<&str> = d["dispatches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["side"].as_str().unwrap())
            .collect();
        sides.sort_unstable();
        assert_eq!(sides, ["medical", "welfare"]);
        // Both sides are taken: a third person is refused.
        let (s, _) = advisor
            .post(
                &format!("/api/v1/dispatch-requests/{request}/proposals"),
                json!({ "coordinator_ids": [pairs[1]["medical"]["coordinator_id"]] }),
            )
            .await;
        assert_eq!(s, 422);
    }
}

#[tokio::test]
async fn batch_proposal_respects_capacity_and_can_be_changed_before_confirming() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = api_as(&w, Role::Advisor).await;
        // One nurse with room for one case, one with room for two.
        let mut ids = Vec::new();
        for (name, max) in [("一件 看子", "1"), ("二件 看子", "2")] {
            let (_, v) = advisor
                .post(
                    "/api/v1/coordinators",
                    json!({ "name": name, "professions": ["nurse"], "covers": ["390003"], "max_active_cases": max }),
                )
                .await;
            ids.push(v["id"].as_str().unwrap().to_string());
        }
        let mut requests = Vec::new();
        for i in 0..4 {
            let form: store::children::ChildForm =
                serde_json::from_value(child_json(&format!("一括{i}"), "イッカツ")).unwrap();
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
            let (_, v) = advisor
                .post(
                    "/api/v1/dispatch-requests",
                    json!({ "child_id": child, "sides": "medical", "urgency": if i == 3 { "urgent" } else { "routine" } }),
                )
                .await;
            requests.push(v["id"].as_str().unwrap().to_string());
        }
        let (s, b) = advisor.get("/api/v1/dispatch-batch").await;
        assert_eq!(s, 200, "{b}");
        let lines = b["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 4);
        assert_eq!(b["proven_optimal"], true);
        // Three places for four requests: the urgent one is served, one is left with a reason.
        let served: Vec<&Value> = lines
            .iter()
            .filter(|l| !l["proposed"].as_array().unwrap().is_empty())
            .collect();
        assert_eq!(served.len(), 3, "{backend}: {b}");
        assert!(
            served
                .iter()
                .any(|l| l["request_id"] == requests[3].as_str()),
            "urgent first"
        );
        assert!(lines.iter().any(|l| l["unassigned"]["ja"].is_string()));
        // Putting two requests on the one-case nurse is refused, nothing written.
        let pick = |r: &str, c: &str| json!({ "request_id": r, "medical": c });
        let (s, v) = advisor
            .post(
                "/api/v1/dispatch-batch",
                json!({ "lines": [pick(&requests[0], &ids[0]), pick(&requests[1], &ids[0])] }),
            )
            .await;
        assert_eq!(s, 422, "{v}");
        assert!(v.to_string().contains("空き"), "{v}");
        let (_, open) = advisor.get("/api/v1/dispatch-requests?status=open").await;
        assert_eq!(
            open["items"].as_array().unwrap().len(),
            4,
            "nothing proposed"
        );
        // A changed, valid batch goes through in one transaction.
        let (s, v) = advisor
            .post(
                "/api/v1/dispatch-batch",
                json!({ "lines": [pick(&requests[3], &ids[0]), pick(&requests[0], &ids[1]), pick(&requests[1], &ids[1]), pick(&requests[2], "")] }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["proposed"], 3);
        let (_, open) = advisor.get("/api/v1/dispatch-requests?status=open").await;
        assert_eq!(open["items"].as_array().unwrap().len(), 1);
        let (_, b) = advisor.get("/api/v1/dispatch-batch").await;
        assert_eq!(b["lines"].as_array().unwrap().len(), 1);
        assert_eq!(
            b["lines"][0]["proposed"].as_array().unwrap().len(),
            0,
            "everyone is full"
        );
    }
}
