//! Fresh databases for test suites (the store's, the web crate's, the CLI's), made fast.
//!
//! Migrating a new database for every test costs more than most tests themselves, so each
//! backend is migrated once into a template and every test gets a copy:
//! - PostgreSQL: `CREATE DATABASE … TEMPLATE tsunagu_tpl_<migrations hash>`, a server-side
//!   file copy. The template is published by a rename only once it is fully migrated, under an
//!   advisory lock, so concurrent test processes build it once and never copy a half-made one.
//!   Its name carries a hash of the migrations, so a changed migration gets a new template.
//! - SQLite: the template file is migrated once per process and copied per test.
//!
//! Not for production use: nothing in `serve` calls this module.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use crate::{Result, Store, StoreError, POSTGRES_MIGRATOR, SQLITE_MIGRATOR};

/// Hash of a migration set: the template's name changes whenever a migration does.
fn migrations_key(migrator: &sqlx::migrate::Migrator) -> String {
    let mut h = Sha256::new();
    for m in migrator.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&*m.checksum);
    }
    hex::encode(&h.finalize()[..6])
}

/// Replace the database name in a PostgreSQL URL, keeping any query string.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, tail) = url.split_at(url.rfind('/').unwrap_or(url.len()));
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

/// A unique database or file name for this process.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}{}_{nanos}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Create a fresh, fully migrated PostgreSQL database next to `base_url` (any database on the
/// server; the suite's `TSUNAGU_TEST_DATABASE_URL`) and return its URL. Its name starts with
/// `tsunagu_t_`, which CI's clean-up drops.
pub async fn fresh_postgres(base_url: &str) -> Result<String> {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let template = TEMPLATE
        .get_or_try_init(|| postgres_template(base_url))
        .await?;
    let name = unique_name("tsunagu_t_");
    let mut admin = PgConnection::connect(base_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(with_database(base_url, &name))
}

/// Make sure the migrated template exists on the server; returns its name.
async fn postgres_template(base_url: &str) -> Result<String> {
    let key = migrations_key(&POSTGRES_MIGRATOR);
    let name = format!("tsunagu_tpl_{key}");
    let mut admin = PgConnection::connect(base_url).await?;
    // One builder per server at a time; the others wait here and then find it made.
    let lock_id = i64::from_str_radix(&key[..12.min(key.len())], 16).unwrap_or(0x7453_756e);
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(lock_id)
        .execute(&mut admin)
        .await?;
    let made = async {
        let exists: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut admin)
                .await?;
        if exists.is_none() {
            let building = format!("{name}_building");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {building}"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!(
                "CREATE DATABASE {building} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&mut admin)
            .await?;
            let store = Store::connect(&with_database(base_url, &building)).await?;
            store.close().await;
            drop(store);
            sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(lock_id)
        .execute(&mut admin)
        .await;
    made?;
    unlocked?;
    admin.close().await?;
    Ok(name)
}

/// Create a fresh, fully migrated SQLite database file in `dir` and return its URL.
pub async fn fresh_sqlite(dir: &Path) -> Result<String> {
    static TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    let template = TEMPLATE.get_or_try_init(sqlite_template).await?;
    let file = dir.join("t.db");
    std::fs::copy(template, &file)
        .map_err(|e| StoreError::Config(format!("copying the test template: {e}")))?;
    Ok(format!("sqlite://{}", file.display()))
}

/// The migrated template file, shared by test processes through the temp dir: named by the
/// migrations' hash, and moved into place only once complete, so a reader never sees half of it.
async fn sqlite_template() -> Result<PathBuf> {
    let io = |e: std::io::Error| StoreError::Config(format!("test template: {e}"));
    let file = std::env::temp_dir().join(format!(
        "tsunagu_tpl_{}.db",
        migrations_key(&SQLITE_MIGRATOR)
    ));
    if file.exists() {
        return Ok(file);
    }
    let dir = std::env::temp_dir().join(unique_name("tsunagu_tpl_building_"));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let building = dir.join("t.db");
    let store = Store::connect(&format!("sqlite://{}", building.display())).await?;
    // Fold the WAL into the main file so copying that one file copies everything.
    crate::db::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await?;
    store.close().await;
    drop(store);
    std::fs::rename(&building, &file).map_err(io)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(file)
}

/// A test fixture's form parsed as the page and the API parse it, at `now` (JST today for
/// the child form, no home prefecture). A fixture is valid by construction, so an invalid one
/// is a broken test and panics with the field errors.
pub trait Draft {
    /// The parsed draft the store takes.
    type Out;
    /// Parses at `now`.
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out;
}

#[allow(clippy::panic)]
fn fixture<T>(r: std::result::Result<T, domain::ValidationErrors>) -> T {
    match r {
        Ok(d) => d,
        Err(e) => panic!("invalid test fixture: {e:?}"),
    }
}

impl Draft for domain::child::ChildForm {
    type Out = domain::child::ChildDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now), None))
    }
}

impl Draft for domain::consultation::ConsultationForm {
    type Out = domain::consultation::ConsultationDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(now))
    }
}

impl Draft for domain::consultation::CourseForm {
    type Out = domain::consultation::CourseDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now)))
    }
}

impl Draft for domain::dispatch::CoordinatorInput {
    type Out = domain::dispatch::CoordinatorDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(domain::dispatch::CoordinatorDraft::parse(
            self,
            domain::dates::jst_date(now),
        ))
    }
}

impl Draft for domain::dispatch::RequestInput {
    type Out = domain::dispatch::RequestDraft;
    fn draft(&self, _now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(domain::dispatch::RequestDraft::parse(self))
    }
}

impl Draft for domain::dispatch_input::proposal::ProposalInput {
    type Out = domain::dispatch_input::proposal::ProposalDraft;
    fn draft(&self, _now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse())
    }
}

impl Draft for domain::dispatch_input::activity::ActivityInput {
    type Out = domain::dispatch_input::activity::ActivityDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now)))
    }
}

impl Draft for domain::disaster::PowerInput {
    type Out = domain::disaster::PowerDraft;
    fn draft(&self, _now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse())
    }
}

impl Draft for domain::disaster::PowerUnitInput {
    type Out = domain::disaster::PowerUnitDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now)))
    }
}

impl Draft for domain::disaster::UnitReturnInput {
    type Out = domain::disaster::UnitReturnDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now)))
    }
}

impl Draft for domain::disaster::IncidentInput {
    type Out = domain::disaster::IncidentDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(now))
    }
}

impl Draft for domain::disaster::DrillInput {
    type Out = domain::disaster::DrillDraft;
    fn draft(&self, now: chrono::DateTime<chrono::Utc>) -> Self::Out {
        fixture(self.parse(domain::dates::jst_date(now)))
    }
}
