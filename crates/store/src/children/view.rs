//! The child's page: one child's full record (audited), its label and the center's coordinators.

use chrono::{DateTime, Utc};

use super::form::{ChildForm, GuardianForm};
use super::{ChildAccess, ChildRecord};
use crate::audit::AuditEntry;
use crate::devices::DeviceRecord;
use crate::{Actor, Result, Store, StoreError};

impl Store {
    /// Open a child's record. Every successful view is audited (`child.view`); a coordinator
    /// opening an unassigned child gets [`StoreError::Forbidden`] and the attempt is audited too.
    pub async fn view_child(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ChildRecord> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        // Read on the pool (concurrently with other readers), then release the record only
        // after its audit row — or the denial's — is committed.
        let mut conn = self.pool().acquire().await?;
        let scoped = self.scoped_child_version(&mut conn, actor, id).await;
        let mut detail = String::new();
        let record = match scoped {
            Err(StoreError::Forbidden) => {
                // Outside the actor's scope: only a running break-the-glass grant opens it.
                match crate::break_glass::running_grant(&mut conn, actor, id, now).await? {
                    Some((grant, until)) => {
                        detail = format!("break_glass={grant}");
                        let mut r = load_child(&mut conn, id).await?;
                        r.access = ChildAccess::BreakGlass { until };
                        r
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
                        return Err(StoreError::Forbidden);
                    }
                }
            }
            Err(StoreError::NotFound) => {
                // Another center's child: readable only through a running referral.
                match crate::consents::share_for(&mut conn, actor, id).await? {
                    Some((share, from_center)) => {
                        detail = format!("referral={share}");
                        let mut r = load_child(&mut conn, id).await?;
                        r.access = ChildAccess::Referral { from_center };
                        r
                    }
                    None => return Err(StoreError::NotFound),
                }
            }
            Err(e) => return Err(e),
            Ok(_) => load_child(&mut conn, id).await?,
        };
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.view",
                entity: "child",
                entity_id: Some(id),
                detail,
            },
        )
        .await?;
        Ok(record)
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

type FullChildRow = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    ),
    (
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    (String, String, i64, Option<String>, i64, String, String),
);

async fn load_child(tx: &mut crate::db::Conn, id: &str) -> Result<ChildRecord> {
    let r = crate::db::query(
        "SELECT c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, c.sex, c.municipality_code, c.address, \
         c.phone, c.care_setting, c.discharged_on, c.primary_hospital_id, c.primary_doctor, c.school_id, \
         c.status, c.status_since, c.version, c.notes, c.uses_no_welfare, c.created_at, c.updated_at, \
         h.name, s.name FROM children c LEFT JOIN organizations h ON h.id = c.primary_hospital_id \
         LEFT JOIN organizations s ON s.id = c.school_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let row: FullChildRow = (
        (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
        ),
        (
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
            r.try_get(12)?,
            r.try_get(13)?,
        ),
        (
            r.try_get(14)?,
            r.try_get(15)?,
            r.try_get(16)?,
            r.try_get(17)?,
            r.try_get(18)?,
            r.try_get(19)?,
            r.try_get(20)?,
        ),
    );
    let hospital_name: Option<String> = r.try_get(21)?;
    let school_name: Option<String> = r.try_get(22)?;
    let (
        (
            family_name,
            given_name,
            family_name_kana,
            given_name_kana,
            birth_date,
            sex,
            municipality_code,
            address,
        ),
        (phone, care_setting, discharged_on, primary_hospital_id, primary_doctor, school_id),
        (status, status_since, version, notes, no_welfare, created_at, updated_at),
    ) = row;
    let care: Vec<(String, Option<String>, Option<String>)> = crate::db::query_as(
        "SELECT code, detail, watch FROM child_medical_care WHERE child_id = $1 ORDER BY code",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let welfare: Vec<String> = crate::db::query_scalar(
        "SELECT code FROM child_welfare_services WHERE child_id = $1 ORDER BY code",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let guardians: Vec<(String, Option<String>, String, Option<String>, Option<String>, Option<String>, i64)> = crate::db::query_as(
        "SELECT name, name_kana, relation, phone, phone2, email, is_primary FROM guardians WHERE child_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let devices = crate::devices::load(tx, id).await?;
    let coords: Vec<(String, String)> = crate::db::query_as(
        "SELECT u.id, u.display_name FROM child_coordinators cc JOIN users u ON u.id = cc.user_id \
         WHERE cc.child_id = $1 AND cc.origin = 'assigned' ORDER BY u.display_name",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let form = ChildForm {
        family_name,
        given_name,
        family_name_kana,
        given_name_kana,
        birth_date,
        sex,
        municipality_code,
        address: address.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        care_setting,
        discharged_on: discharged_on.unwrap_or_default(),
        primary_hospital_id: primary_hospital_id.unwrap_or_default(),
        primary_doctor: primary_doctor.unwrap_or_default(),
        school_id: school_id.unwrap_or_default(),
        status,
        status_since,
        medical_care: care.iter().map(|(c, _, _)| c.clone()).collect(),
        medical_care_details: care
            .iter()
            .filter_map(|(c, d, _)| d.clone().map(|d| (c.clone(), d)))
            .collect(),
        medical_care_watch: care
            .iter()
            .filter_map(|(c, _, w)| w.clone().map(|w| (c.clone(), w)))
            .collect(),
        welfare_services: welfare,
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
        notes: notes.unwrap_or_default(),
    };
    let care_score = form.care_score();
    let dispatch_access = crate::scope::dispatch_accesses(tx, id).await?;
    Ok(ChildRecord {
        id: id.to_string(),
        form,
        version,
        uses_no_welfare: no_welfare != 0,
        primary_hospital_name: hospital_name,
        school_name,
        coordinator_names: coords.into_iter().map(|(_, n)| n).collect(),
        care_score,
        dispatch_access,
        created_at,
        updated_at,
        access: ChildAccess::Scope,
    })
}

impl Store {
    /// Name, kana and birth date of a child in the actor's scope, for labels (e.g. the intake
    /// form's selected child). Not a record view: the full record is audited by [`Store::view_child`].
    pub async fn child_brief(&self, actor: &Actor, id: &str) -> Result<Option<String>> {
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
        Ok(q.fetch_optional(self.pool())
            .await?
            .map(|(f, g, fk, gk, b)| format!("{f} {g}（{fk} {gk}）{b}")))
    }
}
