//! A consultation's own page: open it (audited), correct it with a version check (a stale
//! form gets a 409 page comparing both versions and changes nothing), add course entries
//! (経過), and the same through the API. Scope as for the consultation list.

use chrono::NaiveDate;
use domain::Role;
use reqwest::Method;
use serde_json::json;
use store::testing::Draft;

use crate::*;

/// A child and one consultation about it, recorded by the own center's advisor.
async fn seed(w: &World) -> (String, String) {
    let adv = w.user(Role::Advisor);
    let form: store::children::ChildForm =
        serde_json::from_value(child_json("相談", "ソウダン")).unwrap();
    let child = w
        .app
        .store
        .register_child(adv, &form.draft(test_now()), true, test_now())
        .await
        .unwrap();
    let id = w
        .app
        .store
        .record_consultation(
            adv,
            &serde_json::from_value::<store::consultations::ConsultationForm>(json!({
                "occurred_at": "2026-11-18T14:30", "channel": "phone", "requester_kind": "family",
                "child_id": child, "topics": ["medical_care"], "summary": "吸引器の使い方について母親から相談",
                "response": "訪問看護に確認すると伝えた", "duration_minutes": 20, "followup_due": "2026-11-25"
            }))
            .unwrap().draft(test_now()),
            test_now(),
        )
        .await
        .unwrap();
    (child, id)
}

fn is_html(r: &reqwest::Response) -> bool {
    r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html")
}

/// The edit form's fields as the browser would post them.
fn edit_fields(csrf: &str, child: &str, version: &str, summary: &str) -> Vec<(String, String)> {
    [
        ("_csrf", csrf),
        ("version", version),
        ("subject", "child"),
        ("child_id", child),
        ("occurred_at", "2026-11-18T14:30"),
        ("channel", "visit_center"),
        ("requester_kind", "family"),
        ("topics", "medical_care"),
        ("topics", "school"),
        ("summary", summary),
        ("response", "訪問看護に確認すると伝えた"),
        ("duration_minutes", "25"),
        ("followup_due", "2026-11-25"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn actions(w: &World, id: &str) -> Vec<(String, String)> {
    w.app
        .store
        .audit_for_entity("consultation", id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.action, r.actor_login))
        .collect()
}

#[tokio::test]
async fn the_consultation_page_opens_with_the_menu_is_audited_and_linked() {
    for backend in backends() {
        let w = world(backend).await;
        let (child, id) = seed(&w).await;
        let adv = w.user(Role::Advisor);
        let b = login(&w.app, &adv.login).await;
        let r = b
            .http
            .get(format!("{}/consultations/{id}", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{backend}");
        assert!(is_html(&r));
        let html = r.text().await.unwrap();
        assert!(html.contains("<nav aria-label="), "{backend}: the menu");
        assert!(html.contains("吸引器の使い方について母親から相談"));
        assert!(html.contains("訪問看護に確認すると伝えた"));
        assert!(
            html.contains("2026-11-18 14:30"),
            "{backend}: JST date and time"
        );
        assert!(html.contains("2026-11-25"), "{backend}: the follow-up");
        assert!(html.contains(&format!("/children/{child}")));
        assert!(html.contains("id=\"course-form\""));
        assert!(
            actions(&w, &id)
                .await
                .contains(&("consultation.view".into(), adv.login.clone())),
            "{backend}: viewing is audited"
        );
        // The list and the child's page link to it.
        let list = get_text(&b.http, format!("{}/consultations", b.base)).await;
        assert!(list.contains(&format!("href=\"/consultations/{id}\"")));
        let child_page = get_text(&b.http, format!("{}/children/{child}", b.base)).await;
        assert!(child_page.contains(&format!("href=\"/consultations/{id}\"")));
        // A viewer reads it without the edit and course forms.
        let viewer = login(&w.app, &w.user(Role::Viewer).login).await;
        let html = get_text(&viewer.http, format!("{}/consultations/{id}", b.base)).await;
        assert!(html.contains("吸引器の使い方"));
        assert!(!html.contains("id=\"course-form\"") && !html.contains("/edit\""));
        // Another center: not found, page and API alike, and nothing of it shown.
        let nara = login(&w.app, &w.other_user(Role::Advisor).login).await;
        let r = nara
            .http
            .get(format!("{}/consultations/{id}", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{backend}");
        assert!(!r.text().await.unwrap().contains("吸引器"));
        let r = nara
            .http
            .get(format!("{}/consultations/{id}/edit", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{backend}");
        let token = token_for(&w.app, &w.other_user(Role::Advisor).login).await;
        let (s, _) = call(
            &w,
            &token,
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            None,
        )
        .await;
        assert_eq!(s, 404);
        // A coordinator not assigned to the child: refused, and the attempt audited.
        let coord = w.user(Role::Coordinator);
        let cb = login(&w.app, &coord.login).await;
        let r = cb
            .http
            .get(format!("{}/consultations/{id}", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{backend}");
        assert!(!r.text().await.unwrap().contains("吸引器"));
        assert!(actions(&w, &id)
            .await
            .contains(&("consultation.view.denied".into(), coord.login.clone())));
    }
}

#[tokio::test]
async fn editing_saves_keeps_figures_right_and_a_stale_form_gets_a_conflict_page() {
    for backend in backends() {
        let w = world(backend).await;
        let (child, id) = seed(&w).await;
        let adv = w.user(Role::Advisor);
        let b = login(&w.app, &adv.login).await;
        let edit = get_text(&b.http, format!("{}/consultations/{id}/edit", b.base)).await;
        assert!(edit.contains("<nav aria-label="));
        assert!(edit.contains("name=\"version\" value=\"1\""), "{backend}");
        assert!(edit.contains("吸引器の使い方について母親から相談"));
        // A form that fails the intake's checks: 422 with the message, nothing changed.
        let mut bad = edit_fields(&b.csrf, &child, "1", "");
        bad.retain(|(k, _)| k != "topics");
        let r = b
            .http
            .post(format!("{}/consultations/{id}", b.base))
            .form(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        let html = r.text().await.unwrap();
        assert!(html.contains("相談内容の分類を1つ以上選んでください"));
        assert!(html.contains("<nav aria-label="));
        // A correct edit: saved, version 2, audited, the figures follow.
        let r = b
            .http
            .post(format!("{}/consultations/{id}", b.base))
            .form(&edit_fields(
                &b.csrf,
                &child,
                "1",
                "吸引器の使い方と学校での対応",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(
            r.headers()["location"],
            format!("/consultations/{id}?saved=1").as_str()
        );
        let c = w.app.store.get_consultation(adv, &id).await.unwrap();
        assert_eq!(c.summary, "吸引器の使い方と学校での対応");
        assert_eq!(c.channel, "visit_center");
        assert_eq!(c.topics, vec!["medical_care", "school"]);
        assert_eq!(c.duration_minutes, Some(25));
        assert_eq!(c.version, 2);
        assert!(actions(&w, &id)
            .await
            .contains(&("consultation.update".into(), adv.login.clone())));
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (from, to) = (day("2026-04-01"), day("2027-03-31"));
        let fast = w
            .app
            .store
            .consultation_report(adv, from, to)
            .await
            .unwrap();
        let scanned = w
            .app
            .store
            .consultation_report_scanned(adv, from, to)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&fast).unwrap(),
            serde_json::to_value(&scanned).unwrap(),
            "{backend}: the aggregates moved with the edit"
        );
        // Every channel is listed (zeros included); only the edited one counts.
        let counted: Vec<_> = fast
            .by_channel
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| (c.key.as_str(), c.count))
            .collect();
        assert_eq!(counted, [("visit_center", 1)]);
        // Someone still holding version 1 saves: a 409 page with the menu, both versions side
        // by side, and nothing changes.
        let r = b
            .http
            .post(format!("{}/consultations/{id}", b.base))
            .form(&edit_fields(&b.csrf, &child, "1", "古い画面からの訂正"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{backend}");
        assert!(is_html(&r), "{backend}: a page, never JSON");
        let html = r.text().await.unwrap();
        assert!(html.contains("<nav aria-label="));
        let table = &html[html.find("id=\"conflict-compare\"").unwrap()..];
        assert!(table.contains("古い画面からの訂正"), "{backend}: mine");
        assert!(
            table.contains("吸引器の使い方と学校での対応"),
            "{backend}: saved"
        );
        assert!(
            html.contains("name=\"version\" value=\"2\""),
            "{backend}: overwrite offers the saved version"
        );
        let c = w.app.store.get_consultation(adv, &id).await.unwrap();
        assert_eq!(c.summary, "吸引器の使い方と学校での対応");
        assert_eq!(c.version, 2);
        // The API refuses a stale version the same way, as JSON.
        let token = token_for(&w.app, &adv.login).await;
        let (s, v) = call(
            &w,
            &token,
            Method::PATCH,
            &format!("/api/v1/consultations/{id}"),
            Some(json!({ "summary": "APIからの古い訂正", "version": 1 })),
        )
        .await;
        assert_eq!(s, 409, "{backend}");
        assert_eq!(v["error"], "conflict");
        let (s, v) = call(
            &w,
            &token,
            Method::PATCH,
            &format!("/api/v1/consultations/{id}"),
            Some(json!({ "summary": "APIからの訂正", "version": 2 })),
        )
        .await;
        assert_eq!(s, 200, "{backend}: {v}");
        assert_eq!(v["summary"], "APIからの訂正");
        assert_eq!(v["version"], 3);
        assert!(v["course"].is_array());
    }
}

#[tokio::test]
async fn course_entries_are_dated_not_in_the_future_and_audited() {
    for backend in backends() {
        let w = world(backend).await;
        let (_, id) = seed(&w).await;
        let adv = w.user(Role::Advisor);
        let b = login(&w.app, &adv.login).await;
        let post = |date: &'static str, body: &'static str| {
            b.http
                .post(format!("{}/consultations/{id}/course", b.base))
                .form(&[
                    ("_csrf", b.csrf.as_str()),
                    ("entry_date", date),
                    ("body", body),
                ])
                .send()
        };
        // Tomorrow (Japan time) is refused, naming the field; nothing is written.
        let r = post("2026-11-21", "訪問看護ステーションに連絡した")
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        let html = r.text().await.unwrap();
        assert!(html.contains("経過の日付に未来の日付は入力できません"));
        assert!(html.contains("<nav aria-label="));
        assert!(
            html.contains("訪問看護ステーションに連絡した"),
            "{backend}: what was typed is kept"
        );
        let r = post("2026-11-20", "　 ").await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("経過の内容を入力してください"));
        let token = token_for(&w.app, &adv.login).await;
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            &format!("/api/v1/consultations/{id}/course"),
            Some(json!({ "entry_date": "2027-01-01", "body": "先の予定" })),
        )
        .await;
        assert_eq!(s, 422, "{backend}");
        assert!(v["fields"]["entry_date"]
            .as_str()
            .unwrap()
            .contains("経過の日付"));
        let (_, rec) = call(
            &w,
            &token,
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            None,
        )
        .await;
        assert_eq!(rec["course"], json!([]), "{backend}: nothing written");
        assert!(!actions(&w, &id)
            .await
            .iter()
            .any(|(a, _)| a == "consultation.course_add"));
        // Today: saved, shown by date with its author, audited.
        let r = post("2026-11-20", "訪問看護ステーションに連絡した")
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}");
        let (s, rec) = call(
            &w,
            &token,
            Method::POST,
            &format!("/api/v1/consultations/{id}/course"),
            Some(json!({ "entry_date": "2026-11-19", "body": "母親に折り返し電話" })),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {rec}");
        let course = rec["course"].as_array().unwrap();
        assert_eq!(course.len(), 2);
        assert_eq!(course[0]["entry_date"], "2026-11-19", "oldest first");
        assert_eq!(course[1]["body"], "訪問看護ステーションに連絡した");
        assert_eq!(course[1]["author_name"], adv.display_name.as_str());
        let html = get_text(&b.http, format!("{}/consultations/{id}", b.base)).await;
        let list = &html[html.find("id=\"course-list\"").unwrap()..];
        assert!(list.contains("母親に折り返し電話") && list.contains(&adv.display_name));
        let n = actions(&w, &id)
            .await
            .iter()
            .filter(|(a, _)| a == "consultation.course_add")
            .count();
        assert_eq!(n, 2, "{backend}");
        // Another center cannot add to it.
        let nara = token_for(&w.app, &w.other_user(Role::Advisor).login).await;
        let (s, _) = call(
            &w,
            &nara,
            Method::POST,
            &format!("/api/v1/consultations/{id}/course"),
            Some(json!({ "entry_date": "2026-11-20", "body": "他センター" })),
        )
        .await;
        assert_eq!(s, 404, "{backend}");
    }
}

/// In a real browser: a consultant opens a saved consultation from the list, corrects its
/// summary on the edit page, and adds a 経過 entry; the page shows both. SQLite only, like the
/// other browser tests.
#[tokio::test]
async fn browser_edit_a_consultation_and_add_a_course_entry() {
    use crate::browser::{connect, start_driver, wait_for, wait_for_path};
    use crate::browser_dispatch::sign_in;
    use fantoccini::Locator;

    let w = world("sqlite").await;
    let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
    let (s, v) = call(
        &w,
        &cons,
        reqwest::Method::POST,
        "/api/v1/consultations",
        Some(
            serde_json::json!({ "channel": "phone", "requester_kind": "family",
            "person": { "name": "訂正 試子" }, "topics": ["other"], "summary": "誤記のある要約" }),
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let driver = start_driver().await;
    let c = connect(&driver).await;
    sign_in(&c, &w.app, &w.user(Role::Consultant).login).await;
    c.goto(&format!("{}/consultations", w.app.addr))
        .await
        .unwrap();
    c.find(Locator::Css(&format!("a[href='/consultations/{id}']")))
        .await
        .unwrap_or_else(|e| panic!("the list links to the consultation: {e}"))
        .click()
        .await
        .unwrap();
    wait_for_path(&c, &format!("/consultations/{id}")).await;
    wait_for(&c, "#edit-consultation")
        .await
        .click()
        .await
        .unwrap();
    wait_for_path(&c, &format!("/consultations/{id}/edit")).await;
    let summary = wait_for(&c, "#summary").await;
    summary.clear().await.unwrap();
    summary.send_keys("訂正した要約").await.unwrap();
    wait_for(&c, "#save-consultation")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "#saved").await;
    assert_eq!(
        wait_for(&c, "#consultation-summary")
            .await
            .text()
            .await
            .unwrap()
            .trim(),
        "訂正した要約"
    );
    wait_for(&c, "#course_body")
        .await
        .send_keys("母に折り返し電話し、訂正内容を確認した")
        .await
        .unwrap();
    wait_for(&c, "#save-course").await.click().await.unwrap();
    let course = wait_for(&c, "#course-list").await.text().await.unwrap();
    assert!(course.contains("母に折り返し電話し"), "course: {course}");
    let _ = c.close().await;
}
