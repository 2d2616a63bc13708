//! Staff and center administration (issue 13): adding users with a temporary password that must
//! be changed at first login, role changes, password resets, the center's details and work.

use domain::Role;
use reqwest::Method;

use crate::*;

/// Log in with a password; answers the client and where the login sent it.
async fn login_as(app: &TestApp, login: &str, password: &str) -> (reqwest::Client, u16, String) {
    let http = client();
    let page = get_text(&http, format!("{}/login", app.addr)).await;
    let res = http
        .post(format!("{}/login", app.addr))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("login", login),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let to = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (http, status, to)
}

async fn status_and_location(http: &reqwest::Client, url: String) -> (u16, String) {
    let res = http.get(url).send().await.unwrap();
    let to = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status().as_u16(), to)
}

async fn users(w: &World, token: &str) -> Vec<serde_json::Value> {
    let (status, body) = call(w, token, Method::GET, "/api/v1/users", None).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn an_added_user_must_change_the_temporary_password_before_anything_else() {
    for backend in backends() {
        let w = world(backend).await;
        let admin = token_for(&w.app, "kochi.admin").await;
        let (status, body) = call(
            &w,
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(serde_json::json!({"login": "kochi.newcomer", "display_name": "新人 花子", "role": "consultant"})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {body}");
        let temp = body["temporary_password"].as_str().unwrap().to_string();
        assert!(temp.len() >= 12, "{backend}: {body}");
        assert_eq!(body["user"]["must_change_password"], true);
        assert_eq!(body["user"]["role"], "consultant");
        // The temporary password is not shown again: the list has no password field.
        let listed = users(&w, &admin).await;
        let row = listed
            .iter()
            .find(|u| u["login"] == "kochi.newcomer")
            .unwrap();
        assert!(row.get("temporary_password").is_none());

        let (http, status, _) = login_as(&w.app, "kochi.newcomer", &temp).await;
        assert_eq!(status, 303, "{backend}: temporary password logs in");
        // Every page sends them to the account page; the API refuses with a clear reason.
        for path in ["/", "/children", "/consultations"] {
            let (status, to) = status_and_location(&http, format!("{}{path}", w.app.addr)).await;
            assert_eq!(
                (status, to.as_str()),
                (303, "/account?must=1"),
                "{backend} {path}"
            );
        }
        let res = http
            .get(format!("{}/api/v1/children", w.app.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let j: serde_json::Value = res.json().await.unwrap();
        assert_eq!(j["error"], "password_change_required", "{backend}: {j}");
        let account = get_text(&http, format!("{}/account", w.app.addr)).await;
        assert!(account.contains("id=\"must-change\""), "{backend}");
        assert!(
            !account.contains("href=\"/children\""),
            "{backend}: no menu yet"
        );
        let csrf = csrf_of(&account);
        // Keeping the temporary password is not a change.
        let res = http
            .post(format!("{}/account/password", w.app.addr))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("current_password", temp.as_str()),
                ("new_password", temp.as_str()),
                ("confirm_password", temp.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{backend}");
        let new = "a brand new passphrase of mine";
        let res = http
            .post(format!("{}/account/password", w.app.addr))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("current_password", temp.as_str()),
                ("new_password", new),
                ("confirm_password", new),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{backend}");
        let (status, _) = status_and_location(&http, format!("{}/children", w.app.addr)).await;
        assert_eq!(status, 200, "{backend}: usable after the change");
        let home = get_text(&http, format!("{}/", w.app.addr)).await;
        assert!(home.contains("href=\"/children\""));
        assert!(home.contains("id=\"center-name\">高知テスト<"), "{backend}");
        let row = users(&w, &admin)
            .await
            .into_iter()
            .find(|u| u["login"] == "kochi.newcomer")
            .unwrap();
        assert_eq!(row["must_change_password"], false);

        // Audited with the admin as actor.
        let auditor = token_for(&w.app, "kochi.auditor").await;
        let (status, log) = call(
            &w,
            &auditor,
            Method::GET,
            "/api/v1/audit?action=user.create",
            None,
        )
        .await;
        assert_eq!(status, 200, "{log}");
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["actor_login"] == "kochi.admin"
                    && r["detail"]
                        .as_str()
                        .unwrap()
                        .contains("kochi.newcomer role=consultant")),
            "{backend}: {log}"
        );
    }
}

#[tokio::test]
async fn bad_users_and_roles_are_refused_in_words_and_change_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let admin = token_for(&w.app, "kochi.admin").await;
        let before = users(&w, &admin).await;
        let long_name = "あ".repeat(51);
        let cases = [
            (
                serde_json::json!({"login": "kochi.consultant", "display_name": "重複", "role": "viewer"}),
                "login",
                "既に使われています",
            ),
            (
                serde_json::json!({"login": "kochi.x", "display_name": "不明", "role": "root"}),
                "role",
                "権限は",
            ),
            (
                serde_json::json!({"login": "kochi.x", "display_name": "監査", "role": "auditor"}),
                "role",
                "監査担当",
            ),
            (
                serde_json::json!({"login": "kochi.x", "display_name": "  ", "role": "viewer"}),
                "display_name",
                "",
            ),
            (
                serde_json::json!({"login": "kochi.x", "display_name": long_name, "role": "viewer"}),
                "display_name",
                "",
            ),
            (
                serde_json::json!({"login": "山田 花子", "display_name": "山田", "role": "viewer"}),
                "login",
                "英数字",
            ),
            (
                serde_json::json!({"login": "kochi.x", "display_name": "市", "role": "municipal"}),
                "municipalities",
                "市町村コード",
            ),
        ];
        for (body, field, words) in cases {
            let (status, res) = call(
                &w,
                &admin,
                Method::POST,
                "/api/v1/users",
                Some(body.clone()),
            )
            .await;
            assert_eq!(status, 422, "{backend}: {body} -> {res}");
            let msg = res["fields"][field]
                .as_str()
                .unwrap_or_else(|| panic!("{res}"));
            assert!(msg.contains(words), "{backend}: {msg}");
        }
        assert_eq!(users(&w, &admin).await.len(), before.len());

        // Roles: nobody changes their own; an auditor's is not the admin's; another center's
        // user is not found; a plain change works and ends the user's sessions.
        let me = &w.user(Role::Admin).user_id;
        let (status, res) = call(
            &w,
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{me}/role"),
            Some(serde_json::json!({"role": "viewer"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {res}");
        assert!(res["fields"]["role"]
            .as_str()
            .unwrap()
            .contains("自分自身の権限"));
        let auditor = &w.user(Role::Auditor).user_id;
        let (status, _) = call(
            &w,
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{auditor}/role"),
            Some(serde_json::json!({"role": "admin"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        let other = &w.other_user(Role::Viewer).user_id;
        let (status, _) = call(
            &w,
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{other}/role"),
            Some(serde_json::json!({"role": "consultant"})),
        )
        .await;
        assert_eq!(status, 404, "{backend}");
        let viewer = &w.user(Role::Viewer).user_id;
        let (status, _) = call(
            &w,
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{viewer}/role"),
            Some(serde_json::json!({"role": "superuser"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        let b = login(&w.app, "kochi.viewer").await;
        let (status, res) = call(
            &w,
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{viewer}/role"),
            Some(serde_json::json!({"role": "consultant"})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {res}");
        assert_eq!(res["role"], "consultant");
        let (status, to) = status_and_location(&b.http, format!("{}/", w.app.addr)).await;
        assert_eq!((status, to.as_str()), (303, "/login"), "{backend}");
        // Disabling oneself stays refused too.
        let (status, _) = call(
            &w,
            &admin,
            Method::POST,
            &format!("/api/v1/users/{me}/actions"),
            Some(serde_json::json!({"action": "disable"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}");
    }
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_forces_a_change() {
    for backend in backends() {
        let w = world(backend).await;
        let admin = token_for(&w.app, "kochi.admin").await;
        let b = login(&w.app, "kochi.consultant").await;
        let (status, _) = status_and_location(&b.http, format!("{}/children", w.app.addr)).await;
        assert_eq!(status, 200);
        let id = &w.user(Role::Consultant).user_id;
        let (status, res) = call(
            &w,
            &admin,
            Method::POST,
            &format!("/api/v1/users/{id}/password-reset"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {res}");
        let temp = res["temporary_password"].as_str().unwrap().to_string();
        assert_eq!(res["user"]["open_sessions"], 0);
        let (status, to) = status_and_location(&b.http, format!("{}/children", w.app.addr)).await;
        assert_eq!(
            (status, to.as_str()),
            (303, "/login"),
            "{backend}: session ended"
        );
        let (_, status, _) = login_as(&w.app, "kochi.consultant", PASSWORD).await;
        assert_ne!(status, 303, "{backend}: the old password no longer works");
        let (http, status, _) = login_as(&w.app, "kochi.consultant", &temp).await;
        assert_eq!(status, 303, "{backend}");
        let (status, to) = status_and_location(&http, format!("{}/", w.app.addr)).await;
        assert_eq!((status, to.as_str()), (303, "/account?must=1"));
        // Not one's own, not an auditor's, not another center's.
        for (uid, expect) in [
            (w.user(Role::Admin).user_id.clone(), 422),
            (w.user(Role::Auditor).user_id.clone(), 422),
            (w.other_user(Role::Consultant).user_id.clone(), 404),
        ] {
            let (status, _) = call(
                &w,
                &admin,
                Method::POST,
                &format!("/api/v1/users/{uid}/password-reset"),
                None,
            )
            .await;
            assert_eq!(status, expect, "{backend}");
        }
    }
}

#[tokio::test]
async fn center_details_save_validate_and_switch_dispatch_and_payments_off() {
    for backend in backends() {
        let w = world(backend).await;
        let admin = token_for(&w.app, "kochi.admin").await;
        let (status, before) = call(&w, &admin, Method::GET, "/api/v1/center", None).await;
        assert_eq!(status, 200, "{before}");
        assert_eq!(before["runs_dispatch"], true);
        let bad = serde_json::json!({"name": "", "contact_phone": "12", "contact_email": "not-an-email",
            "runs_dispatch": true, "runs_payments": true});
        let (status, res) = call(&w, &admin, Method::PUT, "/api/v1/center", Some(bad)).await;
        assert_eq!(status, 422, "{backend}: {res}");
        for f in ["name", "contact_phone", "contact_email"] {
            assert!(res["fields"][f].is_string(), "{backend}: {f} in {res}");
        }
        // A missing work flag is an error, not "off".
        let (status, _) = call(
            &w,
            &admin,
            Method::PUT,
            "/api/v1/center",
            Some(serde_json::json!({"name": "高知テスト"})),
        )
        .await;
        assert_eq!(status, 422);
        let off = serde_json::json!({"name": "テスト医療的ケア児支援センター", "contact_phone": "088-123-4567",
            "contact_email": "center@example.jp", "address": "高知市本町1-1", "opening_hours": "平日 9:00〜17:00",
            "runs_dispatch": false, "runs_payments": false});
        // Coordinators are active: dispatch stays on until they are dealt with.
        let (status, res) =
            call(&w, &admin, Method::PUT, "/api/v1/center", Some(off.clone())).await;
        assert_eq!(status, 422, "{backend}: {res}");
        assert!(res["fields"]["runs_dispatch"].is_string());
        let (_, unchanged) = call(&w, &admin, Method::GET, "/api/v1/center", None).await;
        assert_eq!(unchanged, before, "{backend}: nothing changed");
        let coord = &w.user(Role::Coordinator).user_id;
        let (status, _) = call(
            &w,
            &admin,
            Method::POST,
            &format!("/api/v1/users/{coord}/actions"),
            Some(serde_json::json!({"action": "disable"})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, saved) = call(&w, &admin, Method::PUT, "/api/v1/center", Some(off)).await;
        assert_eq!(status, 200, "{backend}: {saved}");
        assert_eq!(saved["contact_phone"], "088-123-4567");
        assert_eq!(saved["runs_dispatch"], false);

        // The advisor's pages: no dispatch or payment menu, the center named in the header, no
        // トータルアドバイザー; the routes answer a page saying the center does not do that.
        let b = login(&w.app, "kochi.advisor").await;
        let home = get_text(&b.http, format!("{}/", w.app.addr)).await;
        assert!(!home.contains("href=\"/dispatch\""), "{backend}");
        assert!(!home.contains("href=\"/payments\""), "{backend}");
        assert!(home.contains("テスト医療的ケア児支援センター"), "{backend}");
        assert!(!home.contains("トータルアドバイザー"), "{backend}");
        for path in ["/dispatch", "/coordinators", "/dispatch/new", "/payments"] {
            let res = b
                .http
                .get(format!("{}{path}", w.app.addr))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{backend} {path}");
            let html = res.text().await.unwrap();
            assert!(
                html.contains("行っていません") || html.contains("扱っていません"),
                "{backend} {path}"
            );
            assert!(
                html.contains("href=\"/children\""),
                "{backend}: with the menu"
            );
        }
        let advisor = token_for(&w.app, "kochi.advisor").await;
        let (status, res) =
            call(&w, &advisor, Method::GET, "/api/v1/dispatch-requests", None).await;
        assert_eq!((status, res["error"].as_str()), (404, Some("work_not_run")));
        // A coordinator cannot be added where there is no dispatch.
        let (status, res) = call(
            &w,
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(serde_json::json!({"login": "kochi.c2", "display_name": "派遣 二郎", "role": "coordinator"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {res}");
        // The other center still runs both and still shows the menu.
        let other = login(&w.app, "nara.advisor").await;
        let home = get_text(&other.http, format!("{}/", w.app.addr)).await;
        assert!(home.contains("href=\"/dispatch\""), "{backend}");
    }
}

#[tokio::test]
async fn admin_pages_add_a_user_and_edit_the_center() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.admin").await;
        let form = get_text(&b.http, format!("{}/admin/users/new", w.app.addr)).await;
        assert!(form.contains("name=\"login\""));
        assert!(!form.contains("value=\"auditor\""), "{backend}");
        let csrf = csrf_of(&form);
        let post = |fields: Vec<(&'static str, String)>| {
            let mut f = fields;
            f.push(("_csrf", csrf.clone()));
            b.http
                .post(format!("{}/admin/users", w.app.addr))
                .form(&f)
                .send()
        };
        let res = post(vec![
            ("login", "kochi.consultant".into()),
            ("display_name", "重複 太郎".into()),
            ("role", "viewer".into()),
        ])
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("このログイン名は既に使われています"),
            "{backend}"
        );
        assert!(
            html.contains("value=\"重複 太郎\""),
            "{backend}: typed input kept"
        );
        let res = post(vec![
            ("login", "kochi.page".into()),
            ("display_name", "画面 花子".into()),
            ("role", "viewer".into()),
        ])
        .await
        .unwrap();
        assert_eq!(res.status(), 201);
        let html = res.text().await.unwrap();
        let temp = text_of_id(&html, "temp-password");
        assert!(temp.len() >= 12);
        let (_, status, _) = login_as(&w.app, "kochi.page", &temp).await;
        assert_eq!(status, 303, "{backend}");

        // The center page: a bad email is refused with the typed values kept.
        let page = get_text(&b.http, format!("{}/admin/center", w.app.addr)).await;
        assert!(page.contains("id=\"runs_dispatch\" checked"), "{backend}");
        let res = b
            .http
            .post(format!("{}/admin/center", w.app.addr))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "新しい名前センター"),
                ("contact_email", "no at sign"),
                ("runs_dispatch", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("value=\"新しい名前センター\""), "{backend}");
        let res = b
            .http
            .post(format!("{}/admin/center", w.app.addr))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "新しい名前センター"),
                ("opening_hours", "平日 9:00〜17:00"),
                ("runs_dispatch", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let page = get_text(&b.http, format!("{}/admin/center?saved=1", w.app.addr)).await;
        assert!(page.contains("id=\"center-name\">新しい名前センター<"));
        assert!(page.contains("id=\"runs_dispatch\" checked"));
        assert!(!page.contains("id=\"runs_payments\" checked"), "{backend}");
        assert!(!page.contains("href=\"/payments\""), "{backend}");
        assert!(page.contains("href=\"/dispatch\""), "{backend}");
    }
}
