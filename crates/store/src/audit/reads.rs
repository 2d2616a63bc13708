//! Group commit for audit events outside a use case's transaction (mostly reads, e.g. a record
//! viewed): entries are queued and a writer task appends them in batches.

use super::chain::{append_rows, NewRow};
use super::AuditEntry;
use crate::{Actor, Result, Store, StoreError};

impl Store {
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
        self.audit_events(actor, now, vec![entry]).await
    }

    /// [`Store::audit_event`] for a use case that reads several things at once (the child's
    /// page: the record and its consultations): every row lands in the same commit.
    pub async fn audit_events(
        &self,
        actor: Option<&Actor>,
        now: chrono::DateTime<chrono::Utc>,
        entries: Vec<AuditEntry<'_>>,
    ) -> Result<()> {
        let (done, wait) = tokio::sync::oneshot::channel();
        let pending = Pending {
            actor: actor.cloned(),
            at: now,
            entries: entries
                .into_iter()
                .map(|e| QueuedEntry {
                    action: e.action.to_string(),
                    entity: e.entity.to_string(),
                    entity_id: e.entity_id.map(str::to_string),
                    detail: e.detail,
                })
                .collect(),
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

/// A request's audit entries waiting for the next group commit (committed together).
pub(crate) struct Pending {
    actor: Option<Actor>,
    at: chrono::DateTime<chrono::Utc>,
    entries: Vec<QueuedEntry>,
    done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// One row of a [`Pending`].
struct QueuedEntry {
    action: String,
    entity: String,
    entity_id: Option<String>,
    detail: String,
}

/// Entries per group commit at most (bounds the transaction and the wait of the first caller).
const MAX_BATCH: usize = 512;

/// Start the group-commit writer; it stops when every [`Store`] clone is dropped.
pub(crate) fn start_group_commit(
    pool: crate::db::Pool,
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
            let outcome = write_batch(&pool, &write_lock, &batch).await.map_err(|e| {
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
    pool: &crate::db::Pool,
    write_lock: &tokio::sync::Mutex<()>,
    batch: &[Pending],
) -> Result<()> {
    let mut w = crate::open_write(pool, write_lock).await?;
    let rows = batch
        .iter()
        .flat_map(|p| {
            p.entries.iter().map(|e| NewRow {
                actor: p.actor.as_ref(),
                at: p.at,
                entry: AuditEntry {
                    action: &e.action,
                    entity: &e.entity,
                    entity_id: e.entity_id.as_deref(),
                    detail: e.detail.clone(),
                },
            })
        })
        .collect();
    append_rows(&mut w.tx, rows).await?;
    w.commit().await?;
    Ok(())
}
