//! Reading consultations: the list with its filters, one consultation and its audited view.

use chrono::{DateTime, TimeZone as _, Utc};
use domain::ValidationErrors;

use super::edit::{course_entries, scoped_consultation_version};
use super::{
    consultation_scope, fetch_consultations, select_sql, Consultation, ConsultationPage,
    ConsultationQuery, ConsultationRecord,
};
use crate::audit::AuditEntry;
use crate::{ts, Actor, Result, Store, StoreError, Via};

/// The stored timestamp of 00:00 Japan time on `day`.
fn jst_day_start(day: chrono::NaiveDate) -> String {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    match domain::dates::jst().from_local_datetime(&midnight).single() {
        Some(t) => ts(t.with_timezone(&Utc)),
        None => ts(midnight.and_utc()),
    }
}

impl Store {
    /// List consultations visible to the actor, newest first, keyset-paginated. Audited
    /// (`consultation.list`, with the number of rows) before it returns.
    pub async fn list_consultations(
        &self,
        actor: &Actor,
        q: &ConsultationQuery,
        now: DateTime<Utc>,
        via: Via,
    ) -> Result<ConsultationPage> {
        let page = self.find_consultations(actor, q).await?;
        self.audit_list_read(
            actor,
            now,
            "consultation.list",
            via,
            format!("results={}", page.items.len()),
        )
        .await?;
        Ok(page)
    }

    /// [`Store::list_consultations`] without its audit row, for use cases that audit the
    /// read under their own name (a break-the-glass timeline is part of `child.view`).
    pub(crate) async fn find_consultations(
        &self,
        actor: &Actor,
        q: &ConsultationQuery,
    ) -> Result<ConsultationPage> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        let topic = q.topic.trim();
        // With a topic, the page is read off the topic rows' (center, code, time) index, which
        // carries each consultation's time; otherwise off the consultations' (center, time).
        // `CROSS JOIN` keeps SQLite from starting at the consultations instead (PostgreSQL
        // treats it as an inner join and plans it on its own).
        let (from, mut sql, at, id) = if topic.is_empty() {
            (
                "consultations k",
                format!("WHERE {scope}"),
                "k.occurred_at",
                "k.id",
            )
        } else {
            binds.push(actor.center_id.clone());
            let center = binds.len();
            binds.push(topic.to_string());
            let code = binds.len();
            (
                "consultation_topics tp CROSS JOIN consultations k",
                format!(
                    "WHERE tp.center_id = ${center} AND tp.code = ${code} \
                     AND k.id = tp.consultation_id AND {scope}"
                ),
                "tp.occurred_at",
                "tp.consultation_id",
            )
        };
        let mut errs = ValidationErrors::new();
        let cond = |sql: &mut String, binds: &mut Vec<String>, template: &str, v: String| {
            binds.push(v);
            sql.push_str(&template.replace("$?", &format!("${}", binds.len())));
        };
        // Japan-time days become UTC instants, so the (center, occurred_at) index both bounds
        // the period and yields rows newest first: the page stops after `limit` matches
        // instead of sorting the whole period.
        if !q.from.trim().is_empty() {
            if let Some(d) = errs.check(domain::dates::parse_date("from", &q.from)) {
                cond(
                    &mut sql,
                    &mut binds,
                    &format!(" AND {at} >= $?"),
                    jst_day_start(d),
                );
            }
        }
        if !q.to.trim().is_empty() {
            if let Some(d) = errs.check(domain::dates::parse_date("to", &q.to)) {
                let next = d.succ_opt().unwrap_or(d);
                cond(
                    &mut sql,
                    &mut binds,
                    &format!(" AND {at} < $?"),
                    jst_day_start(next),
                );
            }
        }
        if !q.channel.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.channel = $?",
                q.channel.trim().to_string(),
            );
        }
        if !q.requester_kind.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.requester_kind = $?",
                q.requester_kind.trim().to_string(),
            );
        }
        if !q.staff.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.staff_id = $?",
                q.staff.trim().to_string(),
            );
        }
        if !q.child_id.trim().is_empty() {
            cond(
                &mut sql,
                &mut binds,
                " AND k.child_id = $?",
                q.child_id.trim().to_string(),
            );
        }
        if q.open_followups {
            sql.push_str(" AND k.followup_due IS NOT NULL AND k.followup_done_at IS NULL");
        }
        errs.into_result()?;
        if let Some((cursor_at, cursor_id)) = q.before.split_once('|') {
            binds.push(cursor_at.to_string());
            let a = binds.len();
            binds.push(cursor_id.to_string());
            let b = binds.len();
            sql.push_str(&format!(
                " AND ({at} < ${a} OR ({at} = ${a} AND {id} < ${b}))"
            ));
        }
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        sql.push_str(&format!(
            " ORDER BY {at} DESC, {id} DESC LIMIT {}",
            limit + 1
        ));
        let mut items = fetch_consultations(self, from, &sql, &binds).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|c| format!("{}|{}", c.occurred_at, c.id))
        } else {
            None
        };
        Ok(ConsultationPage { items, next })
    }

    /// One consultation, if visible to the actor.
    pub async fn get_consultation(&self, actor: &Actor, id: &str) -> Result<Consultation> {
        let mut binds = Vec::new();
        let scope = consultation_scope(actor, &mut binds)?;
        binds.push(id.to_string());
        let sql = format!(
            "{select} WHERE {scope} AND k.id = ${}",
            binds.len(),
            select = select_sql(self.backend())
        );
        let mut query = crate::db::query_as::<super::ConsultationRow>(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let row = query
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.into())
    }

    /// Open a consultation: the record, its follow-up and its course. Every view is audited
    /// (`consultation.view`) and the record is released only once that row is durable; a
    /// coordinator opening a consultation of their center outside their scope gets
    /// [`StoreError::Forbidden`] and the attempt is audited (`consultation.view.denied`).
    pub async fn view_consultation(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ConsultationRecord> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        // Read on the pool (concurrently with other readers), like view_child.
        let mut conn = self.pool().acquire().await?;
        match scoped_consultation_version(&mut conn, actor, id).await {
            Ok(_) => {}
            Err(StoreError::Forbidden) => {
                drop(conn);
                self.audit_event(
                    Some(actor),
                    now,
                    AuditEntry {
                        action: "consultation.view.denied",
                        entity: "consultation",
                        entity_id: Some(id),
                        detail: "outside scope".into(),
                    },
                )
                .await?;
                return Err(StoreError::Forbidden);
            }
            Err(e) => return Err(e),
        }
        let course = course_entries(&mut conn, id).await?;
        drop(conn);
        let consultation = self.get_consultation(actor, id).await?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.view",
                entity: "consultation",
                entity_id: Some(id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(ConsultationRecord {
            consultation,
            course,
        })
    }
}
