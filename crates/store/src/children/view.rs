//! The child's page: one child's full record (audited), its label and the center's coordinators.

use chrono::{DateTime, Utc};

use super::{ChildAccess, ChildRecord};
use crate::audit::AuditEntry;
use crate::db::decode_rows;
use crate::devices::DeviceRecord;
use crate::{Actor, Result, Store, StoreError};
use domain::child::{ChildForm, GuardianForm};

/// What the child's page shows: the record and its latest consultations.
#[derive(Clone, Debug)]
pub struct ChildView {
    /// The record.
    pub record: ChildRecord,
    /// The latest consultations about the child, newest first.
    pub timeline: crate::consultations::ConsultationPage,
}

impl Store {
    /// Open a child's record. Every successful view is audited (`child.view`); a coordinator
    /// opening an unassigned child gets [`StoreError::Forbidden`] and the attempt is audited too.
    pub async fn view_child(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ChildRecord> {
        let (record, detail) = self.read_child(actor, id, now).await?;
        self.audit_event(Some(actor), now, child_view_entry(id, detail))
            .await?;
        Ok(record)
    }

    /// The child's page: [`Store::view_child`] plus the latest `timeline_length`
    /// consultations — two queries on the pool and one audit commit (`child.view`, and
    /// `consultation.list` for the timeline unless a break-the-glass grant opened the record:
    /// its `child.view` covers the history the grant opens).
    pub async fn child_page(
        &self,
        actor: &Actor,
        id: &str,
        timeline_length: i64,
        now: DateTime<Utc>,
    ) -> Result<ChildView> {
        let (record, detail) = self.read_child(actor, id, now).await?;
        let query = crate::consultations::ConsultationQuery {
            child_id: id.to_string(),
            limit: Some(timeline_length),
            ..Default::default()
        };
        let mut entries = vec![child_view_entry(id, detail)];
        let timeline = if let ChildAccess::BreakGlass { .. } = record.access {
            // The grant opens this child's whole record, its history included (a crisis call
            // needs it): a center-wide read, narrowed to this child by the query.
            let mut reader = actor.clone();
            reader.role = domain::Role::Viewer;
            self.find_consultations(&reader, &query).await?
        } else {
            let page = self.find_consultations(actor, &query).await?;
            entries.push(crate::audit::list_read_entry(
                "consultation.list",
                crate::Via::ChildPage,
                &format!("results={}", page.items.len()),
            ));
            page
        };
        self.audit_events(Some(actor), now, entries).await?;
        Ok(ChildView { record, timeline })
    }

    /// Read a child's record and say how it was reached (the audit row's detail), without the
    /// `child.view` row, which the caller writes. One query when the child is in scope; a
    /// denial is audited here (`child.view.denied`).
    async fn read_child(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(ChildRecord, String)> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        // Read on the pool (concurrently with other readers); the caller releases the record
        // only after its audit row — or the denial's — is committed.
        let mut conn = self.pool().acquire().await?;
        let Some(loaded) = load_child(&mut conn, actor, id).await? else {
            return Err(StoreError::NotFound);
        };
        match crate::scope::child_in_scope(actor, &loaded.center_id, loaded.assigned) {
            Ok(()) => Ok((loaded.record, String::new())),
            // Another center's child: readable only through a running referral.
            Err(StoreError::NotFound) => {
                match crate::consents::share_for(&mut conn, actor, id).await? {
                    Some((share, from_center)) => {
                        let mut r = loaded.record;
                        r.access = ChildAccess::Referral { from_center };
                        Ok((r, format!("referral={share}")))
                    }
                    None => Err(StoreError::NotFound),
                }
            }
            // Outside the actor's scope: only a running break-the-glass grant opens it.
            Err(StoreError::Forbidden) => {
                match crate::break_glass::running_grant(&mut conn, actor, id, now).await? {
                    Some((grant, until)) => {
                        let mut r = loaded.record;
                        r.access = ChildAccess::BreakGlass { until };
                        Ok((r, format!("break_glass={grant}")))
                    }
                    None => {
                        drop(conn);
                        self.audit_event(
                            Some(actor),
                            now,
                            AuditEntry {
                                action: "child.view.denied",
                                entity: "child",
                                entity_id: Some(id),
                                detail: "outside scope".into(),
                            },
                        )
                        .await?;
                        Err(StoreError::Forbidden)
                    }
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Coordinators (users with that role) of the actor's center, for the assignment picker.
    pub async fn center_coordinators(&self, center_id: &str) -> Result<Vec<(String, String)>> {
        Ok(crate::db::query_as(
            "SELECT id, display_name FROM users WHERE center_id = $1 AND role = 'coordinator' AND disabled = 0 ORDER BY display_name, id",
        )
        .bind(center_id)
        .fetch_all(self.pool())
        .await?)
    }
}

fn child_view_entry(id: &str, detail: String) -> AuditEntry<'_> {
    AuditEntry {
        action: "child.view",
        entity: "child",
        entity_id: Some(id),
        detail,
    }
}

/// A child's record as stored, with what its scope check needs.
struct LoadedChild {
    record: ChildRecord,
    center_id: String,
    /// The actor is one of the child's coordinators (assigned or through a dispatch).
    assigned: bool,
}

/// The child's record in one query: the row, its names of places, and every list the record
/// holds (care items, welfare services, guardians, devices, coordinators, dispatch accesses)
/// as JSON arrays — one round trip instead of eight. `None` if no child has this id.
async fn load_child(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    id: &str,
) -> Result<Option<LoadedChild>> {
    let backend = conn.backend();
    let list = |columns: &str, from: &str, order: &str| {
        format!(
            "(SELECT {} FROM {from})",
            crate::db::dialect::json_rows_ordered(backend, columns, order)
        )
    };
    let sql = format!(
        "SELECT c.center_id, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM child_coordinators a WHERE a.child_id = c.id AND a.user_id = $2) THEN 1 ELSE 0 END AS BIGINT), \
         c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, c.sex, c.municipality_code, c.address, \
         c.phone, c.care_setting, c.discharged_on, c.primary_hospital_id, c.primary_doctor, c.school_id, \
         c.status, c.status_since, c.version, c.notes, c.uses_no_welfare, c.created_at, c.updated_at, \
         h.name, s.name, {care}, {welfare}, {guardians}, {devices}, {coordinators}, {dispatch} \
         FROM children c LEFT JOIN organizations h ON h.id = c.primary_hospital_id \
         LEFT JOIN organizations s ON s.id = c.school_id WHERE c.id = $1",
        care = list(
            "m.code, m.detail, m.watch",
            "child_medical_care m WHERE m.child_id = c.id",
            "m.code"
        ),
        welfare = list(
            "w.code",
            "child_welfare_services w WHERE w.child_id = c.id",
            "w.code"
        ),
        guardians = list(
            "g.name, g.name_kana, g.relation, g.phone, g.phone2, g.email, g.is_primary",
            "guardians g WHERE g.child_id = c.id",
            "g.position"
        ),
        devices = list(
            &crate::devices::COLUMNS
                .split(',')
                .map(|col| format!("d.{}", col.trim()))
                .collect::<Vec<_>>()
                .join(", "),
            "child_devices d WHERE d.child_id = c.id",
            "d.position"
        ),
        coordinators = list(
            "u.id, u.display_name",
            "child_coordinators cc JOIN users u ON u.id = cc.user_id \
             WHERE cc.child_id = c.id AND cc.origin = 'assigned'",
            "u.display_name, u.id"
        ),
        dispatch = list(
            "u.id, u.display_name, cc.access_until",
            "child_coordinators cc JOIN users u ON u.id = cc.user_id \
             WHERE cc.child_id = c.id AND cc.origin = 'dispatch'",
            "u.display_name, u.id"
        ),
    );
    let Some(r) = crate::db::query(&sql)
        .bind(id)
        .bind(&actor.user_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let json = |i: usize| -> Result<String> { Ok(r.try_get::<String>(i)?) };
    let care: Vec<(String, Option<String>, Option<String>)> = decode_rows(&json(25)?)?;
    let welfare: Vec<(String,)> = decode_rows(&json(26)?)?;
    let guardians: Vec<(
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    )> = decode_rows(&json(27)?)?;
    let devices: Vec<DeviceRecord> = decode_rows::<crate::devices::Row>(&json(28)?)?
        .into_iter()
        .filter_map(DeviceRecord::from_row)
        .collect();
    let coords: Vec<(String, String)> = decode_rows(&json(29)?)?;
    let dispatch: Vec<(String, String, Option<String>)> = decode_rows(&json(30)?)?;
    let text = |i: usize| -> Result<String> { Ok(r.try_get::<String>(i)?) };
    let opt = |i: usize| -> Result<Option<String>> { Ok(r.try_get::<Option<String>>(i)?) };
    let form = ChildForm {
        family_name: text(2)?,
        given_name: text(3)?,
        family_name_kana: text(4)?,
        given_name_kana: text(5)?,
        birth_date: text(6)?,
        sex: text(7)?,
        municipality_code: text(8)?,
        address: opt(9)?.unwrap_or_default(),
        phone: opt(10)?.unwrap_or_default(),
        care_setting: text(11)?,
        discharged_on: opt(12)?.unwrap_or_default(),
        primary_hospital_id: opt(13)?.unwrap_or_default(),
        primary_doctor: opt(14)?.unwrap_or_default(),
        school_id: opt(15)?.unwrap_or_default(),
        status: text(16)?,
        status_since: text(17)?,
        medical_care: care.iter().map(|(c, _, _)| c.clone()).collect(),
        medical_care_details: care
            .iter()
            .filter_map(|(c, d, _)| d.clone().map(|d| (c.clone(), d)))
            .collect(),
        medical_care_watch: care
            .iter()
            .filter_map(|(c, _, w)| w.clone().map(|w| (c.clone(), w)))
            .collect(),
        welfare_services: welfare.into_iter().map(|(code,)| code).collect(),
        guardians: guardians
            .into_iter()
            .map(
                |(name, kana, relation, phone, phone2, email, p)| GuardianForm {
                    name,
                    name_kana: kana.unwrap_or_default(),
                    relation,
                    phone: phone.unwrap_or_default(),
                    phone2: phone2.unwrap_or_default(),
                    email: email.unwrap_or_default(),
                    is_primary: p != 0,
                },
            )
            .collect(),
        devices: devices.iter().map(DeviceRecord::to_input).collect(),
        coordinator_ids: coords.iter().map(|(id, _)| id.clone()).collect(),
        notes: opt(19)?.unwrap_or_default(),
    };
    let care_score = form.care_score();
    let record = ChildRecord {
        id: id.to_string(),
        form,
        version: r.try_get(18)?,
        uses_no_welfare: r.try_get::<i64>(20)? != 0,
        primary_hospital_name: opt(23)?,
        school_name: opt(24)?,
        coordinator_names: coords.into_iter().map(|(_, n)| n).collect(),
        care_score,
        dispatch_access: dispatch
            .into_iter()
            .map(|(user_id, name, until)| crate::scope::DispatchAccess {
                user_id,
                name,
                until,
            })
            .collect(),
        created_at: text(21)?,
        updated_at: text(22)?,
        access: ChildAccess::Scope,
    };
    Ok(Some(LoadedChild {
        record,
        center_id: text(0)?,
        assigned: r.try_get::<i64>(1)? != 0,
    }))
}

impl Store {
    /// Name, kana and birth date of a child in the actor's scope, for labels (e.g. the intake
    /// form's selected child). Audited as a `child.view` of this child with detail `brief`.
    pub async fn child_brief(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let (scope, binds) = actor.child_scope_sql(2);
        let sql = format!(
            "SELECT c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date FROM children c WHERE c.id = $1 AND {scope}"
        );
        let mut q = crate::db::query_as::<(String, String, String, String, String)>(&sql).bind(id);
        for b in &binds {
            q = q.bind(b);
        }
        let Some((f, g, fk, gk, b)) = q.fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        self.audit_event(Some(actor), now, child_view_entry(id, "brief".into()))
            .await?;
        Ok(Some(format!("{f} {g}（{fk} {gk}）{b}")))
    }
}
