//! Figures the prefecture asks for: 延べ件数 (total consultations) and 実人数 (distinct people).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::{FieldError, Role};
use serde::Serialize;

use crate::{Actor, Result, Store, StoreError};

/// One labelled count.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Count {
    /// Code (vocabulary code or "YYYY-MM").
    pub key: String,
    /// Number of consultations.
    pub count: i64,
}

/// Consultation figures over a period of Japan-time calendar days.
#[derive(Clone, Debug, Serialize)]
pub struct ConsultationReport {
    /// First day (inclusive).
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// 延べ件数: every consultation.
    pub total: i64,
    /// 実人数: distinct registered children plus distinct named unregistered persons.
    pub distinct_people: i64,
    /// Consultations about nobody identified (no child, no person, or an anonymous person).
    pub unidentified: i64,
    /// Counts by channel code.
    pub by_channel: Vec<Count>,
    /// Counts by requester kind code.
    pub by_requester_kind: Vec<Count>,
    /// Counts by topic code (a consultation with two topics counts in both).
    pub by_topic: Vec<Count>,
    /// Counts by month ("YYYY-MM").
    pub by_month: Vec<Count>,
}

/// Who a report covers: one center (optionally some of its municipalities) or every center.
enum Coverage<'a> {
    Center(&'a str, &'a [String]),
    Everything,
    /// A municipal user with no municipality: every figure is zero.
    Nothing,
}

/// Does the period consist of whole calendar months (so the monthly aggregates answer it)?
fn whole_months(from: NaiveDate, to: NaiveDate) -> bool {
    from.day() == 1 && to.succ_opt().is_some_and(|d| d.day() == 1)
}

/// The fiscal year the period is exactly, if it is one (1 April – 31 March).
fn exact_fiscal_year(from: NaiveDate, to: NaiveDate) -> Option<i64> {
    let fy = domain::dates::FiscalYear::of(from);
    (fy.start() == from && fy.end() == to).then(|| i64::from(from.year()))
}

fn counts_of(map: BTreeMap<String, i64>) -> Vec<Count> {
    map.into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(key, count)| Count { key, count })
        .collect()
}

impl Store {
    /// Figures for the actor's center (municipal users: their municipalities only). Periods of
    /// whole months are answered from the maintained aggregates ([`crate::stats`]); any other
    /// period, and municipal scopes, from the records.
    pub async fn consultation_report(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let coverage = report_coverage(actor)?;
        check_period(from, to)?;
        if matches!(coverage, Coverage::Center(_, [])) && whole_months(from, to) {
            return self.report_from_aggregates(&coverage, from, to).await;
        }
        self.report_from_records(&coverage, from, to).await
    }

    /// The same figures computed from the records only, never from the aggregates: the
    /// cross-check that proves the aggregates exact.
    pub async fn consultation_report_scanned(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let coverage = report_coverage(actor)?;
        check_period(from, to)?;
        self.report_from_records(&coverage, from, to).await
    }

    /// Figures over every center of the database: national statistics for operators. No
    /// HTTP route offers this, because no role may read across centers.
    pub async fn consultation_report_all_centers(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        check_period(from, to)?;
        if whole_months(from, to) {
            self.report_from_aggregates(&Coverage::Everything, from, to)
                .await
        } else {
            self.report_from_records(&Coverage::Everything, from, to)
                .await
        }
    }

    async fn report_from_aggregates(
        &self,
        coverage: &Coverage<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let (first, last) = (
            from.format("%Y-%m").to_string(),
            to.format("%Y-%m").to_string(),
        );
        let (filter, mut binds) = match coverage {
            Coverage::Center(center, _) => ("center_id = $1 AND ", vec![center.to_string()]),
            Coverage::Everything | Coverage::Nothing => ("", Vec::new()),
        };
        binds.extend([first, last]);
        let n = binds.len();
        // Months matter only for the total; summing the other dimensions over the period in SQL
        // returns ~60 rows instead of one per month and code (each row costs in the driver).
        let sql = format!(
            "SELECT dimension, code, CASE WHEN dimension = 'total' THEN month ELSE '' END, \
                 CAST(SUM(n) AS BIGINT) FROM consultation_month_counts \
                 WHERE {filter}month >= ${} AND month <= ${n} \
                 GROUP BY dimension, code, CASE WHEN dimension = 'total' THEN month ELSE '' END",
            n - 1
        );
        let q = rows::<(String, String, String, i64)>(&sql, &binds);
        let rows = q.fetch_all(self.pool()).await?;
        let mut total = 0;
        let mut unidentified = 0;
        let (mut channel, mut requester, mut topic, mut month) = Default::default();
        for (dimension, code, m, count) in rows {
            let target: &mut BTreeMap<String, i64> = match dimension.as_str() {
                "total" => {
                    total += count;
                    *month_entry(&mut month, m) += count;
                    continue;
                }
                "unidentified" => {
                    unidentified += count;
                    continue;
                }
                "channel" => &mut channel,
                "requester_kind" => &mut requester,
                "topic" => &mut topic,
                _ => continue,
            };
            *target.entry(code).or_insert(0) += count;
        }
        let distinct_people = match (exact_fiscal_year(from, to), coverage) {
            (Some(fy), Coverage::Center(center, _)) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM consultation_year_subjects WHERE center_id = $1 AND fiscal_year = $2",
                )
                .bind(*center)
                .bind(fy)
                .fetch_one(self.pool())
                .await?
            }
            (Some(fy), Coverage::Everything | Coverage::Nothing) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM consultation_year_subjects WHERE fiscal_year = $1",
                )
                .bind(fy)
                .fetch_one(self.pool())
                .await?
            }
            // Distinct people over an arbitrary span cannot be summed from parts.
            (None, _) => self.distinct_people(coverage, from, to).await?,
        };
        Ok(ConsultationReport {
            from: from.to_string(),
            to: to.to_string(),
            total,
            distinct_people,
            unidentified,
            by_channel: counts_of(channel),
            by_requester_kind: counts_of(requester),
            by_topic: counts_of(topic),
            by_month: counts_of(month),
        })
    }

    async fn distinct_people(
        &self,
        coverage: &Coverage<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64> {
        let (scope, binds) = record_scope(coverage, from, to);
        let sql = format!(
            "SELECT COUNT(DISTINCT COALESCE(k.child_id, k.person_id)) FROM consultations k \
             LEFT JOIN persons p ON p.id = k.person_id \
             WHERE {scope} AND (k.child_id IS NOT NULL OR (k.person_id IS NOT NULL AND p.anonymous = 0))"
        );
        let q = scalar::<i64>(&sql, &binds);
        Ok(q.fetch_one(self.pool()).await?)
    }

    async fn report_from_records(
        &self,
        coverage: &Coverage<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let (scope, binds) = record_scope(coverage, from, to);
        let unidentified_sql = format!(
            "SELECT COUNT(*) FROM consultations k LEFT JOIN persons p ON p.id = k.person_id WHERE {scope} \
             AND k.child_id IS NULL AND (k.person_id IS NULL OR p.anonymous = 1)"
        );
        let q = scalar::<i64>(&unidentified_sql, &binds);
        let unidentified = q.fetch_one(self.pool()).await?;
        // One pass for channel × requester × month; folded here.
        let dims_sql = format!(
            "SELECT k.channel, k.requester_kind, SUBSTR(k.occurred_on, 1, 7), COUNT(*) FROM consultations k \
             WHERE {scope} GROUP BY k.channel, k.requester_kind, SUBSTR(k.occurred_on, 1, 7)"
        );
        let q = rows::<(String, String, String, i64)>(&dims_sql, &binds);
        let mut total = 0;
        let (mut channel, mut requester, mut month) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (c, r, m, count) in q.fetch_all(self.pool()).await? {
            total += count;
            *channel.entry(c).or_insert(0) += count;
            *requester.entry(r).or_insert(0) += count;
            *month_entry(&mut month, m) += count;
        }
        let topic_sql = format!(
            "SELECT t.code, COUNT(*) FROM consultations k JOIN consultation_topics t ON t.consultation_id = k.id \
             WHERE {scope} GROUP BY t.code"
        );
        let q = rows::<(String, i64)>(&topic_sql, &binds);
        let topic: BTreeMap<String, i64> = q.fetch_all(self.pool()).await?.into_iter().collect();
        Ok(ConsultationReport {
            from: from.to_string(),
            to: to.to_string(),
            total,
            distinct_people: self.distinct_people(coverage, from, to).await?,
            unidentified,
            by_channel: counts_of(channel),
            by_requester_kind: counts_of(requester),
            by_topic: counts_of(topic),
            by_month: counts_of(month),
        })
    }
}

fn month_entry(map: &mut BTreeMap<String, i64>, month: String) -> &mut i64 {
    map.entry(month).or_insert(0)
}

/// Auditors see no figures; municipal users only their municipalities' (none if they have none).
fn report_coverage(actor: &Actor) -> Result<Coverage<'_>> {
    match actor.role {
        Role::Auditor => Err(StoreError::Forbidden),
        Role::Municipal if actor.municipalities.is_empty() => Ok(Coverage::Nothing),
        Role::Municipal => Ok(Coverage::Center(&actor.center_id, &actor.municipalities)),
        _ => Ok(Coverage::Center(&actor.center_id, &[])),
    }
}

/// WHERE clause and binds selecting the consultations of a coverage and period.
fn record_scope(coverage: &Coverage<'_>, from: NaiveDate, to: NaiveDate) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut conds = Vec::new();
    match coverage {
        Coverage::Center(center, municipalities) => {
            binds.push(center.to_string());
            conds.push(format!("k.center_id = ${}", binds.len()));
            if !municipalities.is_empty() {
                let mut ph = Vec::new();
                for m in municipalities.iter() {
                    binds.push(m.clone());
                    ph.push(format!("${}", binds.len()));
                }
                conds.push(format!("k.municipality_code IN ({})", ph.join(",")));
            }
        }
        Coverage::Nothing => conds.push("1 = 0".into()),
        Coverage::Everything => {}
    }
    binds.push(from.to_string());
    conds.push(format!("k.occurred_on >= ${}", binds.len()));
    binds.push(to.to_string());
    conds.push(format!("k.occurred_on <= ${}", binds.len()));
    (conds.join(" AND "), binds)
}

fn check_period(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(FieldError::new(
            "to",
            "range_reversed",
            "終了日は開始日以降にしてください",
            "The end date must not be before the start date",
        )
        .into());
    }
    Ok(())
}

/// A `query_as` with every bind applied in order.
fn rows<'q, T>(
    sql: &'q str,
    binds: &'q [String],
) -> sqlx::query::QueryAs<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    binds
        .iter()
        .fold(sqlx::query_as::<_, T>(sql), |q, b| q.bind(b))
}

/// A `query_scalar` with every bind applied in order.
fn scalar<'q, T>(
    sql: &'q str,
    binds: &'q [String],
) -> sqlx::query::QueryScalar<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    binds
        .iter()
        .fold(sqlx::query_scalar::<_, T>(sql), |q, b| q.bind(b))
}
