//! Dispatch requests (派遣依頼): lookups for forms, create, list and read a request.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::dispatch::{DispatchStatus, RequestDraft};
use domain::messages;

use super::activities::activities_of;
use super::{
    event, join, lead_users, live_statuses, notify, split, DispatchLine, Msg, Notice,
    RequestDetail, RequestSummary, TimelineEntry,
};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

impl Store {
    /// A child's name, when the child is in the actor's scope (for the request form).
    pub async fn child_name(&self, actor: &Actor, child_id: &str) -> Result<Option<String>> {
        let mut conn = self.pool().acquire().await?;
        match self.scoped_child_version(&mut conn, actor, child_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound | StoreError::Forbidden) => return Ok(None),
            Err(e) => return Err(e),
        }
        let row: Option<(String, String)> =
            crate::db::query_as("SELECT family_name, given_name FROM children WHERE id = $1")
                .bind(child_id)
                .fetch_optional(&mut conn)
                .await?;
        Ok(row.map(|(f, g)| format!("{f} {g}")))
    }

    /// The actor's own dispatches on a request (as a coordinator with a login).
    pub async fn my_dispatch_ids(&self, actor: &Actor, request_id: &str) -> Result<Vec<String>> {
        Ok(crate::db::query_scalar(
            "SELECT d.id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.request_id = $1 AND c.user_id = $2 AND d.center_id = $3",
        )
        .bind(request_id)
        .bind(&actor.user_id)
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The request a dispatch of the actor's center belongs to.
    pub async fn request_of_dispatch(&self, actor: &Actor, dispatch_id: &str) -> Result<String> {
        crate::db::query_scalar(
            "SELECT request_id FROM dispatches WHERE id = $1 AND center_id = $2",
        )
        .bind(dispatch_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// The request an activity of the actor's center belongs to.
    pub async fn request_of_activity(&self, actor: &Actor, activity_id: &str) -> Result<String> {
        crate::db::query_scalar(
            "SELECT d.request_id FROM dispatch_activities a JOIN dispatches d ON d.id = a.dispatch_id \
             WHERE a.id = $1 AND a.center_id = $2",
        )
        .bind(activity_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Creates a dispatch request (派遣依頼) for a child in the actor's scope; the municipality
    /// comes from the child. Staff who write records, not coordinators.
    pub async fn create_dispatch_request(
        &self,
        actor: &Actor,
        draft: &RequestDraft,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        let child: Option<(String, String)> =
            crate::db::query_as("SELECT center_id, municipality_code FROM children WHERE id = $1")
                .bind(&draft.child_id)
                .fetch_optional(&mut w.tx)
                .await?;
        let Some((_, municipality)) = child.filter(|(c, _)| *c == actor.center_id) else {
            return Err(messages::common::child_not_found().into());
        };
        if let Some(cid) = &draft.consultation_id {
            let ok: Option<String> = crate::db::query_scalar(
                "SELECT id FROM consultations WHERE id = $1 AND center_id = $2",
            )
            .bind(cid)
            .bind(&actor.center_id)
            .fetch_optional(&mut w.tx)
            .await?;
            if ok.is_none() {
                return Err(messages::common::consultation_not_found().into());
            }
        }
        let id = new_id();
        let topics: Vec<&str> = draft.topics.iter().map(|t| t.as_str()).collect();
        crate::db::query(
            "INSERT INTO dispatch_requests (id, center_id, child_id, consultation_id, municipality_code, topics, sides, urgency, \
             preferred_dates, note, status, created_by, created_at, requested_on, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'open',$11,$12,$13,$12)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(&draft.child_id)
        .bind(draft.consultation_id.as_deref())
        .bind(&municipality)
        .bind(join(&topics))
        .bind(draft.sides.code())
        .bind(draft.urgency.code())
        .bind(draft.preferred_dates.as_deref())
        .bind(draft.note.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .bind(today.to_string())
        .execute(&mut w.tx)
        .await?;
        event(
            &mut w.tx,
            &id,
            None,
            actor,
            now,
            "requested",
            draft.note.as_deref(),
        )
        .await?;
        for lead in lead_users(&mut w.tx, &actor.center_id).await? {
            if lead != actor.user_id {
                notify(
                    &mut w.tx,
                    &lead,
                    now,
                    Msg::of(|l| {
                        l.pick(
                            format!("新しい派遣依頼（{}）があります", draft.urgency.label(l)),
                            format!("New dispatch request ({})", draft.urgency.label(l)),
                        )
                    }),
                    &Notice {
                        kind: "request".into(),
                        request_id: &id,
                        detail: None,
                    },
                )
                .await?;
            }
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.request",
                entity: "dispatch_request",
                entity_id: Some(&id),
                detail: format!(
                    "child={} sides={} urgency={}",
                    draft.child_id,
                    draft.sides.code(),
                    draft.urgency.code()
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Requests of the actor's center; `status` filters (`open`, `proposed`, `active`,
    /// `completed`, `cancelled`, or empty for all but completed/cancelled).
    pub async fn list_dispatch_requests(
        &self,
        actor: &Actor,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequestSummary>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let cond = match status {
            "open" | "proposed" | "active" | "completed" | "cancelled" => {
                format!("r.status = '{status}'")
            }
            _ => "r.status IN ('open','proposed','active')".to_string(),
        };
        let rows: Vec<(String, String, String, String, String, String, String, String, String, String)> =
            crate::db::query_as(&format!(
                "SELECT r.id, r.child_id, ch.family_name, ch.given_name, r.municipality_code, r.topics, r.sides, r.urgency, r.status, r.requested_on \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id \
                 WHERE r.center_id = $1 AND {cond} ORDER BY r.created_at DESC, r.id DESC LIMIT 500"
            ))
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        let names: Vec<(String, String)> = crate::db::query_as(&format!(
            "SELECT d.request_id, c.name FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.center_id = $1 AND d.status IN {} ORDER BY d.proposed_at",
            live_statuses()
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let mut by_req: HashMap<String, Vec<String>> = HashMap::new();
        for (r, n) in names {
            by_req.entry(r).or_default().push(n);
        }
        let out: Vec<RequestSummary> = rows
            .into_iter()
            .map(
                |(id, child_id, f, g, m, topics, sides, urgency, status, on)| RequestSummary {
                    coordinators: by_req.get(&id).map(|v| v.join("、")).unwrap_or_default(),
                    id,
                    child_id,
                    child_name: format!("{f} {g}"),
                    municipality_code: m,
                    topics: split(&topics),
                    sides,
                    urgency,
                    status,
                    requested_on: on,
                },
            )
            .collect();
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.list",
                entity: "dispatch_request",
                entity_id: None,
                detail: format!("status={status} rows={}", out.len()),
            },
        )
        .await?;
        Ok(out)
    }

    /// Loads a request the actor may see: leads and staff of the center, or a coordinator
    /// with a dispatch on it. Returns (summary, consultation, preferred, note, as_coordinator).
    pub(super) async fn visible_request(
        &self,
        conn: &mut crate::db::Conn,
        actor: &Actor,
        id: &str,
    ) -> Result<(
        RequestSummary,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
    )> {
        let row: Option<(String, String, String, String, String, String, String, String, String, String, Option<String>, Option<String>, Option<String>)> =
            crate::db::query_as(
                "SELECT r.id, r.child_id, ch.family_name, ch.given_name, r.municipality_code, r.topics, r.sides, r.urgency, r.status, \
                 r.requested_on, r.consultation_id, r.preferred_dates, r.note \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id WHERE r.id = $1 AND r.center_id = $2",
            )
            .bind(id)
            .bind(&actor.center_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some((rid, child_id, f, g, m, topics, sides, urgency, status, on, cons, pref, note)) =
            row
        else {
            return Err(StoreError::NotFound);
        };
        let as_coordinator = actor.assigned_only();
        if as_coordinator {
            let mine: Option<String> = crate::db::query_scalar(
                "SELECT d.id FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 AND c.user_id = $2 LIMIT 1",
            )
            .bind(id)
            .bind(&actor.user_id)
            .fetch_optional(&mut *conn)
            .await?;
            if mine.is_none() {
                return Err(StoreError::Forbidden);
            }
        } else if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        Ok((
            RequestSummary {
                id: rid,
                child_id,
                child_name: format!("{f} {g}"),
                municipality_code: m,
                topics: split(&topics),
                sides,
                urgency,
                status,
                coordinators: String::new(),
                requested_on: on,
            },
            cons,
            pref,
            note,
            as_coordinator,
        ))
    }

    /// A request with its dispatches, timeline and activities (audited as a view).
    pub async fn dispatch_request_detail(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestDetail> {
        let mut conn = self.pool().acquire().await?;
        let (mut summary, consultation_id, preferred_dates, note, as_coordinator) =
            self.visible_request(&mut conn, actor, id).await?;
        let rows: Vec<(String, String, String, Option<String>, Option<String>, String, Option<i64>, String, Option<String>, Option<String>, String, Option<String>)> =
            crate::db::query_as(
                "SELECT d.id, d.coordinator_id, c.name, c.user_id, d.side, d.status, d.score, d.reasons, d.override_reason, \
                 d.decline_reason, d.proposed_on, d.responded_on FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
                 WHERE d.request_id = $1 ORDER BY d.proposed_at DESC, d.id DESC",
            )
            .bind(id)
            .fetch_all(&mut conn)
            .await?;
        let dispatches: Vec<DispatchLine> = rows
            .into_iter()
            .filter_map(
                |(did, cid, name, uid, side, status, score, reasons, ov, dec, pon, ron)| {
                    Some(DispatchLine {
                        id: did,
                        coordinator_id: cid,
                        coordinator_name: name,
                        external: uid.is_none(),
                        side,
                        status: DispatchStatus::parse(&status)?,
                        score,
                        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                        override_reason: ov,
                        decline_reason: dec,
                        proposed_on: pon,
                        responded_on: ron,
                    })
                },
            )
            .collect();
        summary.coordinators = dispatches
            .iter()
            .filter(|d| d.status.holds_case())
            .map(|d| d.coordinator_name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        let timeline: Vec<(String, String, String, Option<String>)> = crate::db::query_as(
            "SELECT e.at, u.display_name, e.kind, e.body FROM dispatch_events e JOIN users u ON u.id = e.actor_id \
             WHERE e.request_id = $1 ORDER BY e.at, e.id",
        )
        .bind(id)
        .fetch_all(&mut conn)
        .await?;
        let activities = activities_of(
            &mut conn,
            "a.dispatch_id IN (SELECT id FROM dispatches WHERE request_id = $1)",
            id,
        )
        .await?;
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.view",
                entity: "dispatch_request",
                entity_id: Some(id),
                detail: format!("child={}", summary.child_id),
            },
        )
        .await?;
        Ok(RequestDetail {
            summary,
            consultation_id,
            preferred_dates,
            note,
            dispatches,
            timeline: timeline
                .into_iter()
                .map(|(at, actor, kind, body)| TimelineEntry {
                    at,
                    actor,
                    kind,
                    body,
                })
                .collect(),
            activities,
            as_coordinator,
        })
    }
}
