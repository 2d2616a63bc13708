//! Persistence for tsunagu: one portable SQL dialect over SQLite (embedded default) and PostgreSQL.
//!
//! Every public function is a use case: it validates first, then opens one transaction, writes the
//! change and its audit row, and commits — so a failure never leaves a half-written record.
//! Callers pass an [`Actor`] (who is acting, in which scope) and the current time.

// Row tuples mirror SELECT column lists; naming each one would add noise, not clarity.
#![allow(clippy::type_complexity)]

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod centers;
pub mod children;
pub mod consents;
pub mod consultations;
pub mod db;
pub mod disaster;
pub mod dispatch;
pub mod error;
pub mod home;
pub mod maintenance;
pub mod organizations;
pub mod payments;
pub mod reports;
pub mod scope;
pub mod testing;
// moved: break_glass.rs -> children/break_glass.rs (kept path for callers)
pub use children::break_glass;
// moved: stats.rs -> consultations/stats.rs (kept path for callers)
pub use consultations::stats;
// moved: devices.rs -> disaster/devices.rs (kept path for callers)
pub use disaster::devices;
// moved: plans.rs -> disaster/plans.rs (kept path for callers)
pub use disaster::plans;
// moved: power_estimates.rs -> disaster/estimates.rs (kept path for callers)
use disaster::estimates as power_estimates;
// moved: triage_counts.rs -> disaster/triage_counts.rs (kept path for callers)
use disaster::triage_counts;
// moved: dispatch_home.rs -> dispatch/home.rs (kept path for callers)
pub use dispatch::home as dispatch_home;
// moved: login.rs -> accounts/login.rs (kept path for callers)
pub use accounts::login;
// moved: users.rs -> accounts/users.rs (kept path for callers)
pub use accounts::users;

use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Executor;
use tokio::sync::Mutex;

pub use audit::Via;
pub use error::StoreError;
pub use scope::Actor;

/// Result alias for store use cases.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (WAL, synchronous=FULL).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Name shown in logs and benchmark tables.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: db::Pool,
    backend: Backend,
    /// SQLite allows one writer; serialising writers in-process avoids SQLITE_BUSY on
    /// read-then-write transactions and keeps the audit chain linear.
    write_lock: Arc<Mutex<()>>,
    /// Entries for the audit group-commit writer (see [`Store::audit_event`]).
    audit_queue: tokio::sync::mpsc::Sender<audit::Pending>,
    /// Queue of the password threads (see [`Store::password_work`]).
    password_jobs: std::sync::mpsc::Sender<PasswordJob>,
    /// One gate per account: this process checks one password of an account at a time (see
    /// `login::Store::login`).
    login_gates: login::LoginGates,
    /// argon2id parameters for new password hashes (verification reads them from each hash).
    password_params: argon2::Params,
}

/// How expensive new password hashes are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasswordCost {
    /// argon2id's recommended parameters (19 MiB, 2 passes): every real deployment.
    #[default]
    Standard,
    /// The cheapest parameters argon2id allows (8 KiB, 1 pass), for test fixtures only: a test
    /// world hashes a dozen passwords, which at the standard cost took most of the suite's time.
    /// The hashes are still real argon2id, so login and verification run the same code.
    Fixture,
}

impl PasswordCost {
    fn params(self) -> argon2::Params {
        match self {
            PasswordCost::Standard => argon2::Params::default(),
            PasswordCost::Fixture => {
                argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap_or_default()
            }
        }
    }
}

/// Settings for [`Store::connect_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectOptions {
    /// Cost of new password hashes.
    pub password_cost: PasswordCost,
}

type PasswordJob = Box<dyn FnOnce() + Send>;

/// Start `threads` password threads sharing one queue; they end when the queue is dropped.
fn start_password_threads(threads: usize) -> std::sync::mpsc::Sender<PasswordJob> {
    let (queue, jobs) = std::sync::mpsc::channel::<PasswordJob>();
    let jobs = Arc::new(std::sync::Mutex::new(jobs));
    for i in 0..threads {
        let jobs = jobs.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("password-{i}"))
            .spawn(move || loop {
                let job = match jobs.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password thread");
        }
    }
    queue
}

/// A write transaction plus the guard that keeps other writers out until commit.
pub struct WriteTx<'a> {
    /// The open transaction.
    pub tx: db::Conn,
    _guard: Option<tokio::sync::MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    /// Commit the transaction and release the writer lock.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Open a write transaction holding the writers' lock until it commits or rolls back: the
/// store's mutex on SQLite (one writer at a time, so no SQLITE_BUSY on read-then-write), the
/// advisory lock of [`db::dialect::writer_lock`] on PostgreSQL. Every write appends to the
/// audit hash chain, which must stay linear, and the kept counts are differences that only
/// hold when no other writer changes the same rows in between: both rely on this lock, so it
/// is taken here once rather than by each of them.
pub(crate) async fn open_write<'a>(
    pool: &db::Pool,
    write_lock: &'a Mutex<()>,
) -> Result<WriteTx<'a>> {
    let guard = match pool.backend() {
        Backend::Sqlite => Some(write_lock.lock().await),
        Backend::Postgres => None,
    };
    let mut tx = pool.begin().await?;
    if let Some(sql) = db::dialect::writer_lock(pool.backend()) {
        db::query(sql).execute(&mut tx).await?;
    }
    tx.set_write_locked();
    Ok(WriteTx { tx, _guard: guard })
}

impl Store {
    /// Connect to `url` (`sqlite://path` or `postgres://…`) and run the matching migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, ConnectOptions::default()).await
    }

    /// [`Store::connect`] with explicit settings.
    pub async fn connect_with(url: &str, settings: ConnectOptions) -> Result<Store> {
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL (expected sqlite:// or postgres://): {url}"
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let pool = match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(&url)?;
                // Readers beyond twice the cores only add context switches (measured: 3 and 8
                // connections gave the same throughput on 2 cores).
                db::Pool::sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(sqlite_readers())
                        // Always hold one connection open: `tsunagu restore` detects a running
                        // server by failing to take an exclusive lock, which an idle pool with no
                        // connections would not prevent.
                        .min_connections(1)
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                                 PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                        .connect_with(options)
                        .await?,
                )
            }
            Backend::Postgres => db::Pool::postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .connect_with(PgConnectOptions::from_str(&url)?)
                    .await?,
            ),
        };
        match backend {
            Backend::Sqlite => pool.run_migrator(&SQLITE_MIGRATOR).await?,
            Backend::Postgres => pool.run_migrator(&POSTGRES_MIGRATOR).await?,
        }
        let write_lock = Arc::new(Mutex::new(()));
        let audit_queue = audit::start_group_commit(pool.clone(), write_lock.clone());
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let store = Store {
            pool,
            backend,
            write_lock,
            audit_queue,
            password_jobs: start_password_threads(cores),
            login_gates: login::LoginGates::default(),
            password_params: settings.password_cost.params(),
        };
        store.ensure_consultation_stats().await?;
        store.ensure_power_estimates().await?;
        store.ensure_search_keys().await?;
        store.ensure_triage_counts().await?;
        Ok(store)
    }

    /// Run memory-hard password work (hash or verify) on the password threads: one per core,
    /// started once. Each argon2id run takes 19 MiB; keeping it on a few long-lived threads
    /// (rather than tokio's blocking pool, which grows to hundreds of threads each with its own
    /// allocator arena) keeps a burst of logins from inflating the process's memory.
    pub(crate) async fn password_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (done, wait) = tokio::sync::oneshot::channel();
        let job: PasswordJob = Box::new(move || {
            let _ = done.send(work());
        });
        let stopped = || StoreError::Config("password hashing stopped".into());
        self.password_jobs.send(job).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())
    }

    /// Hash `password` with this store's argon2id parameters, on the password threads.
    pub(crate) async fn hash_new_password(&self, password: String) -> Result<String> {
        let params = self.password_params.clone();
        self.password_work(move || users::hash_password_with(&password, &params))
            .await?
    }

    /// Which engine this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool, for read queries.
    pub fn pool(&self) -> &db::Pool {
        &self.pool
    }

    /// Open a write transaction: the only way to start one.
    pub async fn begin_write(&self) -> Result<WriteTx<'_>> {
        open_write(&self.pool, &self.write_lock).await
    }

    /// Read back the SQLite durability settings (journal mode, synchronous level) for the start-up log.
    pub async fn sqlite_settings(&self) -> Result<Option<(String, i64)>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mode: String = crate::db::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        let sync: i64 = crate::db::query_scalar("PRAGMA synchronous")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((mode, sync)))
    }

    /// Close the pool (used by tests and the CLI before exit). Bounded: sqlx's `Pool::close`
    /// can wait forever when a connection is handed back at the moment the pool closes
    /// (transact-rs/sqlx#1773, #3217; seen here once, after the bench's `VACUUM`). Every
    /// transaction has committed by then, so after 10 s the remaining connection is left to
    /// the process's exit or the pool's drop.
    pub async fn close(&self) {
        if tokio::time::timeout(std::time::Duration::from_secs(10), self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("the database pool did not close within 10 s; continuing");
        }
    }

    /// Table and column names in the current schema, sorted; used to prove both backends'
    /// migrations stay in step.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = match self.backend {
            Backend::Sqlite => {
                db::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                     ORDER BY 1, 2",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Backend::Postgres => {
                crate::db::query_as(
                    "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows)
    }
}

fn sqlite_readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    u32::try_from(cores * 2).unwrap_or(8).clamp(4, 32)
}

pub(crate) use db::dialect::placeholders;

/// A fresh UUIDv7 as text: sortable by creation time and mergeable across centers.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Timestamp format used in every TEXT timestamp column (UTC, RFC 3339, microseconds).
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Parse a stored timestamp; stored values are always written by [`ts`].
pub fn parse_ts(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}
