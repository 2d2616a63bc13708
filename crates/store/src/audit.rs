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
        &canonical_payload(
            HASH_VERSION,
            &HashedFields {
                seq,
                at: &at,
                center_id: Some(center),
                actor_id: Some(actor_id),
                actor_login: Some(login),
                action: entry.action,
                entity: entry.entity,
                entity_id: entry.entity_id,
                detail: &entry.detail,
            },
        ),
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash, hash_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
    .bind(HASH_VERSION)
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
    /// The latest audit row's (sequence, hash), to anchor elsewhere (`tsunagu audit head`):
    /// a later rewrite of the whole chain cannot reproduce a head recorded outside.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Walk the whole chain and report the first row that does not verify.
    pub async fn verify_audit(&self) -> Result<ChainStatus> {
        let rows = sqlx::query(
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

// ---------------------------------------------------------------- browsing (監査ログの閲覧)

/// Rows per page of [`Store::audit_search`].
pub const AUDIT_PAGE_SIZE: i64 = 100;

/// Most rows one export holds (the newest ones), and the most a search counts: beyond it the
/// count reads "more than 100,000", which keeps a search of a large log from counting
/// millions of rows.
pub const AUDIT_EXPORT_CAP: usize = 100_000;

/// Filters for browsing the audit log. Every field is optional (empty = no filter).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AuditFilter {
    /// From date (YYYY-MM-DD, Japan time, inclusive).
    pub from: String,
    /// To date (YYYY-MM-DD, Japan time, inclusive).
    pub to: String,
    /// Acting user: id or login.
    pub user: String,
    /// Action prefix, e.g. `child.` (all child actions) or `child.view` (views and denials).
    pub action: String,
    /// Entity kind, e.g. `child`.
    pub entity: String,
    /// Entity id ("who touched this record").
    pub entity_id: String,
    /// Text contained in the detail.
    pub q: String,
    /// Keyset cursor: only rows with a smaller sequence number (from `next`).
    pub before: String,
}

impl AuditFilter {
    /// The filter as `key=value` pairs (empty fields left out), for audit details and links.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("user", self.user.as_str()),
            ("action", self.action.as_str()),
            ("entity", self.entity.as_str()),
            ("entity_id", self.entity_id.as_str()),
            ("q", self.q.as_str()),
            ("before", self.before.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// Short text of the filter for the audit row's detail.
    fn describe(&self) -> String {
        let s = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        s.chars().take(400).collect()
    }
}

/// One audit row as shown on the auditor's page, with the acting user's name.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditListRow {
    /// Sequence number (1-based, gapless over all centers).
    pub seq: i64,
    /// UTC timestamp (RFC 3339).
    pub at: String,
    /// Acting user's id (`None` for events without a logged-in actor, e.g. a failed login).
    pub actor_id: Option<String>,
    /// Acting login ("" when none).
    pub actor_login: String,
    /// Acting user's display name, when the user exists.
    pub actor_name: Option<String>,
    /// Action code, e.g. `child.view`.
    pub action: String,
    /// Entity kind, e.g. `child`.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// What the id names, for a person reading the log: a child's or user's name, a
    /// consultation's time and child, an organization's, coordinator's, incident's or the
    /// center's name. Only records of the auditor's own center are named; `None` otherwise
    /// (and in exports).
    pub entity_name: Option<String>,
    /// Detail text.
    pub detail: String,
}

/// A page of audit rows, newest first.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditPage {
    /// Rows (at most [`AUDIT_PAGE_SIZE`]).
    pub items: Vec<AuditListRow>,
    /// Cursor (`before`) for the next, older page.
    pub next: Option<String>,
    /// Number of rows matching the filter (all pages), counted up to
    /// [`AUDIT_EXPORT_CAP`]` + 1`.
    pub total: i64,
    /// More than [`AUDIT_EXPORT_CAP`] rows match: `total` is a lower bound, and an export
    /// holds only the newest [`AUDIT_EXPORT_CAP`].
    pub total_capped: bool,
}

/// A finished CSV export of the audit log.
pub struct AuditCsv {
    /// The file's bytes in the requested encoding.
    pub bytes: Vec<u8>,
    /// Data rows in the file.
    pub rows: usize,
    /// More rows matched than the cap let into the file.
    pub capped: bool,
}

/// How an audit export is written: encoding, size cap and columns. The web layer supplies the
/// header and the cells in the user's language.
pub struct AuditCsvLayout<'a, F: Fn(&AuditListRow) -> Vec<String>> {
    /// UTF-8 with BOM or CP932.
    pub encoding: domain::export::CsvEncoding,
    /// Most rows to write (the newest ones).
    pub cap: usize,
    /// Column headers.
    pub header: &'a [String],
    /// A row's cells, in the header's order.
    pub cells: F,
}

/// Entity kinds that may be filtered on: every `entity` value the application writes (the
/// auditor's page links each row's record to its history, so a kind missing here would be a
/// link to an error).
pub const AUDIT_ENTITIES: &[&str] = &[
    "child",
    "consultation",
    "organization",
    "user",
    "center",
    "coordinator",
    "dispatch_request",
    "incident",
    "list",
    "audit",
];

/// Kinds whose records [`Store::audit_search`] names, with the query (one `UNION ALL` arm)
/// giving `(kind, id, name, extra)` for ids of the auditor's center. `$C` is the center's
/// placeholder, `$IDS` the list of ids.
const NAMED_KINDS: &[(&str, &str)] = &[
    (
        "child",
        "SELECT CAST('child' AS TEXT), x.id, x.family_name || ' ' || x.given_name, CAST(NULL AS TEXT) \
         FROM children x WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "user",
        "SELECT CAST('user' AS TEXT), x.id, x.display_name, CAST(NULL AS TEXT) \
         FROM users x WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "consultation",
        "SELECT CAST('consultation' AS TEXT), x.id, x.occurred_at, ch.family_name || ' ' || ch.given_name \
         FROM consultations x LEFT JOIN children ch ON ch.id = x.child_id AND ch.center_id = x.center_id \
         WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "organization",
        "SELECT CAST('organization' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM organizations x WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "coordinator",
        "SELECT CAST('coordinator' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM coordinators x WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "dispatch_request",
        "SELECT CAST('dispatch_request' AS TEXT), x.id, ch.family_name || ' ' || ch.given_name, CAST(NULL AS TEXT) \
         FROM dispatch_requests x JOIN children ch ON ch.id = x.child_id \
         WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "incident",
        "SELECT CAST('incident' AS TEXT), x.id, x.title, CAST(NULL AS TEXT) \
         FROM incidents x WHERE x.center_id = $C AND x.id IN ($IDS)",
    ),
    (
        "center",
        "SELECT CAST('center' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM centers x WHERE x.id = $C AND x.id IN ($IDS)",
    ),
];

/// May this actor read the audit log? Only auditors (監査担当): the log records what admins
/// and staff did, so it is read by a separate role (separation of duties).
fn reads_audit(actor: &Actor) -> bool {
    actor.role == domain::Role::Auditor
}

/// The WHERE clause (alias `a`) and its bind values for an actor's center and a filter.
/// Validates the filter, collecting every field error.
fn audit_where(
    actor: &Actor,
    f: &AuditFilter,
    user_id: Option<&str>,
    binds: &mut Vec<String>,
) -> Result<String, domain::ValidationErrors> {
    use domain::FieldError;
    let mut errs = domain::ValidationErrors::new();
    binds.push(actor.center_id.clone());
    let c = binds.len();
    // The center's own staff's actions, plus anything done to the center's records and
    // accounts by anyone (failed logins against its users, another center's access to its
    // children); nothing of other centers.
    let mut sql = format!(
        "(a.center_id = ${c} \
         OR (a.entity = 'child' AND EXISTS (SELECT 1 FROM children x WHERE x.id = a.entity_id AND x.center_id = ${c})) \
         OR (a.entity = 'consultation' AND EXISTS (SELECT 1 FROM consultations x WHERE x.id = a.entity_id AND x.center_id = ${c})) \
         OR (a.entity = 'organization' AND EXISTS (SELECT 1 FROM organizations x WHERE x.id = a.entity_id AND x.center_id = ${c})) \
         OR (a.entity = 'user' AND EXISTS (SELECT 1 FROM users x WHERE x.id = a.entity_id AND x.center_id = ${c})) \
         OR (a.entity = 'center' AND a.entity_id = ${c}))"
    );
    let mut cond = |sql: &mut String, template: &str, v: String| {
        binds.push(v);
        sql.push_str(&template.replace("$?", &format!("${}", binds.len())));
    };
    let date = |errs: &mut domain::ValidationErrors, field: &str, raw: &str| {
        if raw.trim().is_empty() {
            None
        } else {
            errs.check(domain::dates::parse_date(field, raw))
        }
    };
    let from = date(&mut errs, "from", &f.from);
    let to = date(&mut errs, "to", &f.to);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errs.push(FieldError::new(
                "to",
                "range",
                "終了日は開始日と同じ日か、それより後の日付にしてください",
                "The end date must be on or after the start date.",
            ));
        }
    }
    if let Some(d) = from {
        cond(
            &mut sql,
            " AND a.at >= $?",
            crate::ts(domain::dates::jst_midnight_utc(d)),
        );
    }
    if let Some(d) = to {
        let end = d.succ_opt().map_or_else(
            || domain::dates::jst_midnight_utc(d) + chrono::Duration::days(1),
            domain::dates::jst_midnight_utc,
        );
        cond(&mut sql, " AND a.at < $?", crate::ts(end));
    }
    let user = f.user.trim();
    if user.chars().count() > 64 {
        errs.push(FieldError::too_long("user", 64));
    } else if let Some(id) = user_id {
        // A known user (by id or login): the (actor_id, seq) index reads their rows in order.
        cond(&mut sql, " AND a.actor_id = $?", id.to_string());
    } else if !user.is_empty() {
        cond(&mut sql, " AND a.actor_login = $?", user.to_string());
    }
    let action = f.action.trim();
    if !action.is_empty() {
        let ok = action.len() <= 64
            && action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_'));
        if ok {
            cond(
                &mut sql,
                " AND a.action LIKE $? ESCAPE '!'",
                format!("{}%", like_escape(action)),
            );
        } else {
            errs.push(FieldError::new(
                "action",
                "invalid",
                "操作の種類は英小文字・数字・「.」「_」で入力してください（例: child.view）",
                "Actions use lower-case letters, digits, “.” and “_” (e.g. child.view).",
            ));
        }
    }
    let entity = f.entity.trim();
    if !entity.is_empty() {
        if AUDIT_ENTITIES.contains(&entity) {
            cond(&mut sql, " AND a.entity = $?", entity.to_string());
        } else {
            errs.push(FieldError::new(
                "entity",
                "invalid",
                format!(
                    "対象の種類は次のいずれかです: {}",
                    AUDIT_ENTITIES.join(", ")
                ),
                format!("The entity must be one of: {}", AUDIT_ENTITIES.join(", ")),
            ));
        }
    }
    let entity_id = f.entity_id.trim();
    if entity_id.chars().count() > 64 {
        errs.push(FieldError::too_long("entity_id", 64));
    } else if !entity_id.is_empty() {
        cond(&mut sql, " AND a.entity_id = $?", entity_id.to_string());
    }
    let q = f.q.trim();
    if q.chars().count() > 100 {
        errs.push(FieldError::too_long("q", 100));
    } else if !q.is_empty() {
        cond(
            &mut sql,
            " AND a.detail LIKE $? ESCAPE '!'",
            format!("%{}%", like_escape(q)),
        );
    }
    let before = f.before.trim();
    if !before.is_empty() && !before.parse::<i64>().is_ok_and(|n| n > 0) {
        errs.push(FieldError::new(
            "before",
            "invalid",
            "ページの指定が正しくありません",
            "The page cursor is invalid.",
        ));
    }
    errs.into_result()?;
    Ok(sql)
}

/// Escape `%`, `_` and the escape character itself for `LIKE … ESCAPE '!'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

const AUDIT_LIST_SELECT: &str =
    "SELECT a.seq, a.at, a.actor_id, a.actor_login, u.display_name, a.action, a.entity, a.entity_id, a.detail \
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id";

impl Store {
    /// Rows matching `where_sql` below `before`, newest first, at most `limit`.
    async fn audit_rows(
        &self,
        where_sql: &str,
        binds: &[String],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditListRow>> {
        let mut sql = format!("{AUDIT_LIST_SELECT} WHERE {where_sql}");
        if let Some(b) = before {
            sql.push_str(&format!(" AND a.seq < {b}"));
        }
        sql.push_str(&format!(" ORDER BY a.seq DESC LIMIT {limit}"));
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditListRow {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor_id: r.try_get::<Option<String>, _>(2)?.filter(|s| !s.is_empty()),
                    actor_login: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                    actor_name: r.try_get(4)?,
                    action: r.try_get(5)?,
                    entity: r.try_get(6)?,
                    entity_id: r.try_get(7)?,
                    entity_name: None,
                    detail: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// Rows matching, counted up to `AUDIT_EXPORT_CAP + 1` (a huge log is not counted to the end).
    /// The id of the user named by the `user` filter (an id or a login), if there is one.
    async fn audit_filter_user(&self, f: &AuditFilter) -> Result<Option<String>> {
        let user = f.user.trim();
        if user.is_empty() || user.chars().count() > 64 {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar("SELECT id FROM users WHERE id = $1 OR login = $1 LIMIT 1")
                .bind(user)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Fills `entity_name` of a page of rows in one query (one `UNION ALL` arm per kind on
    /// the page), naming only records of the actor's center: another center's child that the
    /// center's staff opened under a referral stays an id. Returns how many rows got a name
    /// (for the search's own audit row, since names are personal data).
    async fn name_audit_records(&self, actor: &Actor, items: &mut [AuditListRow]) -> Result<usize> {
        let mut binds: Vec<String> = vec![actor.center_id.clone()];
        let mut arms: Vec<String> = Vec::new();
        for (kind, arm) in NAMED_KINDS {
            let mut ids: Vec<&str> = items
                .iter()
                .filter(|r| r.entity == *kind)
                .filter_map(|r| r.entity_id.as_deref())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                continue;
            }
            let list = crate::placeholders(binds.len() + 1, ids.len());
            binds.extend(ids.iter().map(|s| s.to_string()));
            arms.push(arm.replace("$C", "$1").replace("$IDS", &list));
        }
        if arms.is_empty() {
            return Ok(0);
        }
        let sql = arms.join(" UNION ALL ");
        let mut query = sqlx::query_as::<_, (String, String, Option<String>, Option<String>)>(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let found = query.fetch_all(self.pool()).await?;
        let names: std::collections::HashMap<(String, String), String> = found
            .into_iter()
            .filter_map(|(kind, id, name, extra)| {
                let name = if kind == "consultation" {
                    // When it happened (Japan time) and, if about a registered child, whom.
                    let at = name.as_deref().and_then(crate::parse_ts).map(|t| {
                        t.with_timezone(&domain::dates::jst())
                            .format("%Y-%m-%d %H:%M")
                            .to_string()
                    })?;
                    match extra {
                        Some(child) => format!("{at} {child}"),
                        None => at,
                    }
                } else {
                    name?
                };
                Some(((kind, id), name))
            })
            .collect();
        let mut named = 0;
        for r in items.iter_mut() {
            if let Some(id) = &r.entity_id {
                r.entity_name = names.get(&(r.entity.clone(), id.clone())).cloned();
                named += usize::from(r.entity_name.is_some());
            }
        }
        Ok(named)
    }

    async fn audit_total(&self, where_sql: &str, binds: &[String]) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log a WHERE {where_sql} LIMIT {}) t",
            AUDIT_EXPORT_CAP + 1
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for b in binds {
            query = query.bind(b);
        }
        Ok(query.fetch_one(self.pool()).await?)
    }

    /// Browse the audit log of the actor's center (auditors only), newest first, one page of
    /// [`AUDIT_PAGE_SIZE`] rows plus the total count. Rows are the center's staff's actions and
    /// anything done to the center's children, consultations, organizations, accounts or the
    /// center itself; never another center's. An invalid filter is a validation error and
    /// writes nothing; a valid search is itself audited (`audit.search`) before it returns.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AuditPage> {
        if !reads_audit(actor) {
            return Err(StoreError::Forbidden);
        }
        let user_id = self.audit_filter_user(filter).await?;
        let mut binds = Vec::new();
        let where_sql = audit_where(actor, filter, user_id.as_deref(), &mut binds)?;
        let before = filter.before.trim().parse::<i64>().ok();
        let mut items = self
            .audit_rows(&where_sql, &binds, before, AUDIT_PAGE_SIZE + 1)
            .await?;
        let next = if items.len() as i64 > AUDIT_PAGE_SIZE {
            items.truncate(AUDIT_PAGE_SIZE as usize);
            items.last().map(|r| r.seq.to_string())
        } else {
            None
        };
        let total = self.audit_total(&where_sql, &binds).await?;
        let total_capped = total > AUDIT_EXPORT_CAP as i64;
        let named = self.name_audit_records(actor, &mut items).await?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "audit.search",
                entity: "audit",
                entity_id: None,
                detail: format!(
                    "{} results={} total={total} named={named}",
                    filter.describe(),
                    items.len()
                ),
            },
        )
        .await?;
        Ok(AuditPage {
            items,
            next,
            total,
            total_capped,
        })
    }

    /// Export the rows matching `filter` (newest first, at most `layout.cap`) as a CSV file
    /// (auditors only). Every cell is neutralised against formula injection. A character
    /// CP932 cannot hold fails the export as a validation error on `encoding`, naming row,
    /// column and character. The export is audited (`audit.export`) once the file is complete
    /// and before it is returned; a failed export writes nothing.
    pub async fn audit_export_csv<F: Fn(&AuditListRow) -> Vec<String>>(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        layout: AuditCsvLayout<'_, F>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AuditCsv> {
        let AuditCsvLayout {
            encoding,
            cap,
            header,
            cells,
        } = layout;
        if !reads_audit(actor) {
            return Err(StoreError::Forbidden);
        }
        let user_id = self.audit_filter_user(filter).await?;
        let mut binds = Vec::new();
        let where_sql = audit_where(actor, filter, user_id.as_deref(), &mut binds)?;
        let export_err = |e: domain::export::ExportError| StoreError::from(e.to_field_error());
        let mut csv = domain::export::CsvWriter::new(encoding, header).map_err(export_err)?;
        // Read in chunks by sequence so a large export never holds all rows twice.
        const CHUNK: usize = 2000;
        let mut before = filter.before.trim().parse::<i64>().ok();
        let mut capped = false;
        loop {
            if csv.data_rows() >= cap {
                // Full: is anything left out?
                capped = !self
                    .audit_rows(&where_sql, &binds, before, 1)
                    .await?
                    .is_empty();
                break;
            }
            let want = CHUNK.min(cap - csv.data_rows());
            let rows = self
                .audit_rows(&where_sql, &binds, before, want as i64)
                .await?;
            for r in &rows {
                csv.write_row(&cells(r)).map_err(export_err)?;
            }
            match rows.last() {
                Some(last) if rows.len() == want => before = Some(last.seq),
                _ => break,
            }
        }
        let rows = csv.data_rows();
        let bytes = csv.finish().map_err(export_err)?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "audit.export",
                entity: "audit",
                entity_id: None,
                detail: format!(
                    "{} encoding={} rows={rows}{}",
                    filter.describe(),
                    encoding.code(),
                    if capped { " capped" } else { "" }
                ),
            },
        )
        .await?;
        Ok(AuditCsv {
            bytes,
            rows,
            capped,
        })
    }
}
