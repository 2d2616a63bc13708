//! Who is acting and which records they may see (DESIGN.md, "Tenancy and access").

use domain::{Action, Role};

use crate::{Result, StoreError};

/// The authenticated person behind a use case, with the scope their role grants.
#[derive(Clone, Debug)]
pub struct Actor {
    /// users.id
    pub user_id: String,
    /// Login name, copied into audit rows so the log reads without joins.
    pub login: String,
    /// Display name for pages.
    pub display_name: String,
    /// The user's center (tenant).
    pub center_id: String,
    /// The user's single role.
    pub role: Role,
    /// For municipal users: the municipality codes they cover.
    pub municipalities: Vec<String>,
}

impl Actor {
    /// May this actor take `action` at all (the access table, `domain::access`)? Which records
    /// is the store's second check (center, assignment, area).
    pub fn may(&self, action: Action) -> bool {
        self.role.may(action)
    }

    /// May this actor read child records of their center at all?
    pub fn reads_children(&self) -> bool {
        self.may(Action::ReadRecords)
    }

    /// May this actor create and edit children and consultations (within scope)?
    pub fn writes_records(&self) -> bool {
        self.may(Action::WriteRecords)
    }

    /// Coordinators see only the children they are assigned to.
    pub fn assigned_only(&self) -> bool {
        self.role == Role::Coordinator
    }

    /// SQL condition (over alias `c` = children) restricting rows to this actor's scope, with the
    /// placeholders numbered from `first`. Returns the SQL and the values to bind in order.
    pub fn child_scope_sql(&self, first: usize) -> (String, Vec<String>) {
        if self.assigned_only() {
            (
                format!(
                    "c.center_id = ${first} AND EXISTS (SELECT 1 FROM child_coordinators cc \
                     WHERE cc.child_id = c.id AND cc.user_id = ${})",
                    first + 1
                ),
                vec![self.center_id.clone(), self.user_id.clone()],
            )
        } else {
            (
                format!("c.center_id = ${first}"),
                vec![self.center_id.clone()],
            )
        }
    }
}

// ------------------------------------------------------------ access through a dispatch

/// Days a coordinator keeps access to a child after their last dispatch for the child was
/// completed or cancelled (inclusive of the last day, Japan time).
pub const DISPATCH_ACCESS_DAYS: i64 = 30;

/// A coordinator's access to a child that rests on dispatches rather than an assignment.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct DispatchAccess {
    /// users.id of the coordinator.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Last day of access (YYYY-MM-DD, Japan time); `None` while a dispatch is accepted or
    /// active.
    pub until: Option<String>,
}

/// Recomputes the end of `user_id`'s dispatch-origin access to `child_id` (no-op for an
/// explicit assignment): open-ended while one of their dispatches for the child is accepted
/// or active, else [`DISPATCH_ACCESS_DAYS`] after the day the last one was completed or
/// cancelled. Called inside every transaction that changes such a dispatch.
pub(crate) async fn refresh_dispatch_access(
    tx: &mut crate::db::Conn,
    child_id: &str,
    user_id: &str,
) -> crate::Result<()> {
    let rows: Vec<(String, Option<String>)> = crate::db::query_as(
        "SELECT d.status, d.closed_at FROM dispatches d \
         JOIN coordinators co ON co.id = d.coordinator_id \
         JOIN dispatch_requests r ON r.id = d.request_id \
         WHERE r.child_id = $1 AND co.user_id = $2 \
         AND d.status IN ('accepted','active','completed','cancelled')",
    )
    .bind(child_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    let live = rows
        .iter()
        .any(|(s, _)| s.as_str() == "accepted" || s.as_str() == "active");
    let until = if live {
        None
    } else {
        let last = rows
            .iter()
            .filter_map(|(_, closed)| closed.as_deref().and_then(crate::parse_ts))
            .max();
        match last {
            Some(t) => Some(
                (domain::dates::jst_date(t) + chrono::Duration::days(DISPATCH_ACCESS_DAYS))
                    .to_string(),
            ),
            // No dispatch that ever gave access: leave the row as it is.
            None => return Ok(()),
        }
    };
    crate::db::query(
        "UPDATE child_coordinators SET access_until = $1 \
         WHERE child_id = $2 AND user_id = $3 AND origin = 'dispatch'",
    )
    .bind(until)
    .bind(child_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Gives `user_id` dispatch-origin access to `child_id` on accepting a dispatch: a new row, or
/// an existing dispatch-origin row made open-ended again. An explicit assignment is left as is.
pub(crate) async fn grant_dispatch_access(
    tx: &mut crate::db::Conn,
    child_id: &str,
    user_id: &str,
) -> crate::Result<()> {
    let origin: Option<String> = crate::db::query_scalar(
        "SELECT origin FROM child_coordinators WHERE child_id = $1 AND user_id = $2",
    )
    .bind(child_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    match origin {
        None => {
            crate::db::query(
                "INSERT INTO child_coordinators (child_id, user_id, origin, access_until) \
                 VALUES ($1, $2, 'dispatch', NULL)",
            )
            .bind(child_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        Some(_) => {
            crate::db::query(
                "UPDATE child_coordinators SET access_until = NULL \
                 WHERE child_id = $1 AND user_id = $2 AND origin = 'dispatch'",
            )
            .bind(child_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

impl crate::Store {
    /// Ends a coordinator's dispatch-origin accesses whose last day is before `now`'s day
    /// (Japan time): removes the rows and audits each once as `child.access.lapsed`.
    ///
    /// Runs when the coordinator's session or token is resolved, i.e. before any use case of
    /// their request checks scope, so every scope check (which reads `child_coordinators`)
    /// sees the lapse as of the request's `now` — with a frozen clock too. A read finds the
    /// rows first, so a request with nothing due writes nothing.
    pub async fn lapse_dispatch_access(
        &self,
        actor: &Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::Result<usize> {
        if !actor.assigned_only() {
            return Ok(0);
        }
        let today = domain::dates::jst_date(now).to_string();
        const DUE: &str = "SELECT child_id, access_until FROM child_coordinators \
             WHERE user_id = $1 AND origin = 'dispatch' AND access_until IS NOT NULL AND access_until < $2";
        let due: Vec<(String, String)> = crate::db::query_as(DUE)
            .bind(&actor.user_id)
            .bind(&today)
            .fetch_all(self.pool())
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut w = self.begin_write().await?;
        // Read again under the writer lock: a concurrent request may have lapsed them, or an
        // accept may have renewed one.
        let due: Vec<(String, String)> = crate::db::query_as(DUE)
            .bind(&actor.user_id)
            .bind(&today)
            .fetch_all(&mut w.tx)
            .await?;
        for (child_id, until) in &due {
            crate::db::query("DELETE FROM child_coordinators WHERE child_id = $1 AND user_id = $2")
                .bind(child_id)
                .bind(&actor.user_id)
                .execute(&mut w.tx)
                .await?;
            crate::audit::append(
                &mut w.tx,
                Some(actor),
                now,
                crate::audit::AuditEntry {
                    action: "child.access.lapsed",
                    entity: "child",
                    entity_id: Some(child_id),
                    detail: format!("dispatch access until {until}"),
                },
            )
            .await?;
        }
        w.commit().await?;
        Ok(due.len())
    }

    /// Opens the write transaction of a use case that changes one child's records: the actor
    /// must write records and have the child in scope, checked inside the transaction.
    pub(crate) async fn begin_child_write(
        &self,
        actor: &Actor,
        child_id: &str,
    ) -> Result<crate::WriteTx<'_>> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        Ok(w)
    }

    /// Refuses as a write of this child would (Forbidden for a reader; NotFound or Forbidden
    /// out of scope). A handler asks only when the form it is about to refuse has errors:
    /// an out-of-scope caller learns nothing about the record, not even that their form was
    /// wrong. The write itself checks again inside its transaction.
    pub async fn check_child_writable(&self, actor: &Actor, id: &str) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, id)
            .await
            .map(|_| ())
    }

    /// Version of a child the actor may see; NotFound for other centers, Forbidden (audited by
    /// the caller) for the actor's center but outside their assignment.
    pub(crate) async fn scoped_child_version(
        &self,
        tx: &mut crate::db::Conn,
        actor: &Actor,
        id: &str,
    ) -> Result<i64> {
        let row: Option<(String, i64)> =
            crate::db::query_as("SELECT center_id, version FROM children WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((center, version)) = row else {
            return Err(StoreError::NotFound);
        };
        // Only a coordinator's scope depends on assignment; skip that read for everyone else.
        let assigned = actor.assigned_only()
            && center == actor.center_id
            && crate::db::query_scalar::<String>(
                "SELECT child_id FROM child_coordinators WHERE child_id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(&actor.user_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        child_in_scope(actor, &center, assigned)?;
        Ok(version)
    }
}

/// The one rule for whether a child is in the actor's scope, given the child's center and
/// whether the actor is one of its coordinators: another center's child is
/// [`StoreError::NotFound`] (its existence is not revealed), an unassigned child of the center
/// is [`StoreError::Forbidden`] for roles that see only their assignments.
pub(crate) fn child_in_scope(actor: &Actor, center_id: &str, assigned: bool) -> Result<()> {
    if center_id != actor.center_id {
        return Err(StoreError::NotFound);
    }
    if actor.assigned_only() && !assigned {
        return Err(StoreError::Forbidden);
    }
    Ok(())
}
