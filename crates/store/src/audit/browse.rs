//! The auditor's view of the log: filtered search, record names and the CSV export.

use super::{
    AuditCsv, AuditCsvLayout, AuditEntry, AuditFilter, AuditListRow, AuditPage, AUDIT_ENTITIES,
    AUDIT_EXPORT_CAP, AUDIT_PAGE_SIZE,
};
use crate::{Actor, Result, Store, StoreError};

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
    actor.may(domain::Action::ReadAuditLog)
}

/// The WHERE clause (alias `a`) and its bind values for an actor's center and a filter.
/// Validates the filter, collecting every field error.
fn audit_where(
    actor: &Actor,
    f: &AuditFilter,
    user_id: Option<&str>,
    binds: &mut Vec<String>,
) -> Result<String, domain::ValidationErrors> {
    use domain::{messages, FieldError};
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
            errs.push(messages::audit::period_reversed());
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
            errs.push(messages::audit::invalid_action());
        }
    }
    let entity = f.entity.trim();
    if !entity.is_empty() {
        if AUDIT_ENTITIES.contains(&entity) {
            cond(&mut sql, " AND a.entity = $?", entity.to_string());
        } else {
            errs.push(messages::audit::unknown_entity(AUDIT_ENTITIES));
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
        errs.push(messages::audit::invalid_cursor());
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
        let mut query = crate::db::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditListRow {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor_id: r.try_get::<Option<String>>(2)?.filter(|s| !s.is_empty()),
                    actor_login: r.try_get::<Option<String>>(3)?.unwrap_or_default(),
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
            crate::db::query_scalar("SELECT id FROM users WHERE id = $1 OR login = $1 LIMIT 1")
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
        let mut query =
            crate::db::query_as::<(String, String, Option<String>, Option<String>)>(&sql);
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
        let mut query = crate::db::query_scalar::<i64>(&sql);
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
