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

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::payment::{
    self, ActivityForPay, ActivityKind, Amendment, AmendmentReason, PayLine, Rates, RawRates,
    ServicePeriod, Statement, YearMonth, Yen,
};
use domain::vocab::{VocabCode, VocabKind};
use domain::FieldError;
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::dispatch::deny_unless_lead;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// One approval of a coordinator's month.
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
pub struct StatementLine {
    /// The computed line.
    #[serde(flatten)]
    pub line: PayLine,
    /// The child (display name).
    pub child_name: String,
}

/// A coordinator's month as the advisor reviews it.
#[derive(Clone, Debug, Serialize)]
pub struct StatementView {
    /// Roster id.
    pub coordinator_id: String,
    /// Name.
    pub coordinator_name: String,
    /// 所属.
    pub organization: Option<String>,
    /// The month.
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
pub struct MonthOverview {
    /// The month.
    pub month: YearMonth,
    /// Rates, if set.
    pub rates: Option<RawRates>,
    /// Coordinators with activities in the month.
    pub coordinators: Vec<MonthRow>,
    /// Per municipality over every coordinator: (code, lines paid, total).
    pub by_municipality: Vec<(String, usize, Yen)>,
    /// Sum over every coordinator.
    pub total: Yen,
}

/// A dated period of welfare-service use.
#[derive(Clone, Debug, Serialize)]
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
    FieldError::new(
        "rates",
        "rates_missing",
        "このセンターの支払単価が設定されていないため、明細を作れません。管理者が「支払単価」を設定してください",
        "This center has no payment rates, so no statement can be made. An administrator must set the rates first.",
    )
    .into()
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
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
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

    /// Sets the center's rates (admins). Applies to months not yet approved; approved months
    /// keep their frozen lines and show any difference as amendments.
    pub async fn set_payment_rates(
        &self,
        actor: &Actor,
        raw: RawRates,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if actor.role != domain::Role::Admin {
            return Err(StoreError::Forbidden);
        }
        let rates = Rates::parse(raw)?;
        let r = rates.raw();
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM payment_rates WHERE center_id = $1")
            .bind(&actor.center_id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
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
        .execute(&mut *w.tx)
        .await?;
        append(
            &mut w.tx,
            self.backend(),
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
        let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, code, started_on, ended_on FROM child_service_periods WHERE child_id = $1 \
             ORDER BY COALESCE(started_on, ''), code, id",
        )
        .bind(child_id)
        .fetch_all(&mut *conn)
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

    /// Records a dated period of welfare-service use (e.g. 計画相談支援 from 2026-11-10). Empty
    /// start = before records began; empty end = ongoing.
    pub async fn add_service_period(
        &self,
        actor: &Actor,
        child_id: &str,
        code: &str,
        started_on: &str,
        ended_on: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let mut errs = domain::ValidationErrors::new();
        let code = errs.check(VocabCode::parse(VocabKind::WelfareService, "code", code));
        let opt_date =
            |field: &str, raw: &str| -> std::result::Result<Option<NaiveDate>, FieldError> {
                if raw.trim().is_empty() {
                    Ok(None)
                } else {
                    domain::dates::parse_date(field, raw).map(Some)
                }
            };
        let start = errs.check(opt_date("started_on", started_on));
        let end = errs.check(opt_date("ended_on", ended_on));
        if let (Some(Some(s)), Some(Some(e))) = (start, end) {
            if e < s {
                errs.push(FieldError::new(
                    "ended_on",
                    "before_start",
                    "終了日は開始日より後にしてください",
                    "The end must not be before the start.",
                ));
            }
        }
        errs.into_result()?;
        let (Some(code), Some(start), Some(end)) = (code, start, end) else {
            return Err(FieldError::required("code").into());
        };
        let id = new_id();
        sqlx::query(
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
        .execute(&mut *w.tx)
        .await?;
        append(
            &mut w.tx,
            self.backend(),
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

    /// Activities of a coordinator in a month, ready for the payment rules, with child names
    /// and the service periods of those children.
    async fn month_inputs(
        &self,
        center_id: &str,
        coordinator_id: Option<&str>,
        month: YearMonth,
    ) -> Result<(
        Vec<(String, ActivityForPay)>,
        HashMap<String, String>,
        HashMap<String, Vec<ServicePeriod>>,
    )> {
        let rows: Vec<(String, String, String, String, String, String, String, i64, i64, i64, Option<String>, String, String)> =
            sqlx::query_as(
                "SELECT a.coordinator_id, a.id, a.dispatch_id, a.child_id, r.municipality_code, a.on_date, a.kind, a.minutes, \
                 a.travel_tenths_km, a.travel_minutes, a.voided_at, ch.family_name, ch.given_name \
                 FROM dispatch_activities a JOIN dispatches d ON d.id = a.dispatch_id JOIN dispatch_requests r ON r.id = d.request_id \
                 JOIN children ch ON ch.id = a.child_id \
                 WHERE a.center_id = $1 AND a.on_date >= $2 AND a.on_date <= $3 AND ($4 = '' OR a.coordinator_id = $4) \
                 ORDER BY a.on_date, a.id",
            )
            .bind(center_id)
            .bind(month.first_day().to_string())
            .bind(month.last_day().to_string())
            .bind(coordinator_id.unwrap_or(""))
            .fetch_all(self.pool())
            .await?;
        let mut acts = Vec::with_capacity(rows.len());
        let mut names = HashMap::new();
        for (coord, id, did, child, muni, on, kind, m, km, tm, voided, f, g) in rows {
            let (Some(on), Some(kind)) = (date(&on), ActivityKind::parse(&kind)) else {
                continue;
            };
            names.insert(child.clone(), format!("{f} {g}"));
            acts.push((
                coord,
                ActivityForPay {
                    activity_id: id,
                    dispatch_id: did,
                    child_id: child,
                    municipality: muni,
                    on,
                    kind,
                    minutes: u32::try_from(m).unwrap_or(0),
                    travel_tenths_km: u32::try_from(km).unwrap_or(0),
                    travel_minutes: u32::try_from(tm).unwrap_or(0),
                    voided: voided.is_some(),
                },
            ));
        }
        // Every period of the children with activities this month, in one query.
        let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT p.child_id, p.code, p.started_on, p.ended_on FROM child_service_periods p \
             WHERE p.child_id IN (SELECT a.child_id FROM dispatch_activities a \
             WHERE a.center_id = $1 AND a.on_date >= $2 AND a.on_date <= $3 AND ($4 = '' OR a.coordinator_id = $4))",
        )
        .bind(center_id)
        .bind(month.first_day().to_string())
        .bind(month.last_day().to_string())
        .bind(coordinator_id.unwrap_or(""))
        .fetch_all(self.pool())
        .await?;
        let mut periods: HashMap<String, Vec<ServicePeriod>> = HashMap::new();
        for (child, code, s, e) in rows {
            periods.entry(child).or_default().push(ServicePeriod {
                code,
                started_on: s.as_deref().and_then(date),
                ended_on: e.as_deref().and_then(date),
            });
        }
        Ok((acts, names, periods))
    }

    /// Approvals and approved lines of a month per coordinator (`coordinator_id` empty = every
    /// coordinator), in two queries.
    async fn approvals_by_coordinator(
        &self,
        conn: &mut sqlx::AnyConnection,
        center_id: &str,
        coordinator_id: &str,
        month: YearMonth,
    ) -> Result<HashMap<String, (Vec<ApprovalRecord>, Vec<PayLine>)>> {
        let approvals: Vec<(String, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT a.coordinator_id, a.id, a.kind, a.total, u.display_name, a.approved_at FROM payment_approvals a \
             JOIN users u ON u.id = a.approved_by \
             WHERE a.center_id = $1 AND ($2 = '' OR a.coordinator_id = $2) AND a.month = $3 ORDER BY a.approved_at, a.id",
        )
        .bind(center_id)
        .bind(coordinator_id)
        .bind(month.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let lines: Vec<LineRow> = sqlx::query_as(
            "SELECT a.coordinator_id, l.activity_id, l.on_date, l.municipality_code, l.activity_kind, l.payable, l.reason, \
             l.visit_yen, l.time_yen, l.travel_yen, l.amount FROM payment_lines l JOIN payment_approvals a ON a.id = l.approval_id \
             WHERE a.center_id = $1 AND ($2 = '' OR a.coordinator_id = $2) AND a.month = $3 ORDER BY a.approved_at, a.id, l.id",
        )
        .bind(center_id)
        .bind(coordinator_id)
        .bind(month.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut lines = approved_lines(lines);
        let mut out: HashMap<String, (Vec<ApprovalRecord>, Vec<PayLine>)> = HashMap::new();
        for (coordinator, id, kind, total, by, at) in approvals {
            out.entry(coordinator).or_default().0.push(ApprovalRecord {
                id,
                kind,
                total,
                approved_by: by,
                approved_at: at,
            });
        }
        for (coordinator, entry) in out.iter_mut() {
            entry.1 = lines.remove(coordinator).unwrap_or_default();
        }
        Ok(out)
    }

    /// Approvals and approved lines of one coordinator's month.
    async fn approvals_of(
        &self,
        conn: &mut sqlx::AnyConnection,
        center_id: &str,
        coordinator_id: &str,
        month: YearMonth,
    ) -> Result<(Vec<ApprovalRecord>, Vec<PayLine>)> {
        Ok(self
            .approvals_by_coordinator(conn, center_id, coordinator_id, month)
            .await?
            .remove(coordinator_id)
            .unwrap_or_default())
    }

    /// A coordinator's statement for a month (advisors and admins; audited). Refused with a
    /// clear message when the center has no rates.
    pub async fn payment_statement(
        &self,
        actor: &Actor,
        coordinator_id: &str,
        month: YearMonth,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<StatementView> {
        deny_unless_lead(actor)?;
        let coord: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT name, organization FROM coordinators WHERE id = $1 AND center_id = $2",
        )
        .bind(coordinator_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let (name, organization) = coord.ok_or(StoreError::NotFound)?;
        let raw = self.payment_rates(actor).await?.ok_or_else(rates_missing)?;
        let rates = Rates::parse(raw)?;
        let (acts, names, periods) = self
            .month_inputs(&actor.center_id, Some(coordinator_id), month)
            .await?;
        let acts: Vec<ActivityForPay> = acts.into_iter().map(|(_, a)| a).collect();
        let none: Vec<ServicePeriod> = Vec::new();
        let st: Statement = payment::statement(
            month,
            &acts,
            |c| periods.get(c).map(Vec::as_slice).unwrap_or(&none),
            &rates,
        );
        let mut conn = self.pool().acquire().await?;
        let (approvals, approved) = self
            .approvals_of(&mut conn, &actor.center_id, coordinator_id, month)
            .await?;
        drop(conn);
        let amendments = if approvals.is_empty() {
            Vec::new()
        } else {
            payment::amendments(&approved, &st.lines)
        };
        let approved_total =
            (!approvals.is_empty()).then(|| approved.iter().map(|l| l.amount).sum());
        let child_of: HashMap<&str, &str> = acts
            .iter()
            .map(|a| (a.activity_id.as_str(), a.child_id.as_str()))
            .collect();
        let by_municipality = payment::summarize_by_municipality(&st.lines);
        let lines = st
            .lines
            .iter()
            .map(|l| StatementLine {
                child_name: child_of
                    .get(l.activity_id.as_str())
                    .and_then(|c| names.get(*c))
                    .cloned()
                    .unwrap_or_default(),
                line: l.clone(),
            })
            .collect();
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "payment.statement.view",
                entity: "coordinator",
                entity_id: Some(coordinator_id),
                detail: format!("month={month}"),
            },
        )
        .await?;
        Ok(StatementView {
            coordinator_id: coordinator_id.to_string(),
            coordinator_name: name,
            organization,
            month,
            rates: raw,
            lines,
            total: st.total,
            payable_count: st.payable_count,
            not_payable_count: st.not_payable_count,
            approvals,
            approved_total,
            amendments,
            by_municipality,
            month_ended: month.last_day() < today,
        })
    }

    /// Approves a coordinator's month: the first approval freezes every line; later ones
    /// approve the amendment lines. Refused for a month not yet over, without rates, and when
    /// nothing changed since the last approval (an approved statement is never edited).
    pub async fn approve_payment_month(
        &self,
        actor: &Actor,
        coordinator_id: &str,
        month: YearMonth,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless_lead(actor)?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM coordinators WHERE id = $1 AND center_id = $2")
                .bind(coordinator_id)
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        if month.last_day() >= today {
            return Err(FieldError::new(
                "month",
                "month_not_over",
                "月が終わるまで承認できません",
                "A month can be approved only after it has ended.",
            )
            .into());
        }
        let raw = self.payment_rates(actor).await?.ok_or_else(rates_missing)?;
        let rates = Rates::parse(raw)?;
        let mut w = self.begin_write().await?;
        // Computed inside the writer lock, so no activity slips in between reading and freezing.
        let (acts, _, periods) = self
            .month_inputs(&actor.center_id, Some(coordinator_id), month)
            .await?;
        let acts: Vec<ActivityForPay> = acts.into_iter().map(|(_, a)| a).collect();
        let none: Vec<ServicePeriod> = Vec::new();
        let st = payment::statement(
            month,
            &acts,
            |c| periods.get(c).map(Vec::as_slice).unwrap_or(&none),
            &rates,
        );
        let (approvals, approved) = self
            .approvals_of(&mut w.tx, &actor.center_id, coordinator_id, month)
            .await?;
        let first = approvals.is_empty();
        let (kind, lines, total): (&str, Vec<(PayLine, Yen, Option<AmendmentReason>)>, Yen) =
            if first {
                if st.lines.is_empty() {
                    return Err(FieldError::new(
                        "month",
                        "no_activities",
                        "この月の活動記録がありません",
                        "There are no activities in this month.",
                    )
                    .into());
                }
                (
                    "original",
                    st.lines
                        .iter()
                        .map(|l| (l.clone(), l.amount, None))
                        .collect(),
                    st.total,
                )
            } else {
                let changes = payment::amendments(&approved, &st.lines);
                if changes.is_empty() {
                    return Err(FieldError::new(
                    "month",
                    "already_approved",
                    "この月は承認済みで、その後の変更もありません。承認済みの明細は編集できません",
                    "This month is approved and nothing changed since; an approved statement cannot be edited.",
                )
                .into());
                }
                let current: HashMap<&str, &PayLine> = st
                    .lines
                    .iter()
                    .map(|l| (l.activity_id.as_str(), l))
                    .collect();
                let before: HashMap<&str, &PayLine> = approved
                    .iter()
                    .map(|l| (l.activity_id.as_str(), l))
                    .collect();
                let total = changes.iter().map(|c| c.difference).sum();
                let lines = changes
                    .iter()
                    .filter_map(|c| {
                        // A removed activity keeps its approved line, zeroed.
                        let line = match current.get(c.activity_id.as_str()) {
                            Some(l) => (*l).clone(),
                            None => {
                                let mut l = (*before.get(c.activity_id.as_str())?).clone();
                                l.payable = false;
                                l.not_payable_reason = Some(payment::REASON_VOIDED.to_string());
                                l.visit_yen = Yen::ZERO;
                                l.time_yen = Yen::ZERO;
                                l.travel_yen = Yen::ZERO;
                                l.amount = Yen::ZERO;
                                l
                            }
                        };
                        Some((line, c.difference, Some(c.reason)))
                    })
                    .collect();
                ("amendment", lines, total)
            };
        let approval_id = new_id();
        sqlx::query(
            "INSERT INTO payment_approvals (id, center_id, coordinator_id, month, kind, total, approved_by, approved_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(&approval_id)
        .bind(&actor.center_id)
        .bind(coordinator_id)
        .bind(month.to_string())
        .bind(kind)
        .bind(total.value())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        for (l, difference, reason) in &lines {
            sqlx::query(
                "INSERT INTO payment_lines (id, approval_id, activity_id, on_date, municipality_code, activity_kind, payable, reason, \
                 visit_yen, time_yen, travel_yen, amount, difference, amendment_reason) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
            )
            .bind(new_id())
            .bind(&approval_id)
            .bind(&l.activity_id)
            .bind(l.on.to_string())
            .bind(&l.municipality)
            .bind(l.kind.code())
            .bind(i64::from(l.payable))
            .bind(l.not_payable_reason.as_deref())
            .bind(l.visit_yen.value())
            .bind(l.time_yen.value())
            .bind(l.travel_yen.value())
            .bind(l.amount.value())
            .bind(difference.value())
            .bind(reason.map(|r| r.code()))
            .execute(&mut *w.tx)
            .await?;
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: if first {
                    "payment.approve"
                } else {
                    "payment.approve.amendment"
                },
                entity: "coordinator",
                entity_id: Some(coordinator_id),
                detail: format!(
                    "month={month} approval={approval_id} lines={} total={}",
                    lines.len(),
                    total.value()
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(approval_id)
    }

    /// The month across the center: every coordinator with activities, their current and
    /// approved totals, and the per-municipality summary (advisors and admins; audited).
    pub async fn payment_month(
        &self,
        actor: &Actor,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<MonthOverview> {
        deny_unless_lead(actor)?;
        let raw = self.payment_rates(actor).await?;
        let Some(rates) = raw.map(Rates::parse).transpose()? else {
            return Ok(MonthOverview {
                month,
                rates: None,
                coordinators: Vec::new(),
                by_municipality: Vec::new(),
                total: Yen::ZERO,
            });
        };
        let (acts, _, periods) = self.month_inputs(&actor.center_id, None, month).await?;
        let mut by_coord: BTreeMap<String, Vec<ActivityForPay>> = BTreeMap::new();
        for (c, a) in acts {
            by_coord.entry(c).or_default().push(a);
        }
        let names: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT id, name FROM coordinators WHERE center_id = $1",
        )
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let none: Vec<ServicePeriod> = Vec::new();
        let mut rows = Vec::new();
        let mut all_lines = Vec::new();
        let mut conn = self.pool().acquire().await?;
        let mut approved_by = self
            .approvals_by_coordinator(&mut conn, &actor.center_id, "", month)
            .await?;
        drop(conn);
        for (coord, acts) in by_coord {
            let st = payment::statement(
                month,
                &acts,
                |c| periods.get(c).map(Vec::as_slice).unwrap_or(&none),
                &rates,
            );
            let (approvals, approved) = approved_by.remove(&coord).unwrap_or_default();
            let pending = if approvals.is_empty() {
                0
            } else {
                payment::amendments(&approved, &st.lines).len()
            };
            rows.push(MonthRow {
                coordinator_name: names.get(&coord).cloned().unwrap_or_default(),
                coordinator_id: coord,
                activities: st.lines.len(),
                total: st.total,
                approved_total: (!approvals.is_empty())
                    .then(|| approved.iter().map(|l| l.amount).sum()),
                pending_amendments: pending,
            });
            all_lines.extend(st.lines);
        }
        rows.sort_by(|a, b| a.coordinator_name.cmp(&b.coordinator_name));
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "payment.month.view",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: format!("month={month}"),
            },
        )
        .await?;
        Ok(MonthOverview {
            month,
            rates: Some(rates.raw()),
            total: all_lines.iter().map(|l| l.amount).sum(),
            by_municipality: payment::summarize_by_municipality(&all_lines),
            coordinators: rows,
        })
    }
}
