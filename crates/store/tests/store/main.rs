//! The store's own suite: use-case stories run straight against `Store`, no HTTP, on SQLite
//! and (when `TSUNAGU_TEST_DATABASE_URL` is set) PostgreSQL. Each test gets a copy of a
//! migrated template database (`store::testing`) and cheap fixture password hashes, so a
//! story costs milliseconds; the web suite keeps what needs a browser or the HTTP layer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod child_page;
mod reads;
mod topic_list;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::account::NewUser;
use domain::Role;
use store::children::ChildForm;
use store::consultations::{ConsultationForm, PersonForm};
use store::testing::Draft;
use store::{Actor, ConnectOptions, PasswordCost, Store};

/// Frozen "now": 2026-11-20 10:00 JST.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap()
}

/// Today in Japan at [`now`].
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// The databases to run against: always SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("TSUNAGU_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        v.push("postgres");
    }
    v
}

/// A store on a fresh database, with one center (高知) and one user per role.
pub struct Fixture {
    pub store: Store,
    pub users: Vec<(Role, Actor)>,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    pub async fn new(backend: &str) -> Fixture {
        let options = ConnectOptions {
            password_cost: PasswordCost::Fixture,
        };
        let (url, dir) = match backend {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                (
                    store::testing::fresh_sqlite(dir.path()).await.unwrap(),
                    Some(dir),
                )
            }
            _ => {
                let base = std::env::var("TSUNAGU_TEST_DATABASE_URL").unwrap();
                (store::testing::fresh_postgres(&base).await.unwrap(), None)
            }
        };
        let store = Store::connect_with(&url, options).await.unwrap();
        store
            .add_center(
                &domain::center::new_center("kochi", "高知テスト", "390003").unwrap(),
                now(),
            )
            .await
            .unwrap();
        let mut users = Vec::new();
        for role in Role::all() {
            let login = format!("kochi.{}", role.code());
            let actor = store
                .add_user(
                    &NewUser {
                        center_code: "kochi",
                        login: &login,
                        display_name: &format!("高知 {}", role.code()),
                        role,
                        password: "correct horse battery staple",
                        professions: Vec::new(),
                        municipalities: if role == Role::Municipal {
                            vec!["392014".into()]
                        } else {
                            Vec::new()
                        },
                    }
                    .parse()
                    .unwrap(),
                    now(),
                )
                .await
                .unwrap();
            users.push((role, actor));
        }
        Fixture {
            store,
            users,
            _dir: dir,
        }
    }

    pub fn user(&self, role: Role) -> &Actor {
        &self.users.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// Register a fictional child in 高知市 and return its id.
    pub async fn child(&self, family: &str, kana: &str) -> String {
        let form = ChildForm {
            family_name: family.into(),
            given_name: "花子".into(),
            family_name_kana: kana.into(),
            given_name_kana: "ハナコ".into(),
            birth_date: "2022-05-01".into(),
            sex: "female".into(),
            municipality_code: "392014".into(),
            medical_care: vec!["suction".into()],
            ..Default::default()
        };
        self.store
            .register_child(self.user(Role::Advisor), &form.draft(now()), false, now())
            .await
            .unwrap()
    }

    /// Record a phone consultation, about `child_id` or a new unregistered person.
    pub async fn consultation(&self, child_id: Option<&str>) -> String {
        let form = ConsultationForm {
            channel: "phone".into(),
            requester_kind: "family".into(),
            topics: vec!["medical_care".into()],
            summary: "吸引の相談".into(),
            child_id: child_id.unwrap_or_default().into(),
            person: child_id.is_none().then(|| PersonForm {
                name: "土佐 次郎".into(),
                name_kana: "トサ ジロウ".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.store
            .record_consultation(self.user(Role::Advisor), &form.draft(now()), now())
            .await
            .unwrap()
    }

    /// Audit rows written by `actor` with this action (the group-commit writer has made them
    /// durable before the use case returned).
    pub async fn audited(&self, actor: &Actor, action: &str) -> i64 {
        store::db::query_scalar::<i64>(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND action = $2",
        )
        .bind(&actor.user_id)
        .bind(action)
        .fetch_one(self.store.pool())
        .await
        .unwrap()
    }
}
