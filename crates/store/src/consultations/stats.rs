//! Pre-aggregated consultation figures, kept exact inside every write transaction.
//!
//! A fiscal-year report over two million consultations cannot scan them in time, so two small
//! tables are maintained alongside the records:
//! - `consultation_month_counts`: per center and JST month, the number of consultations in
//!   total, by channel, by requester kind, by topic, and those about nobody identified;
//! - `consultation_year_subjects`: per center and fiscal year, each identified subject (child or
//!   named person) with its number of consultations — so 実人数 for a fiscal year is a row count.
//!
//! Every insert or update of a consultation subtracts the row's old contribution and adds its
//! new one in the same transaction ([`apply`]); reports whose period is made of whole months read
//! these tables, any other period is computed from the records themselves. A test proves both
//! paths give the same figures after arbitrary writes.

use crate::{Result, Store};

const UPSERT_MONTH: &str =
    "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (center_id, month, dimension, code) \
     DO UPDATE SET n = consultation_month_counts.n + excluded.n";
const UPSERT_SUBJECT: &str =
    "INSERT INTO consultation_year_subjects (center_id, fiscal_year, subject_id, n) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (center_id, fiscal_year, subject_id) \
     DO UPDATE SET n = consultation_year_subjects.n + excluded.n";

/// The fiscal year (April–March) of a `YYYY-MM-DD` date.
pub(crate) fn fiscal_year_of(day: &str) -> Option<i64> {
    let year: i64 = day.get(0..4)?.parse().ok()?;
    let month: i64 = day.get(5..7)?.parse().ok()?;
    Some(if month >= 4 { year } else { year - 1 })
}

/// Add (`sign` = 1) or remove (`sign` = -1) one consultation's contribution to the aggregates,
/// reading the row as it stands in `conn`'s transaction.
pub(crate) async fn apply(conn: &mut crate::db::Conn, id: &str, sign: i64) -> Result<()> {
    let row: Option<(String, String, String, String, Option<String>, Option<String>, Option<i64>)> =
        crate::db::query_as(
            "SELECT k.center_id, k.occurred_on, k.channel, k.requester_kind, k.child_id, k.person_id, p.anonymous \
             FROM consultations k LEFT JOIN persons p ON p.id = k.person_id WHERE k.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((center, day, channel, requester, child, person, anonymous)) = row else {
        return Ok(());
    };
    let topics: Vec<String> =
        crate::db::query_scalar("SELECT code FROM consultation_topics WHERE consultation_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let month = day.get(0..7).unwrap_or_default().to_string();
    let subject = child.or(person.filter(|_| anonymous == Some(0)));
    let mut cells: Vec<(&str, String)> = vec![
        ("total", String::new()),
        ("channel", channel),
        ("requester_kind", requester),
    ];
    cells.extend(topics.into_iter().map(|t| ("topic", t)));
    if subject.is_none() {
        cells.push(("unidentified", String::new()));
    }
    for (dimension, code) in cells {
        crate::db::query(UPSERT_MONTH)
            .bind(&center)
            .bind(&month)
            .bind(dimension)
            .bind(code)
            .bind(sign)
            .execute(&mut *conn)
            .await?;
    }
    if let (Some(subject), Some(fy)) = (subject, fiscal_year_of(&day)) {
        crate::db::query(UPSERT_SUBJECT)
            .bind(&center)
            .bind(fy)
            .bind(&subject)
            .bind(sign)
            .execute(&mut *conn)
            .await?;
        if sign < 0 {
            // A subject with no consultation left must not count in 実人数; only the row just
            // decremented can have reached zero.
            crate::db::query(
                "DELETE FROM consultation_year_subjects \
                 WHERE center_id = $1 AND fiscal_year = $2 AND subject_id = $3 AND n <= 0",
            )
            .bind(&center)
            .bind(fy)
            .bind(&subject)
            .execute(&mut *conn)
            .await?;
        }
    }
    if sign < 0 {
        crate::db::query(
            "DELETE FROM consultation_month_counts WHERE n <= 0 AND center_id = $1 AND month = $2",
        )
        .bind(&center)
        .bind(&month)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Recompute both aggregate tables from the records (after a bulk load, or when upgrading a
    /// database that has consultations but no aggregates yet). One transaction.
    pub async fn rebuild_consultation_stats(&self) -> Result<()> {
        let fy = crate::db::dialect::fiscal_year(self.backend(), "k.occurred_on");
        let month = "SUBSTR(k.occurred_on, 1, 7)";
        let identified =
            "(k.child_id IS NOT NULL OR (k.person_id IS NOT NULL AND p.anonymous = 0))";
        let statements = [
            "DELETE FROM consultation_month_counts".to_string(),
            "DELETE FROM consultation_year_subjects".to_string(),
            format!(
                "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
                 SELECT k.center_id, {month}, 'total', '', COUNT(*) FROM consultations k GROUP BY k.center_id, {month}"
            ),
            format!(
                "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
                 SELECT k.center_id, {month}, 'channel', k.channel, COUNT(*) FROM consultations k GROUP BY k.center_id, {month}, k.channel"
            ),
            format!(
                "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
                 SELECT k.center_id, {month}, 'requester_kind', k.requester_kind, COUNT(*) FROM consultations k \
                 GROUP BY k.center_id, {month}, k.requester_kind"
            ),
            format!(
                "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
                 SELECT k.center_id, {month}, 'topic', t.code, COUNT(*) FROM consultations k \
                 JOIN consultation_topics t ON t.consultation_id = k.id GROUP BY k.center_id, {month}, t.code"
            ),
            format!(
                "INSERT INTO consultation_month_counts (center_id, month, dimension, code, n) \
                 SELECT k.center_id, {month}, 'unidentified', '', COUNT(*) FROM consultations k \
                 LEFT JOIN persons p ON p.id = k.person_id WHERE NOT {identified} GROUP BY k.center_id, {month}"
            ),
            format!(
                "INSERT INTO consultation_year_subjects (center_id, fiscal_year, subject_id, n) \
                 SELECT k.center_id, {fy}, COALESCE(k.child_id, k.person_id), COUNT(*) FROM consultations k \
                 LEFT JOIN persons p ON p.id = k.person_id WHERE {identified} \
                 GROUP BY k.center_id, {fy}, COALESCE(k.child_id, k.person_id)"
            ),
        ];
        let mut w = self.begin_write().await?;
        for sql in &statements {
            crate::db::query(sql).execute(&mut w.tx).await?;
        }
        w.commit().await
    }

    /// Build the aggregates on first start after the upgrade that introduced them.
    pub(crate) async fn ensure_consultation_stats(&self) -> Result<()> {
        let has_records: Option<i64> =
            crate::db::query_scalar("SELECT CAST(1 AS BIGINT) FROM consultations LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        let has_stats: Option<i64> = crate::db::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM consultation_month_counts LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        if has_records.is_some() && has_stats.is_none() {
            self.rebuild_consultation_stats().await?;
        }
        Ok(())
    }
}
