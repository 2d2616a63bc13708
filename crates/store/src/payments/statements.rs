//! Monthly statements (支払明細): the month's inputs, approvals that freeze it, amendment lines, and
//! the month overview.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::payment::{
    ActivityForPay, ActivityKind, AmendmentReason, PayLine, Rates, ServicePeriod, Statement,
    YearMonth, Yen,
};
use domain::{messages, payment};

use super::{
    approved_lines, date, rates_missing, ApprovalRecord, LineRow, MonthOverview, MonthRow,
    StatementLine, StatementView,
};
use crate::audit::{append, AuditEntry};
use crate::dispatch::deny_unless_lead;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

impl Store {
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
            crate::db::query_as(
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
        let rows: Vec<(String, String, Option<String>, Option<String>)> = crate::db::query_as(
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
        conn: &mut crate::db::Conn,
        center_id: &str,
        coordinator_id: &str,
        month: YearMonth,
    ) -> Result<HashMap<String, (Vec<ApprovalRecord>, Vec<PayLine>)>> {
        let approvals: Vec<(String, String, String, i64, String, String)> = crate::db::query_as(
            "SELECT a.coordinator_id, a.id, a.kind, a.total, u.display_name, a.approved_at FROM payment_approvals a \
             JOIN users u ON u.id = a.approved_by \
             WHERE a.center_id = $1 AND ($2 = '' OR a.coordinator_id = $2) AND a.month = $3 ORDER BY a.approved_at, a.id",
        )
        .bind(center_id)
        .bind(coordinator_id)
        .bind(month.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let lines: Vec<LineRow> = crate::db::query_as(
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
        conn: &mut crate::db::Conn,
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
        let coord: Option<(String, Option<String>)> = crate::db::query_as(
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
            crate::db::query_scalar("SELECT id FROM coordinators WHERE id = $1 AND center_id = $2")
                .bind(coordinator_id)
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        if month.last_day() >= today {
            return Err(messages::payments::month_not_over().into());
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
                    return Err(messages::payments::no_activities().into());
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
                    return Err(messages::payments::already_approved().into());
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
        crate::db::query(
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
        .execute(&mut w.tx)
        .await?;
        for (l, difference, reason) in &lines {
            crate::db::query(
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
            .execute(&mut w.tx)
            .await?;
        }
        append(
            &mut w.tx,
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
        let names: HashMap<String, String> = crate::db::query_as::<(String, String)>(
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
