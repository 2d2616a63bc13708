//! Authentication as specified in the security issue: two-factor login (TOTP, RFC 6238) with
//! enrolment by QR code and recovery codes, required for admins and advisors by default and
//! configurable per center; password rules; sessions that end on password change, disable and
//! admin request.

use domain::Role;

use crate::*;

/// Log in with the password only and return the client (cookies) and where it was sent.
async fn password_step(
    app: &TestApp,
    login: &str,
    password: &str,
) -> (reqwest::Client, u16, String) {
    let http = client();
    let page = get_text(&http, format!("{}/login", app.addr)).await;
    let r = http
        .post(format!("{}/login", app.addr))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("login", login),
            ("password", password),
            ("next", "/children"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let to = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (http, status, to)
}

async fn post_code(app: &TestApp, http: &reqwest::Client, code: &str) -> reqwest::Response {
    // The login page carries the same pre-login CSRF token, whatever state the challenge is in.
    let page = get_text(http, format!("{}/login", app.addr)).await;
    http.post(format!("{}/login/code", app.addr))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("code", code),
            ("next", "/children"),
        ])
        .send()
        .await
        .unwrap()
}

async fn status_of(http: &reqwest::Client, url: String) -> u16 {
    http.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn advisors_enrol_at_first_login_then_need_a_code_each_time() {
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        // Password alone gives no session: the advisor is sent to set up an authenticator.
        let (http, status, to) = password_step(app, "kochi.advisor", PASSWORD).await;
        assert_eq!(status, 303);
        assert!(to.starts_with("/login/code"), "{to}");
        assert_eq!(
            status_of(&http, format!("{}/children", app.addr)).await,
            303
        );
        let page = get_text(&http, format!("{}/login/code", app.addr)).await;
        assert!(
            page.contains("<svg") && page.contains("id=\"qr\""),
            "inline SVG QR code"
        );
        assert!(!page.contains("<?xml"));
        let secret = text_of_id(&page, "secret").replace(' ', "");
        let totp = domain::totp::TotpSecret::parse_base32(&secret).unwrap();
        // A wrong code: 422, still no session.
        let r = post_code(app, &http, "000000").await;
        let wrong = if totp.code_at(app.clock.now().timestamp()) == "000000" {
            200
        } else {
            422
        };
        assert_eq!(r.status(), wrong);
        assert_eq!(
            status_of(&http, format!("{}/children", app.addr)).await,
            303
        );
        // The right code: logged in, and ten recovery codes are shown once.
        let code = totp.code_at(app.clock.now().timestamp());
        let r = post_code(app, &http, &code).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        let codes: Vec<String> = html
            .match_indices("<li><code>")
            .map(|(i, _)| html[i + 10..i + 21].to_string())
            .collect();
        assert_eq!(codes.len(), 10, "{html}");
        assert_eq!(
            status_of(&http, format!("{}/children", app.addr)).await,
            200
        );
        let me = &w.user(Role::Advisor).user_id;
        let log = app.store.audit_for_entity("user", me).await.unwrap();
        assert!(log.iter().any(|r| r.action == "mfa.enroll"));
        assert!(log.iter().any(|r| r.action == "login.code_failed"));

        // Next login: password, then a code. The same code again is refused (used once).
        let (http2, _, to) = password_step(app, "kochi.advisor", PASSWORD).await;
        assert!(to.starts_with("/login/code"));
        let page = get_text(&http2, format!("{}/login/code", app.addr)).await;
        assert!(
            !page.contains("id=\"secret\""),
            "enrolled users are not shown the secret again"
        );
        assert_eq!(
            post_code(app, &http2, &code).await.status(),
            422,
            "{backend}: replay"
        );
        app.clock.advance(chrono::Duration::seconds(30));
        let fresh = totp.code_at(app.clock.now().timestamp());
        let r = post_code(app, &http2, &fresh).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/children");

        // A recovery code works once, in place of the app's code.
        let (http3, _, _) = password_step(app, "kochi.advisor", PASSWORD).await;
        let r = post_code(app, &http3, &codes[0].to_uppercase()).await;
        assert_eq!(r.status(), 303, "{backend}: recovery code");
        let (http4, _, _) = password_step(app, "kochi.advisor", PASSWORD).await;
        assert_eq!(post_code(app, &http4, &codes[0]).await.status(), 422);
    }
}

#[tokio::test]
async fn a_challenge_expires_and_wrong_codes_lock_the_account() {
    let w = world("sqlite").await;
    let app = &w.app;
    let b = login(app, "kochi.admin").await; // enrols
    drop(b);
    let (http, _, _) = password_step(app, "kochi.admin", PASSWORD).await;
    app.clock
        .advance(store::login::CHALLENGE_TTL + chrono::Duration::minutes(1));
    let code = totp_code(app, "kochi.admin");
    let r = post_code(app, &http, &code).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?expired=1");
    // Wrong codes count toward the account's soft lock, like wrong passwords.
    let (http, _, _) = password_step(app, "kochi.admin", PASSWORD).await;
    for _ in 0..store::login::LOCK_AFTER {
        post_code(app, &http, "123456").await;
    }
    let (_, status, _) = password_step(app, "kochi.admin", PASSWORD).await;
    assert_eq!(status, 401, "locked after five wrong codes");
}

#[tokio::test]
async fn the_center_chooses_which_roles_need_two_factor_login() {
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        // Consultants log in with a password by default.
        let (_, _, to) = password_step(app, "kochi.consultant", PASSWORD).await;
        assert_eq!(to, "/children");
        let admin = login(app, "kochi.admin").await;
        let r = admin
            .http
            .post(format!("{}/admin/mfa-roles", app.addr))
            .form(&[
                ("_csrf", admin.csrf.as_str()),
                ("role", "advisor"),
                ("role", "consultant"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, _, to) = password_step(app, "kochi.consultant", PASSWORD).await;
        assert!(to.starts_with("/login/code"), "{backend}: now required");
        // The other center keeps its own setting.
        let (_, _, to) = password_step(app, "nara.consultant", PASSWORD).await;
        assert_eq!(to, "/children");
        // Administrators always stay in the set, whatever the form says.
        admin
            .http
            .post(format!("{}/admin/mfa-roles", app.addr))
            .form(&[("_csrf", admin.csrf.as_str())])
            .send()
            .await
            .unwrap();
        let roles = app
            .store
            .center_mfa_roles(&w.user(Role::Admin).center_id)
            .await
            .unwrap();
        assert_eq!(roles, vec![Role::Admin]);
    }
}

#[tokio::test]
async fn any_user_may_turn_on_two_factor_login_from_the_account_page() {
    let w = world("sqlite").await;
    let app = &w.app;
    let b = login(app, "kochi.consultant").await;
    let page = get_text(&b.http, format!("{}/account?setup=1", app.addr)).await;
    assert!(page.contains("<svg"));
    let secret = text_of_id(&page, "secret").replace(' ', "");
    let totp = domain::totp::TotpSecret::parse_base32(&secret).unwrap();
    let bad = b
        .http
        .post(format!("{}/account/mfa", app.addr))
        .form(&[("_csrf", b.csrf.as_str()), ("code", "12345")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("6桁"));
    let ok = b
        .http
        .post(format!("{}/account/mfa", app.addr))
        .form(&[
            ("_csrf", b.csrf.as_str()),
            ("code", &totp.code_at(app.clock.now().timestamp())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("recovery-codes"));
    let (_, _, to) = password_step(app, "kochi.consultant", PASSWORD).await;
    assert!(
        to.starts_with("/login/code"),
        "enrolled users always give a code"
    );
}

#[tokio::test]
async fn password_change_checks_the_rules_and_ends_other_sessions() {
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let here = login(app, "kochi.consultant").await;
        let elsewhere = login(app, "kochi.consultant").await;
        let change = |current: &'static str, new: &'static str, confirm: &'static str| {
            here.http
                .post(format!("{}/account/password", app.addr))
                .form(&[
                    ("_csrf", here.csrf.as_str()),
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ])
                .send()
        };
        for (cur, new, confirm, needle) in [
            (
                "wrong wrong wrong",
                "a long new passphrase",
                "a long new passphrase",
                "現在のパスワードが違います",
            ),
            (PASSWORD, "short", "short", "12文字以上"),
            (
                PASSWORD,
                "password123456",
                "password123456",
                "よく使われている",
            ),
            (
                PASSWORD,
                "a long new passphrase",
                "a long new passphrasx",
                "一致しません",
            ),
        ] {
            let r = change(cur, new, confirm).await.unwrap();
            assert_eq!(r.status(), 422, "{backend}: {needle}");
            assert!(r.text().await.unwrap().contains(needle), "{needle}");
        }
        // Nothing changed: the old password still works, both sessions are alive.
        assert_eq!(
            status_of(&elsewhere.http, format!("{}/children", app.addr)).await,
            200
        );
        let r = change(PASSWORD, "a long new passphrase", "a long new passphrase")
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        // This browser got a new session; the other device is logged out.
        assert_eq!(
            status_of(&here.http, format!("{}/children", app.addr)).await,
            200
        );
        assert_eq!(
            status_of(&elsewhere.http, format!("{}/children", app.addr)).await,
            303
        );
        let (_, status, _) = password_step(app, "kochi.consultant", PASSWORD).await;
        assert_eq!(status, 401, "{backend}: old password refused");
        let (_, status, _) = password_step(app, "kochi.consultant", "a long new passphrase").await;
        assert_eq!(status, 303);
    }
}

#[tokio::test]
async fn admins_end_sessions_disable_unlock_and_reset_two_factor() {
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let admin = login(app, "kochi.admin").await;
        let victim = login(app, "kochi.consultant").await;
        let victim_id = w.user(Role::Consultant).user_id.clone();
        let token = token_for(app, "kochi.consultant").await;
        let act = |id: String, action: &'static str| {
            admin
                .http
                .post(format!("{}/admin/users/{id}/{action}", app.addr))
                .form(&[("_csrf", admin.csrf.as_str())])
                .send()
        };
        let page = get_text(&admin.http, format!("{}/admin/users", app.addr)).await;
        assert!(page.contains("id=\"user-kochi.consultant\""));
        assert!(
            !page.contains("nara."),
            "{backend}: only the admin's own center"
        );

        // End sessions: the consultant's browser is logged out at once.
        assert_eq!(
            act(victim_id.clone(), "end-sessions")
                .await
                .unwrap()
                .status(),
            303
        );
        assert_eq!(
            status_of(&victim.http, format!("{}/children", app.addr)).await,
            303
        );

        // Disable: new logins and API tokens stop working at once.
        let again = login(app, "kochi.consultant").await;
        assert_eq!(
            act(victim_id.clone(), "disable").await.unwrap().status(),
            303
        );
        assert_eq!(
            status_of(&again.http, format!("{}/children", app.addr)).await,
            303
        );
        let api = client()
            .get(format!("{}/api/v1/children", app.addr))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), 401);
        let (_, status, _) = password_step(app, "kochi.consultant", PASSWORD).await;
        assert_eq!(status, 401);
        // Enable again: password login works; the old token stays expired.
        assert_eq!(
            act(victim_id.clone(), "enable").await.unwrap().status(),
            303
        );
        let (_, status, _) = password_step(app, "kochi.consultant", PASSWORD).await;
        assert_eq!(status, 303);

        // Reset two-factor: the advisor must enrol again.
        let adv = w.user(Role::Advisor).user_id.clone();
        login(app, "kochi.advisor").await;
        assert_eq!(act(adv.clone(), "reset-mfa").await.unwrap().status(), 303);
        let (http, _, _) = password_step(app, "kochi.advisor", PASSWORD).await;
        let page = get_text(&http, format!("{}/login/code", app.addr)).await;
        assert!(page.contains("id=\"secret\""), "{backend}: enrol again");

        // Bad requests change nothing: another center's user, an unknown action, myself.
        let nara = w.other_user(Role::Consultant).user_id.clone();
        assert_eq!(act(nara, "disable").await.unwrap().status(), 404);
        assert_eq!(
            act(victim_id.clone(), "explode").await.unwrap().status(),
            404
        );
        let me = w.user(Role::Admin).user_id.clone();
        assert_eq!(act(me, "disable").await.unwrap().status(), 422);
        // Through the API too.
        let admin_token = token_for(app, "kochi.admin").await;
        let r = client()
            .post(format!("{}/api/v1/users/{victim_id}/actions", app.addr))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!({"action": "disable"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["disabled"], true);
        let r = client()
            .post(format!("{}/api/v1/users/{victim_id}/actions", app.addr))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!({"action": "nope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let log = app
            .store
            .audit_for_entity("user", &victim_id)
            .await
            .unwrap();
        for action in ["user.end_sessions", "user.disable", "user.enable"] {
            assert!(
                log.iter().any(|r| r.action == action),
                "{backend}: {action} audited"
            );
        }
    }
}
