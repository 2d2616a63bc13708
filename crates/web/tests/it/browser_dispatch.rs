//! End to end in a real browser: the advisor's dispatch flow, from a consultation to the
//! coordinator's payment statement.
//!
//! Two browser sessions side by side (one chromedriver and Chromium profile each): the advisor
//! (who enrols two-factor login on the way in) makes a dispatch request from the consultation
//! list, reads the recommendation with its reasons and proposes the coordinator; the
//! coordinator sees the offer on their home page, finds it in the inbox, accepts it and records a visit with the activity form;
//! the advisor sees the visit on the coordinator's statement for the month, with the amount
//! the rates give, and — once the month is over and after logging in again — approves it.
//!
//! Preconditions that are not part of the flow (roster entry, child, consultation, rates) are
//! set up through the store and the API. SQLite only, like `browser.rs`; same requirements
//! (chromium, chromedriver). A PNG of the advisor's request page with the recommendation is
//! written to `/tmp/dispatch_flow.png`.

use std::time::{Duration, Instant};
use store::testing::Draft;

use domain::Role;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{
    connect, full_page_png, press, start_driver, value_of, wait_for, wait_for_path, WAIT,
};
use crate::*;

/// The visit recorded in the flow: 60 minutes, 8.5 km and 20 minutes of travel. With the rates
/// set below: 5000 + 3000 × 1 h + 30 × 8.5 km + 1000 × 20/60 h = 5000 + 3000 + 255 + 333.
const EXPECTED_TOTAL: &str = "8,588";

/// The path the browser is on.
pub(crate) async fn path_of(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

/// Wait until the browser has left `from` (an exact path), and return where it is now.
pub(crate) async fn wait_to_leave(c: &Client, from: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let path = path_of(c).await;
        if path != from {
            return path;
        }
        if Instant::now() > deadline {
            let errors = match c.find(Locator::Css("[role=alert]")).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("still on {from} after {WAIT:?}; errors shown: {errors:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Text of the first element matching `css`, waiting for it.
pub(crate) async fn text(c: &Client, css: &str) -> String {
    wait_for(c, css).await.text().await.unwrap()
}

/// Whether an element matching `css` is on the page right now (no waiting).
pub(crate) async fn present(c: &Client, css: &str) -> bool {
    !c.find_all(Locator::Css(css)).await.unwrap().is_empty()
}

/// Log in on the login page, as a person would; for a role that must use two-factor login,
/// enrol on the first login (reading the secret shown for manual entry) or type the current
/// code. Ends on the home page.
pub(crate) async fn sign_in(c: &Client, app: &TestApp, login: &str) {
    c.goto(&format!("{}/login", app.addr)).await.unwrap();
    wait_for(c, "#login").await.send_keys(login).await.unwrap();
    wait_for(c, "#password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    press(c, Key::Enter).await;
    let now_on = wait_to_leave(c, "/login").await;
    if now_on == "/login/code" {
        let field = wait_for(c, "#code").await;
        let enrolling = present(c, "#secret").await;
        let code = if enrolling {
            let secret = text(c, "#secret").await.replace(' ', "");
            app.totp
                .lock()
                .unwrap()
                .insert(login.to_string(), secret.clone());
            domain::totp::TotpSecret::parse_base32(&secret)
                .unwrap()
                .code_at(app.clock.now().timestamp())
        } else {
            totp_code(app, login)
        };
        field.send_keys(&code).await.unwrap();
        press(c, Key::Enter).await;
        if enrolling {
            // The recovery codes are shown once (on the same path), then on to the home page.
            wait_for(c, "#recovery-codes").await;
            wait_for(c, "#continue").await.click().await.unwrap();
        }
        wait_to_leave(c, "/login/code").await;
    }
    wait_for_path(c, "/").await;
}

/// Ids and names the flow needs from the setup.
struct Setup {
    child_id: String,
    consultation_id: String,
    coordinator_name: String,
}

async fn setup(w: &World) -> Setup {
    let now = test_now();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    // The coordinator user is on the roster: a nurse covering 高知市 who knows tube feeding.
    let mut input = coordinator_input("392014");
    input.login = w.user(Role::Coordinator).login.clone();
    w.app
        .store
        .save_coordinator(
            w.user(Role::Advisor),
            None,
            &domain::dispatch::CoordinatorDraft::parse(&input, today).unwrap(),
            now,
        )
        .await
        .unwrap();
    // A child in 高知市 on tube feeding, and a phone consultation about them.
    let form: store::children::ChildForm =
        serde_json::from_value(child_json("派遣", "ハケン")).unwrap();
    let child_id = w
        .app
        .store
        .register_child(w.user(Role::Advisor), &form.draft(now), true, now)
        .await
        .unwrap();
    let api = client();
    let consultant = token_for(&w.app, &w.user(Role::Consultant).login).await;
    let res = api
        .post(format!("{}/api/v1/consultations", w.app.addr))
        .bearer_auth(&consultant)
        .json(
            &json!({ "channel": "phone", "requester_kind": "family", "child_id": child_id,
                       "topics": ["medical_care"], "summary": "胃ろうの管理について訪問の相談" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        201,
        "consultation: {}",
        res.text().await.unwrap()
    );
    let v: serde_json::Value = res.json().await.unwrap();
    let consultation_id = v["id"].as_str().unwrap().to_string();
    // Payment rates (an admin's task, not part of this flow).
    let admin = token_for(&w.app, &w.user(Role::Admin).login).await;
    let res = api
        .put(format!("{}/api/v1/payments/rates", w.app.addr))
        .bearer_auth(&admin)
        .json(
            &json!({ "per_visit": 5000, "per_hour": 3000, "per_km": 30, "per_travel_hour": 1000 }),
        )
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "rates: {} {}",
        res.status(),
        res.text().await.unwrap()
    );
    Setup {
        child_id,
        consultation_id,
        coordinator_name: input.name,
    }
}

async fn flow(adv: Client, coord: Client, w: World) -> Duration {
    let started = Instant::now();
    let base = w.app.addr.clone();
    let s = setup(&w).await;
    let advisor_login = w.user(Role::Advisor).login.clone();
    let coordinator_login = w.user(Role::Coordinator).login.clone();

    // 1. The advisor logs in (enrolling two-factor login) and opens the consultation list.
    sign_in(&adv, &w.app, &advisor_login).await;
    adv.goto(&format!("{base}/consultations")).await.unwrap();
    let link = wait_for(&adv, "a.dispatch-from-consultation").await;
    let href = link.attr("href").await.unwrap().unwrap_or_default();
    assert_eq!(
        href,
        format!("/dispatch/new?consultation={}", s.consultation_id),
        "the consultation row should link to a request made from it"
    );

    // 2. The request form, prefilled from the consultation.
    link.click().await.unwrap();
    wait_for_path(&adv, "/dispatch/new").await;
    let child = text(&adv, "#child-name").await;
    assert!(child.contains("派遣"), "the child should be named: {child}");
    assert_eq!(
        value_of(&adv, "input[name=child_id]:checked").await,
        s.child_id
    );
    assert_eq!(
        value_of(&adv, "#note").await,
        "胃ろうの管理について訪問の相談",
        "the consultation's summary should start the request's 依頼内容"
    );
    assert_eq!(
        value_of(&adv, "input[type=hidden][name=consultation_id]").await,
        s.consultation_id
    );
    assert!(
        wait_for(&adv, "input[name=topics][value=medical_care]")
            .await
            .is_selected()
            .await
            .unwrap(),
        "the consultation's topic should be ticked"
    );
    wait_for(&adv, "#sides")
        .await
        .select_by_value("medical")
        .await
        .unwrap();
    wait_for(&adv, "#urgency")
        .await
        .select_by_value("soon")
        .await
        .unwrap();
    let tube = wait_for(&adv, "input[name=topics][value=tube_feeding_gastric]").await;
    tube.click().await.unwrap();
    assert!(tube.is_selected().await.unwrap());
    wait_for(&adv, "#create-request")
        .await
        .click()
        .await
        .unwrap();
    let request_path = wait_to_leave(&adv, "/dispatch/new").await;
    let request_id = request_path
        .strip_prefix("/dispatch/")
        .unwrap_or_else(|| panic!("expected the request page, got {request_path}"))
        .to_string();
    assert!(!request_id.is_empty() && !request_id.contains('/'));

    // 3. The recommendation: the roster's nurse, with her reasons.
    wait_for(&adv, "#candidates").await;
    let candidates = adv
        .find_all(Locator::Css("#candidates .candidate"))
        .await
        .unwrap();
    assert_eq!(candidates.len(), 1, "one candidate on the roster");
    let name = candidates[0]
        .find(Locator::Css(".candidate-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(name, s.coordinator_name);
    let row = candidates[0].text().await.unwrap();
    for reason in ["高知市を担当", "看護師"] {
        assert!(row.contains(reason), "reason {reason} missing: {row}");
    }
    assert!(
        row.contains("胃ろう") || row.contains("経管"),
        "the tube-feeding reason is missing: {row}"
    );
    assert!(present(&adv, "#no-dispatches").await);
    full_page_png(&adv, "/tmp/dispatch_flow.png").await;

    // 4. Propose her.
    candidates[0]
        .find(Locator::Css(".propose-one"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let line = wait_for(&adv, "#dispatch-lines .dispatch-line").await;
    assert_eq!(
        line.attr("data-status").await.unwrap().as_deref(),
        Some("proposed")
    );
    let line_text = line.text().await.unwrap();
    assert!(line_text.contains(&s.coordinator_name), "{line_text}");

    // 5. The coordinator, in a session of their own, sees the offer on their home page (and
    // the notification counted in the menu), then finds the request in the inbox.
    sign_in(&coord, &w.app, &coordinator_login).await;
    let offers = text(&coord, "#dispatch-offers").await;
    assert!(
        offers.contains("派遣"),
        "home should list the offer: {offers}"
    );
    assert!(
        present(
            &coord,
            &format!("#dispatch-offers a[href='/dispatch/{request_id}#dispatch-lines']")
        )
        .await,
        "the offer links to where it is accepted or declined"
    );
    assert_eq!(text(&coord, "#nav-unread").await.trim(), "(1)");
    coord.goto(&format!("{base}/dispatch")).await.unwrap();
    let inbox = text(&coord, "#inbox-table").await;
    assert!(
        inbox.contains("派遣"),
        "inbox should list the child: {inbox}"
    );
    wait_for(
        &coord,
        &format!("#inbox-table a[href='/dispatch/{request_id}']"),
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for_path(&coord, &request_path).await;
    assert!(
        !present(&coord, "#candidates").await,
        "the recommendation is for leads only"
    );
    assert!(
        !present(&coord, "#activity-form").await,
        "no activity before accepting"
    );

    // 6. Accept.
    wait_for(&coord, "#dispatch-lines .action-form .action-accept")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&coord, "#activity-form").await;
    let line = wait_for(&coord, "#dispatch-lines .dispatch-line").await;
    assert_eq!(
        line.attr("data-status").await.unwrap().as_deref(),
        Some("accepted")
    );

    // 7. Record the visit with the form.
    wait_for(&coord, "#activity-form input[name=kind][value=visit]")
        .await
        .click()
        .await
        .unwrap();
    let date = wait_for(&coord, "#on_date").await;
    date.click().await.unwrap();
    // en-US date field (month, day, year), as in browser.rs.
    date.send_keys("11202026").await.unwrap();
    assert_eq!(value_of(&coord, "#on_date").await, "2026-11-20");
    for (css, value) in [
        ("#minutes", "60"),
        ("#travel_km", "8.5"),
        ("#travel_minutes", "20"),
        (
            "#activity-notes",
            "胃ろう周りの皮膚を確認、母親と手技を確認",
        ),
    ] {
        let field = wait_for(&coord, css).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    wait_for(&coord, "#save-activity")
        .await
        .click()
        .await
        .unwrap();
    let acts = text(&coord, "#activities-table").await;
    for part in ["2026-11-20", "訪問", "60", "胃ろう周り"] {
        assert!(acts.contains(part), "activity should show {part}: {acts}");
    }
    assert!(!present(&coord, "#form-errors").await);

    // 8. The advisor's statement for November lists the visit with the amount the rates give.
    adv.goto(&format!("{base}/payments?month=2026-11"))
        .await
        .unwrap();
    let month = text(&adv, "#month-table").await;
    assert!(month.contains(&s.coordinator_name), "{month}");
    let statement_link = wait_for(&adv, "#month-table a").await;
    let statement_href = statement_link
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    statement_link.click().await.unwrap();
    wait_for(&adv, "#statement-lines").await;
    let lines = adv
        .find_all(Locator::Css("#statement-lines .statement-line"))
        .await
        .unwrap();
    assert_eq!(lines.len(), 1, "one line: the visit");
    let line = lines[0].text().await.unwrap();
    assert!(
        line.contains("2026-11-20") && line.contains("訪問") && line.contains("派遣"),
        "{line}"
    );
    let total = text(&adv, "#statement-total").await;
    assert!(
        total.contains(EXPECTED_TOTAL),
        "total should be {EXPECTED_TOTAL}円: {total}"
    );
    assert!(
        !present(&adv, "#approve").await,
        "November is not over yet: no approval"
    );
    assert_eq!(text(&adv, "#statement-state").await.trim(), "未承認");

    // 9. December 1st: the sessions have ended; the advisor logs in again (a fresh code) and
    //    approves the month.
    w.app.clock.advance(chrono::Duration::days(11));
    adv.goto(&format!("{base}{statement_href}")).await.unwrap();
    wait_for(&adv, "#login").await;
    sign_in(&adv, &w.app, &advisor_login).await;
    adv.goto(&format!("{base}{statement_href}")).await.unwrap();
    wait_for(&adv, "#approve").await.click().await.unwrap();
    let notice = text(&adv, "#notice").await;
    assert!(!notice.trim().is_empty());
    assert_eq!(
        text(&adv, "#statement-state").await.trim(),
        "承認済み（確定）"
    );
    assert!(
        text(&adv, "#approvals").await.contains(EXPECTED_TOTAL),
        "the approval should record the total"
    );
    assert!(
        !present(&adv, "#approve").await,
        "an approved month cannot be approved again"
    );
    assert!(text(&adv, "#statement-total")
        .await
        .contains(EXPECTED_TOTAL));

    started.elapsed()
}

#[tokio::test]
async fn browser_dispatch_flow_advisor_to_payment() {
    // One chromedriver (and Chromium profile) per person: two independent cookie jars.
    let adv_driver = start_driver().await;
    let coord_driver = start_driver().await;
    let adv = connect(&adv_driver).await;
    let coord = connect(&coord_driver).await;
    let w = world("sqlite").await;
    let result = tokio::spawn(flow(adv.clone(), coord.clone(), w)).await;
    if result.is_err() {
        for (c, file) in [
            (&adv, "/tmp/dispatch-failure-advisor.png"),
            (&coord, "/tmp/dispatch-failure-coordinator.png"),
        ] {
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(file, png);
                eprintln!("browser state at the failure: {file}");
            }
        }
    }
    let _ = adv.close().await;
    let _ = coord.close().await;
    drop(adv_driver);
    drop(coord_driver);
    match result {
        Ok(t) => println!("dispatch flow: {} ms", t.as_millis()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("browser flow did not finish: {e}"),
    }
}
