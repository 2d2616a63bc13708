//! Coordinator roster (コーディネーター名簿): list, read and save coordinators, and the center's
//! recommendation weights.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use domain::dispatch::{
    Availability, CoordinatorDraft, CoordinatorProfile, PastFamily, RawWeights, TopicCode, Weights,
};
use domain::ids::{ChildId, CoordinatorId};
use domain::messages;
use domain::municipality::MunicipalityCode;
use domain::vocab::{VocabCode, VocabKind};

use super::{deny_unless_lead, join, live_statuses, split, CoordinatorRecord, RosterFilter};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

const COORD_COLS: &str = "c.id, u.login, c.name, c.name_kana, c.organization, c.affiliation_code, c.professions, \
     c.covers, c.topics, c.training_year, c.followup_trainings, c.max_active_cases, c.availability || ':' || COALESCE(c.leave_until, ''), \
     c.phone, c.email, c.notes";

type CoordRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn coord_record(r: CoordRow, active: i64) -> CoordinatorRecord {
    // availability and leave_until travel as one column (sqlx reads at most 16 per row).
    let (availability, leave) = r.12.split_once(':').unwrap_or((r.12.as_str(), ""));
    let (availability, leave_until) = (
        availability.to_string(),
        (!leave.is_empty()).then(|| leave.to_string()),
    );
    CoordinatorRecord {
        id: r.0,
        login: r.1,
        name: r.2,
        name_kana: r.3,
        organization: r.4,
        affiliation_code: r.5,
        professions: split(&r.6),
        covers: split(&r.7),
        topics: split(&r.8),
        training_year: r.9,
        followup_trainings: r.10,
        max_active_cases: r.11,
        active_cases: active,
        availability,
        leave_until,
        phone: r.13,
        email: r.14,
        notes: r.15,
    }
}

/// Availability from stored columns.
fn availability_of(status: &str, leave_until: Option<&str>) -> Availability {
    match (
        status,
        leave_until.and_then(|d| d.parse::<NaiveDate>().ok()),
    ) {
        ("on_leave", Some(until)) => Availability::OnLeave { until },
        ("inactive", _) => Availability::Inactive,
        _ => Availability::Active,
    }
}

fn profile_of(
    rec: &CoordinatorRecord,
    recent: u32,
    past: Vec<PastFamily>,
) -> Option<CoordinatorProfile> {
    let id = CoordinatorId::parse(&rec.id)?;
    Some(CoordinatorProfile {
        id,
        professions: rec
            .professions
            .iter()
            .filter_map(|p| VocabCode::parse(VocabKind::Profession, "p", p).ok())
            .collect(),
        covers: rec
            .covers
            .iter()
            .filter_map(|c| MunicipalityCode::parse("c", c).ok())
            .collect(),
        topics: rec
            .topics
            .iter()
            .filter_map(|t| TopicCode::parse("t", t).ok())
            .collect(),
        max_active_cases: u32::try_from(rec.max_active_cases).unwrap_or(0),
        active_cases: u32::try_from(rec.active_cases).unwrap_or(u32::MAX),
        availability: availability_of(&rec.availability, rec.leave_until.as_deref()),
        recent_dispatches: recent,
        affiliation: rec
            .affiliation_code
            .as_deref()
            .and_then(|c| MunicipalityCode::parse("a", c).ok()),
        past_families: past,
    })
}

impl Store {
    /// The roster of the actor's center, filtered, by kana/name.
    pub async fn list_coordinators(
        &self,
        actor: &Actor,
        f: &RosterFilter,
    ) -> Result<Vec<CoordinatorRecord>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<CoordRow> = crate::db::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.center_id = $1 ORDER BY COALESCE(c.name_kana, c.name), c.id"
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let active = self.active_case_counts(&actor.center_id).await?;
        let q = domain::kana::normalize_for_search(f.q.trim());
        Ok(rows
            .into_iter()
            .map(|r| {
                let n = active.get(&r.0).copied().unwrap_or(0);
                coord_record(r, n)
            })
            .filter(|c| {
                q.is_empty()
                    || [Some(&c.name), c.name_kana.as_ref(), c.organization.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|s| domain::kana::normalize_for_search(s).contains(&q))
            })
            .filter(|c| {
                f.municipality.trim().is_empty() || {
                    let m = f.municipality.trim();
                    let pref = domain::municipality::prefecture_code_of(m);
                    c.covers.iter().any(|x| x == m || Some(x) == pref.as_ref())
                }
            })
            .filter(|c| f.profession.is_empty() || c.professions.contains(&f.profession))
            .filter(|c| f.topic.is_empty() || c.topics.contains(&f.topic))
            .filter(|c| f.availability.is_empty() || c.availability == f.availability)
            .collect())
    }

    async fn active_case_counts(&self, center_id: &str) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = crate::db::query_as(&format!(
            "SELECT coordinator_id, COUNT(*) FROM dispatches WHERE center_id = $1 AND status IN {} GROUP BY coordinator_id",
            live_statuses()
        ))
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// One roster entry of the actor's center.
    pub async fn get_coordinator(&self, actor: &Actor, id: &str) -> Result<CoordinatorRecord> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let row: Option<CoordRow> = crate::db::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.center_id = $1 AND c.id = $2"
        ))
        .bind(&actor.center_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        let active = self
            .active_case_counts(&actor.center_id)
            .await?
            .get(&row.0)
            .copied()
            .unwrap_or(0);
        Ok(coord_record(row, active))
    }

    /// Refuses as [`Store::save_coordinator`] would before it looks at the form (Forbidden
    /// unless a lead, NotFound for an entry not on the center's roster): asked by a handler
    /// whose form failed, so an outsider learns nothing.
    pub async fn check_coordinator_editable(&self, actor: &Actor, id: Option<&str>) -> Result<()> {
        deny_unless_lead(actor)?;
        if let Some(id) = id {
            let mut conn = self.pool().acquire().await?;
            roster_entry_exists(&mut conn, actor, id).await?;
        }
        Ok(())
    }

    /// Adds (`id = None`) or replaces a roster entry. Advisors and admins only. The linked
    /// login, when given, must be a user of the center not yet on the roster.
    pub async fn save_coordinator(
        &self,
        actor: &Actor,
        id: Option<&str>,
        draft: &CoordinatorDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless_lead(actor)?;
        let mut w = self.begin_write().await?;
        if let Some(id) = id {
            roster_entry_exists(&mut w.tx, actor, id).await?;
        }
        let user_id = match &draft.login {
            None => None,
            Some(login) => {
                let uid: Option<String> = crate::db::query_scalar(
                    "SELECT id FROM users WHERE login = $1 AND center_id = $2",
                )
                .bind(login)
                .bind(&actor.center_id)
                .fetch_optional(&mut w.tx)
                .await?;
                let Some(uid) = uid else {
                    return Err(messages::dispatch::unknown_user(login).into());
                };
                let taken: Option<String> =
                    crate::db::query_scalar("SELECT id FROM coordinators WHERE user_id = $1")
                        .bind(&uid)
                        .fetch_optional(&mut w.tx)
                        .await?;
                if taken.is_some_and(|t| Some(t.as_str()) != id) {
                    return Err(messages::dispatch::already_on_roster().into());
                }
                Some(uid)
            }
        };
        let (availability, leave_until) = match draft.availability {
            Availability::Active => ("active", None),
            Availability::OnLeave { until } => ("on_leave", Some(until.to_string())),
            Availability::Inactive => ("inactive", None),
        };
        let professions: Vec<&str> = draft.professions.iter().map(|p| p.as_str()).collect();
        let covers: Vec<&str> = draft.covers.iter().map(|c| c.as_str()).collect();
        let topics: Vec<&str> = draft.topics.iter().map(|t| t.as_str()).collect();
        let (sql, new_id_value, action) = match id {
            None => (
                "INSERT INTO coordinators (user_id, name, name_kana, organization, affiliation_code, professions, covers, topics, \
                 training_year, followup_trainings, max_active_cases, availability, leave_until, phone, email, notes, updated_at, \
                 id, center_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$17)",
                new_id(),
                "coordinator.create",
            ),
            Some(id) => (
                "UPDATE coordinators SET user_id=$1, name=$2, name_kana=$3, organization=$4, affiliation_code=$5, professions=$6, \
                 covers=$7, topics=$8, training_year=$9, followup_trainings=$10, max_active_cases=$11, availability=$12, leave_until=$13, \
                 phone=$14, email=$15, notes=$16, updated_at=$17, version = version + 1 WHERE id=$18 AND center_id=$19",
                id.to_string(),
                "coordinator.update",
            ),
        };
        crate::db::query(sql)
            .bind(user_id.as_deref())
            .bind(&draft.name)
            .bind(draft.name_kana.as_deref())
            .bind(draft.organization.as_deref())
            .bind(draft.affiliation.as_ref().map(|a| a.as_str()))
            .bind(join(&professions))
            .bind(join(&covers))
            .bind(join(&topics))
            .bind(draft.training_year.map(i64::from))
            .bind(draft.followup_trainings.as_deref())
            .bind(i64::from(draft.max_active_cases))
            .bind(availability)
            .bind(leave_until)
            .bind(draft.phone.as_deref())
            .bind(draft.email.as_deref())
            .bind(draft.notes.as_deref())
            .bind(ts(now))
            .bind(&new_id_value)
            .bind(&actor.center_id)
            .execute(&mut w.tx)
            .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action,
                entity: "coordinator",
                entity_id: Some(&new_id_value),
                detail: format!("availability={availability} max={}", draft.max_active_cases),
            },
        )
        .await?;
        w.commit().await?;
        Ok(new_id_value)
    }

    /// The dispatch profiles of a center's roster on `today` (capacity in use, dispatches of
    /// the last 12 months, families worked with).
    pub(super) async fn profiles(
        &self,
        center_id: &str,
        today: NaiveDate,
    ) -> Result<(Vec<CoordinatorProfile>, HashMap<String, CoordinatorRecord>)> {
        let rows: Vec<CoordRow> = crate::db::query_as(&format!(
            "SELECT {COORD_COLS} FROM coordinators c LEFT JOIN users u ON u.id = c.user_id WHERE c.center_id = $1"
        ))
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        let active = self.active_case_counts(center_id).await?;
        let since = today
            .checked_sub_months(Months::new(12))
            .unwrap_or(today)
            .to_string();
        let recent: Vec<(String, i64)> = crate::db::query_as(
            "SELECT coordinator_id, COUNT(*) FROM dispatches WHERE center_id = $1 AND proposed_on > $2 \
             AND status NOT IN ('declined','withdrawn') GROUP BY coordinator_id",
        )
        .bind(center_id)
        .bind(&since)
        .fetch_all(self.pool())
        .await?;
        let recent: HashMap<String, i64> = recent.into_iter().collect();
        let past: Vec<(String, String, String)> = crate::db::query_as(
            "SELECT d.coordinator_id, r.child_id, MAX(COALESCE(d.responded_on, d.proposed_on)) FROM dispatches d \
             JOIN dispatch_requests r ON r.id = d.request_id WHERE d.center_id = $1 \
             AND d.status IN ('accepted','active','completed') GROUP BY d.coordinator_id, r.child_id",
        )
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        let mut past_by: HashMap<String, Vec<PastFamily>> = HashMap::new();
        for (coord, child, on) in past {
            if let (Some(child_id), Ok(d)) = (ChildId::parse(&child), on.parse::<NaiveDate>()) {
                past_by.entry(coord).or_default().push(PastFamily {
                    child_id,
                    year: d.year(),
                });
            }
        }
        let mut profiles = Vec::with_capacity(rows.len());
        let mut records = HashMap::with_capacity(rows.len());
        for r in rows {
            let n = active.get(&r.0).copied().unwrap_or(0);
            let rec = coord_record(r, n);
            let recent_n = u32::try_from(recent.get(&rec.id).copied().unwrap_or(0)).unwrap_or(0);
            if let Some(p) = profile_of(&rec, recent_n, past_by.remove(&rec.id).unwrap_or_default())
            {
                profiles.push(p);
            }
            records.insert(rec.id.clone(), rec);
        }
        Ok((profiles, records))
    }

    /// The center's dispatch weights (defaults when never set).
    pub async fn dispatch_weights(&self, center_id: &str) -> Result<Weights> {
        let raw: Option<String> =
            crate::db::query_scalar("SELECT weights FROM dispatch_settings WHERE center_id = $1")
                .bind(center_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(raw
            .and_then(|j| serde_json::from_str::<RawWeights>(&j).ok())
            .and_then(|r| Weights::parse(r).ok())
            .unwrap_or_default())
    }

    /// Sets the center's dispatch weights (advisors and admins).
    pub async fn set_dispatch_weights(
        &self,
        actor: &Actor,
        raw: RawWeights,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deny_unless_lead(actor)?;
        let w = Weights::parse(raw)?;
        let json = serde_json::to_string(&w.raw())
            .map_err(|e| StoreError::Config(format!("weights: {e}")))?;
        let mut tx = self.begin_write().await?;
        crate::db::query("DELETE FROM dispatch_settings WHERE center_id = $1")
            .bind(&actor.center_id)
            .execute(&mut tx.tx)
            .await?;
        crate::db::query(
            "INSERT INTO dispatch_settings (center_id, weights, updated_by, updated_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(&actor.center_id)
        .bind(&json)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut tx.tx)
        .await?;
        append(
            &mut tx.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.weights",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: json,
            },
        )
        .await?;
        tx.commit().await
    }
}

/// NotFound unless `id` is an entry of the actor's center's roster.
async fn roster_entry_exists(conn: &mut crate::db::Conn, actor: &Actor, id: &str) -> Result<()> {
    let exists: Option<String> =
        crate::db::query_scalar("SELECT id FROM coordinators WHERE id = $1 AND center_id = $2")
            .bind(id)
            .bind(&actor.center_id)
            .fetch_optional(&mut *conn)
            .await?;
    exists.map(|_| ()).ok_or(StoreError::NotFound)
}
