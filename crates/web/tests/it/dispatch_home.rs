//! Dispatch from anywhere, on each backend: the request form finds the child by kana or kanji
//! (never an id) and starts from a consultation's summary; notifications name the child, the
//! urgency and what happened; the menu counts unread notifications; the home page shows a
//! coordinator's offers and a lead's 未派遣 and 至急 requests.

use domain::Role;
use serde_json::{json, Value};
use store::testing::Draft;

use crate::*;

async fn api(
    w: &World,
    role: Role,
) -> impl Fn(
    reqwest::Method,
    String,
    Option<Value>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = (u16, Value)> + Send>> {
    let base = w.app.addr.clone();
    let token = token_for(&w.app, &w.user(role).login).await;
    move |m, path, body| {
        let (base, token) = (base.clone(), token.clone());
        Box::pin(async move { api_request(&base, &token, m, &path, body).await })
    }
}

async fn child(w: &World, family: &str, kana: &str) -> String {
    let form: store::children::ChildForm =
        serde_json::from_value(child_json(family, kana)).unwrap();
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

/// The value of the first radio button named child_id in a page.
fn first_child_radio(html: &str) -> Option<String> {
    let i = html.find("name=\"child_id\" id=\"hit-")?;
    let v = html[i..].find("value=\"")? + i + 7;
    Some(html[v..v + html[v..].find('"')?].to_string())
}

#[tokio::test]
async fn request_form_finds_the_child_by_kana_and_kanji_and_starts_from_the_consultation() {
    for backend in backends() {
        let w = world(backend).await;
        let kid = child(&w, "派遣", "ハケン").await;
        let _other = child(&w, "山田", "ヤマダ").await;
        let b = login(&w.app, "kochi.consultant").await;

        // The empty form has a search box, no field to type an id into.
        let page = get_text(&b.http, format!("{}/dispatch/new", b.base)).await;
        assert!(page.contains("id=\"child-q\""), "{backend}");
        assert!(!page.contains("id=\"child_id\""), "{backend}: no id field");
        assert!(first_child_radio(&page).is_none());

        // Hiragana, katakana and kanji find the child; the other child is not offered.
        for q in ["はけん", "ハケン", "派遣"] {
            let html = get_text(
                &b.http,
                format!("{}/dispatch/child-search?q={}", b.base, urlencode(q)),
            )
            .await;
            assert_eq!(
                first_child_radio(&html).as_deref(),
                Some(kid.as_str()),
                "{backend}: {q}: {html}"
            );
            assert!(html.contains("派遣 花子"), "{backend}: {q}");
            assert!(!html.contains("山田"), "{backend}: {q}");
        }
        let none = get_text(
            &b.http,
            format!("{}/dispatch/child-search?q={}", b.base, urlencode("すずき")),
        )
        .await;
        assert!(none.contains("id=\"child-none\""), "{backend}: {none}");
        // Without JavaScript the search button sends the form back with what was typed.
        let nojs = get_text(
            &b.http,
            format!(
                "{}/dispatch/new?q={}&urgency=urgent&sides=medical&note=x",
                b.base,
                urlencode("はけん")
            ),
        )
        .await;
        assert_eq!(first_child_radio(&nojs).as_deref(), Some(kid.as_str()));
        assert!(nojs.contains("value=\"urgent\" selected"), "{backend}");

        // Without a child picked, the form comes back saying so, with what was typed searched.
        let r = b
            .http
            .post(format!("{}/dispatch", b.base))
            .form(&[
                ("_csrf", b.csrf.as_str()),
                ("q", "はけん"),
                ("sides", "medical"),
                ("urgency", "routine"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        let html = r.text().await.unwrap();
        assert!(html.contains("対象の児童を選んでください"), "{backend}");
        assert_eq!(first_child_radio(&html).as_deref(), Some(kid.as_str()));
        // The request is made with the child picked from the search.
        let r = b
            .http
            .post(format!("{}/dispatch", b.base))
            .form(&[
                ("_csrf", b.csrf.as_str()),
                ("q", "はけん"),
                ("child_id", kid.as_str()),
                ("sides", "medical"),
                ("urgency", "routine"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}");

        // From a consultation: child, topics and the summary as the editable 依頼内容.
        let call = api(&w, Role::Consultant).await;
        let (s, v) = call(
            reqwest::Method::POST,
            "/api/v1/consultations".into(),
            Some(json!({ "channel": "phone", "requester_kind": "family", "child_id": kid,
                         "topics": ["medical_care"], "summary": "胃ろうの管理について訪問看護と相談したい" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let consultation = v["id"].as_str().unwrap();
        let page = get_text(
            &b.http,
            format!("{}/dispatch/new?consultation={consultation}", b.base),
        )
        .await;
        assert!(
            page.contains(">胃ろうの管理について訪問看護と相談したい</textarea>"),
            "{backend}: {page}"
        );
        assert!(page.contains("id=\"child-name\""), "{backend}");
        assert!(page.contains("派遣 花子"), "{backend}");
        assert!(
            page.contains("value=\"medical_care\" checked"),
            "{backend}: topics carried"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn notifications_name_child_and_urgency_the_menu_counts_them_and_home_pages_list_work() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = api(&w, Role::Advisor).await;
        let consultant = api(&w, Role::Consultant).await;
        let coordinator = api(&w, Role::Coordinator).await;
        use reqwest::Method;
        let (s, v) = advisor(
            Method::POST,
            "/api/v1/coordinators".into(),
            Some(json!({ "login": w.user(Role::Coordinator).login, "name": "高知 看子", "professions": ["nurse"],
                         "covers": ["392014"], "topics": ["tube_feeding_gastric"], "max_active_cases": "3" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let coord = v["id"].as_str().unwrap().to_string();
        let urgent_kid = child(&w, "至急", "シキュウ").await;
        let calm_kid = child(&w, "通常", "ツウジョウ").await;
        let (s, v) = consultant(
            Method::POST,
            "/api/v1/dispatch-requests".into(),
            Some(json!({ "child_id": urgent_kid, "sides": "medical", "urgency": "urgent" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let urgent_req = v["id"].as_str().unwrap().to_string();
        let (s, v) = consultant(
            Method::POST,
            "/api/v1/dispatch-requests".into(),
            Some(json!({ "child_id": calm_kid, "sides": "medical", "urgency": "routine" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let calm_req = v["id"].as_str().unwrap().to_string();

        // The coordinator has nothing yet: no count in the menu, no offer at home.
        let cb = login(&w.app, &w.user(Role::Coordinator).login).await;
        let home = get_text(&cb.http, format!("{}/", cb.base)).await;
        assert!(!home.contains("id=\"nav-unread\""), "{backend}");
        assert!(!home.contains("高知 看子") && !home.contains("至急 花子"));

        // Advisor home: both requests lack a coordinator; the urgent one is listed as 至急.
        let ab = login(&w.app, &w.user(Role::Advisor).login).await;
        let home = get_text(&ab.http, format!("{}/", ab.base)).await;
        let section = |html: &str, id: &str| -> String {
            let i = html
                .find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("{id}: {html}"));
            html[i..i + html[i..].find("</section>").unwrap()].to_string()
        };
        let unassigned = section(&home, "dispatch-unassigned");
        assert!(
            unassigned.contains(&format!("/dispatch/{urgent_req}")),
            "{backend}"
        );
        assert!(
            unassigned.contains(&format!("/dispatch/{calm_req}")),
            "{backend}"
        );
        assert!(unassigned.contains("至急 花子") && unassigned.contains("通常 花子"));
        let urgent = section(&home, "dispatch-urgent");
        assert!(
            urgent.contains("至急 花子") && !urgent.contains("通常 花子"),
            "{backend}: {urgent}"
        );
        // The advisor heard of both requests, named, with their urgency; the menu counts them.
        assert_eq!(text_of_id(&home, "nav-unread"), "(2)", "{backend}");
        let page = get_text(&ab.http, format!("{}/notifications", ab.base)).await;
        assert!(
            page.contains("至急：至急 花子さんの派遣依頼が届きました"),
            "{backend}: {page}"
        );
        assert!(
            page.contains("通常：通常 花子さんの派遣依頼が届きました"),
            "{backend}"
        );

        // Offer the urgent one to the coordinator.
        let (s, v) = advisor(
            Method::POST,
            format!("/api/v1/dispatch-requests/{urgent_req}/proposals"),
            Some(json!({ "coordinator_ids": [coord] })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let dispatch = v["ids"][0].as_str().unwrap().to_string();

        // Her menu counts it; the notification names the child, the urgency and what happened.
        let home = get_text(&cb.http, format!("{}/", cb.base)).await;
        assert_eq!(text_of_id(&home, "nav-unread"), "(1)", "{backend}");
        let offers = section(&home, "dispatch-offers");
        assert!(offers.contains("至急 花子"), "{backend}: {offers}");
        assert!(
            offers.contains(&format!("id=\"answer-{dispatch}\"")),
            "{backend}"
        );
        assert!(
            offers.contains(&format!("href=\"/dispatch/{urgent_req}")),
            "{backend}"
        );
        let page = get_text(&cb.http, format!("{}/notifications", cb.base)).await;
        assert!(
            page.contains("至急：至急 花子さんの派遣依頼の打診が届きました"),
            "{backend}: {page}"
        );
        let (s, n) = coordinator(Method::GET, "/api/v1/notifications".into(), None).await;
        assert_eq!(s, 200);
        assert_eq!(n["unread"], 1, "{backend}: {n}");
        let item = &n["items"][0];
        assert_eq!(item["child_name"], "至急 花子", "{backend}: {n}");
        assert_eq!(item["urgency"], "urgent");
        assert_eq!(item["kind"], "offer");
        assert_eq!(
            item["message"],
            "至急：至急 花子さんの派遣依頼の打診が届きました"
        );
        let (s, inbox) = coordinator(Method::GET, "/api/v1/dispatch-inbox".into(), None).await;
        assert_eq!(s, 200, "{backend}: {inbox}");
        assert_eq!(inbox["offers"][0]["dispatch_id"], dispatch.as_str());
        assert_eq!(inbox["active"].as_array().unwrap().len(), 0);
        assert_eq!(
            advisor(Method::GET, "/api/v1/dispatch-inbox".into(), None)
                .await
                .0,
            403
        );

        // Reading them all clears the count in the menu.
        let r = cb
            .http
            .post(format!("{}/notifications/read", cb.base))
            .form(&[("_csrf", cb.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let home = get_text(&cb.http, format!("{}/", cb.base)).await;
        assert!(!home.contains("id=\"nav-unread\""), "{backend}");

        // She accepts: the offer moves to her cases, and the advisor hears it, named.
        let (s, v) = coordinator(
            Method::POST,
            format!("/api/v1/dispatches/{dispatch}/actions"),
            Some(json!({ "action": "accept" })),
        )
        .await;
        assert_eq!(s, 200, "{backend}: {v}");
        let home = get_text(&cb.http, format!("{}/", cb.base)).await;
        assert!(!section(&home, "dispatch-offers").contains("至急 花子"));
        assert!(
            section(&home, "dispatch-active").contains("至急 花子"),
            "{backend}"
        );
        let page = get_text(&ab.http, format!("{}/notifications", ab.base)).await;
        assert!(
            page.contains("至急：至急 花子さんの派遣を高知 看子さんが受諾しました"),
            "{backend}: {page}"
        );
        // The advisor's lists: only the routine request still lacks a coordinator; the urgent
        // one stays on the 至急 list while it is in progress.
        let (s, pending) = advisor(Method::GET, "/api/v1/dispatch-pending".into(), None).await;
        assert_eq!(s, 200, "{backend}: {pending}");
        let ids = |k: &str| -> Vec<String> {
            pending[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids("unassigned"), vec![calm_req.clone()], "{backend}");
        assert_eq!(ids("urgent"), vec![urgent_req.clone()], "{backend}");

        // Reading named notifications is audited.
        let audited: i64 = w
            .app
            .store
            .audit_search(
                w.user(Role::Auditor),
                &store::audit::AuditFilter {
                    action: "dispatch.notifications".into(),
                    ..Default::default()
                },
                test_now(),
            )
            .await
            .map(|p| p.total)
            .unwrap_or(-1);
        assert!(audited >= 2, "{backend}: {audited}");
    }
}
