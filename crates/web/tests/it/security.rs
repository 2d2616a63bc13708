//! Security headers on every route, cookie flags, schema parity between backends and the
//! tamper-evident audit chain.

use domain::Role;
use store::testing::Draft;

use crate::*;

fn concrete_path(path: &str) -> String {
    path.replace("{file}", "app.css")
        .replace("{lang}", "ja")
        .replace("{id}", "x")
        .replace("{action}", "unlock")
        .replace("{consent_id}", "x")
}

/// Every declared route, every method, plus the error paths, for an anonymous caller and a
/// logged-in one: the security headers are on every response and every cookie set is
/// HttpOnly and SameSite.
#[tokio::test]
async fn every_route_sends_security_headers() {
    let w = world("sqlite").await;
    let b = login(&w.app, "kochi.advisor").await;
    let anon = client();
    let mut routes: Vec<(reqwest::Method, String)> = web::policy::specs()
        .iter()
        .map(|s| (s.method.clone(), concrete_path(s.path)))
        .collect();
    for p in [
        "/no-such-page",
        "/api/v1/no-such",
        "/static/no-such.css",
        "/audit/export.csv",
    ] {
        routes.push((reqwest::Method::GET, p.into()));
    }
    let mut checked = 0;
    for (method, p) in &routes {
        for (http, csrf) in [(&b.http, b.csrf.as_str()), (&anon, "")] {
            let r = http
                .request(method.clone(), format!("{}{p}", w.app.addr))
                .header("x-csrf-token", csrf)
                .send()
                .await
                .unwrap();
            let h = r.headers();
            let csp = h
                .get("content-security-policy")
                .unwrap_or_else(|| panic!("{method} {p}: CSP"))
                .to_str()
                .unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{p}"
            );
            assert_eq!(h["x-content-type-options"], "nosniff", "{p}");
            assert_eq!(h["x-frame-options"], "DENY", "{p}");
            assert!(h.get("referrer-policy").is_some(), "{p}");
            assert!(h.get("strict-transport-security").is_some(), "{p}");
            if !p.starts_with("/static/") {
                assert_eq!(h["cache-control"], "no-store", "{method} {p}");
            }
            for c in h.get_all("set-cookie") {
                let c = c.to_str().unwrap();
                assert!(c.contains("HttpOnly") && c.contains("SameSite"), "{p}: {c}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "walked {checked} responses");
    println!("route walk: {checked} responses, 0 missing a required header or cookie flag");
}

/// Every state-changing route refuses a request without the CSRF token, with a wrong one, from
/// another origin, or marked cross-site by the browser — and writes nothing (the audit log,
/// which records every change, does not grow).
#[tokio::test]
async fn every_state_changing_route_checks_csrf_and_origin() {
    for backend in backends() {
        let w = world(backend).await;
        let b = login(&w.app, "kochi.consultant").await;
        let anon = client();
        // The anonymous client gets a pre-login token cookie, as a browser on /login would.
        let pre = csrf_of(
            &anon
                .get(format!("{}/login", w.app.addr))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let before = w.app.store.audit_count().await.unwrap();
        let mut checked = 0;
        for spec in web::policy::specs() {
            if spec.method == reqwest::Method::GET {
                continue;
            }
            let url = format!("{}{}", w.app.addr, concrete_path(spec.path));
            // The token each client would legitimately send: the origin checks must hold even
            // with a valid token.
            let (http, token) = match spec.policy {
                web::policy::Policy::Public => (&anon, pre.clone()),
                _ => (&b.http, b.csrf.clone()),
            };
            let host = w.app.addr.trim_start_matches("http://").to_string();
            let attempts: Vec<(&str, Vec<(&str, String)>)> = vec![
                ("no token", vec![]),
                ("wrong token", vec![("x-csrf-token", "forged".into())]),
                (
                    "other origin",
                    vec![
                        ("x-csrf-token", token.clone()),
                        ("origin", "https://evil.example".into()),
                    ],
                ),
                (
                    "cross-site",
                    vec![
                        ("x-csrf-token", token.clone()),
                        ("sec-fetch-site", "cross-site".into()),
                    ],
                ),
                (
                    "null origin",
                    vec![("x-csrf-token", token.clone()), ("origin", "null".into())],
                ),
                (
                    "look-alike host",
                    vec![
                        ("x-csrf-token", token.clone()),
                        ("origin", format!("http://{host}.evil.example")),
                    ],
                ),
            ];
            for (what, headers) in attempts {
                let mut req = http.request(spec.method.clone(), &url);
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                let req = if spec.path.starts_with("/api/") {
                    req.json(&serde_json::json!({}))
                } else {
                    req.form(&[("note", "")])
                };
                let status = req.send().await.unwrap().status();
                assert_eq!(
                    status, 403,
                    "{backend} {} {} ({what}) must be refused",
                    spec.method, spec.path
                );
                checked += 1;
            }
        }
        assert_eq!(
            w.app.store.audit_count().await.unwrap(),
            before,
            "{backend}: refused requests changed nothing"
        );
        assert!(checked >= 6 * 20, "{checked}");
    }
}

#[tokio::test]
async fn cookies_are_httponly_and_samesite() {
    let w = world("sqlite").await;
    let http = client();
    let page = http
        .get(format!("{}/login", w.app.addr))
        .send()
        .await
        .unwrap();
    for c in page.headers().get_all("set-cookie") {
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    // The session cookie (password-only role) and the two-factor challenge cookie (advisor).
    for (login, name) in [
        ("kochi.consultant", "tsunagu_session"),
        ("kochi.advisor", "tsunagu_mfa"),
    ] {
        let http = client();
        let page = http
            .get(format!("{}/login", w.app.addr))
            .send()
            .await
            .unwrap();
        let t = csrf_of(&page.text().await.unwrap());
        let r = http
            .post(format!("{}/login", w.app.addr))
            .form(&[
                ("_csrf", t.as_str()),
                ("login", login),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let c = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_string())
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{login} gets {name}"));
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
            "{c}"
        );
    }
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = spawn_app("sqlite").await;
    let cols = sqlite.store.schema_columns().await.unwrap();
    assert!(cols
        .iter()
        .any(|(t, c)| t == "children" && c == "search_kana"));
    if backends().contains(&"postgres") {
        let pg = spawn_app("postgres").await;
        assert_eq!(cols, pg.store.schema_columns().await.unwrap());
    }
}

#[tokio::test]
async fn audit_chain_verifies_and_detects_tampering() {
    for backend in backends() {
        let w = world(backend).await;
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("監査", "カンサ")).unwrap();
        let id = w
            .app
            .store
            .register_child(
                w.user(Role::Consultant),
                &form.draft(test_now()),
                false,
                test_now(),
            )
            .await
            .unwrap();
        w.app
            .store
            .view_child(w.user(Role::Advisor), &id, test_now())
            .await
            .unwrap();
        let store::audit::ChainStatus::Ok { rows, .. } = w.app.store.verify_audit().await.unwrap()
        else {
            panic!("chain should verify")
        };
        assert!(rows > 10);
        let log = w.app.store.audit_for_entity("child", &id).await.unwrap();
        assert_eq!(
            log.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
            vec!["child.view", "child.create"]
        );
        let head = w.app.store.audit_head().await.unwrap().unwrap();
        assert_eq!(head.0, rows, "the head is the last row");
        // The database refuses edits and deletions of audit rows…
        for sql in [
            "UPDATE audit_log SET detail = 'edited' WHERE seq = 3",
            "DELETE FROM audit_log WHERE seq = 3",
        ] {
            let refused = store::db::query(sql).execute(w.app.store.pool()).await;
            assert!(
                refused
                    .unwrap_err()
                    .to_string()
                    .contains("audit_log is append-only"),
                "{backend}: {sql}"
            );
        }
        assert!(matches!(
            w.app.store.verify_audit().await.unwrap(),
            store::audit::ChainStatus::Ok { .. }
        ));
        // …so tampering takes a schema change first; verification still names the row.
        let unprotect = match backend {
            "sqlite" => "DROP TRIGGER audit_log_no_update",
            _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        store::db::query(unprotect)
            .execute(w.app.store.pool())
            .await
            .unwrap();
        store::db::query("UPDATE audit_log SET detail = 'edited' WHERE seq = 3")
            .execute(w.app.store.pool())
            .await
            .unwrap();
        assert_eq!(
            w.app.store.verify_audit().await.unwrap(),
            store::audit::ChainStatus::Broken {
                seq: 3,
                reason: "content does not match its hash".into()
            }
        );
    }
}

/// Rows written before migration 0009 (version 1) still verify, followed by version-2 rows.
#[tokio::test]
async fn legacy_version_one_rows_still_verify() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        assert_eq!(app.store.audit_count().await.unwrap(), 0);
        let fields = store::audit::HashedFields {
            seq: 1,
            at: "2025-01-01T00:00:00Z",
            center_id: Some(""),
            actor_id: Some(""),
            actor_login: Some(""),
            action: "center.create",
            entity: "center",
            entity_id: Some("legacy"),
            detail: "legacy",
        };
        let hash = domain::audit::chain_hash(
            domain::audit::GENESIS_HASH,
            &store::audit::canonical_payload(1, &fields),
        );
        store::db::query(
            "INSERT INTO audit_log (seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash) \
             VALUES (1, '2025-01-01T00:00:00Z', '', '', '', 'center.create', 'center', 'legacy', 'legacy', $1, $2)",
        )
        .bind(domain::audit::GENESIS_HASH)
        .bind(&hash)
        .execute(app.store.pool())
        .await
        .unwrap();
        app.store
            .add_center(
                &domain::center::new_center("kochi", "高知テスト", "390003").unwrap(),
                test_now(),
            )
            .await
            .unwrap();
        let versions: Vec<i64> =
            store::db::query_scalar("SELECT hash_version FROM audit_log ORDER BY seq")
                .fetch_all(app.store.pool())
                .await
                .unwrap();
        assert_eq!(versions, vec![1, store::audit::HASH_VERSION]);
        assert!(
            matches!(
                app.store.verify_audit().await.unwrap(),
                store::audit::ChainStatus::Ok { rows: 2, .. }
            ),
            "{backend}"
        );
    }
}

#[test]
fn version_one_payloads_were_ambiguous_and_version_two_is_not() {
    let row = |id: Option<&'static str>, detail: &'static str, v: i64| {
        store::audit::canonical_payload(
            v,
            &store::audit::HashedFields {
                seq: 7,
                at: "2026-11-20T01:00:00Z",
                center_id: Some("c"),
                actor_id: Some("u"),
                actor_login: Some("kochi.advisor"),
                action: "child.view",
                entity: "child",
                entity_id: id,
                detail,
            },
        )
    };
    // Text moved across the entity_id/detail boundary, and NULL vs '': same v1 payload…
    assert_eq!(row(Some("x|y"), "", 1), row(Some("x"), "y|", 1));
    assert_eq!(row(None, "d", 1), row(Some(""), "d", 1));
    // …different v2 payloads, so a different hash.
    assert_ne!(row(Some("x|y"), "", 2), row(Some("x"), "y|", 2));
    assert_ne!(row(None, "d", 2), row(Some(""), "d", 2));
    assert!(row(None, "d", 2).starts_with('['));
}

#[tokio::test]
async fn https_serving_sets_secure_cookies_and_rejects_a_mismatched_key() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();

    let other = rcgen::generate_simple_self_signed(vec!["other".into()]).unwrap();
    let wrong_key = dir.path().join("wrong.pem");
    std::fs::write(&wrong_key, other.signing_key.serialize_pem()).unwrap();
    assert!(web::TlsFiles::load(&cert, &wrong_key).await.is_err());
    assert!(web::TlsFiles::load(&dir.path().join("missing.pem"), &key)
        .await
        .is_err());

    let tls = web::TlsFiles::load(&cert, &key).await.unwrap();
    let (store, _db) = fresh_store("sqlite").await;
    let state = AppState::new(
        store,
        Arc::new(FixedClock::new(test_now())),
        WebConfig {
            secure_cookies: true,
        },
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(web::serve_tls(listener, state, tls));
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let page = http
        .get(format!("https://localhost:{port}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert!(!cookies.is_empty());
    for c in cookies {
        assert!(c.contains("Secure") && c.contains("HttpOnly"), "{c}");
    }
    let plain = reqwest::get(format!("http://localhost:{port}/login")).await;
    assert!(plain.map_or(true, |r| r.status() != 200));
}
