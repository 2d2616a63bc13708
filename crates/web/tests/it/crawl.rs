//! As a person would: log in as every role, start at the home page and follow every link
//! reachable from it (same site, GET), and fail on any answer that is an error (4xx/5xx) or
//! any JSON body on a page route. The center has one of each kind of record first — a child
//! with devices, a plan, consultations (one about an unregistered person), an outage, a
//! roster entry and a dispatch request — so the pages have links to follow.
//!
//! The same walk feeds the Nu HTML checker: one page per route shape and role is saved and, when
//! `TSUNAGU_VNU_JAR` names vnu.jar, checked in one run that must report no error.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::Path;

use domain::Role;
use reqwest::Method as M;
use serde_json::json;

use crate::*;

/// Pages visited per role at most (a guard against a link that grows forever).
const MAX_PAGES: usize = 400;

pub(crate) async fn seed(w: &World) {
    let adv = token_for(&w.app, &w.user(Role::Advisor).login).await;
    let coordinator = w.user(Role::Coordinator).user_id.clone();
    let mut j = child_json("巡回", "ジュンカイ");
    j["medical_care"] = json!(["ventilator", "suction"]);
    j["coordinator_ids"] = json!([coordinator]);
    j["guardians"] = json!([{ "name": "巡回 母", "relation": "母", "phone": "088-823-1234", "is_primary": true }]);
    j["devices"] = json!([{ "kind": "ventilator", "internal_minutes": "240", "settings": "SIMV" }]);
    let (s, v) = call(w, &adv, M::POST, "/api/v1/children", Some(j)).await;
    assert_eq!(s, 201, "{v}");
    let child = v["id"].as_str().unwrap().to_string();
    let mut k = child_json("未入", "ミニュウ");
    k["medical_care"] = json!(["oxygen"]);
    let (s, v) = call(w, &adv, M::POST, "/api/v1/children", Some(k)).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(
        w,
        &adv,
        M::POST,
        &format!("/api/v1/children/{child}/plan"),
        Some(json!({
        "hazards": ["flood"], "agreed_on": "2026-11-01",
        "contacts": [{ "name": "巡回 父", "relation": "父", "phone": "090-1111-2222" }] })),
    )
    .await;
    assert!(s == 201 || s == 200, "{v}");
    let (s, v) = call(w, &adv, M::POST, "/api/v1/consultations", Some(json!({
        "channel": "phone", "requester_kind": "family", "child_id": child,
        "topics": ["medical_care"], "summary": "呼吸器の電池について", "followup_due": "2026-11-25" }))).await;
    assert_eq!(s, 201, "{v}");
    let consultation = v["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        w,
        &adv,
        M::POST,
        "/api/v1/consultations",
        Some(json!({
        "channel": "phone", "requester_kind": "family", "person": { "name": "登録 外子" },
        "topics": ["other"], "summary": "一般的な問い合わせ" })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(
        w,
        &adv,
        M::POST,
        "/api/v1/incidents",
        Some(json!({
        "title": "巡回テストの停電", "municipality_codes": ["392014"] })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(w, &adv, M::POST, "/api/v1/coordinators", Some(json!({
        "name": "巡回 看子", "professions": ["nurse"], "covers": ["392014"], "max_active_cases": "3" }))).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(
        w,
        &adv,
        M::POST,
        "/api/v1/dispatch-requests",
        Some(json!({
        "child_id": child, "consultation_id": consultation, "sides": "medical",
        "topics": ["tube_feeding_gastric"], "urgency": "soon" })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}

/// Same-site links of a page (`href="/…"`), without fragments, HTML entities decoded.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        let href = rest[..end].replace("&amp;", "&");
        rest = &rest[end..];
        let href = href.split('#').next().unwrap_or("").to_string();
        if href.starts_with('/') && !href.starts_with("//") {
            out.push(href);
        }
    }
    out
}

/// Links that are not pages to read: static files, sign-out, downloads.
fn skip(path: &str) -> bool {
    path.starts_with("/static/") || path.starts_with("/logout") || path.contains(".csv")
}

/// A path with its ids replaced and only the names of its query parameters kept, so one
/// page per route shape is checked (the same template under another id adds nothing).
fn shape(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let id = |seg: &str| {
        !seg.is_empty()
            && (seg.bytes().all(|b| b.is_ascii_digit())
                || (seg.len() == 36 && seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')))
    };
    let mut out: Vec<&str> = p
        .split('/')
        .map(|s| if id(s) { "{id}" } else { s })
        .collect();
    if out.len() > 1 && out.last() == Some(&"") {
        out.pop();
    }
    let mut out = out.join("/");
    let mut keys: Vec<&str> = q
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

/// Runs the Nu HTML checker once over `pages` (shape → (who fetched it, HTML)) and returns
/// one line per error, or None when `TSUNAGU_VNU_JAR` is unset.
fn nu_errors(pages: &BTreeMap<String, (String, String)>) -> Option<Vec<String>> {
    let jar = std::env::var("TSUNAGU_VNU_JAR")
        .ok()
        .filter(|j| !j.is_empty())?;
    assert!(
        Path::new(&jar).is_file(),
        "TSUNAGU_VNU_JAR={jar}: no such file"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut by_file: BTreeMap<String, String> = BTreeMap::new();
    for (i, (shape, (who, html))) in pages.iter().enumerate() {
        let name = format!("p{i:03}.html");
        let file = dir.path().join(&name);
        std::fs::write(&file, html).unwrap();
        files.push(file);
        by_file.insert(name, format!("{shape} ({who})"));
    }
    let out = std::process::Command::new("java")
        .args(["-jar", &jar, "--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .expect("java -jar vnu.jar runs (java 17 or later on PATH)");
    // The JSON report goes to stderr; an empty message list is a pass.
    let report: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
        panic!(
            "vnu output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut errors = Vec::new();
    for m in report["messages"].as_array().into_iter().flatten() {
        let url = m["url"].as_str().unwrap_or("");
        let file = url.rsplit('/').next().unwrap_or(url);
        let page = by_file.get(file).map_or(url, String::as_str);
        errors.push(format!(
            "{page} line {}: {} [{}]",
            m["lastLine"],
            m["message"].as_str().unwrap_or(""),
            m["extract"].as_str().unwrap_or("").replace('\n', " ")
        ));
    }
    Some(errors)
}

#[tokio::test]
async fn every_link_from_the_home_page_answers_a_page_for_every_role() {
    // Route shape and role → (backend and role that fetched it, its HTML), for the Nu HTML
    // checker: roles see different buttons and forms on the same route.
    let mut pages: BTreeMap<String, (String, String)> = BTreeMap::new();
    for backend in backends() {
        let w = world(backend).await;
        seed(&w).await;
        let login_page = get_text(&client(), format!("{}/login", w.app.addr)).await;
        pages
            .entry("/login".to_string())
            .or_insert_with(|| (format!("{backend} anonymous"), login_page));
        let mut report: BTreeMap<&str, (usize, BTreeMap<u16, usize>)> = BTreeMap::new();
        let mut failures = Vec::new();
        for role in Role::all() {
            let login = w.user(role).login.clone();
            let b = crate::login(&w.app, &login).await;
            let mut seen: HashSet<String> = HashSet::new();
            let mut queue: VecDeque<(String, String)> =
                VecDeque::from([("/".to_string(), "(start)".to_string())]);
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            while let Some((path, from)) = queue.pop_front() {
                if seen.len() >= MAX_PAGES || !seen.insert(path.clone()) {
                    continue;
                }
                let res = b
                    .http
                    .get(format!("{}{path}", b.base))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let redirect = res.headers().get("location").cloned();
                let kind = res
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let body = res.text().await.unwrap_or_default();
                if (300..400).contains(&status) {
                    // Follow a redirect as the browser would.
                    if let Some(to) = redirect.as_ref().and_then(|v| v.to_str().ok()) {
                        if to.starts_with('/') && !skip(to) && !seen.contains(to) {
                            queue.push_back((to.to_string(), path.clone()));
                        }
                    }
                    continue;
                }
                if status >= 400 {
                    failures.push(format!(
                        "{backend} {} {path} (linked from {from}): {status}",
                        role.code()
                    ));
                    continue;
                }
                if !path.starts_with("/api/")
                    && (kind.contains("json") || body.trim_start().starts_with('{'))
                {
                    failures.push(format!(
                        "{backend} {} {path} (linked from {from}): JSON on a page route",
                        role.code()
                    ));
                    continue;
                }
                if kind.contains("text/html") {
                    pages
                        .entry(format!("{} as {}", shape(&path), role.code()))
                        .or_insert_with(|| (format!("{backend} {}", role.code()), body.clone()));
                    for l in links(&body) {
                        if !skip(&l) && !seen.contains(&l) {
                            queue.push_back((l, path.clone()));
                        }
                    }
                }
            }
            println!(
                "{backend} {}: {} pages, statuses {statuses:?}",
                role.code(),
                seen.len()
            );
            if seen.len() >= MAX_PAGES {
                let mut sample: Vec<&String> = seen.iter().collect();
                sample.sort();
                println!("  e.g. {:?}", &sample[sample.len().saturating_sub(40)..]);
            }
            report.insert(role.code(), (seen.len(), statuses));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Every role reached more than its home page.
        for (role, (pages, _)) in &report {
            assert!(*pages > 3, "{backend} {role}: only {pages} pages reachable");
        }
    }
    match nu_errors(&pages) {
        None => eprintln!(
            "crawl: TSUNAGU_VNU_JAR unset, the Nu HTML check of {} pages is skipped",
            pages.len()
        ),
        Some(errors) => {
            println!(
                "Nu HTML checker: {} pages, {} errors",
                pages.len(),
                errors.len()
            );
            assert!(
                errors.is_empty(),
                "{} Nu HTML checker errors:\n{}",
                errors.len(),
                errors.join("\n")
            );
        }
    }
}
