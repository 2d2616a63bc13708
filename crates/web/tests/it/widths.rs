//! Phone and tablet: at 390 px and 768 px wide (a phone in the field, a tablet at the
//! center), every main page fits the screen — nothing makes the page scroll sideways
//! (`scrollWidth <= innerWidth`); wide tables scroll inside their own box. A failing page is
//! saved as `/tmp/width-<px>-<page>.png` with the elements that stick out named.
//!
//! SQLite only, like the other browser tests (the layout does not depend on the database).

use domain::Role;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::browser::{connect, start_driver, wait_for};
use crate::browser_dispatch::sign_in;
use crate::*;

/// Chromium's DevTools command through chromedriver (`goog/cdp/execute`): emulate a device
/// width exactly (a window cannot be made narrower than about 500 px). Not as a "mobile"
/// device: that would zoom out to fit wide content and hide the overflow this test looks for.
#[derive(Debug)]
struct Cdp(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

async fn emulate_width(c: &Client, width: u32) {
    c.issue_cmd(Cdp(json!({
        "cmd": "Emulation.setDeviceMetricsOverride",
        "params": { "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }
    })))
    .await
    .unwrap_or_else(|e| panic!("device emulation failed: {e}"));
}

/// (scrollWidth, innerWidth, what sticks out).
async fn overflow(c: &Client) -> (u64, u64, Vec<String>) {
    let v = c
        .execute(
            "const w = window.innerWidth; const out = [];
             for (const e of document.querySelectorAll('body *')) {
               const r = e.getBoundingClientRect();
               if (r.right > w + 1 && r.width > 0) {
                 // Inside a box that scrolls sideways on its own: fine.
                 let p = e.parentElement, boxed = false;
                 while (p) { const s = getComputedStyle(p).overflowX;
                   if (s === 'auto' || s === 'scroll' || s === 'hidden') { boxed = true; break; }
                   p = p.parentElement; }
                 if (!boxed) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                   (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                   ' right=' + Math.round(r.right));
               }
               if (out.length >= 8) break;
             }
             return [document.documentElement.scrollWidth, w, out];",
            vec![],
        )
        .await
        .unwrap();
    let list = v[2]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0), list)
}

/// The main pages, found the way a person finds them: ids from the seeded records.
async fn main_pages(w: &World) -> Vec<String> {
    let adv = token_for(&w.app, &w.user(Role::Advisor).login).await;
    let (_, children) = call(w, &adv, reqwest::Method::GET, "/api/v1/children", None).await;
    let child = children["items"][0]["id"]
        .as_str()
        .or_else(|| children["rows"][0]["id"].as_str())
        .or_else(|| children[0]["id"].as_str())
        .unwrap_or_else(|| panic!("{children}"))
        .to_string();
    let (_, cons) = call(w, &adv, reqwest::Method::GET, "/api/v1/consultations", None).await;
    let consultation = cons["items"][0]["id"]
        .as_str()
        .or_else(|| cons[0]["id"].as_str())
        .unwrap_or_else(|| panic!("{cons}"))
        .to_string();
    let (_, inc) = call(w, &adv, reqwest::Method::GET, "/api/v1/incidents", None).await;
    let incident = inc[0]["id"]
        .as_str()
        .or_else(|| inc["items"][0]["id"].as_str())
        .unwrap_or_else(|| panic!("{inc}"))
        .to_string();
    let (_, reqs) = call(
        w,
        &adv,
        reqwest::Method::GET,
        "/api/v1/dispatch-requests",
        None,
    )
    .await;
    let request = reqs[0]["id"]
        .as_str()
        .or_else(|| reqs["items"][0]["id"].as_str())
        .unwrap_or_else(|| panic!("{reqs}"))
        .to_string();
    vec![
        "/".into(),
        "/children".into(),
        format!("/children/{child}"),
        format!("/children/{child}/edit"),
        format!("/children/{child}/power"),
        format!("/children/{child}/plan"),
        format!("/children/{child}/sheet"),
        "/intake".into(),
        "/consultations".into(),
        format!("/consultations/{consultation}"),
        "/incidents".into(),
        format!("/incidents/{incident}"),
        "/dispatch".into(),
        format!("/dispatch/{request}"),
        "/coordinators".into(),
        "/payments".into(),
        "/reports".into(),
        "/notifications".into(),
        "/account".into(),
    ]
}

#[tokio::test]
async fn main_pages_fit_phone_and_tablet_widths() {
    let w = world("sqlite").await;
    crate::crawl::seed(&w).await;
    let pages = main_pages(&w).await;
    let driver = start_driver().await;
    let c = connect(&driver).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    // Each role's own pages: the advisor sees most; the admin's and the auditor's pages are
    // theirs alone.
    let admin_pages: Vec<String> = ["/admin/users", "/admin/users/new", "/admin/center"]
        .map(String::from)
        .to_vec();
    let auditor_pages: Vec<String> = vec!["/audit".into()];
    for (role, pages) in [
        (Role::Advisor, &pages),
        (Role::Admin, &admin_pages),
        (Role::Auditor, &auditor_pages),
    ] {
        c.delete_all_cookies().await.unwrap();
        emulate_width(&c, 1280).await;
        sign_in(&c, &w.app, &w.user(role).login).await;
        for width in [390u32, 768] {
            emulate_width(&c, width).await;
            for path in pages {
                c.goto(&format!("{}{path}", w.app.addr)).await.unwrap();
                wait_for(&c, "main").await;
                let (scroll, inner, out) = overflow(&c).await;
                checked += 1;
                if width == 390 && (path.starts_with("/incidents/") || path == "/") {
                    // Kept for review: the phone view of the pages used in the field.
                    if let Ok(png) = c.screenshot().await {
                        let name = if path == "/" { "home" } else { "triage" };
                        let _ = std::fs::write(format!("/tmp/width-390-{name}.png"), png);
                    }
                }
                if scroll > inner {
                    let slug: String = path
                        .chars()
                        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
                        .take(40)
                        .collect();
                    let file = format!("/tmp/width-{width}-{slug}.png");
                    if let Ok(png) = c.screenshot().await {
                        let _ = std::fs::write(&file, png);
                    }
                    failures.push(format!(
                        "{} {width}px {path}: scrollWidth {scroll} > {inner} ({file}); sticking out: {out:?}",
                        role.code()
                    ));
                }
            }
        }
    }
    println!("widths: {checked} page views checked at 390 and 768 px (advisor, admin, auditor)");
    let _ = c.close().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
