//! Pages: login behaviour, the intake and child forms with inline errors, search, and the
//! home page figures — through real HTTP with cookies and CSRF tokens.

use domain::Role;
use store::testing::Draft;

use crate::*;

#[tokio::test]
async fn login_failure_says_the_same_for_unknown_login_and_wrong_password() {
    for backend in backends() {
        let w = world(backend).await;
        let http = client();
        let page = http
            .get(format!("{}/login", w.app.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let t = csrf_of(&page);
        let mut bodies = Vec::new();
        for (login, pw) in [
            ("kochi.consultant", "wrong password!!"),
            ("nobody.here", "wrong password!!"),
        ] {
            let r = http
                .post(format!("{}/login", w.app.addr))
                .form(&[("_csrf", t.as_str()), ("login", login), ("password", pw)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            let body = r.text().await.unwrap();
            let i = body.find("id=\"login-error\">").unwrap();
            bodies.push(body[i..i + 120.min(body.len() - i)].to_string());
        }
        assert_eq!(bodies[0], bodies[1], "{backend}: same message either way");
        assert!(bodies[0].contains("ログイン名またはパスワードが正しくありません"));
        // Both failures are audited.
        let rows = w.app.store.verify_audit().await.unwrap();
        assert!(matches!(rows, store::audit::ChainStatus::Ok { .. }));
    }
}

async fn try_login(w: &World, http: &reqwest::Client, login: &str, password: &str) -> u16 {
    let page = http
        .get(format!("{}/login", w.app.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let t = csrf_of(&page);
    http.post(format!("{}/login", w.app.addr))
        .form(&[
            ("_csrf", t.as_str()),
            ("login", login),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn accounts_soft_lock_after_repeated_failures_and_unlock_with_time() {
    for backend in backends() {
        let w = world(backend).await;
        // Each attempt from a different client: the per-account lock, not the address throttle.
        for _ in 0..store::login::LOCK_AFTER {
            assert_eq!(
                try_login(&w, &client(), "kochi.viewer", "nope nope nope").await,
                401
            );
        }
        // Locked: even the right password is refused, with the same message…
        assert_eq!(
            try_login(&w, &client(), "kochi.viewer", PASSWORD).await,
            401
        );
        let log = w
            .app
            .store
            .audit_for_entity("user", &w.user(Role::Viewer).user_id)
            .await
            .unwrap();
        assert!(
            log.iter().any(|r| r.action == "user.locked"),
            "{backend}: lock audited"
        );
        assert!(log
            .iter()
            .any(|r| r.action == "login.failed" && r.detail.contains("reason=locked")));
        // …another account is unaffected…
        assert_eq!(
            try_login(&w, &client(), "kochi.consultant", PASSWORD).await,
            303
        );
        // …and the lock lifts after a minute (it doubles with each further failure).
        w.app.clock.advance(chrono::Duration::minutes(2));
        assert_eq!(
            try_login(&w, &client(), "kochi.viewer", PASSWORD).await,
            303,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn one_address_guessing_across_accounts_is_throttled() {
    let w = world("sqlite").await;
    let http = client();
    for i in 0..web::auth::MAX_ADDRESS_FAILURES {
        let status = try_login(&w, &http, &format!("nobody{i}"), "nope nope nope").await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        try_login(&w, &http, "kochi.consultant", PASSWORD).await,
        429
    );
    w.app
        .clock
        .advance(web::auth::THROTTLE_WINDOW + chrono::Duration::minutes(1));
    assert_eq!(
        try_login(&w, &http, "kochi.consultant", PASSWORD).await,
        303
    );
}

#[tokio::test]
async fn sessions_rotate_expire_and_end_at_logout() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let home = b.http.get(format!("{}/", b.base)).send().await.unwrap();
        assert_eq!(home.status(), 200);
        // Logout ends the session server-side: replaying the old cookie fails.
        let cookie = session_cookie(&w.app, "kochi.viewer").await;
        let again = client()
            .get(format!("{}/", w.app.addr))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200);
        let r = client()
            .post(format!("{}/logout", w.app.addr))
            .header("cookie", &cookie)
            .header("x-csrf-token", csrf_for_cookie(&w.app, &cookie).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let after = client()
            .get(format!("{}/", w.app.addr))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            after.status(),
            303,
            "{backend}: ended session no longer works"
        );
        // Idle timeout.
        w.app
            .clock
            .advance(store::users::SESSION_IDLE + chrono::Duration::minutes(1));
        let r = b.http.get(format!("{}/", b.base)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login");
        let r = b
            .http
            .get(format!("{}/api/v1/children", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
}

async fn session_cookie(app: &TestApp, login_name: &str) -> String {
    let http = client();
    let page = http
        .get(format!("{}/login", app.addr))
        .send()
        .await
        .unwrap();
    let pre = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>();
    let t = csrf_of(&page.text().await.unwrap());
    let r = http
        .post(format!("{}/login", app.addr))
        .form(&[
            ("_csrf", t.as_str()),
            ("login", login_name),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(!pre.is_empty());
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let s = set
        .iter()
        .find(|c| c.starts_with("tsunagu_session="))
        .unwrap();
    s.split(';').next().unwrap().to_string()
}

async fn csrf_for_cookie(app: &TestApp, cookie: &str) -> String {
    let home = client()
        .get(format!("{}/", app.addr))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csrf_of(&home)
}

#[tokio::test]
async fn session_id_changes_at_each_login() {
    let w = world("sqlite").await;
    let a = session_cookie(&w.app, "kochi.consultant").await;
    let b = session_cookie(&w.app, "kochi.consultant").await;
    assert_ne!(a, b);
}

#[tokio::test]
async fn forms_without_csrf_token_are_refused_and_change_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let before = w.app.store.audit_count().await.unwrap();
        for (path, form) in [
            (
                "/intake",
                vec![
                    ("channel", "phone"),
                    ("requester_kind", "family"),
                    ("subject", "anonymous"),
                    ("topics", "other"),
                    ("summary", "x"),
                ],
            ),
            (
                "/children",
                vec![
                    ("family_name", "山田"),
                    ("given_name", "太郎"),
                    ("family_name_kana", "ヤマダ"),
                    ("given_name_kana", "タロウ"),
                    ("birth_date", "2022-01-01"),
                    ("municipality_code", "392014"),
                ],
            ),
        ] {
            let r = b
                .http
                .post(format!("{}{path}", b.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{backend}: {path} without token");
            let mut bad = form.clone();
            bad.push(("_csrf", "forged"));
            let r = b
                .http
                .post(format!("{}{path}", b.base))
                .form(&bad)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{backend}: {path} with a wrong token");
        }
        // A cross-site browser request is refused even with the right token.
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .header("sec-fetch-site", "cross-site")
            .form(&[("_csrf", b.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .header("origin", "https://evil.example")
            .form(&[("_csrf", b.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(
            w.app.store.audit_count().await.unwrap(),
            before,
            "{backend}: nothing written"
        );
    }
}

#[tokio::test]
async fn child_form_shows_inline_errors_then_duplicate_warning() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let mut form = vec![
            ("_csrf", b.csrf.clone()),
            ("family_name", "山田".to_string()),
            ("given_name", "太郎".to_string()),
            ("family_name_kana", "やまだ".to_string()),
            ("given_name_kana", "Taro".to_string()),
            ("birth_date", "2099-01-01".to_string()),
            ("municipality_code", "392015".to_string()),
            ("medical_care", "ventilator".to_string()),
            ("mcd_code", "ventilator".to_string()),
            ("mcd", "夜間のみ".to_string()),
        ];
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        for id in [
            "given_name_kana-err",
            "birth_date-err",
            "municipality_code-err",
        ] {
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "{backend}: inline error {id}"
            );
        }
        assert!(html.contains("value=\"やまだ\""), "typed values are kept");
        form.retain(|(k, _)| !matches!(*k, "given_name_kana" | "birth_date" | "municipality_code"));
        form.extend([
            ("given_name_kana", "たろう".to_string()),
            ("birth_date", "2021-06-01".to_string()),
            ("municipality_code", "392014".to_string()),
        ]);
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let page = b
            .http
            .get(format!("{}{loc}", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("山田 太郎")
                && page.contains("ヤマダ タロウ")
                && page.contains("夜間のみ")
        );
        assert!(page.contains("令和3年6月1日"), "和暦 birth date");
        // Same kana and birth date again: a warning with a confirm box, nothing saved yet.
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("id=\"duplicate-warning\""));
        form.push(("confirm_duplicate", "true".into()));
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
}

#[tokio::test]
async fn intake_records_a_consultation_and_home_counts_change() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let home = b
            .http
            .get(format!("{}/", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("id=\"fy-total\">0<"));
        let intake = b
            .http
            .get(format!("{}/intake", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            intake.contains("value=\"2026-11-20T10:00\""),
            "defaults to now in Japan time"
        );
        assert!(
            intake.contains(&format!(
                "value=\"{}\" selected",
                w.user(Role::Consultant).user_id
            )),
            "defaults to the current user"
        );
        // Bad input: no topic, empty summary, a future date → inline errors, nothing saved.
        let bad = [
            ("_csrf", b.csrf.as_str()),
            ("subject", "anonymous"),
            ("channel", "phone"),
            ("requester_kind", "family"),
            ("occurred_at", "2027-01-01T10:00"),
            ("summary", ""),
        ];
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .form(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("相談内容の分類を1つ以上選んでください"));
        assert!(html.contains("未来"));
        let ok = [
            ("_csrf", b.csrf.as_str()),
            ("subject", "person"),
            ("person_name", "匿名希望の母"),
            ("person_kana", "ははおや"),
            ("channel", "phone"),
            ("requester_kind", "family"),
            ("occurred_at", "2026-11-20T09:55"),
            ("topics", "short_stay"),
            ("topics", "family_life"),
            ("summary", "短期入所先を探している"),
            ("followup_due", "2026-11-20"),
        ];
        let r = b
            .http
            .post(format!("{}/intake", b.base))
            .form(&ok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/?saved=1");
        let home = b
            .http
            .get(format!("{}/?saved=1", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("id=\"saved\""));
        assert!(
            home.contains("id=\"fy-total\">1<") && home.contains("id=\"fy-distinct\">1<"),
            "{backend}"
        );
        assert!(
            home.contains("短期入所先を探している"),
            "follow-up due today is listed"
        );
        // htmx search partial finds a child typed in half-width katakana.
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("渡辺", "ワタナベ")).unwrap();
        w.app
            .store
            .register_child(
                w.user(Role::Consultant),
                &form.draft(test_now()),
                false,
                test_now(),
            )
            .await
            .unwrap();
        let part = b
            .http
            .get(format!("{}/intake/child-search?q={}", b.base, "ﾜﾀﾅﾍﾞ"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(part.contains("渡辺 花子"), "{backend}: {part}");
        assert!(!part.contains("<html"), "a fragment, not a page");
    }
}

#[tokio::test]
async fn pages_render_in_english_when_chosen() {
    let w = world("sqlite").await;
    let b = login(&w.app, "kochi.advisor").await;
    let r = b
        .http
        .get(format!("{}/lang/en?back=/children", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/children");
    let page = b
        .http
        .get(format!("{}/children", b.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\">") && page.contains("Register a child"));
    // Open redirects are not possible through the language switch.
    let r = b
        .http
        .get(format!("{}/lang/ja?back=//evil.example", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

#[test]
fn message_catalog_is_complete() {
    let keys = web::i18n::keys();
    let mut rdr = csv::Reader::from_reader(web::i18n::CATALOG_CSV.as_bytes());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        assert!(
            !rec[1].trim().is_empty() && !rec[2].trim().is_empty(),
            "key {} lacks a translation",
            &rec[0]
        );
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut used = Vec::new();
    for d in [dir, src] {
        // Sources sit in folders too (src/ui, src/dispatch, ...): walk them all.
        let mut stack = vec![std::path::PathBuf::from(d)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split(".t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                if key.contains('.') && !key.contains(' ') {
                    used.push(key.to_string());
                }
            }
        }
    }
    assert!(used.len() > 50);
    for k in used {
        assert!(
            keys.contains(&k),
            "message key {k} is used but missing from messages.csv"
        );
    }
}

#[tokio::test]
async fn organizations_page_lists_filters_and_adds_with_inline_errors() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let post = |form: Vec<(&'static str, String)>| {
            let b = &b;
            async move {
                b.http
                    .post(format!("{}/organizations", b.base))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let bad = post(vec![
            ("_csrf", b.csrf.clone()),
            ("kind", "spaceport".into()),
            ("name", "".into()),
            ("municipality_code", "392013".into()),
            ("email", "not-an-address".into()),
        ])
        .await;
        assert_eq!(bad.status(), 422);
        let html = bad.text().await.unwrap();
        for id in ["kind-err", "name-err", "municipality_code-err", "email-err"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{backend}: {id}");
        }
        assert!(w
            .app
            .store
            .list_organizations(w.user(Role::Consultant), None)
            .await
            .unwrap()
            .is_empty());

        let ok = post(vec![
            ("_csrf", b.csrf.clone()),
            ("kind", "hospital".into()),
            ("name", "架空こども病院".into()),
            ("municipality_code", "392014".into()),
            ("phone", "088-000-0000".into()),
        ])
        .await;
        assert_eq!(ok.status(), 303, "{backend}");
        post(vec![
            ("_csrf", b.csrf.clone()),
            ("kind", "special_school".into()),
            ("name", "架空特別支援学校".into()),
        ])
        .await;
        let all = b
            .http
            .get(format!("{}/organizations?saved=1", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(all.contains("id=\"saved\""));
        assert!(all.contains("架空こども病院") && all.contains("架空特別支援学校"));
        assert!(all.contains("高知県高知市"), "municipality shown by name");
        let schools = b
            .http
            .get(format!("{}/organizations?kind=special_school", b.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(schools.contains("架空特別支援学校") && !schools.contains("架空こども病院"));

        // Another center never sees them.
        let other = login(&w.app, "nara.consultant").await;
        let theirs = other
            .http
            .get(format!("{}/organizations", other.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(theirs.contains("id=\"no-results\""));
    }
}
