//! Disaster plans (災害時個別支援計画), drills (避難訓練・検証) and the emergency information
//! sheet (緊急時情報シート) — one A4 page per child for paramedics and shelters, singly or for
//! a whole municipality (also the offline pack: `tsunagu disaster pack`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::disaster::DrillDraft;
use domain::messages;
use domain::plan::{diff, Change, PlanDraft, PlanInput};
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

// moved: emergency_sheets -> disaster/sheets.rs (kept path for callers)
pub use super::sheets::EmergencySheet;

/// One version in the list.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PlanVersionSummary {
    /// Version number (1, 2, …).
    pub version: i64,
    /// `draft` or `agreed`.
    pub status: String,
    /// 家族の同意日.
    pub agreed_on: Option<String>,
    /// 見直し期限.
    pub review_due: Option<String>,
    /// The drill it follows from.
    pub drill_id: Option<String>,
    /// Saved by (display name).
    pub created_by: String,
    /// UTC.
    pub created_at: String,
}

/// One version in full.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PlanVersion {
    /// Summary.
    #[serde(flatten)]
    pub summary: PlanVersionSummary,
    /// The plan.
    pub content: PlanInput,
    /// Warning codes (see `domain::plan::warning_message`).
    pub warnings: Vec<String>,
}

/// A drill.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct DrillRecord {
    /// drills.id
    pub id: String,
    /// 実施日.
    pub held_on: String,
    /// 参加者.
    pub participants: String,
    /// 想定.
    pub scenario: String,
    /// うまくいったこと.
    pub worked: Option<String>,
    /// 課題.
    pub problems: Option<String>,
    /// Plan version in force at the drill.
    pub plan_version: Option<i64>,
    /// Versions saved as a result of this drill.
    pub led_to: Vec<i64>,
}

/// A child's plans and drills.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PlanOverview {
    /// The newest version.
    pub latest: Option<PlanVersion>,
    /// Every version, newest first.
    pub versions: Vec<PlanVersionSummary>,
    /// Drills, newest first.
    pub drills: Vec<DrillRecord>,
    /// A consent in force to share with the municipality's disaster office.
    pub municipal_consent: bool,
    /// Review date passed.
    pub overdue: bool,
}

/// A plan due for review (home page).
#[derive(Clone, Debug, Serialize)]
pub struct OverduePlan {
    /// Child.
    pub child_id: String,
    /// Name.
    pub child_name: String,
    /// 見直し期限.
    pub review_due: String,
}

fn summary_of(
    r: (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    ),
) -> PlanVersionSummary {
    PlanVersionSummary {
        version: r.0,
        status: r.1,
        agreed_on: r.2,
        review_due: r.3,
        drill_id: r.4,
        created_by: r.5,
        created_at: r.6,
    }
}

const VERSION_COLS: &str =
    "p.version, p.status, p.agreed_on, p.review_due, p.drill_id, u.display_name, p.created_at";

impl Store {
    /// A child's plan versions, the latest in full, and drills (scope checked, audited).
    pub async fn plan_overview(
        &self,
        actor: &Actor,
        child_id: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<PlanOverview> {
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, child_id)
            .await?;
        let rows: Vec<(i64, String, Option<String>, Option<String>, Option<String>, String, String)> = crate::db::query_as(&format!(
            "SELECT {VERSION_COLS} FROM disaster_plans p JOIN users u ON u.id = p.created_by WHERE p.child_id = $1 ORDER BY p.version DESC"
        ))
        .bind(child_id)
        .fetch_all(&mut conn)
        .await?;
        let versions: Vec<PlanVersionSummary> = rows.into_iter().map(summary_of).collect();
        let latest = match versions.first() {
            Some(v) => {
                let (content, warnings): (String, String) = crate::db::query_as(
                    "SELECT content, warnings FROM disaster_plans WHERE child_id = $1 AND version = $2",
                )
                .bind(child_id)
                .bind(v.version)
                .fetch_one(&mut conn)
                .await?;
                Some(PlanVersion {
                    summary: v.clone(),
                    content: serde_json::from_str(&content).unwrap_or_default(),
                    warnings: warnings
                        .split(',')
                        .filter(|w| !w.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            }
            None => None,
        };
        let drills: Vec<(String, String, String, String, Option<String>, Option<String>, Option<i64>)> = crate::db::query_as(
            "SELECT id, held_on, participants, scenario, worked, problems, plan_version FROM drills WHERE child_id = $1 ORDER BY held_on DESC, created_at DESC",
        )
        .bind(child_id)
        .fetch_all(&mut conn)
        .await?;
        let today_s = today.to_string();
        let consent: Option<String> = crate::db::query_scalar(
            "SELECT id FROM consents WHERE child_id = $1 AND recipient_kind = 'municipality_disaster' AND withdrawn_on IS NULL \
             AND given_on <= $2 AND (expires_on IS NULL OR expires_on >= $2) LIMIT 1",
        )
        .bind(child_id)
        .bind(&today_s)
        .fetch_optional(&mut conn)
        .await?;
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.plan.view",
                entity: "child",
                entity_id: Some(child_id),
                detail: String::new(),
            },
        )
        .await?;
        let overdue = latest
            .as_ref()
            .and_then(|l| l.summary.review_due.as_deref())
            .is_some_and(|d| d < today_s.as_str());
        Ok(PlanOverview {
            drills: drills
                .into_iter()
                .map(
                    |(id, held_on, participants, scenario, worked, problems, plan_version)| {
                        DrillRecord {
                            led_to: versions
                                .iter()
                                .filter(|v| v.drill_id.as_deref() == Some(id.as_str()))
                                .map(|v| v.version)
                                .collect(),
                            id,
                            held_on,
                            participants,
                            scenario,
                            worked,
                            problems,
                            plan_version,
                        }
                    },
                )
                .collect(),
            latest,
            versions,
            municipal_consent: consent.is_some(),
            overdue,
        })
    }

    /// Saves a new plan version (writers in scope). A plan without any contact, or without the
    /// family's agreement date, is stored as a draft with its warnings. Returns (version,
    /// warnings).
    pub async fn save_plan(
        &self,
        actor: &Actor,
        child_id: &str,
        draft: &PlanDraft,
        now: DateTime<Utc>,
    ) -> Result<(i64, Vec<String>)> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        if !draft.content.drill_id.is_empty() {
            let ok: Option<String> =
                crate::db::query_scalar("SELECT id FROM drills WHERE id = $1 AND child_id = $2")
                    .bind(&draft.content.drill_id)
                    .bind(child_id)
                    .fetch_optional(&mut w.tx)
                    .await?;
            if ok.is_none() {
                return Err(messages::disaster::drill_not_found().into());
            }
        }
        let next: i64 = crate::db::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM disaster_plans WHERE child_id = $1",
        )
        .bind(child_id)
        .fetch_one(&mut w.tx)
        .await?;
        let content = serde_json::to_string(&draft.content)
            .map_err(|e| StoreError::Config(format!("plan: {e}")))?;
        crate::db::query(
            "INSERT INTO disaster_plans (id, child_id, center_id, version, status, content, warnings, agreed_on, review_due, drill_id, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        )
        .bind(new_id())
        .bind(child_id)
        .bind(&actor.center_id)
        .bind(next)
        .bind(if draft.agreed { "agreed" } else { "draft" })
        .bind(&content)
        .bind(draft.warnings.join(","))
        .bind(draft.agreed_on.map(|d| d.to_string()))
        .bind(draft.review_due.map(|d| d.to_string()))
        .bind((!draft.content.drill_id.is_empty()).then_some(draft.content.drill_id.as_str()))
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.plan.save",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!(
                    "version={next} status={}",
                    if draft.agreed { "agreed" } else { "draft" }
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok((next, draft.warnings.clone()))
    }

    /// Two versions' differences, field by field (scope checked before the version numbers).
    pub async fn plan_diff(
        &self,
        actor: &Actor,
        child_id: &str,
        a: &str,
        b: &str,
    ) -> Result<Vec<Change>> {
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, child_id)
            .await?;
        let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) else {
            return Err(messages::disaster::two_versions_needed().into());
        };
        let get = |v: i64| {
            crate::db::query_scalar::<String>(
                "SELECT content FROM disaster_plans WHERE child_id = $1 AND version = $2",
            )
            .bind(child_id.to_string())
            .bind(v)
        };
        let before: Option<String> = get(a).fetch_optional(&mut conn).await?;
        let after: Option<String> = get(b).fetch_optional(&mut conn).await?;
        let (Some(before), Some(after)) = (before, after) else {
            return Err(StoreError::NotFound);
        };
        let parse = |s: &str| serde_json::from_str::<PlanInput>(s).unwrap_or_default();
        Ok(diff(&parse(&before), &parse(&after)))
    }

    /// Records a drill (writers in scope), as parsed by `DrillInput::parse`.
    pub async fn record_drill(
        &self,
        actor: &Actor,
        child_id: &str,
        drill: &DrillDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let held_on = drill.held_on;
        let version: Option<i64> =
            crate::db::query_scalar("SELECT MAX(version) FROM disaster_plans WHERE child_id = $1")
                .bind(child_id)
                .fetch_one(&mut w.tx)
                .await?;
        let id = new_id();
        crate::db::query(
            "INSERT INTO drills (id, child_id, center_id, held_on, participants, scenario, worked, problems, plan_version, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        )
        .bind(&id)
        .bind(child_id)
        .bind(&actor.center_id)
        .bind(held_on.to_string())
        .bind(&drill.participants)
        .bind(&drill.scenario)
        .bind(drill.worked.as_deref())
        .bind(drill.problems.as_deref())
        .bind(version)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.drill",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!("drill={id} held_on={held_on}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Plans whose review date has passed, for the home page (children in the actor's scope).
    pub(crate) async fn overdue_plans(
        &self,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Vec<OverduePlan>> {
        if !actor.reads_children() {
            return Ok(Vec::new());
        }
        let (scope, binds) = actor.child_scope_sql(1);
        let sql = format!(
            "SELECT c.id, c.family_name || ' ' || c.given_name, p.review_due FROM disaster_plans p JOIN children c ON c.id = p.child_id \
             WHERE {scope} AND p.version = (SELECT MAX(version) FROM disaster_plans q WHERE q.child_id = p.child_id) \
             AND p.review_due IS NOT NULL AND p.review_due < ${} ORDER BY p.review_due LIMIT 100",
            binds.len() + 1
        );
        let mut q = crate::db::query_as::<(String, String, String)>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.bind(today.to_string()).fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|(child_id, child_name, review_due)| OverduePlan {
                child_id,
                child_name,
                review_due,
            })
            .collect())
    }
}
