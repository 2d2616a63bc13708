//! Hash-chained audit log. Each row's hash covers the previous row's hash and this row's
//! canonical content, so editing or deleting any row breaks verification from that row on.

use sqlx::Row;

use crate::{Actor, Backend, Result, Store, StoreError};

/// One audit entry to append.
pub struct AuditEntry<'a> {
    /// e.g. "child.view", "consultation.create", "login.failed"
    pub action: &'a str,
    /// e.g. "child", "consultation", "user", "session"
    pub entity: &'a str,
    /// The record's id, when there is one.
    pub entity_id: Option<&'a str>,
    /// Short JSON or text detail (never the record's personal data itself).
    pub detail: String,
}

fn canonical(
    seq: i64,
    at: &str,
    center: &str,
    actor: &str,
    login: &str,
    e: &AuditEntry<'_>,
) -> String {
    format!(
        "{seq}|{at}|{center}|{actor}|{login}|{}|{}|{}|{}",
        e.action,
        e.entity,
        e.entity_id.unwrap_or(""),
        e.detail
    )
}

/// Append an audit row inside the caller's transaction (same commit as the change it records).
pub async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    actor: Option<&Actor>,
    at: chrono::DateTime<chrono::Utc>,
    entry: AuditEntry<'_>,
) -> Result<()> {
    if backend == Backend::Postgres {
        // Serialises appenders across connections so the chain stays linear.
        sqlx::query("SELECT CAST(pg_advisory_xact_lock(7470001) AS TEXT)")
            .execute(&mut **tx)
            .await?;
    }
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (prev_seq, prev_hash) = head.unwrap_or((0, domain::audit::GENESIS_HASH.to_string()));
    let seq = prev_seq + 1;
    let at = crate::ts(at);
    let center = actor.map(|a| a.center_id.as_str()).unwrap_or("");
    let actor_id = actor.map(|a| a.user_id.as_str()).unwrap_or("");
    let login = actor.map(|a| a.login.as_str()).unwrap_or("");
    let hash = domain::audit::chain_hash(
        &prev_hash,
        &canonical(seq, &at, center, actor_id, login, &entry),
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(&at)
    .bind(center)
    .bind(actor_id)
    .bind(login)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(&entry.detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Outcome of [`Store::verify_audit`].
#[derive(Debug, PartialEq, Eq)]
pub enum ChainStatus {
    /// Every row verified; the number of rows and the head hash.
    Ok { rows: i64, head: String },
    /// The first row whose stored hash or link does not match.
    Broken { seq: i64, reason: String },
}

/// One row of the audit log as shown to auditors and tests.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    /// Sequence number (1-based, gapless).
    pub seq: i64,
    /// UTC timestamp.
    pub at: String,
    /// Acting login ("" for anonymous events such as failed logins).
    pub actor_login: String,
    /// Action code.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Detail text.
    pub detail: String,
}

impl Store {
    /// Walk the whole chain and report the first row that does not verify.
    /// The latest audit row's (sequence, hash), to anchor elsewhere (`tsunagu audit head`):
    /// a later rewrite of the whole chain cannot reproduce a head recorded outside.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn verify_audit(&self) -> Result<ChainStatus> {
        let rows = sqlx::query(
            "SELECT seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        let mut prev = domain::audit::GENESIS_HASH.to_string();
        for (expected_seq, r) in (1_i64..).zip(rows.iter()) {
            let seq: i64 = r.try_get(0)?;
            let at: String = r.try_get(1)?;
            let center: Option<String> = r.try_get(2)?;
            let actor: Option<String> = r.try_get(3)?;
            let login: Option<String> = r.try_get(4)?;
            let action: String = r.try_get(5)?;
            let entity: String = r.try_get(6)?;
            let entity_id: Option<String> = r.try_get(7)?;
            let detail: String = r.try_get(8)?;
            let prev_hash: String = r.try_get(9)?;
            let hash: String = r.try_get(10)?;
            if seq != expected_seq {
                return Ok(ChainStatus::Broken {
                    seq,
                    reason: format!("expected sequence {expected_seq}"),
                });
            }
            if prev_hash != prev {
                return Ok(ChainStatus::Broken {
                    seq,
                    reason: "link to previous row does not match".into(),
                });
            }
            let entry = AuditEntry {
                action: &action,
                entity: &entity,
                entity_id: entity_id.as_deref(),
                detail,
            };
            let computed = domain::audit::chain_hash(
                &prev,
                &canonical(
                    seq,
                    &at,
                    center.as_deref().unwrap_or(""),
                    actor.as_deref().unwrap_or(""),
                    login.as_deref().unwrap_or(""),
                    &entry,
                ),
            );
            if computed != hash {
                return Ok(ChainStatus::Broken {
                    seq,
                    reason: "content does not match its hash".into(),
                });
            }
            prev = hash;
        }
        Ok(ChainStatus::Ok {
            rows: rows.len() as i64,
            head: prev,
        })
    }

    /// Audit rows about one entity, newest first (e.g. "who viewed this child").
    pub async fn audit_for_entity(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query_as::<
            _,
            (
                i64,
                String,
                Option<String>,
                String,
                String,
                Option<String>,
                String,
            ),
        >(
            "SELECT seq, at, actor_login, action, entity, entity_id, detail FROM audit_log \
             WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC",
        )
        .bind(entity)
        .bind(entity_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(seq, at, login, action, entity, entity_id, detail)| AuditRow {
                    seq,
                    at,
                    actor_login: login.unwrap_or_default(),
                    action,
                    entity,
                    entity_id,
                    detail,
                },
            )
            .collect())
    }

    /// Number of audit rows (tests compare before/after to prove a rejected request wrote nothing).
    pub async fn audit_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(self.pool())
            .await?)
    }

    /// Record an event that has no write of its own (a view, a search, a list) and return once
    /// its audit row is committed. Callers release the data only after this returns `Ok`, so no
    /// personal data leaves without a durable audit row; a failure here fails the request.
    ///
    /// Rows from concurrent requests are group-committed: one transaction (one fsync) carries
    /// every entry that arrived while the previous batch was committing. Under load this turns
    /// N commits into one, which is what keeps audited reads fast on SQLite with
    /// synchronous=FULL; with one caller it is a plain transaction.
    pub async fn audit_event(
        &self,
        actor: Option<&Actor>,
        now: chrono::DateTime<chrono::Utc>,
        entry: AuditEntry<'_>,
    ) -> Result<()> {
        let (done, wait) = tokio::sync::oneshot::channel();
        let pending = Pending {
            actor: actor.cloned(),
            at: now,
            action: entry.action.to_string(),
            entity: entry.entity.to_string(),
            entity_id: entry.entity_id.map(str::to_string),
            detail: entry.detail,
            done,
        };
        let unavailable = || StoreError::Config("the audit writer has stopped".into());
        self.audit_queue
            .send(pending)
            .await
            .map_err(|_| unavailable())?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => Err(StoreError::Config(format!("audit commit failed: {cause}"))),
            Err(_) => Err(unavailable()),
        }
    }
}

/// An audit entry waiting for the next group commit.
pub(crate) struct Pending {
    actor: Option<Actor>,
    at: chrono::DateTime<chrono::Utc>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    detail: String,
    done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// Entries per group commit at most (bounds the transaction and the wait of the first caller).
const MAX_BATCH: usize = 512;

/// Start the group-commit writer; it stops when every [`Store`] clone is dropped.
pub(crate) fn start_group_commit(
    pool: sqlx::AnyPool,
    backend: Backend,
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
) -> tokio::sync::mpsc::Sender<Pending> {
    let (queue, mut rx) = tokio::sync::mpsc::channel::<Pending>(4 * MAX_BATCH);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            let outcome = write_batch(&pool, backend, &write_lock, &batch)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, entries = batch.len(), "audit group commit failed");
                    e.to_string()
                });
            for p in batch {
                let _ = p.done.send(outcome.clone());
            }
        }
    });
    queue
}

async fn write_batch(
    pool: &sqlx::AnyPool,
    backend: Backend,
    write_lock: &tokio::sync::Mutex<()>,
    batch: &[Pending],
) -> Result<()> {
    let _guard = match backend {
        Backend::Sqlite => Some(write_lock.lock().await),
        Backend::Postgres => None,
    };
    let mut tx = pool.begin().await?;
    for p in batch {
        append(
            &mut tx,
            backend,
            p.actor.as_ref(),
            p.at,
            AuditEntry {
                action: &p.action,
                entity: &p.entity,
                entity_id: p.entity_id.as_deref(),
                detail: p.detail.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
