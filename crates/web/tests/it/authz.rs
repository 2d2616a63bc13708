//! Authorization matrix: every declared route × every role × own center / other center /
//! anonymous. Routes are declared only in `web::policy` (the router is built from that table),
//! and this test keeps its own expectation for each one, so a new route without an expectation
//! here — or a policy that silently changes — fails.

use domain::Role;
use reqwest::Method;
use store::testing::Draft;
use web::policy::{
    specs, Policy, ADMINS, DISPATCH_ACTORS, LEADS, READERS, REPORTERS, REQUESTERS, STAFF, WRITERS,
};

use crate::*;

fn expected(method: &Method, path: &str) -> Option<Policy> {
    use Policy::*;
    let p = match (method.as_str(), path) {
        ("GET", "/healthz")
        | ("GET", "/static/{file}")
        | ("GET", "/login")
        | ("POST", "/login")
        | ("GET", "/lang/{lang}") => Public,
        ("GET", "/api/v1/openapi.json") => Public,
        ("GET", "/login/code") | ("POST", "/login/code") => Public,
        ("POST", "/logout") | ("GET", "/") => Authenticated,
        ("GET", "/account")
        | ("POST", "/account/password")
        | ("POST", "/account/mfa")
        | ("POST", "/account/recovery-codes") => Authenticated,
        ("GET", "/admin/users")
        | ("POST", "/admin/users/{id}/{action}")
        | ("POST", "/admin/mfa-roles")
        | ("GET", "/api/v1/users")
        | ("POST", "/api/v1/users/{id}/actions") => Roles(ADMINS),
        // Staff and center administration: admins only.
        ("GET", "/admin/users/new")
        | ("POST", "/admin/users")
        | ("POST", "/admin/users/{id}/role")
        | ("POST", "/admin/users/{id}/reset-password")
        | ("GET", "/admin/center")
        | ("POST", "/admin/center")
        | ("POST", "/api/v1/users")
        | ("PUT", "/api/v1/users/{id}/role")
        | ("POST", "/api/v1/users/{id}/password-reset")
        | ("GET", "/api/v1/center")
        | ("PUT", "/api/v1/center") => Roles(ADMINS),
        ("POST", "/children/{id}/break-glass") | ("POST", "/api/v1/children/{id}/break-glass") => {
            Roles(READERS)
        }
        ("GET", "/api/v1/break-glass") => Roles(LEADS),
        ("GET", "/children/{id}/consents") | ("GET", "/api/v1/children/{id}/consents") => {
            Roles(READERS)
        }
        ("POST", "/children/{id}/consents")
        | ("POST", "/children/{id}/consents/{consent_id}/withdraw")
        | ("POST", "/children/{id}/referrals")
        | ("POST", "/api/v1/children/{id}/consents")
        | ("POST", "/api/v1/children/{id}/referrals") => Roles(WRITERS),
        ("GET", "/children") | ("GET", "/children/{id}") | ("GET", "/consultations") => {
            Roles(READERS)
        }
        // A consultation's page reads like the list; editing it and its course (経過) write.
        ("GET", "/consultations/{id}") => Roles(READERS),
        ("GET", "/consultations/{id}/edit")
        | ("POST", "/consultations/{id}")
        | ("POST", "/consultations/{id}/course")
        | ("POST", "/api/v1/consultations/{id}/course") => Roles(WRITERS),
        ("GET", "/api/v1/children") | ("GET", "/api/v1/children/{id}") => Roles(READERS),
        ("GET", "/api/v1/consultations")
        | ("GET", "/api/v1/consultations/{id}")
        | ("GET", "/api/v1/organizations")
        | ("GET", "/organizations") => Roles(READERS),
        ("GET", "/children/new")
        | ("POST", "/children")
        | ("GET", "/children/{id}/edit")
        | ("POST", "/children/{id}") => Roles(WRITERS),
        ("GET", "/intake")
        | ("GET", "/intake/child-search")
        | ("GET", "/intake/person-match")
        | ("POST", "/intake")
        | ("POST", "/consultations/{id}/followup-done") => Roles(WRITERS),
        ("POST", "/api/v1/children") | ("PATCH", "/api/v1/children/{id}") => Roles(WRITERS),
        ("POST", "/api/v1/consultations")
        | ("PATCH", "/api/v1/consultations/{id}")
        | ("POST", "/api/v1/organizations")
        | ("POST", "/organizations") => Roles(WRITERS),
        ("GET", "/reports")
        | ("GET", "/reports.csv")
        | ("GET", "/api/v1/reports/consultations") => Roles(REPORTERS),
        ("GET", "/audit") | ("GET", "/audit/export.csv") | ("GET", "/api/v1/audit") => {
            Roles(web::policy::AUDITORS)
        }
        // Dispatch: staff see the roster and requests, leads run them, requesters ask,
        // coordinators act on their own dispatches (the store checks whose it is).
        ("GET", "/coordinators")
        | ("GET", "/dispatch/figures")
        | ("GET", "/api/v1/coordinators")
        | ("GET", "/api/v1/dispatch-requests")
        | ("GET", "/api/v1/reports/dispatch") => Roles(STAFF),
        ("GET", "/coordinators/new")
        | ("POST", "/coordinators")
        | ("POST", "/coordinators/weights")
        | ("GET", "/coordinators/{id}/edit")
        | ("POST", "/coordinators/{id}")
        | ("POST", "/dispatch/{id}/propose")
        | ("GET", "/dispatch/batch")
        | ("POST", "/dispatch/batch")
        | ("GET", "/api/v1/dispatch-batch")
        | ("POST", "/api/v1/dispatch-batch")
        | ("POST", "/dispatch/{id}/cancel")
        | ("POST", "/api/v1/coordinators")
        | ("PUT", "/api/v1/coordinators/{id}")
        | ("GET", "/api/v1/dispatch-requests/{id}/recommendation")
        | ("POST", "/api/v1/dispatch-requests/{id}/proposals") => Roles(LEADS),
        ("GET", "/dispatch/new")
        | ("GET", "/dispatch/child-search")
        | ("POST", "/dispatch")
        | ("POST", "/api/v1/dispatch-requests") => Roles(REQUESTERS),
        ("GET", "/dispatch")
        | ("GET", "/dispatch/{id}")
        | ("GET", "/api/v1/dispatch-requests/{id}") => Roles(READERS),
        ("POST", "/dispatch/{id}/advice")
        | ("POST", "/dispatches/{id}/action")
        | ("POST", "/dispatches/{id}/activities")
        | ("POST", "/activities/{id}/void")
        | ("POST", "/api/v1/dispatch-requests/{id}/advice")
        | ("POST", "/api/v1/dispatches/{id}/actions")
        | ("POST", "/api/v1/dispatches/{id}/activities") => Roles(DISPATCH_ACTORS),
        // Payments: advisors and admins review and approve; only admins set the rates.
        ("GET", "/payments")
        | ("GET", "/payments/{id}")
        | ("POST", "/payments/{id}/approve")
        | ("GET", "/payments/{id}/statement.csv")
        | ("GET", "/api/v1/payments")
        | ("GET", "/api/v1/payments/rates")
        | ("GET", "/api/v1/payments/statements/{id}")
        | ("POST", "/api/v1/payments/statements/{id}/approve") => Roles(LEADS),
        ("POST", "/payments/rates") | ("PUT", "/api/v1/payments/rates") => Roles(ADMINS),
        ("GET", "/children/{id}/services") | ("GET", "/api/v1/children/{id}/service-periods") => {
            Roles(READERS)
        }
        ("POST", "/children/{id}/services") | ("POST", "/api/v1/children/{id}/service-periods") => {
            Roles(WRITERS)
        }
        // Disaster: power per child like the record; outages for staff, coordinators and
        // municipal users (their area), opened by requesters, checked in by CHECKERS.
        ("GET", "/children/{id}/power") | ("GET", "/api/v1/children/{id}/power") => Roles(READERS),
        ("POST", "/children/{id}/power")
        | ("POST", "/children/{id}/power-units")
        | ("POST", "/children/{id}/power-units/{unit_id}/return")
        | ("PUT", "/api/v1/children/{id}/power")
        | ("POST", "/api/v1/children/{id}/power-units")
        | ("POST", "/api/v1/children/{id}/power-units/{unit_id}/return") => Roles(WRITERS),
        ("GET", "/incidents")
        | ("GET", "/incidents/{id}")
        | ("GET", "/incidents/{id}/rows")
        | ("GET", "/api/v1/incidents")
        | ("GET", "/api/v1/incidents/{id}/triage") => Roles(web::policy::INCIDENT_READERS),
        ("POST", "/incidents") | ("POST", "/api/v1/incidents") => Roles(REQUESTERS),
        ("POST", "/incidents/{id}/checkins") | ("POST", "/api/v1/incidents/{id}/checkins") => {
            Roles(web::policy::CHECKERS)
        }
        ("POST", "/incidents/{id}/close") | ("POST", "/api/v1/incidents/{id}/close") => {
            Roles(LEADS)
        }
        // Disaster plans, drills and emergency sheets follow the record's rules.
        ("GET", "/children/{id}/plan")
        | ("GET", "/children/{id}/plan/diff")
        | ("GET", "/children/{id}/sheet")
        | ("GET", "/sheets")
        | ("GET", "/sheets.csv")
        | ("GET", "/api/v1/children/{id}/plan")
        | ("GET", "/api/v1/children/{id}/plan/diff")
        | ("GET", "/api/v1/emergency-sheets") => Roles(READERS),
        ("POST", "/children/{id}/plan")
        | ("POST", "/children/{id}/drills")
        | ("POST", "/api/v1/children/{id}/plan")
        | ("POST", "/api/v1/children/{id}/drills") => Roles(WRITERS),
        ("GET", "/notifications")
        | ("POST", "/notifications/read")
        | ("GET", "/api/v1/notifications") => Authenticated,
        // Home-page dispatch lists: a coordinator's offers, a lead's 未派遣 and 至急 requests.
        ("GET", "/api/v1/dispatch-inbox") => Roles(web::policy::COORDINATORS),
        ("GET", "/api/v1/dispatch-pending") => Roles(LEADS),
        _ => return None,
    };
    Some(p)
}

#[tokio::test]
async fn every_route_has_the_expected_policy() {
    for spec in specs() {
        let exp = expected(&spec.method, spec.path);
        assert_eq!(
            exp,
            Some(spec.policy),
            "route {} {} has no expectation in the authorization matrix, or its policy changed",
            spec.method,
            spec.path
        );
    }
}

struct Ids {
    child: String,
    consultation: String,
    coordinator: String,
    request: String,
    dispatch: String,
    activity: String,
    incident: String,
}

async fn seed(w: &World, advisor: &store::Actor) -> Ids {
    let now = test_now();
    let form: store::children::ChildForm =
        serde_json::from_value(child_json("試験", "シケン")).unwrap();
    let child = w
        .app
        .store
        .register_child(advisor, &form.draft(now), true, now)
        .await
        .unwrap();
    let consultation = w
        .app
        .store
        .record_consultation(
            advisor,
            &serde_json::from_value::<store::consultations::ConsultationForm>(serde_json::json!({
                "channel": "phone", "requester_kind": "family", "child_id": child, "topics": ["medical_care"],
                "summary": "テスト相談", "followup_due": "2026-11-25"
            }))
            .unwrap().draft(now),
            now,
        )
        .await
        .unwrap();
    // A roster entry, a request proposed to it, accepted, with one activity.
    let today = domain::dates::jst_date(test_now());
    let coordinator = w
        .app
        .store
        .save_coordinator(
            advisor,
            None,
            &domain::dispatch::CoordinatorDraft::parse(&coordinator_input("392014"), today)
                .unwrap(),
            now,
        )
        .await
        .unwrap();
    let request = w
        .app
        .store
        .create_dispatch_request(
            advisor,
            &domain::dispatch::RequestDraft::parse(&domain::dispatch::RequestInput {
                child_id: child.clone(),
                sides: "medical".into(),
                ..Default::default()
            })
            .unwrap(),
            today,
            now,
        )
        .await
        .unwrap();
    let dispatch = w
        .app
        .store
        .propose_dispatch(
            advisor,
            &request,
            &store::dispatch::ProposalInput {
                coordinator_ids: vec![coordinator.clone()],
                override_reason: "試験のため担当地域外でも派遣する".into(),
            }
            .parse()
            .unwrap(),
            today,
            now,
        )
        .await
        .unwrap()
        .remove(0);
    w.app
        .store
        .dispatch_action(advisor, &dispatch, "accept", "", now)
        .await
        .unwrap();
    let activity = w
        .app
        .store
        .record_activity(
            advisor,
            &dispatch,
            &store::dispatch::ActivityInput {
                kind: "call".into(),
                on_date: today.to_string(),
                minutes: "15".into(),
                ..Default::default()
            }
            .parse(today)
            .unwrap(),
            now,
        )
        .await
        .unwrap();
    let incident = w
        .app
        .store
        .open_incident(
            advisor,
            &domain::disaster::IncidentInput {
                title: "試験停電".into(),
                municipality_codes: vec!["392014".into()],
                ..Default::default()
            }
            .draft(now),
            now,
        )
        .await
        .unwrap();
    Ids {
        child,
        consultation,
        coordinator,
        request,
        dispatch,
        activity,
        incident,
    }
}

fn concrete(path: &str, ids: &Ids) -> String {
    let id = if path.contains("consultations") {
        &ids.consultation
    } else if path.starts_with("/dispatch/") || path.contains("dispatch-requests") {
        &ids.request
    } else if path.contains("dispatches/") {
        &ids.dispatch
    } else if path.contains("coordinators/") || path.contains("payments/") {
        &ids.coordinator
    } else if path.contains("incidents/") {
        &ids.incident
    } else if path.starts_with("/activities/") {
        &ids.activity
    } else {
        &ids.child
    };
    path.replace("{file}", "app.css")
        .replace("{lang}", "en")
        .replace("{id}", id)
        .replace("{action}", "unlock")
        .replace("{consent_id}", "no-such-consent")
        .replace("{unit_id}", "no-such-unit")
}

async fn call(b: &Browser, method: &Method, path: &str) -> u16 {
    let url = format!("{}{}", b.base, path);
    let req = b
        .http
        .request(method.clone(), &url)
        .header("x-csrf-token", &b.csrf);
    let req = match (path.starts_with("/api/"), *method == Method::GET) {
        (_, true) => req,
        (true, false) => req.json(&serde_json::json!({})),
        (false, false) => req.form(&[("note", "")]),
    };
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn matrix_roles_by_route_own_and_other_center() {
    for backend in backends() {
        let w = world(backend).await;
        let own = seed(&w, w.user(Role::Advisor)).await;
        let other = seed(&w, w.other_user(Role::Advisor)).await;
        let anon = Browser {
            http: client(),
            base: w.app.addr.clone(),
            csrf: String::new(),
        };
        let mut checks = 0;
        for spec in specs() {
            checks += 1;
            // Anonymous callers reach only public routes.
            let status = call(&anon, &spec.method, &concrete(spec.path, &own)).await;
            match spec.policy {
                Policy::Public => assert!(
                    status != 401,
                    "{backend} anon {} {} -> {status}",
                    spec.method,
                    spec.path
                ),
                _ if spec.path.starts_with("/api/") => {
                    assert_eq!(status, 401, "{backend} anon {} {}", spec.method, spec.path)
                }
                _ => assert!(
                    status == 303 || status == 403,
                    "{backend} anon {} {} -> {status}",
                    spec.method,
                    spec.path
                ),
            }
        }
        for role in Role::all() {
            let b = login(&w.app, &w.user(role).login).await;
            for spec in specs() {
                if spec.path == "/logout" || (spec.path == "/login" && spec.method == Method::POST)
                {
                    continue;
                }
                let path = concrete(spec.path, &own);
                let status = call(&b, &spec.method, &path).await;
                let admitted = spec.policy.admits(Some(role));
                if !admitted {
                    checks += 1;
                    assert_eq!(
                        status, 403,
                        "{backend} {role:?} {} {} must be refused",
                        spec.method, spec.path
                    );
                    continue;
                }
                // Admitted by role; record scope still applies to coordinators (not assigned).
                // Incidents are not records: a coordinator sees one with only their own
                // children on the list (none here), so those routes answer normally.
                if role == Role::Coordinator
                    && spec.path.contains("{id}")
                    && !spec.path.ends_with("/break-glass")
                    && !spec.path.contains("incidents/")
                {
                    assert!(
                        status == 403 || status == 404,
                        "{backend} coordinator {} {} -> {status} (unassigned record)",
                        spec.method,
                        spec.path
                    );
                } else {
                    assert!(
                        status != 403 && status != 401 && status < 500,
                        "{backend} {role:?} {} {} -> {status}",
                        spec.method,
                        spec.path
                    );
                }
                checks += 1;
                // No such record: "not found" for every admitted role, never an error or data.
                if spec.path.contains("{id}") {
                    let none = || "01000000-0000-7000-8000-000000000000".to_string();
                    let missing = Ids {
                        child: none(),
                        consultation: none(),
                        coordinator: none(),
                        request: none(),
                        dispatch: none(),
                        activity: none(),
                        incident: none(),
                    };
                    let status = call(&b, &spec.method, &concrete(spec.path, &missing)).await;
                    assert!(
                        status == 404 || status == 403 || status == 422,
                        "{backend} {role:?} {} {} no record -> {status}",
                        spec.method,
                        spec.path
                    );
                    checks += 1;
                }
                // Another center's record is never visible, whatever the role.
                if spec.path.contains("{id}") && spec.method == Method::GET {
                    let status = call(&b, &spec.method, &concrete(spec.path, &other)).await;
                    assert!(
                        status == 404 || status == 403,
                        "{backend} {role:?} {} other center -> {status}",
                        spec.path
                    );
                    assert_ne!(status, 200);
                    checks += 1;
                }
            }
        }
        println!(
            "{backend}: authorization matrix {} routes x {} roles (+ anonymous): {checks} checks, 0 unexpected allows",
            specs().len(),
            Role::all().len()
        );
    }
}

#[tokio::test]
async fn coordinator_outside_scope_is_refused_and_audited() {
    for backend in backends() {
        let w = world(backend).await;
        let ids = seed(&w, w.user(Role::Advisor)).await;
        let coord = w.user(Role::Coordinator);
        let b = login(&w.app, &coord.login).await;
        let res = b
            .http
            .get(format!("{}/api/v1/children/{}", b.base, ids.child))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let log = w
            .app
            .store
            .audit_for_entity("child", &ids.child)
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|r| r.action == "child.view.denied" && r.actor_login == coord.login),
            "{backend}: denied view audited"
        );
        // Once assigned, the coordinator sees the child, and the view is audited.
        let mut form: store::children::ChildForm =
            serde_json::from_value(child_json("試験", "シケン")).unwrap();
        form.coordinator_ids = vec![coord.user_id.clone()];
        w.app
            .store
            .update_child(
                w.user(Role::Advisor),
                &ids.child,
                &form.draft(test_now()),
                None,
                test_now(),
            )
            .await
            .unwrap();
        let res = b
            .http
            .get(format!("{}/api/v1/children/{}", b.base, ids.child))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let log = w
            .app
            .store
            .audit_for_entity("child", &ids.child)
            .await
            .unwrap();
        assert!(log
            .iter()
            .any(|r| r.action == "child.view" && r.actor_login == coord.login));
        // The coordinator's child list holds exactly the assigned child.
        let list: serde_json::Value = b
            .http
            .get(format!("{}/api/v1/children", b.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn municipal_users_see_only_their_area_figures() {
    for backend in backends() {
        let w = world(backend).await;
        let adv = w.user(Role::Advisor);
        seed(&w, adv).await; // a consultation about a child in 392014 (高知市)
        let mut form: store::children::ChildForm =
            serde_json::from_value(child_json("別市", "ベツシ")).unwrap();
        form.municipality_code = "392022".into(); // 室戸市
        let other_child = w
            .app
            .store
            .register_child(adv, &form.draft(test_now()), true, test_now())
            .await
            .unwrap();
        w.app
            .store
            .record_consultation(
                adv,
                &serde_json::from_value::<store::consultations::ConsultationForm>(serde_json::json!({"channel":"phone","requester_kind":"family","child_id": other_child,"topics":["health"],"summary":"x"})).unwrap().draft(test_now()),
                test_now(),
            )
            .await
            .unwrap();
        let token = token_for(&w.app, &w.user(Role::Municipal).login).await;
        let r: serde_json::Value = client()
            .get(format!(
                "{}/api/v1/reports/consultations?from=2026-04-01&to=2027-03-31",
                w.app.addr
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            r["total"], 1,
            "{backend}: municipal user counts only 高知市"
        );
        let adv_token = token_for(&w.app, &adv.login).await;
        let r: serde_json::Value = client()
            .get(format!(
                "{}/api/v1/reports/consultations?from=2026-04-01&to=2027-03-31",
                w.app.addr
            ))
            .bearer_auth(&adv_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["total"], 2);
    }
}

#[tokio::test]
async fn break_the_glass_needs_a_reason_lasts_three_hours_and_shows_on_the_advisors_home() {
    for backend in backends() {
        let w = world(backend).await;
        let ids = seed(&w, w.user(Role::Advisor)).await;
        let other = seed(&w, w.other_user(Role::Advisor)).await;
        let coord = w.user(Role::Coordinator);
        let b = login(&w.app, &coord.login).await;
        let child_url = format!("{}/children/{}", b.base, ids.child);
        // Outside the coordinator's assignments: a 403 page that offers break-the-glass.
        let r = b.http.get(&child_url).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("/children/{}/break-glass", ids.child)));
        assert!(
            !html.contains("試験"),
            "{backend}: no personal data before the reason"
        );
        let post = |id: String, reason: &'static str| {
            b.http
                .post(format!("{}/children/{id}/break-glass", b.base))
                .form(&[("_csrf", b.csrf.as_str()), ("reason", reason)])
                .send()
        };
        // A reason too short to be one: refused, nothing granted.
        let r = post(ids.child.clone(), "急ぎ").await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("10文字以上"));
        assert_eq!(b.http.get(&child_url).send().await.unwrap().status(), 403);
        // Another center's child stays not found.
        let r = post(
            other.child.clone(),
            "家族から緊急の電話があり担当者が不在のため",
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 404, "{backend}: never across centers");
        // With a reason: open for three hours, with a banner, read-only.
        let r = post(
            ids.child.clone(),
            "家族から緊急の電話があり担当者が不在のため",
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 303);
        let r = b.http.get(&child_url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"break-glass-banner\""));
        assert!(
            !html.contains("/edit\""),
            "no edit link under break-the-glass"
        );
        assert!(
            html.contains("テスト相談"),
            "{backend}: the consultation history is part of it"
        );
        let log = w
            .app
            .store
            .audit_for_entity("child", &ids.child)
            .await
            .unwrap();
        assert!(log.iter().any(|r| r.action == "child.break_glass"
            && r.actor_login == coord.login
            && r.detail.contains("担当者が不在")));
        assert!(log
            .iter()
            .any(|r| r.action == "child.view" && r.detail.starts_with("break_glass=")));
        // The advisor sees it on the home page and through the API.
        let adv = login(&w.app, &w.user(Role::Advisor).login).await;
        let home = get_text(&adv.http, format!("{}/", adv.base)).await;
        assert!(
            home.contains("id=\"break-glass\"") && home.contains("担当者が不在"),
            "{backend}"
        );
        let token = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let list: serde_json::Value = client()
            .get(format!("{}/api/v1/break-glass", w.app.addr))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"][0]["active"], true);
        assert_eq!(list["items"][0]["user_login"], coord.login.as_str());
        // The consultant of another center sees nothing of it.
        let nara = token_for(&w.app, &w.other_user(Role::Advisor).login).await;
        let list: serde_json::Value = client()
            .get(format!("{}/api/v1/break-glass", w.app.addr))
            .bearer_auth(&nara)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
        // Three hours later the grant has ended.
        w.app
            .clock
            .advance(chrono::Duration::hours(3) + chrono::Duration::minutes(1));
        let b2 = login(&w.app, &coord.login).await;
        assert_eq!(
            b2.http.get(&child_url).send().await.unwrap().status(),
            403,
            "{backend}"
        );
        // Roles that already see the child get a clear refusal, not a grant.
        let r = client()
            .post(format!(
                "{}/api/v1/children/{}/break-glass",
                w.app.addr, ids.child
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({"reason": "理由を書いてみるテストです"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
    }
}
