//! The hash chain: appending a row inside the caller's transaction, the canonical payload each
//! hash covers, and verifying the chain.

use super::AuditEntry;
use crate::{Actor, Result, Store};

/// Payload version written by [`append`].
pub const HASH_VERSION: i64 = 2;

/// The fields of one audit row that its hash covers, in order.
#[derive(Clone, Copy, Debug)]
pub struct HashedFields<'a> {
    /// Sequence number.
    pub seq: i64,
    /// UTC timestamp as stored.
    pub at: &'a str,
    /// Center of the actor.
    pub center_id: Option<&'a str>,
    /// Acting user's id.
    pub actor_id: Option<&'a str>,
    /// Acting user's login.
    pub actor_login: Option<&'a str>,
    /// Action code.
    pub action: &'a str,
    /// Entity kind.
    pub entity: &'a str,
    /// Entity id.
    pub entity_id: Option<&'a str>,
    /// Detail text.
    pub detail: &'a str,
}

/// The canonical payload of a row for its hash. Version 1 (rows written before migration 0009)
/// joined fields with `|` and read NULL as empty; version 2 is a JSON array, so field
/// boundaries and NULLs are part of what is hashed. A version-1 payload starts with a digit and
/// a version-2 one with `[`, so relabelling a row's version cannot keep its hash.
pub fn canonical_payload(version: i64, f: &HashedFields<'_>) -> String {
    if version <= 1 {
        return format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            f.seq,
            f.at,
            f.center_id.unwrap_or(""),
            f.actor_id.unwrap_or(""),
            f.actor_login.unwrap_or(""),
            f.action,
            f.entity,
            f.entity_id.unwrap_or(""),
            f.detail
        );
    }
    serde_json::json!([
        "tsunagu-audit-v2",
        f.seq,
        f.at,
        f.center_id,
        f.actor_id,
        f.actor_login,
        f.action,
        f.entity,
        f.entity_id,
        f.detail
    ])
    .to_string()
}

/// Append an audit row inside the caller's transaction (same commit as the change it records).
pub async fn append(
    tx: &mut crate::db::Conn,
    actor: Option<&Actor>,
    at: chrono::DateTime<chrono::Utc>,
    entry: AuditEntry<'_>,
) -> Result<()> {
    append_rows(tx, vec![NewRow { actor, at, entry }]).await
}

/// One row for [`append_rows`].
pub(crate) struct NewRow<'a> {
    pub(crate) actor: Option<&'a Actor>,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
    pub(crate) entry: AuditEntry<'a>,
}

/// Rows per `INSERT` (12 binds each, far below either engine's limit on binds).
const ROWS_PER_INSERT: usize = 100;

/// Append `rows` in order: the chain's head is read once and each row's hash links to the one
/// before it in memory, then the rows go in with multi-row `INSERT`s — a group commit of N
/// audited reads costs one read and ⌈N/100⌉ inserts, not N of each.
pub(crate) async fn append_rows(tx: &mut crate::db::Conn, rows: Vec<NewRow<'_>>) -> Result<()> {
    // The chain stays linear only if no other writer appends between reading the head and
    // committing: the write-transaction opener holds that lock (crate::open_write).
    crate::db::require_write_lock(tx)?;
    if rows.is_empty() {
        return Ok(());
    }
    let head: Option<(i64, String)> =
        crate::db::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (mut seq, mut prev_hash) = head.unwrap_or((0, domain::audit::GENESIS_HASH.to_string()));
    let mut linked = Vec::with_capacity(rows.len());
    for row in &rows {
        seq += 1;
        let at = crate::ts(row.at);
        let center = row.actor.map(|a| a.center_id.as_str()).unwrap_or("");
        let actor_id = row.actor.map(|a| a.user_id.as_str()).unwrap_or("");
        let login = row.actor.map(|a| a.login.as_str()).unwrap_or("");
        let hash = domain::audit::chain_hash(
            &prev_hash,
            &canonical_payload(
                HASH_VERSION,
                &HashedFields {
                    seq,
                    at: &at,
                    center_id: Some(center),
                    actor_id: Some(actor_id),
                    actor_login: Some(login),
                    action: row.entry.action,
                    entity: row.entry.entity,
                    entity_id: row.entry.entity_id,
                    detail: &row.entry.detail,
                },
            ),
        );
        let prev = std::mem::replace(&mut prev_hash, hash.clone());
        linked.push((seq, at, center, actor_id, login, &row.entry, prev, hash));
    }
    for chunk in linked.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", crate::placeholders(i * 12 + 1, 12)))
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash, hash_version) \
             VALUES {}",
            values.join(", ")
        );
        let mut insert = crate::db::query(&sql);
        for (seq, at, center, actor_id, login, entry, prev, hash) in chunk {
            insert = insert
                .bind(*seq)
                .bind(at.as_str())
                .bind(*center)
                .bind(*actor_id)
                .bind(*login)
                .bind(entry.action)
                .bind(entry.entity)
                .bind(entry.entity_id)
                .bind(entry.detail.as_str())
                .bind(prev.as_str())
                .bind(hash.as_str())
                .bind(HASH_VERSION);
        }
        insert.execute(&mut *tx).await?;
    }
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
    /// The latest audit row's (sequence, hash), to anchor elsewhere (`tsunagu audit head`):
    /// a later rewrite of the whole chain cannot reproduce a head recorded outside.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(
            crate::db::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Walk the whole chain and report the first row that does not verify.
    pub async fn verify_audit(&self) -> Result<ChainStatus> {
        let rows = crate::db::query(
            "SELECT seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash, hash_version \
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
            let version: i64 = r.try_get(11)?;
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
            if !(1..=HASH_VERSION).contains(&version) {
                return Ok(ChainStatus::Broken {
                    seq,
                    reason: format!("unknown hash version {version}"),
                });
            }
            let computed = domain::audit::chain_hash(
                &prev,
                &canonical_payload(
                    version,
                    &HashedFields {
                        seq,
                        at: &at,
                        center_id: center.as_deref(),
                        actor_id: actor.as_deref(),
                        actor_login: login.as_deref(),
                        action: &action,
                        entity: &entity,
                        entity_id: entity_id.as_deref(),
                        detail: &detail,
                    },
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
        let rows = crate::db::query_as::<(
            i64,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            String,
        )>(
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
        Ok(crate::db::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(self.pool())
            .await?)
    }
}
