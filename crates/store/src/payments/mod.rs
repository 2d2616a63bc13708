//! Coordinator payment statements (支払明細): per-center rates, dated welfare-service history,
//! monthly statements per coordinator, approval that freezes a month, amendment lines for
//! what changes afterwards, and the per-municipality summary. The arithmetic and the
//! eligibility rule are `domain::payment`; this module loads, freezes and audits.
//!
//! A month is frozen by its first approval: the computed lines are copied into
//! `payment_lines`. Nothing there is ever updated or deleted. When an activity of that month is
//! voided, recorded late, or the child's service history changes, the statement shows the
//! differences as amendment lines; approving them adds an amendment approval holding the new
//! lines and their differences, so the approved total always equals what was approved plus
//! every approved amendment.

mod statements;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::messages;
use domain::payment::{ActivityKind, Amendment, PayLine, Rates, RawRates, YearMonth, Yen};
use domain::service_period::ServicePeriodDraft;
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// One approval of a coordinator's month.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ApprovalRecord {
    /// payment_approvals.id
    pub id: String,
    /// `original` (the month's first approval) or `amendment`.
    pub kind: String,
    /// Sum approved by this approval (the total, or the sum of differences).
    pub total: i64,
    /// Who approved (display name).
    pub approved_by: String,
    /// UTC.
    pub approved_at: String,
}

/// A statement line with the child's name, for display.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct StatementLine {
    /// The computed line.
    #[serde(flatten)]
    pub line: PayLine,
    /// The child (display name).
    pub child_name: String,
}

/// A coordinator's month as the advisor reviews it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = PaymentStatement)]
pub struct StatementView {
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub coordinator_name: String,
    /// 所属.
    pub organization: Option<String>,
    /// The month.
    #[schema(value_type = String)]
    pub month: YearMonth,
    /// Rates used.
    pub rates: RawRates,
    /// Lines computed now, by date.
    pub lines: Vec<StatementLine>,
    /// Sum of the current lines.
    pub total: Yen,
    /// Lines paid.
    pub payable_count: usize,
    /// Lines not paid (voided or child using a welfare service).
    pub not_payable_count: usize,
    /// Approvals of this month, oldest first (empty: not approved yet).
    pub approvals: Vec<ApprovalRecord>,
    /// Total approved so far (None: not approved yet).
    pub approved_total: Option<Yen>,
    /// Differences between what was approved and the lines now (only after approval).
    pub amendments: Vec<Amendment>,
    /// Per municipality: (code, lines paid, total).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_municipality: Vec<(String, usize, Yen)>,
    /// True when the month has ended (only ended months can be approved).
    pub month_ended: bool,
}

impl StatementView {
    /// Approved and nothing changed since.
    pub fn is_locked(&self) -> bool {
        self.approved_total.is_some() && self.amendments.is_empty()
    }
}

/// One coordinator's row of the month overview.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct MonthRow {
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub coordinator_name: String,
    /// Activities in the month.
    pub activities: usize,
    /// Current total.
    pub total: Yen,
    /// Approved total, if approved.
    pub approved_total: Option<Yen>,
    /// Amendment lines waiting for approval.
    pub pending_amendments: usize,
}

/// The month across the center: per coordinator and per municipality.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = PaymentMonth)]
pub struct MonthOverview {
    /// The month.
    #[schema(value_type = String)]
    pub month: YearMonth,
    /// Rates, if set.
    pub rates: Option<RawRates>,
    /// Coordinators with activities in the month.
    pub coordinators: Vec<MonthRow>,
    /// Per municipality over every coordinator: (code, lines paid, total).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_municipality: Vec<(String, usize, Yen)>,
    /// Sum over every coordinator.
    pub total: Yen,
}

/// A dated period of welfare-service use.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = ServicePeriod)]
pub struct ServicePeriodRecord {
    /// child_service_periods.id
    pub id: String,
    /// Service code.
    pub code: String,
    /// First day (None: before records began).
    pub started_on: Option<String>,
    /// Last day (None: ongoing).
    pub ended_on: Option<String>,
}

fn rates_missing() -> StoreError {
    messages::payments::rates_missing().into()
}

fn yen(v: i64) -> Yen {
    Yen(v)
}

fn date(s: &str) -> Option<NaiveDate> {
    s.parse().ok()
}

/// A stored payment line: (coordinator, activity, on, municipality, kind, payable, reason,
/// visit, time, travel, amount).
type LineRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
);

/// Approved state per coordinator and activity: the line from the latest approval holding it
/// (`rows` are in approval order).
fn approved_lines(rows: Vec<LineRow>) -> HashMap<String, Vec<PayLine>> {
    let mut latest: BTreeMap<(String, String), PayLine> = BTreeMap::new();
    for (coordinator, activity, on, muni, kind, payable, reason, v, t, tr, amount) in rows {
        let (Some(on), Some(kind)) = (date(&on), ActivityKind::parse(&kind)) else {
            continue;
        };
        latest.insert(
            (coordinator, activity.clone()),
            PayLine {
                activity_id: activity,
                on,
                kind,
                municipality: muni,
                payable: payable != 0,
                not_payable_reason: reason,
                visit_yen: yen(v),
                time_yen: yen(t),
                travel_yen: yen(tr),
                amount: yen(amount),
            },
        );
    }
    let mut out: HashMap<String, Vec<PayLine>> = HashMap::new();
    for ((coordinator, _), line) in latest {
        out.entry(coordinator).or_default().push(line);
    }
    out
}

impl Store {
    /// The center's payment rates, if an admin has set them.
    pub async fn payment_rates(&self, actor: &Actor) -> Result<Option<RawRates>> {
        let row: Option<(i64, i64, i64, i64)> = crate::db::query_as(
            "SELECT per_visit, per_hour, per_km, per_travel_hour FROM payment_rates WHERE center_id = $1",
        )
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(
            row.map(|(per_visit, per_hour, per_km, per_travel_hour)| RawRates {
                per_visit,
                per_hour,
                per_km,
                per_travel_hour,
            }),
        )
    }

    /// Refuses as [`Store::set_payment_rates`] would before it looks at the rates (Forbidden
    /// unless an admin): asked by a handler whose form failed.
    pub async fn check_rates_editable(&self, actor: &Actor) -> Result<()> {
        if actor.may(domain::Action::Administer) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Sets the center's rates (admins), as parsed by [`Rates::parse`]. Applies to months not yet approved; approved months
    /// keep their frozen lines and show any difference as amendments.
    pub async fn set_payment_rates(
        &self,
        actor: &Actor,
        rates: &Rates,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.check_rates_editable(actor).await?;
        let r = rates.raw();
        let mut w = self.begin_write().await?;
        crate::db::query("DELETE FROM payment_rates WHERE center_id = $1")
            .bind(&actor.center_id)
            .execute(&mut w.tx)
            .await?;
        crate::db::query(
            "INSERT INTO payment_rates (center_id, per_visit, per_hour, per_km, per_travel_hour, updated_by, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&actor.center_id)
        .bind(r.per_visit)
        .bind(r.per_hour)
        .bind(r.per_km)
        .bind(r.per_travel_hour)
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "payment.rates",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: format!(
                    "visit={} hour={} km={} travel_hour={}",
                    r.per_visit, r.per_hour, r.per_km, r.per_travel_hour
                ),
            },
        )
        .await?;
        w.commit().await
    }

    /// A child's welfare-service periods (scope checked, audited).
    pub async fn service_periods(
        &self,
        actor: &Actor,
        child_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ServicePeriodRecord>> {
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, child_id)
            .await?;
        let rows: Vec<(String, String, Option<String>, Option<String>)> = crate::db::query_as(
            "SELECT id, code, started_on, ended_on FROM child_service_periods WHERE child_id = $1 \
             ORDER BY COALESCE(started_on, ''), code, id",
        )
        .bind(child_id)
        .fetch_all(&mut conn)
        .await?;
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.services.view",
                entity: "child",
                entity_id: Some(child_id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, code, started_on, ended_on)| ServicePeriodRecord {
                id,
                code,
                started_on,
                ended_on,
            })
            .collect())
    }

    /// Records a dated period of welfare-service use (e.g. 計画相談支援 from 2026-11-10), as
    /// parsed by [`domain::service_period::ServicePeriodInput::parse`].
    pub async fn add_service_period(
        &self,
        actor: &Actor,
        child_id: &str,
        draft: &ServicePeriodDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let (code, start, end) = (&draft.code, draft.started_on, draft.ended_on);
        let id = new_id();
        crate::db::query(
            "INSERT INTO child_service_periods (id, child_id, code, started_on, ended_on, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&id)
        .bind(child_id)
        .bind(code.as_str())
        .bind(start.map(|d| d.to_string()))
        .bind(end.map(|d| d.to_string()))
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.service_period",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!(
                    "period={id} code={} from={} to={}",
                    code.as_str(),
                    start.map(|d| d.to_string()).unwrap_or_default(),
                    end.map(|d| d.to_string()).unwrap_or_default()
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }
}
