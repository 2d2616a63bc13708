//! Power-outage incidents (停電インシデント): open, list, close and the closing report.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::disaster::IncidentDraft;
use domain::municipality::area_contains;
use domain::{messages, Role};

use super::{deny_unless, IncidentReport, IncidentSummary, TriagePage, RESPONDER_ROLES};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

const INCIDENT_COLS: &str =
    "id, title, municipality_codes, started_at, expected_restoration_at, status, closed_at";

type IncidentRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn incident_of(r: IncidentRow) -> IncidentSummary {
    IncidentSummary {
        id: r.0,
        title: r.1,
        municipality_codes: r
            .2
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        started_at: r.3,
        expected_restoration_at: r.4,
        status: r.5,
        closed_at: r.6,
    }
}

impl Store {
    /// Opens a power-outage incident for areas of the center (advisors, admins, consultants),
    /// as parsed by `IncidentInput::parse`.
    pub async fn open_incident(
        &self,
        actor: &Actor,
        incident: &IncidentDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless(actor, RESPONDER_ROLES)?;
        let codes = incident.area_codes();
        let id = new_id();
        let mut w = self.begin_write().await?;
        crate::db::query(
            "INSERT INTO incidents (id, center_id, kind, title, municipality_codes, started_at, expected_restoration_at, status, opened_by) \
             VALUES ($1,$2,'power_outage',$3,$4,$5,$6,'open',$7)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(&incident.title)
        .bind(codes.join(","))
        .bind(ts(incident.started_at))
        .bind(incident.expected_restoration_at.map(ts))
        .bind(&actor.user_id)
        .execute(&mut w.tx)
        .await?;
        crate::triage_counts::init(&mut w.tx, &id).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "incident.open",
                entity: "incident",
                entity_id: Some(&id),
                detail: format!("areas={}", codes.join(",")),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Refuses as [`Store::open_incident`] would before it looks at the form (only
    /// responders open incidents): a handler asks only when the form it is about to refuse
    /// has errors, so a caller who may not open one learns that first.
    pub fn check_may_open_incident(&self, actor: &Actor) -> Result<()> {
        deny_unless(actor, RESPONDER_ROLES)
    }

    /// Incidents of the actor's center, open first then newest.
    pub async fn list_incidents(&self, actor: &Actor) -> Result<Vec<IncidentSummary>> {
        let rows: Vec<IncidentRow> = crate::db::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE center_id = $1 ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, started_at DESC LIMIT 200"
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<IncidentSummary> = rows.into_iter().map(incident_of).collect();
        if actor.role == Role::Municipal {
            out.retain(|i| {
                i.municipality_codes.iter().any(|a| {
                    actor
                        .municipalities
                        .iter()
                        .any(|m| area_contains(a, m) || area_contains(m, a))
                })
            });
        }
        Ok(out)
    }

    pub(super) async fn incident(&self, actor: &Actor, id: &str) -> Result<IncidentSummary> {
        let row: Option<IncidentRow> = crate::db::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1 AND center_id = $2"
        ))
        .bind(id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(incident_of).ok_or(StoreError::NotFound)
    }

    /// Closes an incident (advisors, admins) and stores its report: counts by state, who was
    /// never reached, minutes from the start to the first contact with each child.
    pub async fn close_incident(
        &self,
        actor: &Actor,
        incident_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentReport> {
        crate::dispatch::deny_unless_lead(actor)?;
        let triage = self
            .triage(actor, incident_id, TriagePage::everything(), now)
            .await?;
        if triage.incident.status != "open" {
            return Err(messages::disaster::incident_already_closed().into());
        }
        let started = crate::parse_ts(&triage.incident.started_at).unwrap_or(now);
        let firsts: Vec<(String, String)> = crate::db::query_as(
            "SELECT child_id, MIN(at) FROM checkins WHERE incident_id = $1 AND status <> 'unreached' GROUP BY child_id",
        )
        .bind(incident_id)
        .fetch_all(self.pool())
        .await?;
        let first_at: HashMap<&str, i64> = firsts
            .iter()
            .filter_map(|(c, at)| {
                crate::parse_ts(at).map(|t| (c.as_str(), (t - started).num_minutes().max(0)))
            })
            .collect();
        let reach: Vec<(String, String, Option<i64>)> = triage
            .rows
            .iter()
            .map(|r| {
                (
                    r.child_id.clone(),
                    r.name.clone(),
                    first_at.get(r.child_id.as_str()).copied(),
                )
            })
            .collect();
        let listed: std::collections::HashSet<&str> =
            triage.rows.iter().map(|r| r.child_id.as_str()).collect();
        let mut minutes: Vec<i64> = firsts
            .iter()
            .filter(|(c, _)| listed.contains(c.as_str()))
            .filter_map(|(_, at)| crate::parse_ts(at))
            .map(|t| (t - started).num_minutes().max(0))
            .collect();
        minutes.sort_unstable();
        let median = match minutes.len() {
            0 => None,
            n if n % 2 == 1 => Some(minutes[n / 2] as f64),
            n => Some((minutes[n / 2 - 1] + minutes[n / 2]) as f64 / 2.0),
        };
        let reached = i64::try_from(minutes.len()).unwrap_or(0);
        let report = IncidentReport {
            children: triage.counts.total,
            reached,
            never_reached: triage.counts.total - reached,
            by_status: triage.counts.by_status.clone(),
            max_minutes_to_reach: minutes.last().copied(),
            median_minutes_to_reach: median,
            minutes_to_reach: minutes,
            reach,
        };
        let json = serde_json::to_string(&report)
            .map_err(|e| StoreError::Config(format!("report: {e}")))?;
        let mut w = self.begin_write().await?;
        let n = crate::db::query(
            "UPDATE incidents SET status = 'closed', closed_at = $1, closed_by = $2, report = $3 WHERE id = $4 AND status = 'open'",
        )
        .bind(ts(now))
        .bind(&actor.user_id)
        .bind(&json)
        .bind(incident_id)
        .execute(&mut w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "the incident was closed meanwhile".into(),
            ));
        }
        crate::triage_counts::drop_kept(&mut w.tx, incident_id).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "incident.close",
                entity: "incident",
                entity_id: Some(incident_id),
                detail: format!("children={} reached={}", report.children, report.reached),
            },
        )
        .await?;
        w.commit().await?;
        Ok(report)
    }

    /// The stored report of a closed incident.
    pub async fn incident_report(
        &self,
        actor: &Actor,
        incident_id: &str,
    ) -> Result<Option<IncidentReport>> {
        let raw: Option<Option<String>> = crate::db::query_scalar(
            "SELECT report FROM incidents WHERE id = $1 AND center_id = $2",
        )
        .bind(incident_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let raw = raw.ok_or(StoreError::NotFound)?;
        Ok(raw.and_then(|j| serde_json::from_str(&j).ok()))
    }
}
