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

// ---------------------------------------------------------------- races (issue 13, item 11)
//
// Each burst is fired at once and its outcome counted afterwards, so the assertions hold
// whatever order the attempts happen to run in: no sleeps, nothing left to chance.

/// How many audit rows about this user have this action and (if given) detail fragment.
async fn audit_count(app: &TestApp, user_id: &str, action: &str, detail: &str) -> usize {
    app.store
        .audit_for_entity("user", user_id)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.action == action && r.detail.contains(detail))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_wrong_passwords_gets_at_most_lock_after_guesses_checked() {
    use store::login::{LoginOutcome, LOCK_AFTER};
    const BURST: usize = 50;
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let viewer = w.user(Role::Viewer).user_id.clone();
        let now = app.clock.now();
        // Straight at the store, as the login handler calls it: the per-address throttle (tested
        // below) is not what is under test here.
        let mut burst = tokio::task::JoinSet::new();
        for i in 0..BURST {
            let store = app.store.clone();
            burst.spawn(async move {
                store
                    .login("kochi.viewer", &format!("wrong guess number {i}"), now)
                    .await
                    .unwrap()
            });
        }
        while let Some(outcome) = burst.join_next().await {
            assert!(matches!(outcome.unwrap(), LoginOutcome::Failed));
        }
        let checked = audit_count(app, &viewer, "login.failed", "reason=wrong password").await;
        let refused = audit_count(app, &viewer, "login.failed", "reason=locked").await;
        let locks = audit_count(app, &viewer, "user.locked", "").await;
        eprintln!(
            "{backend}: {BURST} wrong passwords fired at once: {checked} checked, {refused} refused as locked, {locks} lock(s)"
        );
        assert_eq!(checked, LOCK_AFTER as usize, "{backend}: guesses checked");
        assert_eq!(refused, BURST - checked, "{backend}: the rest met the lock");
        assert_eq!(locks, 1, "{backend}: one lock, audited once");
        // The right password after the burst meets the lock too.
        let after = app
            .store
            .login("kochi.viewer", PASSWORD, now)
            .await
            .unwrap();
        assert!(
            matches!(after, LoginOutcome::Failed),
            "{backend}: still locked"
        );
        // The lock lifts after its minute; a success starts the count afresh.
        let later = now + chrono::Duration::minutes(2);
        let ok = app
            .store
            .login("kochi.viewer", PASSWORD, later)
            .await
            .unwrap();
        assert!(
            matches!(ok, LoginOutcome::Session { .. }),
            "{backend}: unlocked"
        );
    }
}

/// Open `n` second-step challenges for `login` (each its own browser) with their CSRF tokens.
async fn open_challenges(app: &TestApp, login: &str, n: usize) -> Vec<(reqwest::Client, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (http, status, to) = password_step(app, login, PASSWORD).await;
        assert_eq!(status, 303);
        assert!(to.starts_with("/login/code"), "{to}");
        let page = get_text(&http, format!("{}/login/code", app.addr)).await;
        out.push((http, csrf_of(&page)));
    }
    out
}

/// Send one code on every challenge at once; the statuses and where each was sent.
async fn code_burst(
    app: &TestApp,
    challenges: Vec<(reqwest::Client, String)>,
    code: &str,
) -> Vec<(u16, String)> {
    let mut burst = tokio::task::JoinSet::new();
    for (http, csrf) in challenges {
        let url = format!("{}/login/code", app.addr);
        let code = code.to_string();
        burst.spawn(async move {
            let r = http
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("code", &code),
                    ("next", "/children"),
                ])
                .send()
                .await
                .unwrap();
            let to = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (r.status().as_u16(), to)
        });
    }
    let mut out = Vec::new();
    while let Some(r) = burst.join_next().await {
        out.push(r.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_totp_code_sent_on_several_challenges_opens_one_session() {
    // Fewer losers than LOCK_AFTER: the lost races count as wrong codes, and must not lock the
    // account whatever order they run in.
    const CHALLENGES: usize = 4;
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let admin = w.user(Role::Admin).user_id.clone();
        login(app, "kochi.admin").await; // enrols
        let challenges = open_challenges(app, "kochi.admin", CHALLENGES).await;
        let before = audit_count(app, &admin, "login.ok", "method=totp").await;
        let code = totp_code(app, "kochi.admin");
        let results = code_burst(app, challenges, &code).await;
        let sessions = results
            .iter()
            .filter(|(s, to)| *s == 303 && to == "/children")
            .count();
        let audited = audit_count(app, &admin, "login.ok", "method=totp").await - before;
        eprintln!(
            "{backend}: one TOTP code on {CHALLENGES} challenges at once: {sessions} session(s) opened, {audited} audited login(s)"
        );
        assert_eq!(sessions, 1, "{backend}: {results:?}");
        assert_eq!(audited, 1, "{backend}");
        assert_eq!(
            results.iter().filter(|(s, _)| *s == 422).count(),
            CHALLENGES - 1,
            "{backend}: the others are told the code is wrong: {results:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_enrolment_code_sent_on_several_challenges_enrols_once() {
    const CHALLENGES: usize = 4;
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let advisor = w.user(Role::Advisor).user_id.clone();
        let challenges = open_challenges(app, "kochi.advisor", CHALLENGES).await;
        // Every enrolment challenge shows the same pending secret.
        let page = get_text(&challenges[0].0, format!("{}/login/code", app.addr)).await;
        let secret = text_of_id(&page, "secret").replace(' ', "");
        let totp = domain::totp::TotpSecret::parse_base32(&secret).unwrap();
        let code = totp.code_at(app.clock.now().timestamp());
        let results = code_burst(app, challenges, &code).await;
        let enrolled = results.iter().filter(|(s, _)| *s == 200).count();
        let enrolments = audit_count(app, &advisor, "mfa.enroll", "").await;
        let sessions = audit_count(app, &advisor, "login.ok", "").await;
        eprintln!(
            "{backend}: one enrolment code on {CHALLENGES} challenges at once: {enrolled} enrolled, {enrolments} enrolment(s) audited, {sessions} session(s)"
        );
        assert_eq!(enrolled, 1, "{backend}: {results:?}");
        assert_eq!(enrolments, 1, "{backend}");
        assert_eq!(sessions, 1, "{backend}");
    }
}

/// POST /login with a pre-login CSRF token already fetched; optionally as a TLS proxy would
/// forward it. The status.
async fn post_login(
    http: &reqwest::Client,
    base: &str,
    csrf: &str,
    login: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> u16 {
    let mut req = http.post(format!("{base}/login")).form(&[
        ("_csrf", csrf),
        ("login", login),
        ("password", password),
    ]);
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_one_address_gets_exactly_the_throttles_allowance() {
    use web::auth::MAX_ADDRESS_FAILURES;
    const BURST: usize = 2 * MAX_ADDRESS_FAILURES;
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let http = client();
        let csrf = csrf_of(&get_text(&http, format!("{}/login", app.addr)).await);
        let mut burst = tokio::task::JoinSet::new();
        for i in 0..BURST {
            let (http, base, csrf) = (http.clone(), app.addr.clone(), csrf.clone());
            burst.spawn(async move {
                post_login(
                    &http,
                    &base,
                    &csrf,
                    &format!("nobody{i}"),
                    "nope nope nope",
                    None,
                )
                .await
            });
        }
        let mut statuses = Vec::new();
        while let Some(s) = burst.join_next().await {
            statuses.push(s.unwrap());
        }
        let tried = statuses.iter().filter(|s| **s == 401).count();
        let throttled = statuses.iter().filter(|s| **s == 429).count();
        eprintln!("{backend}: {BURST} attempts from one address at once: {tried} tried, {throttled} throttled");
        assert_eq!(tried, MAX_ADDRESS_FAILURES, "{backend}: {statuses:?}");
        assert_eq!(throttled, BURST - MAX_ADDRESS_FAILURES, "{backend}");
        // Without --behind-tls-proxy, X-Forwarded-For is the client's own claim: ignored.
        let spoofed = post_login(
            &http,
            &app.addr,
            &csrf,
            "kochi.consultant",
            PASSWORD,
            Some("203.0.113.5"),
        )
        .await;
        assert_eq!(
            spoofed, 429,
            "{backend}: a forged header does not escape the throttle"
        );
    }
}

#[tokio::test]
async fn behind_a_tls_proxy_the_throttle_counts_the_forwarded_client() {
    use web::auth::MAX_ADDRESS_FAILURES;
    for backend in backends() {
        let w = world(backend).await;
        // A second server on the same database, started as `serve --behind-tls-proxy` starts it.
        let state = AppState::new(
            w.app.store.clone(),
            w.app.clock.clone(),
            WebConfig::default(),
        )
        .with_tls_proxy(true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(web::serve(listener, state));
        // Every request comes from this one socket, as through a proxy.
        let http = client();
        let csrf = csrf_of(&get_text(&http, format!("{base}/login")).await);
        for i in 0..MAX_ADDRESS_FAILURES {
            // The proxy appends the peer it saw; what the client sent before it is its own claim.
            let forwarded = format!("10.9.8.{i}, 198.51.100.7");
            let s = post_login(
                &http,
                &base,
                &csrf,
                &format!("nobody{i}"),
                "nope nope nope",
                Some(&forwarded),
            )
            .await;
            assert_eq!(s, 401, "{backend}");
        }
        for forwarded in ["198.51.100.7", "203.0.113.9, 198.51.100.7"] {
            let s = post_login(
                &http,
                &base,
                &csrf,
                "kochi.consultant",
                PASSWORD,
                Some(forwarded),
            )
            .await;
            assert_eq!(s, 429, "{backend}: {forwarded} is throttled");
        }
        // Another client behind the same proxy is not, nor is the proxy's own address. (Each
        // success in a fresh browser: a logged-in one has a session's CSRF token instead.)
        let fresh = |login: &'static str, forwarded: Option<&'static str>| {
            let base = base.clone();
            async move {
                let http = client();
                let csrf = csrf_of(&get_text(&http, format!("{base}/login")).await);
                post_login(&http, &base, &csrf, login, PASSWORD, forwarded).await
            }
        };
        let s = fresh("kochi.consultant", Some("198.51.100.8")).await;
        assert_eq!(s, 303, "{backend}: another forwarded client");
        let s = fresh("kochi.viewer", None).await;
        assert_eq!(s, 303, "{backend}: no header: the socket peer");
        // Successes do not count toward an address's allowance.
        for _ in 0..MAX_ADDRESS_FAILURES + 1 {
            let s = fresh("kochi.consultant", Some("198.51.100.20")).await;
            assert_eq!(s, 303, "{backend}");
        }
    }
}

/// Counting an attempt before its password is checked must not lock out the right password:
/// the same person logging in on several devices at once (or the benchmark's login burst)
/// all get in, and the account is not left locked or counted.
#[tokio::test]
async fn concurrent_right_passwords_of_one_account_all_log_in() {
    use store::login::{LoginOutcome, LOCK_AFTER};
    let burst = 3 * LOCK_AFTER as usize;
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        let now = app.clock.now();
        let mut logins = tokio::task::JoinSet::new();
        for _ in 0..burst {
            let store = app.store.clone();
            logins.spawn(async move { store.login("kochi.viewer", PASSWORD, now).await.unwrap() });
        }
        let mut sessions = 0;
        while let Some(outcome) = logins.join_next().await {
            if matches!(outcome.unwrap(), LoginOutcome::Session { .. }) {
                sessions += 1;
            }
        }
        assert_eq!(sessions, burst, "{backend}: every right password logs in");
        let viewer = w.user(Role::Viewer).user_id.clone();
        assert_eq!(
            audit_count(app, &viewer, "user.locked", "").await,
            0,
            "{backend}: no lock"
        );
    }
}
