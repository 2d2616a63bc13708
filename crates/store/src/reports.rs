//! Figures the prefecture asks for: 延べ件数 (total consultations) and 実人数 (distinct people).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::dates::ReportAgeBand;
use domain::vocab::{self, VocabKind};
use domain::{messages, Role};
use serde::Serialize;

use crate::{Actor, Result, Store, StoreError};

/// One labelled count.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Count {
    /// Code (vocabulary code or "YYYY-MM").
    pub key: String,
    /// Number of consultations.
    pub count: i64,
}

/// Consultation figures over a period of Japan-time calendar days.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
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
    /// Counts by month ("YYYY-MM"), every month of the period, in order.
    pub by_month: Vec<Count>,
    /// Counts by the child's age band on the consultation date ([`ReportAgeBand`] codes, then
    /// [`UNKNOWN`] for consultations not about a registered child).
    pub by_age_band: Vec<Count>,
    /// Counts by the child's municipality as recorded on the consultation (the one municipal
    /// scoping uses), by code, then [`UNKNOWN`] for consultations not about a registered child.
    pub by_municipality: Vec<Count>,
    /// Counts by the child's medical care items (a child with several counts in each), then
    /// [`NO_CARE`] for a child with none recorded and [`UNKNOWN`] for no registered child.
    pub by_medical_care: Vec<Count>,
}

/// Key of the 不明・対象外 row: the consultation is not about a registered child, so the
/// child's age, municipality or care is unknown.
pub const UNKNOWN: &str = "unknown";
/// Key of the row of registered children with no medical care item recorded.
pub const NO_CARE: &str = "none";

/// Every code of a list in the list's order, with its count (zero when absent), then codes the
/// list no longer has (older records) in code order, so no consultation disappears.
fn in_list_order(kind: VocabKind, mut map: BTreeMap<String, i64>) -> Vec<Count> {
    let mut out: Vec<Count> = vocab::entries(kind)
        .iter()
        .map(|e| Count {
            count: map.remove(&e.code).unwrap_or(0),
            key: e.code.clone(),
        })
        .collect();
    out.extend(counts_of(map));
    out
}

/// Every month from `from` to `to` ("YYYY-MM"), in order, with its count.
fn every_month(from: NaiveDate, to: NaiveDate, mut map: BTreeMap<String, i64>) -> Vec<Count> {
    let mut out = Vec::new();
    let mut m = from.with_day(1).unwrap_or(from);
    while m <= to {
        let key = m.format("%Y-%m").to_string();
        out.push(Count {
            count: map.remove(&key).unwrap_or(0),
            key,
        });
        match m.checked_add_months(chrono::Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    // Nothing falls outside the period, but a count must never vanish silently.
    out.extend(counts_of(map));
    out
}

/// The SQL CASE naming the age band of `c.birth_date` on `k.occurred_on` (both `YYYY-MM-DD`),
/// with completed years computed as [`domain::dates::age_on`] does; [`UNKNOWN`] without a child.
fn age_band_sql() -> String {
    let num =
        |col: &str, from: u8, len: u8| format!("CAST(SUBSTR({col}, {from}, {len}) AS INTEGER)");
    let age = format!(
        "({} - {} - CASE WHEN {} * 100 + {} < {} * 100 + {} THEN 1 ELSE 0 END)",
        num("k.occurred_on", 1, 4),
        num("c.birth_date", 1, 4),
        num("k.occurred_on", 6, 2),
        num("k.occurred_on", 9, 2),
        num("c.birth_date", 6, 2),
        num("c.birth_date", 9, 2),
    );
    let mut sql = format!("CASE WHEN c.id IS NULL THEN '{UNKNOWN}'");
    // Oldest first, so each band only needs its lower bound; codes are static literals.
    for band in ReportAgeBand::all().into_iter().rev() {
        if band.min_age() > 0 {
            sql.push_str(&format!(
                " WHEN {age} >= {} THEN '{}'",
                band.min_age(),
                band.code()
            ));
        }
    }
    sql.push_str(&format!(" ELSE '{}' END", ReportAgeBand::Age0.code()));
    sql
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
    /// period, and municipal scopes, from the records. The breakdowns by the child's age band,
    /// municipality and medical care are always counted from the records (see
    /// [`Store::subject_breakdowns`]).
    pub async fn consultation_report(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let coverage = report_coverage(actor)?;
        check_period(from, to)?;
        let mut report = self.summary(&coverage, from, to).await?;
        self.subject_breakdowns(&coverage, from, to, &mut report)
            .await?;
        Ok(report)
    }

    /// The totals and the channel, requester, topic and month breakdowns only — what the home
    /// page shows — leaving the age band, municipality and medical care breakdowns empty, so
    /// every page load does not pay for their scan.
    pub async fn consultation_summary(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let coverage = report_coverage(actor)?;
        check_period(from, to)?;
        self.summary(&coverage, from, to).await
    }

    async fn summary(
        &self,
        coverage: &Coverage<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        if matches!(coverage, Coverage::Center(_, [])) && whole_months(from, to) {
            return self.report_from_aggregates(coverage, from, to).await;
        }
        self.report_from_records(coverage, from, to).await
    }

    /// Fill the breakdowns that depend on the registered child — age band on the consultation
    /// date, municipality, medical care items — by scanning the period's records. They cannot
    /// come from the aggregates kept in each consultation write: a corrected birth date or a
    /// changed care list edits the child, not its consultations, and would leave them stale.
    async fn subject_breakdowns(
        &self,
        coverage: &Coverage<'_>,
        from: NaiveDate,
        to: NaiveDate,
        report: &mut ConsultationReport,
    ) -> Result<()> {
        let (scope, binds) = record_scope(coverage, from, to);
        let sql = format!(
            "SELECT {band}, k.municipality_code, COUNT(*) FROM consultations k \
             LEFT JOIN children c ON c.id = k.child_id WHERE {scope} GROUP BY 1, 2",
            band = age_band_sql()
        );
        let q = rows::<(String, Option<String>, i64)>(&sql, &binds);
        let mut bands: BTreeMap<String, i64> = BTreeMap::new();
        let mut municipalities: BTreeMap<String, i64> = BTreeMap::new();
        for (band, municipality, count) in q.fetch_all(self.pool()).await? {
            *bands.entry(band).or_insert(0) += count;
            let key = municipality
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| UNKNOWN.to_string());
            *municipalities.entry(key).or_insert(0) += count;
        }
        let care_sql = format!(
            "SELECT COALESCE(m.code, CASE WHEN k.child_id IS NULL THEN '{UNKNOWN}' ELSE '{NO_CARE}' END), \
             COUNT(*) FROM consultations k LEFT JOIN child_medical_care m ON m.child_id = k.child_id \
             WHERE {scope} GROUP BY 1"
        );
        let q = rows::<(String, i64)>(&care_sql, &binds);
        let mut care: BTreeMap<String, i64> = q.fetch_all(self.pool()).await?.into_iter().collect();

        let mut by_age_band: Vec<Count> = ReportAgeBand::all()
            .into_iter()
            .map(|b| Count {
                key: b.code().to_string(),
                count: bands.remove(b.code()).unwrap_or(0),
            })
            .collect();
        by_age_band.push(Count {
            key: UNKNOWN.into(),
            count: bands.remove(UNKNOWN).unwrap_or(0),
        });
        by_age_band.extend(counts_of(bands));

        // A municipal user's own municipalities are listed even without consultations; other
        // areas only when they have some (a prefecture has up to 179 municipalities).
        if let Coverage::Center(_, own) = coverage {
            for m in own.iter() {
                municipalities.entry(m.clone()).or_insert(0);
            }
        }
        let unknown_municipality = municipalities.remove(UNKNOWN).unwrap_or(0);
        // Codes sort as the national list does (prefecture, then municipality).
        let mut by_municipality: Vec<Count> = municipalities
            .into_iter()
            .map(|(key, count)| Count { key, count })
            .collect();
        by_municipality.push(Count {
            key: UNKNOWN.into(),
            count: unknown_municipality,
        });

        let none = care.remove(NO_CARE).unwrap_or(0);
        let unknown = care.remove(UNKNOWN).unwrap_or(0);
        let mut by_medical_care = in_list_order(VocabKind::MedicalCareItem, care);
        by_medical_care.push(Count {
            key: NO_CARE.into(),
            count: none,
        });
        by_medical_care.push(Count {
            key: UNKNOWN.into(),
            count: unknown,
        });

        report.by_age_band = by_age_band;
        report.by_municipality = by_municipality;
        report.by_medical_care = by_medical_care;
        Ok(())
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
        let mut report = self.report_from_records(&coverage, from, to).await?;
        self.subject_breakdowns(&coverage, from, to, &mut report)
            .await?;
        Ok(report)
    }

    /// Figures over every center of the database: national statistics for operators. No
    /// HTTP route offers this, because no role may read across centers. Like
    /// [`Store::consultation_summary`] it leaves the breakdowns by child empty: over every
    /// record they would need a full scan.
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
                crate::db::query_scalar(
                    "SELECT COUNT(*) FROM consultation_year_subjects WHERE center_id = $1 AND fiscal_year = $2",
                )
                .bind(*center)
                .bind(fy)
                .fetch_one(self.pool())
                .await?
            }
            (Some(fy), Coverage::Everything | Coverage::Nothing) => {
                crate::db::query_scalar(
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
            by_channel: in_list_order(VocabKind::ConsultationChannel, channel),
            by_requester_kind: in_list_order(VocabKind::RequesterKind, requester),
            by_topic: in_list_order(VocabKind::ConsultationTopic, topic),
            by_month: every_month(from, to, month),
            by_age_band: Vec::new(),
            by_municipality: Vec::new(),
            by_medical_care: Vec::new(),
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
            by_channel: in_list_order(VocabKind::ConsultationChannel, channel),
            by_requester_kind: in_list_order(VocabKind::RequesterKind, requester),
            by_topic: in_list_order(VocabKind::ConsultationTopic, topic),
            by_month: every_month(from, to, month),
            by_age_band: Vec::new(),
            by_municipality: Vec::new(),
            by_medical_care: Vec::new(),
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
        return Err(messages::common::period_reversed().into());
    }
    Ok(())
}

/// A `query_as` with every bind applied in order.
fn rows<'q, T>(sql: &'q str, binds: &'q [String]) -> crate::db::QueryAs<'q, T>
where
    T: crate::db::FromRows,
{
    binds
        .iter()
        .fold(crate::db::query_as::<T>(sql), |q, b| q.bind(b))
}

/// A `query_scalar` with every bind applied in order.
fn scalar<'q, T>(sql: &'q str, binds: &'q [String]) -> crate::db::QueryScalar<'q, T>
where
    (T,): crate::db::FromRows,
{
    binds
        .iter()
        .fold(crate::db::query_scalar::<T>(sql), |q, b| q.bind(b))
}
