//! The auditor's audit-log page, CSV export and API: own center only, "who viewed this child",
//! formula-injection-safe CSV in UTF-8 (BOM) and CP932, and clear 422s for bad filters.

use chrono::{Duration, TimeZone, Utc};
use domain::Role;
use store::audit::{AuditEntry, AuditFilter};
use store::testing::Draft;

use crate::*;

/// A child registered by the center's advisor.
async fn child_of(w: &World, advisor: &store::Actor, family: &str, kana: &str) -> String {
    let form: store::children::ChildForm =
        serde_json::from_value(child_json(family, kana)).unwrap();
    w.app
        .store
        .register_child(advisor, &form.draft(test_now()), true, test_now())
        .await
        .unwrap()
}

async fn get_json(b: &Browser, path: &str) -> (u16, serde_json::Value) {
    let res = b
        .http
        .get(format!("{}{}", b.base, path))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn get_text(b: &Browser, path: &str) -> (u16, String) {
    let res = b
        .http
        .get(format!("{}{}", b.base, path))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Every row the auditor's API returns for a query, following `next`.
async fn all_rows(b: &Browser, query: &str) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    let mut before = String::new();
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let (status, page) =
            get_json(b, &format!("/api/v1/audit?{query}{sep}before={before}")).await;
        assert_eq!(status, 200, "{page}");
        rows.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => before = n.to_string(),
            None => return rows,
        }
    }
}

#[tokio::test]
async fn auditor_finds_who_viewed_a_child_and_nothing_of_another_center() {
    for backend in backends() {
        let w = world(backend).await;
        let child_a = child_of(&w, w.user(Role::Advisor), "監査", "カンサ").await;
        let child_b = child_of(&w, w.other_user(Role::Advisor), "他県", "タケン").await;
        // A consultant of center A opens the child's record in the browser.
        let consultant = login(&w.app, "kochi.consultant").await;
        let (status, _) = get_text(&consultant, &format!("/children/{child_a}")).await;
        assert_eq!(status, 200);
        // Center B's staff work on their own child.
        w.app
            .store
            .view_child(w.other_user(Role::Consultant), &child_b, test_now())
            .await
            .unwrap();

        let auditor = login(&w.app, "kochi.auditor").await;
        // "Who viewed this child": the consultant, by login and name.
        let (status, page) = get_json(
            &auditor,
            &format!("/api/v1/audit?entity=child&entity_id={child_a}&action=child.view"),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {page}");
        let items = page["items"].as_array().unwrap();
        assert_eq!(page["total"], items.len());
        assert!(
            items.iter().any(|r| r["actor_login"] == "kochi.consultant"
                && r["action"] == "child.view"
                && r["actor_name"] == "kochi consultant"),
            "{backend}: {page}"
        );
        // The page shows the same, with the link to the filtered view.
        let (status, html) = get_text(
            &auditor,
            &format!("/audit?entity=child&entity_id={child_a}"),
        )
        .await;
        assert_eq!(status, 200);
        assert!(html.contains("kochi.consultant") && html.contains("児童記録の閲覧"));
        assert!(html.contains("この児童の閲覧者"));
        // (askama writes `&` in attributes as `&#38;`)
        let link = format!("/audit?entity=child&#38;entity_id={child_a}&#38;action=child.view");
        assert!(html.contains(&link), "{html}");

        // Center B's child: nothing, not even a hint that it exists.
        let (status, page) = get_json(
            &auditor,
            &format!("/api/v1/audit?entity=child&entity_id={child_b}"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(page["total"], 0, "{backend}: {page}");
        assert!(page["items"].as_array().unwrap().is_empty());

        // The whole log as the auditor of A sees it: A's rows only.
        let b_ids: Vec<String> = w
            .other
            .iter()
            .map(|(_, a)| a.user_id.clone())
            .chain([
                child_b.clone(),
                w.other_user(Role::Advisor).center_id.clone(),
            ])
            .collect();
        let rows = all_rows(&auditor, "").await;
        assert!(!rows.is_empty());
        for r in &rows {
            let login = r["actor_login"].as_str().unwrap();
            assert!(!login.starts_with("nara."), "{backend}: {r}");
            let id = r["entity_id"].as_str().unwrap_or("");
            assert!(!b_ids.iter().any(|b| b == id), "{backend}: {r}");
            assert!(
                !r["detail"].as_str().unwrap().contains("nara"),
                "{backend}: {r}"
            );
        }
        // A's accounts (created without an actor) and A itself are part of A's log.
        assert!(rows
            .iter()
            .any(|r| r["action"] == "user.create"
                && r["detail"] == "kochi.consultant role=consultant"));
        assert!(rows
            .iter()
            .any(|r| r["action"] == "center.create" && r["detail"] == "kochi"));
        // The searches themselves are in the log.
        assert!(rows.iter().any(|r| r["action"] == "audit.search"
            && r["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("entity_id={child_a}"))));

        // The API takes a bearer token as well (scripts of the audit office).
        let token = token_for(&w.app, "kochi.auditor").await;
        let res = client()
            .get(format!(
                "{}/api/v1/audit?entity=child&entity_id={child_a}",
                w.app.addr
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page: serde_json::Value = res.json().await.unwrap();
        assert!(page["total"].as_i64().unwrap() >= 2, "{backend}: {page}");
        assert_eq!(page["total_capped"], false);

        // And B's auditor does not see A's child.
        let other_auditor = login(&w.app, "nara.auditor").await;
        let (_, page) = get_json(
            &other_auditor,
            &format!("/api/v1/audit?entity=child&entity_id={child_a}"),
        )
        .await;
        assert_eq!(page["total"], 0, "{backend}: {page}");
    }
}

#[tokio::test]
async fn only_auditors_may_read_the_log() {
    for backend in backends() {
        let w = world(backend).await;
        for role in Role::all() {
            let b = login(&w.app, &w.user(role).login).await;
            for path in ["/audit", "/audit/export.csv", "/api/v1/audit"] {
                let (status, _) = get_text(&b, path).await;
                if role == Role::Auditor {
                    assert_eq!(status, 200, "{backend} {role:?} {path}");
                } else {
                    assert_eq!(status, 403, "{backend} {role:?} {path}");
                }
            }
            // The nav shows the link to auditors only; their home page leads there.
            let (_, home) = get_text(&b, "/").await;
            assert_eq!(
                home.contains("href=\"/audit\""),
                role == Role::Auditor,
                "{backend} {role:?}"
            );
        }
        // The store refuses too, whatever the web layer does.
        let err = w
            .app
            .store
            .audit_search(w.user(Role::Admin), &AuditFilter::default(), test_now())
            .await
            .unwrap_err();
        assert!(matches!(err, store::StoreError::Forbidden));
    }
}

#[tokio::test]
async fn pages_are_keyset_paginated_and_dates_are_japan_days() {
    for backend in backends() {
        let w = world(backend).await;
        let consultant = w.user(Role::Consultant);
        // 00:30 JST on 2026-11-20 is still 2026-11-19 in UTC.
        let early = Utc.with_ymd_and_hms(2026, 11, 19, 15, 30, 0).unwrap();
        for i in 0..105 {
            w.app
                .store
                .audit_event(
                    Some(consultant),
                    early + Duration::seconds(i),
                    AuditEntry {
                        action: "child.search",
                        entity: "list",
                        entity_id: None,
                        detail: format!("q=テスト{i:03}"),
                    },
                )
                .await
                .unwrap();
        }
        let auditor = w.user(Role::Auditor);
        let filter = |from: &str, to: &str, before: &str| AuditFilter {
            from: from.into(),
            to: to.into(),
            user: consultant.login.clone(),
            action: "child.search".into(),
            before: before.into(),
            ..Default::default()
        };
        let p1 = w
            .app
            .store
            .audit_search(auditor, &filter("2026-11-20", "2026-11-20", ""), test_now())
            .await
            .unwrap();
        assert_eq!(p1.total, 105, "{backend}");
        assert_eq!(p1.items.len(), 100);
        assert_eq!(p1.items[0].detail, "q=テスト104", "newest first");
        let next = p1.next.clone().unwrap();
        let p2 = w
            .app
            .store
            .audit_search(
                auditor,
                &filter("2026-11-20", "2026-11-20", &next),
                test_now(),
            )
            .await
            .unwrap();
        assert_eq!(p2.items.len(), 5);
        assert!(p2.next.is_none());
        assert_eq!(p2.items[4].detail, "q=テスト000");
        assert!(p2.items[0].seq < p1.items[99].seq);
        // The same instants are not on 2026-11-19 in Japan time.
        let p = w
            .app
            .store
            .audit_search(auditor, &filter("2026-11-19", "2026-11-19", ""), test_now())
            .await
            .unwrap();
        assert_eq!(p.total, 0, "{backend}");
        // By user id as well as login; free text in the detail.
        let by_id = AuditFilter {
            user: consultant.user_id.clone(),
            q: "テスト10".into(),
            ..Default::default()
        };
        let p = w
            .app
            .store
            .audit_search(auditor, &by_id, test_now())
            .await
            .unwrap();
        assert_eq!(p.total, 5, "{backend}: テスト100..104");
        // An export stops at its cap and says how many matched.
        let csv = w
            .app
            .store
            .audit_export_csv(
                auditor,
                &filter("", "", ""),
                store::audit::AuditCsvLayout {
                    encoding: domain::export::CsvEncoding::Utf8Bom,
                    cap: 3,
                    header: &["detail".to_string()],
                    cells: |r: &store::audit::AuditListRow| vec![r.detail.clone()],
                },
                test_now(),
            )
            .await
            .unwrap();
        assert_eq!((csv.rows, csv.capped), (3, true));
        let csv = w
            .app
            .store
            .audit_export_csv(
                auditor,
                &filter("", "", ""),
                store::audit::AuditCsvLayout {
                    encoding: domain::export::CsvEncoding::Utf8Bom,
                    cap: 105,
                    header: &["detail".to_string()],
                    cells: |r: &store::audit::AuditListRow| vec![r.detail.clone()],
                },
                test_now(),
            )
            .await
            .unwrap();
        assert_eq!(
            (csv.rows, csv.capped),
            (105, false),
            "{backend}: exactly the cap"
        );
    }
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = domain::export::decode_csv_bytes(bytes).expect("UTF-8 or CP932");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn csv_export_in_both_encodings_is_safe_and_audited() {
    for backend in backends() {
        let w = world(backend).await;
        let consultant = w.user(Role::Consultant);
        let evil = "=HYPERLINK(\"http://evil.example/\",\"詳細\")";
        w.app
            .store
            .audit_event(
                Some(consultant),
                test_now(),
                AuditEntry {
                    action: "child.search",
                    entity: "list",
                    entity_id: None,
                    detail: evil.into(),
                },
            )
            .await
            .unwrap();
        let auditor = login(&w.app, "kochi.auditor").await;
        for (enc, charset, bom) in [("utf8", "utf-8", true), ("cp932", "Shift_JIS", false)] {
            let res = auditor
                .http
                .get(format!(
                    "{}/audit/export.csv?action=child.search&encoding={enc}",
                    auditor.base
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{backend} {enc}");
            assert_eq!(
                res.headers()["content-type"],
                format!("text/csv; charset={charset}").as_str()
            );
            assert_eq!(
                res.headers()["content-disposition"],
                "attachment; filename=\"audit-log-20261120.csv\""
            );
            let bytes = res.bytes().await.unwrap();
            assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), bom, "{backend} {enc}");
            if !bom {
                assert!(std::str::from_utf8(&bytes).is_err(), "really CP932");
            }
            let rows = csv_rows(&bytes);
            assert_eq!(rows[0][0], "連番", "{backend} {enc}: header row");
            assert_eq!(rows[0][1], "日時（日本時間）");
            assert_eq!(rows.len(), 2, "{backend} {enc}: header and one row");
            let row = &rows[1];
            assert_eq!(row[1], "2026-11-20 10:00:00");
            assert_eq!(row[2], "kochi.consultant");
            assert_eq!(row[5], "児童の検索");
            assert_eq!(row[8], format!("'{evil}"), "{backend} {enc}: neutralised");
        }
        // The exports are in the log, with their filter and encoding.
        let rows = all_rows(&auditor, "action=audit.export").await;
        assert_eq!(rows.len(), 2, "{backend}");
        assert!(rows.iter().all(|r| r["actor_login"] == "kochi.auditor"));
        assert!(rows[0]["detail"]
            .as_str()
            .unwrap()
            .contains("action=child.search encoding=cp932 rows=1"));

        // A character CP932 cannot hold: a clear 422 naming it, and nothing exported.
        w.app
            .store
            .audit_event(
                Some(consultant),
                test_now(),
                AuditEntry {
                    action: "child.search",
                    entity: "list",
                    entity_id: None,
                    detail: "q=𠮷田".into(),
                },
            )
            .await
            .unwrap();
        let before = w.app.store.audit_count().await.unwrap();
        let (status, html) = get_text(
            &auditor,
            "/audit/export.csv?action=child.search&encoding=cp932",
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert!(
            html.contains("2行目の「詳細」列") && html.contains("𠮷"),
            "{backend}: {html}"
        );
        assert_eq!(w.app.store.audit_count().await.unwrap(), before);
        // UTF-8 holds it.
        let res = auditor
            .http
            .get(format!(
                "{}/audit/export.csv?action=child.search&encoding=utf8",
                auditor.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let rows = csv_rows(&res.bytes().await.unwrap());
        assert_eq!(rows[1][8], "q=𠮷田");
    }
}

#[tokio::test]
async fn bad_filters_are_a_clear_422_and_change_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let auditor = login(&w.app, "kochi.auditor").await;
        let count = w.app.store.audit_count().await.unwrap();
        let (status, html) = get_text(&auditor, "/audit?from=2026-11-20&to=2026-11-01").await;
        assert_eq!(status, 422, "{backend}");
        assert!(html.contains("終了日は開始日と同じ日か、それより後の日付にしてください"));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(!html.contains("id=\"audit-table\""));
        let (status, html) = get_text(&auditor, "/audit?from=2026-02-30").await;
        assert_eq!(status, 422);
        assert!(html.contains("存在しない日付"), "{html}");
        let (status, html) =
            get_text(&auditor, "/audit/export.csv?from=2026-11-20&to=2026-11-01").await;
        assert_eq!(status, 422);
        assert!(html.contains("終了日は開始日"));
        let (status, html) = get_text(&auditor, "/audit/export.csv?encoding=latin1").await;
        assert_eq!(status, 422);
        assert!(html.contains("文字コードは cp932 または utf8"));
        let (status, body) = get_json(&auditor, "/api/v1/audit?to=yesterday&entity=secret").await;
        assert_eq!(status, 422);
        assert_eq!(body["error"], "invalid");
        assert!(
            body["fields"]["to"].as_str().unwrap().contains("終了日"),
            "{body}"
        );
        assert!(body["fields"]["entity"]
            .as_str()
            .unwrap()
            .contains("対象の種類"));
        let (status, _) = get_json(&auditor, "/api/v1/audit?before=abc").await;
        assert_eq!(status, 422);
        assert_eq!(
            w.app.store.audit_count().await.unwrap(),
            count,
            "{backend}: rejected filters write nothing"
        );
    }
}

/// Every `<a href>` of a page, with askama's `&#38;` turned back into `&`.
fn links(html: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let i = tag.find("href=\"")? + 6;
            let href = &tag[i..i + tag[i..].find('"')?];
            Some(href.replace("&#38;", "&").replace("&amp;", "&"))
        })
        .collect()
}

#[tokio::test]
async fn audit_page_reads_in_words_names_records_and_every_link_answers() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = w.user(Role::Advisor);
        let child = child_of(&w, advisor, "監査", "カンサ").await;
        let consultant = login(&w.app, "kochi.consultant").await;
        let (status, _) = get_text(&consultant, &format!("/children/{child}")).await;
        assert_eq!(status, 200);
        // A roster entry: its rows are about a `coordinator`, a kind the filter once refused,
        // so its history link ended in a 422.
        let today = domain::dates::jst_date(test_now());
        w.app
            .store
            .save_coordinator(
                advisor,
                None,
                &domain::dispatch::CoordinatorDraft::parse(&coordinator_input("392014"), today)
                    .unwrap(),
                test_now(),
            )
            .await
            .unwrap();

        let auditor = login(&w.app, "kochi.auditor").await;
        let (status, html) = get_text(&auditor, "/audit").await;
        assert_eq!(status, 200, "{backend}");
        // Actions and record kinds in words; records named next to their ids.
        for words in [
            "児童記録の閲覧",
            "児童の登録",
            "派遣コーディネーターの登録",
            "派遣コーディネーター",
            "監査 花子",
            "派遣 看子",
            "kochi advisor",
        ] {
            assert!(html.contains(words), "{backend}: page lacks {words}");
        }
        // Every action family can be chosen in the filter.
        for action in web::auditor::AUDIT_ACTIONS {
            let family = match action.split_once('.') {
                Some((f, _)) => format!("{f}."),
                None => action.to_string(),
            };
            assert!(
                html.contains(&format!("<option value=\"{family}\"")),
                "{backend}: no filter for {family}"
            );
        }
        // No link ends in an error.
        let hrefs = links(&html);
        assert!(
            hrefs.iter().any(|h| h.contains("entity=coordinator")),
            "{hrefs:?}"
        );
        for href in &hrefs {
            if href.starts_with('#') {
                continue;
            }
            let res = auditor
                .http
                .get(format!("{}{href}", auditor.base))
                .send()
                .await
                .unwrap();
            let expected = if href.starts_with("/lang/") { 303 } else { 200 };
            assert_eq!(res.status().as_u16(), expected, "{backend}: {href}");
        }
        // The API names the record too.
        let (status, page) = get_json(
            &auditor,
            &format!("/api/v1/audit?entity=child&entity_id={child}&action=child.view"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(page["items"][0]["entity_name"], "監査 花子", "{page}");
        // The search that showed the names is itself audited.
        let rows = all_rows(&auditor, "action=audit.search").await;
        assert!(rows
            .iter()
            .any(|r| r["detail"].as_str().is_some_and(|d| d.contains("named="))));
        // And in English.
        auditor
            .http
            .get(format!("{}/lang/en?back=/audit", auditor.base))
            .send()
            .await
            .unwrap();
        let (_, html) = get_text(&auditor, "/audit").await;
        assert!(
            html.contains("Child record viewed")
                && html.contains("Coordinator added to the roster")
        );
    }
}

/// Every action the code writes is in `AUDIT_ACTIONS` (so the filter offers it) and has a label
/// in both languages, as does each family and each record kind. Actions are found as string
/// literals of a known family in the store's and web layer's sources that are not message keys.
#[test]
fn every_audit_action_is_offered_and_labelled() {
    use domain::Lang;
    use web::auditor::AUDIT_ACTIONS;
    use web::i18n::Tr;
    let keys = web::i18n::keys();
    let families: Vec<&str> = AUDIT_ACTIONS
        .iter()
        .filter_map(|a| a.split_once('.').map(|(f, _)| f))
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut written = Vec::new();
    for dir in [format!("{root}/src"), format!("{root}/../store/src")] {
        // Sources sit in folders too (src/ui, src/dispatch, ...): walk them all.
        let mut stack = vec![std::path::PathBuf::from(&dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for lit in text.split('"').skip(1).step_by(2) {
                let Some((family, rest)) = lit.split_once('.') else {
                    continue;
                };
                let word = |s: &str| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                };
                if families.contains(&family)
                    && word(rest)
                    && !rest.ends_with('.')
                    && !rest.ends_with("html")
                    && !keys.contains(&lit.to_string())
                {
                    written.push(lit.to_string());
                }
            }
        }
    }
    assert!(written.len() > 40, "{written:?}");
    for action in &written {
        assert!(
            AUDIT_ACTIONS.contains(&action.as_str()),
            "{action} is written to the audit log but missing from AUDIT_ACTIONS"
        );
    }
    for lang in Lang::all() {
        let tr = Tr(lang);
        for action in AUDIT_ACTIONS {
            assert!(
                !tr.t(&format!("audit.action.{action}")).is_empty(),
                "{action}"
            );
            let family = match action.split_once('.') {
                Some((f, _)) => format!("{f}."),
                None => action.to_string(),
            };
            assert!(
                !tr.t(&format!("audit.action.{family}")).is_empty(),
                "{family}"
            );
        }
        for entity in store::audit::AUDIT_ENTITIES {
            assert!(
                !tr.t(&format!("audit.entity.{entity}")).is_empty(),
                "{entity}"
            );
        }
    }
}
