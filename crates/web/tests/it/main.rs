//! The web crate's integration suite: one binary (link time matters), one module per area.
//! Every test runs against SQLite and, when `TSUNAGU_TEST_DATABASE_URL` is set, against
//! PostgreSQL too — each app gets a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_lapse;
mod admin;
mod api;
mod auditor;
mod auth;
mod authz;
mod browser;
mod browser_admin;
mod browser_disaster;
mod browser_dispatch;
mod care_score;
mod consent;
mod consultations;
mod crawl;
mod devices;
mod disaster;
mod dispatch;
mod dispatch_home;
mod errors;
mod hostile;
mod pages;
mod payments;
mod plans;
mod reports;
mod search;
mod security;
mod triage_counts;
mod widths;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use domain::account::NewUser;
use domain::Role;
use store::{Actor, Store};
use web::{AppState, Clock, FixedClock, WebConfig};

/// Password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// Frozen "now" for tests: 2026-11-20 10:00 JST (fiscal year 2026).
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap()
}

/// A running app on a loopback port with its own database.
pub struct TestApp {
    pub addr: String,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub backend: &'static str,
    /// TOTP secrets (base32) of users the tests have enrolled, by login.
    pub totp: std::sync::Mutex<std::collections::HashMap<String, String>>,
    _dir: Option<tempfile::TempDir>,
}

/// The databases to run against: always SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("TSUNAGU_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        v.push("postgres");
    }
    v
}

/// Test stores hash their fixture passwords cheaply (the production parameters have their
/// own test in the store crate).
const FIXTURE: store::ConnectOptions = store::ConnectOptions {
    password_cost: store::PasswordCost::Fixture,
};

/// A migrated copy of the backend's template database (see `store::testing`).
async fn fresh_store(backend: &str) -> (Store, Option<tempfile::TempDir>) {
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = store::testing::fresh_sqlite(dir.path()).await.unwrap();
            (Store::connect_with(&url, FIXTURE).await.unwrap(), Some(dir))
        }
        _ => {
            let base = std::env::var("TSUNAGU_TEST_DATABASE_URL").unwrap();
            let url = store::testing::fresh_postgres(&base).await.unwrap();
            (Store::connect_with(&url, FIXTURE).await.unwrap(), None)
        }
    }
}

/// Test clients bring a second rustls crypto backend (ring) next to the server's (aws-lc-rs);
/// name the process default so clients that rely on it (the WebDriver client) never panic.
pub fn ensure_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Start the app on port 0 with a fresh database and a frozen clock.
pub async fn spawn_app(backend: &'static str) -> TestApp {
    let (store, dir) = fresh_store(backend).await;
    let clock = Arc::new(FixedClock::new(test_now()));
    let state = AppState::new(store.clone(), clock.clone(), WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(web::serve(listener, state));
    TestApp {
        addr,
        store,
        clock,
        backend,
        totp: Default::default(),
        _dir: dir,
    }
}

/// Two centers (own and other) with one user per role in each: the fixture for the matrix.
pub struct World {
    pub app: TestApp,
    /// Users of the first center by role.
    pub own: Vec<(Role, Actor)>,
    /// Users of the second center by role.
    pub other: Vec<(Role, Actor)>,
}

impl World {
    pub fn user(&self, role: Role) -> &Actor {
        &self.own.iter().find(|(r, _)| *r == role).unwrap().1
    }
    pub fn other_user(&self, role: Role) -> &Actor {
        &self.other.iter().find(|(r, _)| *r == role).unwrap().1
    }
}

pub async fn world(backend: &'static str) -> World {
    let app = spawn_app(backend).await;
    let now = test_now();
    app.store
        .add_center(
            &domain::center::new_center("kochi", "高知テスト", "390003").unwrap(),
            now,
        )
        .await
        .unwrap();
    app.store
        .add_center(
            &domain::center::new_center("nara", "奈良テスト", "290009").unwrap(),
            now,
        )
        .await
        .unwrap();
    let mut own = Vec::new();
    let mut other = Vec::new();
    for (center, list) in [("kochi", &mut own), ("nara", &mut other)] {
        for role in Role::all() {
            let login = format!("{center}.{}", role.code());
            let a = app
                .store
                .add_user(
                    &NewUser {
                        center_code: center,
                        login: &login,
                        display_name: &format!("{center} {}", role.code()),
                        role,
                        password: PASSWORD,
                        professions: Vec::new(),
                        municipalities: if role == Role::Municipal {
                            vec!["392014".into()]
                        } else {
                            Vec::new()
                        },
                    }
                    .parse()
                    .unwrap(),
                    now,
                )
                .await
                .unwrap();
            list.push((role, a));
        }
    }
    World { app, own, other }
}

/// A logged-in HTTP client (cookie jar) with the session's CSRF token.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Extract the first hidden `_csrf` value from a page.
pub fn csrf_of(html: &str) -> String {
    let i = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a csrf field")
        + 20;
    html[i..html[i..].find('"').unwrap() + i].to_string()
}

pub async fn login(app: &TestApp, login: &str) -> Browser {
    let http = client();
    let page = get_text(&http, format!("{}/login", app.addr)).await;
    let token = csrf_of(&page);
    let res = http
        .post(format!("{}/login", app.addr))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", login),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login as {login} should redirect");
    let to = res.headers()["location"].to_str().unwrap().to_string();
    if to.starts_with("/login/code") {
        second_step(app, &http, login).await;
    }
    let home = get_text(&http, format!("{}/", app.addr)).await;
    let csrf = csrf_of(&home);
    Browser {
        http,
        base: app.addr.clone(),
        csrf,
    }
}

/// GET a page and return its body (status not checked: callers assert on content).
pub async fn get_text(http: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// Extract the text of the element with this id (tests only; plain markup).
pub fn text_of_id(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let i = html.find(&marker).unwrap_or_else(|| panic!("no #{id}")) + marker.len();
    html[i..i + html[i..].find('<').unwrap()].to_string()
}

/// The current TOTP code for a user the tests enrolled. Moves the frozen clock on by one step
/// first: a code is accepted once, and tests log the same user in more than once.
pub fn totp_code(app: &TestApp, login: &str) -> String {
    let secret = app.totp.lock().unwrap()[login].clone();
    app.clock.advance(chrono::Duration::seconds(30));
    domain::totp::TotpSecret::parse_base32(&secret)
        .unwrap()
        .code_at(app.clock.now().timestamp())
}

/// Second login step for roles that need two-factor login: enrol on first login (reading the
/// secret shown for manual entry, as a person would type it), then type the current code.
pub async fn second_step(app: &TestApp, http: &reqwest::Client, login: &str) {
    let page = get_text(http, format!("{}/login/code", app.addr)).await;
    let code = if page.contains("id=\"secret\"") {
        let secret = text_of_id(&page, "secret").replace(' ', "");
        app.totp
            .lock()
            .unwrap()
            .insert(login.to_string(), secret.clone());
        domain::totp::TotpSecret::parse_base32(&secret)
            .unwrap()
            .code_at(app.clock.now().timestamp())
    } else {
        totp_code(app, login)
    };
    let r = http
        .post(format!("{}/login/code", app.addr))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("code", code.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status() == 200 || r.status() == 303,
        "second step for {login}: {}",
        r.status()
    );
}

/// A valid child form (JSON) in Kochi City.
pub fn child_json(family: &str, kana: &str) -> serde_json::Value {
    serde_json::json!({
        "family_name": family, "given_name": "花子",
        "family_name_kana": kana, "given_name_kana": "ハナコ",
        "birth_date": "2022-05-01", "sex": "female", "municipality_code": "392014",
        "medical_care": ["tube_feeding_gastric", "suction"], "welfare_services": []
    })
}

pub async fn token_for(app: &TestApp, login: &str) -> String {
    app.store.create_token(login, 30, test_now()).await.unwrap()
}

/// A roster entry (nurse, knows tube feeding) covering `covers`, five cases at most.
pub fn coordinator_input(covers: &str) -> domain::dispatch::CoordinatorInput {
    domain::dispatch::CoordinatorInput {
        name: "派遣 看子".into(),
        professions: vec!["nurse".into()],
        covers: vec![covers.into()],
        topics: vec!["tube_feeding_gastric".into()],
        max_active_cases: "5".into(),
        ..Default::default()
    }
}

/// One JSON API call with a bearer token: (status, body as JSON or `null`).
pub async fn api_request(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = client()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// [`api_request`] against the world's app.
pub async fn call(
    w: &World,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    api_request(&w.app.addr, token, method, path, body).await
}

/// A fresh database of `backend` with every migration below `version` applied and one center
/// (`c1`, created at `now`): for tests of what a migration does to rows that existed before
/// it. Returns the URL (for `Store::connect`, which applies the rest), a pool on it, and the
/// directory holding a SQLite file.
pub async fn database_before_migration(
    backend: &str,
    version: i64,
    now: &str,
) -> (String, store::db::Pool, Option<tempfile::TempDir>) {
    let (url, dir) = match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
            (url, Some(dir))
        }
        _ => {
            let base = std::env::var("TSUNAGU_TEST_DATABASE_URL").unwrap();
            let name = store::testing::unique_name("tsunagu_t_");
            let admin = store::db::Pool::connect_unmigrated(&base, 1).await.unwrap();
            store::db::query(&format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&admin)
            .await
            .unwrap();
            admin.close().await;
            (store::testing::with_database(&base, &name), None)
        }
    };
    let migrations = format!(
        "{}/../store/migrations/{}",
        env!("CARGO_MANIFEST_DIR"),
        if backend == "sqlite" {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(&migrations))
        .await
        .unwrap();
    before.migrations = std::borrow::Cow::Owned(
        before
            .migrations
            .iter()
            .filter(|m| m.version < version)
            .cloned()
            .collect(),
    );
    let pool = store::db::Pool::connect_unmigrated(&url, 1).await.unwrap();
    pool.run_migrator(&before).await.unwrap();
    store::db::query("INSERT INTO centers (id, code, name, jurisdiction_code, created_at) VALUES ('c1', 'k', '架空センター', '390003', $1)")
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    (url, pool, dir)
}
