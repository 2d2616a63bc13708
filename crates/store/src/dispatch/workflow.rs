//! The dispatch workflow after a proposal: accept, decline and other actions, and cancelling a request.

use chrono::{DateTime, Utc};
use domain::dispatch::{DispatchAction, DispatchStatus};
use domain::messages;

use super::{
    checked_reason, deny_unless_lead, event, is_lead, live_statuses, notify,
    refresh_request_status, Msg, Notice,
};
use crate::audit::{append, AuditEntry};
use crate::{ts, Actor, Result, Store, StoreError};

impl Store {
    /// Changes a dispatch's state (`action`: a [`DispatchAction`] code): the coordinator
    /// themself, or an advisor/admin (who also answers for an external coordinator). Decline
    /// and cancel need a reason. Accepting assigns the coordinator to the child.
    pub async fn dispatch_action(
        &self,
        actor: &Actor,
        dispatch_id: &str,
        action: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let today = domain::dates::jst_date(now);
        let mut w = self.begin_write().await?;
        let row: Option<(String, String, String, Option<String>, String, String, String)> = crate::db::query_as(
            "SELECT d.request_id, d.status, d.coordinator_id, c.user_id, r.child_id, d.proposed_by, c.name FROM dispatches d \
             JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
             WHERE d.id = $1 AND d.center_id = $2",
        )
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let (request_id, status, _coord, coord_user, child_id, proposed_by, coord_name) =
            row.ok_or(StoreError::NotFound)?;
        let own = coord_user.as_deref() == Some(actor.user_id.as_str());
        if !(own || is_lead(actor)) {
            return Err(StoreError::Forbidden);
        }
        let action = DispatchAction::parse(action).ok_or_else(messages::dispatch::choose_action)?;
        if !is_lead(actor) && action == DispatchAction::Withdraw {
            return Err(StoreError::Forbidden);
        }
        let status = DispatchStatus::parse(&status)
            .ok_or_else(|| StoreError::Config(format!("dispatch {dispatch_id} status")))?;
        let Some(next) = status.after(action) else {
            return Err(status.refusal(action).into());
        };
        let reason = if action.needs_reason() {
            Some(checked_reason("reason", reason, |f, min| {
                messages::dispatch::action_reason_too_short(f, action, min)
            })?)
        } else {
            domain::text::optional_text("reason", reason, 1000)?
        };
        let answered = matches!(action, DispatchAction::Accept | DispatchAction::Decline);
        let closes = matches!(
            next,
            DispatchStatus::Declined
                | DispatchStatus::Withdrawn
                | DispatchStatus::Completed
                | DispatchStatus::Cancelled
        );
        crate::db::query(
            "UPDATE dispatches SET status = $1, responded_at = CASE WHEN $2 = 1 THEN $3 ELSE responded_at END, \
             responded_on = CASE WHEN $2 = 1 THEN $4 ELSE responded_on END, \
             decline_reason = COALESCE($5, decline_reason), closed_at = CASE WHEN $6 = 1 THEN $3 ELSE closed_at END WHERE id = $7",
        )
        .bind(next.code())
        .bind(i64::from(answered))
        .bind(ts(now))
        .bind(today.to_string())
        .bind(if action.needs_reason() { reason.as_deref() } else { None })
        .bind(i64::from(closes))
        .bind(dispatch_id)
        .execute(&mut w.tx)
        .await?;
        // Accepting gives the coordinator the child (dispatch-origin access); closing their
        // dispatch starts the 30 days after which that access lapses (scope.rs).
        if let Some(uid) = &coord_user {
            if action == DispatchAction::Accept {
                crate::scope::grant_dispatch_access(&mut w.tx, &child_id, uid).await?;
            }
            crate::scope::refresh_dispatch_access(&mut w.tx, &child_id, uid).await?;
        }
        event(
            &mut w.tx,
            &request_id,
            Some(dispatch_id),
            actor,
            now,
            action.code(),
            reason.as_deref(),
        )
        .await?;
        // Tell the other side: the proposer hears the coordinator's answer, the coordinator
        // hears what the advisor did.
        let notice = Notice {
            kind: format!("action.{}", next.code()),
            request_id: &request_id,
            detail: Some(coord_name.clone()),
        };
        let text = Msg::of(|l| {
            l.pick(
                format!("{coord_name}さんの派遣: {}", next.label(l)),
                format!("Dispatch of {coord_name}: {}", next.label(l)),
            )
        });
        if own {
            if proposed_by != actor.user_id {
                notify(&mut w.tx, &proposed_by, now, text, &notice).await?;
            }
        } else if let Some(uid) = &coord_user {
            notify(&mut w.tx, uid, now, text, &notice).await?;
        }
        refresh_request_status(&mut w.tx, &request_id, now).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: &format!("dispatch.{}", action.code()),
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!(
                    "dispatch={dispatch_id} {}→{}{}",
                    status.code(),
                    next.code(),
                    if own { "" } else { " on_behalf" }
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(request_id)
    }

    /// Cancels a whole request (advisors and admins): every live dispatch on it is cancelled.
    pub async fn cancel_dispatch_request(
        &self,
        actor: &Actor,
        request_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deny_unless_lead(actor)?;
        let reason = checked_reason(
            "reason",
            reason,
            messages::dispatch::cancel_reason_too_short,
        )?;
        let mut w = self.begin_write().await?;
        let status: Option<String> = crate::db::query_scalar(
            "SELECT status FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("completed" | "cancelled") => {
                return Err(messages::dispatch::request_already_closed().into())
            }
            Some(_) => {}
        }
        let users: Vec<Option<String>> = crate::db::query_scalar(&format!(
            "SELECT c.user_id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.request_id = $1 AND d.status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(&mut w.tx)
        .await?;
        crate::db::query(&format!(
            "UPDATE dispatches SET status = CASE WHEN status = 'proposed' THEN 'withdrawn' ELSE 'cancelled' END, closed_at = $1 \
             WHERE request_id = $2 AND status IN {}",
            live_statuses()
        ))
        .bind(ts(now))
        .bind(request_id)
        .execute(&mut w.tx)
        .await?;
        crate::db::query(
            "UPDATE dispatch_requests SET status = 'cancelled', updated_at = $1 WHERE id = $2",
        )
        .bind(ts(now))
        .bind(request_id)
        .execute(&mut w.tx)
        .await?;
        let child_id: String =
            crate::db::query_scalar("SELECT child_id FROM dispatch_requests WHERE id = $1")
                .bind(request_id)
                .fetch_one(&mut w.tx)
                .await?;
        for uid in users.iter().flatten() {
            crate::scope::refresh_dispatch_access(&mut w.tx, &child_id, uid).await?;
        }
        event(
            &mut w.tx,
            request_id,
            None,
            actor,
            now,
            "request_cancelled",
            Some(&reason),
        )
        .await?;
        for uid in users.into_iter().flatten() {
            notify(
                &mut w.tx,
                &uid,
                now,
                Msg::of(|l| {
                    l.pick(
                        "派遣依頼が中止されました".to_string(),
                        "A dispatch request was cancelled.".to_string(),
                    )
                }),
                &Notice {
                    kind: "cancelled".into(),
                    request_id,
                    detail: None,
                },
            )
            .await?;
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.request.cancel",
                entity: "dispatch_request",
                entity_id: Some(request_id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }
}
