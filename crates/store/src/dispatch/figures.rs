//! Dispatch figures for a fiscal year (派遣実績).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::dates::FiscalYear;

use super::{split, DispatchFigures};
use crate::{Actor, Result, Store, StoreError};

impl Store {
    /// Dispatch figures of a fiscal year for the actor's center.
    pub async fn dispatch_figures(&self, actor: &Actor, fy: FiscalYear) -> Result<DispatchFigures> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let (from, to) = (fy.start().to_string(), fy.end().to_string());
        let rows: Vec<(String, String, String, String, String, Option<String>)> = crate::db::query_as(
            "SELECT c.name, r.municipality_code, r.topics, d.status, r.requested_on, d.responded_on FROM dispatches d \
             JOIN coordinators c ON c.id = d.coordinator_id JOIN dispatch_requests r ON r.id = d.request_id \
             WHERE d.center_id = $1 AND d.proposed_on >= $2 AND d.proposed_on <= $3 AND d.status <> 'withdrawn'",
        )
        .bind(&actor.center_id)
        .bind(&from)
        .bind(&to)
        .fetch_all(self.pool())
        .await?;
        let mut by_c: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_m: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_t: BTreeMap<String, i64> = BTreeMap::new();
        let mut days: Vec<i64> = Vec::new();
        let (mut answered, mut declined) = (0i64, 0i64);
        for (name, m, topics, status, req_on, resp_on) in &rows {
            *by_c.entry(name.clone()).or_default() += 1;
            *by_m.entry(m.clone()).or_default() += 1;
            for t in split(topics) {
                *by_t.entry(t).or_default() += 1;
            }
            if status == "declined" {
                declined += 1;
                answered += 1;
            } else if resp_on.is_some() {
                answered += 1;
                if let (Ok(a), Some(Ok(b))) = (
                    req_on.parse::<NaiveDate>(),
                    resp_on.as_deref().map(str::parse::<NaiveDate>),
                ) {
                    days.push((b - a).num_days());
                }
            }
        }
        days.sort_unstable();
        let median = match days.len() {
            0 => None,
            n if n % 2 == 1 => Some(days[n / 2] as f64),
            n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };
        let sorted = |m: BTreeMap<String, i64>| {
            let mut v: Vec<(String, i64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Ok(DispatchFigures {
            fiscal_year: fy.0,
            total: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            by_coordinator: sorted(by_c),
            by_municipality: sorted(by_m),
            by_topic: sorted(by_t),
            median_days_to_accept: median,
            declined_percent: (answered > 0).then(|| declined as f64 * 100.0 / answered as f64),
            answered,
            declined,
        })
    }
}
