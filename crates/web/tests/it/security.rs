//! Security headers on every route, cookie flags, schema parity between backends and the
//! tamper-evident audit chain.

use domain::Role;

use crate::*;

#[tokio::test]
async fn every_route_sends_security_headers() {
    let w = world("sqlite").await;
    let b = login(&w.app, "kochi.advisor").await;
    let anon = client();
    let mut paths: Vec<String> = web::policy::specs()
        .iter()
        .filter(|s| s.method == reqwest::Method::GET)
        .map(|s| {
            s.path
                .replace("{file}", "app.css")
                .replace("{lang}", "ja")
                .replace("{id}", "x")
        })
        .collect();
    paths.push("/no-such-page".into());
    paths.push("/api/v1/no-such".into());
    for p in paths {
        for http in [&b.http, &anon] {
            let r = http.get(format!("{}{p}", w.app.addr)).send().await.unwrap();
            let h = r.headers();
            let csp = h
                .get("content-security-policy")
                .unwrap_or_else(|| panic!("{p}: CSP"))
                .to_str()
                .unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{p}"
            );
            assert_eq!(h["x-content-type-options"], "nosniff", "{p}");
            assert!(h.get("referrer-policy").is_some(), "{p}");
            if !p.starts_with("/static/") {
                assert_eq!(h["cache-control"], "no-store", "{p}");
            }
        }
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
    let t = csrf_of(&page.text().await.unwrap());
    let r = http
        .post(format!("{}/login", w.app.addr))
        .form(&[
            ("_csrf", t.as_str()),
            ("login", "kochi.advisor"),
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
        .find(|c| c.starts_with("tsunagu_session"))
        .unwrap();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
        "{c}"
    );
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
            .register_child(w.user(Role::Consultant), &form, false, test_now())
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
        // Someone edits a row directly in the database: verification names that row.
        sqlx::query("UPDATE audit_log SET detail = 'edited' WHERE seq = 3")
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
