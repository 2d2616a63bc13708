//! Recording a consultation (受付): parsing and checking the form, its references and the insert.

use chrono::{DateTime, Utc};
use domain::consultation::ConsultationDraft;
use domain::messages::consultation as msg;
use domain::ValidationErrors;

use super::persons::subject_person;
use super::Recorded;
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

impl Store {
    /// Record a parsed consultation ([`domain::consultation::ConsultationForm::parse`]; the
    /// intake form's one submit). Creates the lightweight person record when one is given
    /// inline, all in one transaction. Returns the new id.
    pub async fn record_consultation(
        &self,
        actor: &Actor,
        draft: &ConsultationDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        Ok(self.record_consultation_linked(actor, draft, now).await?.id)
    }

    /// [`Store::record_consultation`], also saying whether an inline unregistered person was
    /// linked to an earlier record of the same person (same normalised name and reading in
    /// the center) instead of creating a new one.
    pub async fn record_consultation_linked(
        &self,
        actor: &Actor,
        d: &ConsultationDraft,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        let municipality = self.check_consultation_refs(&mut w.tx, actor, d).await?;
        let (person_id, person_linked) = subject_person(&mut w.tx, actor, d, now).await?;
        let id = new_id();
        let (staff, assignee) = super::staff_and_assignee(actor, d);
        crate::db::query(
            "INSERT INTO consultations (id, center_id, occurred_at, occurred_on, channel, requester_kind, requester_name, requester_org, \
             child_id, person_id, summary, response, staff_id, duration_minutes, followup_due, followup_assignee_id, municipality_code, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(ts(d.occurred_at))
        .bind(d.occurred_at.with_timezone(&domain::dates::jst()).date_naive().to_string())
        .bind(d.channel.as_str())
        .bind(d.requester_kind.as_str())
        .bind(&d.requester_name)
        .bind(&d.requester_org)
        .bind(d.child_id.map(|c| c.to_string()))
        .bind(&person_id)
        .bind(&d.summary)
        .bind(&d.response)
        .bind(&staff)
        .bind(d.duration_minutes)
        .bind(d.followup_due.map(|x| x.to_string()))
        .bind(&assignee)
        .bind(&municipality)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        super::write_topics(&mut w.tx, &id, &d.topics).await?;
        crate::stats::apply(&mut w.tx, &id, 1).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.create",
                entity: "consultation",
                entity_id: Some(&id),
                detail: match (d.child_id, &person_id) {
                    (Some(c), _) => format!("child={c}"),
                    (None, Some(p)) if person_linked => format!("person={p} linked"),
                    _ => String::new(),
                },
            },
        )
        .await?;
        w.commit().await?;
        Ok(Recorded {
            id,
            person_id,
            person_linked,
        })
    }

    /// Check the child, person and staff a consultation refers to are in the actor's reach;
    /// returns the child's municipality (copied onto the consultation for area figures).
    pub(super) async fn check_consultation_refs(
        &self,
        tx: &mut crate::db::Conn,
        actor: &Actor,
        d: &ConsultationDraft,
    ) -> Result<Option<String>> {
        let mut errs = ValidationErrors::new();
        let mut municipality = None;
        if let Some(child) = &d.child_id {
            let row: Option<(String, String)> = crate::db::query_as(
                "SELECT center_id, municipality_code FROM children WHERE id = $1",
            )
            .bind(child.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some((center, m)) if center == actor.center_id => {
                    if actor.assigned_only() {
                        let ok: Option<String> = crate::db::query_scalar("SELECT child_id FROM child_coordinators WHERE child_id = $1 AND user_id = $2")
                            .bind(child.to_string())
                            .bind(&actor.user_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if ok.is_none() {
                            return Err(StoreError::Forbidden);
                        }
                    }
                    municipality = Some(m);
                }
                _ => errs.push(msg::unknown_child()),
            }
        }
        if let Some(p) = &d.person_id {
            let found: Option<String> =
                crate::db::query_scalar("SELECT id FROM persons WHERE id = $1 AND center_id = $2")
                    .bind(p.to_string())
                    .bind(&actor.center_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                errs.push(msg::unknown_person());
            }
        }
        for (field, uid) in [
            ("staff_id", &d.staff_id),
            ("followup_assignee_id", &d.followup_assignee_id),
        ] {
            if let Some(uid) = uid {
                let found: Option<String> = crate::db::query_scalar(
                    "SELECT id FROM users WHERE id = $1 AND center_id = $2",
                )
                .bind(uid.to_string())
                .bind(&actor.center_id)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    errs.push(msg::unknown_user(field));
                }
            }
        }
        errs.into_result()?;
        Ok(municipality)
    }
}
