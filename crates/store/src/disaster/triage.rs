//! The triage list of an incident, ordered by the time until each child's power runs out, and
//! safety check-ins (安否確認).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::municipality::area_contains;
use domain::power::{DeviceKind, Estimate};
use domain::{messages, Role};

use super::{
    area_condition, decode_rows, json_rows, CheckinStatus, Contact, LatestCheckin, Triage,
    TriageCounts, TriagePage, TriageRow, RESPONDER_ROLES,
};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// A guardian as read: child, primary, position, relation, name, phones.
type GuardianRow = (
    String,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// A triage row as read (a JSON array in this order): the kept estimate with the child's
/// name and address, then the latest check-in, then the sort key.
#[derive(serde::Deserialize)]
struct TriageDbRow {
    child_id: String,
    family_name: String,
    given_name: String,
    kana: String,
    municipality_code: String,
    address: Option<String>,
    estimate: String,
    device_kinds: String,
    car_inverter: i64,
    generator: i64,
    status: Option<String>,
    at: Option<String>,
    note: Option<String>,
    by: Option<String>,
    count: Option<i64>,
    sort_class: i64,
    minutes: i64,
}

fn triage_row(r: TriageDbRow) -> Result<TriageRow> {
    let TriageDbRow {
        child_id: id,
        family_name: family,
        given_name: given,
        kana,
        municipality_code: m,
        address,
        estimate: est,
        device_kinds: kinds,
        car_inverter: car,
        generator: gen,
        status,
        at,
        note,
        by,
        count,
        ..
    } = r;
    let estimate: Estimate = serde_json::from_str(&est)
        .map_err(|e| StoreError::Config(format!("stored estimate of {id}: {e}")))?;
    let checkin = match (status.as_deref().and_then(CheckinStatus::parse), at) {
        (Some(status), Some(at)) => Some(LatestCheckin {
            status,
            at,
            by: by.unwrap_or_default(),
            note,
            count: count.unwrap_or(1),
        }),
        _ => None,
    };
    Ok(TriageRow {
        child_id: id,
        name: format!("{family} {given}"),
        kana,
        municipality_code: m,
        address,
        estimate,
        devices: kinds.split(',').filter_map(DeviceKind::parse).collect(),
        car_inverter: car != 0,
        generator: gen != 0,
        contacts: Vec::new(),
        checkin,
    })
}

impl Store {
    /// The triage list of an incident: every power-dependent child of the affected areas,
    /// unknown estimates first, then by fewest minutes; with phones and the latest check-in.
    /// Staff see all; a coordinator their assigned children; a municipal user their area while
    /// the incident is open (audited), figures only afterwards.
    ///
    /// The counts cover the whole list; `rows` holds the requested page of it. Estimates come
    /// precomputed from `child_power_estimates` (see `power_estimates`), so the cost follows
    /// the page, not the number of children in the area.
    pub async fn triage(
        &self,
        actor: &Actor,
        incident_id: &str,
        page: TriagePage,
        now: DateTime<Utc>,
    ) -> Result<Triage> {
        let incident = self.incident(actor, incident_id).await?;
        let municipal = actor.role == Role::Municipal;
        if !(actor.reads_children() || municipal) {
            return Err(StoreError::Forbidden);
        }
        // The list's condition on `e` (child_power_estimates), with its text binds from $1.
        let mut binds = vec![actor.center_id.clone()];
        let mut filter = format!(
            "e.center_id = $1 AND {}",
            area_condition(&incident.municipality_codes, &mut binds)
        );
        if municipal {
            filter.push_str(" AND ");
            filter.push_str(&area_condition(&actor.municipalities, &mut binds));
        }
        if actor.assigned_only() {
            binds.push(actor.user_id.clone());
            filter.push_str(&format!(
                " AND e.child_id IN (SELECT child_id FROM child_coordinators WHERE user_id = ${})",
                binds.len()
            ));
        }
        let incident_bind = binds.len() + 1;

        // Staff see the whole list: its counts are kept per open incident (triage_counts).
        // A municipal or coordinator view is a subset and counts its rows.
        let kept = if municipal || actor.assigned_only() {
            None
        } else {
            let mut conn = self.pool().acquire().await?;
            crate::triage_counts::kept(&mut conn, incident_id).await?
        };
        let counts = match kept {
            Some(c) => c,
            None => self.count_triage(&filter, &binds, incident_id).await?,
        };

        let rows_visible = !(municipal && incident.status != "open");
        let mut rows = Vec::new();
        if rows_visible {
            // The page is cut from the estimates alone (index order, no joins for the rows
            // skipped), then joined; one JSON-aggregated row answers it (see json_rows).
            let sql = format!(
                "SELECT {} FROM (SELECT e.* FROM child_power_estimates e WHERE {filter} \
                   ORDER BY e.sort_class, e.minutes, e.kana, e.child_id LIMIT ${} OFFSET ${}) e \
                 JOIN children c ON c.id = e.child_id \
                 LEFT JOIN checkin_latest l ON l.incident_id = ${incident_bind} AND l.child_id = e.child_id \
                 LEFT JOIN users u ON u.id = l.by_user",
                json_rows(
                    self.backend(),
                    "e.child_id, c.family_name, c.given_name, e.kana, e.municipality_code, \
                     c.address, e.estimate, e.device_kinds, e.car_inverter, e.generator, \
                     l.status, l.at, l.note, u.display_name, l.checkin_count, e.sort_class, e.minutes"
                ),
                incident_bind + 1,
                incident_bind + 2
            );
            let mut q = crate::db::query_scalar::<String>(&sql);
            for b in &binds {
                q = q.bind(b);
            }
            let raw = q
                .bind(incident_id)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_one(self.pool())
                .await?;
            let mut found = decode_rows::<TriageDbRow>(&raw)?;
            found.sort_unstable_by(|a, b| {
                (a.sort_class, a.minutes, &a.kana, &a.child_id).cmp(&(
                    b.sort_class,
                    b.minutes,
                    &b.kana,
                    &b.child_id,
                ))
            });
            rows = found
                .into_iter()
                .map(triage_row)
                .collect::<Result<Vec<_>>>()?;
            self.attach_contacts(&mut rows).await?;
        }
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: if municipal {
                    "incident.triage.municipal"
                } else {
                    "incident.triage"
                },
                entity: "incident",
                entity_id: Some(incident_id),
                detail: format!("rows={} offset={}", rows.len(), page.offset),
            },
        )
        .await?;
        Ok(Triage {
            incident,
            rows,
            counts,
            rows_visible,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Counts the triage list given by `filter` (over `e`, binds from $1) from the records.
    async fn count_triage(
        &self,
        filter: &str,
        binds: &[String],
        incident_id: &str,
    ) -> Result<TriageCounts> {
        let incident_bind = binds.len() + 1;
        let sql = format!(
            "SELECT e.sort_class, COUNT(*) FROM child_power_estimates e WHERE {filter} GROUP BY e.sort_class"
        );
        let mut q = crate::db::query_as::<(i64, i64)>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let mut counts = TriageCounts::default();
        for (class, n) in q.fetch_all(self.pool()).await? {
            counts.total += n;
            if class == 0 {
                counts.unknown += n;
            }
        }
        let sql = format!(
            "SELECT l.status, COUNT(*) FROM checkin_latest l \
             JOIN child_power_estimates e ON e.child_id = l.child_id \
             WHERE l.incident_id = ${incident_bind} AND {filter} GROUP BY l.status"
        );
        let mut q = crate::db::query_as::<(String, i64)>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let by: HashMap<String, i64> = q
            .bind(incident_id)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .collect();
        counts.by_status = CheckinStatus::all()
            .into_iter()
            .map(|s| (s.code().to_string(), by.get(s.code()).copied().unwrap_or(0)))
            .collect();
        counts.not_called = counts.total - counts.by_status.iter().map(|(_, n)| n).sum::<i64>();
        Ok(counts)
    }

    /// The triage counts of an incident as counted from the records (staff scope), whatever
    /// is kept: for checking the kept counts (`triage_counts`).
    pub async fn recount_triage(&self, actor: &Actor, incident_id: &str) -> Result<TriageCounts> {
        let incident = self.incident(actor, incident_id).await?;
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let mut binds = vec![actor.center_id.clone()];
        let filter = format!(
            "e.center_id = $1 AND {}",
            area_condition(&incident.municipality_codes, &mut binds)
        );
        self.count_triage(&filter, &binds, incident_id).await
    }

    /// Guardians' phones on the listed rows, primary first then in the record's order.
    async fn attach_contacts(&self, rows: &mut [TriageRow]) -> Result<()> {
        let mut contacts: HashMap<String, Vec<Contact>> = HashMap::new();
        for chunk in rows.chunks(500) {
            let sql = format!(
                "SELECT {} FROM guardians g WHERE g.child_id IN ({})",
                json_rows(
                    self.backend(),
                    "g.child_id, g.is_primary, g.position, g.relation, g.name, g.phone, g.phone2"
                ),
                crate::placeholders(1, chunk.len())
            );
            let mut q = crate::db::query_scalar::<String>(&sql);
            for r in chunk {
                q = q.bind(&r.child_id);
            }
            let raw = q.fetch_one(self.pool()).await?;
            let mut found = decode_rows::<GuardianRow>(&raw)?;
            // Primary first, then in the record's order.
            found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            for (child, _, _, relation, name, phone, phone2) in found {
                contacts.entry(child).or_default().push(Contact {
                    relation,
                    name,
                    phone,
                    phone2,
                });
            }
        }
        for r in rows {
            r.contacts = contacts.remove(&r.child_id).unwrap_or_default();
        }
        Ok(())
    }

    /// Records a check-in for a child on an open incident's list (append-only). Responders for
    /// any listed child; coordinators for their assigned children.
    pub async fn check_in(
        &self,
        actor: &Actor,
        incident_id: &str,
        child_id: &str,
        status: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !(RESPONDER_ROLES.contains(&actor.role) || actor.role == Role::Coordinator) {
            return Err(StoreError::Forbidden);
        }
        let incident = self.incident(actor, incident_id).await?;
        if incident.status != "open" {
            return Err(messages::disaster::incident_closed_for_checkins().into());
        }
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        let m: String =
            crate::db::query_scalar("SELECT municipality_code FROM children WHERE id = $1")
                .bind(child_id)
                .fetch_one(&mut w.tx)
                .await?;
        if !incident
            .municipality_codes
            .iter()
            .any(|a| area_contains(a, &m))
        {
            return Err(messages::disaster::child_not_in_area().into());
        }
        let Some(status) = CheckinStatus::parse(status) else {
            return Err(messages::disaster::checkin_status_required().into());
        };
        let note = domain::text::optional_text("note", note, 1000)?;
        let checkin_id = new_id();
        let counts =
            crate::triage_counts::Snapshot::take(&mut w.tx, &[child_id.to_string()]).await?;
        crate::db::query("INSERT INTO checkins (id, incident_id, child_id, status, note, at, by_user) VALUES ($1,$2,$3,$4,$5,$6,$7)")
            .bind(&checkin_id)
            .bind(incident_id)
            .bind(child_id)
            .bind(status.code())
            .bind(note.as_deref())
            .bind(ts(now))
            .bind(&actor.user_id)
            .execute(&mut w.tx)
            .await?;
        // The triage list reads each child's state from here. A check-in stamped earlier than
        // the kept one (a clock set back) is counted but does not replace it.
        crate::db::query(
            "INSERT INTO checkin_latest (incident_id, child_id, checkin_id, status, note, at, by_user, checkin_count) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,1) \
             ON CONFLICT (incident_id, child_id) DO UPDATE SET \
               checkin_id = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.checkin_id ELSE checkin_latest.checkin_id END, \
               status = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.status ELSE checkin_latest.status END, \
               note = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.note ELSE checkin_latest.note END, \
               by_user = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.by_user ELSE checkin_latest.by_user END, \
               at = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.at ELSE checkin_latest.at END, \
               checkin_count = checkin_latest.checkin_count + 1",
        )
        .bind(incident_id)
        .bind(child_id)
        .bind(&checkin_id)
        .bind(status.code())
        .bind(note.as_deref())
        .bind(ts(now))
        .bind(&actor.user_id)
        .execute(&mut w.tx)
        .await?;
        counts.apply(&mut w.tx).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "incident.checkin",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!("incident={incident_id} status={}", status.code()),
            },
        )
        .await?;
        w.commit().await
    }
}
