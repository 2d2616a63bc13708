//! A coordinator's inbox and in-app notifications (通知).

use chrono::{DateTime, Utc};
use domain::dispatch::DispatchStatus;

use super::{live_statuses, InboxEntry};
use crate::{ts, Actor, Result, Store};

impl Store {
    /// A coordinator's proposals and running dispatches.
    pub async fn coordinator_inbox(&self, actor: &Actor) -> Result<Vec<InboxEntry>> {
        let rows: Vec<(String, String, String, String, String, String, String, String)> =
            crate::db::query_as(&format!(
                "SELECT d.id, d.request_id, ch.family_name, ch.given_name, r.municipality_code, d.status, r.urgency, d.proposed_on \
                 FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
                 JOIN children ch ON ch.id = r.child_id WHERE c.user_id = $1 AND d.center_id = $2 AND d.status IN {} \
                 ORDER BY CASE d.status WHEN 'proposed' THEN 0 ELSE 1 END, d.proposed_at DESC",
                live_statuses()
            ))
            .bind(&actor.user_id)
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(did, rid, f, g, m, status, urgency, on)| {
                Some(InboxEntry {
                    dispatch_id: did,
                    request_id: rid,
                    child_name: format!("{f} {g}"),
                    municipality_code: m,
                    status: DispatchStatus::parse(&status)?,
                    urgency,
                    proposed_on: on,
                })
            })
            .collect())
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
