//! One fresh database a case, created and dropped around it.

use anyhow::{bail, Context};

use crate::bench::run::with_database;

use super::TriageOptions;

/// The database URL of one case, freshly created.
pub(super) async fn fresh_database(
    opts: &TriageOptions,
    children: usize,
) -> anyhow::Result<String> {
    match &opts.database_url {
        None => {
            let root = opts.data_dir.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("tsunagu-bench-triage-{}", std::process::id()))
            });
            let dir = root.join(format!("triage-{children}"));
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("cannot empty {}", dir.display()))?;
            }
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Ok(format!("sqlite://{}", dir.join("tsunagu.db").display()))
        }
        Some(url) => {
            let name = pg_name(children);
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                .await
                .with_context(|| format!("cannot connect to {url}"))?;
            // The name is built from numbers, never from input.
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&mut admin)
            .await?;
            Ok(with_database(url, &name))
        }
    }
}

fn pg_name(children: usize) -> String {
    format!("tsunagu_bench_triage_{}_{children}", std::process::id())
}

/// Remove a case's database.
pub(super) async fn drop_database(opts: &TriageOptions, children: usize) -> anyhow::Result<()> {
    match &opts.database_url {
        None => {
            if opts.data_dir.is_none() {
                let root = std::env::temp_dir()
                    .join(format!("tsunagu-bench-triage-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(root);
            }
            Ok(())
        }
        Some(url) => {
            let name = pg_name(children);
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
            // The killed server's connections may still be closing, and the seeding pool may
            // have left one open (see Store::close): FORCE ends them (PostgreSQL 13+).
            for _ in 0..50 {
                if sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .is_ok()
                {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            bail!("could not drop the bench database {name}")
        }
    }
}
