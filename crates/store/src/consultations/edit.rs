//! Editing a consultation and its course (経過): update, course entries and follow-ups.

use chrono::{DateTime, NaiveDate, Utc};
use domain::consultation::{ConsultationDraft, CourseDraft};
use domain::messages::consultation as msg;

use super::persons::subject_person;
use super::{consultation_scope, fetch_consultations, Consultation, ConsultationForm, CourseEntry};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// Version of a consultation the actor may see, by the same rules as the list
/// ([`consultation_scope`]): NotFound when missing or another center's, Forbidden when in the
/// actor's center but outside their scope (a coordinator's unassigned case).
pub(super) async fn scoped_consultation_version(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    id: &str,
) -> Result<i64> {
    let mut binds = Vec::new();
    let scope = consultation_scope(actor, &mut binds)?;
    binds.push(id.to_string());
    let sql = format!(
        "SELECT k.version FROM consultations k WHERE {scope} AND k.id = ${}",
        binds.len()
    );
    let mut query = crate::db::query_scalar::<i64>(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    if let Some(v) = query.fetch_optional(&mut *conn).await? {
        return Ok(v);
    }
    let in_center: Option<String> =
        crate::db::query_scalar("SELECT id FROM consultations WHERE id = $1 AND center_id = $2")
            .bind(id)
            .bind(&actor.center_id)
            .fetch_optional(&mut *conn)
            .await?;
    Err(if in_center.is_some() {
        StoreError::Forbidden
    } else {
        StoreError::NotFound
    })
}

impl Store {
    /// Refuses as a write of this consultation would; see [`Store::check_child_writable`].
    pub async fn check_consultation_writable(&self, actor: &Actor, id: &str) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool().acquire().await?;
        scoped_consultation_version(&mut conn, actor, id)
            .await
            .map(|_| ())
    }

    /// The stored consultation in form shape (for PATCH: overlay changed keys, re-parse).
    pub fn consultation_form(c: &Consultation) -> ConsultationForm {
        ConsultationForm {
            occurred_at: c.occurred_at.clone(),
            channel: c.channel.clone(),
            requester_kind: c.requester_kind.clone(),
            requester_name: c.requester_name.clone().unwrap_or_default(),
            requester_org: c.requester_org.clone().unwrap_or_default(),
            child_id: c.child_id.clone().unwrap_or_default(),
            person_id: c.person_id.clone().unwrap_or_default(),
            person: None,
            topics: c.topics.clone(),
            summary: c.summary.clone(),
            response: c.response.clone().unwrap_or_default(),
            staff_id: c.staff_id.clone(),
            duration_minutes: c.duration_minutes,
            followup_due: c.followup_due.clone().unwrap_or_default(),
            followup_assignee_id: c.followup_assignee_id.clone().unwrap_or_default(),
        }
    }

    /// Replace a consultation's fields (the edit page, and the API's PATCH after merging).
    /// `expected_version` guards against overwriting a change made by someone else since the
    /// form was loaded; the statistics aggregates move with the record (old contribution out,
    /// new one in) in the same transaction.
    pub async fn update_consultation(
        &self,
        actor: &Actor,
        id: &str,
        d: &ConsultationDraft,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        // Scope before the references: an out-of-scope caller learns nothing about the record.
        let version = scoped_consultation_version(&mut w.tx, actor, id).await?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(
                "the consultation was changed by someone else".into(),
            ));
        }
        let municipality = self.check_consultation_refs(&mut w.tx, actor, d).await?;
        let (person_id, _) = subject_person(&mut w.tx, actor, d, now).await?;
        let (staff, assignee) = super::staff_and_assignee(actor, d);
        crate::stats::apply(&mut w.tx, id, -1).await?;
        // Guarded by the version read above: on PostgreSQL a concurrent edit that committed
        // meanwhile leaves no row to update, so neither the record nor the aggregates (whose
        // old contribution was read above) can be overwritten from a stale read.
        let updated = crate::db::query(
            "UPDATE consultations SET occurred_at=$1, occurred_on=$2, channel=$3, requester_kind=$4, requester_name=$5, requester_org=$6, \
             child_id=$7, person_id=$8, summary=$9, response=$10, staff_id=$11, duration_minutes=$12, followup_due=$13, followup_assignee_id=$14, \
             municipality_code=$15, updated_at=$16, version=version+1 WHERE id=$17 AND version=$18",
        )
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
        .bind(id)
        .bind(version)
        .execute(&mut w.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the consultation was changed by someone else".into(),
            ));
        }
        super::write_topics(&mut w.tx, id, &d.topics).await?;
        crate::stats::apply(&mut w.tx, id, 1).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.update",
                entity: "consultation",
                entity_id: Some(id),
                detail: format!("version={}", version + 1),
            },
        )
        .await?;
        w.commit().await
    }

    /// Add a dated entry to a consultation's course (経過). Entries are never edited: the
    /// course reads as it was written. Returns the entry's id.
    pub async fn add_course_entry(
        &self,
        actor: &Actor,
        id: &str,
        entry_draft: &CourseDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        scoped_consultation_version(&mut w.tx, actor, id).await?;
        let (date, body) = (entry_draft.entry_date, &entry_draft.body);
        let entry = new_id();
        crate::db::query(
            "INSERT INTO consultation_course_entries (id, consultation_id, entry_date, body, author_id, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&entry)
        .bind(id)
        .bind(date.to_string())
        .bind(body)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.course_add",
                entity: "consultation",
                entity_id: Some(id),
                detail: format!("entry={entry} date={date}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(entry)
    }

    /// Mark a consultation's follow-up done (idempotent: a second call changes nothing).
    pub async fn complete_followup(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let c = self.get_consultation(actor, id).await?;
        if c.followup_due.is_none() {
            return Err(msg::no_followup().into());
        }
        if c.followup_done_at.is_some() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        crate::db::query("UPDATE consultations SET followup_done_at = $1, updated_at = $1 WHERE id = $2 AND followup_done_at IS NULL")
            .bind(ts(now))
            .bind(id)
            .execute(&mut w.tx)
            .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.followup_done",
                entity: "consultation",
                entity_id: Some(id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }

    /// The actor's open follow-ups due on or before `today` (overdue first).
    pub(crate) async fn my_due_followups(
        &self,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Vec<Consultation>> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        binds.push(actor.user_id.clone());
        let me = binds.len();
        binds.push(today.to_string());
        let day = binds.len();
        let sql = format!(
            "WHERE {scope} AND k.followup_assignee_id = ${me} AND k.followup_done_at IS NULL AND k.followup_due <= ${day} \
             ORDER BY k.followup_due, k.id LIMIT 100",
        );
        fetch_consultations(self, "consultations k", &sql, &binds).await
    }
}

/// A consultation's course entries, oldest first (same day: in the order written).
pub(super) async fn course_entries(
    conn: &mut crate::db::Conn,
    id: &str,
) -> Result<Vec<CourseEntry>> {
    let rows: Vec<(String, String, String, String, String, String)> = crate::db::query_as(
        "SELECT e.id, e.entry_date, e.body, e.author_id, u.display_name, e.created_at \
         FROM consultation_course_entries e JOIN users u ON u.id = e.author_id \
         WHERE e.consultation_id = $1 ORDER BY e.entry_date, e.created_at, e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, entry_date, body, author_id, author_name, created_at)| CourseEntry {
                id,
                entry_date,
                body,
                author_id,
                author_name,
                created_at,
            },
        )
        .collect())
}
