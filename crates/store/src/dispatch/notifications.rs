//! A coordinator's inbox and in-app notifications (通知).

use chrono::{DateTime, Utc};
use domain::dispatch::DispatchStatus;

use super::{live_statuses, InboxEntry};
use crate::{ts, Actor, Result, Store};

impl Store {
    /// A coordinator's proposals and running dispatches.
    pub async fn coordinator_inbox(&self, actor: &Actor) -> Result<Vec<InboxEntry>> {
        let rows: Vec<InboxRow> = crate::db::query_as(&format!(
            "SELECT {INBOX_COLUMNS} {INBOX_FROM} WHERE c.user_id = $1 AND d.center_id = $2 AND d.status IN {} \
             ORDER BY CASE d.status WHEN 'proposed' THEN 0 ELSE 1 END, d.proposed_at DESC",
            live_statuses()
        ))
        .bind(&actor.user_id)
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().filter_map(InboxRow::into_entry).collect())
    }

    /// Marks every notification of the actor read.
    pub async fn mark_notifications_read(&self, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
        let w = self.begin_write().await?;
        let mut w = w;
        let n = crate::db::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(ts(now))
        .bind(&actor.user_id)
        .execute(&mut w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n)
    }
}

/// The columns of an [`InboxRow`], over [`INBOX_FROM`].
pub(super) const INBOX_COLUMNS: &str =
    "d.id AS dispatch_id, d.request_id, ch.family_name, ch.given_name, \
     r.municipality_code, d.status, r.urgency, d.proposed_on";

/// A coordinator's dispatches (`d`) with their request (`r`), roster entry (`c`) and child
/// (`ch`).
pub(super) const INBOX_FROM: &str =
    "FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
     JOIN dispatch_requests r ON r.id = d.request_id JOIN children ch ON ch.id = r.child_id";

/// One dispatch in a coordinator's inbox or home lists, by column name.
#[derive(sqlx::FromRow)]
pub(super) struct InboxRow {
    dispatch_id: String,
    request_id: String,
    family_name: String,
    given_name: String,
    municipality_code: String,
    status: String,
    urgency: String,
    proposed_on: String,
}

impl InboxRow {
    /// The entry; none for a status this version does not know.
    pub(super) fn into_entry(self) -> Option<InboxEntry> {
        Some(InboxEntry {
            dispatch_id: self.dispatch_id,
            request_id: self.request_id,
            child_name: format!("{} {}", self.family_name, self.given_name),
            municipality_code: self.municipality_code,
            status: DispatchStatus::parse(&self.status)?,
            urgency: self.urgency,
            proposed_on: self.proposed_on,
        })
    }
}
