//! Figures the prefecture asks for: 延べ件数 (total consultations) and 実人数 (distinct people).

use chrono::NaiveDate;
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

impl Store {
    /// Figures for the actor's center (municipal users: their municipalities only).
    pub async fn consultation_report(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        if matches!(actor.role, Role::Auditor) {
            return Err(StoreError::Forbidden);
        }
        check_period(from, to)?;
        let mut binds = vec![actor.center_id.clone(), from.to_string(), to.to_string()];
        let mut scope =
            String::from("k.center_id = $1 AND k.occurred_on >= $2 AND k.occurred_on <= $3");
        if actor.role == Role::Municipal {
            if actor.municipalities.is_empty() {
                scope.push_str(" AND 1 = 0");
            } else {
                let mut ph = Vec::new();
                for m in &actor.municipalities {
                    binds.push(m.clone());
                    ph.push(format!("${}", binds.len()));
                }
                scope.push_str(&format!(" AND k.municipality_code IN ({})", ph.join(",")));
            }
        }
        self.report_over(&scope, &binds, from, to).await
    }

    /// Figures over every center of the database: national statistics for operators. No
    /// HTTP route offers this, because no role may read across centers.
    pub async fn consultation_report_all_centers(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        check_period(from, to)?;
        let binds = vec![from.to_string(), to.to_string()];
        self.report_over(
            "k.occurred_on >= $1 AND k.occurred_on <= $2",
            &binds,
            from,
            to,
        )
        .await
    }

    async fn report_over(
        &self,
        scope: &str,
        binds: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConsultationReport> {
        let binds = binds.to_vec();
        let total = self
            .scalar(
                &format!("SELECT COUNT(*) FROM consultations k WHERE {scope}"),
                &binds,
            )
            .await?;
        let children = self
            .scalar(
                &format!("SELECT COUNT(DISTINCT k.child_id) FROM consultations k WHERE {scope}"),
                &binds,
            )
            .await?;
        let persons = self
            .scalar(
                &format!("SELECT COUNT(DISTINCT k.person_id) FROM consultations k JOIN persons p ON p.id = k.person_id WHERE {scope} AND p.anonymous = 0"),
                &binds,
            )
            .await?;
        let unidentified = self
            .scalar(
                &format!(
                    "SELECT COUNT(*) FROM consultations k LEFT JOIN persons p ON p.id = k.person_id WHERE {scope} \
                     AND k.child_id IS NULL AND (k.person_id IS NULL OR p.anonymous = 1)"
                ),
                &binds,
            )
            .await?;
        let by_channel = self.counts(&format!("SELECT k.channel, COUNT(*) FROM consultations k WHERE {scope} GROUP BY k.channel ORDER BY k.channel"), &binds).await?;
        let by_requester_kind = self
            .counts(&format!("SELECT k.requester_kind, COUNT(*) FROM consultations k WHERE {scope} GROUP BY k.requester_kind ORDER BY k.requester_kind"), &binds)
            .await?;
        let by_topic = self
            .counts(
                &format!("SELECT t.code, COUNT(*) FROM consultations k JOIN consultation_topics t ON t.consultation_id = k.id WHERE {scope} GROUP BY t.code ORDER BY t.code"),
                &binds,
            )
            .await?;
        let by_month = self
            .counts(
                &format!("SELECT SUBSTR(k.occurred_on, 1, 7), COUNT(*) FROM consultations k WHERE {scope} GROUP BY SUBSTR(k.occurred_on, 1, 7) ORDER BY 1"),
                &binds,
            )
            .await?;
        Ok(ConsultationReport {
            from: from.to_string(),
            to: to.to_string(),
            total,
            distinct_people: children + persons,
            unidentified,
            by_channel,
            by_requester_kind,
            by_topic,
            by_month,
        })
    }

    async fn scalar(&self, sql: &str, binds: &[String]) -> Result<i64> {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(self.pool()).await?)
    }

    async fn counts(&self, sql: &str, binds: &[String]) -> Result<Vec<Count>> {
        let mut q = sqlx::query_as::<_, (String, i64)>(sql);
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|(key, count)| Count { key, count })
            .collect())
    }
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
