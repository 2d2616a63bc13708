//! The triage list's counts, kept per open incident (`incident_triage_counts`), so the first
//! page of a triage costs one page of rows and one small read, whatever the size of the area.
//!
//! A bucket is `total` (children on the list), `unknown` (estimate unknown) or
//! `status:<code>` (children whose latest check-in has that state); `not_called` is `total`
//! minus the states. Every write that changes a child's estimate row
//! (`power_estimates::refresh`) or a check-in takes the children's contribution to each open
//! incident before and after and applies the difference, in its transaction — the same
//! "old contribution out, new in" as `stats::apply`. Opening an incident counts it once;
//! closing it drops its rows (a closed incident's triage counts from the records again, as it
//! is no longer worked); `power_estimates::rebuild` and start-up recount every open incident.
//! Staff views read the kept counts; a municipal user's or coordinator's view (a subset of
//! the list) still counts its rows.

use std::collections::HashMap;

use crate::db::Conn;

use crate::disaster::{area_condition, CheckinStatus, TriageCounts};
use crate::{placeholders, Result, Store};

/// The kept counts are differences, only right when no other transaction changes the same
/// children's rows between "before" and "after": the write-transaction opener
/// (`crate::open_write`) holds the writers' lock for the whole transaction; this checks it.
fn lock(conn: &mut Conn) -> Result<()> {
    crate::db::require_write_lock(conn)
}

/// An open incident whose counts are kept.
#[derive(Clone)]
struct KeptIncident {
    id: String,
    center_id: String,
    areas: Vec<String>,
}

type Buckets = HashMap<String, i64>;

/// The counts of `children` (all of the list when `None`) on `inc`'s list, by bucket.
async fn count(
    conn: &mut Conn,
    inc: &KeptIncident,
    children: Option<&[String]>,
) -> Result<Buckets> {
    let mut binds = vec![inc.center_id.clone()];
    let area = area_condition(&inc.areas, &mut binds);
    binds.push(inc.id.clone());
    let incident_bind = binds.len();
    let mut sql = format!(
        "SELECT e.sort_class, l.status, COUNT(*) FROM child_power_estimates e \
         LEFT JOIN checkin_latest l ON l.incident_id = ${incident_bind} AND l.child_id = e.child_id \
         WHERE e.center_id = $1 AND {area}"
    );
    if let Some(ids) = children {
        sql.push_str(&format!(
            " AND e.child_id IN ({})",
            placeholders(binds.len() + 1, ids.len())
        ));
        binds.extend(ids.iter().cloned());
    }
    sql.push_str(" GROUP BY e.sort_class, l.status");
    let mut q = crate::db::query_as::<(i64, Option<String>, i64)>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    let mut out = Buckets::new();
    for (class, status, n) in q.fetch_all(&mut *conn).await? {
        *out.entry("total".into()).or_insert(0) += n;
        if class == 0 {
            *out.entry("unknown".into()).or_insert(0) += n;
        }
        if let Some(s) = status {
            *out.entry(format!("status:{s}")).or_insert(0) += n;
        }
    }
    Ok(out)
}

fn every_bucket() -> Vec<String> {
    let mut v = vec!["total".to_string(), "unknown".to_string()];
    v.extend(
        CheckinStatus::all()
            .into_iter()
            .map(|s| format!("status:{}", s.code())),
    );
    v
}

async fn kept_incidents(conn: &mut Conn, children: Option<&[String]>) -> Result<Vec<KeptIncident>> {
    let mut sql = "SELECT i.id, i.center_id, i.municipality_codes FROM incidents i \
                   WHERE i.status = 'open' AND EXISTS (SELECT 1 FROM incident_triage_counts t WHERE t.incident_id = i.id)"
        .to_string();
    if let Some(ids) = children {
        sql.push_str(&format!(
            " AND i.center_id IN (SELECT center_id FROM children WHERE id IN ({}))",
            placeholders(1, ids.len())
        ));
    }
    let mut q = crate::db::query_as::<(String, String, String)>(&sql);
    for id in children.unwrap_or_default() {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, center_id, codes)| KeptIncident {
            id,
            center_id,
            areas: codes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect())
}

/// The contribution of some children to every open incident's kept counts, taken before a
/// change; [`Snapshot::apply`] after the change writes the difference.
pub(crate) struct Snapshot {
    children: Vec<String>,
    before: Vec<(KeptIncident, Buckets)>,
}

impl Snapshot {
    /// Takes the children's current contribution (inside the write transaction).
    pub(crate) async fn take(conn: &mut Conn, children: &[String]) -> Result<Snapshot> {
        let mut before = Vec::new();
        if !children.is_empty() {
            lock(conn)?;
            for inc in kept_incidents(conn, Some(children)).await? {
                let b = count(conn, &inc, Some(children)).await?;
                before.push((inc, b));
            }
        }
        Ok(Snapshot {
            children: children.to_vec(),
            before,
        })
    }

    /// Applies (contribution now − contribution before) to the kept counts.
    pub(crate) async fn apply(self, conn: &mut Conn) -> Result<()> {
        for (inc, before) in self.before {
            let after = count(conn, &inc, Some(&self.children)).await?;
            for bucket in every_bucket() {
                let delta = after.get(&bucket).copied().unwrap_or(0)
                    - before.get(&bucket).copied().unwrap_or(0);
                if delta != 0 {
                    crate::db::query(
                        "UPDATE incident_triage_counts SET n = n + $1 WHERE incident_id = $2 AND bucket = $3",
                    )
                    .bind(delta)
                    .bind(&inc.id)
                    .bind(&bucket)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// Counts an incident's list from the records and keeps the result (replacing kept rows).
pub(crate) async fn init(conn: &mut Conn, incident_id: &str) -> Result<()> {
    lock(conn)?;
    let row: Option<(String, String)> = crate::db::query_as(
        "SELECT center_id, municipality_codes FROM incidents WHERE id = $1 AND status = 'open'",
    )
    .bind(incident_id)
    .fetch_optional(&mut *conn)
    .await?;
    drop_kept(conn, incident_id).await?;
    let Some((center_id, codes)) = row else {
        return Ok(());
    };
    let inc = KeptIncident {
        id: incident_id.to_string(),
        center_id,
        areas: codes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let counts = count(conn, &inc, None).await?;
    for bucket in every_bucket() {
        crate::db::query(
            "INSERT INTO incident_triage_counts (incident_id, bucket, n) VALUES ($1,$2,$3)",
        )
        .bind(incident_id)
        .bind(&bucket)
        .bind(counts.get(&bucket).copied().unwrap_or(0))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Forgets an incident's kept counts (on closing).
pub(crate) async fn drop_kept(conn: &mut Conn, incident_id: &str) -> Result<()> {
    lock(conn)?;
    crate::db::query("DELETE FROM incident_triage_counts WHERE incident_id = $1")
        .bind(incident_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Recounts every open incident (after a wholesale rebuild of the estimates).
pub(crate) async fn rebuild(conn: &mut Conn) -> Result<()> {
    let open: Vec<String> =
        crate::db::query_scalar("SELECT id FROM incidents WHERE status = 'open'")
            .fetch_all(&mut *conn)
            .await?;
    for id in open {
        init(conn, &id).await?;
    }
    Ok(())
}

/// The kept counts of an incident, `None` when none are kept (a closed incident).
pub(crate) async fn kept(conn: &mut Conn, incident_id: &str) -> Result<Option<TriageCounts>> {
    let rows: Vec<(String, i64)> =
        crate::db::query_as("SELECT bucket, n FROM incident_triage_counts WHERE incident_id = $1")
            .bind(incident_id)
            .fetch_all(&mut *conn)
            .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let by: Buckets = rows.into_iter().collect();
    let get = |k: &str| by.get(k).copied().unwrap_or(0);
    let by_status: Vec<(String, i64)> = CheckinStatus::all()
        .into_iter()
        .map(|s| (s.code().to_string(), get(&format!("status:{}", s.code()))))
        .collect();
    let total = get("total");
    Ok(Some(TriageCounts {
        total,
        unknown: get("unknown"),
        not_called: total - by_status.iter().map(|(_, n)| n).sum::<i64>(),
        by_status,
    }))
}

impl Store {
    /// The counts kept for an incident of the actor's center (`None` when none are kept: a
    /// closed incident), for staff.
    pub async fn kept_triage_counts(
        &self,
        actor: &crate::Actor,
        incident_id: &str,
    ) -> Result<Option<TriageCounts>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Err(crate::StoreError::Forbidden);
        }
        let center: Option<String> =
            crate::db::query_scalar("SELECT center_id FROM incidents WHERE id = $1")
                .bind(incident_id)
                .fetch_optional(self.pool())
                .await?;
        if center.as_deref() != Some(actor.center_id.as_str()) {
            return Err(crate::StoreError::NotFound);
        }
        let mut conn = self.pool().acquire().await?;
        kept(&mut conn, incident_id).await
    }

    /// Keeps counts for open incidents that have none (made before the counts were kept).
    /// Runs at start-up.
    pub(crate) async fn ensure_triage_counts(&self) -> Result<()> {
        let missing: Vec<String> = crate::db::query_scalar(
            "SELECT id FROM incidents i WHERE status = 'open' AND NOT EXISTS \
             (SELECT 1 FROM incident_triage_counts t WHERE t.incident_id = i.id)",
        )
        .fetch_all(self.pool())
        .await?;
        if missing.is_empty() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        for id in missing {
            init(&mut w.tx, &id).await?;
        }
        w.commit().await
    }
}
