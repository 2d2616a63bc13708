//! Errors on page routes are pages: HTML with the caller's menu and each field problem named
//! as the form labels it, never JSON or bare text. Under /api errors stay JSON. The intake form
//! reports every missing field in one answer.

use crate::*;
use store::testing::Draft;

/// (status, content type, body) of a GET in the browser's session.
async fn fetch(b: &Browser, path: &str) -> (u16, String, String) {
    let res = b
        .http
        .get(format!("{}{path}", b.base))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, res.text().await.unwrap())
}

/// The menu of a logged-in user, as base.html draws it.
fn has_menu(html: &str) -> bool {
    html.contains("<nav aria-label=\"メインメニュー\">") && html.contains("action=\"/logout\"")
}

fn assert_page(path: &str, got: &(u16, String, String), status: u16) {
    let (s, ctype, body) = got;
    assert_eq!(*s, status, "{path}: {body}");
    assert!(ctype.starts_with("text/html"), "{path}: {ctype}");
    assert!(has_menu(body), "{path} has the menu: {body}");
    assert!(!body.trim_start().starts_with('{'), "{path} is not JSON");
}

#[tokio::test]
async fn bad_query_values_on_pages_answer_a_page_with_the_menu_and_the_field() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = login(&w.app, "kochi.advisor").await;

        let got = fetch(&advisor, "/payments?month=abc").await;
        assert_page("/payments?month=abc", &got, 422);
        assert!(
            got.2
                .contains("対象月: 年月は「2026-11」の形式で入力してください"),
            "{backend}: the field named as labelled: {}",
            got.2
        );
        // A way back to the page without the bad condition.
        assert!(got.2.contains("href=\"/payments\""), "{backend}");

        let got = fetch(&advisor, "/sheets?municipality=abc").await;
        assert_page("/sheets?municipality=abc", &got, 422);
        assert!(
            got.2.contains("市町村は6桁の数字で入力してください"),
            "{backend}: {}",
            got.2
        );

        // A query that does not even deserialize (axum's own rejection) is a page too.
        let got = fetch(&advisor, "/children?limit=many").await;
        assert_eq!(got.0 / 100, 4, "{backend}: {}", got.2);
        assert!(got.1.starts_with("text/html"), "{backend}: {}", got.1);
        assert!(has_menu(&got.2), "{backend}: {}", got.2);

        // The same bad values under /api stay JSON with the field.
        let token = token_for(&w.app, "kochi.advisor").await;
        let (status, body) = call(
            &w,
            &token,
            reqwest::Method::GET,
            "/api/v1/payments?month=abc",
            None,
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert_eq!(body["error"], "invalid");
        assert!(body["fields"]["month"].is_string(), "{body}");
        let (status, body) = call(
            &w,
            &token,
            reqwest::Method::GET,
            "/api/v1/emergency-sheets?municipality=abc",
            None,
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert!(body["fields"]["municipality"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn not_found_is_a_page_with_the_menu_and_json_under_api() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        for path in ["/no/such/page", "/children/no-such-child"] {
            let got = fetch(&b, path).await;
            assert_page(path, &got, 404);
            assert!(
                got.2.contains("ページが見つかりません"),
                "{backend}: {path}"
            );
        }
        // Another role's page: 403, still a page with the menu.
        let got = fetch(&b, "/audit").await;
        assert_page("/audit", &got, 403);

        // Unknown API paths and records answer JSON.
        let token = token_for(&w.app, "kochi.consultant").await;
        for path in ["/api/v1/no-such-thing", "/api/v1/children/no-such-child"] {
            let (status, body) = call(&w, &token, reqwest::Method::GET, path, None).await;
            assert_eq!(status, 404, "{backend}: {path}");
            assert_eq!(body["error"], "not_found", "{backend}: {path}: {body}");
        }

        // Not logged in: still a page (no menu to show), never JSON.
        let (status, ctype, body) = {
            let res = client()
                .get(format!("{}/no/such/page", w.app.addr))
                .send()
                .await
                .unwrap();
            let s = res.status().as_u16();
            let c = res.headers()["content-type"].to_str().unwrap().to_string();
            (s, c, res.text().await.unwrap())
        };
        assert_eq!(status, 404);
        assert!(ctype.starts_with("text/html"), "{ctype}");
        assert!(!has_menu(&body));
    }
}

#[tokio::test]
async fn intake_reports_every_missing_field_at_once_named_as_labelled() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let form = b
            .http
            .get(format!("{}/intake", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // Required fields carry a visible 必須 inside their label (so it is read with it).
        for label in [
            "相談の対象",
            "相談方法",
            "相談者",
            "相談内容の分類",
            "相談内容",
        ] {
            assert!(
                form.contains(&format!("{label} <span class=\"req\">必須</span>")),
                "{backend}: {label} is marked required"
            );
        }
        assert!(form.contains("aria-required=\"true\""));

        let before = w.app.store.audit_count().await.unwrap();
        let empty = [
            ("_csrf", b.csrf.as_str()),
            ("subject", ""),
            ("occurred_at", ""),
            ("channel", ""),
            ("requester_kind", ""),
            ("summary", ""),
        ];
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .form(&empty)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        let html = r.text().await.unwrap();
        let start = html.find("id=\"form-errors\"").expect("an error summary");
        let summary = &html[start..start + html[start..].find("</div>").unwrap()];
        for named in [
            "相談の対象: 児童・登録外の人・匿名のいずれかを選んでください",
            "相談方法を選択してください",
            "相談者の種別を選択してください",
            "相談内容の分類を1つ以上選んでください",
            "相談内容: 概要を入力してください",
        ] {
            assert!(
                summary.contains(named),
                "{backend}: summary lacks {named}: {summary}"
            );
        }
        // Each summary line leads to its input.
        assert!(summary.contains("href=\"#channel\""), "{summary}");
        assert!(summary.contains("href=\"#summary\""), "{summary}");
        assert!(html.contains("id=\"summary\" name=\"summary\" rows=\"4\" aria-required=\"true\" aria-invalid=\"true\" aria-describedby=\"summary-err\""));

        // A registered child not picked, with the rest empty: the child and the rest at once.
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .form(&[("_csrf", b.csrf.as_str()), ("subject", "child")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        for named in [
            "児童を検索して選ぶか",
            "相談者の種別を選択してください",
            "相談内容の分類を1つ以上選んでください",
        ] {
            assert!(html.contains(named), "{backend}: lacks {named}");
        }
        // An unregistered person needs a name.
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .form(&[
                ("_csrf", b.csrf.as_str()),
                ("subject", "person"),
                ("channel", "phone"),
                ("requester_kind", "family"),
                ("topics", "other"),
                ("summary", "相談"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("登録外の人の氏名: 氏名を入力してください"),
            "{backend}"
        );
        assert_eq!(
            w.app.store.audit_count().await.unwrap(),
            before,
            "{backend}: nothing written"
        );
    }
}

#[tokio::test]
async fn a_conflict_on_a_page_is_a_page_with_a_way_back() {
    for backend in backends() {
        let w = world(backend).await;
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("衝突", "ショウトツ")).unwrap();
        let child = w
            .app
            .store
            .register_child(
                w.user(domain::Role::Advisor),
                &form.draft(test_now()),
                true,
                test_now(),
            )
            .await
            .unwrap();
        let b = login(&w.app, "kochi.consultant").await;
        // Saved from a form opened before someone else's change (an older version).
        let r = b
            .http
            .post(format!("{}/children/{child}", b.base))
            .header("referer", format!("{}/children/{child}/edit", b.base))
            .form(&[
                ("_csrf", b.csrf.as_str()),
                ("version", "999"),
                ("family_name", "衝突"),
                ("given_name", "花子"),
                ("family_name_kana", "ショウトツ"),
                ("given_name_kana", "ハナコ"),
                ("birth_date", "2022-05-01"),
                ("sex", "female"),
                ("municipality_code", "392014"),
            ])
            .send()
            .await
            .unwrap();
        let got = (
            r.status().as_u16(),
            r.headers()["content-type"].to_str().unwrap().to_string(),
            r.text().await.unwrap(),
        );
        assert_page("POST /children/{id}", &got, 409);
        assert!(got.2.contains("他の操作と重なりました"), "{backend}");
        assert!(
            got.2.contains("他の人がこの記録を更新しました"),
            "{backend}"
        );
        assert!(
            got.2.contains(&format!(
                "href=\"/children/{child}/edit\" id=\"error-retry\""
            )),
            "{backend}: a way back to the form: {}",
            got.2
        );
    }
}
