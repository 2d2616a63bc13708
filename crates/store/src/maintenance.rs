//! Maintenance of the embedded SQLite file: a consistent copy of a live database, the checks a
//! copy must pass before anyone relies on it, and the test that no server holds the file.
//!
//! PostgreSQL has its own tools for this (pg_dump, pg_basebackup); see docs/backup.md.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::audit::ChainStatus;
use crate::{Backend, Result, Store, StoreError};

/// What the checks of one SQLite database file found (see [`check_sqlite_file`]).
#[derive(Debug)]
pub struct FileCheck {
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Rows of `PRAGMA integrity_check`: exactly `["ok"]` when the file is sound.
    pub integrity: Vec<String>,
    /// Number of rows `PRAGMA foreign_key_check` reports (dangling references).
    pub foreign_key_violations: i64,
    /// Outcome of the audit hash-chain verification.
    pub audit: ChainStatus,
    /// Highest schema migration applied in the file (0 if none).
    pub schema_version: i64,
}

impl FileCheck {
    /// Every reason not to trust the file, in plain language; empty when it passed all checks.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.integrity != ["ok"] {
            let shown: Vec<&str> = self.integrity.iter().take(5).map(String::as_str).collect();
            out.push(format!(
                "PRAGMA integrity_check found damage: {}",
                shown.join("; ")
            ));
        }
        if self.foreign_key_violations > 0 {
            out.push(format!(
                "PRAGMA foreign_key_check found {} dangling reference(s)",
                self.foreign_key_violations
            ));
        }
        if let ChainStatus::Broken { seq, reason } = &self.audit {
            out.push(format!("audit chain broken at row {seq}: {reason}"));
        }
        if self.schema_version == 0 {
            out.push("the file has no tsunagu schema (no migration recorded)".into());
        }
        out
    }
}

/// Open a pool of one connection on an existing SQLite file, without running migrations: the
/// file under inspection must not be changed by the act of inspecting it.
async fn open_file_pool(path: &Path) -> Result<SqlitePool> {
    if !path.is_file() {
        return Err(StoreError::Config(format!(
            "no database file at {}",
            path.display()
        )));
    }
    // mode=rw: never create a file that is not there.
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}?mode=rw", path.display()))?;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;")
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// A [`Store`] over an existing SQLite file for inspection only: one connection, no migrations,
/// no password threads. Its `verify_audit` is the same code `tsunagu audit verify` runs.
pub async fn open_for_checks(path: &Path) -> Result<Store> {
    let pool = crate::db::Pool::sqlite(open_file_pool(path).await?);
    let write_lock = Arc::new(tokio::sync::Mutex::new(()));
    let audit_queue = crate::audit::start_group_commit(pool.clone(), write_lock.clone());
    Ok(Store {
        pool,
        backend: Backend::Sqlite,
        write_lock,
        audit_queue,
        // No threads: a checking store never hashes passwords; a request would fail clearly.
        password_jobs: crate::start_password_threads(0),
        login_gates: crate::login::LoginGates::default(),
        password_params: argon2::Params::default(),
    })
}

/// Write a consistent copy of the live database at `source` to `dest` with `VACUUM INTO`.
///
/// The copy is one read transaction, so it is a snapshot even while the server writes (WAL lets
/// writers continue meanwhile). The copy is switched to a rollback journal so it is a single
/// self-contained file. `dest` must not exist.
pub async fn sqlite_snapshot(source: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(StoreError::Config(format!(
            "{} already exists; refusing to overwrite it",
            dest.display()
        )));
    }
    let pool = open_file_pool(source).await?;
    let dest_text = dest.to_str().ok_or_else(|| {
        StoreError::Config(format!(
            "the backup path {} is not valid UTF-8",
            dest.display()
        ))
    })?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(dest_text)
        .execute(&pool)
        .await;
    pool.close().await;
    copied?;
    let copy = open_file_pool(dest).await?;
    let mode: std::result::Result<String, sqlx::Error> =
        sqlx::query_scalar("PRAGMA journal_mode=DELETE")
            .fetch_one(&copy)
            .await;
    copy.close().await;
    let mode = mode?;
    if mode != "delete" {
        return Err(StoreError::Config(format!(
            "the copy stayed in journal mode {mode}"
        )));
    }
    Ok(())
}

/// Run every check on the SQLite file at `path`: `PRAGMA integrity_check`,
/// `PRAGMA foreign_key_check`, and the audit hash chain. An error means the file could not even
/// be read as a database (which callers treat as a failed check too).
pub async fn check_sqlite_file(path: &Path) -> Result<FileCheck> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::Config(format!("cannot read {}: {e}", path.display())))?
        .len();
    let store = open_for_checks(path).await?;
    let outcome = run_checks(&store, bytes).await;
    store.close().await;
    outcome
}

async fn run_checks(store: &Store, bytes: u64) -> Result<FileCheck> {
    let integrity: Vec<String> = crate::db::query_scalar("PRAGMA integrity_check")
        .fetch_all(store.pool())
        .await?;
    let foreign_key_violations = crate::db::query("PRAGMA foreign_key_check")
        .fetch_all(store.pool())
        .await?
        .len() as i64;
    let has_migrations: i64 = crate::db::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(store.pool())
    .await?;
    let schema_version: i64 = if has_migrations > 0 {
        crate::db::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1",
        )
        .fetch_one(store.pool())
        .await?
    } else {
        0
    };
    // A file without the audit table is not a tsunagu database; report that rather than a
    // bare SQL error.
    let audit = if schema_version > 0 {
        store.verify_audit().await?
    } else {
        ChainStatus::Broken {
            seq: 0,
            reason: "no audit_log table".into(),
        }
    };
    Ok(FileCheck {
        bytes,
        integrity,
        foreign_key_violations,
        audit,
        schema_version,
    })
}

/// Make sure no other connection has the live database at `path` open, then checkpoint its
/// write-ahead log into the main file so the file alone holds every committed transaction.
///
/// In WAL mode every open connection holds a shared lock on the database file; asking for
/// exclusive locking without waiting therefore fails while a server has a connection open.
/// (A server whose pool has closed every idle connection holds no lock and cannot be seen:
/// callers must still tell operators to stop the server first.)
pub async fn sqlite_take_offline(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Ok(());
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}?mode=rw", path.display()))?;
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let in_use = || {
        StoreError::Config(format!(
            "{} is in use by another process (is `tsunagu serve` running?); stop the server first",
            path.display()
        ))
    };
    let outcome: Result<()> = async {
        conn.execute("PRAGMA busy_timeout=0; PRAGMA locking_mode=EXCLUSIVE;")
            .await?;
        // In exclusive locking mode the first read of a WAL database takes the exclusive lock,
        // which fails at once while any other connection is open, even an idle one.
        let locked = conn.execute("SELECT COUNT(*) FROM sqlite_master").await;
        if locked.is_err() {
            return Err(in_use());
        }
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| in_use())?;
        if busy != 0 {
            return Err(in_use());
        }
        Ok(())
    }
    .await;
    // Closing the last connection also removes the emptied -wal file.
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.close()).await;
    outcome
}

/// Highest SQLite schema migration this build knows; a file with a higher one was written by a
/// newer tsunagu and this build must not serve it.
pub fn latest_sqlite_schema_version() -> i64 {
    crate::SQLITE_MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}
