//! End to end in a real browser: a power outage, from opening the incident to the printed
//! emergency information sheets.
//!
//! A consultant opens the incident and reads the triage order (unknown power data first, then
//! the child whose power runs out soonest); an advisor, in a second browser session of their
//! own (enrolling two-factor login on the way in), opens the same list; both record a check-in
//! for a different child at the same moment, and each then sees both; the advisor closes the
//! incident (accepting the confirmation dialog) and reads the report; finally the sheets are
//! printed to PDF through WebDriver's Print command and read back: one A4 page for one child,
//! one page per child for the municipality, with the child's details in the page's text.
//!
//! Preconditions that are not part of the flow (children with guardians, their power data, a
//! disaster plan) are set up through the store and the API. SQLite only, like `browser.rs`;
//! same requirements (chromium, chromedriver). Written for review: `/tmp/triage.png` (the
//! triage list after the check-ins), `/tmp/sheet.pdf` (one child) and `/tmp/sheets.pdf` (the
//! municipality).

use std::time::{Duration, Instant};
use store::testing::Draft;

use base64::Engine;
use domain::Role;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::browser::{connect, full_page_png, start_driver, wait_for, WAIT};
use crate::browser_dispatch::{present, sign_in, text, wait_to_leave};
use crate::*;

/// The three children: family name, kana, and what the triage list must say about them.
struct Kid {
    id: String,
    name: String,
}

struct Setup {
    /// 4 hours of internal battery.
    a: Kid,
    /// Suction device with unknown battery time: first on the list.
    b: Kid,
    /// 90 minutes: second. Has a disaster plan.
    c: Kid,
}

async fn api(w: &World, token: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let res = client()
        .request(method, format!("{}{path}", w.app.addr))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn setup(w: &World) -> Setup {
    let consultant = token_for(&w.app, &w.user(Role::Consultant).login).await;
    let mut kids = Vec::new();
    for (family, kana, device, internal) in [
        ("電源", "デンゲン", "ventilator", "240"),
        ("吸引", "キュウイン", "suction", ""),
        ("呼吸", "コキュウ", "ventilator", "90"),
    ] {
        let mut j = child_json(family, kana);
        j["guardians"] = json!([{ "name": format!("{family} 母"), "relation": "母",
            "phone": "088-823-1234", "is_primary": true }]);
        let form: store::children::ChildForm = serde_json::from_value(j).unwrap();
        let id = w
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
        let watts = if device == "suction" { "30" } else { "60" };
        let p = api(
            w,
            &consultant,
            reqwest::Method::PUT,
            &format!("/api/v1/children/{id}/power"),
            json!({ "devices": [{ "kind": device, "watts": watts, "internal_minutes": internal }] }),
        )
        .await;
        assert!(p["estimate"].is_object(), "{p}");
        kids.push(Kid {
            id,
            name: format!("{family} 花子"),
        });
    }
    let c = kids.pop().unwrap();
    let b = kids.pop().unwrap();
    let a = kids.pop().unwrap();
    let plan = api(
        w,
        &consultant,
        reqwest::Method::POST,
        &format!("/api/v1/children/{}/plan", c.id),
        json!({ "hazards": ["flood", "power_outage"], "agreed_on": "2026-11-01",
            "primary": { "kind": "welfare_shelter", "name": "高知市福祉避難所（架空）" },
            "contacts": [{ "name": "呼吸 父", "relation": "父", "phone": "090-1111-2222" }],
            "diagnoses": "脳性麻痺（架空）", "medicines": "抗てんかん薬（架空）" }),
    )
    .await;
    assert_eq!(plan["status"], "agreed", "{plan}");
    Setup { a, b, c }
}

/// Text of the first element matching `css` once it equals `want` (htmx swaps replace the
/// element, so it is looked up afresh each time).
async fn wait_text(c: &Client, css: &str, want: &str) {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if t.trim() == want {
                    return;
                }
                last = t;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{css} should read {want:?}, reads {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn row(child: &str) -> String {
    format!("#triage-table .triage-row[data-child='{child}']")
}

/// Choose a state and type a note in a child's check-in form; returns its submit button.
async fn fill_checkin(
    c: &Client,
    child: &str,
    status: &str,
    note: &str,
) -> fantoccini::elements::Element {
    let form = wait_for(c, &format!("{} .checkin-form", row(child))).await;
    form.find(Locator::Css("select[name=status]"))
        .await
        .unwrap()
        .select_by_value(status)
        .await
        .unwrap();
    form.find(Locator::Css("input[name=note]"))
        .await
        .unwrap()
        .send_keys(note)
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
}

/// The children of the triage list, top to bottom.
async fn triage_order(c: &Client) -> Vec<String> {
    wait_for(c, "#triage-table").await;
    let mut order = Vec::new();
    for r in c
        .find_all(Locator::Css("#triage-table .triage-row"))
        .await
        .unwrap()
    {
        order.push(r.attr("data-child").await.unwrap().unwrap_or_default());
    }
    order
}

// ------------------------------------------------------------------ printing to PDF

/// WebDriver's Print command (`POST /session/{id}/print`), which fantoccini 0.21 lacks.
#[derive(Debug)]
struct Print(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Print {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!("session/{}/print", session_id.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

/// Print the current page as a person would on A4 paper (portrait, scale 100 %, margins of
/// 1.5 cm as the print CSS asks) and return the PDF.
async fn print_pdf(c: &Client, file: &str) -> pdf::Pdf {
    let v = c
        .issue_cmd(Print(json!({
            "orientation": "portrait", "scale": 1, "background": true, "shrinkToFit": false,
            "page": { "width": 21.0, "height": 29.7 },
            "margin": { "top": 1.5, "bottom": 1.5, "left": 1.5, "right": 1.5 },
        })))
        .await
        .unwrap_or_else(|e| panic!("WebDriver print failed: {e}"));
    let b64 = v
        .as_str()
        .or_else(|| v["value"].as_str())
        .unwrap_or_else(|| panic!("print answered {v}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    std::fs::write(file, &bytes).unwrap();
    pdf::Pdf::parse(&bytes)
}

/// Text without any white space, for comparisons that do not depend on how Chromium spaced
/// the glyphs.
fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

// ------------------------------------------------------------------ the flow

async fn flow(cons: Client, adv: Client, w: World) -> Duration {
    let started = Instant::now();
    let base = w.app.addr.clone();
    let s = setup(&w).await;
    let consultant_login = w.user(Role::Consultant).login.clone();
    let advisor_login = w.user(Role::Advisor).login.clone();

    // 1. The consultant opens an incident for 高知市.
    sign_in(&cons, &w.app, &consultant_login).await;
    cons.goto(&format!("{base}/incidents")).await.unwrap();
    assert!(present(&cons, "#no-incidents").await);
    wait_for(&cons, "#title")
        .await
        .send_keys("台風による停電（高知市）")
        .await
        .unwrap();
    wait_for(&cons, "#municipality_codes")
        .await
        .send_keys("392014")
        .await
        .unwrap();
    wait_for(&cons, "#open-incident")
        .await
        .click()
        .await
        .unwrap();
    let incident_path = wait_to_leave(&cons, "/incidents").await;
    let incident_id = incident_path
        .strip_prefix("/incidents/")
        .unwrap_or_else(|| panic!("expected the incident page, got {incident_path}"))
        .to_string();
    assert!(!incident_id.is_empty() && !incident_id.contains('/'));
    assert_eq!(text(&cons, "h1").await.trim(), "台風による停電（高知市）");

    // 2. The triage order: unknown first (call them first), then 90 minutes, then 4 hours.
    let expected = vec![s.b.id.clone(), s.c.id.clone(), s.a.id.clone()];
    assert_eq!(
        triage_order(&cons).await,
        expected,
        "triage order should be B (unknown), C (1h30), A (4h)"
    );
    let first = text(&cons, &row(&s.b.id)).await;
    assert!(
        first.contains("不明 — 先に電話") && first.contains(&s.b.name),
        "first row: {first}"
    );
    assert_eq!(
        wait_for(&cons, &row(&s.b.id))
            .await
            .attr("class")
            .await
            .unwrap()
            .as_deref(),
        Some("triage-row unknown")
    );
    let second = text(&cons, &format!("{} td.estimate", row(&s.c.id))).await;
    assert!(second.starts_with("1時間30分"), "second row: {second}");
    let third = text(&cons, &format!("{} td.estimate", row(&s.a.id))).await;
    assert!(third.starts_with("4時間0分"), "third row: {third}");
    assert!(
        text(&cons, &row(&s.a.id)).await.contains("088-823-1234"),
        "the guardian's phone is on the row"
    );
    assert_eq!(text(&cons, "#count-not-called").await.trim(), "3");

    // 3. The advisor, in a session of their own, opens the same list.
    sign_in(&adv, &w.app, &advisor_login).await;
    adv.goto(&format!("{base}{incident_path}")).await.unwrap();
    assert_eq!(
        triage_order(&adv).await,
        expected,
        "the advisor sees the same order"
    );

    // 4. Both check a different child in at the same moment.
    const A_NOTE: &str = "母と電話、呼吸器は内部電池で稼働中";
    const C_NOTE: &str = "福祉避難所へ避難済みと父から連絡";
    let cons_button = fill_checkin(&cons, &s.a.id, "safe_at_home", A_NOTE).await;
    let adv_button = fill_checkin(&adv, &s.c.id, "evacuated", C_NOTE).await;
    let (x, y) = tokio::join!(cons_button.click(), adv_button.click());
    x.unwrap();
    y.unwrap();
    // Each session's htmx swap shows its own check-in…
    let status = |child: &str| format!("{} .checkin-status", row(child));
    wait_text(&cons, &status(&s.a.id), "在宅で無事").await;
    wait_text(&adv, &status(&s.c.id), "避難済み").await;
    assert!(!present(&cons, "#checkin-error").await);
    assert!(!present(&adv, "#checkin-error").await);
    // …and after a reload, both sessions show both: neither overwrote the other.
    for (c, who) in [(&cons, "consultant"), (&adv, "advisor")] {
        c.refresh().await.unwrap();
        assert_eq!(
            triage_order(c).await,
            expected,
            "{who}: check-ins do not reorder the list"
        );
        assert_eq!(
            text(c, &status(&s.a.id)).await.trim(),
            "在宅で無事",
            "{who}"
        );
        assert_eq!(text(c, &status(&s.c.id)).await.trim(), "避難済み", "{who}");
        assert_eq!(
            text(c, &status(&s.b.id)).await.trim(),
            "未連絡",
            "{who}: B was not called"
        );
        let a_row = text(c, &row(&s.a.id)).await;
        let c_row = text(c, &row(&s.c.id)).await;
        assert!(a_row.contains(A_NOTE), "{who}: A's note: {a_row}");
        assert!(c_row.contains(C_NOTE), "{who}: C's note: {c_row}");
        assert_eq!(text(c, "#count-not-called").await.trim(), "1", "{who}");
    }
    full_page_png(&cons, "/tmp/triage.png").await;

    // 5. The advisor closes the incident, confirming in the browser's dialog.
    wait_for(&adv, "#close-incident")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let question = loop {
        match adv.get_alert_text().await {
            Ok(t) => break t,
            Err(e) => assert!(
                Instant::now() < deadline,
                "no confirmation dialog after clicking close: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        question.contains("停電対応を終了します"),
        "dialog: {question}"
    );
    adv.accept_alert().await.unwrap();
    wait_for(&adv, "#report").await;
    assert_eq!(text(&adv, "#report-reached").await.trim(), "2");
    assert_eq!(text(&adv, "#report-never").await.trim(), "1");
    assert_eq!(text(&adv, "#incident-status").await.trim(), "終了");
    assert!(
        !present(&adv, ".checkin-form").await,
        "no check-ins once closed"
    );
    assert!(!present(&adv, "#close-incident").await);
    cons.refresh().await.unwrap();
    assert_eq!(text(&cons, "#report-reached").await.trim(), "2");
    assert!(!present(&cons, ".checkin-form").await);

    // 6. Print C's sheet: one A4 page with the child's details.
    cons.goto(&format!("{base}/children/{}/sheet", s.c.id))
        .await
        .unwrap();
    wait_for(&cons, ".sheet .sheet-name").await;
    let t0 = Instant::now();
    let one = print_pdf(&cons, "/tmp/sheet.pdf").await;
    let print_ms = t0.elapsed().as_millis();
    let pages = one.page_texts();
    println!(
        "sheet.pdf: {} page(s) (page tree /Count {}), printed in {print_ms} ms",
        pages.len(),
        one.page_count()
    );
    assert!(
        one.title().contains("緊急時情報シート"),
        "PDF title: {:?}",
        one.title()
    );
    for (w_pt, h_pt) in one.media_boxes() {
        assert!(
            (w_pt - 595.0).abs() < 3.0 && (h_pt - 842.0).abs() < 3.0,
            "page should be A4 (595 × 842 pt), is {w_pt} × {h_pt}"
        );
    }
    assert_eq!(
        (one.page_count(), pages.len()),
        (1, 1),
        "one child's sheet should fit one A4 page; pages: {pages:#?}"
    );
    let page = squash(&pages[0]);
    for want in [
        "緊急時情報シート",
        &s.c.name,
        "コキュウ",
        "脳性麻痺（架空）",
        "抗てんかん薬（架空）",
        "高知市福祉避難所（架空）",
        "090-1111-2222",
        "088-823-1234",
    ] {
        assert!(
            page.contains(&squash(want)),
            "the printed sheet should show {want}: {page}"
        );
    }

    // 7. Print the municipality's sheets: one page per child.
    cons.goto(&format!("{base}/sheets?municipality=392014"))
        .await
        .unwrap();
    wait_for(&cons, ".sheet").await;
    assert_eq!(
        cons.find_all(Locator::Css("article.sheet"))
            .await
            .unwrap()
            .len(),
        3
    );
    let area = print_pdf(&cons, "/tmp/sheets.pdf").await;
    let pages = area.page_texts();
    println!(
        "sheets.pdf (392014): {} page(s) (page tree /Count {})",
        pages.len(),
        area.page_count()
    );
    assert_eq!(
        (area.page_count(), pages.len()),
        (3, 3),
        "three children, three A4 pages; pages: {pages:#?}"
    );
    let names = [&s.a.name, &s.b.name, &s.c.name];
    let mut seen = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let p = squash(p);
        let on_page: Vec<&&String> = names.iter().filter(|n| p.contains(&squash(n))).collect();
        assert_eq!(
            on_page.len(),
            1,
            "page {} should hold one child: {p}",
            i + 1
        );
        assert!(p.contains("緊急時情報シート"), "page {}: {p}", i + 1);
        seen.push(on_page[0].to_string());
    }
    seen.sort();
    let mut all: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    all.sort();
    assert_eq!(seen, all, "every child has a page");

    started.elapsed()
}

#[tokio::test]
async fn browser_outage_triage_concurrent_checkins_close_and_print() {
    // One chromedriver (and Chromium profile) per person: two independent cookie jars.
    let cons_driver = start_driver().await;
    let adv_driver = start_driver().await;
    let cons = connect(&cons_driver).await;
    let adv = connect(&adv_driver).await;
    let w = world("sqlite").await;
    let result = tokio::spawn(flow(cons.clone(), adv.clone(), w)).await;
    if result.is_err() {
        for (c, file) in [
            (&cons, "/tmp/disaster-failure-consultant.png"),
            (&adv, "/tmp/disaster-failure-advisor.png"),
        ] {
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(file, png);
                eprintln!("browser state at the failure: {file}");
            }
        }
    }
    let _ = cons.close().await;
    let _ = adv.close().await;
    drop(cons_driver);
    drop(adv_driver);
    match result {
        Ok(t) => println!("outage flow: {} ms", t.as_millis()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("browser flow did not finish: {e}"),
    }
}

mod pdf;
