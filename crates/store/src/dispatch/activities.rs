//! Activities and advice (活動記録・助言) on a dispatch.

use chrono::{DateTime, NaiveDate, Utc};
use domain::dispatch::DispatchStatus;
use domain::dispatch_input::activity::ActivityDraft;
use domain::messages;

use super::{
    checked_reason, event, is_lead, lead_users, live_statuses, notify, refresh_request_status,
    ActivityRecord, Msg, Notice,
};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

impl Store {
    /// Refuses as [`Store::record_activity`] would before it looks at the activity (NotFound
    /// for another center's dispatch, Forbidden unless the actor is its coordinator or a
    /// lead): asked by a handler whose form failed, so an outsider learns nothing.
    pub async fn check_activity_recordable(&self, actor: &Actor, dispatch_id: &str) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        dispatch_for_activity(&mut conn, actor, dispatch_id)
            .await
            .map(|_| ())
    }

    /// Records a parsed visit, call or meeting on a dispatch (the coordinator, or a lead for
    /// them). Not dated before the proposal ([`ActivityDraft::check_since`]); the first
    /// activity starts an accepted dispatch.
    pub async fn record_activity(
        &self,
        actor: &Actor,
        dispatch_id: &str,
        act: &ActivityDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_write().await?;
        let ActivityDispatch {
            request_id,
            status,
            coordinator_id: coord,
            coordinator_user: coord_user,
            child_id,
            proposed_on,
            proposed_by,
            own,
        } = dispatch_for_activity(&mut w.tx, actor, dispatch_id).await?;
        if let Ok(since) = proposed_on.parse::<NaiveDate>() {
            act.check_since(since)?;
        }
        let status = DispatchStatus::parse(&status).unwrap_or(DispatchStatus::Cancelled);
        if !matches!(status, DispatchStatus::Accepted | DispatchStatus::Active) {
            return Err(messages::dispatch::dispatch_not_active(status).into());
        }
        let id = new_id();
        crate::db::query(
            "INSERT INTO dispatch_activities (id, dispatch_id, center_id, coordinator_id, child_id, kind, on_date, minutes, \
             travel_tenths_km, travel_minutes, notes, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(&id)
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .bind(&coord)
        .bind(&child_id)
        .bind(act.kind.code())
        .bind(act.on.to_string())
        .bind(i64::from(act.minutes))
        .bind(i64::from(act.travel_tenths_km))
        .bind(i64::from(act.travel_minutes))
        .bind(act.notes.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        if status == DispatchStatus::Accepted {
            crate::db::query("UPDATE dispatches SET status = 'active' WHERE id = $1")
                .bind(dispatch_id)
                .execute(&mut w.tx)
                .await?;
            event(
                &mut w.tx,
                &request_id,
                Some(dispatch_id),
                actor,
                now,
                "start",
                None,
            )
            .await?;
            refresh_request_status(&mut w.tx, &request_id, now).await?;
        }
        // The advisor who proposed hears of the coordinator's work; the coordinator hears of
        // an activity an advisor recorded for them.
        let notice_to = if own {
            (proposed_by != actor.user_id).then_some(proposed_by)
        } else {
            coord_user.clone()
        };
        if let Some(uid) = notice_to {
            let (on, kind) = (act.on, act.kind.code());
            notify(
                &mut w.tx,
                &uid,
                now,
                Msg::of(|l| {
                    let k = domain::payment::ActivityKind::parse(kind)
                        .map(|k| k.label(l))
                        .unwrap_or(kind);
                    l.pick(
                        format!("{}の活動（{k}）が記録されました", on),
                        format!("An activity ({k}) on {on} was recorded"),
                    )
                }),
                &Notice {
                    kind: format!("activity.{kind}"),
                    request_id: &request_id,
                    detail: Some(on.to_string()),
                },
            )
            .await?;
        }
        event(
            &mut w.tx,
            &request_id,
            Some(dispatch_id),
            actor,
            now,
            "activity",
            Some(&format!("{} {} {}分", act.on, act.kind, act.minutes)),
        )
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.activity",
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!(
                    "activity={id} dispatch={dispatch_id} on={} kind={}",
                    act.on, act.kind
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Voids an activity entered by mistake (never deleted; an approved month then gets an
    /// amendment line).
    pub async fn void_activity(
        &self,
        actor: &Actor,
        activity_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_write().await?;
        let row: Option<(String, Option<String>, Option<String>)> = crate::db::query_as(
            "SELECT d.request_id, c.user_id, a.voided_at FROM dispatch_activities a JOIN dispatches d ON d.id = a.dispatch_id \
             JOIN coordinators c ON c.id = a.coordinator_id WHERE a.id = $1 AND a.center_id = $2",
        )
        .bind(activity_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let (request_id, coord_user, voided) = row.ok_or(StoreError::NotFound)?;
        if !(coord_user.as_deref() == Some(actor.user_id.as_str()) || is_lead(actor)) {
            return Err(StoreError::Forbidden);
        }
        let reason = checked_reason("reason", reason, messages::dispatch::void_reason_too_short)?;
        if voided.is_some() {
            return Err(messages::dispatch::activity_already_voided().into());
        }
        crate::db::query(
            "UPDATE dispatch_activities SET voided_at = $1, void_reason = $2 WHERE id = $3",
        )
        .bind(ts(now))
        .bind(&reason)
        .bind(activity_id)
        .execute(&mut w.tx)
        .await?;
        event(
            &mut w.tx,
            &request_id,
            None,
            actor,
            now,
            "activity_voided",
            Some(&reason),
        )
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.activity.void",
                entity: "dispatch_request",
                entity_id: Some(&request_id),
                detail: format!("activity={activity_id}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(request_id)
    }

    /// Advice on a request (助言): a coordinator on it asks, an advisor or admin answers.
    /// Both land on the timeline and notify the other side.
    pub async fn add_advice(
        &self,
        actor: &Actor,
        request_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_write().await?;
        let (_, _, _, _, as_coordinator) =
            self.visible_request(&mut w.tx, actor, request_id).await?;
        let lead = is_lead(actor);
        if !(lead || as_coordinator) {
            return Err(StoreError::Forbidden);
        }
        // Scope before input: an out-of-scope caller learns nothing from field errors.
        let body = domain::text::optional_text("text", text, 4000)?
            .ok_or_else(messages::dispatch::advice_text_required)?;
        let kind = if lead { "advice_given" } else { "advice_asked" };
        event(&mut w.tx, request_id, None, actor, now, kind, Some(&body)).await?;
        let notice = Notice {
            kind: kind.to_string(),
            request_id,
            detail: Some(actor.display_name.clone()),
        };
        let recipients: Vec<String> = if lead {
            crate::db::query_scalar::<Option<String>>(&format!(
                "SELECT c.user_id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 AND d.status IN {}",
                live_statuses()
            ))
            .bind(request_id)
            .fetch_all(&mut w.tx)
            .await?
            .into_iter()
            .flatten()
            .collect()
        } else {
            lead_users(&mut w.tx, &actor.center_id).await?
        };
        let who = actor.display_name.clone();
        for uid in recipients.into_iter().filter(|u| *u != actor.user_id) {
            let text = if lead {
                Msg::of(|l| {
                    l.pick(
                        format!("{who}さんから助言がありました"),
                        format!("Advice from {who}"),
                    )
                })
            } else {
                Msg::of(|l| {
                    l.pick(
                        format!("{who}さんが助言を求めています"),
                        format!("{who} asks for advice"),
                    )
                })
            };
            notify(&mut w.tx, &uid, now, text, &notice).await?;
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: if lead {
                    "dispatch.advice"
                } else {
                    "dispatch.advice.ask"
                },
                entity: "dispatch_request",
                entity_id: Some(request_id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }
}

/// The dispatch an activity is recorded on, as [`dispatch_for_activity`] reads it.
struct ActivityDispatch {
    request_id: String,
    status: String,
    coordinator_id: String,
    coordinator_user: Option<String>,
    child_id: String,
    proposed_on: String,
    proposed_by: String,
    /// The actor is the dispatch's coordinator.
    own: bool,
}

/// The dispatch of the actor's center, if the actor may record on it (its coordinator or a
/// lead): NotFound or Forbidden otherwise.
async fn dispatch_for_activity(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    dispatch_id: &str,
) -> Result<ActivityDispatch> {
    let row: Option<(String, String, String, Option<String>, String, String, String)> = crate::db::query_as(
        "SELECT d.request_id, d.status, d.coordinator_id, c.user_id, r.child_id, d.proposed_on, d.proposed_by FROM dispatches d \
         JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
         WHERE d.id = $1 AND d.center_id = $2",
    )
    .bind(dispatch_id)
    .bind(&actor.center_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (request_id, status, coordinator_id, coordinator_user, child_id, proposed_on, proposed_by) =
        row.ok_or(StoreError::NotFound)?;
    let own = coordinator_user.as_deref() == Some(actor.user_id.as_str());
    if !(own || is_lead(actor)) {
        return Err(StoreError::Forbidden);
    }
    Ok(ActivityDispatch {
        request_id,
        status,
        coordinator_id,
        coordinator_user,
        child_id,
        proposed_on,
        proposed_by,
        own,
    })
}

pub(super) async fn activities_of(
    conn: &mut crate::db::Conn,
    cond: &str,
    bind: &str,
) -> Result<Vec<ActivityRecord>> {
    let rows: Vec<(String, String, String, String, String, i64, i64, i64, Option<String>, Option<String>, Option<String>)> =
        crate::db::query_as(&format!(
            "SELECT a.id, a.dispatch_id, c.name, a.kind, a.on_date, a.minutes, a.travel_tenths_km, a.travel_minutes, a.notes, \
             a.voided_at, a.void_reason FROM dispatch_activities a JOIN coordinators c ON c.id = a.coordinator_id \
             WHERE {cond} ORDER BY a.on_date DESC, a.created_at DESC"
        ))
        .bind(bind)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, did, name, kind, on, m, km, tm, notes, v, vr)| ActivityRecord {
                id,
                dispatch_id: did,
                coordinator_name: name,
                kind,
                on_date: on,
                minutes: m,
                travel_tenths_km: km,
                travel_minutes: tm,
                notes,
                voided_at: v,
                void_reason: vr,
            },
        )
        .collect())
}
